"""PDS4 maps (`jovis.io.pds4_cartography` through `jovis.io.pds4`): GDAL's PDS4 products of
the GeoTIFF fixtures (tests/data/geotiff/make_fixtures.py wrote them) placed where PROJ puts
their pixels, and labels laid out as ISIS's PDS4 export writes them placed as the cube they
came from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from tests.io.test_geotiff import DATA, EXPECTED, assert_placed_where_proj_puts, placed
from tests.io.test_isis import POLAR_MAPPING, write_cube
from tests.io.test_pds4 import write_pds4

from jovis.geometry.maps import MAP_AFFINE
from jovis.io import read_frame

PDS4 = DATA / "pds4"
# GDAL's PDS4 product: the GeoTIFF it was written from (make_fixtures.PDS4_MAPS)
PLACED = {
    "ps_north_iau_sphere": "ps_north_iau_sphere",
    "ps_south_spheroid_k097_offset": "ps_south_spheroid_k097_offset",
    "ps_north_spheroid_ts70_west": "ps_north_spheroid_ts70",
    "ortho_south_sphere": "ortho_south_sphere",
    "geographic_ographic": "geographic_ographic",
    "eqc_sphere_origin10": "eqc_sphere_origin10",
}
GDAL = json.loads((PDS4 / "gdal.json").read_text())  # what GDAL reads each product as
MAP_IDENT = "urn:nasa:pds:jovis_test:maps:north_map"


@pytest.mark.parametrize("name", sorted(PLACED))
def test_gdal_written_pds4_maps_place_their_pixels_where_proj_puts_them(name):
    frame = read_frame(PDS4 / f"{name}.xml")
    assert_placed_where_proj_puts(frame, EXPECTED[PLACED[name]])
    assert frame.meta["grid_source"].startswith("PDS4 cart:Cartography")
    # GDAL's missing_constant is no data; map coordinates are those GDAL reads the product in
    assert not frame.valid[0, 0] and frame.valid.sum() == frame.valid.size - 1
    np.testing.assert_allclose(frame.meta[MAP_AFFINE], GDAL[name]["corner"])


@pytest.mark.parametrize("name", ["ortho_north_spheroid", "eqc_spheroid_ts30"])
def test_a_spheroid_map_producers_draw_differently_is_read_without_geometry_saying_why(name):
    frame = read_frame(PDS4 / f"{name}.xml")
    assert placed(frame) is None
    assert frame.meta["grid_source"].startswith(f"none: {name}.xml's cart:Cartography")
    assert "does not say which" in frame.meta["grid_source"]
    assert frame.valid.sum() == frame.valid.size - 1  # its pixels are read all the same
    np.testing.assert_allclose(frame.meta[MAP_AFFINE], GDAL[name]["corner"])


def test_a_false_easting_in_the_label_is_taken_off_the_corner(tmp_path):
    """GDAL folds a false easting into the corner; a label may give it apart, the corner then
    in the coordinates that include it (as a GIS draws them)."""
    name = "ps_south_spheroid_k097_offset"
    for suffix in (".xml", ".img"):
        shutil.copy(PDS4 / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    label = tmp_path / f"{name}.xml"
    text = label.read_text()
    corner = '<cart:upperleft_corner_x unit="m">-3200000</cart:upperleft_corner_x>'
    assert corner in text and "</cart:Polar_Stereographic>" in text
    text = text.replace(corner, corner.replace("-3200000", "-2.2e3").replace('"m"', '"km"'))
    text = text.replace("</cart:Polar_Stereographic>", '<cart:false_easting unit="m">1000000'
                        "</cart:false_easting></cart:Polar_Stereographic>")  # fmt: skip
    label.write_text(text)
    frame = read_frame(label)
    assert_placed_where_proj_puts(frame, EXPECTED[name])
    assert frame.meta[MAP_AFFINE] == [-2.2e6, 2.4e6, 4e5, 4e5]


def cart_area(mapping: dict[str, str], length_unit: str = "m") -> str:
    """A Discipline_Area with the cart:Cartography ISIS's PDS4 export (pds4Export<name>.trn)
    writes from the cube's Mapping group `mapping`: the old dictionary's radius names, the
    centre longitude of a polar map as straight_vertical_longitude_from_pole."""
    scale = {"m": 1.0, "km": 1e-3}[length_unit]

    def length(key: str) -> str:
        return f'unit="{length_unit}">{float(mapping[key].split()[0]) * scale!r}'

    name = {"PolarStereographic": "Polar Stereographic", "SimpleCylindrical": "Simple "
            "Cylindrical"}.get(mapping["ProjectionName"], mapping["ProjectionName"])  # fmt: skip
    block = name.replace(" ", "_")
    clat = mapping.get("CenterLatitude", "0.0")
    if block == "Polar_Stereographic":
        params = (f'<cart:straight_vertical_longitude_from_pole unit="deg">'
                  f'{mapping["CenterLongitude"]}</cart:straight_vertical_longitude_from_pole>'
                  f'<cart:latitude_of_projection_origin unit="deg">{clat}'
                  f'</cart:latitude_of_projection_origin>')  # fmt: skip
    else:  # (an Equirectangular map's origin on the equator, the others' CenterLatitude)
        origin = "0" if block == "Equirectangular" else clat
        params = (f'<cart:standard_parallel_1 unit="deg">{clat}</cart:standard_parallel_1>'
                  f'<cart:longitude_of_central_meridian unit="deg">{mapping["CenterLongitude"]}'
                  f'</cart:longitude_of_central_meridian><cart:latitude_of_projection_origin '
                  f'unit="deg">{origin}</cart:latitude_of_projection_origin>')  # fmt: skip
    direction = {"PositiveEast": "Positive East", "PositiveWest": "Positive West"}
    resolution = float(mapping["PixelResolution"].split()[0]) * scale
    return f"""<Target_Identification><name>{mapping["TargetName"]}</name>
    <type>Planet</type></Target_Identification>
    <Discipline_Area xmlns:cart="http://pds.nasa.gov/pds4/cart/v1"><cart:Cartography>
    <cart:Spatial_Reference_Information><cart:Horizontal_Coordinate_System_Definition>
    <cart:Planar><cart:Map_Projection><cart:map_projection_name>{name}</cart:map_projection_name>
    <cart:{block}>{params}</cart:{block}></cart:Map_Projection>
    <cart:Planar_Coordinate_Information>
    <cart:planar_coordinate_encoding_method>Coordinate Pair</cart:planar_coordinate_encoding_method>
    <cart:Coordinate_Representation>
    <cart:pixel_resolution_x unit="{length_unit}/pixel">{resolution!r}</cart:pixel_resolution_x>
    <cart:pixel_resolution_y unit="{length_unit}/pixel">{resolution!r}</cart:pixel_resolution_y>
    </cart:Coordinate_Representation></cart:Planar_Coordinate_Information>
    <cart:Geo_Transformation>
    <cart:upperleft_corner_x {length("UpperLeftCornerX")}</cart:upperleft_corner_x>
    <cart:upperleft_corner_y {length("UpperLeftCornerY")}</cart:upperleft_corner_y>
    </cart:Geo_Transformation></cart:Planar><cart:Geodetic_Model>
    <cart:latitude_type>{mapping["LatitudeType"]}</cart:latitude_type>
    <cart:semi_major_radius {length("EquatorialRadius")}</cart:semi_major_radius>
    <cart:semi_minor_radius {length("EquatorialRadius")}</cart:semi_minor_radius>
    <cart:polar_radius {length("PolarRadius")}</cart:polar_radius>
    <cart:longitude_direction>{direction[mapping["LongitudeDirection"]]}</cart:longitude_direction>
    </cart:Geodetic_Model></cart:Horizontal_Coordinate_System_Definition>
    </cart:Spatial_Reference_Information></cart:Cartography></Discipline_Area>"""


SPHERE = {"EquatorialRadius": "71492000.0", "PolarRadius": "71492000.0"}
ISIS_MAPS = {
    "polar stereographic, planetocentric, west": {
        **POLAR_MAPPING, "CenterLatitude": "75.0", "CenterLongitude": "-40.0",
        "LongitudeDirection": "PositiveWest", "UpperLeftCornerX": "-900000.0",
        "UpperLeftCornerY": "700000.0",
    },
    "simple cylindrical, planetographic": {
        **POLAR_MAPPING, "ProjectionName": "SimpleCylindrical", "LatitudeType": "Planetographic",
        "CenterLongitude": "150.0", "UpperLeftCornerX": "-2500000.0",
        "UpperLeftCornerY": "-1000000.0", "PixelResolution": "50000.0",
    },
    "equirectangular sphere true to scale at 20": {
        **POLAR_MAPPING, **SPHERE, "ProjectionName": "Equirectangular", "CenterLatitude": "20.0",
        "CenterLongitude": "30.0", "UpperLeftCornerX": "-300000.0",
        "UpperLeftCornerY": "2000000.0",
    },
    "orthographic sphere about the south pole": {
        **POLAR_MAPPING, **SPHERE, "ProjectionName": "Orthographic", "CenterLatitude": "-90.0",
    },
}  # fmt: skip


@pytest.mark.parametrize("unit", ["m", "km"])
@pytest.mark.parametrize("kind", sorted(ISIS_MAPS))
def test_a_label_as_isis_exports_a_map_places_it_as_the_cube_it_came_from(tmp_path, kind, unit):
    mapping = ISIS_MAPS[kind]
    image = np.arange(12 * 16, dtype=np.float32).reshape(12, 16)
    cube = read_frame(write_cube(tmp_path / "map.cub", image, instrument=None, mapping=mapping))
    label = write_pds4(tmp_path, "map", image.astype("<f4"), ident=MAP_IDENT,
                       mission_area=cart_area(mapping, unit))  # fmt: skip
    frame = read_frame(label)
    assert placed(cube) is not None and placed(frame) is not None, frame.meta["grid_source"]
    rows, cols = np.mgrid[0:12, 0:16].astype(float)
    np.testing.assert_allclose(placed(frame).latlon(cols, rows), placed(cube).latlon(cols, rows),
                               atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(frame.meta[MAP_AFFINE], cube.meta[MAP_AFFINE])


POLAR_KM = cart_area(ISIS_MAPS["polar stereographic, planetocentric, west"], "km")


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("Polar Stereographic</cart:map", "Sinusoidal</cart:map", "'Sinusoidal' is not one"),
        ('<cart:upperleft_corner_x unit="km">-900.0', '<cart:upperleft_corner_x unit="km">w',
         "upperleft_corner_x is 'w', not a number"),
        ('upperleft_corner_y unit="km"', 'upperleft_corner_y unit="ft"', "in 'ft'"),
        ('<cart:semi_minor_radius unit="km">71492.0', '<cart:semi_minor_radius unit="km">71000',
         "triaxial"),
        ('<cart:pixel_resolution_y unit="km/pixel">100.0', '<cart:pixel_resolution_y '
         'unit="km/pixel">90', "not square"),
        ("<name>Jupiter</name>", "<name>Io</name>", "'Io', not Jupiter"),
        ('latitude_of_projection_origin unit="deg">75.0', 'latitude_of_projection_origin '
         'unit="deg">0', "no latitude of true scale"),
        ("<cart:Geo_Transformation>", "<cart:Geo_Transformationx>", "no upperleft_corner_x"),
        ("</cart:latitude_of_projection_origin>", '</cart:latitude_of_projection_origin>'
         '<cart:standard_parallel_1 unit="deg">-70</cart:standard_parallel_1>',
         "lie in different hemispheres"),
    ],
)  # fmt: skip
def test_a_map_label_jovis_cannot_place_is_read_without_geometry_saying_why(tmp_path, old, new,
                                                                            why):  # fmt: skip
    assert old in POLAR_KM
    area = POLAR_KM.replace(old, new)
    if "Transformationx" in new:
        area = area.replace("</cart:Geo_Transformation>", "</cart:Geo_Transformationx>")
    image = np.ones((12, 16), "<f4")
    frame = read_frame(write_pds4(tmp_path, "map", image, ident=MAP_IDENT, mission_area=area))
    assert placed(frame) is None
    assert frame.meta["grid_source"].startswith("none:") and why in frame.meta["grid_source"]
    assert frame.valid.all()


def test_a_product_without_cartography_is_no_map(tmp_path):
    frame = read_frame(write_pds4(tmp_path, "plain", np.ones((12, 16), "<f4"), ident=MAP_IDENT))
    assert placed(frame) is None and "grid_source" not in frame.meta


def test_the_fixtures_are_where_the_tests_look():
    assert (
        sorted(p.stem for p in Path(PDS4).glob("*.xml"))
        == sorted([*PLACED, "ortho_north_spheroid", "eqc_spheroid_ts30"])
        == sorted(GDAL)
    )


def test_a_junocam_map_in_pds4_is_read_as_a_map_not_refused_as_framelets(tmp_path):
    """A JunoCam product is refused from a PDS4 label (its framelets' filter order is in PDS3
    labels only); a map made from one holds no framelets."""
    mapping = ISIS_MAPS["polar stereographic, planetocentric, west"]
    ident = "urn:nasa:pds:juno_junocam:data_map:jnce_2025001_70c00001_v01"
    image = np.ones((12, 16), "<f4")
    frame = read_frame(write_pds4(tmp_path, "JNCE_2025001_70C00001_V01", image, ident=ident,
                                  mission_area=cart_area(mapping)))  # fmt: skip
    assert placed(frame) is not None and frame.channels == ["gray"]
