"""Glue between the infer config and `run_inference`, and the human summary."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig
from rich.console import Console

from jovis.cli import to_plain
from jovis.inference.runner import run_inference


def infer_from_config(cfg: DictConfig) -> dict[str, Any]:
    return run_inference(
        cfg.ckpt,
        cfg.input,
        cfg.out,
        device=cfg.device,
        tta=bool(cfg.tta),
        batch_size=cfg.batch_size,
        tile_size=cfg.tile_size,
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
    )


def print_summary(result: dict[str, Any]) -> None:
    console = Console(stderr=False)
    if result.get("error") == "disk_full":
        console.print(f"[red]stopped[/red]: {result['message']}", highlight=False)
    for failure in result["failures"]:
        console.print(f"[red]failed[/red] {failure['source']}: {failure['error']}", highlight=False)
    console.print(
        f"{result['ok']} ok, {result['failed']} failed"
        f" ({result['skipped']} already done, skipped); outputs in {result['out']}",
        highlight=False,
    )
