"""Make a release from a training run: fp16 weights, a filled card, the check-frame score.

    python scripts/release.py run=RUN_FOLDER name=uv [real=BENCHMARK.json] [minutes=12]

The folder ``src/jovis/released/<name>-v<k>/`` gets the next version k; an existing version is
never written again (weights never change in place).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from jovis.checkpoint import read_checkpoint, write_checkpoint_file
from jovis.io.atomic import write_json, write_text
from jovis.io.digest import file_sha256
from jovis.released import NAMES, RELEASED_DIR, Release, check_set_folder, releases
from jovis.released.card import card_markdown, fill_card

CHECK_FRAMES = 8
CHECK_DIR = "check"  # the check frame set while a release is made (then stored by content)
CHECK_SEED = 30_000_000  # check frames: seeds 30000000..30000007 (training draws from 0 up)
CHECK_METRIC = {"uv": "aurora_iou", "jiram_l": "aurora_iou",
                "visible_rgb": "vortex_iou", "jiram_m": "vortex_iou"}  # fmt: skip


sha256_of = file_sha256  # the card's weights digest (tests and release.py import this name)


def check_frames(check: dict[str, Any], out: Path) -> str:
    """Render the card's check frames into `out` (a labelled frame set, no montage); returns the
    sha256 of their images + masks (it changes when the generator does)."""
    from jovis.frame import LabelSchema
    from jovis.synth import write_frame_set

    write_frame_set(out, n=len(check["seeds"]), size=check["size"], channels=check["channels"],
                    instrument=check["instrument"], hemisphere="random",
                    seed=check["seeds"][0], split="check", params=check.get("params") or {},
                    schema=LabelSchema.from_dict(check["labels"]))  # fmt: skip
    (out / "montage.png").unlink(missing_ok=True)
    return frames_digest(out)


def frames_digest(folder: Path) -> str:
    """sha256 of a frame set's images + masks, in name order."""
    digest = hashlib.sha256()
    for part in ("images", "masks"):
        for file in sorted((folder / part).iterdir()):
            data = np.load(file) if file.suffix == ".npy" else file.read_bytes()
            digest.update(data.tobytes() if isinstance(data, np.ndarray) else data)
    return digest.hexdigest()


def check_score(
    weights: Path, check: dict[str, Any], frames: Path | None = None
) -> tuple[float, str]:
    """(score on the check frames to 3 decimals, the frames' digest), via `evaluate`. `frames`:
    the check frame set stored with a release (the generator may have changed since); None
    renders them with today's generator. The network alone (``oval_course`` off) and every
    class's pixels scored (``score_hidden``): the score checks the weights, as the card that
    stored it did before the oval course existed and before evaluate left out the classes a
    detector cannot see."""
    from jovis.evaluation import evaluate

    with tempfile.TemporaryDirectory(prefix="jovis-check-") as tmp:
        if frames is None:
            frames = Path(tmp) / "frames"
            check_frames(check, frames)
        digest = frames_digest(frames)
        result = evaluate(weights, frames, Path(tmp) / "eval", device="cpu",
                          batch_size=CHECK_FRAMES, oval_course="off",
                          score_hidden=True)  # fmt: skip
    return round(float(result[check["metric"]]), 3), digest


# Real-frame figures a card keeps from `benchmark suite=real`'s real.json summary, per release:
# keys starting with one of the first tuple, or of a folder starting with the second's first item
# and ending with one of the rest.
REAL_KEYS = {
    "uv": (("ref_aurora", "ref_oval", "ref_frames"), ("hst", "agreement_median", "vortex_px_uv")),
    "visible_rgb": (("ref_vortex", "ref_frames"), ("pj", "_frames")),
    "jiram_l": (("ref_aurora",), ("jiram", "agreement_median")),
    "jiram_m": (("ref_vortex",), ("jiram", "_frames")),
}


def _kept(key: str, name: str) -> bool:
    starts, (folder, *ends) = REAL_KEYS[name]
    return key.startswith(starts) or (key.startswith(folder) and key.endswith(tuple(ends)))


def real_summary(path: Path, name: str) -> dict[str, Any]:
    """The figures of `name`'s kind from a `benchmark suite=real` real.json (not the baseline's)."""
    result = json.loads(path.read_text())
    if "summary" not in result:
        raise ValueError(f"{path}: no 'summary': give the real.json of benchmark suite=real")
    keep = {k: round(v, 4) for k, v in result["summary"].items()
            if not k.startswith("baseline") and isinstance(v, int | float)
            and _kept(k, name)}  # fmt: skip
    # what was scored: a shipped release's fp16 weights, or the run's own (fp32) model.pt
    shipped = "released" in Path(str(result.get("checkpoint") or "")).parts
    scored = "<the shipped fp16 weights>" if shipped else "<the run's model.pt>"
    return {"source": f"python scripts/benchmark.py suite=real ckpt={scored} "
            f"(resample {result.get('resample')})", **keep}  # fmt: skip


def half_checkpoint(src: Path, dst: Path, tag: str) -> None:
    """Copy `src`'s checkpoint with floating weights in fp16 and the release tag in its block."""
    blob = read_checkpoint(src)
    state = {k: v.half() if v.is_floating_point() else v for k, v in blob["state_dict"].items()}
    meta = {**blob["jovis"], "release": tag}
    write_checkpoint_file({"state_dict": state, "jovis": meta}, dst)


def heldout_scores(run: Path, heldout: str | Path | None, name: str) -> dict[str, Any] | None:
    """The run's model on a held-out synthetic set, the card's headline figures: as `evaluate`
    scores the frames as they are, and under ``orientations`` each figure's mean, sd, min and
    max over the 8 rotations/flips of the frames (`benchmark suite=orientations`, whose first
    view is the frames as they are): one draw of those, and a run picked on one draw reads high
    on it."""
    if heldout is None:
        return None
    from jovis.benchmarks.orientations import run_orientations

    (spread,) = run_orientations(
        run / "model.pt", [heldout], device="cpu", tta=False, oval_course="off"
    )["sets"].values()  # the network alone
    aurora = CHECK_METRIC[name].startswith("aurora")  # the classes this release can see
    keys = ("aurora_iou", "oval_boundary_mean") if aurora else (
        "vortex_iou", "vortex_precision", "vortex_recall", "vortex_f1")  # fmt: skip
    kept = [k for k in keys if isinstance(spread.get(k), dict)]
    return {"data": str(heldout), "frames": spread["frames"],
            **{k: spread[k]["as_is"] for k in kept},
            "orientations": {k: {s: spread[k][s] for s in ("mean", "sd", "min", "max")}
                             for k in kept}}  # fmt: skip


# Versions that were once committed and later withdrawn: never reused, so a tag always names
# one set of weights (v1: CPU candidates of 4 MB, taken out for the 2 MB file limit, 17f19e7).
WITHDRAWN = {"uv": 1, "visible_rgb": 1, "jiram_l": 1, "jiram_m": 1}


def next_version(name: str, root: Path) -> int:
    shipped = [r.version for r in releases(root) if r.name == name]
    used = shipped + ([WITHDRAWN.get(name, 0)] if root == RELEASED_DIR else [])
    return max(used, default=0) + 1


def release_run(
    run: str | Path,
    name: str,
    *,
    root: Path = RELEASED_DIR,
    real: str | Path | None = None,
    minutes: float | None = None,
    notes: dict[str, Any] | None = None,
    heldout: str | Path | None = None,
) -> Release:
    """Turn training run folder `run` (model.pt, config.yaml, logs/metrics.csv) into the next
    version of release `name` under `root`; returns it. `real`: the real.json of `benchmark
    suite=real` for the run; `heldout`: a labelled synthetic set scored with `evaluate` for the
    card (else the run's last validation)."""
    run = Path(run)
    if name not in NAMES:
        raise ValueError(f"release name {name!r} is not one of {', '.join(NAMES)}")
    if not (run / "model.pt").is_file():
        raise FileNotFoundError(f"{run}/model.pt does not exist: give run=<a finished run folder>")
    version = next_version(name, root)
    tag = f"{name}-v{version}"
    folder = root / tag
    if folder.exists():
        raise FileExistsError(f"{folder} exists: releases are never rewritten; remove it first")
    tmp = root / f".{tag}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)  # left by an interrupted release
    tmp.mkdir(parents=True)
    try:
        notes = {**(notes or {}), "heldout": heldout_scores(run, heldout, name)}
        digest = _fill(tmp, run, name, version, real, minutes, notes)
        store_check_frames(tmp / CHECK_DIR, check_set_folder(root, digest), digest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.rename(folder)
    return Release(name, version, folder)


def _fill(
    tmp: Path, run: Path, name: str, version: int, real: str | Path | None,
    minutes: float | None, notes: dict[str, Any] | None,
) -> str:  # fmt: skip
    """Write model.pt (fp16), card.json and CARD.md of `name`-v`version` into `tmp`, and its
    check frames into `tmp`/CHECK_DIR; returns their digest."""
    tag = f"{name}-v{version}"
    half_checkpoint(run / "model.pt", tmp / "model.pt", tag)
    info = read_checkpoint(tmp / "model.pt")["jovis"]
    check = {"metric": CHECK_METRIC[name], "seeds": list(range(CHECK_SEED, CHECK_SEED + 8)),
             "size": int(info["config"]["data"]["size"]), "channels": info["channels"],
             "instrument": info["instrument"], "labels": info["labels"],
             "params": info["config"]["data"].get("params") or {}}  # fmt: skip
    # the check frames ship with the release (stored by content: `store_check_frames`), so the
    # score stays reproducible when the generator changes (write_frame_set's folder format)
    check_frames(check, tmp / CHECK_DIR)
    check["score"], check["frames_sha256"] = check_score(tmp / "model.pt", check, tmp / CHECK_DIR)
    real_scores = real_summary(Path(real), name) if real else None
    card = fill_card(name, version, run, tmp / "model.pt", info, check, real_scores, minutes,
                     notes or {})  # fmt: skip
    card["sha256"] = sha256_of(tmp / "model.pt")
    write_json(tmp / "card.json", card)
    write_text(tmp / "CARD.md", card_markdown(card))
    return check["frames_sha256"]


def store_check_frames(frames: Path, store: Path, digest: str) -> None:
    """Move the check frame set `frames` (of that digest) to its content folder `store`, unless
    an earlier release stored the same frames there (then `frames` is dropped)."""
    if store.is_dir():
        if frames_digest(store) != digest:
            raise ValueError(f"{store} holds other check frames than its name says; restore it "
                             f"from git (releases are never rewritten)")  # fmt: skip
        shutil.rmtree(frames)
        return
    store.parent.mkdir(parents=True, exist_ok=True)
    frames.rename(store)  # one rename: the store never holds half a frame set


def weights_unchanged(release: Release) -> bool:
    return sha256_of(release.weights) == release.card["sha256"]
