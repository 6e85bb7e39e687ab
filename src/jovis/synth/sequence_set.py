"""Render and write a synthetic sequence (`jovis synth sequence=...`) as a labelled frame set.

The frames of one evolved scene (`jovis.synth.sequence.evolve`) are rendered on the polar grid
with the renderer's own stages; per-frame noise and cloud texture come from each frame's seed
(``seed * 1000 + t``), while the instrument's per-frame draws (gain, peak brightness, tile
layout) stay those of the base seed, so the oval's brightness changes only by the sequence's
gain. Layout: the frame-set layout of `write_frame_set` plus a ``time`` column in
``manifest.jsonl``, ``time`` and per-vortex ``track_id`` in ``features/<id>.json``, and
``truth_tracks.csv`` / ``sequence.json`` (the truth: ids, positions, drift rate, oval gain).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from jovis.frame import Frame, Labels, LabelSchema
from jovis.io.atomic import write_json, write_text
from jovis.io.csv_file import csv_text
from jovis.synth import channels as ins
from jovis.synth import labels as lab
from jovis.synth.frameset import default_schema, finish_frame_set, write_frame_files
from jovis.synth.params import SynthParams
from jovis.synth.renderer import render_scenes
from jovis.synth.scene import make_grid
from jovis.synth.sequence import SequenceSpec, evolve

TRUTH_COLUMNS = "track_id frame_id time lat lon radius_km role kind".split()


def write_sequence(out, size: int, channels: list[str], instrument: str, hemisphere: str,
                   seed: int, split: str, params: dict | None, schema: LabelSchema | None,
                   sequence: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """Write the sequence's frames under `out`; returns the app's summary dict."""
    if hemisphere not in ("north", "south"):
        raise ValueError(f"synth sequence: hemisphere must be north or south, got {hemisphere!r}")
    spec = SequenceSpec.from_dict(sequence)
    p = params if isinstance(params, SynthParams) else SynthParams.from_dict(params)
    channels = ins.check_channels(channels)
    schema = schema or default_schema()
    out = Path(out)
    t0 = time.perf_counter()
    story = evolve(int(seed), hemisphere, p, spec)
    rows, truth_rows, shown = [], [], []
    for start in range(0, len(story["scenes"]), 8):
        idx = list(range(start, min(start + 8, len(story["scenes"]))))
        scenes = [story["scenes"][t] for t in idx]
        gains = [story["truth"]["oval_gain"][t] for t in idx]
        hemis = [s["hemisphere"] for s in scenes]
        grid = make_grid(size, hemis[0], p.max_colatitude)
        image, mask, valid, cut = render_scenes(
            scenes,
            [int(seed) * 1000 + t for t in idx],
            hemis,
            size,
            channels,
            p,
            gains=gains,
            draw_seeds=[int(seed)] * len(idx),  # the instrument's draws stay the base frame's
        )
        for k, t in enumerate(idx):
            fid = f"seq-{int(seed):05d}-t{t:03d}"
            when = story["times"][t]
            feats = lab.features({**scenes[k], "limb_cut": bool(cut[k])}, size, grid, fid)
            for v, sv in zip(feats["vortices"], scenes[k]["vortices"], strict=True):
                v["track_id"] = sv["track_id"]
                truth_rows.append({"track_id": sv["track_id"], "frame_id": fid, "time": when,
                                   "lat": v["lat"], "lon": v["lon"], "radius_km": v["radius_km"],
                                   "role": v["role"], "kind": v["kind"]})  # fmt: skip
            feats["time"] = when
            feats["oval_gain"] = story["truth"]["oval_gain"][t]
            img = image[k].permute(1, 2, 0).contiguous().numpy()
            rel = write_frame_files(out, fid, img, Labels(mask[k].numpy(), feats), schema)
            rows.append({"id": fid, "image": rel["images"], "mask": rel["masks"],
                         "features": rel["features"], "instrument": instrument,
                         "channels": list(channels), "hemisphere": hemisphere, "split": split,
                         "seed": int(seed), "frame_index": t, "time": when,
                         "grid": grid.to_dict()})  # fmt: skip
            if len(shown) < 16:
                frame = Frame(img, list(channels), instrument, valid=valid[k].numpy())
                shown.append((frame, Labels(mask[k].numpy(), feats)))
    write_text(out / "truth_tracks.csv", csv_text(truth_rows, TRUTH_COLUMNS))
    write_json(out / "sequence.json", {**story["truth"], "spec": spec.__dict__,
                                       "frame_ids": [r["id"] for r in rows]})  # fmt: skip
    finish_frame_set(out, rows, shown, schema)
    seconds = time.perf_counter() - t0
    return {
        "out": str(out),
        "n": len(rows),
        "size": int(size),
        "instrument": instrument,
        "sequence_days": float(spec.days) * (len(rows) - 1),
        "drift_deg_per_yr": story["truth"]["drift_deg_per_yr"],
        "tracks": len({r["track_id"] for r in truth_rows}),
        "seconds": round(seconds, 3),
        "frames_per_s": round(len(rows) / max(seconds, 1e-9), 2),
    }
