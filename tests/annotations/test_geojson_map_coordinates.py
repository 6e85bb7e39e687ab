"""GeoJSON a GIS saved in the CRS of the map it was drawn on (a GeoTIFF, a PNG with a world
file, an ISIS cube): positions in map units, placed through the frame's own georeferencing.

The layers were written by GDAL (tests/data/geotiff/make_fixtures.py: GDAL's transform of each
raster and its GeoJSON driver, which names the CRS in a `crs` member when it has an authority
and writes none when it has not), each a rectangle along pixel edges covering columns 3-9 and
rows 2-7."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from jovis.annotations import import_annotations
from jovis.annotations.labelme import AnnotationError
from jovis.data.datasets import read_manifest
from jovis.io.masks import read_mask_png

DATA = Path(__file__).resolve().parents[1] / "data" / "geotiff"
LABELS = json.loads((DATA / "labels.json").read_text())  # each layer: the raster it lies on
SQUARE = np.zeros((12, 16), bool)
SQUARE[2:8, 3:10] = True  # rows 2-7, columns 3-9


def _frames(tmp_path: Path, raster: str) -> Path:
    frames = tmp_path / "frames"
    frames.mkdir()
    for path in DATA.glob(f"{Path(raster).stem}.*"):  # the image, .aux.xml, world file, .prj
        shutil.copy(path, frames / path.name)
    return frames


def _layer(tmp_path: Path, label: str, raster: str) -> Path:
    """The layer saved under its frame's name, as the annotations' frame is found."""
    path = tmp_path / f"{Path(raster).stem}.geojson"
    shutil.copy(DATA / label, path)
    return path


def _vortex_mask(out: Path) -> np.ndarray:
    (row,) = read_manifest(out)
    return np.asarray(read_mask_png(out / row["mask"])) == 2


@pytest.mark.parametrize(
    "label",
    ["label_ps_north_iau_sphere.geojson", "label_ps_south_spheroid_k097_offset.geojson",
     "label_sinusoidal.geojson", "label_prj_ps_north_ts70.geojson"],
)  # fmt: skip
def test_a_layer_in_the_maps_crs_lands_on_the_pixels_it_was_drawn_on(label, schema, tmp_path):
    """A `crs` member naming the IAU CRS, or none and metres (a GeoTIFF's CRS read by GDAL has
    no authority): both are map coordinates. A Sinusoidal map, which jovis cannot place on
    Jupiter, still takes shapes drawn on it (its pixels are known, not its latitudes)."""
    raster = LABELS[label]["frame"]
    layer = _layer(tmp_path, label, raster)
    result = import_annotations(layer, _frames(tmp_path, raster), tmp_path / "set", schema)
    assert result["skipped"] == 0
    assert np.array_equal(_vortex_mask(tmp_path / "set"), SQUARE)


def test_a_layer_drawn_on_an_isis_cube_lands_on_the_cubes_pixels(schema, tmp_path):
    """The cubes are written as make_fixtures.py wrote them; GDAL placed each layer by its own
    reading of the cube (UpperLeftCornerX/Y and PixelResolution)."""
    import sys

    sys.path.insert(0, str(DATA))
    from make_fixtures import CUBES, write_cubes

    cubes = tmp_path / "cubes"
    cubes.mkdir()
    write_cubes(cubes)
    for name in CUBES:
        frames = tmp_path / name
        frames.mkdir()
        shutil.move(cubes / f"{name}.cub", frames / f"{name}.cub")
        out = tmp_path / f"set_{name}"
        layer = _layer(tmp_path, f"label_{name}_cub.geojson", f"{name}.cub")
        result = import_annotations(layer, frames, out, schema)
        assert result["skipped"] == 0
        assert np.array_equal(_vortex_mask(out), SQUARE)


def test_map_coordinates_on_a_frame_without_georeferencing_are_refused_naming_the_fix(
    schema, tmp_path
):
    import cv2

    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "ps_north_iau_sphere.png"), np.full((12, 16), 9, np.uint8))
    with pytest.raises(AnnotationError, match="give as frames= the GeoTIFF"):
        layer = _layer(tmp_path, "label_ps_north_iau_sphere.geojson", "ps_north_iau_sphere.png")
        import_annotations(layer, frames, tmp_path / "s", schema)


def test_what_a_collection_holds_is_told_by_its_crs_or_its_numbers():
    from jovis.annotations.geojson import LONLAT, MAP, _positions_kind

    def doc(coords, crs=None):
        d = {"type": "FeatureCollection",
             "features": [{"type": "Feature", "properties": {},
                           "geometry": {"type": "Polygon", "coordinates": [coords]}}]}  # fmt: skip
        if crs:
            d["crs"] = {"type": "name", "properties": {"name": crs}}
        return d

    degrees = [[10.0, 70.0], [12.0, 70.0], [12.0, 72.0], [10.0, 70.0]]
    assert _positions_kind(doc(degrees)) == LONLAT
    assert _positions_kind(doc(degrees, "urn:ogc:def:crs:OGC:1.3:CRS84")) == LONLAT
    assert _positions_kind(doc(degrees, "urn:ogc:def:crs:EPSG::4326")) == LONLAT
    assert _positions_kind(doc(degrees, "urn:ogc:def:crs:IAU_2015::59930")) == MAP
    metres = [[-2e6, 1.6e6], [8e5, 1.6e6], [8e5, -8e5], [-2e6, 1.6e6]]
    assert _positions_kind(doc(metres)) == MAP
    assert _positions_kind(doc([[400.0, 10.0], [401.0, 10.0], [401.0, 11.0]])) == MAP
    assert _positions_kind({"features": [{"geometry": None}, None]}) == LONLAT


def test_a_layer_lands_on_the_pds4_map_gdal_made_of_its_geotiff(schema, tmp_path):
    """GDAL's PDS4 copy of the IAU north polar GeoTIFF (tests/data/geotiff/pds4/) holds the
    same pixels at the same map coordinates: a layer drawn on the GeoTIFF lands on the same
    pixels of the PDS4 map. (A GeoTIFF's false easting GDAL folds into the PDS4's corner: a
    layer is then drawn in the PDS4's own coordinates.)"""
    frames = tmp_path / "frames"
    frames.mkdir()
    for suffix in (".xml", ".img"):
        shutil.copy(DATA / "pds4" / f"ps_north_iau_sphere{suffix}", frames)
    layer = _layer(tmp_path, "label_ps_north_iau_sphere.geojson", "ps_north_iau_sphere.xml")
    result = import_annotations(layer, frames, tmp_path / "set", schema)
    assert result["skipped"] == 0
    assert np.array_equal(_vortex_mask(tmp_path / "set"), SQUARE)
