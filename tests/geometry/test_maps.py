"""Maps a user declares (`jovis.geometry.maps`): a cylindrical map's lat/lon, areas and
graticule, a polar projection's grid, and the errors of a bad declaration."""

import json
import logging
import math
from pathlib import Path

import numpy as np
import pytest

from jovis.frame import Frame
from jovis.geometry import PolarGrid
from jovis.geometry.body import EQUATORIAL_RADIUS_KM as A
from jovis.geometry.body import POLAR_RADIUS_KM as B
from jovis.geometry.maps import CylindricalMap, check_map, declared_map

DATA_GEOTIFF = Path(__file__).resolve().parents[1] / "data" / "geotiff"
GLOBAL_EAST = {"lat": [90, -90], "lon": [-180, 180], "longitude": "east"}


def frame_of(shape, source="", grid=None):
    return Frame(np.zeros((*shape, 3), np.float32), ["red", "green", "blue"], "unknown",
                 source, {}, grid)  # fmt: skip


def declared(settings, shape=(180, 360), source=""):
    return CylindricalMap.from_dict(declared_map(frame_of(shape, source), settings).meta["map"])


def test_a_global_map_places_its_pixel_centres_and_turns_east_into_west():
    cmap = declared(GLOBAL_EAST)
    lat, lon = cmap.latlon(np.array([0, 359, 180]), np.array([0, 179, 90]))
    np.testing.assert_allclose(lat, [89.5, -89.5, -0.5])
    # east -179.5 is west 179.5; east 179.5 is west 180.5 = 0.5 mod 360; east 0.5: west 359.5
    np.testing.assert_allclose(lon, [179.5, 180.5, 359.5])
    assert cmap.px_per_deg == 1.0
    west = declared({"lat": [90, -90], "lon": [0, 360]})  # west by default
    np.testing.assert_allclose(west.latlon(10, 90)[1], 10.5)


def test_planetographic_latitudes_are_given_out_planetocentric():
    cmap = declared({**GLOBAL_EAST, "latitude": "planetographic"}, shape=(4, 8))
    lat, _ = cmap.latlon(0, 0.5)  # planetographic 45° (row 0.5: one edge of rows 0 and 1)
    assert lat == pytest.approx(math.degrees(math.atan((B / A) ** 2)), abs=1e-9)  # 41.17°


def test_the_pixel_areas_of_a_global_map_add_up_to_the_spheroid():
    cmap = declared(GLOBAL_EAST, shape=(360, 720))
    ys, xs = np.mgrid[0:360, 0:720].astype(float)
    e = math.sqrt(1 - (B / A) ** 2)
    surface = 2 * math.pi * A**2 * (1 + (1 - e**2) / e * math.atanh(e))
    # the chord steps shorten the pixels at the poles (a triangle, not a strip): within 0.5 %
    assert np.nansum(cmap.pixel_area_at(xs, ys)) == pytest.approx(surface, rel=5e-3)


def test_the_graticule_runs_along_rows_and_columns_across_0_degrees():
    cmap = declared({"lat": [80, 20], "lon": [-40, 20], "longitude": "east"}, shape=(60, 60))
    lines = cmap.graticule(60, 60, lat_step=10, lon_step=30)
    lats = {gl["value"]: gl["points"] for gl in lines if gl["kind"] == "lat"}
    assert sorted(lats) == [30, 40, 50, 60, 70]
    assert {round(p[1], 6) for p in lats[50]} == {29.5}  # 1 row a degree, 80°N at the top
    lons = {gl["value"]: gl["points"] for gl in lines if gl["kind"] == "lon"}
    # east -40..20 = west 40..-20: the meridians 30°W and 0°W (= 360°W) are inside, 330°W not
    assert sorted(lons) == [0.0, 30.0]
    assert {round(p[0], 6) for p in lons[0.0]} == {39.5}
    assert {round(p[0], 6) for p in lons[30.0]} == {9.5}


def test_a_polar_declaration_becomes_the_frames_grid_and_a_file_keeps_its_own(tmp_path, caplog):
    polar = {"projection": "stereographic", "hemisphere": "south", "pole_x": 50, "pole_y": 50,
             "px_per_deg": 2.0}  # fmt: skip
    frame = declared_map(frame_of((100, 100)), polar)
    assert frame.grid.hemisphere == "south" and frame.grid.projection == "stereographic"
    assert "map" not in frame.meta and frame.grid.source == "declared (map)"
    own = PolarGrid("north", 10, 10, 1.0, source="from the file")
    with caplog.at_level(logging.WARNING, logger="jovis.geometry.maps"):
        kept = declared_map(frame_of((100, 100), "a.fits", own), GLOBAL_EAST)
    assert kept.grid is own and "map" not in kept.meta and "a.fits" in caplog.text
    # a file beside it wins (its user places it otherwise: an HST v03 product's fitted grid)
    source = tmp_path / "v03.fits"
    (tmp_path / "v03.fits.map.json").write_text(json.dumps(polar))
    with caplog.at_level(logging.WARNING, logger="jovis.geometry.maps"):
        placed = declared_map(frame_of((100, 100), str(source), own), GLOBAL_EAST)
    assert placed.grid.hemisphere == "south" and placed.grid.source.endswith("v03.fits.map.json)")
    assert "its reader's polar grid (from the file) replaced by" in caplog.text
    (tmp_path / "v03.fits.map.json").write_text(json.dumps(GLOBAL_EAST))  # a cylindrical map
    placed = declared_map(frame_of((100, 100), str(source), own), None)
    assert placed.grid is None and placed.meta["map"]["lat_top"] == 90


def test_an_oblate_orthographic_map_takes_its_scale_in_km_per_pixel():
    # JIRAM's published polar maps: 15 km per px on the equatorial plane (PHYSICS.md §4)
    jiram = {"projection": "oblate_orthographic", "hemisphere": "north", "pole_x": 1800,
             "pole_y": 1800, "km_per_px": 15, "lon_at_x": 270}  # fmt: skip
    grid = declared_map(frame_of((3200, 3000)), jiram).grid
    assert grid.projection == "oblate_orthographic"
    assert grid.px_per_deg == pytest.approx(B * math.pi / 180 / 15)  # c per radian at the pole
    assert grid.limb_radius_px == pytest.approx(A / 15)  # the equator at a / 15 km
    x, y = grid.pixel(90.0 - 5.0, 0.0)
    assert math.hypot(x - 1800, y - 1800) * 15 == pytest.approx(B * math.radians(5), rel=1e-3)


def test_an_oblate_stereographic_map_takes_its_scale_at_the_pole_in_km_per_pixel():
    # ISIS's PolarStereographic maps on the spheroid (`jovis.io.isis_mapping`), given by hand
    polar = {"projection": "oblate_stereographic", "hemisphere": "south", "pole_x": 50,
             "pole_y": 50, "km_per_px": 20, "lon_at_x": 270}  # fmt: skip
    grid = declared_map(frame_of((100, 100)), polar).grid
    assert grid.projection == "oblate_stereographic"
    assert grid.px_per_deg == pytest.approx(B * math.pi / 180 / 20)


def test_a_frame_with_its_own_cylindrical_map_keeps_it_against_the_runs_map(tmp_path, caplog):
    """An ISIS cube's map (its reader's) is not replaced by `infer map=` meant for the other
    frames of the run; a map.json beside the file still wins."""
    import logging

    own = declared({"lat": [30, -30], "lon": [0, 120]}, (60, 120)).to_dict()
    frame = frame_of((60, 120), str(tmp_path / "c.cub"))
    frame.meta["map"] = own
    with caplog.at_level(logging.WARNING, logger="jovis.geometry.maps"):
        assert declared_map(frame, GLOBAL_EAST).meta["map"] == own
    assert "has its own map" in caplog.text
    (tmp_path / "c.cub.map.json").write_text(json.dumps(GLOBAL_EAST))
    assert declared_map(frame, None).meta["map"]["lat_top"] == 90


def test_a_map_json_beside_the_frame_wins_key_by_key(tmp_path):
    image = tmp_path / "mosaic.png"
    (tmp_path / "mosaic.png.map.json").write_text(json.dumps({"lat": [-90, 90]}))
    cmap = declared(GLOBAL_EAST, source=str(image))
    assert (cmap.lat_top, cmap.lat_bottom, cmap.lon_left) == (-90, 90, 180)
    assert cmap.source.endswith("mosaic.png.map.json)")
    (tmp_path / "mosaic.png.map.json").write_text("{lat:")
    with pytest.raises(ValueError, match=r"mosaic\.png\.map\.json: not valid JSON"):
        declared(GLOBAL_EAST, source=str(image))
    assert declared_map(frame_of((10, 10), "x.png"), None).meta == {}  # nothing declared


@pytest.mark.parametrize(
    "settings, message",
    [
        ("global", "must be a mapping"),
        ({"projection": "mercator", "lat": [1, 2]}, "projection='mercator'; valid: cylindrical"),
        ({"lon": [0, 360]}, r"needs lat: \[<top edge>, <bottom edge>\]"),
        ({"lat": [90, -100], "lon": [0, 360]}, r"lat=\[90.0, -100.0\] must be two different"),
        ({"lat": [90, -90], "lon": [0, 400]}, "at most 360° apart"),
        ({"lat": [90, -90], "lon": [0, 360], "longitude": "W"}, "longitude='W'; valid: west"),
        ({"lat": [90, -90], "lon": [0, 360], "pole_x": 3}, r"unknown key\(s\) pole_x"),
        ({"projection": "equidistant", "hemisphere": "north"}, "needs pole_x, pole_y, px_per_deg"),
        (
            dict(projection="equidistant", hemisphere="up", pole_x=1, pole_y=1, px_per_deg=1),
            "hemisphere='up'",
        ),
        (
            dict(projection="equidistant", hemisphere="north", pole_x=1, pole_y=1, km_per_px=15),
            "km_per_px is the scale of an oblate_orthographic map",
        ),
        (
            dict(
                projection="oblate_orthographic",
                hemisphere="north",
                pole_x=1,
                pole_y=1,
                km_per_px=15,
                px_per_deg=2,
            ),
            "km_per_px or px_per_deg, not both",
        ),
        (
            dict(
                projection="oblate_orthographic",
                hemisphere="north",
                pole_x=1,
                pole_y=1,
                km_per_px=-1,
            ),
            r"km_per_px=-1 must be a number > 0",
        ),
        (
            dict(projection="oblate_orthographic", hemisphere="north", pole_x=1, pole_y=1),
            "km_per_px may stand for px_per_deg",
        ),
    ],
)
def test_a_bad_declaration_names_the_key_and_the_fix(settings, message):
    with pytest.raises(ValueError, match=message):
        check_map(settings)


def test_a_junocam_product_its_metadata_place_keeps_its_view_unless_a_file_declares_it(
    tmp_path, caplog
):
    meta = {"SUB_SPACECRAFT_LATITUDE": "78.4 <deg>", "SUB_SPACECRAFT_LONGITUDE": "343.4 <deg>",
            "SPACECRAFT_ALTITUDE": "35216.7 <km>", "product_kind": "mapprojected"}  # fmt: skip
    source = tmp_path / "JNCE_2022229_44C00037_V01-mapprojected.png"

    def product():
        return Frame(np.zeros((200, 200, 3), np.float32), ["red", "green", "blue"], "junocam",
                     str(source), dict(meta))  # fmt: skip

    with caplog.at_level(logging.WARNING, logger="jovis.geometry.maps"):
        kept = declared_map(product(), GLOBAL_EAST)  # a run-wide map= over a mixed folder
    assert "map" not in kept.meta and "its own metadata's view" in caplog.text
    (tmp_path / f"{source.name}.map.json").write_text(json.dumps(GLOBAL_EAST))
    assert declared_map(product(), None).meta["map"]["kind"] == "cylindrical"


def test_to_polar_reprojects_a_latlon_map_onto_a_polar_grid():
    # a map whose value is its own latitude: after reprojection every valid pixel holds the
    # latitude its grid gives it; beyond the map's reach there is no data
    h, w = 90, 360  # 90°N to 0°, 1 px per degree
    lat_of_row = 90.0 - (np.arange(h) + 0.5)
    image = np.repeat(lat_of_row[:, None], w, axis=1)[..., None].astype(np.float32)
    frame = Frame(image, ["uv"], "uv", "aurora_map.png", {}, None, np.ones((h, w), bool))
    polar = declared_map(frame, {"lat": [90, 0], "lon": [360, 0],
                                 "to_polar": {"max_colatitude": 30}})  # fmt: skip
    assert polar.grid.hemisphere == "north"  # the only pole the map reaches
    assert polar.shape == (60, 60) and polar.meta["reprojected_from"] == "cylindrical map"
    assert "map" not in polar.meta  # its pixels are the grid's now
    lat, _ = polar.grid.latlon_image(60, 60)
    got = polar.image[..., 0][polar.valid]
    np.testing.assert_allclose(got, lat[polar.valid], atol=1.0)
    south = declared_map(Frame(image, ["uv"], "uv", "m.png", {}, None, np.ones((h, w), bool)),
                         {"lat": [0, -90], "lon": [0, 360],
                          "to_polar": {"hemisphere": "south", "size": 64}})  # fmt: skip
    assert south.grid.hemisphere == "south" and south.shape == (64, 64)
    with pytest.raises(ValueError, match=r"to_polar\.hemisphere=None: give north or south"):
        check_map({**GLOBAL_EAST, "to_polar": {}})  # a global map reaches both poles
    with pytest.raises(ValueError, match=r"to_polar.max_colatitude=120 must be in \(0, 90\]"):
        check_map({"lat": [90, 0], "lon": [0, 360], "to_polar": {"max_colatitude": 120}})


def test_to_polar_alone_reprojects_a_frames_own_cylindrical_map(tmp_path):
    """`map='{to_polar:...}'` reprojects the cylindrical map a frame's own file gives (here a
    GeoTIFF longitude/latitude map, 80-50°N planetographic); a frame with no map of its own is
    told to give the edges; the setting is checked before any frame is read."""
    from jovis.io import read_frame

    settings = {"to_polar": {"hemisphere": "north", "max_colatitude": 40}}
    check_map(settings)
    with pytest.raises(ValueError, match="to_polar has unknown key"):
        check_map({"to_polar": {"hemisphere": "north", "bad": 1}})
    geotiff = DATA_GEOTIFF / "geographic_ographic.tif"
    own = read_frame(geotiff)
    polar = declared_map(read_frame(geotiff), settings)
    assert polar.grid is not None and polar.grid.hemisphere == "north"
    assert "map" not in polar.meta and polar.meta["reprojected_from"] == "cylindrical map"
    # a polar pixel near 60°N, 130°E holds the map's value there (its pixels are 16·row + col)
    cylindrical = CylindricalMap.from_dict(own.meta["map"])
    px, py = (int(np.round(v)) for v in polar.grid.pixel(60.0, 230.0))
    x, y = cylindrical.pixel(*polar.grid.latlon(px, py))
    # (OpenCV interpolates in 1/32 px: up to 16/32 across rows)
    assert polar.image[py, px, 0] == pytest.approx(16 * float(y) + float(x), abs=0.5)
    np.save(tmp_path / "plain.npy", np.ones((8, 8), np.float32))
    with pytest.raises(ValueError, match="to_polar alone reprojects a frame's own"):
        declared_map(read_frame(tmp_path / "plain.npy"), settings)
