"""DS9 region files drawn on FITS frames land on the expected pixels.

Written by hand with known coordinates, so that a convention error (DS9's first pixel at 1, a
flipped y, the angle's sense, IRAF's physical pixels) shows as a wrong pixel.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from tests.conftest import REAL_DATA

from jovis.annotations import import_annotations
from jovis.annotations.labelme import AnnotationError
from jovis.data.datasets import read_manifest
from jovis.io.masks import read_mask_png


@pytest.fixture
def frames(tmp_path):
    """A 48 × 64 FITS frame whose physical pixels are 2 × 2 binned (LTM 0.5, as after blocking
    a detector image by 2: image = 0.5 · physical + LTV), and a PNG frame."""
    import cv2

    root = tmp_path / "frames"
    root.mkdir()
    header = fits.Header({"LTM1_1": 0.5, "LTM2_2": 0.5, "LTV1": 0.25, "LTV2": 0.25})
    fits.PrimaryHDU(np.full((48, 64), 5.0, np.float32), header=header).writeto(root / "f.fits")
    cv2.imwrite(str(root / "p.png"), np.full((48, 64, 3), 90, np.uint8))
    return root


def imported(tmp_path, text, frames, schema, name="f.reg", **settings):
    (tmp_path / name).write_text(text)
    out = tmp_path / "set"
    result = import_annotations(tmp_path / name, frames, out, schema, settings)
    rows = {r["id"]: r for r in read_manifest(out)}
    masks = {k: read_mask_png(out / r["mask"]) for k, r in rows.items()}
    feats = {k: json.loads((out / r["features"]).read_text()) for k, r in rows.items()}
    return result, masks, feats


def test_image_coordinates_start_at_one_and_y_is_the_fits_row(tmp_path, frames, schema):
    text = """# Region file format: DS9 version 4.1
global color=green dashlist=8 3 width=1 font="helvetica 10 normal roman" select=1
image
circle(11,4,2) # color=red text={vortex}
box(31,31,10,4,0) # text={aurora}
polygon(51,41,61,41,61,46,51,46) # text={Aurora}
"""
    _, masks, feats = imported(tmp_path, text, frames, schema)
    mask = masks["f"]
    # the circle's centre is pixel (10, 3) in jovis's 0-based rows and columns: near the top
    # rows of the array (DS9 shows them at the bottom), not flipped to row 44
    assert mask[3, 10] == 2 and mask[3, 12] == 2 and mask[3, 13] == 0 and mask[44, 10] == 0
    assert (mask[28:33, 25:36] == 1).all() and mask[27, 30] == 0 and mask[30, 24] == 0
    assert (mask[40:46, 50:61] == 1).all() and mask[39, 55] == 0
    [v] = feats["f"]["vortices"]
    assert (v["x"], v["y"], v["radius_px"]) == pytest.approx((10, 3, 2), abs=1e-6)


def test_an_ellipse_turns_counterclockwise_as_ds9_shows_it(tmp_path, frames, schema):
    """DS9 shows y up: counterclockwise from +x there is from +x toward increasing rows."""
    text = "image\nellipse(33,25,10,2,30) # text={vortex}\n"
    _, masks, feats = imported(tmp_path, text, frames, schema)
    mask, turn = masks["f"], np.radians(30)
    along = (32 + 8 * np.cos(turn), 24 + 8 * np.sin(turn))  # 8 px along the major axis
    across = (32 + 8 * np.cos(turn), 24 - 8 * np.sin(turn))  # the mirror image: outside
    assert mask[round(along[1]), round(along[0])] == 2
    assert mask[round(across[1]), round(across[0])] == 0
    [v] = feats["f"]["vortices"]
    assert v["semi_major_px"] == pytest.approx(10, abs=0.2)


def test_physical_coordinates_go_through_the_headers_ltm_and_ltv(tmp_path, frames, schema):
    # physical (41, 21) → image 0.5·41 + 0.25 = 20.75, 10.75 → jovis (19.75, 9.75); r 8 → 4
    text = "# Filename: f.fits\nphysical\ncircle(41,21,8) # text={vortex}\n"
    _, _, feats = imported(tmp_path, text, frames, schema, name="mine.reg")  # named by Filename
    [v] = feats["f"]["vortices"]
    assert (v["x"], v["y"], v["radius_px"]) == pytest.approx((19.75, 9.75, 4), abs=1e-6)


def test_what_cannot_be_placed_is_skipped_with_its_reason(tmp_path, frames, schema):
    text = """global color=#00ff00 width=1
fk5
circle(12:30:00,+10:00:00,3") # text={vortex}
image
point(10,10) # point=x text={vortex}
-circle(20,20,3) # text={vortex}
ellipse(30,30,4,2,8,4,0) # text={vortex}
circle(40,20,3)
# text(5,5) text={a note}
"""
    result, masks, _ = imported(tmp_path, text, frames, schema, classes={"#00ff00": "vortex"})
    reasons = [s["reason"] for s in result["skipped_shapes"]]
    assert result["placed"] == 1 and masks["f"][19, 39] == 2  # the uncaptioned green circle
    assert any(r.startswith("fk5 coordinates: a planet moves across the sky") for r in reasons)
    assert any(r.startswith("point has no area") for r in reasons)
    assert any(r.startswith("an excluded region") for r in reasons)
    assert any("an annulus" in r for r in reasons)
    assert len(reasons) == 4  # the commented text region is a comment


def test_a_png_frame_or_a_file_without_regions(tmp_path, frames, schema):
    with pytest.raises(AnnotationError, match=r"p.reg: no DS9 region in it"):
        imported(tmp_path, "# Region file format: DS9 version 4.1\nglobal color=red\n",
                 frames, schema, name="p.reg")  # fmt: skip
    with pytest.raises(AnnotationError, match=r"nothing could be placed .* frame p is not a "
                       r"FITS file: DS9 regions are placed on FITS frames"):  # fmt: skip
        imported(tmp_path, "image\ncircle(10,10,3) # text={vortex}\n", frames, schema,
                 name="p.reg")  # fmt: skip


def test_exported_regions_import_back_to_the_same_mask(tmp_path, frames, schema):
    """`labels export formats=[ds9]` writes what DS9 opens over the FITS frame (holes as
    background polygons drawn after), and importing it gives back the predicted mask."""
    import cv2

    from jovis.annotations import export_run
    from jovis.io.masks import write_mask_png

    mask = np.zeros((48, 64), np.uint8)
    cv2.circle(mask, (30, 24), 16, 1, -1)
    cv2.circle(mask, (30, 24), 9, 0, -1)  # the oval's inside: a hole
    cv2.ellipse(mask, (52, 10), (6, 3), 30, 0, 360, 2, -1)
    mask[45, 2] = 2  # a one-pixel vortex
    pred = tmp_path / "pred"
    rows = []
    for fid, source in (("f", frames / "f.fits"), ("p", frames / "p.png")):
        write_mask_png(pred / "masks" / f"{fid}.png", mask, schema)
        (pred / "features").mkdir(exist_ok=True)
        (pred / "features" / f"{fid}.geojson").write_text('{"type": "FeatureCollection", '
                                                          '"features": []}')  # fmt: skip
        rows.append({"id": fid, "source": str(source), "status": "ok", "outputs": {
            "mask": str(pred / "masks" / f"{fid}.png"),
            "features": str(pred / "features" / f"{fid}.geojson")}})  # fmt: skip
    (pred / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = export_run(pred, tmp_path / "labels", schema, ("ds9",))
    assert done["ds9"] == 1 and done["not_ds9"] == [
        {"id": "p", "reason": "not a FITS frame (DS9 regions are written for FITS frames)"}
    ]
    text = (tmp_path / "labels" / "f.reg").read_text()
    assert text.startswith("# Region file format: DS9 version 4.1\n# Filename: f.fits\n")
    assert "text={background}" in text and "\nimage\n" in text
    result = import_annotations(tmp_path / "labels" / "f.reg", frames, tmp_path / "set", schema)
    assert result["skipped"] == 0
    back = read_mask_png(tmp_path / "set" / "masks" / "f.png")
    assert (back == mask).all()
    # exported with labelme too, the folder holds each frame twice: refused, naming the formats
    export_run(pred, tmp_path / "labels", schema, ("labelme",))
    with pytest.raises(ValueError, match=r"1 frame\(s\) have both a \.json and a \.reg file"):
        import_annotations(tmp_path / "labels", frames, tmp_path / "set2", schema)


def test_hostile_numbers_are_skipped_not_a_crash(tmp_path, frames, schema):
    """A negative radius stopped the whole import with "math domain error" (an instance's
    radius is sqrt(a·b)); NaN and infinite coordinates are skipped with the rest."""
    text = """image
circle(nan,10,3) # text={vortex}
circle(10,inf,3) # text={vortex}
ellipse(10,10,-3,2,0) # text={vortex}
circle(1e308,10,1e308) # text={vortex}
circle(20,20,3) # text={vortex}
"""
    result, masks, feats = imported(tmp_path, text, frames, schema)
    reasons = [s["reason"] for s in result["skipped_shapes"]]
    assert result["placed"] == 1 and len(feats["f"]["vortices"]) == 1 and masks["f"][19, 19] == 2
    assert reasons == [
        "values 'nan,10,3' are not all finite numbers",
        "values '10,inf,3' are not all finite numbers",
        "degenerate ellipse (its centre and axes must be finite, its axes > 0)",
        "degenerate ellipse (its centre and axes must be finite, its axes > 0)",
    ]
    (tmp_path / "bin.reg").write_bytes(b"\x00\xff\xfe garbage")
    with pytest.raises(AnnotationError, match=r"bin.reg: not readable"):
        import_annotations(tmp_path / "bin.reg", frames, tmp_path / "set3", schema)


def _instance_latlon(out):
    from jovis.geometry import PolarGrid

    [row] = read_manifest(out)
    [v] = json.loads((out / row["features"]).read_text())["vortices"]
    return PolarGrid.from_dict(row["grid"]).latlon(v["x"], v["y"])


def test_regions_on_a_lat_lon_product_are_carried_onto_its_polar_grid(tmp_path, schema):
    """jovis reads an HST lat-lon product onto a polar grid: a region drawn on the file in DS9
    was refused; it is carried through lat/lon and lands where it was drawn."""
    from jovis.synth.products import write_hst_latlon

    frames = tmp_path / "frames"
    [path] = write_hst_latlon(frames, 1, 64, "north", 20000100)["files"]
    h, w = 720, 1440  # row i at latitude −90 + 180·i/(h−1), column j at 360 − 360·j/(w−1) W
    row, col = (75.0 + 90) * (h - 1) / 180, (360 - 170.0) * (w - 1) / 360
    text = f"image\ncircle({col + 1},{row + 1},8) # text={{vortex}}\n"
    (tmp_path / f"{Path(path).stem}.reg").write_text(text)
    result = import_annotations(tmp_path / f"{Path(path).stem}.reg", frames, tmp_path / "set",
                                schema)  # fmt: skip
    assert result["placed"] == 1, result
    lat, lon = _instance_latlon(tmp_path / "set")
    assert abs(lat - 75.0) < 0.1 and abs(lon - 170.0) < 0.5


def _exported_and_back(tmp_path, frames, source, mask, schema):
    """`labels export formats=[ds9]` of `mask` made from `source`, and that file imported."""
    from jovis.annotations import export_run
    from jovis.io.masks import write_mask_png

    pred = tmp_path / "pred"
    write_mask_png(pred / "masks" / "f.png", mask, schema)
    (pred / "features").mkdir()
    (pred / "features" / "f.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    outputs = {
        "mask": str(pred / "masks" / "f.png"),
        "features": str(pred / "features" / "f.geojson"),
    }
    row = {"id": "f", "source": str(source), "status": "ok", "outputs": outputs}
    (pred / "manifest.jsonl").write_text(json.dumps(row) + "\n")
    done = export_run(pred, tmp_path / "labels", schema, ("ds9",))
    assert done["ds9"] == 1, done.get("not_ds9")
    text = (tmp_path / "labels" / "f.reg").read_text()
    assert f"# Filename: {Path(source).name}\n" in text
    result = import_annotations(tmp_path / "labels" / "f.reg", frames, tmp_path / "set", schema)
    assert result["skipped"] == 0, result
    [row] = read_manifest(tmp_path / "set")
    return text, read_mask_png(tmp_path / "set" / row["mask"])


def test_a_masks_regions_go_back_onto_a_lat_lon_product_and_return(tmp_path, schema):
    """A lat-lon product's mask is on the polar grid jovis reprojected it onto (the demo's
    synthetic HST products are such files): `labels export formats=[ds9]` listed it in
    `not_ds9`; now its regions go onto the file through lat/lon, an oval band round the pole as
    the strip between its outlines across the map, a vortex across 0° W as two pieces, and they
    import back to the mask."""
    import cv2

    from jovis.io import read_frame
    from jovis.synth.products import write_hst_latlon

    frames = tmp_path / "frames"
    [path] = write_hst_latlon(frames, 1, 64, "north", 20000100)["files"]
    frame = read_frame(path)
    lat, _ = frame.grid.latlon_image(*frame.shape)
    mask = np.zeros(frame.shape, np.uint8)  # (the product holds every lat/lon: no 255 needed)
    mask[(90.0 - lat > 13.0) & (90.0 - lat < 17.0)] = 1  # the oval's band, round the pole
    for where in ((80.0, 0.0), (70.0, 200.0)):  # a vortex across the 0°/360° meridian, one not
        x, y = frame.grid.pixel(np.array([where[0]]), np.array([where[1]]))
        cv2.circle(mask, (round(x[0]), round(y[0])), 4, 2, -1)
    text, back = _exported_and_back(tmp_path, frames, path, mask, schema)
    h, w = 720, 1440  # the product's pixels: x of 0° W is its last column, of 360° W its first
    regions = [(line[line.index("text={") + 6 : -1],
                np.array([float(v) for v in line[8 : line.index(")")].split(",")]).reshape(-1, 2))
               for line in text.splitlines() if line.startswith("polygon(")]  # fmt: skip
    assert all(((p >= 0.5) & (p <= [w + 0.5, h + 0.5])).all() for _, p in regions)
    spans = sorted((label, round(p[:, 0].min()), round(p[:, 0].max())) for label, p in regions)
    # the band: a cap to the pole's edge of the map, and its hole drawn after; the vortex cut
    # in two at the map's edges; the other whole
    assert spans[:2] == [("aurora", 1, w), ("background", 1, w)]
    vortices = [s for s in spans if s[0] == "vortex"]
    assert len(vortices) == 3 and sum(s[1] == 1 or s[2] == w for s in vortices) == 2
    for cls in (1, 2):
        a, b = mask == cls, back == cls
        assert (a & b).sum() / (a | b).sum() > 0.9, cls


SKY = REAL_DATA / "hst_stis_north_2016-05-17_skyplane"


@pytest.mark.skipif(not SKY.is_dir(), reason=f"{SKY} not found: needs ../shared data")
def test_regions_on_a_sky_plane_crop_are_carried_along_the_line_of_sight(tmp_path, schema):
    """The 2016-05-17 crops are the planet as HST saw it; jovis projects them onto a polar
    grid. A circle drawn in DS9 where lat 75°, lon 170° W appears lands there (the inverse of
    the reader's projection); one drawn on the sky beside the planet is skipped naming why."""
    from jovis.io.hst_forms import SKYPLANE_DEFAULTS, sky_pixels

    source = sorted(SKY.glob("*.fits"))[0]
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / source.name).symlink_to(source)
    with fits.open(source) as hdus:
        meta = {**hdus[0].header, **hdus[1].header}
    x, y, seen = sky_pixels(meta, np.array([75.0]), np.array([170.0]), SKYPLANE_DEFAULTS)
    assert seen[0]
    text = (f"# Filename: {source.name}[SCI]\nimage\ncircle({x[0] + 1},{y[0] + 1},6) "
            "# text={vortex}\ncircle(5,5,3) # text={vortex}\n")  # fmt: skip
    (tmp_path / "mine.reg").write_text(text)
    result = import_annotations(tmp_path / "mine.reg", frames, tmp_path / "set", schema)
    assert result["placed"] == 1
    assert result["skipped_shapes"][0]["reason"].startswith("it reaches off the planet")
    lat, lon = _instance_latlon(tmp_path / "set")
    assert abs(lat - 75.0) < 0.3 and abs(lon - 170.0) < 1.0


@pytest.mark.skipif(not SKY.is_dir(), reason=f"{SKY} not found: needs ../shared data")
def test_a_masks_regions_go_back_onto_the_sky_plane_crop_and_return(tmp_path, schema):
    """`labels export formats=[ds9]` of a mask on a crop's polar grid writes regions on the
    crop itself (to see in DS9 over the file), which import back to the mask (uv-v6's mask of
    this crop: IoU 0.994 measured; here a hand-made oval band and vortex)."""
    import cv2

    from jovis.io import read_frame

    source = sorted(SKY.glob("*.fits"))[0]
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / source.name).symlink_to(source)
    frame = read_frame(frames / source.name)
    x, y = frame.grid.pixel(np.array([75.0, 80.0]), np.array([170.0, 200.0]))
    mask = np.zeros(frame.shape, np.uint8)
    cv2.circle(mask, (round(x[0]), round(y[0])), 40, 1, 12)  # an arc of oval band
    cv2.circle(mask, (round(x[1]), round(y[1])), 8, 2, -1)
    mask[~frame.valid] = 255
    _, back = _exported_and_back(tmp_path, frames, frames / source.name, mask, schema)
    for cls in (1, 2):
        a, b = (mask == cls) & frame.valid, (back == cls) & frame.valid
        assert (a & b).sum() / (a | b).sum() > 0.9, cls


def test_a_region_file_saved_under_another_name_is_told_by_its_first_line(tmp_path, frames, schema):
    """DS9 saves regions as .reg by default, but users name them .txt or .regions: read as
    JSON, they were "not readable JSON"."""
    text = "# Region file format: DS9 version 4.1\nimage\ncircle(11,11,3) # text={vortex}\n"
    _, masks, _ = imported(tmp_path, text, frames, schema, name="f.regions")
    assert masks["f"][10, 10] == 2


def test_an_outline_that_crosses_0w_back_and_forth_is_refused_for_a_lat_lon_product():
    """An outline round the pole that crosses 0° W three times cannot be cut for the map (the
    GeoJSON keeps it whole): writing it would draw a polygon across the whole file."""
    from jovis.annotations.ds9 import _on_latlon_product
    from jovis.geometry import PolarGrid

    grid = PolarGrid("north", 100.0, 100.0, 4.0)
    lon = np.array([20.0, 120.0, 240.0, 350.0, 5.0, 355.0, 15.0])
    lat = np.array([70.0, 70.0, 70.0, 70.0, 71.0, 72.0, 73.0])
    ring = np.stack(grid.pixel(lat, lon), axis=1)
    with pytest.raises(ValueError, match="crosses 0° W back and forth"):
        _on_latlon_product([{"label": "aurora", "rings": [ring]}], grid, (720, 1440))
    once = np.stack(grid.pixel(lat[:4], lon[:4]), axis=1)  # round the pole, crossing once
    [(label, on_file)] = _on_latlon_product([{"label": "aurora", "rings": [once]}], grid,
                                           (720, 1440))  # fmt: skip
    assert label == "aurora" and on_file[:, 1].max() == pytest.approx(719.0)  # to the pole
