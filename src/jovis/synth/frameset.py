"""Write a labelled frame set (DESIGN.md format) of synthetic frames, plus a review montage."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from jovis.config import CONFIG_DIR
from jovis.frame import Frame, Labels, LabelSchema
from jovis.io.atomic import write_json, write_jsonl, write_npy, write_png
from jovis.io.masks import write_mask_png
from jovis.render import display_image
from jovis.synth.labels import FINE_CLASSES
from jovis.synth.params import SynthParams
from jovis.synth.renderer import render_batch
from jovis.synth.viewmix import is_view_mix, render_mixed

MONTAGE_MAX = 16
CHUNK = 16  # frames rendered per batch (frame i is the same in any batch: see render_batch)


def default_schema() -> LabelSchema:
    with open(CONFIG_DIR / "labels" / "default.yaml", encoding="utf-8") as fh:
        return LabelSchema.from_dict(yaml.safe_load(fh))


def write_frame_files(out: Path, fid: str, image: np.ndarray, labels: Labels,
                      schema: LabelSchema) -> dict[str, str]:  # fmt: skip
    """One frame's ``images/<id>.npy``, ``masks/<id>.png`` and ``features/<id>.json`` (each
    written atomically); returns their paths relative to `out`, as the manifest names them."""
    rel = {k: f"{k}/{fid}{ext}" for k, ext in
           (("images", ".npy"), ("masks", ".png"), ("features", ".json"))}  # fmt: skip
    write_npy(out / rel["images"], image)
    write_mask_png(out / rel["masks"], labels.mask, schema)
    write_json(out / rel["features"], labels.features)
    return rel


def finish_frame_set(out: Path, rows: list[dict], shown: list, schema: LabelSchema) -> None:
    """``manifest.jsonl`` last (atomically: a set is complete once it is there), then the
    review montage."""
    write_jsonl(out / "manifest.jsonl", rows)
    write_png(out / "montage.png", montage(shown, schema))


def write_frame_set(
    out: str | Path,
    n: int,
    size: int,
    channels: list[str],
    instrument: str,
    hemisphere: str = "random",
    seed: int = 0,
    split: str = "train",
    params: dict | None = None,
    schema: LabelSchema | None = None,
    view: Any = None,
) -> dict[str, Any]:
    """Write `n` frames (seeds ``seed .. seed+n-1``) under `out` as a labelled frame set.

    Layout: ``images/<id>.npy`` (float32 H×W×C), ``masks/<id>.png`` (class ids),
    ``features/<id>.json``, ``manifest.jsonl`` (written last, atomically) and ``montage.png``
    (up to 16 frames for review).
    Frames are rendered `CHUNK` at a time with `render_batch` (bit-identical to `make_sample`).
    Returns ``{"out", "n", "size", "instrument", "seconds", "frames_per_s"}``.
    """
    if int(n) < 1:
        raise ValueError(f"n must be >= 1 frames, got n={n}")
    if int(size) < 32:
        raise ValueError(f"size must be >= 32 pixels, got size={size}")
    out = Path(out)
    schema = schema or default_schema()
    p = params if isinstance(params, SynthParams) else SynthParams.from_dict(params)
    if p.label_schema == "fine" and len(schema.classes) < len(FINE_CLASSES):
        raise ValueError(
            f"synth param label_schema=fine draws {len(FINE_CLASSES)} classes "
            f"{list(FINE_CLASSES)} but the label schema has {len(schema.classes)}; "
            "use labels=fine (configs/labels/fine.yaml)"
        )
    t0 = time.perf_counter()
    rows, shown = [], []
    frames = _frames(int(seed), int(n), int(size), channels, instrument, hemisphere, p, view)
    for frame, labels in frames:
        fid = frame.id
        rel = write_frame_files(out, fid, frame.image, labels, schema)
        rows.append({
            "id": fid, "image": rel["images"], "mask": rel["masks"], "features": rel["features"],
            "instrument": instrument, "channels": list(frame.channels),
            "hemisphere": frame.meta["hemisphere"], "split": split, "seed": frame.meta["seed"],
            "grid": frame.meta["grid"],
        })  # fmt: skip
        if len(shown) < MONTAGE_MAX:
            shown.append((frame, labels))
    finish_frame_set(out, rows, shown, schema)
    seconds = time.perf_counter() - t0
    return {
        "out": str(out),
        "n": int(n),
        "size": int(size),
        "instrument": instrument,
        "seconds": round(seconds, 3),
        "frames_per_s": round(n / max(seconds, 1e-9), 2),
    }


def _frames(seed, n, size, channels, instrument, hemisphere, p, view):
    """(Frame, Labels) for seeds seed..seed+n-1, rendered in batches of `CHUNK`."""
    for start in range(seed, seed + n, CHUNK):
        seeds = list(range(start, min(start + CHUNK, seed + n)))
        if is_view_mix(view):  # e.g. {polar: 0.25, perspective: 0.75}, as data.view
            batch = render_mixed(seeds, size, channels, hemisphere=hemisphere, params=p, view=view)
        else:
            batch = render_batch(seeds, size, channels, hemisphere=hemisphere, params=p, view=view)
        images = batch.image.permute(0, 2, 3, 1).contiguous().numpy()
        for i, s in enumerate(seeds):
            grid = batch.grids[i]
            meta = {"id": batch.frame_id(i), "seed": s, "hemisphere": batch.hemispheres[i],
                    "grid": None if grid is None else grid.to_dict()}  # fmt: skip
            feats = batch.features(i)
            if feats.get("view"):
                meta["view"] = feats["view"]
            frame = Frame(images[i], list(batch.channels), instrument, meta=meta, grid=grid,
                          valid=batch.valid[i].numpy())  # fmt: skip
            yield frame, Labels(batch.mask[i].numpy(), feats)


def outline(rgb: np.ndarray, mask: np.ndarray, schema: LabelSchema) -> np.ndarray:
    """Tint the one-pixel outlines of each non-background class with the schema colours."""
    rgb = rgb.copy()
    kernel = np.ones((3, 3), np.uint8)
    for cls in schema.classes[1:]:
        region = (mask == cls.id).astype(np.uint8)
        edge = region.astype(bool) & ~cv2.erode(region, kernel).astype(bool)
        rgb[edge] = cls.color
    return rgb


def montage(samples: list[tuple[Frame, Labels]], schema: LabelSchema) -> np.ndarray:
    """A near-square grid of frames with label outlines, 2-px gaps."""
    tiles = [
        outline(display_image(f.image, f.channels, f.valid), lab.mask, schema) for f, lab in samples
    ]
    cols = int(np.ceil(np.sqrt(len(tiles))))
    rows = int(np.ceil(len(tiles) / cols))
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    sheet = np.full((rows * (h + 2) + 2, cols * (w + 2) + 2, 3), 40, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        y, x = 2 + r * (h + 2), 2 + c * (w + 2)
        sheet[y : y + t.shape[0], x : x + t.shape[1]] = t
    return sheet
