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

import csv
import io
import json
import math
import time
from pathlib import Path
from typing import Any

import torch

from jovis.frame import Frame, Labels, LabelSchema
from jovis.io.atomic import write_json, write_npy, write_png, write_text
from jovis.io.masks import write_mask_png
from jovis.synth import channels as ins
from jovis.synth import junocam
from jovis.synth import labels as lab
from jovis.synth.frameset import default_schema, montage
from jovis.synth.hash_rng import frame_keys
from jovis.synth.layers import pack_scenes, scene_layers
from jovis.synth.params import SynthParams
from jovis.synth.renderer import _plane, _render_channels
from jovis.synth.scene import make_grid
from jovis.synth.sequence import SequenceSpec, evolve

TRUTH_COLUMNS = "track_id frame_id time lat lon radius_km role kind".split()


def render_scenes(scenes, base_seed: int, frame_seeds, size: int, channels, gains, p):
    """(image (B,C,H,W), mask (B,H,W), valid (B,H,W), grid) of scenes on one polar grid."""
    hemis = [s["hemisphere"] for s in scenes]
    grid = make_grid(size, hemis[0], p.max_colatitude)
    device = torch.device("cpu")
    x, y, px_deg, _ = _plane([None] * len(scenes), hemis, size, p, device)
    packed = pack_scenes(scenes, p, px_deg=px_deg)
    keys = frame_keys(torch.tensor(list(frame_seeds), dtype=torch.int64))
    layers = scene_layers(packed, keys, x, y, p.max_colatitude, size, p)
    gain = torch.tensor(gains, dtype=torch.float32)[:, None, None]
    layers["aurora"] = layers["aurora"] * gain
    layers["polar"] = layers["polar"] * gain
    disk = layers["mu_obs"] > math.cos(math.radians(p.limb_emission_cut_deg))
    same = [int(base_seed)] * len(scenes)  # the instrument's draws stay the base frame's
    image, valid = _render_channels(channels, layers, keys, same, disk, x, y, p, scenes)
    image, valid = junocam.product_style(image, channels, valid, layers["mu_sun"], keys, same, p)
    mask = lab.class_mask(layers, valid, p.label_schema)
    return image, mask, valid, grid, (~disk).flatten(1).any(1)


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
        image, mask, valid, grid, cut = render_scenes(
            scenes, seed, [int(seed) * 1000 + t for t in idx], size, channels, gains, p
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
            rel = {d: f"{d}/{fid}{e}" for d, e in
                   (("images", ".npy"), ("masks", ".png"), ("features", ".json"))}  # fmt: skip
            img = image[k].permute(1, 2, 0).contiguous().numpy()
            write_npy(out / rel["images"], img)
            write_mask_png(out / rel["masks"], mask[k].numpy(), schema)
            write_json(out / rel["features"], feats)
            rows.append({"id": fid, "image": rel["images"], "mask": rel["masks"],
                         "features": rel["features"], "instrument": instrument,
                         "channels": list(channels), "hemisphere": hemisphere, "split": split,
                         "seed": int(seed), "frame_index": t, "time": when,
                         "grid": grid.to_dict()})  # fmt: skip
            if len(shown) < 16:
                frame = Frame(img, list(channels), instrument, valid=valid[k].numpy())
                shown.append((frame, Labels(mask[k].numpy(), feats)))
    write_text(out / "truth_tracks.csv", _csv(truth_rows, TRUTH_COLUMNS))
    write_json(out / "sequence.json", {**story["truth"], "spec": spec.__dict__,
                                       "frame_ids": [r["id"] for r in rows]})  # fmt: skip
    write_text(out / "manifest.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    write_png(out / "montage.png", montage(shown, schema))
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


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c) for c in columns})
    return buf.getvalue()
