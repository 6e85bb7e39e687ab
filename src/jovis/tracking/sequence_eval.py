"""Tracking scores of a checkpoint on a synthetic sequence (issue 15: the metrics in `evaluate`).

A sequence folder (`jovis synth sequence=...`) holds ``truth_tracks.csv``: `evaluate` then also
runs the checkpoint through `infer` on its frames, tracks the catalogues and scores the tracks
against the truth (IDF1, id switches, fragmentation, drift-rate error), as `jovis track
truth=` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TRUTH_FILE = "truth_tracks.csv"
KEYS = (
    "idf1",
    "idf1_circumpolar",
    "id_switches_polar",
    "fragmentations_polar",
    "polygon_rate_deg_per_yr",
    "polygon_rate_rel_error",
    "tracks",
    "bridged_points",
)


def is_sequence(data: str | Path) -> bool:
    """Whether `data` is a synthetic sequence with tracking truth."""
    return (Path(data) / TRUTH_FILE).is_file()


def wants_tracking(mode: str | bool, data: str | Path) -> bool:
    """`evaluate track=`: auto (a sequence folder is tracked), true (it must be one), false."""
    mode = str(mode).lower()
    if mode not in ("auto", "true", "false"):
        raise ValueError(f"evaluate: track={mode!r}; set track=auto, track=true or track=false")
    if mode == "true" and not is_sequence(data):
        raise ValueError(
            f"evaluate track=true: {data} has no {TRUTH_FILE}, so it is not a synthetic sequence; "
            "make one with `jovis synth sequence=perijoves ...`, or set track=auto"
        )
    return mode != "false" and is_sequence(data)


def track_sequence(ckpt: str | Path, data: str | Path, out: str | Path, **infer) -> dict[str, Any]:
    """`infer` the sequence's frames into ``out/infer`` (`infer`: `run_inference`'s options, as
    evaluate was given them), `track` them into ``out/track`` against the truth; returns the
    tracking scores prefixed ``track_``."""
    from jovis.inference import run_inference
    from jovis.tracking.run import track

    out = Path(out)
    run_inference(ckpt, data, out / "infer", progress=False, **infer)
    summary = track([out / "infer"], out / "track", truth=data)
    scores = {f"track_{k}": summary.get(k) for k in KEYS}
    scores["track_out"] = str(out / "track")
    return scores
