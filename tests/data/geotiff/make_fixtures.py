"""Write the GeoTIFF fixtures of tests/io/test_geotiff.py with GDAL, and what PROJ says their
pixels are (expected.json). Not run by the tests: the files it wrote are committed.

    .venv/bin/python tests/data/geotiff/make_fixtures.py cubes   # the ISIS cubes, with jovis's venv
    python -m venv /tmp/gdal && /tmp/gdal/bin/pip install rasterio numpy pyogrio
    /tmp/gdal/bin/python tests/data/geotiff/make_fixtures.py     # GDAL: the GeoTIFFs

(rasterio 1.4.4 wheels: GDAL 3.10.3, PROJ 9.7.1; the GeoJSON labels are written by pyogrio
0.13's GDAL 3.12.) Every image is 12 rows × 16 columns of float32 (1-2 KB); the ISIS-derived
ones are GDAL's own translation of a cube written as tests/io/test_isis.py writes one (its
label kept in the .aux.xml GDAL writes beside them).
"""

import json
import os
import struct
import sys
from pathlib import Path

import numpy as np

try:  # GDAL's side (the 'cubes' step, and tests importing `write_cubes`, run without it)
    import rasterio
    import rasterio.shutil
    from rasterio.crs import CRS
    from rasterio.enums import WktVersion
    from rasterio.transform import Affine
    from rasterio.warp import transform as proj_transform
except ImportError:
    rasterio = None

HERE = Path(__file__).resolve().parent
SPHEROID = "+a=71492000 +b=66854000"
ROWS, COLS = 12, 16
# name: (CRS, pixel size in CRS units, top-left corner, whether GDAL writes PixelIsPoint)
MAPS = {
    "ps_north_iau_sphere": ("IAU_2015:59930", 400e3, (-3.2e6, 2.4e6), False),
    "ps_north_spheroid_ts70": (
        f"+proj=stere +lat_0=90 +lat_ts=70 +lon_0=30 {SPHEROID}",
        400e3,
        (-3.2e6, 2.4e6),
        False,
    ),
    "ps_south_spheroid_k097_offset": (
        f"+proj=stere +lat_0=-90 +k_0=0.97 +lon_0=-60 +x_0=1000000 +y_0=-500000 {SPHEROID}",
        400e3,
        (-2.2e6, 1.9e6),
        False,
    ),
    "ortho_north_spheroid": (
        f"+proj=ortho +lat_0=90 +lon_0=100 {SPHEROID}",
        400e3,
        (-3.2e6, 2.4e6),
        False,
    ),
    "ortho_south_sphere": (
        "+proj=ortho +lat_0=-90 +lon_0=0 +R=71492000",
        400e3,
        (-3.2e6, 2.4e6),
        False,
    ),
    "eqc_spheroid_ts30": (
        f"+proj=eqc +lat_ts=30 +lat_0=10 +lon_0=150 {SPHEROID}",
        500e3,
        (-4e6, 3e6),
        False,
    ),
    "eqc_sphere_origin10": (
        "+proj=eqc +lat_ts=30 +lat_0=10 +lon_0=150 +R=71492000",
        500e3,
        (-4e6, 3e6),
        False,
    ),
    "geographic_ographic": ("IAU_2015:59901", 2.5, (100.0, 80.0), False),
    "geographic_ocentric_point": ("IAU_2015:59902", 2.5, (-170.0, -50.0), True),
    "sinusoidal": (f"+proj=sinu +lon_0=0 {SPHEROID}", 400e3, (-3.2e6, 2.4e6), False),
    "earth_ups": ("EPSG:32661", 400e3, (-3.2e6, 2.4e6), False),
}
UNPLACED = ("sinusoidal", "earth_ups")


def write_gtiff(path, image, crs, transform, **options):
    """`image` (bands × rows × columns) written as a GeoTIFF; the open dataset is returned (to
    tag it before it is closed)."""
    out = rasterio.open(path, "w", driver="GTiff", width=image.shape[2], height=image.shape[1],
                        count=image.shape[0], dtype=image.dtype, crs=crs, transform=transform,
                        **options)  # fmt: skip
    out.write(image)
    return out


def write_maps(expected):
    image = np.arange(ROWS * COLS, dtype=np.float32).reshape(1, ROWS, COLS)
    image[0, 0, 0] = -9999.0
    for name, (crs_text, size, (x0, y0), point) in MAPS.items():
        crs = CRS.from_string(crs_text)
        affine = Affine(size, 0, x0, 0, -size, y0)
        with write_gtiff(HERE / f"{name}.tif", image, crs, affine, nodata=-9999.0) as out:
            if point:  # GDAL then writes RasterPixelIsPoint, its tiepoint at a pixel centre
                out.update_tags(AREA_OR_POINT="Point")
        if name in UNPLACED:
            continue
        rows, cols = np.mgrid[0:ROWS:3, 0:COLS:3]
        xs, ys = affine * (cols.ravel() + 0.5, rows.ravel() + 0.5)
        if crs.is_geographic:  # the raster's own axes: longitude east, its latitude
            lon, lat = np.asarray(xs), np.asarray(ys)
            latitude = "planetocentric" if "Ocentric" in crs.to_wkt() else "planetographic"
        else:
            sphere = "+R=" in crs_text or "Sphere" in crs.to_wkt()
            radii = "+R=71492000" if sphere else SPHEROID
            lon, lat = proj_transform(crs, CRS.from_string(f"+proj=longlat {radii}"), xs, ys)
            latitude = "planetocentric" if sphere else "planetographic"
        expected[name] = {
            "col": cols.ravel().tolist(),
            "row": rows.ravel().tolist(),
            "lat": np.asarray(lat).tolist(),
            "lon_east": np.asarray(lon).tolist(),
            "latitude": latitude,
        }


# GDAL's GeoTIFFs of a JunoCam RGB cube (bands BLUE, GREEN, RED) on a planetocentric
# PositiveWest polar stereographic map, and of a one-filter planetographic SimpleCylindrical one
CUBES = ("isis_ps_south_west_rgb", "isis_scyl_graphic")


def write_cubes(folder=HERE):
    """The ISIS cubes, written as tests/io/test_isis.py writes one (run with jovis's venv)."""
    sys.path.insert(0, str(HERE.parents[2]))
    from tests.io.test_isis import POLAR_MAPPING, write_cube

    bands = np.stack([np.full((ROWS, COLS), v, np.float32) for v in (1.0, 2.0, 3.0)], axis=2)
    bands[0, 0, :] = -3.4028226550889045e38  # ISIS Null
    polar = {
        **POLAR_MAPPING,
        "CenterLatitude": "-90.0",
        "CenterLongitude": "40.0",
        "LongitudeDirection": "PositiveWest",
        "UpperLeftCornerX": "-800000.0",
        "UpperLeftCornerY": "600000.0",
    }
    cylindrical = {
        **{k: v for k, v in POLAR_MAPPING.items() if k != "CenterLatitude"},
        "ProjectionName": "SimpleCylindrical",
        "CenterLongitude": "150.0",
        "LatitudeType": "Planetographic",
        "UpperLeftCornerX": "-2500000.0",
        "UpperLeftCornerY": "-1000000.0",
        "PixelResolution": "50000.0",
    }
    write_cube(Path(folder) / f"{CUBES[0]}.cub", bands, mapping=polar,
               filters=["BLUE", "GREEN", "RED"])  # fmt: skip
    write_cube(Path(folder) / f"{CUBES[1]}.cub", bands[:, :, 2], mapping=cylindrical,
               filters=["RED"])  # fmt: skip


def translate_cubes(expected):
    os.chdir(HERE)  # (GDAL writes the cube's name into the .aux.xml as given)
    for name in CUBES:
        if not Path(f"{name}.cub").exists():
            sys.exit(f"{name}.cub missing: run this script with jovis's venv and 'cubes' first")
        write_label(f"{name}.cub", f"label_{name}_cub.geojson", expected)
        rasterio.shutil.copy(f"{name}.cub", f"{name}.tif", driver="GTiff")
        Path(f"{name}.cub").unlink()
        msk = Path(f"{name}.tif.msk")
        if msk.exists():
            msk.unlink()  # GDAL's mask band of the Null pixels: the no-data tag says the same


# Images GDAL writes with their georeferencing beside them: name: (the GeoTIFF it is made
# from, driver, GDAL creation options, whether the CRS goes to an ESRI .prj instead)
SIDECARS = {
    "aux_ps_south.png": ("ps_south_spheroid_k097_offset", "PNG", {}, False),
    "world_ortho_north.jpg": ("ortho_north_spheroid", "JPEG", {"WORLDFILE": "YES"}, False),
    "aux_geographic_ocentric.png": ("geographic_ocentric_point", "PNG", {}, False),
    "prj_ps_north_ts70.png": ("ps_north_spheroid_ts70", "PNG", {"WORLDFILE": "YES"}, True),
}


def write_sidecar_maps():
    """8-bit PNG and JPEG maps with GDAL's .aux.xml, or a world file (and an ESRI .prj)."""
    os.chdir(HERE)
    for name, (source, driver, options, esri) in SIDECARS.items():
        with rasterio.open(f"{source}.tif") as src:
            image = np.clip(np.nan_to_num(src.read(1), nan=0.0), 1, 255).astype(np.uint8)
            image[0, 0] = 0
            crs, transform = src.crs, src.transform
        write_gtiff("tmp8.tif", image[None], crs, transform, nodata=0).close()
        rasterio.shutil.copy("tmp8.tif", name, driver=driver, **options)
        Path("tmp8.tif").unlink()
        if esri:  # a GIS's sidecars: world file and .prj, no .aux.xml
            Path(name).with_suffix(".prj").write_text(crs.to_wkt(version=WktVersion.WKT1_ESRI))
            Path(f"{name}.aux.xml").unlink()


# PDS4 maps GDAL's PDS4 driver writes from the GeoTIFFs, in pds4/: name: (the GeoTIFF, GDAL
# creation options). GDAL labels a map Planetocentric unless told (LATITUDE_TYPE): the spheroid
# maps true to scale off the pole, whose latitudes PROJ takes as planetographic, say so.
PDS4_MAPS = {
    "ps_north_iau_sphere": ("ps_north_iau_sphere", {}),
    "ps_south_spheroid_k097_offset": ("ps_south_spheroid_k097_offset", {}),  # (at the pole)
    "ps_north_spheroid_ts70_west": (
        "ps_north_spheroid_ts70",
        {"LATITUDE_TYPE": "Planetographic", "LONGITUDE_DIRECTION": "Positive West"},
    ),
    "ortho_south_sphere": ("ortho_south_sphere", {}),
    "geographic_ographic": ("geographic_ographic", {"LATITUDE_TYPE": "Planetographic"}),
    "eqc_sphere_origin10": ("eqc_sphere_origin10", {}),
    # the two a PDS4 label leaves ambiguous on the spheroid (jovis places neither)
    "ortho_north_spheroid": ("ortho_north_spheroid", {}),
    "eqc_spheroid_ts30": ("eqc_spheroid_ts30", {}),
}


def write_pds4_maps():
    """GDAL's PDS4 products (<name>.xml label, <name>.img data) of PDS4_MAPS, and what GDAL
    reads them as (gdal.json: the first pixel's outer corner and pixel size, the CRS)."""
    folder = HERE / "pds4"
    folder.mkdir(exist_ok=True)
    os.chdir(folder)  # (GDAL writes the data file's name into the label as given)
    read = {}
    for name, (source, options) in PDS4_MAPS.items():
        rasterio.shutil.copy(HERE / f"{source}.tif", f"{name}.xml", driver="PDS4", **options)
        with rasterio.open(f"{name}.xml") as product:  # where GDAL puts the pixels
            t = product.transform
            read[name] = {"corner": [t.c, t.f, t.a, -t.e], "crs": product.crs.to_proj4()}
    lines = ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in read.items())
    Path("gdal.json").write_text("{\n" + lines + "\n}\n")


def write_jpeg_mask():
    """A 13 × 7 JPEG GDAL writes from data with no-data, its mask appended after the image (a
    width that is no multiple of 8), and the mask GDAL itself reads back from it."""
    os.chdir(HERE)
    rng = np.random.default_rng(13)
    image = rng.integers(10, 250, (1, 7, 13)).astype(np.uint8)
    image[0][rng.random((7, 13)) < 0.3] = 0
    crs = CRS.from_string("IAU_2015:59930")
    write_gtiff(
        "tmp8.tif", image, crs, Affine(400e3, 0, -2.6e6, 0, -400e3, 1.4e6), nodata=0
    ).close()
    rasterio.shutil.copy("tmp8.tif", "gdal_mask_13x7.jpg", driver="JPEG")
    Path("tmp8.tif").unlink()
    with rasterio.open("gdal_mask_13x7.jpg") as jpeg:
        valid = (jpeg.read_masks(1) > 0).astype(int).tolist()
    Path("gdal_mask_13x7.json").write_text(json.dumps({"valid": valid}) + "\n")


def write_layouts():
    """Band layouts: four float bands pixel-interleaved (no alpha), three band-interleaved, and
    a BigTIFF; all on the IAU north polar stereographic sphere."""
    crs = CRS.from_string("IAU_2015:59930")
    affine = Affine(400e3, 0, -3.2e6, 0, -400e3, 2.4e6)
    for name, count, options in (
        ("four_bands", 4, {"interleave": "pixel"}),
        ("band_interleaved", 3, {"interleave": "band"}),
        ("bigtiff", 1, {"BIGTIFF": "YES"}),
    ):
        bands = np.stack([np.full((ROWS, COLS), b + 1, np.float32) for b in range(count)])
        write_gtiff(HERE / f"{name}.tif", bands, crs, affine, **options).close()


# A vortex drawn in a GIS on a raster, saved as GDAL's GeoJSON driver saves a layer in the
# raster's CRS (a `crs` member naming it when it has an authority, none when it has not): a
# rectangle along pixel edges, x from 2.5 to 9.5 and y from 1.5 to 7.5 in jovis's pixels (top-left
# pixel centre (0, 0)), so it covers columns 3-9 and rows 2-7
LABEL_EDGES = ((2.5, 1.5), (9.5, 1.5), (9.5, 7.5), (2.5, 7.5), (2.5, 1.5))
# GeoJSON: (the raster it is drawn on, the layer's CRS as the GIS names it; None: the raster's
# own as GDAL reads it, which from a GeoTIFF has no authority: GDAL then writes no `crs`)
LABELS = {
    "label_ps_north_iau_sphere.geojson": ("ps_north_iau_sphere.tif", "IAU_2015:59930"),
    "label_ps_south_spheroid_k097_offset.geojson": ("ps_south_spheroid_k097_offset.tif", None),
    "label_sinusoidal.geojson": ("sinusoidal.tif", None),
    # (GDAL reads a PNG's world file but not the ESRI .prj beside it, which a GIS asks for)
    "label_prj_ps_north_ts70.geojson": ("prj_ps_north_ts70.png", MAPS["ps_north_spheroid_ts70"][0]),
}


def write_label(raster, name, expected, crs_text=None):
    """The GeoJSON `name` of LABEL_EDGES drawn on `raster` (GDAL's transform), in `crs_text`."""
    from pyogrio.raw import write

    with rasterio.open(raster) as src:
        crs, affine = (CRS.from_string(crs_text) if crs_text else src.crs), src.transform
    ring = [affine * (x + 0.5, y + 0.5) for x, y in LABEL_EDGES]  # GDAL's pixel corner origin
    wkb = np.frombuffer(struct.pack("<BIII", 1, 3, 1, len(ring)), np.uint8).tobytes() + b"".join(
        struct.pack("<dd", x, y) for x, y in ring)  # fmt: skip
    write(name, np.array([wkb], dtype=object), field_data=[np.array(["vortex"], dtype=object)],
          fields=["class"], geometry_type="Polygon", driver="GeoJSON",
          crs=crs_text or crs.to_wkt())  # fmt: skip
    expected[name] = {"frame": raster, "edges_px": [list(p) for p in LABEL_EDGES]}


def write_labels(expected):
    os.chdir(HERE)
    for name, (raster, crs_text) in LABELS.items():
        write_label(raster, name, expected, crs_text)


if __name__ == "__main__":
    if sys.argv[1:] == ["cubes"]:
        write_cubes()
        sys.exit()
    expected = {}
    write_maps(expected)
    write_layouts()
    write_sidecar_maps()
    write_pds4_maps()
    write_jpeg_mask()
    labels = {}
    write_labels(labels)
    translate_cubes(labels)
    for name, table in (("expected.json", expected), ("labels.json", labels)):
        lines = ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in table.items())
        (HERE / name).write_text("{\n" + lines + "\n}\n")
