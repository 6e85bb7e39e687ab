"""FITS frames: the real HST STIS v03 projections, a synthetic lat-lon product, bad files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from jovis.frame import PLATE_SCALE_KEY
from jovis.geometry.polar import PolarGrid
from jovis.io import FrameReadError, read_frame
from jovis.paths import real_data_dir

REAL = real_data_dir()
HST_DIR = REAL / "hst_stis_north_2016-05-21"
HST_FILES = sorted(HST_DIR.glob("*_proj.fits"))
needs_hst = pytest.mark.skipif(
    not HST_FILES, reason=f"real HST STIS frames not found in {HST_DIR} (shared data absent)"
)
# PHYSICS.md §5: the fitted v03 face-on grid.
V03_GRID = {
    "hemisphere": "north",
    "pole_x": 240.0,
    "pole_y": 486.0,
    "px_per_deg": 17.6,
    "lon_at_x": 94.0,
    "lon_sense": "counterclockwise",
    "projection": "equidistant",
    "approximate": True,
}


def _write(path: Path, data: np.ndarray | None, **cards) -> Path:
    primary = fits.PrimaryHDU()
    primary.header.update({"TELESCOP": "HST", "INSTRUME": "STIS", "HEMISPH": "north", **cards})
    hdus = [primary]
    if data is not None:
        hdus.append(fits.ImageHDU(data.astype(np.float32), name="SCI"))
        hdus[1].header["BUNIT"] = "kR"
    fits.HDUList(hdus).writeto(path)
    return path


@needs_hst
@pytest.mark.parametrize("path", HST_FILES, ids=[p.name[4:19] for p in HST_FILES])
def test_real_hst_frame(path):
    frame = read_frame(path)
    with fits.open(path, memmap=False) as hdus:
        raw = np.asarray(hdus[1].data, dtype=np.float32)
        cml = float(hdus[0].header["CML"])
    assert frame.channels == ["uv"]
    assert frame.instrument == "hst_stis"
    assert frame.meta["units"] == "kR"
    assert frame.meta["time"].startswith("2016-05-21T0") and frame.meta["exposure_s"] >= 100
    assert frame.meta["HEMISPH"] == "north" and isinstance(frame.meta["CML"], float)
    json.dumps(frame.meta, allow_nan=False)  # header cards are plain data
    assert frame.meta["grid_approximate"] is True and "PHYSICS" in frame.meta["grid_source"]
    assert isinstance(frame.grid, PolarGrid)
    assert {k: getattr(frame.grid, k) for k in V03_GRID} == V03_GRID
    # values kept as stored; invalid exactly on NaN and zero (hidden / limb-clipped); negative
    # values are background-subtracted noise on the disk and stay valid
    np.testing.assert_array_equal(frame.image[:, :, 0], raw)
    expected = np.isfinite(raw) & (raw != 0)
    np.testing.assert_array_equal(frame.valid, expected)
    for bad in (np.isnan(raw), raw == 0):
        assert not frame.valid[bad].any()
    assert frame.valid[raw < 0].all()
    assert (raw == 0).sum() > 30_000 and (raw < 0).sum() > 10_000
    if cml < 171:  # PHYSICS §5: NaN (outside the detector's field) only at CML ≲ 171°
        assert np.isnan(raw).sum() > 100


@needs_hst
@pytest.mark.parametrize("path", HST_FILES, ids=[p.name[4:19] for p in HST_FILES])
def test_real_hst_brightest_pixels_lie_on_the_oval(path):
    # PHYSICS §5: the main oval is at ~65–80°N. Every one of the brightest 1% of valid pixels
    # must be at 55–85°N: none on the limb, in the hidden region or at the pole (measured:
    # 71.8–83.0°N over the four frames, so the band has >2° margin on each side).
    frame = read_frame(path)
    values = frame.image[:, :, 0]
    threshold = np.percentile(values[frame.valid], 99)
    ys, xs = np.nonzero(frame.valid & (values >= threshold))
    lat, _ = frame.grid.latlon(xs, ys)
    assert len(lat) > 1000
    assert np.all((lat >= 55) & (lat <= 85)), (lat.min(), lat.max())


@needs_hst
def test_real_hst_read_is_fast():
    read_frame(HST_FILES[0])  # warm imports and the config cache
    start = time.perf_counter()
    for _ in range(5):
        read_frame(HST_FILES[0])
    assert (time.perf_counter() - start) / 5 < 0.1


def _latlon_product(hemisphere: str, spot_lon: float) -> np.ndarray:
    """A 720×1440 lat-lon product: a ring at 75° of `hemisphere`, a bright spot on it at
    `spot_lon`, 5 kR background, and no data (NaN) at SIII 300–340°."""
    lat = (-90.0 + 180.0 * np.arange(720) / 719)[:, None]
    lon = (360.0 - 360.0 * np.arange(1440) / 1439)[None, :]
    ring_lat = 75.0 if hemisphere == "north" else -75.0
    dlon = (lon - spot_lon + 180.0) % 360.0 - 180.0
    image = (
        5.0
        + 500.0 * np.exp(-0.5 * ((lat - ring_lat) / 0.75) ** 2)
        + 3000.0 * np.exp(-0.5 * (((lat - ring_lat) / 0.75) ** 2 + (dlon / 4.0) ** 2))
    )
    image[:, ((lon >= 300) & (lon <= 340))[0]] = np.nan
    return image


@pytest.mark.parametrize(("hemisphere", "spot_lon"), [("north", 120.0), ("south", 200.0)])
def test_latlon_product_is_reprojected_to_polar(tmp_path, hemisphere, spot_lon):
    path = _write(tmp_path / "ll.fits", _latlon_product(hemisphere, spot_lon), HEMISPH=hemisphere)
    frame = read_frame(path)
    size = 640  # configs/instrument/hst_stis.yaml latlon_to_polar
    assert frame.shape == (size, size) and frame.channels == ["uv"]
    assert frame.meta["reprojected_from"] == "latlon 720x1440"
    assert frame.grid.hemisphere == hemisphere and frame.grid.approximate is False
    assert frame.grid.pole_x == frame.grid.pole_y == (size - 1) / 2
    # seen from above the pole: SIII 180° points down, west longitude runs clockwise in the
    # north and counterclockwise in the south (lon_down in the config)
    grid, pole = frame.grid, (size - 1) / 2
    assert np.allclose(
        grid.pixel(75.0 * (1 if hemisphere == "north" else -1), 180.0),
        (pole, pole + 15 * grid.px_per_deg),
    )
    x270, _ = grid.pixel(0.0, 270.0)
    assert (x270 < pole) == (hemisphere == "north")
    sign = 1 if hemisphere == "north" else -1
    lat, lon = frame.grid.latlon_image(*frame.shape)
    colatitude = 90.0 - sign * lat
    assert colatitude[size // 2, 0] == pytest.approx(40.0, abs=0.1)  # max_colatitude at the edge
    values = frame.image[:, :, 0]
    # away from the spot, the ring (σ 0.75° in latitude) sits at 75°: every pixel above half its
    # peak lies within its half width (0.88°), and its brightness-weighted latitude is 75°
    away = frame.valid & (np.abs((lon - spot_lon + 180.0) % 360.0 - 180.0) > 30)
    ring = away & (values >= 5.0 + 250.0)
    assert ring.sum() > 1000
    assert np.abs(sign * lat[ring] - 75.0).max() < 0.9
    weights = values[ring] - 5.0
    assert np.average(sign * lat[ring], weights=weights) == pytest.approx(75.0, abs=0.05)
    # the spot sits at its longitude, so orientation and sense are right
    peak = np.unravel_index(np.nanargmax(np.where(frame.valid, values, np.nan)), frame.shape)
    assert sign * lat[peak] == pytest.approx(75.0, abs=0.3)
    assert lon[peak] == pytest.approx(spot_lon, abs=0.5)
    assert values[peak] == pytest.approx(3505.0, rel=0.02)
    # the no-data sector stays invalid (never zero-filled); the rest of the disk is valid
    gap = (lon > 301) & (lon < 339)
    assert not frame.valid[gap].any() and np.isnan(values[gap]).all()
    assert frame.valid[(lon < 295) | (lon > 345)].all()


def test_other_shapes_have_no_grid(tmp_path):
    path = _write(tmp_path / "odd.fits", np.full((30, 40), 7.0))
    frame = read_frame(path)
    assert frame.grid is None and frame.shape == (30, 40)
    assert frame.meta["grid_source"].startswith("none") and frame.valid.all()


def test_generic_fits_and_small_cube(tmp_path):
    path = tmp_path / "g.fits"
    fits.PrimaryHDU(np.arange(12.0).reshape(3, 4)).writeto(path)
    frame = read_frame(path, instrument="jiram_m")
    assert frame.instrument == "jiram_m" and frame.channels == ["gray"]
    assert frame.valid.all()  # zero and negative are only "no data" for FUV brightness
    cube = tmp_path / "c.fits"
    fits.PrimaryHDU(np.arange(24.0).reshape(2, 3, 4)).writeto(cube)
    frame = read_frame(cube)
    assert frame.channels == ["band1", "band2"] and frame.image[2, 3, 1] == 23.0


def test_a_plane_of_another_telescopes_fits_is_of_any_band_its_unit_kept(tmp_path):
    """A user's JIRAM M map saved as FITS in W/(m² sr): named by its unit, the M-band
    detector refused it as "another band"; a Hubble visible camera's plane keeps its unit as
    its name, so the far-UV detector still refuses it."""
    path = tmp_path / "m.fits"
    hdu = fits.PrimaryHDU(np.ones((20, 30), np.float32))
    hdu.header["BUNIT"] = "W/(m2 sr)"
    hdu.writeto(path)
    frame = read_frame(path)
    assert frame.channels == ["gray"] and frame.meta["units"] == "W/(m2 sr)"


def _truncated_copies(tmp_path):
    synthetic = _write(tmp_path / "s.fits", np.ones((500, 500)))
    yield synthetic
    if HST_FILES:
        yield HST_FILES[0]


@pytest.mark.parametrize("cut", [0.5, 0.999, 0.01])
def test_truncated_fits(tmp_path, cut):
    for n, source in enumerate(_truncated_copies(tmp_path)):
        data = source.read_bytes()
        path = tmp_path / f"cut{n}.fits"
        path.write_bytes(data[: int(len(data) * cut)])
        with pytest.raises(FrameReadError, match=r"truncated|corrupt") as info:
            read_frame(path)
        assert str(path) in str(info.value)


@pytest.mark.parametrize("kind", ["primary only", "table only"])
def test_fits_without_image_data(tmp_path, kind):
    path = tmp_path / "empty.fits"
    hdus = [fits.PrimaryHDU()]
    if kind == "table only":
        hdus.append(fits.BinTableHDU.from_columns([fits.Column("a", "E", array=np.ones(3))]))
    fits.HDUList(hdus).writeto(path)
    with pytest.raises(FrameReadError, match="no image data") as info:
        read_frame(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("shape", [(100,), (20, 30, 40), (2, 2, 3, 4)])
def test_non_2d_image(tmp_path, shape):
    path = _write(tmp_path / "nd.fits", np.ones(shape))
    with pytest.raises(FrameReadError, match="expected a 2-D image") as info:
        read_frame(path)
    assert str(path) in str(info.value)


def test_gzipped_fits_reads_as_the_plain_file(tmp_path):
    import gzip

    plain = _write(tmp_path / "p.fits", np.arange(500 * 500.0).reshape(500, 500) % 97)
    packed = tmp_path / "p.fits.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_frame(plain), read_frame(packed)
    assert b.instrument == a.instrument == "hst_stis" and b.channels == a.channels
    np.testing.assert_array_equal(b.image, a.image)
    np.testing.assert_array_equal(b.valid, a.valid)
    assert b.grid == a.grid
    with pytest.raises(FrameReadError, match=r"p.fits.gz: declares 500×500 = 0.2 Mpx, above"):
        read_frame(packed, max_pixels=1000)  # the decompressed header is checked


def test_gzipped_non_fits_and_broken_gzip_are_refused_by_name(tmp_path):
    import gzip

    other = tmp_path / "notes.fits.gz"
    other.write_bytes(gzip.compress(b"hello, not a FITS file" * 10))
    with pytest.raises(FrameReadError, match=r"notes.fits.gz: gzip-compressed, but not a FITS"):
        read_frame(other)
    plain = _write(tmp_path / "s.fits", np.ones((500, 500)))
    data = gzip.compress(plain.read_bytes())
    cut = tmp_path / "cut.fits.gz"
    cut.write_bytes(data[:40])
    with pytest.raises(FrameReadError, match=r"cut.fits.gz: corrupt or truncated gzip"):
        read_frame(cut)
    half = tmp_path / "half.fits.gz"
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(FrameReadError, match=r"half.fits.gz: .*(truncated|corrupt)"):
        read_frame(half)


@pytest.mark.parametrize(
    ("camera", "detector", "instrument", "channels"),
    [("STIS", "FUV-MAMA", "hst_stis", ["uv"]), ("ACS", "SBC", "hst_acs", ["uv"]),
     ("ACS", "", "hst_acs", ["uv"]),  # a kR product not naming its detector: the far UV
     ("WFC3", "UVIS", "hst_wfc3_uvis", ["ELECTRONS/S"]),
     ("STIS", "CCD", "hst_stis_ccd", ["ELECTRONS/S"]),
     ("ACS", "", "hst_acs_unknown", ["ELECTRONS/S"]), ("", "", "hst_unknown", ["COUNTS"])],
)  # fmt: skip
def test_hubble_cameras_are_told_apart(tmp_path, camera, detector, instrument, channels):
    # ACS's Solar Blind Channel images the far-UV aurora as STIS does, and its products come
    # from the same pipelines (the v03 grid here); Hubble's visible cameras are not far-UV
    data = np.full((500, 500), 7.0)
    data[:5] = 0.0
    path = _write(tmp_path / "f.fits", data, INSTRUME=camera, DETECTOR=detector)
    if channels != ["uv"]:
        with fits.open(path, mode="update") as hdus:
            hdus[1].header["BUNIT"] = channels[0]
    frame = read_frame(path)
    assert (frame.instrument, frame.channels) == (instrument, channels)
    far_uv = channels == ["uv"]
    assert (frame.grid is not None) == far_uv  # the 500x500 v03 grid of the far-UV products
    assert frame.valid[:5].any() != far_uv  # 0 = no data in far-UV products only


def test_a_far_uv_sky_plane_image_without_limb_keys_says_how_to_project_it(tmp_path):
    frame = read_frame(_write(tmp_path / "o_x2d.fits", np.full((64, 64), 3.0)))
    assert frame.grid is None and frame.instrument == "hst_stis"
    assert "lacks the limb keys CML, DECE, PCX, PCY, RPPX" in frame.meta["grid_source"]
    assert "project it onto a polar grid first" in frame.meta["grid_source"]


def test_a_latlon_product_loses_what_its_view_cannot_see(tmp_path):
    """As the flatproj products: a lat-lon map whose header names its view (CML, DECE) has no
    data beyond the limb seen from there; one without a view keeps every pixel."""
    image = _latlon_product("north", 120.0)
    seen = read_frame(_write(tmp_path / "v.fits", image, HEMISPH="north", CML=180.0, DECE=3.0))
    plain = read_frame(_write(tmp_path / "p.fits", image, HEMISPH="north"))
    lat, lon = seen.grid.latlon_image(*seen.shape)
    behind = (lat < 70) & ((lon < 60) | (lon > 350))  # the far side, off the 300–340° gap
    assert plain.valid[behind].all() and not seen.valid[behind].any()
    assert seen.valid[(lat > 60) & (np.abs(lon - 180) < 60)].all()  # the facing side
    assert plain.meta["beyond_limb_px"] is None
    assert seen.meta["beyond_limb_px"] == int(plain.valid.sum() - seen.valid.sum()) > 0


def test_a_product_from_the_other_pole_does_not_take_the_configured_grid(tmp_path):
    # the 500x500 grid was fitted on northern products; a southern one of that shape would land
    # at the wrong pole (and the sky-plane keys such products keep are not a sky-plane image)
    data = np.full((500, 500), 7.0)
    north = read_frame(_write(tmp_path / "n.fits", data, PCX=699, PCY=-641, RPPX=959.2,
                              CML=161.4, DECE=-1.5))  # fmt: skip
    assert north.grid is not None and north.grid.hemisphere == "north"
    south = read_frame(_write(tmp_path / "s.fits", data, HEMISPH="south", PCX=699, PCY=-641,
                              RPPX=959.2, CML=161.4, DECE=-1.5))  # fmt: skip
    assert south.grid is None and south.shape == (500, 500)
    assert "grid is of the north pole, the header's HEMISPH = south" in south.meta["grid_source"]
    # the same pipeline's plate scale still holds: infer zooms it to the model's scale
    assert south.meta[PLATE_SCALE_KEY] == pytest.approx(north.grid.px_per_deg)
    assert f"plate scale, {north.grid.px_per_deg:g} px/deg" in south.meta["grid_source"]
    assert PLATE_SCALE_KEY not in north.meta


def test_an_hst_file_of_several_imsets_is_refused_not_read_as_its_first(tmp_path):
    """SCI,1 ERR,1 DQ,1 SCI,2 ...: one exposure per imset; the first alone was read, silently.
    One imset (and a primary header named SCI without data, as the shared products have) reads."""
    hdus = [fits.PrimaryHDU()]
    for ver in (1, 2):
        hdus += [fits.ImageHDU(np.ones((20, 30), np.float32), name=name, ver=ver)
                 for name in ("SCI", "ERR")]  # fmt: skip
    fits.HDUList(hdus).writeto(tmp_path / "two.fits")
    with pytest.raises(FrameReadError, match=r"2 image extensions named SCI .* own file"):
        read_frame(tmp_path / "two.fits")
    primary = fits.PrimaryHDU()
    primary.header["EXTNAME"] = "SCI"
    fits.HDUList([primary, *hdus[1:3]]).writeto(tmp_path / "one.fits")
    assert read_frame(tmp_path / "one.fits").shape == (20, 30)


def test_an_hst_file_with_only_expstart_gets_its_time(tmp_path):
    """A STIS flat-fielded file as MAST serves it keeps the exposure start as EXPSTART (MJD) in
    its SCI extension; without DATE-OBS it had no time in infer's manifest (track found it)."""
    primary = fits.PrimaryHDU()
    primary.header.update(TELESCOP="HST", INSTRUME="STIS", DETECTOR="FUV-MAMA")
    sci = fits.ImageHDU(np.ones((64, 64), np.float32), name="SCI")
    sci.header["EXPSTART"] = 57529.095625  # 2016-05-21 02:17:42 UTC
    fits.HDUList([primary, sci]).writeto(tmp_path / "o_flt.fits")
    assert read_frame(tmp_path / "o_flt.fits").meta["time"] == "2016-05-21T02:17:42.000"


def test_fits_cut_inside_the_image_extension_header(tmp_path):
    """A file cut inside its image extension's header (an HST product's layout: the image in
    extension 1) is called truncated, not a file without image data."""
    whole = tmp_path / "whole.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((64, 64), np.float32))]).writeto(whole)
    data = whole.read_bytes()
    path = tmp_path / "cut.fits"
    path.write_bytes(data[: 2880 + 1200])  # the primary header and part of the extension's
    with pytest.raises(FrameReadError, match="truncated or corrupt FITS") as info:
        read_frame(path)
    assert str(path) in str(info.value)


def test_a_fits_whose_data_fail_their_datasum_is_named(tmp_path):
    """A byte flipped in the data of a product with CHECKSUM/DATASUM (as MAST's) was read as if
    whole. A CHECKSUM alone that fails (a header edited by a tool that did not update it) stays
    a warning: the data are intact."""
    data = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    fits.PrimaryHDU(data).writeto(tmp_path / "whole.fits", checksum=True)
    assert read_frame(tmp_path / "whole.fits").meta.get("fits_warnings") is None
    damaged = bytearray((tmp_path / "whole.fits").read_bytes())
    damaged[2880 + 100] ^= 0xFF  # in the data unit
    (tmp_path / "damaged.fits").write_bytes(bytes(damaged))
    with pytest.raises(FrameReadError, match=r"corrupt FITS: the data of HDU \('PRIMARY', 1\) "
                                             r"do not match their DATASUM"):  # fmt: skip
        read_frame(tmp_path / "damaged.fits")
    with fits.open(tmp_path / "whole.fits") as hdus:
        header = hdus[0].header.copy()
    header["OBSERVER"] = "edited"  # CHECKSUM left as it was
    fits.PrimaryHDU(data, header).writeto(tmp_path / "edited.fits")
    edited = read_frame(tmp_path / "edited.fits")
    assert edited.shape == (64, 64)
    assert any("Checksum verification failed" in w for w in edited.meta["fits_warnings"])
