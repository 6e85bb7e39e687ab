"""`benchmark suite=temporal`: temporal evidence (`infer temporal.*`) on synthetic UV sequences.

Each regime is `configs/sequence/hst_visit.yaml` with overrides (how fast the oval moves, how far
apart the exposures are); a few sequences of each are rendered (`jovis.synth.sequence_set`) and
predicted with every (mode, window) through `checkpoint_predict`, the loop `infer` runs. Scores,
pooled over a regime's frames: aurora IoU against the truth, recall of the faintest quarter of
the truth oval (ranked by the sequence's mean image, a low-noise view), median consecutive
agreement (`label_free`); the ``truth`` row is the truth masks' own agreement (the ceiling).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from jovis.config import CONFIG_DIR
from jovis.frame import Frame
from jovis.geometry import PolarGrid
from jovis.io import read_frame
from jovis.io.masks import read_mask_png
from jovis.scoring import label_free as lf

# regime → sequence overrides of hst_visit (8 frames 100 s apart, the oval moving 0.3°)
REGIMES: dict[str, dict[str, Any]] = {
    "hst_visit": {"frames": 8},
    "fast": {"frames": 8, "days": 0.0034722, "oval_shift_deg": 1.0, "oval_radius_var": 0.03,
             "oval_brightness_var": 0.5, "observer_lon_step_deg": 3.0},
    "moving": {"frames": 36, "oval_shift_deg": 0.5, "oval_radius_var": 0.02},
    "steady": {"frames": 36, "oval_shift_deg": 0.1, "oval_radius_var": 0.005},
}  # fmt: skip
SEED = 20100000  # regime k's sequences: SEED + 100000·k + i (held-out seeds, north and south)


def render_regime(out: Path, name: str, sequences: int, size: int, k: int,
                  overrides: dict[str, Any] | None = None) -> list[Path]:  # fmt: skip
    """Render (or reuse) `sequences` UV sequences of a regime under ``out/<name>/``."""
    from jovis.synth.sequence_set import write_sequence

    base = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "sequence" / "hst_visit.yaml"))
    spec = {**base, **REGIMES[name], **(overrides or {})}
    folders = []
    for i in range(sequences):
        seed = SEED + 100000 * k + i
        folder = out / name / f"seq_{seed}"
        if not (folder / "manifest.jsonl").is_file():
            hemisphere = "north" if i % 2 == 0 else "south"
            write_sequence(folder, size, ["uv"], "uv", hemisphere, seed, "test", None, None, spec)
        folders.append(folder)
    return folders


def load_sequence(folder: Path) -> tuple[list[Frame], list[np.ndarray]]:
    """The frames (with grid and time from the manifest) and truth masks of a sequence."""
    frames, truths = [], []
    for line in (folder / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        frame = read_frame(folder / row["image"], instrument="uv", channels=["uv"])
        frame.grid = PolarGrid.from_dict(row["grid"])
        frame.meta.update(time=row["time"], id=row["id"])
        frames.append(frame)
        truths.append(read_mask_png(folder / row["mask"]))
    return frames, truths


def score(sequences, masks_of, aurora: int, schema) -> dict[str, float | None]:
    """IoU, faint recall and median consecutive agreement pooled over `sequences`."""
    tp = fp = fn = faint_tp = faint_n = 0
    agreements = []
    for frames, truths in sequences:
        masks = masks_of(frames, truths)
        mean = np.nanmean([np.where(f.valid, f.image[..., 0], np.nan) for f in frames], axis=0)
        for f, m, t in zip(frames, masks, truths, strict=True):
            scored = f.valid & (t != 255)
            p, g = (m == aurora) & scored, (t == aurora) & scored
            tp, fp, fn = tp + (p & g).sum(), fp + (p & ~g).sum(), fn + (~p & g).sum()
            if g.any():
                faint = g & (mean <= np.nanpercentile(mean[g], 25))
                faint_tp, faint_n = faint_tp + (p & faint).sum(), faint_n + faint.sum()
        rows = lf.label_free_scores(frames, masks, schema)["rows"]
        agreements += [r["agreement"] for r in rows if r["agreement"] is not None]
    return {
        "iou": round(float(tp / max(tp + fp + fn, 1)), 4),
        "faint_recall": round(float(faint_tp / max(faint_n, 1)), 4),
        "agreement_median": round(float(np.nanmedian(agreements)), 4) if agreements else None,
    }


def run_temporal(
    ckpt: str | Path, out: str | Path, *, regimes: list[str], sequences: int = 6,
    size: int = 256, settings: list[str] = ("off", "stack:2", "stack:5", "stack:10", "stack:20",
                                            "mean_prob:5"),
    device: str = "auto", batch_size: int = 8, overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Rows ``{regime, mode, window_min, iou, faint_recall, agreement_median}`` per regime and
    setting (``mode:window_min``), the truth row first; renders under ``out/sequences``."""
    from jovis.inference.predictor import Predictor
    from jovis.real_eval.run import checkpoint_predict

    unknown = [r for r in regimes if r not in REGIMES]
    if unknown:
        raise ValueError(f"temporal.regimes: unknown {unknown}; valid: {', '.join(REGIMES)}")
    predictor = Predictor.from_checkpoint(ckpt, device=device, batch_size=batch_size)
    schema = predictor.info.labels
    aurora = schema.id_of("aurora")
    rows = []
    for name in regimes:
        k = list(REGIMES).index(name)
        folders = render_regime(Path(out) / "sequences", name, sequences, size, k, overrides)
        seqs = [load_sequence(f) for f in folders]
        truth = score(seqs, lambda _, t: [np.where(m == 255, 0, m) for m in t], aurora, schema)
        rows.append({"regime": name, "mode": "truth", "window_min": None, **truth})
        for setting in settings:
            mode, _, window = str(setting).partition(":")
            temporal = {"mode": mode, "window_min": float(window or 5)}
            predict = checkpoint_predict(predictor, batch_size, "auto", temporal)
            scores = score(seqs, lambda f, _, p=predict: [m for m, _ in p(f)], aurora, schema)
            rows.append({"regime": name, "mode": mode,
                         "window_min": float(window) if window else None, **scores})  # fmt: skip
    return {"checkpoint": str(ckpt), "sequences": sequences, "size": size, "rows": rows}
