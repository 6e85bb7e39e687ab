"""Maps told by files beside an image (`jovis.io.georef_sidecars`): PNG and JPEG maps GDAL
3.10.3 wrote with its .aux.xml, a world file, or a world file and an ESRI .prj
(tests/data/geotiff/make_fixtures.py), placed as the GeoTIFFs they were made from."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.io.test_geotiff import placed

from jovis.inference.look import unprocessed_junocam
from jovis.io import read_frame
from jovis.io.georef_sidecars import wkt_geokeys
from jovis.io.geotiff import Unplaced

DATA = Path(__file__).resolve().parents[1] / "data" / "geotiff"
SIDECARS = {"aux_ps_south.png": "ps_south_spheroid_k097_offset",
            "world_ortho_north.jpg": "ortho_north_spheroid",
            "aux_geographic_ocentric.png": "geographic_ocentric_point",
            "prj_ps_north_ts70.png": "ps_north_spheroid_ts70"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SIDECARS))
def test_images_with_gdal_or_gis_sidecars_are_placed_as_their_geotiffs(name):
    image, geotiff = read_frame(DATA / name), read_frame(DATA / f"{SIDECARS[name]}.tif")
    where, truth = placed(image), placed(geotiff)
    assert where is not None, image.meta["grid_source"]
    cols, rows = np.meshgrid(np.arange(0, 16, 3.0), np.arange(0, 12, 3.0))
    lat, lon = where.latlon(cols, rows)
    want_lat, want_lon = truth.latlon(cols, rows)
    np.testing.assert_allclose(lat, want_lat, atol=1e-9)
    np.testing.assert_allclose((lon - want_lon + 180) % 360 - 180, 0, atol=1e-9)
    assert ("world file" if "world" in name or "prj" in name else ".aux.xml") in where.source
    # GDAL's no-data: the PNG's tRNS key colour, the JPEG's mask appended after the image
    assert not image.valid[0, 0] and image.valid.sum() == image.valid.size - 1


def test_a_gdal_png_of_an_isis_cube_is_placed_and_named_by_the_cubes_label(tmp_path):
    """GDAL keeps the cube's label in the .aux.xml of a PNG it writes from a cube, as of a
    GeoTIFF: the PNG is then placed by the Mapping group (here with the GeoTIFF's grid)."""
    shutil.copy(DATA / "isis_ps_south_west_rgb.tif.aux.xml", tmp_path / "m.png.aux.xml")
    frame = read_frame(DATA / "isis_ps_south_west_rgb.tif")
    rgb = np.clip(np.nan_to_num(frame.image), 0, 255).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "m.png"), rgb[:, :, ::-1])
    aux = (tmp_path / "m.png.aux.xml").read_text().replace(
        "<PAMDataset>", "<PAMDataset>\n  <GeoTransform> -8.0e+05, 1.0e+05, 0, 6.0e+05, 0, -1.0e+05"
        "</GeoTransform>")  # fmt: skip
    (tmp_path / "m.png.aux.xml").write_text(aux)
    png = read_frame(tmp_path / "m.png")
    assert png.instrument == "junocam" and "ISIS label" in png.grid.source
    # an 8-bit PNG of a Real cube holds rescaled values, not the cube's: not "unprocessed"
    assert unprocessed_junocam(frame) and not unprocessed_junocam(png)
    assert png.grid == replace(frame.grid, source=png.grid.source)  # the cube's own grid


def test_sidecars_that_place_nothing_say_why(tmp_path):
    image = DATA / "aux_ps_south.png"
    for sidecar, text, why in (
        ("a.png.aux.xml", '<PAMDataset><SRS>PROJCS["x"</SRS></PAMDataset>', "GeoTransform"),
        ("a.wld", "1\n0\n0\n-1\n0.5\n0.5\n", "no CRS beside it"),
        ("a.pgw", "1\n0.1\n0\n-1\n0.5\n0.5\n", "rotates or shears"),
    ):
        folder = tmp_path / sidecar
        folder.mkdir()
        shutil.copy(image, folder / "a.png")
        (folder / sidecar).write_text(text)
        frame = read_frame(folder / "a.png")
        assert frame.grid is None and why in frame.meta["grid_source"], frame.meta["grid_source"]
    with pytest.raises(Unplaced, match="WKT1 PROJCS and GEOGCS"):
        wkt_geokeys('GEOCCS["x", DATUM["d", SPHEROID["s", 1, 0]]]')
    with pytest.raises(Unplaced, match="brackets close"):
        wkt_geokeys('PROJCS["x", GEOGCS["y"')


@pytest.mark.parametrize("name", ["aux_ps_south.png", "prj_ps_north_ts70.png"])
def test_the_mask_png_of_an_image_placed_beside_gets_an_aux_xml_placing_it_the_same(tmp_path, name):
    """Its .aux.xml repeats the input's CRS and pixel grid (from the input's .aux.xml, or its
    world file and .prj), so a GIS lays the mask over the input; the mask PNG read back with
    it is placed as the input."""
    from jovis.inference.outputs import output_paths, write_frame_outputs
    from jovis.synth.frameset import default_schema

    frame = read_frame(DATA / name)
    probs = np.zeros((3, *frame.shape), np.float32)
    paths = output_paths(tmp_path, "m", save_probs=False)
    counts = write_frame_outputs(frame, "m", probs, default_schema(), paths, {})
    aux = tmp_path / "masks" / "m.png.aux.xml"
    assert counts["outputs"]["mask_aux"] == str(aux) and aux.is_file()
    mask = read_frame(tmp_path / "masks" / "m.png")  # (a palette PNG: read as its colours)
    assert placed(mask).latlon(3.0, 4.0) == pytest.approx(placed(frame).latlon(3.0, 4.0))


def test_degenerate_projection_numbers_place_nothing():
    """A scale factor of 0, an equirectangular standard parallel at the pole, a parameter that
    is not finite: refused with the reason (found by fuzzing the WKT and the GeoKeys), not a
    division by zero or a math domain error that would lose the frame."""
    import xml.etree.ElementTree as ET

    from jovis.io.geotiff import from_keys

    srs = ET.parse(DATA / "aux_ps_south.png.aux.xml").getroot().findtext("SRS")
    keys = wkt_geokeys(srs.replace('"scale_factor",0.97', '"scale_factor",0'))
    with pytest.raises(Unplaced, match="scale factor 0 is not a number > 0"):
        from_keys(keys, (-1e6, 1e6, 1e5, 1e5), (20, 20))
    eqc = (DATA / "prj_ps_north_ts70.prj").read_text()  # an ESRI PROJCS, made equirectangular
    eqc = eqc.replace("Stereographic_North_Pole", "Equidistant_Cylindrical").replace(
        '"Standard_Parallel_1",70.0', '"Standard_Parallel_1",90.0'
    )
    with pytest.raises(Unplaced, match="standard parallel 90"):
        from_keys(wkt_geokeys(eqc), (-1e6, 1e6, 1e5, 1e5), (20, 20))
    with pytest.raises(Unplaced, match="GeoKey 3078 is inf, not a number"):  # (GeoDoubleParams)
        from_keys({**wkt_geokeys(eqc), 3078: math.inf}, (-1e6, 1e6, 1e5, 1e5), (20, 20))
