"""jovis infer: python scripts/infer.py ckpt=PATH input=DIR|GLOB|LIST.txt out=DIR [tta=true].

Exit status 0 when every input succeeded, 2 when some failed (listed in manifest.jsonl), 3 when
the disk filled up (the run stopped cleanly; rerun once there is space).
"""

from __future__ import annotations

import sys
from typing import Any

import hydra
from omegaconf import DictConfig

from jovis.apps.common import CONFIG_PATH, VERSION_BASE, checked, emit_result
from jovis.config import to_plain


def infer_from_config(cfg: DictConfig) -> dict[str, Any]:
    """`run_inference` with the keys of ``configs/infer.yaml`` (booleans already strict)."""
    from jovis.inference.runner import run_inference

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
        resample=str(cfg.get("resample", "auto")),
        px_per_deg=cfg.get("px_per_deg"),
    )


def print_summary(result: dict[str, Any]) -> None:
    from rich.console import Console

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


@hydra.main(config_path=CONFIG_PATH, config_name="infer", version_base=VERSION_BASE)
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
