"""A mask exported to GeoJSON / labelme and imported again equals the original (IoU ≥ 0.98)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tests.annotations.conftest import fake_predictions

from jovis.annotations import export_predictions, export_run, import_annotations, mask_polygons
from jovis.data.datasets import FolderDataset, read_manifest
from jovis.io.masks import read_mask_png


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


@pytest.mark.parametrize("fmt", ["geojson", "labelme"])
def test_mask_to_file_and_back_keeps_every_class(fmt, frameset, schema, tmp_path):
    pred = fake_predictions(frameset, tmp_path / "pred")
    exported = export_predictions(pred, tmp_path / "exported", schema, formats=(fmt,))
    assert exported[fmt] == 2
    glob = "*.geojson" if fmt == "geojson" else "*.json"
    result = import_annotations(
        str(tmp_path / "exported" / glob), frameset, tmp_path / "set", schema
    )
    assert result["frames"] == 2 and result["skipped"] == 0
    truth_rows = {r["id"]: r for r in read_manifest(frameset)}
    for row in read_manifest(tmp_path / "set"):
        truth = read_mask_png(frameset / truth_rows[row["id"]]["mask"])
        got = read_mask_png(tmp_path / "set" / row["mask"])
        for cls in (1, 2):
            if (truth == cls).sum() > 20:
                assert iou(truth == cls, got == cls) >= 0.98, (row["id"], cls)
    # the set is one data=folder reads, with the user's frames as its images
    ds = FolderDataset(tmp_path / "set", ["uv"])
    assert ds[0]["image"].shape == (1, 128, 128)


def test_oval_ring_exports_as_outer_and_inner_polygon(schema, tmp_path):
    yy, xx = np.mgrid[:96, :96]
    r = np.hypot(xx - 48, yy - 48)
    mask = np.zeros((96, 96), np.uint8)
    mask[(r > 20) & (r < 30)] = 1
    mask[r < 5] = 2  # a vortex inside the oval's hole
    polys = mask_polygons(mask, schema)
    ring = [p for p in polys if p["label"] == "aurora"]
    assert len(ring) == 1 and len(ring[0]["rings"]) == 2  # outer + hole
    from jovis.annotations.export import labelme_polygons
    from jovis.annotations.labelme import document

    doc = document("x.png", mask.shape, labelme_polygons(polys))
    assert [s["label"] for s in doc["shapes"]] == ["aurora", "background", "vortex"]
    from jovis.annotations.geojson import collection

    gj = collection("x", polys, None)
    assert len(gj["features"][0]["geometry"]["coordinates"]) == 2
    assert json.dumps(gj)  # plain JSON


def test_predictions_of_a_run_given_a_relative_out_export_from_anywhere(
    frameset, schema, tmp_path, monkeypatch
):
    """infer records outputs as its out= was given (``runs/pred/masks/x.png`` for
    ``out=runs/pred``): exporting that folder from its own working folder, from another one, or
    after it moved, finds every mask and feature file."""
    monkeypatch.chdir(tmp_path)
    fake_predictions(frameset, Path("runs/pred"))
    assert '"runs/pred/masks/' in (tmp_path / "runs/pred/manifest.jsonl").read_text()
    assert export_predictions("runs/pred", "here", schema)["geojson"] == 2
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert export_predictions(tmp_path / "runs/pred", tmp_path / "there", schema)["labelme"] == 2
    shutil.move(tmp_path / "runs/pred", tmp_path / "moved")
    assert export_predictions(tmp_path / "moved", tmp_path / "after_move", schema)["geojson"] == 2
    for name in ("here", "there", "after_move"):
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == sorted(
            p.name for p in (tmp_path / "here").iterdir()
        )
    (tmp_path / "moved/masks").rename(tmp_path / "moved/gone")
    with pytest.raises(FileNotFoundError, match=r"mask .* is missing; run `jovis infer`"):
        export_predictions(tmp_path / "moved", "broken", schema)


def test_the_label_tools_read_a_run_folder_without_loading_pytorch():
    code = "import sys, jovis.annotations.export; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_the_export_pair_in_one_folder_is_refused_naming_each_format(frameset, schema, tmp_path):
    """`labels export` writes <id>.geojson and <id>.json; importing the folder as it is would
    place every shape twice (each vortex catalogued twice, halving its recall)."""
    pred = fake_predictions(frameset, tmp_path / "pred")
    export_predictions(pred, tmp_path / "exported", schema)
    with pytest.raises(ValueError, match=r"2 frame\(s\) have both a \.json and a \.geojson"):
        import_annotations(tmp_path / "exported", frameset, tmp_path / "set", schema)
    assert not (tmp_path / "set").exists()
    labelme_only = str(tmp_path / "exported" / "*.json")
    one = import_annotations(labelme_only, frameset, tmp_path / "set", schema)
    assert one["frames"] == 2
    single = export_predictions(pred, tmp_path / "geo_only", schema, formats=("geojson",))
    assert (
        import_annotations(tmp_path / "geo_only", frameset, tmp_path / "set2", schema)["placed"]
        == one["placed"]
        and single["geojson"] == 2
    )
    # format= says which one was corrected: the folder as exported is taken with that format
    # (it was refused as a pair even with format=geojson)
    for fmt in ("geojson", "labelme"):
        named = import_annotations(tmp_path / "exported", frameset, tmp_path / f"set_{fmt}",
                                   schema, settings={"format": fmt})  # fmt: skip
        assert named["placed"] == one["placed"] and named["frames"] == 2


def test_a_model_auto_run_exports_each_detectors_folder(frameset, schema, tmp_path):
    """`infer model=auto out=run` writes run/<release>/ per detector: exporting run/ exports
    each into <out>/<release>/ (before: "no manifest.jsonl" for the folder infer was given)."""
    for release in ("uv-v5", "visible_rgb-v7"):
        fake_predictions(frameset, tmp_path / "run" / release)
    done = export_run(tmp_path / "run", tmp_path / "labels", schema)
    assert done["frames"] == 4 and set(done["detectors"]) == {"uv-v5", "visible_rgb-v7"}
    assert len(list((tmp_path / "labels" / "uv-v5").glob("*.geojson"))) == 2
    one = export_run(tmp_path / "run" / "uv-v5", tmp_path / "one", schema)
    assert one["frames"] == 2 and "detectors" not in one
    with pytest.raises(FileNotFoundError, match=r"no manifest\.jsonl"):
        export_run(tmp_path / "labels", tmp_path / "none", schema)


def test_a_cylindrical_maps_masks_export_in_lat_lon_and_import_back(schema, tmp_path):
    """A frame on a cylindrical map (a PDS3 or ISIS map's, a declared one) exported its regions
    in pixels, though the import places lat/lon GeoJSON on such maps: now in [lon, lat] (the
    map in the collection's properties), and they come back to the same pixels."""
    from tests.io.test_pds3 import write_pds3
    from tests.io.test_pds3_map import projection

    from jovis.io import read_frame

    frames = tmp_path / "frames"
    frames.mkdir()
    label = write_pds3(frames, "MAP", np.zeros((40, 160), np.uint8), "MSB_UNSIGNED_INTEGER",
                       projection())  # fmt: skip
    frame = read_frame(label)
    mask = np.zeros((40, 160), np.uint8)
    mask[10:20, 30:60] = 2  # a vortex
    mask[25:35, 100:150] = 1
    pred = tmp_path / "pred"
    (pred / "masks").mkdir(parents=True)
    (pred / "features").mkdir()
    from jovis.io.masks import write_mask_png

    write_mask_png(pred / "masks" / "MAP.png", mask, schema)
    props = {"frame_id": "MAP", "map": frame.meta["map"]}
    (pred / "features" / "MAP.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [], "properties": props}))  # fmt: skip
    row = {"id": "MAP", "source": str(label), "status": "ok", "outputs": {}}
    (pred / "manifest.jsonl").write_text(json.dumps(row) + "\n")
    export_predictions(pred, tmp_path / "exported", schema, formats=("geojson",))
    doc = json.loads((tmp_path / "exported" / "MAP.geojson").read_text())
    assert doc["properties"]["map"]["kind"] == "cylindrical"
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 180 <= lon <= 250 and -5 <= lat <= 5  # the map's corner: 250° W, 5° N
    result = import_annotations(str(tmp_path / "exported" / "*.geojson"), frames,
                                tmp_path / "set", schema)  # fmt: skip
    assert result["skipped"] == 0
    [row] = read_manifest(tmp_path / "set")
    got = read_mask_png(tmp_path / "set" / row["mask"])
    for cls in (1, 2):
        assert iou(mask == cls, got == cls) >= 0.98
