"""jovis models: the released detectors shipped in the package, with their cards' key figures.

    jovis models            (or python scripts/models.py)

A table for people, then one JSON line: {"models": [{tag, name, version, instrument, size_mb,
check_metric, check_score, real_frames, view_altitude_km, path}, ...],
"auto": {instrument: name}} (`real_frames`: the card's key real-frame figures).
``view_altitude_km``: the altitudes of a release's perspective training views (null: none);
model=auto gives a JunoCam product the newest version whose views cover its altitude.
"""

from __future__ import annotations

import sys
from typing import Any

from jovis.apps import wide_tables
from jovis.apps.common import emit_result

TAKES_SETTINGS = False  # no Hydra config: it only lists what the package holds


def listing() -> dict[str, Any]:
    """Every shipped release with its card's key figures, and what model=auto picks."""
    from jovis.released import AUTO, NAMES, releases

    rows = []
    for rel in releases():
        card = rel.card
        rows.append({
            "tag": rel.tag, "name": rel.name, "version": rel.version,
            "instrument": card["instrument"], "size_mb": card["size_mb"],
            "check_metric": card["check"]["metric"], "check_score": card["check"]["score"],
            "real_frames": _real_summary(card["real_frames"]),
            "view_altitude_km": rel.view_altitude_km, "path": str(rel.weights),
        })  # fmt: skip
    shipped = {r["name"] for r in rows}
    return {"models": rows, "auto": AUTO, "not_released": sorted(set(NAMES) - shipped)}


# the real-frame figures a listing shows, with the table's short names (the card holds them all)
KEY_REAL_FIGURES = {
    "aurora_iou": "IoU", "aurora_bright_recall": "recall bright", "aurora_faint_recall": "faint",
    "oval_boundary_mean": "boundary°", "vortex_recall": "recall", "vortex_precision": "precision",
    "vortex_f1": "F1", "frames": "frames",
}  # fmt: skip


def _real_summary(real: Any) -> str:
    """The card's key real-frame figures as one line, "name value, ..." (full names)."""
    if not isinstance(real, dict):
        return str(real)
    shown = {k.removeprefix("ref_"): v for k, v in real.items()
             if k.startswith("ref_") and isinstance(v, int | float)}  # fmt: skip
    return ", ".join(f"{k} {shown[k]:.3g}" for k in KEY_REAL_FIGURES if k in shown)


def _short_names(summary: str) -> str:
    """`_real_summary`'s line with the table's short names."""
    for name, short in KEY_REAL_FIGURES.items():
        summary = summary.replace(f"{name} ", f"{short} ")
    return summary


REAL_CAPTION = (
    "real frames: as measured when each was released, on that day's reference labels; "
    "today's: make real-eval CKPT=<its path>"
)


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    # the cards' real-frame scores were measured at each release, on the reference labels and
    # the rules of that day (visible_rgb-v7's card: F1 0.27; make real-eval today: 0.328)
    table = Table(title="jovis released detectors (model=NAME; a bare name = newest version)",
                  caption=REAL_CAPTION)  # fmt: skip
    table.add_column("model", no_wrap=True)  # the tag must show whole
    for col in ("instrument", "MB", "check", "views from (km)", "real frames (card, at release)"):
        table.add_column(col)
    for r in result["models"]:
        span = r["view_altitude_km"]
        views = "—" if span is None else f"{span[0]:,.0f}–{span[1]:,.0f}"
        table.add_row(r["tag"], r["instrument"], f"{r['size_mb']:.1f}",
                      f"{r['check_metric']} {r['check_score']:.3f}", views,
                      _short_names(r["real_frames"]))  # fmt: skip
    console = Console(stderr=False)
    console.print(table)
    if result["not_released"]:
        console.print(f"not released yet: {', '.join(result['not_released'])}", highlight=False)


def main() -> None:
    if len(sys.argv) > 1:
        print(f"jovis models takes no settings, got {' '.join(sys.argv[1:])}", file=sys.stderr)
        sys.exit(2)
    wide_tables()  # (python scripts/models.py comes here without `jovis`)
    result = listing()
    print_table(result)
    emit_result(result)


if __name__ == "__main__":
    main()
