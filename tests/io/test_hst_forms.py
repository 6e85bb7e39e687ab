"""HST sky-plane crops and flatproj products read onto polar grids (issue 12 item 5)."""

import itertools

import cv2
import numpy as np
import pytest
from tests.conftest import REAL_DATA

import jovis.io.hst_forms as hst_forms
from jovis.io import FrameReadError, read_frame

SKY = REAL_DATA / "hst_stis_north_2016-05-17_skyplane"
FLAT = REAL_DATA / "hst_stis_2014_2022"
needs_real = pytest.mark.skipif(
    not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: real-frame tests need shared data"
)


def colat_lon_image(frame, step=0.1):
    """The frame on a colatitude (5–30°) × west-longitude (0–360°) grid; NaN where invalid."""
    cc, ll = np.meshgrid(np.arange(5.0, 30.0, step), np.arange(0.0, 360.0, step), indexing="ij")
    x, y = frame.grid.pixel(90.0 - cc, ll)
    img = np.where(frame.valid, frame.image[..., 0], np.nan).astype(np.float32)
    return cv2.remap(
        img,
        x.astype(np.float32),
        y.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=np.nan,
    )


def ridge_offsets(fa, fb, sector=20, step=0.1, max_lon=3.0, max_colat=1.0):
    """Median (Δcolatitude, Δlongitude) in degrees that best aligns the oval of `fb` with `fa`.

    Every 20° longitude sector seen in both frames is matched by correlation over shifts of up
    to ±1° colatitude and ±3° longitude; the medians over sectors are returned."""
    a, b = colat_lon_image(fa, step), colat_lon_image(fb, step)
    cols = np.nonzero((np.isfinite(a) & np.isfinite(b)).mean(axis=0) > 0.6)[0]
    ki, kj = round(max_colat / step), round(max_lon / step)
    a, b = np.nan_to_num(a), np.nan_to_num(b)
    found = []
    for start in range(0, 360, sector):
        sel = cols[(cols * step >= start) & (cols * step < start + sector)]
        if sel.size < 0.8 * sector / step:
            continue
        pa = a[ki:-ki, sel].ravel()
        scores = [
            (
                np.corrcoef(pa, np.roll(b[:, (sel + dj) % b.shape[1]], di, 0)[ki:-ki].ravel())[
                    0, 1
                ],
                di * step,
                dj * step,
            )
            for dj in range(-kj, kj + 1)
            for di in range(-ki, ki + 1)
        ]
        found.append(max(scores)[1:])
    assert len(found) >= 3, "too few longitude sectors seen in both frames"
    return np.median(np.array(found), axis=0)


@needs_real
def test_skyplane_crops_are_projected_and_the_oval_stays_put():
    files = sorted(SKY.glob("*.fits"))
    assert len(files) == 6
    frames = [read_frame(f) for f in files[:2]]
    for f in frames:
        assert f.grid is not None and not f.grid.approximate and f.instrument == "hst_stis"
        assert f.meta["emission_altitude_km"] == 240.0  # DELRPKM of the header
        assert 0.2 < f.valid.mean() < 0.7  # the near side only
    for fa, fb in itertools.pairwise(frames):
        dcolat, dlon = ridge_offsets(fa, fb)
        assert abs(dcolat) <= 0.3 and abs(dlon) <= 0.3, (dcolat, dlon)


@needs_real
def test_a_central_meridian_wrong_by_one_degree_is_caught(monkeypatch):
    files = sorted(SKY.glob("*.fits"))
    fa = read_frame(files[0])
    project = hst_forms.sky_pixels

    def wrong_cml(meta, *args):
        return project({**meta, "CML": meta["CML"] + 1.0}, *args)

    monkeypatch.setattr(hst_forms, "sky_pixels", wrong_cml)
    fb = read_frame(files[1])
    dcolat, dlon = ridge_offsets(fa, fb)
    assert abs(dlon) > 0.6, (dcolat, dlon)


@needs_real
def test_flatproj_products_are_rebuilt_with_their_index_files(tmp_path):
    files = sorted(FLAT.glob("*_flatproj.fits"))
    assert len(files) == 3
    for path in files:
        frame = read_frame(path)
        hemi = "south" if "_v03_" in path.name else "north"
        assert frame.grid.hemisphere == hemi and frame.image.shape == (400, 400, 1)
        lat, _ = frame.grid.latlon_image(400, 400)
        assert np.all(np.abs(lat[frame.valid]) >= 40.0)  # 0.25° × 200 rows: ≤ 50° colatitude
        assert frame.valid.mean() > 0.2
        assert np.nanmax(np.abs(frame.image[frame.valid])) < 1e6  # fill values dropped
        # the 2014 v01 products hold a ring and wings beyond their own limb (13 %); the 2022 v03
        # product only its last pixel row
        beyond = frame.meta["beyond_limb_px"] / (frame.valid.sum() + frame.meta["beyond_limb_px"])
        assert 0.1 < beyond < 0.16 if "_v01_" in path.name else beyond < 0.02
    # the two 2014 frames, 10 s apart: the same oval, pixel for pixel
    a, b = read_frame(files[0]), read_frame(files[1])
    both = a.valid & b.valid
    assert np.corrcoef(a.image[both, 0], b.image[both, 0])[0, 1] > 0.8
    # without the index file it says which file it needs
    lone = tmp_path / files[0].name
    lone.write_bytes(files[0].read_bytes())
    with pytest.raises(FrameReadError, match=r"expaurarr_north_iinx_jinx\.npz"):
        read_frame(lone)


def _flatproj(tmp_path, header: dict, name: str = "jup_flat_flatproj.fits"):
    """A north flatproj product of 100 kR everywhere on the 0.25° grid (≤ 50° colatitude), with
    its index file beside it."""
    from astropy.io import fits

    rows, cols = 200, 1440
    jinx, iinx = (a.ravel() for a in np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij"))
    np.savez(tmp_path / "expaurarr_north_iinx_jinx.npz", iinx=iinx, jinx=jinx, shape=[rows, cols])
    keys = {"TELESCOP": "HST", "INSTRUME": "STIS", "HEMISPH": "north", "BUNIT": "kR", **header}
    primary = fits.PrimaryHDU()
    primary.header.update(keys)
    sci = fits.ImageHDU(np.full(iinx.size, 100.0, np.float32), name="SCI")
    sci.header.update(keys)
    fits.HDUList([primary, sci]).writeto(tmp_path / name)
    return tmp_path / name


def test_flatproj_pixels_beyond_the_limb_of_its_view_are_no_data(tmp_path):
    """The 2014 v01 products hold values where their own CML / DECE cannot see; those are cut."""
    frame = read_frame(_flatproj(tmp_path, {"CML": 180.0, "DECE": 3.0}))
    lat, lon = frame.grid.latlon_image(*frame.valid.shape)
    near = (np.abs(lat) <= 60) & (np.abs(lat) >= 45)
    facing = near & (np.abs(lon - 180.0) < 60)  # emission angle ≤ ~65°
    behind = near & ((lon < 60) | (lon > 300))  # the far side
    assert frame.valid[facing].all() and not frame.valid[behind].any()
    assert frame.valid[(np.abs(lat) > 88)].all()  # the pole is seen from 3° north
    # with no view in the header nothing is cut (and the row says so)
    (tmp_path / "plain").mkdir()
    plain = read_frame(_flatproj(tmp_path / "plain", {}))
    assert plain.meta["beyond_limb_px"] is None and plain.valid[behind].all()
    assert frame.meta["beyond_limb_px"] == int(plain.valid.sum() - frame.valid.sum()) > 0
