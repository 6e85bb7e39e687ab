import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from jovis.io import FrameReadError, read_frame
from jovis.io.junocam import read_junocam
from jovis.io.junocam_raw import compand, decompand, decompand_table
from jovis.io.junocam_spin import registration
from jovis.paths import real_data_dir

REAL = real_data_dir()
PJ32 = REAL / "junocam_pj32_54" / "JNCE_2021052_32C00054_V01"
PJ45 = REAL / "junocam_pj45_88" / "JNCE_2022272_45C00088_V01"
PJ43 = REAL / "pj43_south_junocam"
# PHYSICS.md §3 SQROOT knots (code → linear DN); straight lines in between.
KNOT_CODES = [0, 23, 43, 89, 184, 209, 255]
KNOT_DN = [0, 23, 63, 247, 1007, 1407, 2879]


def real(path: Path) -> Path:
    if not REAL.is_dir():
        pytest.skip(f"{REAL} not found: real-frame tests need the shared data folder")
    return path


def sqroot(codes: np.ndarray) -> np.ndarray:
    return np.interp(codes, KNOT_CODES, KNOT_DN).astype(np.float32)


def write_png(path: Path, array: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), array)
    return path


@pytest.mark.parametrize(
    ("code", "dn"),
    [(0, 0), (23, 23), (24, 25), (43, 63), (44, 67), (89, 247), (90, 255), (184, 1007),
     (185, 1023), (209, 1407), (210, 1439), (255, 2879)],
)  # fmt: skip
def test_sqroot_table_matches_physics(code, dn):
    assert decompand(np.array([code], np.uint8))[0] == dn


def test_companding_modes_and_round_trip():
    assert decompand_table("LIN8")[255] == 2040 and decompand_table("lin16")[3] == 48
    table = decompand_table("SQROOT")
    np.testing.assert_array_equal(table, sqroot(np.arange(256)))
    np.testing.assert_array_equal(compand(table), np.arange(256, dtype=np.uint8))
    with pytest.raises(ValueError, match="SQROOT, LIN1, LIN8, LIN16"):
        decompand_table("LOG")


def test_pj45_raw_splits_framelets_by_filter():
    path = real(Path(f"{PJ45}-raw.png"))
    frame = read_junocam(path, raw_layout="framelets")
    assert frame.instrument == "junocam"
    assert frame.channels == ["red", "green", "blue"]
    assert frame.image.shape == (16 * 128, 1648, 3)
    codes = np.asarray(Image.open(path))
    assert codes.shape == (6144, 1648)
    framelets = codes.reshape(16, 3, 128, 1648)  # triplets of blue, green, red
    for k, name in enumerate(["blue", "green", "red"]):
        expected = sqroot(framelets[:, k].reshape(2048, 1648))
        np.testing.assert_array_equal(frame.image[:, :, frame.channels.index(name)], expected)
    # the red framelet of the second triplet: raw rows 3·128 + 256 …
    np.testing.assert_array_equal(frame.image[128:256, :, 0], sqroot(codes[640:768]))
    meta = frame.meta
    assert meta["filters"] == ["red", "green", "blue"] and meta["filter_code"] == "C"
    assert meta["storage_order"] == ["blue", "green", "red"]
    assert meta["n_framelets"] == 16 and meta["framelet_rows"] == 128
    assert meta["companding"] == "SQROOT" and meta["companding_assumed"] is True
    assert meta["product_id"] == "JNCE_2022272_45C00088_V01"
    # the sky around the crescent in each framelet is no data (issue 12 item 2)
    assert meta["valid_source"] == "disk found from the image" and 0.05 < frame.valid.mean() < 0.5
    assert meta["raw_layout"] == "framelets"


@pytest.mark.parametrize("product", [PJ45, PJ43 / "JNCE_2022186_43C00080_V01"])
def test_real_raw_is_assembled_with_its_filters_registered(product):
    """read_frame's default: the framelets in the spin frame, where the filters' band-passed
    images correlate (stacked per filter they do not: ~0.00 on these products)."""
    frame = read_frame(real(Path(f"{product}-raw.png")))
    meta = frame.meta
    assert meta["raw_layout"] == "spin" and frame.channels == ["red", "green", "blue"]
    assert min(meta["registration"].values()) > 0.8
    # the turn per exposure is 2 rpm over INTERFRAME_DELAY + 1 ms, to within 1%
    assert abs(meta["spin_step_deg"] / meta["spin_step_nominal_deg"] - 1) < 0.01
    assert 0.05 < frame.valid.mean() < 0.5 and "every filter" in meta["valid_source"]
    stacked = read_junocam(Path(f"{product}-raw.png"), raw_layout="framelets")
    weight = np.repeat(stacked.valid[..., None], 3, axis=2).astype(np.float32)
    assert max(abs(v) for v in registration(stacked.image, weight, stacked.channels).values()) < 0.1
    if product == PJ45:  # no metadata: the limb is a circle fitted to the crescent
        assert meta["limb_radius_source"] == "circle fitted to the disk outline"
        assert 400 < meta["limb_radius_px"] < 480
    else:  # 274,853 km: the angular radius asin(R / (R + h)) times the focal length
        assert meta["limb_radius_source"] == "SPACECRAFT_ALTITUDE"
        assert meta["limb_radius_px"] == pytest.approx(307.8, abs=0.2)


@pytest.mark.parametrize("suffix", ["red", "green", "blue"])
def test_pj32_any_filter_file_reads_the_set(suffix):
    frame = read_frame(real(Path(f"{PJ32}-{suffix}.png")))
    assert frame.channels == ["red", "green", "blue"]
    assert frame.image.shape == (1600, 1600, 3)
    for k, name in enumerate(frame.channels):
        stored = np.asarray(Image.open(f"{PJ32}-{name}.png"))
        np.testing.assert_array_equal(frame.image[:, :, k], stored.astype(np.float32))
    meta = frame.meta
    assert meta["FILTER_NAME"] == ["BLUE", "GREEN", "RED"]
    assert meta["INTERFRAME_DELAY"] == "0.370 <s>"
    assert meta["SPACECRAFT_ALTITUDE"] == "66525.5 <km>"
    assert meta["SAMPLE_BIT_MODE_ID"] == "SQROOT" and meta["companding"] == "SQROOT"
    assert meta["time"] == "2021-02-21T18:29:46.903"
    assert meta["missing_filters"] == [] and meta["metadata_file"].endswith("-metadata.json")


@pytest.mark.parametrize("product", [PJ32, PJ45])
def test_mapprojected_is_a_colour_frame(product):
    path = real(Path(f"{product}-mapprojected.png"))
    frame = read_frame(path)
    assert frame.channels == ["red", "green", "blue"] and frame.instrument == "junocam"
    np.testing.assert_array_equal(frame.image, np.asarray(Image.open(path).convert("RGB")))


@pytest.mark.parametrize(("code", "channel"), [("M", "methane"), ("R", "red"), ("C", "gray")])
def test_one_plane_composite_is_named_by_its_filter(tmp_path, code, channel):
    # PJ43/PJ44's methane products (43M00081, 44M00040) come as one-plane map-projected PNGs:
    # their channel is the methane band, not an unnamed grey (a colour product's grey is)
    path = write_png(tmp_path / f"JNCE_2022229_44{code}00040_V01-mapprojected.png",
                     np.full((16, 16), 40, dtype=np.uint8))  # fmt: skip
    assert read_frame(path).channels == [channel]


def test_synthetic_raw_with_metadata(tmp_path):
    pid = "JNCE_2020001_25C00001_V01"
    codes = np.random.default_rng(0).integers(0, 256, (2 * 3 * 128, 20), dtype=np.uint8)
    path = write_png(tmp_path / f"{pid}-raw.png", codes)
    meta = {"PRODUCT_ID": pid, "FILTER_NAME": ["BLUE", "GREEN", "RED"], "LINES": 768}
    meta |= {"LINE_SAMPLES": 20, "SAMPLE_BIT_MODE_ID": "LIN8", "START_TIME": "2020-01-01T00:00"}
    (tmp_path / f"{pid}-metadata.json").write_text(json.dumps(meta))
    frame = read_frame(path)
    assert frame.image.shape == (256, 20, 3) and frame.meta["companding_assumed"] is False
    triplets = codes.reshape(2, 3, 128, 20).astype(np.float32) * 8
    np.testing.assert_array_equal(frame.image[:, :, 2], triplets[:, 0].reshape(256, 20))  # blue
    np.testing.assert_array_equal(frame.image[:, :, 0], triplets[:, 2].reshape(256, 20))  # red
    assert frame.meta["time"] == "2020-01-01T00:00"


def test_raw_height_not_whole_triplets(tmp_path):
    path = write_png(tmp_path / "JNCE_2020001_25C00001_V01-raw.png", np.zeros((6100, 8), np.uint8))
    with pytest.raises(FrameReadError, match=r"height 6100 is not a multiple of 3×128 rows") as e:
        read_frame(path)
    assert str(path) in str(e.value)


def test_methane_raw_needs_a_storage_order(tmp_path):
    path = write_png(tmp_path / "JNCE_2020001_25A00001_V01-raw.png", np.ones((512, 8), np.uint8))
    with pytest.raises(FrameReadError, match="not documented"):
        read_frame(path)
    frame = read_junocam(path, storage_order=["METHANE", "BLUE", "GREEN", "RED"])
    assert frame.channels == ["red", "green", "blue", "methane"]


def test_unknown_filter_code_names_the_valid_ones(tmp_path):
    path = write_png(tmp_path / "JNCE_2020001_25X00001_V01-raw.png", np.zeros((384, 8), np.uint8))
    with pytest.raises(FrameReadError, match="valid codes: A, B, C, G, M, R, T"):
        read_frame(path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "must be a JSON object"),
        ('{"FILTER_NAME": ["RED", "METHANE"]}', "contradicts the product id's filter code C"),
        ('{"PRODUCT_ID": "JNCE_2020001_25C00002_V01"}', "is not this product"),
        ('{"LINES": 999}', "LINES = 999 contradicts"),
    ],
)
def test_bad_metadata_json_is_named(tmp_path, text, reason):
    pid = "JNCE_2020001_25C00001_V01"
    path = write_png(tmp_path / f"{pid}-raw.png", np.zeros((384, 8), np.uint8))
    (tmp_path / f"{pid}-metadata.json").write_text(text)
    with pytest.raises(FrameReadError, match=reason) as e:
        read_frame(path)
    assert str(tmp_path / f"{pid}-metadata.json") in str(e.value)


def test_per_filter_set_with_a_missing_filter(tmp_path):
    pid = "JNCE_2020001_25C00001_V01"
    red = write_png(tmp_path / f"{pid}-red.png", np.full((6, 5), 9, np.uint8))
    grey3 = np.repeat(np.arange(30, dtype=np.uint8).reshape(6, 5, 1), 3, axis=2)
    write_png(tmp_path / f"{pid}-green.png", grey3)  # stored as RGB with equal channels
    frame = read_frame(red)
    assert frame.channels == ["red", "green"]
    assert frame.meta["missing_filters"] == ["blue"]
    np.testing.assert_array_equal(frame.image[:, :, 1], grey3[:, :, 0])
    write_png(tmp_path / f"{pid}-blue.png", np.zeros((7, 5), np.uint8))
    with pytest.raises(FrameReadError, match="differ in size"):
        read_frame(red)


@pytest.mark.parametrize("suffix", [".jpg", ".tif"])
def test_a_product_saved_as_jpeg_or_tiff_under_its_name_keeps_its_metadata(tmp_path, suffix):
    # a user's copy of a website product saved as JPEG/TIFF: still JunoCam, with the metadata
    # JSON beside it (the view model and catalogue positions need its altitude and sub-point)
    pid = "JNCE_2020001_25C00001_V01"
    (tmp_path / f"{pid}-metadata.json").write_text(
        json.dumps({"PRODUCT_ID": pid, "SPACECRAFT_ALTITUDE": "60000.0 <km>"}))  # fmt: skip
    composite = np.zeros((32, 32, 3), np.uint8)
    composite[8:24, 8:24] = (40, 90, 160)  # BGR as written
    path = write_png(tmp_path / f"{pid}-mapprojected{suffix}", composite)
    frame = read_frame(path)
    assert frame.instrument == "junocam" and frame.channels == ["red", "green", "blue"]
    assert frame.meta["SPACECRAFT_ALTITUDE"] == "60000.0 <km>"
    assert frame.meta["product_kind"] == "mapprojected"
    assert np.abs(frame.image[16, 16] - [160, 90, 40]).max() <= 3  # RGB order, JPEG's loss
    planes = {f: np.full((6, 5), k * 40 + 10, np.uint8) for k, f in enumerate(("red", "green"))}
    for name, plane in planes.items():
        write_png(tmp_path / f"{pid}-{name}{suffix}", plane)
    frame = read_frame(tmp_path / f"{pid}-green{suffix}")
    assert frame.channels == ["red", "green"] and frame.meta["missing_filters"] == ["blue"]
    assert np.abs(frame.image[:, :, 0] - 10).max() <= 3


def test_a_truncated_jpeg_product_is_named(tmp_path):
    path = write_png(tmp_path / "JNCE_2020001_25C00001_V01-mapprojected.jpg",
                     np.full((32, 32, 3), 90, np.uint8))  # fmt: skip
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(FrameReadError, match="truncated JPEG") as e:
        read_frame(path)
    assert str(path) in str(e.value)
