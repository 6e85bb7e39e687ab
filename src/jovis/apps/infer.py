"""jovis infer: python scripts/infer.py [model=NAME|auto|PATH] input=DIR|GLOB|LIST.txt out=DIR.

`model=` takes a released detector (`jovis models`), ``auto`` (picked per frame by its
instrument; each pick's outputs go to ``out/<release>/``, e.g. ``out/uv-v1/``) or a checkpoint
path; ``ckpt=PATH`` works as before. With neither, ``auto``. Every manifest row names the
model and why it was picked.

Exit status 0 when every input succeeded, 2 when some failed (listed in manifest.jsonl), 3 when
the disk filled up (the run stopped cleanly; rerun once there is space).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from jovis.apps.common import checked, emit_result, jovis_app, store_config
from jovis.config import to_plain

log = logging.getLogger(__name__)


def infer_from_config(cfg: DictConfig) -> dict[str, Any]:
    """`run_inference` with the keys of ``configs/infer.yaml`` (booleans already strict)."""
    from jovis.released import resolve_model

    model = cfg.get("model")
    if model in (None, "") and cfg.ckpt is None:
        # a new flyby's frames, no model named: the released detector for each frame's instrument
        log.info("no model= or ckpt= given: model=auto picks a released detector for each frame "
                 "by its instrument (`jovis models` lists them)")  # fmt: skip
        model = "auto"
    if model != "auto":
        pick = resolve_model(model, cfg.ckpt)
        return run_one(cfg, pick.path, cfg.input, cfg.out, pick.to_dict())
    if cfg.ckpt is not None:  # auto picks released detectors: the checkpoint went unused
        raise ValueError(f"model=auto and ckpt={cfg.ckpt}: auto picks a released detector for "
                         "each frame; drop model=auto to run your checkpoint")  # fmt: skip
    return run_auto(cfg)


# model=auto's record of the frames it gave to no detector, in `out` beside the releases' folders
UNASSIGNED = "unassigned.jsonl"


def run_auto(cfg: DictConfig) -> dict[str, Any]:
    """model=auto: one run per picked release into out/<release>/; unpickable frames fail,
    recorded in out/unassigned.jsonl (no release's manifest holds them)."""
    import inspect

    from jovis.inference.runner import check_run_settings
    from jovis.io.atomic import check_folder
    from jovis.released.auto import auto_inputs, picks_by_input

    # a wrong setting is refused before any frame is listed or any release's folder is made
    checked_keys = inspect.signature(check_run_settings).parameters
    check_run_settings(**{k: v for k, v in run_settings(cfg).items() if k in checked_keys})
    check_folder(cfg.out, "out")  # (a file there failed as a traceback from unassigned.jsonl)
    groups = picks_by_input(cfg.input)
    total = sum(len(paths) for _, paths in groups.values())
    merged: dict[str, Any] = {"out": str(cfg.out), "ok": 0, "failed": 0, "skipped": 0,
                              "failures": [], "models": {}}  # fmt: skip
    unassigned = [{"source": str(p), "error": key[1:]}
                  for key, (pick, paths) in groups.items() if pick is None
                  for p in paths]  # fmt: skip
    if record_unassigned(Path(cfg.out), unassigned):
        merged["unassigned"] = str(Path(cfg.out) / UNASSIGNED)
    merged["failed"] += len(unassigned)
    merged["failures"] += unassigned
    for pick, paths in groups.values():
        if pick is None:
            continue
        out = Path(cfg.out) / pick.model
        result = run_one(cfg, pick.path, auto_inputs(cfg.input, out, paths, total), out,
                         pick.to_dict())  # fmt: skip
        merged["models"][pick.model] = {"frames": len(paths), "out": result["out"],
                                        "reason": pick.reason}  # fmt: skip
        for k in ("ok", "failed", "skipped", "failures"):
            merged[k] += result[k]
        if result.get("error"):
            merged.update(error=result["error"], message=result.get("message"))
            break
    if merged.get("error") is None:  # one page for the whole run: each detector, every failure
        merged["report"] = str(write_auto_index(Path(cfg.out), unassigned))
    return merged


def write_auto_index(out: Path, unassigned: list[dict[str, str]]) -> Path:
    """``out/report.html``: every detector folder under `out` (this run's and an earlier
    run's into the same `out`, as their manifests hold them) and the frames none took."""
    from jovis.inference.manifest import Manifest, detector_folders
    from jovis.io.atomic import make_folder
    from jovis.render.report import write_index

    runs = []
    for folder in detector_folders(out):
        if folder != out:
            rows = list(Manifest(folder).records.values())
            runs.append((folder.name, rows, _classes_seen(folder, rows)))
    make_folder(out, "out")
    return write_index(out, runs, unassigned)


def _classes_seen(folder: Path, rows: list[dict[str, Any]]) -> list[str] | None:
    """The classes a detector can mark, as its first whole frame's GeoJSON says (None: not
    known), so the index counts no vortices for a far-UV detector."""
    from jovis.inference.manifest import recorded_output
    from jovis.io.json_file import JsonFileError, load_json

    for row in rows:
        if row.get("status") != "ok":
            continue
        recorded = (row.get("outputs") or {}).get("features")
        path = recorded_output(folder, recorded, f"features/{row.get('id')}.geojson")
        try:
            seen = load_json(path)["properties"]["classes_seen"] if path else None
        except (OSError, JsonFileError, KeyError, TypeError):
            continue
        if isinstance(seen, list):
            return [str(c) for c in seen]
    return None


def record_unassigned(out: Path, failures: list[dict[str, str]]) -> bool:
    """Write model=auto's frames no release took as manifest-like rows (``id``, ``source``,
    ``status: failed``, ``error``), replacing an earlier run's; none: no file (False)."""

    from jovis.inference.inputs import unique_ids
    from jovis.io.atomic import make_folder, write_jsonl

    path = out / UNASSIGNED
    if not failures:
        path.unlink(missing_ok=True)  # an earlier run's, of other frames
        return False
    ids = unique_ids([Path(f["source"]) for f in failures])  # as a run names its frames
    rows = [{"id": fid, "source": f["source"], "status": "failed", "model": None,
             "error": f["error"]} for fid, f in zip(ids, failures, strict=True)]  # fmt: skip
    make_folder(out, "out")
    write_jsonl(path, rows)
    return True


def run_one(cfg: DictConfig, ckpt: Path, input: Any, out: Any, record: dict) -> dict[str, Any]:
    from jovis.inference.runner import run_inference

    return run_inference(ckpt, input, out, record=record, **run_settings(cfg))


def run_settings(cfg: DictConfig) -> dict[str, Any]:
    """`run_inference`'s keyword arguments from infer's config (all but what and where)."""
    return dict(
        device=cfg.device,
        tta=bool(cfg.tta),
        batch_size=cfg.batch_size,
        tile_size=cfg.tile_size,
        tile_overlap=cfg.tile_overlap,
        compile=bool(cfg.compile),
        precision=cfg.precision,
        part=cfg.infer.part,
        num_parts=cfg.infer.num_parts,
        num_workers=cfg.num_workers,
        write_threads=cfg.write_threads,
        save_probs=bool(cfg.save_probs),
        reproject=to_plain(cfg.reproject) if cfg.get("reproject") is not None else None,
        max_pixels=cfg.get("max_pixels", 64_000_000),
        config={"hydra_config": to_plain(cfg)},
        progress=bool(cfg.progress),
        resample=str(cfg.get("resample", "auto")),
        px_per_deg=cfg.get("px_per_deg"),
        limb_radius_px=cfg.get("limb_radius_px"),
        backend=str(cfg.get("backend", "auto")),
        temporal=to_plain(cfg.temporal) if cfg.get("temporal") is not None else None,
        oval_course=cfg.get("oval_course"),  # a mode or a mapping (`CourseSettings.from_value`)
        look=cfg.get("look"),  # a mode or a mapping (`LookSettings.from_value`)
        map_settings=to_plain(cfg.map) if cfg.get("map") is not None else None,
        min_vortex_score=cfg.get("min_vortex_score"),
    )


def print_summary(result: dict[str, Any]) -> None:
    from rich.console import Console

    console = Console(stderr=False)
    if result.get("error") == "disk_full":
        console.print(f"[red]stopped[/red]: {result['message']}", highlight=False)
    for tag, group in result.get("models", {}).items():
        console.print(f"{tag}: {group['frames']} frame(s) ({group['reason']}) → {group['out']}",
                      highlight=False)  # fmt: skip
    for failure in result["failures"]:
        console.print(f"[red]failed[/red] {failure['source']}: {failure['error']}", highlight=False)
    if result.get("unassigned"):
        console.print(f"(the frames no detector took are listed in {result['unassigned']})",
                      highlight=False, soft_wrap=True)  # fmt: skip
    console.print(
        f"{result['ok']} ok, {result['failed']} failed"
        f" ({result['skipped']} already done, skipped); outputs in {result['out']}",
        highlight=False,
    )
    folders = [g["out"] for g in result.get("models", {}).values()] or [result["out"]]
    reports = [Path(f) / "report.html" for f in folders if (Path(f) / "report.html").is_file()]
    if result.get("report"):  # model=auto's index, which links each detector's
        reports = [Path(result["report"])]
    if reports:  # where to look first; soft_wrap: a path to copy is not cut into lines
        line = "report: " + ", ".join(str(r) for r in reports)
        console.print(line, highlight=False, soft_wrap=True)


@jovis_app("infer", store_config("infer"))
def main(cfg: DictConfig) -> None:
    result = infer_from_config(checked(cfg))
    print_summary(result)
    emit_result(result)
    if result.get("error") == "disk_full":
        sys.exit(3)
    if result["failed"]:
        sys.exit(2)


if __name__ == "__main__":
    main()
