"""jovis realism: UV realism report, synthetic UV frames vs the real HST STIS frames (issue 3).

    python scripts/realism.py out=DIR [n=8] [size=null] [real=FOLDER] [device=cpu]

Prints the comparison table, then one JSON line:
{"out", "passes", "p50_kr_ratio", "p90_kr_ratio", "p99_kr_ratio", "oval_fwhm_deg_ratio", ...}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from jovis.apps.common import CONFIG_PATH, checked, emit_result, jovis_app
from jovis.config import check_at_least, to_plain
from jovis.paths import real_data_dir

HST_FOLDER = "hst_stis_north_2016-05-21"  # under the real-data folder: `real: null`


def default_real() -> Path:
    return real_data_dir() / HST_FOLDER


def report_from_config(cfg: Any) -> dict[str, Any]:
    """`realism_report` from ``configs/realism.yaml`` keys.

    ``size: null`` renders the synthetic frames at the real frames' pixel scale: side =
    round(2 · max_colatitude · px_per_deg of the first real frame's grid).
    """
    from jovis.devices import resolve_device
    from jovis.realism.report import load_real_frames, realism_report, render_synthetic_frames
    from jovis.synth.params import SynthParams

    n = check_at_least("n", cfg.n, 1, "synthetic frames the realism report renders")
    seed = check_at_least("seed", cfg.seed, 0, "the first synthetic frame's seed")
    lat_range = tuple(cfg.lat_range)
    if len(lat_range) != 2:
        raise ValueError(f"lat_range={list(lat_range)} must be [low, high] in degrees")
    for value in lat_range:
        check_at_least("lat_range", value, 0, "|latitude| band, degrees", integer=False)
    lat_range = tuple(float(v) for v in lat_range)
    params = to_plain(cfg.params) if cfg.get("params") else None
    max_colat = SynthParams.from_dict(params).max_colatitude
    size = cfg.get("size")
    if size is not None:  # checked before the real frames are read
        check_at_least("size", size, 64, "synthetic frame side, px; null: the real frames' scale")
    real_folder = cfg.real or default_real()
    left_out: list[dict[str, str]] = []
    real = load_real_frames(real_folder, left_out)
    if size is None:  # the real frames' plate scale
        size = round(2 * max_colat * real[0].grid.px_per_deg)
    device = resolve_device(str(cfg.get("device", "cpu")))
    synthetic = render_synthetic_frames(range(seed, seed + n), size, params, device)
    settings = {
        "real": str(real_folder), "n": n, "seed": seed, "size": size, "device": device,
        "params": params or {}, "px_per_deg_real": real[0].grid.px_per_deg,
        "px_per_deg_synthetic": synthetic[0].grid.px_per_deg, "real_left_out": left_out,
    }  # fmt: skip
    return realism_report(cfg.out, real, synthetic, lat_range, settings)


def print_table(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="UV realism: synthetic vs HST STIS (medians over frames)")
    for col in ("metric", "real", "synthetic", "synthetic/real", "floor", "result"):
        table.add_column(col)
    for row in summary["table"]:
        cells = [f"{row[k]:.4g}" if row[k] is not None else "-" for k in ("real", "synthetic")]
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.3g}"
        verdict = {True: "[green]pass[/green]", False: "[red]FAIL[/red]"}.get(row.get("pass"), "-")
        table.add_row(row["metric"], *cells, ratio, row.get("floor", "-"), verdict)
    Console().print(table)


@jovis_app("realism", "realism", CONFIG_PATH)
def main(cfg: DictConfig) -> None:
    summary = report_from_config(checked(cfg))
    print_table(summary)
    result = {"out": cfg.out, "passes": summary["passes"]}
    result.update({f"{r['metric']}_ratio": r["ratio"] for r in summary["table"]})
    result["synthetic_fwhm_vs_truth"] = summary["synthetic_fwhm_vs_truth"]
    emit_result(result)


if __name__ == "__main__":
    main()
