"""`infer map=` and ``<file>.map.json``: frames that are maps get lat/lon, km and their plate
scale (`jovis.geometry.maps`)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from tests.conftest import REPO

from jovis.catalog import catalog_rows, features_to_geojson
from jovis.frame import Frame
from jovis.inference import run_inference
from jovis.inference.outputs import locate_in_view

# 64 rows over 30° of latitude: 2.13 px per degree, twice the tiny model's 1.07
MAP = {"lat": [90, 60], "lon": [-60, 60], "longitude": "east"}


@pytest.fixture()
def map_frame(tmp_path):
    folder = tmp_path / "maps"
    folder.mkdir()
    image = np.random.default_rng(3).random((64, 128, 2)).astype(np.float32)
    np.save(folder / "strip.npy", image)
    return folder


def rows_of(out):
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]


def vortices_of(out, name):
    """The vortices' properties in a run's GeoJSON of frame `name`."""
    gj = json.loads((out / "features" / f"{name}.geojson").read_text())
    return [f["properties"] for f in gj["features"] if f["properties"]["feature"] == "vortex"]


def test_infer_script_takes_a_cylindrical_map_at_its_scale_and_locates_it(
    tiny_run, map_frame, tmp_path
):
    def infer(out, *extra):
        proc = subprocess.run(
            [sys.executable, "scripts/infer.py", f"ckpt={tiny_run['checkpoint']}",
             f"input={map_frame}", f"out={out}", "device=cpu", "num_workers=0",
             "progress=false", *extra],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        return proc

    proc = infer(tmp_path / "map", "map={lat:[90,60],lon:[-60,60],longitude:east}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (row,) = rows_of(tmp_path / "map")
    assert row["resampled"] is True and row["resample_scale"] == pytest.approx(0.5, abs=0.01)
    assert "-map" in row["run_key"]
    gj = json.loads((tmp_path / "map" / "features" / "strip.geojson").read_text())
    assert gj["properties"]["located"] == "cylindrical map, declared (map)"
    assert gj["properties"]["map"]["lon_left"] == 60.0  # east -60 = west 60
    # undeclared, the same frame is fed at its own scale and nothing is located
    proc = infer(tmp_path / "plain")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (plain,) = rows_of(tmp_path / "plain")
    assert plain["resampled"] is False and "-map" not in plain["run_key"]
    gj = json.loads((tmp_path / "plain" / "features" / "strip.geojson").read_text())
    assert "located" not in gj["properties"] and "map" not in gj["properties"]
    # a bad declaration is refused before anything is written, naming the key
    proc = infer(tmp_path / "bad", "map={lat:[90,60]}")
    assert proc.returncode != 0 and "map: a cylindrical map needs lon" in proc.stderr
    assert not (tmp_path / "bad").exists()


def test_a_polar_map_json_beside_a_frame_gives_it_a_grid(tiny_run, map_frame, tmp_path):
    polar = {"projection": "equidistant", "hemisphere": "north", "pole_x": 64, "pole_y": 32,
             "px_per_deg": 1.0667}  # fmt: skip
    (map_frame / "strip.npy.map.json").write_text(json.dumps(polar))
    result = run_inference(tiny_run["checkpoint"], map_frame, tmp_path, device="cpu",
                           progress=False, map_settings=MAP)  # fmt: skip
    assert result["ok"] == 1
    (row,) = rows_of(tmp_path)
    assert row["grid"].endswith("strip.npy.map.json)")  # the file beside it wins
    gj = json.loads((tmp_path / "features" / "strip.geojson").read_text())
    assert gj["properties"]["coordinate_system"].startswith("[lon, lat]")


def test_a_vortex_on_a_cylindrical_map_gets_its_latitude_longitude_and_km():
    meta = {"map": {"kind": "cylindrical", "lat_top": 90.0, "lat_bottom": -90.0,
                    "lon_left": 360.0, "lon_right": 0.0, "shape": [180, 360]}}  # fmt: skip
    frame = Frame(np.zeros((180, 360, 3), np.float32), ["red", "green", "blue"], "unknown",
                  "mosaic.png", meta)  # fmt: skip
    v = {"id": 1, "x": 99.5, "y": 112.5, "semi_major_px": 4.0, "semi_minor_px": 2.0,
         "angle_deg": 90.0, "area_px": 25}  # fmt: skip
    features = {"vortices": [v], "oval": {}, "class_fractions": {}}
    locator, said = locate_in_view(frame, features)
    assert locator is not None and said["located"].startswith("cylindrical map")
    (row,) = catalog_rows("mosaic", features)
    # row 112.5: edge 113 of 180 from 90°N = 23°S; column 99.5: 100° from 360°W = 260°W
    assert (row["lat"], row["lon"]) == (pytest.approx(-23.0), pytest.approx(260.0))
    # 4 px along the meridian: 4° of latitude, ~4900 km; 2 px along the parallel at 23°S
    assert row["semi_major_km"] == pytest.approx(4 * np.pi / 180 * 68_500, rel=0.05)
    assert row["semi_minor_km"] == pytest.approx(2 * np.pi / 180 * 71_492 * np.cos(np.radians(23)),
                                                 rel=0.02)  # fmt: skip
    gj = features_to_geojson(features, "mosaic")
    assert gj["properties"]["map"]["kind"] == "cylindrical"
    assert gj["properties"]["coordinate_system"].startswith("pixel")  # positions stay pixels


def test_a_labelled_sets_map_locates_infers_features(tiny_run, map_frame, tmp_path):
    # `labels import map=...` records the map in the set's manifest; infer on the set reads it
    from jovis.annotations import import_annotations
    from jovis.synth.frameset import default_schema

    (tmp_path / "cat.csv").write_text(
        "frame_id,lat,lon,semi_major,semi_minor\nstrip,75,0,2000,2000\n"
    )
    labelled = tmp_path / "set"
    import_annotations(tmp_path / "cat.csv", map_frame, labelled, default_schema(),
                       {"map": MAP}, instrument="jiram")  # fmt: skip
    result = run_inference(tiny_run["checkpoint"], labelled, tmp_path / "o", device="cpu",
                           progress=False)  # fmt: skip
    assert result["ok"] == 1
    (row,) = rows_of(tmp_path / "o")
    assert row["resample_scale"] == pytest.approx(0.5, abs=0.01)  # the map's 2.13 px/deg
    gj = json.loads((tmp_path / "o" / "features" / "strip.geojson").read_text())
    assert gj["properties"]["map"]["lat_top"] == 90.0


def test_to_polar_gives_a_latlon_map_a_polar_grid_for_a_polar_detector(
    tiny_run, map_frame, tmp_path
):
    to_polar = {**MAP, "to_polar": {"max_colatitude": 30}}
    result = run_inference(tiny_run["checkpoint"], map_frame, tmp_path, device="cpu",
                           progress=False, map_settings=to_polar)  # fmt: skip
    assert result["ok"] == 1
    (row,) = rows_of(tmp_path)
    assert row["grid"].startswith("reprojected from a cylindrical map")
    gj = json.loads((tmp_path / "features" / "strip.geojson").read_text())
    assert gj["properties"]["coordinate_system"].startswith("[lon, lat]")
    # annotations are placed on the map as it is: to_polar is refused there, naming the fix
    from jovis.annotations import import_annotations
    from jovis.synth.frameset import default_schema

    (tmp_path / "cat.csv").write_text("frame_id,lat,lon,radius\nstrip,75,0,2000\n")
    with pytest.raises(ValueError, match="declare it without to_polar"):
        import_annotations(tmp_path / "cat.csv", map_frame, tmp_path / "set", default_schema(),
                           {"map": to_polar}, instrument="jiram")  # fmt: skip


def test_a_jiram_polar_map_in_vicar_places_the_cyclones_where_its_source_frame_does(tmp_path):
    """A JIRAM-style polar map (VICAR float32, background 0, the spheroid projected onto its
    equatorial plane at km_per_px, declared beside it) of a synthetic M-band scene: the shipped
    jiram_m detector's vortices on it lie where those on the scene's own polar frame lie
    (median 0.04° at 100 km/px, seed 3); declared as the sphere's orthographic projection of the
    same equatorial radius they lie ~0.5° off (the reduced latitude), so the test sees the
    difference."""
    import math

    import cv2
    from tests.io.test_vicar import PJ4_MAP_ITEMS, write_vicar

    from jovis.geometry import PolarGrid
    from jovis.geometry.body import EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM, central_angle_deg
    from jovis.released import find_release
    from jovis.released.auto import picks_by_input
    from jovis.synth.sample import make_sample

    frame, _ = make_sample(3, 256, ["M"], "jiram_m", "north", {"max_colatitude": 12.0})
    declared = {"projection": "oblate_orthographic", "hemisphere": "north", "pole_x": 141.0,
                "pole_y": 133.0, "km_per_px": 100.0, "lon_at_x": 200.0,
                "lon_sense": "counterclockwise"}  # fmt: skip
    grid = PolarGrid(
        "north",
        141.0,
        133.0,
        POLAR_RADIUS_KM * math.pi / 180 / 100.0,
        200.0,
        "counterclockwise",
        "oblate_orthographic",
    )  # 100 km per px on the plane
    lat, lon = grid.latlon(*np.mgrid[0:270, 0:290][::-1])
    sx, sy = (v.astype(np.float32) for v in frame.grid.pixel(lat, lon))

    def resample(image):
        return cv2.remap(image, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    seen = resample(frame.valid.astype(np.float32)) > 0.999
    jiram_map = np.where(seen, resample(frame.image[:, :, 0]), 0.0).astype(np.float32)
    folder = tmp_path / "maps"
    folder.mkdir()
    sphere = {**declared, "projection": "orthographic"}
    sphere["px_per_deg"] = EQUATORIAL_RADIUS_KM * math.pi / 180 / sphere.pop("km_per_px")
    source = {k: v for k, v in frame.grid.to_dict().items() if k in PolarGrid.__dataclass_fields__}
    for name, image, grid_of in (("oblate", jiram_map, declared), ("sphere", jiram_map, sphere),
                                 ("source", frame.image[:, :, 0], source)):  # fmt: skip
        valid = frame.valid if name == "source" else seen
        write_vicar(folder / f"{name}.IMG", np.where(valid, image, 0.0).astype(np.float32),
                    extra=PJ4_MAP_ITEMS)  # fmt: skip
        (folder / f"{name}.IMG.map.json").write_text(json.dumps(grid_of))
    # its label says JIRAM M band: model=auto picks the M-band detector
    assert list(picks_by_input(folder)) == [find_release("jiram_m").tag]
    result = run_inference(find_release("jiram_m").weights, folder, tmp_path / "out",
                           device="cpu", progress=False)  # fmt: skip
    assert result["ok"] == 3

    def vortices(name):
        return vortices_of(tmp_path / "out", name)

    def offsets(name):
        return [min(float(central_angle_deg(p["lat"], p["lon"], q["lat"], q["lon"]))
                    for q in vortices("source")) for p in vortices(name)]  # fmt: skip

    assert len(vortices("source")) >= 8 and len(vortices("oblate")) >= 8
    assert np.median(offsets("oblate")) < 0.1
    assert np.median(offsets("sphere")) > 0.3
    row = next(r for r in rows_of(tmp_path / "out") if r["id"] == "oblate")
    assert row["grid"].endswith("oblate.IMG.map.json)")


def scene_on_polar_map(grid, n: int):
    """The synthetic JunoCam colour scene of seed 3 (its frame), and its red, green, blue
    resampled onto the n × n map `grid` with where the map sees it."""
    import cv2

    from jovis.synth.sample import make_sample

    frame, _ = make_sample(3, 256, ["red", "green", "blue"], "junocam_rgb", "north",
                           {"max_colatitude": 20.0})  # fmt: skip
    lat, lon = grid.latlon(*np.mgrid[0:n, 0:n][::-1])
    sx, sy = (v.astype(np.float32) for v in frame.grid.pixel(lat, lon))

    def resample(image):
        return cv2.remap(image, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    seen = resample(frame.valid.astype(np.float32)) > 0.999
    return frame, np.stack([resample(frame.image[:, :, i]) for i in range(3)], axis=-1), seen


def vortex_offsets(tmp_path, folder, frame, name: str) -> list[float]:
    """Run the colour detector on `folder` (the map `name`) beside the scene's own polar frame
    (`source`, its grid declared beside it); each vortex found on the map's distance (°) to the
    nearest found on the source frame (at least 6 found on either)."""
    from jovis.geometry import PolarGrid
    from jovis.geometry.body import central_angle_deg
    from jovis.released import find_release

    source = np.where(frame.valid[:, :, None], frame.image, np.nan).astype(np.float32)
    np.save(folder / "source.npy", source)
    own = {k: v for k, v in frame.grid.to_dict().items() if k in PolarGrid.__dataclass_fields__}
    (folder / "source.npy.map.json").write_text(json.dumps(own))
    result = run_inference(find_release("visible_rgb").weights, folder, tmp_path / "out",
                           device="cpu", progress=False)  # fmt: skip
    assert result["ok"] == 2
    found, truth = vortices_of(tmp_path / "out", name), vortices_of(tmp_path / "out", "source")
    assert len(truth) >= 6 and len(found) >= 6
    return [min(float(central_angle_deg(p["lat"], p["lon"], q["lat"], q["lon"])) for q in truth)
            for p in found]  # fmt: skip


def test_an_isis_polar_stereographic_cube_places_the_vortices_where_its_source_frame_does(
    tmp_path,
):
    """A synthetic JunoCam colour scene map-projected as ISIS's cam2map writes a polar
    stereographic cube (the 1-bar spheroid, 180 km/px at the pole, Null off the data, BandBin
    BLUE, GREEN, RED): model=auto takes it to the colour detector, the cube's Mapping group
    gives it its grid, and the vortices lie where those on the scene's own polar frame do
    (seed 3: 7 and 7, median 0.034°; seeds 4 and 5 give 2-3 each, the detector's own misses
    on these polar scenes)."""
    import math

    from tests.io.test_isis import POLAR_MAPPING, REAL_NULL, write_cube

    from jovis.geometry import PolarGrid
    from jovis.geometry.body import POLAR_RADIUS_KM
    from jovis.released import find_release
    from jovis.released.auto import picks_by_input

    n, km = 300, 180.0
    corner = str(n / 2 * km * 1000)
    mapping = {**POLAR_MAPPING, "UpperLeftCornerX": f"-{corner}", "UpperLeftCornerY": corner,
               "PixelResolution": str(km * 1000)}  # fmt: skip
    # the cube's pixels as ISIS places them: the spheroid's polar stereographic about the pole
    grid = PolarGrid("north", n / 2 - 0.5, n / 2 - 0.5, POLAR_RADIUS_KM * math.pi / 180 / km,
                     270.0, "clockwise", "oblate_stereographic")  # fmt: skip
    frame, rgb, seen = scene_on_polar_map(grid, n)
    folder = tmp_path / "maps"
    folder.mkdir()
    cube = np.where(seen[:, :, None], rgb[:, :, ::-1], REAL_NULL).astype(np.float32)
    write_cube(folder / "cube.cub", cube, filters=["BLUE", "GREEN", "RED"], mapping=mapping)
    picked = picks_by_input(folder)
    assert picked[find_release("visible_rgb").tag][1] == [folder / "cube.cub"]
    assert np.median(vortex_offsets(tmp_path, folder, frame, "cube")) < 0.1
    row = next(r for r in rows_of(tmp_path / "out") if r["id"] == "cube")
    assert row["grid"].startswith("ISIS Mapping group: PolarStereographic about the north pole")
    # its mask also as an ISIS cube on the same map: the class ids, Null off the data
    from jovis.io import read_frame
    from jovis.io.masks import read_mask_png

    assert row["outputs"]["mask_cube"] == str(tmp_path / "out" / "masks" / "cube.cub")
    assert (
        "mask_cube"
        not in next(r for r in rows_of(tmp_path / "out") if r["id"] == "source")["outputs"]
    )
    mask_cube = read_frame(row["outputs"]["mask_cube"])
    png = read_mask_png(row["outputs"]["mask"])
    assert mask_cube.grid == read_frame(folder / "cube.cub").grid
    np.testing.assert_array_equal(mask_cube.valid, png != 255)
    np.testing.assert_array_equal(mask_cube.image[:, :, 0][mask_cube.valid], png[png != 255])
    assert (png == 2).sum() > 0


def test_a_geotiff_polar_map_places_the_vortices_where_its_source_frame_does(tmp_path):
    """The synthetic JunoCam colour scene as an 8-bit RGB GeoTIFF on the IAU's north polar
    stereographic sphere (IAU_2015:59930, GeoKeys as GDAL writes them; 180 km/px, no-data 0):
    the GeoKeys give it its grid, the vortices lie where those on the scene's own polar frame
    do (seed 3: 7 and 7, median 0.024°), and its mask is also written as a GeoTIFF with the
    input's geo tags."""
    import math
    from pathlib import Path

    from PIL import Image

    from jovis.geometry import PolarGrid
    from jovis.geometry.body import EQUATORIAL_RADIUS_KM
    from jovis.io import read_frame
    from jovis.io.geotiff import geo_tags_of
    from jovis.io.masks import read_mask_png
    from jovis.io.tiff_tags import ASCII, DOUBLE, encode_tiff, read_tags

    n, km = 300, 180.0
    # the sphere's polar stereographic about the north pole, central meridian 0° east
    grid = PolarGrid("north", n / 2 - 0.5, n / 2 - 0.5, EQUATORIAL_RADIUS_KM * math.pi / 180 / km,
                     270.0, "clockwise", "stereographic")  # fmt: skip
    frame, rgb, seen = scene_on_polar_map(grid, n)
    top = np.percentile(frame.image[frame.valid], 99.5)
    image = np.where(seen[:, :, None], np.clip(rgb / top * 254 + 1, 1, 255), 0).astype(np.uint8)
    iau = Path(__file__).resolve().parents[1] / "data" / "geotiff" / "ps_north_iau_sphere.tif"
    keys = {tag: values for tag, _, values in geo_tags_of(read_tags(iau.read_bytes()))}
    corner = n / 2 * km * 1000
    tags = [(33550, DOUBLE, (km * 1000, km * 1000, 0.0)),
            (33922, DOUBLE, (0.0, 0.0, 0.0, -corner, corner, 0.0)),
            (34735, 3, tuple(keys[34735])), (34736, DOUBLE, tuple(keys[34736])),
            (34737, ASCII, keys[34737]), (42113, ASCII, "0")]  # fmt: skip
    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / "polar.tif").write_bytes(encode_tiff(image, tags))
    read = read_frame(folder / "polar.tif")
    assert read.grid.projection == "stereographic" and not read.valid[0, 0]
    assert np.median(vortex_offsets(tmp_path, folder, frame, "polar")) < 0.1
    row = next(r for r in rows_of(tmp_path / "out") if r["id"] == "polar")
    assert row["grid"].startswith("GeoTIFF: PolarStereographic about the north pole")
    assert row["outputs"]["mask_geotiff"] == str(tmp_path / "out" / "masks" / "polar.tif")
    mask_tif = read_frame(row["outputs"]["mask_geotiff"])
    assert mask_tif.grid == read.grid
    with Image.open(row["outputs"]["mask_geotiff"]) as img:
        np.testing.assert_array_equal(np.array(img), read_mask_png(row["outputs"]["mask"]))
    assert (np.array(Image.open(row["outputs"]["mask_geotiff"])) == 2).sum() > 0


def test_a_pds4_polar_map_places_the_cyclones_where_its_source_frame_does(tmp_path):
    """A synthetic M-band scene as a PDS4 map whose cart:Cartography is laid out as ISIS's PDS4
    export writes it (the spheroid's polar stereographic, planetocentric, true to scale at 80°,
    Positive West, 100 km/px; lengths in km): the shipped jiram_m detector's vortices on it lie
    where those on the scene's own polar frame lie (seed 3: 14, median 0.038°), its mask is also a
    PDS4 product on that map; the same pixels labelled Positive East lie far off (median 2.5° to the
    nearest), so the test sees the label's longitude direction."""
    import cv2
    from tests.io.test_isis import POLAR_MAPPING
    from tests.io.test_pds4 import write_pds4
    from tests.io.test_pds4_cartography import MAP_IDENT, cart_area

    from jovis.geometry import PolarGrid
    from jovis.geometry.body import central_angle_deg
    from jovis.io import read_frame
    from jovis.io.masks import read_mask_png
    from jovis.released import find_release
    from jovis.synth.sample import make_sample

    frame, _ = make_sample(3, 256, ["M"], "jiram_m", "north", {"max_colatitude": 12.0})
    n = 280
    mapping = {**POLAR_MAPPING, "CenterLatitude": "80.0", "CenterLongitude": "30.0",
               "LongitudeDirection": "PositiveWest", "UpperLeftCornerX": "-14000000.0",
               "UpperLeftCornerY": "14500000.0", "PixelResolution": "100000.0"}  # fmt: skip
    folder = tmp_path / "maps"
    folder.mkdir()
    blank = np.zeros((n, n), "<f4")
    grid = read_frame(write_pds4(folder, "polar", blank, ident=MAP_IDENT,
                                 mission_area=cart_area(mapping, "km"))).grid  # fmt: skip
    assert grid is not None and grid.projection == "oblate_stereographic"
    lat, lon = grid.latlon(*np.mgrid[0:n, 0:n][::-1])
    sx, sy = (v.astype(np.float32) for v in frame.grid.pixel(lat, lon))

    def resample(image):
        return cv2.remap(image, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    seen = resample(frame.valid.astype(np.float32)) > 0.999
    pixels = np.where(seen, resample(frame.image[:, :, 0]), -9999.0).astype("<f4")
    missing = "<missing_constant>-9999.0</missing_constant>"
    east = {**mapping, "LongitudeDirection": "PositiveEast"}
    for name, declared in (("polar", mapping), ("east", east)):
        write_pds4(folder, name, pixels, ident=MAP_IDENT, specials=missing,
                   mission_area=cart_area(declared, "km"))  # fmt: skip
    source = {k: v for k, v in frame.grid.to_dict().items() if k in PolarGrid.__dataclass_fields__}
    np.save(folder / "source.npy", np.where(frame.valid, frame.image[:, :, 0], np.nan))
    (folder / "source.npy.map.json").write_text(json.dumps(source))
    result = run_inference(find_release("jiram_m").weights, folder, tmp_path / "out",
                           device="cpu", progress=False)  # fmt: skip
    assert result["ok"] == 3

    def offsets(name):
        return [min(float(central_angle_deg(p["lat"], p["lon"], q["lat"], q["lon"]))
                    for q in vortices_of(tmp_path / "out", "source"))
                for p in vortices_of(tmp_path / "out", name)]  # fmt: skip

    assert len(vortices_of(tmp_path / "out", "source")) >= 8 and len(offsets("polar")) >= 8
    assert np.median(offsets("polar")) < 0.1
    assert np.median(offsets("east")) > 1.0  # (2.5°: each to the nearest of many)
    row = next(r for r in rows_of(tmp_path / "out") if r["id"] == "polar")
    assert row["grid"].startswith("PDS4 cart:Cartography: PolarStereographic about the north")
    mask = read_frame(row["outputs"]["mask_pds4"])
    assert mask.grid == grid
    png = read_mask_png(row["outputs"]["mask"])
    np.testing.assert_array_equal(mask.valid, png != 255)
    np.testing.assert_array_equal(mask.image[:, :, 0][mask.valid], png[png != 255])
    assert (png == 2).sum() > 0
