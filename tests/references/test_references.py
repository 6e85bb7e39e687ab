"""Reference labels of the shared real frames (jovis.references)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jovis.data.datasets import FolderDataset
from jovis.geometry import PolarGrid
from jovis.io.masks import read_mask_png
from jovis.references.frameset import STORED, build_reference_set, materialise
from jovis.references.hst_oval import band_from_features
from jovis.scoring import boundary_distances, confusion_matrix, iou_dice

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(
    not (REAL / "hst_stis_north_2016-05-21").is_dir(),
    reason=f"real frames not found at {REAL} (../shared/data/real); reference tests need them",
)


def _rows() -> list[dict]:
    return [json.loads(x) for x in (STORED / "manifest.jsonl").read_text().splitlines() if x]


def _iou(a: np.ndarray, b: np.ndarray, cls: int) -> float:
    keep = (a != 255) & (b != 255)
    a, b = a[keep] == cls, b[keep] == cls
    return float((a & b).sum() / max((a | b).sum(), 1))


def test_stored_set_is_complete_and_small():
    rows = _rows()
    assert {r["instrument"] for r in rows} == {"hst_stis", "junocam"}
    assert sum(r["instrument"] == "hst_stis" for r in rows) == 4
    size = sum(p.stat().st_size for p in STORED.rglob("*") if p.is_file())
    assert size < 2_000_000
    for r in rows:
        feats = json.loads((STORED / r["features"]).read_text())
        if r["instrument"] == "hst_stis":
            sectors = set(feats["oval"]["sector_along"])
            assert {1, 2} <= sectors, f"{r['id']}: both bright and faint sectors expected"
        else:
            assert feats["vortices"], f"{r['id']}: no reference ellipses"


@needs_real
def test_rebuilding_hst_labels_gives_the_stored_masks(tmp_path):
    build_reference_set(REAL, tmp_path / "set")
    for r in _rows():
        if r["instrument"] != "hst_stis":
            continue
        stored = read_mask_png(STORED / r["mask"])
        rebuilt = read_mask_png(tmp_path / "set" / r["mask"])
        assert (stored == 255).sum() == (rebuilt == 255).sum()
        assert _iou(stored, rebuilt, 1) >= 0.99


@needs_real
@pytest.mark.parametrize(
    ("instrument", "channels"), [("hst_stis", ["uv"]), ("junocam", ["red", "green", "blue"])]
)
def test_stored_set_loads_through_folder_dataset(tmp_path, instrument, channels):
    folder = materialise(tmp_path / "set", REAL, instrument=instrument)
    ds = FolderDataset(folder, channels)
    assert len(ds) == sum(r["instrument"] == instrument for r in _rows())
    frame, labels = ds.load(0)
    assert labels.mask.shape == frame.shape
    assert 0.01 < (labels.mask == (1 if instrument == "hst_stis" else 2)).mean() < 0.3
    sample = ds[0]
    assert sample["image"].shape[1:] == sample["mask"].shape


# like edges are compared (poleward to poleward, equatorward to equatorward), so a band moved
# by more than its width (0.6-1.2 deg) still scores its shift
SHIFTS = [(0.25, 0.2, 0.3), (1.0, 0.95, 1.05), (2.0, 1.9, 2.1)]


@needs_real
@pytest.mark.parametrize(("shift", "low", "high"), SHIFTS)
def test_references_score_themselves_perfectly_and_a_shift_by_its_size(shift, low, high):
    import torch

    for r in _rows():
        if r["instrument"] != "hst_stis":
            continue
        truth = read_mask_png(STORED / r["mask"])
        feats = json.loads((STORED / r["features"]).read_text())
        valid = truth != 255
        assert _iou(band_from_features(feats, valid), truth, 1) >= 0.99  # polyline = mask
        cm = confusion_matrix(torch.from_numpy(truth), torch.from_numpy(truth), 3)
        assert iou_dice(cm.numpy())[0][1] == 1.0
        grid = PolarGrid.from_dict(r["grid"])
        shifted = band_from_features(feats, valid, offset_deg=shift)
        d = boundary_distances(shifted == 1, truth == 1, grid, valid)
        assert low <= float(d.mean()) <= high, (r["id"], float(d.mean()))
