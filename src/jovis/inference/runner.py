"""Batch inference over a flyby's frames, in stages: plan the jobs, read and prepare frames in
workers, predict in batches, write in threads, summarise.

Resumable: an input whose manifest record is ok, made with the same checkpoint and settings, and
whose outputs all exist is skipped. Every output is written under a temporary name and renamed.
Runs may share `out` at once: each frame is locked by the run doing it (see `locks`).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf

from jovis import __version__
from jovis.devices import resolve_device
from jovis.geometry.maps import check_map
from jovis.inference.backends import resolve_backend
from jovis.inference.batches import predict_batches
from jovis.inference.inputs import Input, frame_set_rows, input_text
from jovis.inference.locks import FrameLocks, Refresher
from jovis.inference.look import LookSettings
from jovis.inference.outputs import write_catalog
from jovis.inference.plan import Plan, plan_jobs, run_key_of, settings_digest
from jovis.inference.predictor import Predictor
from jovis.inference.prepare import min_input_size
from jovis.inference.reading import FrameReader, Job, frame_loader
from jovis.inference.scale import (
    check_limb_hint,
    check_mode,
    check_scale_hint,
    training_geometry,
    usable_limb_hint,
)
from jovis.inference.settings import check_settings, check_vortex_floor, shard_of
from jovis.inference.temporal import TemporalSettings
from jovis.inference.temporal_predict import Entry, predict_with_neighbours
from jovis.inference.tiling import DEFAULT_OVERLAP
from jovis.inference.writing import OutputWriter
from jovis.io.atomic import DiskFullError, make_folder, own_temporaries, write_text
from jovis.progress import ProgressBar
from jovis.render.report import write_report
from jovis.scoring.oval_course import CourseSettings

__all__ = ["run_inference", "shard_of"]
log = logging.getLogger(__name__)
MAX_LISTED_FAILURES = 20
DEFAULT_MAX_PIXELS = 64_000_000


def check_run_settings(
    *,
    device: str = "auto",
    batch_size: int = 8,
    tile_size: int = 1024,
    tile_overlap: float = DEFAULT_OVERLAP,
    num_workers: int = 2,
    write_threads: int = 2,
    precision: str = "auto",
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    reproject: dict[str, Any] | None = None,
    backend: str = "auto",
    map_settings: dict[str, Any] | None = None,
    resample: str = "auto",
    px_per_deg: float | None = None,
    limb_radius_px: float | None = None,
    min_vortex_score: float | None = None,
    temporal: Any = None,
    oval_course: Any = None,
    look: Any = None,
    part: int | None = None,
    num_parts: int | None = None,
    compile: bool = False,
) -> tuple[float | None, float | None, float | None, int, int]:
    """ValueError naming the first of `run_inference`'s settings that is wrong, before anything
    is read or written (model=auto checks them before it lists its frames or makes a folder);
    returns (px_per_deg, limb_radius_px, min_vortex_score, part, num_parts) as `run_inference`
    uses them."""
    resolved = resolve_device(device)
    check_settings(batch_size=batch_size, tile_size=tile_size, tile_overlap=tile_overlap,
                   num_workers=num_workers, write_threads=write_threads, precision=precision,
                   max_pixels=max_pixels, reproject=reproject, backend=backend)  # fmt: skip
    # what the backend cannot run (onnxruntime with bf16, compile or CUDA; not installed)
    resolve_backend(backend, torch.device(resolved), precision, compile)
    check_map(map_settings)
    check_mode(resample)
    TemporalSettings.from_value(temporal)
    CourseSettings.from_value(oval_course)
    LookSettings.from_value(look)
    scale = check_scale_hint(px_per_deg)
    limb = check_limb_hint(limb_radius_px, scale)
    return scale, limb, check_vortex_floor(min_vortex_score), *shard_of(part, num_parts)


def run_inference(
    ckpt: str | Path,
    input: Input,
    out: str | Path,
    *,
    device: str = "auto",
    tta: bool = False,
    batch_size: int = 8,
    tile_size: int = 1024,
    tile_overlap: float = DEFAULT_OVERLAP,
    num_workers: int = 0,
    write_threads: int = 2,
    save_probs: bool = False,
    reproject: dict[str, Any] | None = None,
    part: int | None = None,
    num_parts: int | None = None,
    compile: bool = False,
    precision: str = "auto",
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    config: dict[str, Any] | None = None,
    progress: bool = True,
    resample: str = "auto",
    px_per_deg: float | None = None,
    record: dict[str, Any] | None = None,
    backend: str = "auto",
    temporal: TemporalSettings | dict[str, Any] | str | None = None,
    oval_course: CourseSettings | dict[str, Any] | str | None = None,
    look: LookSettings | dict[str, Any] | str | None = None,
    map_settings: dict[str, Any] | None = None,
    min_vortex_score: float | None = None,
    limb_radius_px: float | None = None,
) -> dict[str, Any]:
    """Run a checkpoint over frames; returns counts, timings and the output folder.

    `reproject` turns frames seen in perspective into polar frames before prediction (see
    `jovis.geometry.reproject.polar_from_settings`). `part`/`num_parts` process every
    `num_parts`-th input starting at `part` (default: torchrun's RANK/WORLD_SIZE, else all);
    shards (and identical runs) may run at once into the same `out`, and the last to finish
    leaves the merged manifest, catalogue and report of the whole input. On a full disk the run
    stops, removes its temporaries and returns ``error="disk_full"``. `resample="auto"` feeds
    each frame at the checkpoint's training scale and maps the probabilities back onto the
    frame's pixels (`jovis.inference.scale`); `px_per_deg` is the scale of frames without a grid,
    `limb_radius_px` the planet's radius in px of views that do not hold the whole disk (crops of
    a product: a detector of views then zooms them as it zooms the product).
    `record` is added to every manifest row (e.g. the released model `model=` picked).
    `backend` runs the forward pass (`jovis.inference.backends`: torch, onnxruntime, or auto =
    ONNX Runtime on a CPU where installed); every manifest row and the result name the one used.
    `temporal` (``{mode, window_min}``, `jovis.inference.temporal`) combines each frame with the
    frames of its target within the window (stacked images or mean probabilities); every input
    is then read first (those done earlier too, as evidence only) and each row names the
    neighbours used. The default, ``auto``, stacks for a far-UV aurora checkpoint (``uv``).
    `oval_course` (`jovis.scoring.oval_course`: ``auto``, on for a far-UV aurora checkpoint, on
    frames with a polar grid) draws the oval's course through the gaps of its detected arcs;
    each row then counts the pixels drawn (``oval_course_px``). `look` (`jovis.inference.look`,
    off by default; ``auto``: unprocessed JunoCam frames fed to a JunoCam detector) gives raw
    products and per-filter sets the public composites' processing first; rows say (``look``).
    `map_settings` (infer's ``map``, `jovis.geometry.maps`) declares what map the frames without
    a grid are (a cylindrical map's extent, or a polar projection's grid; ``<file>.map.json``
    beside a frame wins): their features then get lat/lon and km, their plate scale is known.
    `min_vortex_score` (None: 0.7, `jovis.features.MIN_VORTEX_SCORE`) is the least mean vortex
    probability of a vortex the catalogue keeps: an operating point read off a labelled set's
    `vortex_pr_curve` (`evaluate`).
    """
    px_per_deg, limb_radius_px, min_vortex_score, part, num_parts = check_run_settings(
        device=device, batch_size=batch_size, tile_size=tile_size, tile_overlap=tile_overlap,
        num_workers=num_workers, write_threads=write_threads, precision=precision,
        max_pixels=max_pixels, reproject=reproject, backend=backend, map_settings=map_settings,
        resample=resample, px_per_deg=px_per_deg, limb_radius_px=limb_radius_px,
        min_vortex_score=min_vortex_score, temporal=temporal, oval_course=oval_course, look=look,
        part=part, num_parts=num_parts, compile=compile,
    )  # fmt: skip
    extract = {} if min_vortex_score is None else {"min_vortex_score": min_vortex_score}
    if device in ("auto", "cuda") and "LOCAL_RANK" in os.environ and torch.cuda.is_available():
        device = f"cuda:{int(os.environ['LOCAL_RANK'])}"  # one GPU per torchrun process
    predictor = Predictor.from_checkpoint(ckpt, device=device, tta=tta, tile_size=tile_size,
                                          tile_overlap=tile_overlap, batch_size=batch_size,
                                          compile=compile, precision=precision,
                                          backend=backend)  # fmt: skip
    info = predictor.info
    # (dropped for a polar detector, so the run key stays that of the same run without it)
    limb_radius_px = usable_limb_hint(training_geometry(info), limb_radius_px)
    temporal = TemporalSettings.from_value(temporal)
    requested = temporal.mode
    visible = [info.labels.names[i] for i in info.visible_classes]
    temporal = temporal.resolved(info.channels, visible)
    course = CourseSettings.from_value(oval_course)
    course_requested = course.mode
    course = course.resolved(info.channels, visible)
    out = make_folder(out, "out")
    run_key = run_key_of(Path(ckpt), tta, save_probs, precision, reproject)
    if resample != "off":  # off keeps the key of runs made before resampling existed
        run_key += f"-rs{resample}{px_per_deg or ''}"
        run_key += f"-limb{limb_radius_px:g}" if limb_radius_px else ""
    if predictor.backend != "torch":  # torch keeps the key of runs made before backends existed
        run_key += f"-{predictor.backend}"
    if (tile_size, tile_overlap) != (1024, 0.5):  # frames tiled otherwise are not done yet
        run_key += f"-t{tile_size}o{tile_overlap:g}"  # (1024, 0.5): the key of runs made before
    run_key += temporal.key()  # off: the key of runs made before temporal evidence existed
    run_key += course.key()  # off: the key of runs made before the oval course existed
    look = LookSettings.from_value(look)
    run_key += look.key(info.channels)  # empty for a detector the look never reaches
    if map_settings:  # none: the key of runs made before maps could be declared
        run_key += "-map" + settings_digest(map_settings)
    if extract:  # the default floor: the key of runs made before it could be set
        run_key += f"-vs{min_vortex_score:g}"
    settings = {"jovis_version": __version__, "ckpt": str(ckpt), "input": input_text(input),
                "out": str(out), "device": device,
                "tta": tta, "tile_size": tile_size, "tile_overlap": tile_overlap,
                "precision": precision,
                "batch_size": batch_size, "num_workers": num_workers, "save_probs": save_probs,
                "reproject": reproject, "max_pixels": max_pixels, "run_key": run_key,
                "resample": resample, "px_per_deg": px_per_deg,
                "limb_radius_px": limb_radius_px, "backend": predictor.backend,
                "temporal": {**temporal.to_dict(), "requested": requested},
                "oval_course": {**course.to_dict(), "requested": course_requested},
                "look": look.to_dict(), "map": map_settings,
                "min_vortex_score": min_vortex_score,
                **(config or {})}  # fmt: skip
    write_text(out / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(settings)))
    # outputs written from here on were not "done" when the plan was made: another run that
    # finishes a frame between planning and reading must still count as having done it (the
    # kernel's file times run on a coarse clock, up to a few ms behind time.time())
    planned_at = time.time() - 0.05
    rows = frame_set_rows(input)
    plan = plan_jobs(input, out, run_key, save_probs, part, num_parts, rows)
    # temporal evidence: with frames to do, every other input is read too (not locked or written)
    todo = set(map(id, plan.todo))
    others = [j for j in plan.jobs if id(j) not in todo] if temporal.on and todo else []
    jobs = plan.todo + others
    locks = FrameLocks(out, secrets.token_hex(4))
    model = getattr(predictor.model, "_orig_mod", predictor.model)
    reader = FrameReader(jobs, info, rows, reproject,
                         min_size=min_input_size(model, info), max_pixels=max_pixels,
                         locks=locks, started=planned_at, resample=resample,
                         px_per_deg=px_per_deg, limb_radius_px=limb_radius_px,
                         evidence_from=len(plan.todo), out=out,
                         run_key=run_key, look=look,
                         map_settings=map_settings)  # fmt: skip
    properties = {"checkpoint": str(ckpt), "run_key": run_key, "instrument": info.instrument,
                  "classes_seen": visible, "jovis_version": __version__}  # fmt: skip
    writer = OutputWriter(plan.manifest, write_threads, info.labels, properties, locks, course,
                          extract)  # fmt: skip
    start, busy, error = time.perf_counter(), 0, None
    try:
        with Refresher(locks), ProgressBar(progress, len(plan.todo), "infer") as bar:
            loader = frame_loader(reader, num_workers)
            busy = predict_and_write(predictor, loader, jobs, len(plan.todo), writer,
                                     {"run_key": run_key, "jovis_version": __version__,
                                      **(record or {})}, batch_size, bar,
                                     temporal, reader.prepare)  # fmt: skip
    except DiskFullError as err:
        writer.abort()
        error = err
    seconds = time.perf_counter() - start
    return summarise(out, plan, writer.counts, busy, seconds, predictor, ckpt, locks, error)


def predict_and_write(
    predictor: Predictor, loader, jobs: list[Job], wanted: int, writer: OutputWriter,
    base: dict[str, Any], batch_size: int, bar: ProgressBar,
    temporal: TemporalSettings | None = None, prepare=None,
) -> int:  # fmt: skip
    """Stream the loader's items through the predictor into the writer; returns how many
    inputs were left to another run holding them. `base` (run_key, ...) starts every row.
    Jobs from index `wanted` on are temporal evidence only; with `temporal` on, every item is
    read before any is predicted (`jovis.inference.temporal_predict`), `prepare(frame, path)`
    preparing the stacked frames."""
    busy = 0
    temporal = temporal or TemporalSettings("off")

    def prepared():
        nonlocal busy
        for item in loader:
            job = jobs[item["index"]]
            if item["index"] >= wanted:  # evidence only: a bad one is simply not used
                if "input" in item:
                    yield item["input"], item
                continue
            bar.advance(1)
            if "busy" in item:
                busy += 1
                log.info("%s: left to %s", job.path, item["busy"])
            elif "error" in item:
                log.warning("%s", item["error"])
                writer.fail(job, {**_base_record(job, base), "error": item["error"]})
            else:
                if not temporal.on:  # (temporal runs read every frame before predicting)
                    writer.begin(job, item["frame"])
                yield item["input"], item

    if temporal.on:
        entries = [Entry(it["frame"], x, it, it["index"] < wanted) for x, it in prepared()]
        stream = predict_with_neighbours(predictor, entries, temporal,
                                         lambda f, it: prepare(f, jobs[it["index"]].path),
                                         batch_size)  # fmt: skip
    else:
        batches = predict_batches(predictor, prepared(), batch_size, writer.pool)
        stream = ((*out, {"temporal": temporal.mode}) for out in batches)
    for item, probs, seconds, note, evidence in stream:
        job, frame = jobs[item["index"]], item["frame"]
        record = {**_base_record(job, base), "read_s": round(item["read_s"], 4),
                  "predict_s": round(seconds, 4), "device": note or str(predictor.device),
                  "backend": "torch" if note else predictor.backend,
                  "grid": None if frame.grid is None else frame.grid.source or "polar",
                  **_grid_note(frame),
                  "time": frame.meta.get("time"),
                  **item["input"].note, **evidence,
                  "outputs": {k: str(v) for k, v in job.outputs.items()}}  # fmt: skip
        writer.submit(job, frame, probs, record)
    writer.close()
    return busy


def _grid_note(frame) -> dict[str, Any]:
    """``grid_note``: why a frame has no grid, as its reader said (a FITS product's
    ``grid_source``: the shape no grid is known for, the other pole, the missing limb keys)."""
    note = (frame.meta or {}).get("grid_source") if frame.grid is None else None
    return {"grid_note": note} if note else {}


def _base_record(job, base: dict[str, Any]) -> dict[str, Any]:
    record = {"id": job.id, "source": str(job.path), **base}
    if job.run_key:  # the frame's own key (its frame set row's settings in it)
        record["run_key"] = job.run_key
    return record


def summarise(
    out: Path, plan: Plan, counts: dict[str, int], busy: int, seconds: float,
    predictor: Predictor, ckpt: str | Path, locks: FrameLocks, error: DiskFullError | None,
) -> dict[str, Any]:  # fmt: skip
    """Merge the manifest (unless another run still works here), write catalogue and report."""
    order = [str(j.path) for j in plan.jobs]
    rows = plan.manifest.merged(order)
    processed = counts["ok"] + counts["failed"]
    result: dict[str, Any] = {
        "out": str(out), "ok": 0, "failed": 0, "skipped": plan.skipped,
        "processed": processed, "left_to_other_runs": busy, "catalog_rows": None,
        "seconds": round(seconds, 2),
        "frames_per_s": round(processed / seconds, 2) if seconds > 0 and processed else None,
        "device": str(predictor.device), "backend": predictor.backend,
        "checkpoint": str(ckpt), "failures": [],
        # the report shows only what the detector can see (no "aurora 0 %" on JunoCam frames)
        "classes_seen": [predictor.info.labels.names[i] for i in predictor.info.visible_classes],
    }  # fmt: skip
    try:
        if error is not None:
            raise error
        if not locks.others_alive():  # the last run to finish compacts: rewriting sooner
            rows = plan.manifest.compact(order)  # could lose a live run's appended lines
        _count(result, rows)
        ok_features = [Path(r["outputs"]["features"]) for r in rows if r.get("status") == "ok"]
        result["catalog_rows"] = write_catalog(out / "catalog.csv", ok_features)
        write_report(out, rows, summary=result)
    except DiskFullError as err:
        for tmp in own_temporaries(out):
            tmp.unlink(missing_ok=True)
        log.error("%s", err)
        _count(result, rows)
        result.update(error="disk_full", message=str(err), path=err.path)
    return result


def _count(result: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    failed = [{"source": r["source"], "error": r.get("error")} for r in rows
              if r.get("status") != "ok"]  # fmt: skip
    result["ok"] = sum(r.get("status") == "ok" for r in rows)
    result["failed"] = len(failed)
    result["failures"] = failed[:MAX_LISTED_FAILURES]  # all of them are in manifest.jsonl
