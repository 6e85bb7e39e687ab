"""UV realism report: synthetic UV frames vs the real HST STIS frames (issue 3).

    python scripts/realism.py out=DIR [n=8] [size=null] [real=FOLDER] [device=cpu]

Prints the comparison table, then one JSON line:
{"out", "passes", "p50_kr_ratio", "p90_kr_ratio", "p99_kr_ratio", "oval_fwhm_deg_ratio", ...}.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

from jovis.cli import emit_result
from jovis.realism.report import report_from_config


@hydra.main(config_path="../configs", config_name="realism", version_base="1.3")
def main(cfg: DictConfig) -> None:
    summary = report_from_config(cfg)
    table = Table(title="UV realism: synthetic vs HST STIS (medians over frames)")
    for col in ("metric", "real", "synthetic", "synthetic/real", "floor", "result"):
        table.add_column(col)
    for row in summary["table"]:
        cells = [f"{row[k]:.4g}" if row[k] is not None else "-" for k in ("real", "synthetic")]
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.3g}"
        verdict = {True: "[green]pass[/green]", False: "[red]FAIL[/red]"}.get(row.get("pass"), "-")
        table.add_row(row["metric"], *cells, ratio, row.get("floor", "-"), verdict)
    Console().print(table)
    result = {"out": cfg.out, "passes": summary["passes"]}
    result.update({f"{r['metric']}_ratio": r["ratio"] for r in summary["table"]})
    result["synthetic_fwhm_vs_truth"] = summary["synthetic_fwhm_vs_truth"]
    emit_result(result)


if __name__ == "__main__":
    main()
