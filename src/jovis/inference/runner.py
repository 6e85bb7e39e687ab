"""Batch inference over a flyby's frames: read in workers, predict in batches, write in threads.

Resumable: an input whose manifest record is ok, made with the same checkpoint and settings, and
whose outputs all exist is skipped. Every output is written under a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf
from torch.utils.data import DataLoader

from jovis.cli import ProgressBar
from jovis.inference.inputs import frame_set_rows, list_inputs, unique_ids
from jovis.inference.manifest import Manifest
from jovis.inference.outputs import output_paths, write_catalog, write_frame_outputs
from jovis.inference.predictor import Predictor
from jovis.inference.reading import FrameReader
from jovis.io.atomic import leftover_temporaries, write_text
from jovis.render.report import write_report

log = logging.getLogger(__name__)
MAX_LISTED_FAILURES = 20


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def run_inference(
    ckpt: str | Path,
    input: str | Path,
    out: str | Path,
    *,
    device: str = "auto",
    tta: bool = False,
    batch_size: int = 8,
    tile_size: int = 1024,
    num_workers: int = 0,
    write_threads: int = 2,
    save_probs: bool = False,
    reproject: dict[str, Any] | None = None,
    part: int | None = None,
    num_parts: int | None = None,
    compile: bool = False,
    precision: str = "auto",
    config: dict[str, Any] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run a checkpoint over frames; returns counts, timings and the output folder.

    `reproject` turns frames seen in perspective into polar frames before prediction (see
    `jovis.geometry.reproject.polar_from_settings`). `part`/`num_parts` process every
    `num_parts`-th input starting at `part` (default: torchrun's RANK/WORLD_SIZE, else all);
    shards may run at once into the same `out`, and the last to finish leaves the merged
    manifest, catalogue and report of the whole input.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
    if device in ("auto", "cuda") and "LOCAL_RANK" in os.environ and torch.cuda.is_available():
        device = f"cuda:{int(os.environ['LOCAL_RANK'])}"  # one GPU per torchrun process
    predictor = Predictor.from_checkpoint(
        ckpt,
        device=device,
        tta=tta,
        tile_size=tile_size,
        batch_size=batch_size,
        compile=compile,
        precision=precision,
    )
    paths = list_inputs(input)
    ids = unique_ids(paths)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in leftover_temporaries(out):  # from a run that was killed mid-write
        stale.unlink()
        log.info("removed half-written %s from an interrupted run", stale)

    run_key = f"{file_digest(Path(ckpt))}-tta{int(tta)}-probs{int(save_probs)}-{precision}"
    if reproject:
        run_key += (
            "-reproj" + hashlib.sha256(repr(sorted(reproject.items())).encode()).hexdigest()[:8]
        )
    settings = {
        "ckpt": str(ckpt),
        "input": str(input),
        "out": str(out),
        "device": device,
        "tta": tta,
        "tile_size": tile_size,
        "precision": precision,
        "batch_size": batch_size,
        "num_workers": num_workers,
        "save_probs": save_probs,
        "reproject": reproject,
        "run_key": run_key,
        **(config or {}),
    }
    write_text(out / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(settings)))
    part, num_parts = shard_of(part, num_parts)
    manifest = Manifest(out, part, num_parts)
    schema, properties = (
        predictor.info.labels,
        {"checkpoint": str(ckpt), "run_key": run_key, "instrument": predictor.info.instrument},
    )

    todo, skipped = [], 0
    for i, path in enumerate(paths):
        if i % num_parts != part:
            continue  # another shard's input
        prev = manifest.previous(str(path))
        outs = output_paths(out, ids[i], save_probs)
        if (
            prev
            and prev.get("status") == "ok"
            and prev.get("run_key") == run_key
            and all(p.is_file() for p in outs.values())
        ):
            skipped += 1
        else:
            todo.append(i)

    start = time.perf_counter()
    counts = {"ok": 0, "failed": 0}
    loader = DataLoader(
        FrameReader([paths[i] for i in todo], predictor, frame_set_rows(input), reproject),
        batch_size=None,
        num_workers=num_workers,
        collate_fn=lambda item: item,
    )
    pending: list[tuple[Future, dict[str, Any]]] = []

    def finish(done: list[tuple[Future, dict[str, Any]]]) -> None:
        for future, record in done:
            try:
                record.update(future.result())
                record["status"] = "ok"
            except Exception as err:  # a frame that cannot be written fails alone
                record.update(status="failed", error=f"{type(err).__name__}: {err}")
            counts[record["status"]] += 1
            manifest.append(record)

    with (
        ThreadPoolExecutor(max_workers=write_threads) as pool,
        ProgressBar(progress, len(todo), "infer") as bar,
    ):
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if not batch:
                return
            t0 = time.perf_counter()
            probs = predictor.predict_frames([b["input"] for b in batch])
            predict_s = (time.perf_counter() - t0) / len(batch)
            for j, (item, p) in enumerate(zip(batch, probs, strict=True)):
                i = todo[item["index"]]
                record = {
                    "id": ids[i],
                    "source": str(paths[i]),
                    "run_key": run_key,
                    "read_s": round(item["read_s"], 4),
                    "predict_s": round(predict_s, 4),
                    "device": predictor.notes.get(j, str(predictor.device)),
                    "grid": None
                    if item["frame"].grid is None
                    else item["frame"].grid.source or "polar",
                    "outputs": {
                        k: str(v) for k, v in output_paths(out, ids[i], save_probs).items()
                    },
                }
                future = pool.submit(
                    _write,
                    item["frame"],
                    ids[i],
                    p,
                    schema,
                    output_paths(out, ids[i], save_probs),
                    properties,
                )
                pending.append((future, record))
            batch.clear()

        for item in loader:
            if "error" in item:
                i = todo[item["index"]]
                log.warning("%s", item["error"])
                counts["failed"] += 1
                manifest.append(
                    {
                        "id": ids[i],
                        "source": str(paths[i]),
                        "status": "failed",
                        "error": item["error"],
                        "run_key": run_key,
                    }
                )
            else:
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
            done = [(f, r) for f, r in pending if f.done()]
            pending[:] = [(f, r) for f, r in pending if not f.done()]
            finish(done)
            bar.advance(1)
        flush()
        finish(pending)
        pending.clear()
    seconds = time.perf_counter() - start

    rows = manifest.compact([str(p) for p in paths])
    ok_rows = [r for r in rows if r.get("status") == "ok"]
    n_catalog = write_catalog(
        out / "catalog.csv", [Path(r["outputs"]["features"]) for r in ok_rows]
    )
    failed = [
        {"source": r["source"], "error": r.get("error")} for r in rows if r.get("status") != "ok"
    ]
    processed = counts["ok"] + counts["failed"]
    result = {
        "out": str(out),
        "ok": len(ok_rows),
        "failed": len(failed),
        "skipped": skipped,
        "processed": processed,
        "catalog_rows": n_catalog,
        "seconds": round(seconds, 2),
        "frames_per_s": round(processed / seconds, 2) if seconds > 0 and processed else None,
        "device": str(predictor.device),
        "checkpoint": str(ckpt),
        "failures": failed[:MAX_LISTED_FAILURES],  # all of them are in manifest.jsonl
    }
    write_report(out, rows, summary=result)
    return result


def shard_of(part: int | None, num_parts: int | None) -> tuple[int, int]:
    """(part, num_parts) from the arguments, else from torchrun's RANK / WORLD_SIZE."""
    if num_parts is None:
        num_parts = int(os.environ.get("WORLD_SIZE", 1))
        part = int(os.environ.get("RANK", 0)) if part is None else part
    part = 0 if part is None else part
    if num_parts < 1 or not 0 <= part < num_parts:
        raise ValueError(
            f"infer.part={part} infer.num_parts={num_parts}: need 0 ≤ part < num_parts"
        )
    return part, num_parts


def _write(frame, frame_id, probs, schema, paths, properties) -> dict[str, Any]:
    t0 = time.perf_counter()
    counts = write_frame_outputs(frame, frame_id, probs, schema, paths, properties)
    return {**counts, "write_s": round(time.perf_counter() - t0, 4)}
