"""GeoTIFF maps (`jovis.io.geotiff`, `jovis.io.tiff_tags`, the TIFF path of
`jovis.io.generic.read_raster`): files written by GDAL 3.10.3, their pixels' latitudes and
longitudes as PROJ 9.7.1 computes them (tests/data/geotiff/make_fixtures.py wrote both)."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from tests.io.test_isis_mapping import isis_polar_stereographic

from jovis.geometry.body import planetocentric
from jovis.geometry.maps import CylindricalMap
from jovis.inference.look import unprocessed_junocam
from jovis.io import read_frame
from jovis.io.errors import FrameReadError
from jovis.io.tiff_tags import read_tags

DATA = Path(__file__).resolve().parents[1] / "data" / "geotiff"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def placed(frame):
    """The frame's polar grid, or its cylindrical map; None when it has neither."""
    if frame.grid is not None:
        return frame.grid
    return CylindricalMap.from_dict(frame.meta["map"]) if frame.meta.get("map") else None


def assert_placed_where_proj_puts(frame, truth):
    """The frame's pixels lie at the latitudes and longitudes PROJ gave (`truth`, a row of
    expected.json), both ways."""
    where = placed(frame)
    assert where is not None, frame.meta["grid_source"]
    lat = np.array(truth["lat"])
    if truth["latitude"] == "planetographic":
        lat = planetocentric(lat)
    lon_west = -np.array(truth["lon_east"]) % 360
    col, row = np.array(truth["col"], float), np.array(truth["row"], float)
    got_lat, got_lon = where.latlon(col, row)
    np.testing.assert_allclose(got_lat, lat, atol=1e-7)
    near_pole = np.abs(lat) > 89.999  # (longitude means nothing there)
    dlon = (got_lon - lon_west + 180) % 360 - 180
    np.testing.assert_allclose(dlon[~near_pole], 0, atol=1e-7)
    x, y = where.pixel(lat, lon_west)
    np.testing.assert_allclose(x[~near_pole], col[~near_pole], atol=1e-5)
    np.testing.assert_allclose(y, row, atol=1e-5)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gdal_written_maps_place_their_pixels_where_proj_puts_them(name):
    frame = read_frame(DATA / f"{name}.tif")
    assert_placed_where_proj_puts(frame, EXPECTED[name])
    # GDAL's no-data value: that pixel is no data, and NaN as the other readers leave it
    assert not frame.valid[0, 0] and np.isnan(frame.image[0, 0]).all()
    assert frame.valid.sum() == frame.valid.size - 1
    assert frame.meta["nodata"] == -9999.0


@pytest.mark.parametrize(
    ("name", "why"),
    [("sinusoidal", "Sinusoidal"), ("earth_ups", "not a Jupiter body")],
)
def test_maps_jovis_cannot_place_are_read_without_geometry_and_say_why(name, why):
    frame = read_frame(DATA / f"{name}.tif")
    assert placed(frame) is None
    assert frame.meta["grid_source"].startswith("none:") and why in frame.meta["grid_source"]
    assert frame.valid.sum() == frame.valid.size - 1  # its no-data value still applies


def test_a_gdal_translated_junocam_cube_is_placed_and_named_by_the_label_beside_it(tmp_path):
    """GDAL's GeoTIFF of an RGB cube (BLUE, GREEN, RED) on a planetocentric PositiveWest south
    polar stereographic map: the label GDAL keeps in its .aux.xml names the filters and places
    the pixels exactly as ISIS did. Without it the GeoKeys are what GDAL wrote: a sphere of the
    polar radius, the centre longitude 40° taken as east (ISIS meant west)."""
    frame = read_frame(DATA / "isis_ps_south_west_rgb.tif")
    assert frame.instrument == "junocam" and frame.channels == ["red", "green", "blue"]
    assert unprocessed_junocam(frame)  # look=auto: the cube's values, as an ISIS cube's
    np.testing.assert_array_equal(frame.image[5, 5], [3.0, 2.0, 1.0])  # bands were B, G, R
    assert not frame.valid[0, 0] and frame.valid.sum() == frame.valid.size - 1
    assert "aux.xml" in frame.grid.source and frame.grid.projection == "oblate_stereographic"
    lat, lon_west = np.array([-89.0, -85.0, -80.0]), np.array([10.0, 200.0, 300.0])
    x, y = isis_polar_stereographic(lat, -lon_west, -90.0, -40.0)
    col, row = (x + 800000.0) / 100000.0 - 0.5, (600000.0 - y) / 100000.0 - 0.5
    np.testing.assert_allclose(frame.grid.pixel(lat, lon_west), (col, row), atol=1e-6)

    shutil.copy(DATA / "isis_ps_south_west_rgb.tif", tmp_path / "bare.tif")  # no .aux.xml
    bare = read_frame(tmp_path / "bare.tif")
    assert bare.instrument == "unknown" and bare.grid.projection == "stereographic"
    assert not unprocessed_junocam(bare)
    assert "sphere of 66854 km" in bare.grid.source
    got = bare.grid.latlon(*frame.grid.pixel(lat, lon_west))[1]
    np.testing.assert_allclose((got - lon_west + 80 + 180) % 360 - 180, 0, atol=0.05)


def test_the_label_beside_a_cropped_geotiff_places_it_at_the_geotiffs_own_corner(tmp_path):
    """A crop (gdal_translate -srcwin) moves the GeoTIFF's tiepoint but not the label GDAL
    copies beside it: the pixels are where the tiepoint says, in the label's projection."""
    data = bytearray((DATA / "isis_ps_south_west_rgb.tif").read_bytes())
    offset = struct.unpack("<I", data[4:8])[0]
    for k in range(struct.unpack("<H", data[offset : offset + 2])[0]):
        tag, _, _, at = struct.unpack("<HHII", data[offset + 2 + 12 * k : offset + 14 + 12 * k])
        if tag == 33922:  # ModelTiepoint: (I, J, K, X, Y, Z); X moved 2 pixels east
            x = struct.unpack("<d", data[at + 24 : at + 32])[0]
            data[at + 24 : at + 32] = struct.pack("<d", x + 2 * 100000.0)
    (tmp_path / "crop.tif").write_bytes(bytes(data))
    shutil.copy(DATA / "isis_ps_south_west_rgb.tif.aux.xml", tmp_path / "crop.tif.aux.xml")
    whole, crop = read_frame(DATA / "isis_ps_south_west_rgb.tif"), read_frame(tmp_path / "crop.tif")
    assert "aux.xml" in crop.grid.source
    assert crop.grid.pole_x == pytest.approx(whole.grid.pole_x - 2, abs=1e-9)
    assert crop.grid.pole_y == pytest.approx(whole.grid.pole_y, abs=1e-9)


def test_a_planetographic_cylindrical_cube_keeps_its_latitude_type_through_the_label():
    """GDAL writes a planetographic SimpleCylindrical map as a sphere (planetocentric to any
    reader of the GeoKeys); the label beside it keeps the map planetographic."""
    frame = read_frame(DATA / "isis_scyl_graphic.tif")
    assert frame.channels == ["red"] and frame.instrument == "junocam"
    cylindrical = CylindricalMap.from_dict(frame.meta["map"])
    assert cylindrical.planetographic
    top = np.degrees(-1000000.0 / 71492000.0)  # ISIS: latitude = y / a
    assert cylindrical.lat_top == pytest.approx(top, abs=1e-12)


def test_band_layouts(tmp_path):
    four = read_frame(DATA / "four_bands.tif")  # ExtraSamples 0: a fourth band, not alpha
    assert four.channels == ["c0", "c1", "c2", "c3"]
    np.testing.assert_array_equal(four.image[3, 3], [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(FrameReadError, match=r"band-interleaved TIFF of 3 bands.*INTERLEAVE=PIXEL"):
        read_frame(DATA / "band_interleaved.tif")
    big = read_frame(DATA / "bigtiff.tif")
    assert big.grid is not None and big.grid.projection == "stereographic"
    assert read_tags((DATA / "bigtiff.tif").read_bytes(), {256, 257}) == {256: (16,), 257: (12,)}


def test_damaged_tiff_directories_are_refused_naming_the_file(tmp_path):
    data = (DATA / "ps_north_iau_sphere.tif").read_bytes()
    offset = struct.unpack("<I", data[4:8])[0]
    tiepoint = offset + 2 + 12 * 12  # the 13th entry, ModelTiepoint: 6 doubles at an offset
    assert struct.unpack("<H", data[tiepoint : tiepoint + 2])[0] == 33922
    cases = {
        "ifd_past_end": (data[:4] + struct.pack("<I", len(data) + 10) + data[8:],
                         "directory offset"),
        "values_past_end": (data[: tiepoint + 8] + struct.pack("<I", len(data) - 8)
                            + data[tiepoint + 12 :], "tag 33922's 6 value"),
    }  # fmt: skip
    for name, (damaged, why) in cases.items():
        path = tmp_path / f"{name}.tif"
        path.write_bytes(damaged)
        with pytest.raises(FrameReadError, match=f"{name}.tif.*corrupt TIFF.*{why}"):
            read_frame(path)


def test_an_integer_colour_geotiffs_no_data_is_where_every_band_holds_it(tmp_path):
    """An 8-bit RGB map with GDAL_NODATA 0: black (0, 0, 0) is no data, a dark pixel with one
    band at 0 is data."""
    from jovis.io.geotiff import geo_tags_of
    from jovis.io.tiff_tags import ASCII, encode_tiff

    tags = geo_tags_of(read_tags((DATA / "ps_north_iau_sphere.tif").read_bytes()))
    image = np.full((12, 16, 3), 90, np.uint8)
    image[0, 0] = 0
    image[5, 5] = (0, 10, 20)
    (tmp_path / "rgb.tif").write_bytes(
        encode_tiff(image, [(t, k, v if k == ASCII else tuple(v)) for t, k, v in tags]
                    + [(42113, ASCII, "0")]))  # fmt: skip
    frame = read_frame(tmp_path / "rgb.tif")
    assert frame.grid is not None and not frame.valid[0, 0] and frame.valid[5, 5]
    np.testing.assert_array_equal(frame.image[5, 5], [0.0, 10.0, 20.0])
    assert frame.valid.sum() == frame.valid.size - 1
