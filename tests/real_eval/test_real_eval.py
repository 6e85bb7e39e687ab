"""The real-frame evaluation (`jovis.real_eval`, `benchmark suite=real`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from jovis.data.datasets import FolderDataset
from jovis.io.masks import read_mask_png, write_mask_png
from jovis.real_eval import evaluate_real, score_folder, sector_regions
from jovis.synth import write_frame_set
from jovis.synth.frameset import default_schema
from tests.apps.test_scripts import run

SCHEMA = default_schema()
UV = ["uv"]
JIRAM = ["L", "M"]  # the tiny_run checkpoint's channels
REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(
    not (REAL / "hst_stis_north_2016-05-21").is_dir(),
    reason=f"real frames not found at {REAL} (../shared/data/real)",
)


def reference_predict(folder: Path, channels: list[str]):
    """A `Predict` that returns each frame's own reference mask (by frame id)."""
    ds = FolderDataset(folder, channels)
    truth = {r["id"]: read_mask_png(folder / r["mask"]) for r in ds.rows}

    def predict(frames):
        return [(np.where(f.valid, truth[f.id], 255).astype(np.uint8), None) for f in frames]

    return predict


@pytest.fixture(scope="module")
def synthetic_set(tmp_path_factory) -> Path:
    """Four 96 px synthetic JIRAM frames with aurora, as a labelled frame set with sector masks
    (left half of the band bright, right half faint) named in the manifest."""
    out = tmp_path_factory.mktemp("frameset")
    write_frame_set(out, 4, 96, JIRAM, "jiram", hemisphere="north", seed=3, split="test")
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines() if x]
    for row in rows:
        mask = read_mask_png(out / row["mask"])
        assert (mask == 1).any(), f"{row['id']}: the test needs aurora in every frame"
        sectors = np.where(mask == 1, 1, 0).astype(np.uint8)
        sectors[:, 48:][mask[:, 48:] == 1] = 2
        sectors[mask == 255] = 255
        write_mask_png(out / "sectors" / f"{row['id']}.png", sectors, SCHEMA)
        row["sectors"] = f"sectors/{row['id']}.png"
    (out / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def test_sector_regions_give_each_pixel_its_nearest_sector():
    sectors = np.zeros((20, 40), np.uint8)
    sectors[8:12, 5:15], sectors[8:12, 25:35] = 1, 2
    sectors[:, 39] = 255
    regions = sector_regions(sectors)
    assert (regions[:, :19] == 1).all() and (regions[:, 21:39] == 2).all()
    assert (regions[:, 39] == 255).all()
    assert (sector_regions(np.zeros((5, 5), np.uint8)) == 0).all()


def test_sector_recall_counts_the_reference_pixels_each_sector_marks():
    from jovis.real_eval.labelled import LabelledScores

    aurora = SCHEMA.id_of("aurora")
    truth = np.zeros((20, 40), np.uint8)
    truth[8:12, 4:36] = aurora
    sectors = np.where(truth == aurora, 1, 0).astype(np.uint8)
    sectors[8:12, 20:36] = 2  # left half of the band bright, right half faint
    pred = np.zeros_like(truth)
    pred[8:12, 4:20] = aurora  # all of the bright arc
    pred[8:10, 20:28] = aurora  # a quarter of the faint arc (16 of its 64 pixels)
    scores = LabelledScores(SCHEMA)
    scores.add("f", pred, None, truth, {}, None, sectors)
    out = scores.summary()
    assert out["aurora_bright_recall"] == 1.0 and out["aurora_faint_recall"] == 0.25
    assert out["per_frame"][0]["aurora_faint_recall"] == 0.25


def test_sector_recall_is_split_by_how_visible_the_reference_ridge_is():
    from jovis.real_eval.labelled import LabelledScores

    aurora = SCHEMA.id_of("aurora")
    truth = np.zeros((20, 40), np.uint8)
    truth[8:12, 4:36] = aurora
    sectors = np.where(truth == aurora, 2, 0).astype(np.uint8)  # all faint
    visibility = np.zeros_like(truth)
    visibility[8:12, 4:12], visibility[8:12, 12:36] = 1, 3  # 32 px under 2 sigma, 96 over 8
    pred = np.zeros_like(truth)
    pred[8:12, 12:36] = aurora  # every visible pixel, none of the hidden ones
    scores = LabelledScores(SCHEMA)
    scores.add("f", pred, None, truth, {}, None, sectors, visibility)
    out = scores.summary()
    assert out["aurora_faint_recall"] == 0.75
    assert out["aurora_faint_recall_gt8"] == 1.0 and out["aurora_faint_recall_lt2"] == 0.0
    assert out["aurora_faint_recall_2to8"] is None  # no reference pixel of that class
    assert (out["aurora_faint_share_lt2"], out["aurora_faint_share_gt8"]) == (0.25, 0.75)
    assert "aurora_bright_recall_gt8" not in out  # nothing classed in the bright sector


def test_visibility_classes_band_pixels_by_the_nearest_ridge_vertex():
    from jovis.real_eval.visibility import snr_class, visibility_raster

    assert snr_class(np.array([0.5, 2.0, 8.0, 8.5, np.nan])).tolist() == [1, 2, 2, 3, 0]
    band = np.zeros((10, 30), bool)
    band[3:7, 2:28] = True
    curve = [[4.0, 5.0], [14.0, 5.0], [25.0, 5.0]]
    raster = visibility_raster(band, curve, np.array([1, 2, 3], np.uint8))
    assert (raster[~band] == 0).all()
    assert (raster[3:7, 2:9] == 1).all() and (raster[3:7, 10:19] == 2).all()
    assert (raster[3:7, 21:28] == 3).all()


def quarter_lit_ring():
    """A 240-px one-channel polar frame: a ring 15 deg from the pole, lit on three quarters of
    its course (angle about the pole under 90 deg; 500 over noise sd 10), dark on the last;
    with its curve (72 vertices), their angles, the ring's band and each pixel's angle."""
    from jovis.frame import Frame
    from jovis.geometry import PolarGrid

    rng = np.random.default_rng(0)
    n, k = 240, 4.0  # px, px per degree: the ring 15 deg from the pole
    grid = PolarGrid(hemisphere="north", pole_x=120.0, pole_y=120.0, px_per_deg=k)
    yy, xx = np.mgrid[0:n, 0:n]
    r, phi = np.hypot(xx - 120, yy - 120), np.arctan2(yy - 120, xx - 120)
    ring = 500.0 * np.exp(-0.5 * ((r - 15 * k) / 1.5) ** 2) * (phi < np.pi / 2)  # 3/4 lit
    image = (ring + rng.normal(0, 10, (n, n)))[..., None].astype(np.float32)
    frame = Frame(image=image, valid=np.ones((n, n), bool), channels=["uv"], grid=grid)
    a = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    curve = np.stack([120 + 15 * k * np.cos(a), 120 + 15 * k * np.sin(a)], 1)
    return frame, curve, a, (np.abs(r - 15 * k) <= 1.5), phi


def test_vertex_snr_sees_a_bright_ring_and_not_an_empty_stretch_of_it():
    from jovis.frame import Frame
    from jovis.real_eval.visibility import vertex_snr

    frame, curve, a, _, _ = quarter_lit_ring()
    snr = vertex_snr(frame, curve)
    lit = np.angle(np.exp(1j * a)) < np.pi / 2
    lit_core = lit & (np.angle(np.exp(1j * a)) > -np.pi + 0.5) & (np.angle(np.exp(1j * a)) < 1.3)
    dark = ~lit & (np.abs(np.angle(np.exp(1j * (a - np.pi)))) < 1.5)
    assert np.median(snr[lit_core]) > 8 and np.median(snr[dark]) < 2
    one_channel_less = Frame(image=np.repeat(frame.image, 2, 2), valid=frame.valid,
                             channels=["L", "M"], grid=frame.grid)  # fmt: skip
    assert vertex_snr(one_channel_less, curve) is None


def test_synthetic_recall_is_split_by_visibility_as_the_reference_sets_is():
    from jovis.real_eval.visibility import VisibilityRecall

    frame, curve, _, band, phi = quarter_lit_ring()
    seen = VisibilityRecall()
    lit = band & (phi < np.pi / 2)
    seen.add(frame, {"oval": {"polyline_px": curve.tolist()}}, band, lit)  # marks what is lit
    seen.add(frame, {}, band, band)  # no oval polyline: left out
    out = seen.summary("aurora")
    assert out["aurora_recall_gt8"] > 0.9 and out["aurora_recall_lt2"] < 0.1
    assert 0.7 < out["aurora_share_gt8"] < 0.8 and out["aurora_share_lt2"] > 0.15  # 3/4 lit
    assert abs(sum(out[f"aurora_share_{c}"] for c in ("lt2", "2to8", "gt8")) - 1) < 1e-3
    assert VisibilityRecall().summary("aurora")["aurora_recall_gt8"] is None


def test_references_scored_against_themselves_are_perfect(synthetic_set, tmp_path):
    result = evaluate_real(reference_predict(synthetic_set, JIRAM), SCHEMA, JIRAM, tmp_path,
                           reference_set=synthetic_set)  # fmt: skip
    model = result["reference"]["model"]
    assert model["frames"] == 4 and model["aurora_iou"] == 1.0 and model["aurora_dice"] == 1.0
    assert model["aurora_bright_iou"] == 1.0 and model["aurora_faint_iou"] == 1.0
    assert model["aurora_bright_recall"] == 1.0 and model["aurora_faint_recall"] == 1.0
    assert model["oval_boundary_units"] == "deg" and model["oval_boundary_mean"] == 0.0
    # the baseline (one threshold tuned on the same masks) is there as the bar, and is worse
    assert 0 < result["reference"]["baseline"]["aurora_iou"] < 1.0
    assert len(list((tmp_path / "overlays").glob("*_reference.png"))) == 4


def test_whole_disk_or_nothing_scores_badly_without_labels(synthetic_set, tmp_path):
    frames = tmp_path / "frames"
    shutil.copytree(synthetic_set / "images", frames)  # .npy frames: no grid, no labels
    truth = reference_predict(synthetic_set, JIRAM)

    def constant(value):
        return lambda fs: [(np.where(f.valid, value, 255).astype(np.uint8), None) for f in fs]

    def scores(predict):
        out = score_folder(predict, frames, SCHEMA, JIRAM, overlay=None)
        (group,) = out["groups"]
        return group["model"]["summary"]

    by_id = {}

    def truth_by_file(fs):  # the .npy frames are named by their frame set ids
        by_id.update({f.id: f for f in fs})
        return truth(fs)

    good = scores(truth_by_file)
    assert len(by_id) == 4 and good["capture_efficiency_mean"] > 0.3
    for bad in (scores(constant(1)), scores(constant(0))):
        assert abs(bad["capture_efficiency_mean"]) < 0.05
        assert bad["capture_efficiency_mean"] < good["capture_efficiency_mean"] - 0.25


@needs_real
@pytest.mark.parametrize(
    ("instrument", "channels", "key"),
    [("hst_stis", UV, "aurora_iou"), ("junocam", ["red", "green", "blue"], "vortex_iou")],
)
def test_real_reference_set_scores_itself_perfectly(tmp_path, instrument, channels, key):
    from jovis.references.frameset import materialise

    folder = materialise(tmp_path / "set", REAL, instrument=instrument)
    result = evaluate_real(reference_predict(folder, channels), SCHEMA, channels, tmp_path,
                           reference_set=folder, overlays=False)  # fmt: skip
    model = result["reference"]["model"]
    assert model[key] == 1.0 and not result["reference"]["skipped"]
    if instrument == "hst_stis":
        assert "vortex_found" not in model  # no vortex true or found: no count to report
        assert model["aurora_bright_iou"] == 1.0 and model["aurora_faint_iou"] == 1.0
        assert model["oval_boundary_mean"] == 0.0
        for sector in ("bright", "faint"):  # every band pixel classed by its ridge's SNR
            shares = [model[f"aurora_{sector}_share_{c}"] for c in ("lt2", "2to8", "gt8")]
            assert abs(sum(shares) - 1) < 1e-3
            assert model[f"aurora_{sector}_recall_gt8"] == 1.0
    else:
        assert model["vortex_f1"] == 1.0
        # every product perfect: the intervals over resampled products are the point itself
        assert model["vortex_found"] == 60 and model["vortex_f1_interval"] == [1.0, 1.0]
        assert sum(r["vortex_tp"] for r in model["per_frame"]) == 60
        from jovis.real_eval.report import summary, tables

        assert "vortices found 60" in tables(result, "ckpt")[0].caption

        filters = materialise(tmp_path / "filters", REAL, instrument=instrument, junocam="filters")
        result = evaluate_real(reference_predict(filters, channels), SCHEMA, channels, tmp_path,
                               reference_set=None, overlays=False, filter_set=filters)  # fmt: skip
        assert result["reference_filters"]["model"]["vortex_f1"] == 1.0
        flat = summary(result)
        assert flat["ref_filters_vortex_f1"] == 1.0 and flat["ref_filters_frames"] == 9
        assert flat["ref_filters_vortex_found"] == 60
        assert flat["ref_filters_vortex_recall_interval"] == [1.0, 1.0]


def test_benchmark_real_prints_the_json_line(tiny_run, synthetic_set, tmp_path):
    root = tmp_path / "real"
    shutil.copytree(synthetic_set / "images", root / "synthetic_jiram")
    proc, line = run(
        "-m", "jovis", "benchmark", "suite=real", f"ckpt={tiny_run['checkpoint']}",
        f"out={tmp_path / 'bench'}", "device=cpu", f"real.root={root}",
        f"real.reference_set={synthetic_set}", "real.temporal.mode=mean_prob",
        "real.temporal.window_min=3",
    )  # fmt: skip
    for key in ("ref_aurora_iou", "ref_aurora_bright_iou", "ref_oval_boundary_mean",
                "baseline_ref_aurora_iou", "synthetic_jiram_agreement_median",
                "synthetic_jiram_capture_efficiency_mean", "baseline_synthetic_jiram_capture_mean",
                "checkpoint", "out", "seconds"):  # fmt: skip
        assert key in line, key
    assert line["ref_frames"] == 4 and line["synthetic_jiram_frames"] == 4
    assert 0.0 <= line["ref_aurora_iou"] <= 1.0
    assert "reference frames" in proc.stdout and "label-free" in proc.stdout
    saved = json.loads((tmp_path / "bench" / "real" / "real.json").read_text())
    assert saved["summary"]["ref_aurora_iou"] == line["ref_aurora_iou"]
    assert line["temporal"] == saved["temporal"] == {"mode": "mean_prob", "window_min": 3.0}
    assert {r["temporal"] for r in saved["temporal_frames"]} == {"mean_prob"}
    assert len(list((tmp_path / "bench" / "real" / "overlays").glob("*.png"))) == 8


def test_a_checkpoint_scores_only_frames_with_its_channels():
    from jovis.frame import Frame
    from jovis.real_eval.sequences import accepts

    image = np.zeros((8, 8, 1), np.float32)
    assert accepts(Frame(image, ["uv"], "hst_stis"), ["uv"])
    assert not accepts(Frame(image, ["gray"], "junocam"), ["uv"])  # a methane composite
    assert accepts(Frame(image, ["gray"], "unknown"), ["uv"])  # an NPY of no instrument
    assert not accepts(
        Frame(np.zeros((8, 8, 3), np.float32), ["c0", "c1", "c2"], "unknown"), ["uv"]
    )
