"""Benchmarks: python scripts/benchmark.py suite=io [files=DIR] [out=DIR]."""

from pathlib import Path

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

from jovis.cli import emit_result
from jovis.io.atomic import write_json

SUITES = ("io",)


@hydra.main(config_path="../configs", config_name="benchmark", version_base="1.3")
def main(cfg: DictConfig) -> None:
    if cfg.suite not in SUITES:
        raise SystemExit(f"suite={cfg.suite!r}; valid choices: {', '.join(SUITES)}")
    from jovis.benchmarks.io import run_io

    result = run_io(cfg.files, int(cfg.repeats))
    table = Table(title=f"read_frame, median of {result['repeats']} reads")
    for col in ("file", "instrument", "shape", "seconds"):
        table.add_column(col)
    for row in result["reads"]:
        table.add_row(
            row["file"],
            row.get("instrument", "-"),
            str(row.get("shape", "-")),
            str(row.get("median_s", row["error"])),
        )
    Console().print(table)
    out = Path(cfg.out)
    write_json(out / f"{cfg.suite}.json", result)
    result["out"] = str(out)
    result.pop("reads")
    emit_result(result)


if __name__ == "__main__":
    main()
