"""The spin-frame assembly of raw JunoCam framelets (jovis.io.junocam_spin), on raw products
rendered here through the camera model: a grey scene fixed in the spinning frame, seen by each
filter's framelet at each exposure."""

import json

import cv2
import numpy as np
import pytest

from jovis.io import read_frame
from jovis.io.junocam import read_junocam
from jovis.io.junocam_raw import compand
from jovis.io.junocam_spin import (
    CENTRE_X,
    CENTRE_Y,
    FOCAL_PX,
    K1,
    K2,
    distortion_centres,
    lay_out_raw,
    limb_radius_px,
    nominal_step,
)

PID = "JNCE_2020001_25C00001_V01"
STORAGE = ("blue", "green", "red")
N_FRAMES = 7


def scene(az: np.ndarray, el: np.ndarray) -> np.ndarray:
    """Linear DN of a grey scene in the spin frame: a lit disk with dark and bright spots."""
    value = np.full(np.broadcast(az, el).shape, 40.0)
    # every filter sees azimuths 0.10-0.46 rad (7 exposures): the disk sits inside
    for a, e, r, level in [(0.28, 0.0, 0.14, 1200.0), (0.27, -0.05, 0.02, 2600.0),
                           (0.33, 0.06, 0.015, 300.0), (0.25, 0.09, 0.01, 2400.0)]:  # fmt: skip
        value = np.where(np.hypot(az - a, el - e) < r, level, value)
    return value


def undistort(xd: np.ndarray, yd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xu, yu = xd.copy(), yd.copy()
    for _ in range(8):
        r2 = xu * xu + yu * yu
        factor = 1 + K1 * r2 + K2 * r2 * r2
        xu, yu = xd / factor, yd / factor
    return xu, yu


def render_raw(step: float) -> np.ndarray:
    """uint8 SQROOT codes (N_FRAMES·3·128, 1648) of `scene` seen at `step` rad per exposure."""
    ys, xs = np.mgrid[0:128, 0:1648].astype(np.float64)
    rows = []
    for t in range(N_FRAMES):
        for name in STORAGE:
            xu, yu = undistort(xs - CENTRE_X, ys - CENTRE_Y[name])
            el = np.arctan2(xu, np.hypot(yu, FOCAL_PX))
            az = np.arctan2(yu, FOCAL_PX) + t * step
            rows.append(scene(az, el))
    return compand(np.clip(np.concatenate(rows), 0, 2879).astype(np.float32))


def write_product(folder, step_factor: float = 1.0, **meta_extra):
    meta = {"PRODUCT_ID": PID, "FILTER_NAME": ["BLUE", "GREEN", "RED"],
            "INTERFRAME_DELAY": "0.370 <s>", "SAMPLE_BIT_MODE_ID": "SQROOT"}  # fmt: skip
    meta |= meta_extra
    nominal, _ = nominal_step(meta)
    codes = render_raw(nominal * step_factor)
    path = folder / f"{PID}-raw.png"
    cv2.imwrite(str(path), codes)
    (folder / f"{PID}-metadata.json").write_text(json.dumps(meta))
    return path


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    # the spacecraft turned 3% faster than the nominal 2 rpm: the fit has to find it
    return write_product(tmp_path_factory.mktemp("spin"), step_factor=1.03)


def test_filters_land_on_the_same_pixels(product):
    frame = read_frame(product)
    meta = frame.meta
    assert meta["raw_layout"] == "spin" and frame.channels == ["red", "green", "blue"]
    assert meta["spin_step_deg"] / meta["spin_step_nominal_deg"] == pytest.approx(1.03, abs=0.003)
    assert min(meta["registration"].values()) > 0.9
    # a grey scene: where every filter sees it, the three channels agree
    inside = frame.valid & (frame.image[..., 1] > 100)
    assert inside.sum() > 10_000
    spread = np.abs(frame.image[..., 0] - frame.image[..., 2])[inside]
    assert np.median(spread) < 15  # DN, against levels of 300-2600
    # the stacked framelets of the same product do not line up
    stacked = read_junocam(product, raw_layout="framelets")
    assert stacked.image.shape == (N_FRAMES * 128, 1648, 3)
    both = stacked.image[..., 1] > 100
    assert np.median(np.abs(stacked.image[..., 0] - stacked.image[..., 2])[both]) > 100


def test_scene_geometry_is_kept(product):
    """The two bright spots, 0.14 rad apart in elevation and 0.02 in azimuth, are that many
    focal lengths apart in the assembled frame: one pixel per IFOV at the boresight."""
    frame = read_frame(product)
    green = frame.image[..., 1]
    bright = (green > 2000).astype(np.uint8)
    _, _, stats, centroids = cv2.connectedComponentsWithStats(bright)
    spots = centroids[1:][stats[1:, cv2.CC_STAT_AREA] > 50]
    assert len(spots) == 2
    (x0, y0), (x1, y1) = sorted(spots.tolist())  # columns run along elevation
    assert x1 - x0 == pytest.approx(0.14 * FOCAL_PX, rel=0.02)  # el 0.09 vs -0.05
    assert y0 - y1 == pytest.approx(0.02 * FOCAL_PX, rel=0.1)  # az 0.02 vs 0.0


def test_without_altitude_the_limb_is_fitted_and_infer_zooms_by_it(product):
    meta = read_frame(product).meta
    assert meta["limb_radius_source"] == "circle fitted to the disk outline"
    assert meta["limb_radius_px"] == pytest.approx(0.14 * FOCAL_PX, rel=0.03)


def test_altitude_gives_the_limb(tmp_path):
    path = write_product(tmp_path, SPACECRAFT_ALTITUDE="100000.0 <km>")
    meta = read_frame(path).meta
    assert meta["limb_radius_source"] == "SPACECRAFT_ALTITUDE"
    assert meta["limb_radius_px"] == pytest.approx(limb_radius_px(100000.0), abs=0.1)
    assert limb_radius_px(100000.0) == pytest.approx(FOCAL_PX * np.arcsin(71492 / 171492))


def test_nominal_step_and_distortion_centres():
    step, assumed = nominal_step({"INTERFRAME_DELAY": "0.370 <s>"})
    assert step == pytest.approx(2 * np.pi / 30 * 0.371) and not assumed
    assert nominal_step({})[1] and nominal_step({"INTERFRAME_DELAY": "n/a"})[1]
    assert distortion_centres({})["methane"] == 315.48
    override = {"RATIONALE_DESC": "Methane. INS-61504_DISTORTION_Y = 405.48"}
    assert distortion_centres(override)["methane"] == 405.48


def test_single_filter_keeps_the_nominal_step():
    stack = np.full((2 * 128, 1648, 1), 500.0, np.float32)
    meta = {"INTERFRAME_DELAY": "0.372 <s>"}
    image, valid = lay_out_raw(stack, ["methane"], meta)
    assert meta["spin_step_deg"] == meta["spin_step_nominal_deg"] and meta["registration"] == {}
    assert image.shape[2] == 1 and valid.any()


def test_narrow_raw_keeps_the_framelets_and_says_why():
    stack = np.ones((256, 20, 3), np.float32)
    meta: dict = {}
    image, valid = lay_out_raw(stack, ["red", "green", "blue"], meta)
    assert image is stack and valid is None and meta["raw_layout"] == "framelets"
    assert "1648-sample" in meta["raw_layout_reason"]
    with pytest.raises(ValueError, match="valid choices are spin, framelets"):
        lay_out_raw(stack, ["red", "green", "blue"], {}, "mosaic")


def test_pds3_edr_is_assembled_too(tmp_path):
    """A full-width JunoCam EDR (PDS3) goes through the same assembly, its altitude from the
    label; fill pixels are no data in every filter they touch."""
    from tests.io.test_pds3 import write_pds3

    nominal, _ = nominal_step({"INTERFRAME_DELAY": "0.370 <s>"})
    clean = render_raw(nominal).astype(np.int64)
    codes = clean.copy()
    codes[3 * 384 + 60 : 3 * 384 + 64, 800:820] = 255  # fill inside the 4th exposure's blue
    extra = (
        'INSTRUMENT_ID = "JNC"\r\nPRODUCT_ID = "JNCE_2021052_32C00054_V01"\r\n'
        'FILTER_NAME = ("BLUE", "GREEN", "RED")\r\nSAMPLE_BIT_MODE_ID = "SQROOT"\r\n'
        "INTERFRAME_DELAY = 0.370\r\nSPACECRAFT_ALTITUDE = 100000.0\r\nMISSING_CONSTANT = 255\r\n"
    )
    frame = read_frame(write_pds3(tmp_path, "JNCE", codes, "MSB_UNSIGNED_INTEGER", extra))
    meta = frame.meta
    assert meta["raw_layout"] == "spin" and min(meta["registration"].values()) > 0.9
    assert meta["limb_radius_px"] == pytest.approx(limb_radius_px(100000.0), abs=0.1)
    assert frame.valid.shape == frame.image.shape[:2] and 0.05 < frame.valid.mean() < 0.9
    (tmp_path / "clean").mkdir()
    whole = read_frame(write_pds3(tmp_path / "clean", "JNCE", clean, "MSB_UNSIGNED_INTEGER", extra))
    assert 0 < whole.valid.sum() - frame.valid.sum() <= 4 * 20 * 2
