"""PDS3 map products (IMAGE_MAP_PROJECTION): a JunoCam global map, an ISIS export, written by
hand as the PDS3 Standards Reference and the JunoCam maps' DSMAP.CAT define the offsets."""

import numpy as np
import pytest
from tests.io.test_pds3 import write_pds3

from jovis.geometry.maps import MAP_AFFINE, CylindricalMap
from jovis.io import read_frame


def projection(kind="SIMPLE CYLINDRICAL", west=True, extent="", **values):
    keys = {"A_AXIS_RADIUS": "71492.0 <KM>", "C_AXIS_RADIUS": "66854.0 <KM>",
            "CENTER_LATITUDE": "0.0 <DEG>", "CENTER_LONGITUDE": "180.0 <DEG>",
            "MAP_RESOLUTION": "4.0 <PIX/DEG>", "MAP_SCALE": "311.94 <KM/PIXEL>",
            "LINE_PROJECTION_OFFSET": "19.5", "SAMPLE_PROJECTION_OFFSET": "279.5",
            **values}  # fmt: skip
    body = "".join(f"  {k} = {v}\r\n" for k, v in keys.items() if v is not None)
    return (
        "TARGET_NAME = JUPITER\r\nOBJECT = IMAGE_MAP_PROJECTION\r\n"
        f'  MAP_PROJECTION_TYPE = "{kind}"\r\n'
        f"  POSITIVE_LONGITUDE_DIRECTION = {'WEST' if west else 'EAST'}\r\n"
        f"  COORDINATE_SYSTEM_NAME = PLANETOGRAPHIC\r\n{body}{extent}"
        "END_OBJECT = IMAGE_MAP_PROJECTION\r\n"
    )


def test_a_simple_cylindrical_map_is_placed_as_the_offsets_say(tmp_path):
    """A 40 × 160 px regional map at 4 px/deg: lines from 5° N (LINE_PROJECTION_OFFSET 19.5:
    the equator 19.5 lines below the first pixel's centre) to 5° S; west longitude 250° at the
    left edge. A pixel the PDS3 equations put at (−2.125°, 213.125° W) is read there."""
    image = np.zeros((40, 160), np.uint8)
    lat, lon_w = -2.125, 213.125
    row = 19.5 - 4.0 * (lat - 0.0)  # LINE − 1 = LINE_PROJECTION_OFFSET − res·(lat − clat)
    col = 279.5 - 4.0 * (lon_w - 180.0)  # west-positive: west longitude grows leftward
    image[round(row), round(col)] = 255
    extent = ("  MAXIMUM_LATITUDE = 5.0\r\n  MINIMUM_LATITUDE = -5.0\r\n"
              "  WESTERNMOST_LONGITUDE = 250.0\r\n  EASTERNMOST_LONGITUDE = 210.0\r\n")  # fmt: skip
    frame = read_frame(write_pds3(tmp_path, "MAP", image, "MSB_UNSIGNED_INTEGER",
                                  projection(extent=extent)))  # fmt: skip
    placed = CylindricalMap.from_dict(frame.meta["map"])
    y, x = np.argwhere(frame.image[:, :, 0] == 255)[0]
    got_lat, got_lon = placed.latlon(float(x), float(y))
    assert float(got_lon) == pytest.approx(lon_w, abs=1e-6)
    assert (placed.lat_top, placed.lat_bottom) == pytest.approx((5.0, -5.0))
    assert placed.planetographic and "PDS3 IMAGE_MAP_PROJECTION" in frame.meta["grid_source"]
    # the label's latitude is planetographic: the map gives planetocentric
    assert float(got_lat) == pytest.approx(
        np.degrees(np.arctan((66854 / 71492) ** 2 * np.tan(np.radians(lat))))
    )
    assert frame.meta[MAP_AFFINE][2] == pytest.approx(71492e3 * np.pi / 180 / 4)  # m per px


def test_east_longitudes_and_a_label_whose_extent_disagrees(tmp_path):
    image = np.zeros((40, 160), np.uint8)
    east = projection(west=False, extent="  WESTERNMOST_LONGITUDE = 110.0\r\n")
    frame = read_frame(write_pds3(tmp_path, "E", image, "MSB_UNSIGNED_INTEGER", east))
    placed = CylindricalMap.from_dict(frame.meta["map"])
    assert placed.lon_left % 360 == pytest.approx(250.0)  # jovis's west: 110° E is 250° W
    # the lines count from CENTER_LATITUDE (LINE = LINE_PROJECTION_OFFSET − res·(lat − clat) + 1)
    shifted = projection(CENTER_LATITUDE="10.0", LINE_PROJECTION_OFFSET="-20.5")
    frame = read_frame(write_pds3(tmp_path, "C", image, "MSB_UNSIGNED_INTEGER", shifted))
    assert frame.meta["map"]["lat_top"] == pytest.approx(5.0)
    # offsets read one pixel off by their producer: its own extent says so, nothing is placed
    off = projection(extent="  WESTERNMOST_LONGITUDE = 250.5\r\n")
    frame = read_frame(write_pds3(tmp_path, "OFF", image, "MSB_UNSIGNED_INTEGER", off))
    assert "map" not in frame.meta and frame.grid is None
    assert "WESTERNMOST_LONGITUDE says 250.5°" in frame.meta["grid_source"]
    assert "declare its map beside it" in frame.meta["grid_source"]


def test_a_polar_stereographic_map_gets_a_polar_grid_with_its_pole_at_the_offsets(tmp_path):
    image = np.zeros((64, 64), np.uint8)
    polar = projection("POLAR STEREOGRAPHIC", CENTER_LATITUDE="90.0", CENTER_LONGITUDE="0.0",
                       MAP_RESOLUTION=None, MAP_SCALE="250.0 <KM/PIXEL>",
                       LINE_PROJECTION_OFFSET="31.5", SAMPLE_PROJECTION_OFFSET="30.0")  # fmt: skip
    frame = read_frame(write_pds3(tmp_path, "NP", image, "MSB_UNSIGNED_INTEGER", polar))
    assert frame.grid is not None and frame.grid.hemisphere == "north"
    assert (frame.grid.pole_x, frame.grid.pole_y) == pytest.approx((30.0, 31.5))
    assert frame.grid.projection == "oblate_stereographic"


@pytest.mark.parametrize(("change", "why"), [
    ({"kind": "MERCATOR"}, "MAP_PROJECTION_TYPE 'MERCATOR' is not one jovis places"),
    ({"SAMPLE_PROJECTION_OFFSET": None}, "it gives no SAMPLE_PROJECTION_OFFSET"),
    ({"MAP_RESOLUTION": None, "MAP_SCALE": "3 <LIGHTYEARS>"}, "MAP_SCALE in 'LIGHTYEARS'"),
    ({"CENTER_LONGITUDE": "NaN"}, "CENTER_LONGITUDE"),
])  # fmt: skip
def test_a_map_jovis_cannot_place_is_read_with_the_reason(tmp_path, change, why):
    image = np.zeros((16, 32), np.uint8)
    frame = read_frame(write_pds3(tmp_path, "X", image, "MSB_UNSIGNED_INTEGER",
                                  projection(**change)))  # fmt: skip
    assert "map" not in frame.meta and frame.grid is None
    assert frame.meta["grid_source"].startswith("none: X.LBL's IMAGE_MAP_PROJECTION: ")
    assert why in frame.meta["grid_source"]


def test_a_junocam_map_is_its_colour_bands_not_framelets(tmp_path):
    """A JunoCam product id would have its image split into framelets by filter; a map's bands
    are the colour planes of one picture."""
    planes = np.stack([np.full((16, 32), v, np.uint8) for v in (200, 120, 40)])
    record = 32
    label = (
        "PDS_VERSION_ID = PDS3\r\nRECORD_TYPE = FIXED_LENGTH\r\n"
        f"RECORD_BYTES = {record}\r\nFILE_RECORDS = {16 * 3}\r\n"
        '^IMAGE = ("GMI.IMG", 1)\r\nINSTRUMENT_ID = JNC\r\n'
        'PRODUCT_ID = "JNCR_2017033_04C00001_V01"\r\n'
        f"{projection()}"
        "OBJECT = IMAGE\r\n  LINES = 16\r\n  LINE_SAMPLES = 32\r\n  BANDS = 3\r\n"
        "  BAND_STORAGE_TYPE = BAND_SEQUENTIAL\r\n  SAMPLE_TYPE = MSB_UNSIGNED_INTEGER\r\n"
        "  SAMPLE_BITS = 8\r\nEND_OBJECT = IMAGE\r\nEND\r\n"
    )
    (tmp_path / "GMI.LBL").write_text(label)
    (tmp_path / "GMI.IMG").write_bytes(planes.tobytes())
    frame = read_frame(tmp_path / "GMI.LBL")
    assert frame.instrument == "junocam" and frame.channels == ["red", "green", "blue"]
    assert frame.image.shape == (16, 32, 3) and frame.image[0, 0].tolist() == [200, 120, 40]
    assert frame.meta["map"]["kind"] == "cylindrical"


def test_the_mask_of_a_pds3_map_is_a_pds3_product_on_the_same_map(tmp_path):
    """A GIS or ISIS user overlays the mask on the input map: it is written as masks/<id>.LBL +
    .IMG with the input's IMAGE_MAP_PROJECTION as written, and reads back on the same map."""
    from jovis.inference.outputs import output_paths, write_frame_outputs
    from jovis.synth.frameset import default_schema

    image = np.zeros((40, 160), np.uint8)
    frame = read_frame(write_pds3(tmp_path, "MAP", image, "MSB_UNSIGNED_INTEGER", projection()))
    probs = np.zeros((3, 40, 160), np.float32)
    probs[0] = 1.0
    probs[:, 10:20, 30:60] = np.array([0.1, 0.1, 0.8])[:, None, None]
    paths = output_paths(tmp_path / "out", "MAP", save_probs=False)
    counts = write_frame_outputs(frame, "MAP", probs, default_schema(), paths, {})
    label = tmp_path / "out" / "masks" / "MAP.LBL"
    assert counts["outputs"]["mask_pds3"] == str(label) and label.with_suffix(".IMG").is_file()
    back = read_frame(label)
    assert back.meta["map"] == {**frame.meta["map"], "source": back.meta["map"]["source"]}
    mask = back.image[:, :, 0].astype(np.uint8)
    assert (mask[10:20, 30:60] == 2).all() and (mask == 2).sum() == 300
    assert "OBJECT = IMAGE_MAP_PROJECTION" in label.read_text()
