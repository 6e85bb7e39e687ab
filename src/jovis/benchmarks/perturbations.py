"""`benchmark suite=perturbations`: a detector's real-frame scores on the products as a user may
hold them: re-saved as JPEG, stretched, or at a lower resolution.

The JunoCam products travel as 8-bit images that users re-save, re-stretch and shrink before
they reach jovis (a JPEG from a website or a paper's figure, a composite with another gamma, a
copy at half size). Each perturbation rewrites every 8-bit PNG/JPEG of the real-data folder into
a mirror of it (all other files linked, so metadata and FITS frames stay as they are), on the
same pixel grid and under the same names, so the stored reference labels still fit; the stored
real reference sets of the checkpoint's channels (`real_reference_sets`) are then scored by
`evaluate` as `make real-eval` scores them. The first row is the folder as served.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis.benchmarks.orientations import METRICS, real_reference_sets
from jovis.evaluation import evaluate
from jovis.paths import real_data_dir

AS_SERVED = "as_served"
# name: (what its value is, the values it may take)
KINDS = {
    "jpeg": ("the JPEG quality", (1.0, 100.0)),
    "gamma": ("the exponent of x ↦ x^gamma on 0..1", (0.2, 5.0)),
    "resolution": ("the scale it is shrunk to and enlarged back from", (0.1, 1.0)),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def perturbation(spec: str) -> Callable[[np.ndarray], np.ndarray]:
    """The function `spec` names, from uint8 H×W or H×W×C (colour channels only) to the same.

    ``jpeg:Q`` a JPEG round trip at quality Q; ``gamma:G`` each 8-bit value v becomes
    255·(v/255)^G; ``resolution:S`` shrunk to S of its size (area average) and enlarged back
    (bilinear), the detail a smaller copy has lost on the same pixels.
    """
    kind, _, text = str(spec).partition(":")
    if kind not in KINDS:
        raise ValueError(
            f"perturbation {spec!r}: give kind:value with kind one of {', '.join(KINDS)} "
            "(e.g. jpeg:75, gamma:0.8, resolution:0.5)"
        )
    meaning, (low, high) = KINDS[kind]
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ValueError(f"perturbation {spec!r}: the value after '{kind}:' is {meaning}, "
                         f"a number in [{low:g}, {high:g}]")  # fmt: skip
    if kind == "jpeg":
        return lambda image: _jpeg(image, round(value))
    if kind == "gamma":
        lut = np.clip(np.round(255.0 * (np.arange(256) / 255.0) ** value), 0, 255).astype(np.uint8)
        return lambda image: lut[image]
    return lambda image: _resolution(image, value)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"OpenCV could not encode a {image.shape} image as JPEG")
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).reshape(image.shape)


def _resolution(image: np.ndarray, scale: float) -> np.ndarray:
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).reshape(image.shape)


def perturbed_mirror(real_root: str | Path, out: str | Path, spec: str) -> dict[str, Any]:
    """Mirror `real_root` at `out`: every 8-bit PNG/JPEG written through `perturbation(spec)`
    (an alpha channel kept as it is; a JPEG stays a JPEG at quality 95, so only the perturbation
    itself is lossy), every other file a link to the original. Returns ``{"root", "changed"}``
    (the number of images rewritten)."""
    change, root, out = perturbation(spec), Path(real_root), Path(out)
    if out.exists():
        shutil.rmtree(out)
    changed = 0
    for folder, _, files in os.walk(root):
        target = out / Path(folder).relative_to(root)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = Path(folder) / name, target / name
            image = None
            if src.suffix.lower() in IMAGE_SUFFIXES:
                image = cv2.imread(str(src), cv2.IMREAD_UNCHANGED)
            if image is None or image.dtype != np.uint8:
                dst.symlink_to(src.resolve())
                continue
            alpha = image.ndim == 3 and image.shape[2] in (2, 4)
            colour = np.ascontiguousarray(image[..., :-1]) if alpha else image
            done = change(colour)
            done = np.dstack([done, image[..., -1]]) if alpha else done
            params = [cv2.IMWRITE_JPEG_QUALITY, 95] if src.suffix.lower() != ".png" else []
            if not cv2.imwrite(str(dst), done, params):
                raise OSError(f"{dst}: OpenCV could not write the perturbed image")
            changed += 1
    return {"root": str(out), "changed": changed}


def run_perturbations(
    ckpt: str | Path,
    out: str | Path,
    perturbations: Sequence[str],
    *,
    real_root: str | Path | None = None,
    device: str = "auto",
    batch_size: int = 8,
) -> dict[str, Any]:
    """``rows``: one per perturbation, the folder as served first: ``{"perturbation",
    "images_changed", "sets": {set name: {metric: value, "<metric>_change": value − as
    served}}}``; the mirrors and sets are written under `out`."""
    specs = list(perturbations)
    for spec in specs:
        perturbation(spec)  # a bad name fails before anything is scored
    start, out = time.perf_counter(), Path(out)
    root = Path(real_root or real_data_dir())
    rows: list[dict[str, Any]] = []
    for spec in [AS_SERVED, *specs]:
        tag = spec.replace(":", "_")
        changed, mirror = 0, root
        if spec != AS_SERVED:
            made = perturbed_mirror(root, out / "mirrors" / tag, spec)
            changed, mirror = made["changed"], Path(made["root"])
        folders = real_reference_sets(ckpt, out / "sets" / tag, mirror)
        if spec == AS_SERVED and specs and not _image_products(folders):
            raise ValueError(f"{ckpt}: its real reference frames are FITS frames; the "
                             "perturbations change 8-bit image products (the JunoCam ones: "
                             "give a three-colour detector, e.g. visible_rgb)")  # fmt: skip
        sets = {}
        for folder in folders:
            r = evaluate(ckpt, folder, device=device, batch_size=batch_size)
            sets[folder.name] = {name: r[key] for name, key in METRICS if r.get(key) is not None}
        rows.append({"perturbation": spec, "images_changed": changed, "sets": sets})
    served = rows[0]["sets"]
    for row in rows[1:]:
        for name, scores in row["sets"].items():
            for metric in [m for m in list(scores) if m in served.get(name, {})]:
                scores[f"{metric}_change"] = round(scores[metric] - served[name][metric], 4)
    return {"checkpoint": str(ckpt), "real_root": str(root), "rows": rows,
            "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip


def _image_products(folders: Sequence[Path]) -> bool:
    """Whether any frame of the labelled sets `folders` is read from a PNG or JPEG."""
    for folder in folders:
        for line in (folder / "manifest.jsonl").read_text().splitlines():
            if line and json.loads(line)["image"].lower().endswith(IMAGE_SUFFIXES):
                return True
    return False
