"""A self-contained ``report.html`` for one inference run: counts, a contact sheet, failures;
and `model=auto`'s index of the detectors it ran (``write_index``).

The page needs nothing but the run's output folder: inline CSS, no scripts, no network URLs, and
every image or file referenced by a path relative to that folder, so it can be moved or zipped.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jovis.geometry.resample import CROP_FRAMINGS
from jovis.inference.manifest import recorded_output
from jovis.io.atomic import write_text
from jovis.text import printable

REPORT_NAME = "report.html"
LINKED_FILES = ("catalog.csv", "oval_profile.csv", "manifest.jsonl", "config.yaml")

_CSS = """
:root{color-scheme:light dark;--bg:#f7f7f8;--fg:#1d1d1f;--muted:#5f6368;--card:#fff;
--line:#d4d4d8;--bad:#b3261e;--link:#0b57d0}
@media (prefers-color-scheme:dark){:root{--bg:#141619;--fg:#e8e8ea;--muted:#a0a4aa;
--card:#1e2125;--line:#34383e;--bad:#f28b82;--link:#8ab4f8}}
body{margin:0 auto;max-width:1600px;padding:1rem 1.5rem 3rem;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}h1{margin:.2rem 0 .6rem;font-size:1.5rem}
h2{margin:1.8rem 0 .6rem;font-size:1.15rem}
.counts{display:flex;flex-wrap:wrap;gap:1.4rem;list-style:none;padding:0;margin:0 0 .8rem}
.counts b{font-size:1.3rem}.muted{color:var(--muted)}.bad{color:var(--bad)}
table{border-collapse:collapse;font-size:.9rem}th,td{padding:.15rem .8rem .15rem 0;text-align:left;
border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600;color:var(--muted)}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:.8rem}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;
overflow:hidden}
figure img{display:block;width:100%;height:auto;background:#000}
figcaption{padding:.35rem .55rem;font-size:.85rem}figcaption b{overflow-wrap:anywhere}
.missing{padding:2rem .5rem;text-align:center}
.failures{padding-left:1.2rem}.failures li{margin:.5rem 0}
code{overflow-wrap:anywhere}pre{margin:.2rem 0;white-space:pre-wrap;overflow-wrap:anywhere}
"""


def write_report(
    out: str | Path,
    rows: list[dict],
    *,
    title: str = "jovis inference",
    summary: dict | None = None,
) -> Path:
    """Write ``out/report.html`` (atomically) for a run's manifest records; returns its path.

    Parameters
    ----------
    out : folder of the run (where ``overlays/``, ``manifest.jsonl``, ... live).
    rows : manifest records, one per input (``id``, ``source``, ``status``, ``error``,
        ``vortices``, ``aurora_fraction``, ``outputs``); any status but ``"ok"`` counts as failed.
    title : page heading.
    summary : run figures (e.g. ``frames_per_s``, ``device``, ``checkpoint``); scalar values are
        shown in a table, lists and dicts are left out.
    """
    out = Path(out)
    if not all(isinstance(r, Mapping) for r in rows):
        raise ValueError("rows must be manifest records (dicts), e.g. from manifest.jsonl")
    ok = [r for r in rows if r.get("status") == "ok"]
    failed = [r for r in rows if r.get("status") != "ok"]
    vortices = sum(int(r.get("vortices") or 0) for r in ok)
    seen = (summary or {}).get("classes_seen")  # None: every class (a report of old rows)
    shows = {c: seen is None or c in seen for c in ("vortex", "aurora")}
    head = [_summary_table(summary), _file_links(out), _profile_chart(out)]
    body = [
        f'<section id="frames"><h2>Frames ({len(ok)})</h2>',
        '<div class="sheet">' + "".join(_card(out, r, shows) for r in ok) + "</div>"
        if ok
        else '<p class="muted">No frame was processed successfully.</p>',
        "</section>",
    ]
    counts = _counts(len(ok), len(failed), vortices if shows["vortex"] else None)
    return write_text(out / REPORT_NAME, _page(title, counts, head, body, failed))


def write_index(
    out: str | Path,
    runs: list[tuple[str, list[dict], list[str] | None]],
    unassigned: list[dict],
    *,
    title: str = "jovis inference (model=auto)",
) -> Path:
    """Write ``out/report.html`` for a `model=auto` run: one row per detector it ran (frames ok,
    failed, vortices, why it was picked, a link to its own report in ``out/<release>/``), then
    every failure, the frames no detector took (`unassigned`) among them; returns its path.

    `runs`: (the detector's folder name under `out`, its manifest records, the classes it can
    mark or None when not known: a detector that marks no vortex gets no vortex count). A frame
    given to no detector is only here: each detector's report lists the frames it was given.
    """
    out = Path(out)
    ok = sum(r.get("status") == "ok" for _, rows, _ in runs for r in rows)
    failed = [{**r, "detector": name} for name, rows, _ in runs for r in rows
              if r.get("status") != "ok"]  # fmt: skip
    failed += [{**r, "detector": None} for r in unassigned]
    marking = [rows for _, rows, seen in runs if seen is None or "vortex" in seen]
    vortices = sum(int(r.get("vortices") or 0) for rows in marking for r in rows
                   if r.get("status") == "ok")  # fmt: skip
    table = "".join(_index_row(out, *run, vortex_column=bool(marking)) for run in runs)
    column = "<th>vortices</th>" if marking else ""
    head = f"<tr><th>detector</th><th>ok</th><th>failed</th>{column}<th>picked</th></tr>"
    body = [
        f'<section id="detectors"><h2>Detectors ({len(runs)})</h2>',
        f'<table class="detectors">{head}{table}</table>'
        if runs
        else '<p class="muted">No frame found a detector.</p>',
        "</section>",
    ]
    counts = _counts(ok, len(failed), vortices if marking else None)
    return write_text(out / REPORT_NAME, _page(title, counts, [], body, failed))


def _counts(ok: int, failed: int, vortices: int | None) -> list[str]:
    """The header's counts (vortices only for a detector that marks them)."""
    bad = ' class="bad"' if failed else ""
    items = [f'<li><b data-count="ok">{ok}</b> ok</li>',
             f'<li><b data-count="failed"{bad}>{failed}</b> failed</li>']  # fmt: skip
    if vortices is not None:
        items.append(f'<li><b data-count="vortices">{vortices}</b> vortices</li>')
    return items


def _page(title: str, counts: list[str], head: list[str | None], body: list[str | None],
          failed: list[Mapping[str, Any]]) -> str:  # fmt: skip
    """A whole page: the title and counts, `head` below them, the `body` sections, then the
    failures."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        '<ul class="counts">',
        *counts,
        "</ul>",
        *head,
        "</header>",
        "<main>",
        *body,
        f'<section id="failures"><h2>Failures ({len(failed)})</h2>',
        _failures(failed),
        "</section>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(p for p in parts if p is not None)


def _index_row(
    out: Path, name: str, rows: list[dict], seen: list[str] | None, *, vortex_column: bool
) -> str:
    """A detector's line of the index: its counts and a link to its report (when written)."""
    ok = [r for r in rows if r.get("status") == "ok"]
    failed = len(rows) - len(ok)
    marks = seen is None or "vortex" in seen
    vortices = sum(int(r.get("vortices") or 0) for r in ok) if marks else "—"
    vortex_cell = f"<td>{vortices}</td>" if vortex_column else ""
    reasons = sorted({str(r["model_reason"]) for r in rows if r.get("model_reason")})
    link = f"{name}/{REPORT_NAME}"
    named = (f'<a href="{_e(_url(link))}">{_e(name)}</a>' if (out / link).is_file()
             else _e(name))  # fmt: skip
    cls = ' class="bad"' if failed else ""
    return (f"<tr><td>{named}</td><td>{len(ok)}</td><td{cls}>{failed}</td>{vortex_cell}"
            f"<td>{_e('; '.join(reasons) or '—')}</td></tr>")  # fmt: skip


def _e(value: Any) -> str:
    """HTML-escaped text; bytes of a non-UTF-8 file name (lone surrogates) shown as \\xNN."""
    return html.escape(printable(value), quote=True)


def _url(path: str) -> str:
    """A relative URL; a non-UTF-8 file name's bytes are percent-encoded as they are on disk."""
    return quote(path, errors="surrogateescape")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _summary_table(summary: Mapping[str, Any] | None) -> str | None:
    if not summary:
        return None
    items = [
        (k, v) for k, v in summary.items() if v is None or isinstance(v, (str, int, float, Path))
    ]
    if not items:
        return None
    body = "".join(
        f"<tr><th>{_e(k)}</th><td><code>{_e(_fmt(v))}</code></td></tr>" for k, v in items
    )
    return f'<table class="summary">{body}</table>'


def _file_links(out: Path) -> str | None:
    links = [f'<a href="{_e(_url(n))}">{_e(n)}</a>' for n in LINKED_FILES if (out / n).is_file()]
    return f'<p class="muted">Files: {" · ".join(links)}</p>' if links else None


def _profile_chart(out: Path) -> str | None:
    """The run's chart of the oval along longitude (``oval_profile.png``), when it wrote one."""
    name = "oval_profile.png"
    size = _png_size(out / name)
    if size is None:
        return None
    src = _e(_url(name))
    return (
        f'<p><a href="{src}"><img src="{src}" alt="the oval along longitude" '
        f'width="{size[0]}" height="{size[1]}" style="max-width:100%;height:auto"></a></p>'
    )


def _card(out: Path, row: Mapping[str, Any], shows: Mapping[str, bool] | None = None) -> str:
    """One frame's overlay and caption: its vortex count and aurora share, each only when the
    detector can see that class (`shows`), and the frame's warnings."""
    shows = shows or {"vortex": True, "aurora": True}
    frame_id = str(row.get("id") or Path(str(row.get("source", "?"))).stem)
    recorded = (row.get("outputs") or {}).get("overlay")
    rel, exists = _relative(out, recorded, f"overlays/{frame_id}.png")
    n = row.get("vortices")
    figures = []
    if shows["vortex"]:
        figures.append("—" if n is None else f"{n} {'vortex' if n == 1 else 'vortices'}")
        if row.get("vortices_not_kept"):  # as the overlay's legend says it
            figures[-1] += f" (+{int(row['vortices_not_kept'])} not kept)"
    if shows["aurora"]:
        figures.append(f"aurora {_percent(row.get('aurora_fraction'))}")
    caption = (
        f"<figcaption><b>{_e(frame_id)}</b><br>"
        f'<span class="muted">{" · ".join(figures)}</span>'
        f"{_altitude_warning(row)}{_framing_warning(row)}{_scale_warning(row)}"
        f"{_location_warning(row)}</figcaption>"
    )
    if not exists:
        missing = f'<div class="missing bad">overlay missing: <code>{_e(rel)}</code></div>'
        return f"<figure>{missing}{caption}</figure>"
    src = _e(_url(rel))
    size = _png_size(out / rel)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    img = f'<img src="{src}" alt="overlay of {_e(frame_id)}"{dims} loading="lazy" decoding="async">'
    return f'<figure><a href="{src}">{img}</a>{caption}</figure>'


def _altitude_warning(row: Mapping[str, Any]) -> str:
    """A product taken from outside the altitudes of the model's training views (the manifest's
    ``altitude_in_training_views`` False): its vortices are sizes the model never saw."""
    if row.get("altitude_in_training_views") is not False:
        return ""
    altitude = _fmt(row.get("altitude_km"))
    return (f'<br><span class="bad" data-warning="altitude">taken from {altitude} km, '
            "outside the model's training views</span>")  # fmt: skip


def _framing_warning(row: Mapping[str, Any]) -> str:
    """A frame without a grid given to a model of whole-disk views that is not one (the
    manifest's ``whole_disk_view`` False): far from square (zoomed to the views' side, its
    features shrank), or a crop (no sky round the planet, or the disk cut by the frame's
    edges: its features stayed too large)."""
    if row.get("whole_disk_view") is not False:
        return ""
    framing = row.get("view_framing")
    if framing in CROP_FRAMINGS:
        return ('<br><span class="bad" data-warning="framing">not a whole-disk view '
                f"({_e(framing)}): give limb_radius_px=</span>")  # fmt: skip
    return ('<br><span class="bad" data-warning="framing">not a whole-disk view: '
            "declare its map= (or give px_per_deg=)</span>")  # fmt: skip


def _location_warning(row: Mapping[str, Any]) -> str:
    """A frame that could have been located but was not (the manifest's ``located`` saying
    why, e.g. a JunoCam product without its metadata): pixel positions only, no lat/lon."""
    located = str(row.get("located") or "")
    if not located.startswith("not located"):
        return ""
    reason = located.removeprefix("not located").lstrip(": ")
    return f'<br><span class="bad" data-warning="location">no lat/lon: {_e(reason)}</span>'


def _scale_warning(row: Mapping[str, Any]) -> str:
    """A frame without a grid or a plate scale given to a model of polar frames (the manifest's
    ``plate_scale_known`` False): fed at its own pixel scale, which the model may not know."""
    if row.get("plate_scale_known") is not False:
        return ""
    return ('<br><span class="bad" data-warning="scale">plate scale unknown: '
            "declare its map= or give px_per_deg=</span>")  # fmt: skip


def _relative(out: Path, recorded: str | None, default: str) -> tuple[str, bool]:
    """A POSIX path relative to `out` for a frame's output (`recorded_output`) and whether the
    file is there."""
    root = out.resolve()
    path = recorded_output(out, recorded, default)
    if path is None:
        return default, False
    try:
        return Path(os.path.relpath(path.resolve(), root)).as_posix(), True
    except ValueError:  # another drive (Windows)
        return path.resolve().as_uri(), True


def _percent(fraction: Any) -> str:
    if fraction is None:
        return "—"
    pct = 100.0 * float(fraction)
    return "&lt;0.1 %" if 0 < pct < 0.1 else f"{pct:.1f} %"


def _given_to(row: Mapping[str, Any]) -> str:
    if "detector" not in row:
        return ""
    to = f"given to {row['detector']}" if row["detector"] else "given to no detector"
    return f' <span class="muted">({_e(to)})</span>'


def _png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk, so the grid keeps its layout while loading."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _failures(failed: list[Mapping[str, Any]]) -> str:
    """The failed inputs with their errors; on an index (rows with ``detector``), which
    detector each was given to, or that none took it."""
    if not failed:
        return '<p class="muted">None: every input was processed.</p>'
    items = "".join(
        f"<li><code>{_e(r.get('source', '?'))}</code>{_given_to(r)}"
        f'<pre class="bad">{_e(r.get("error") or "no error recorded")}</pre></li>'
        for r in failed
    )
    return f'<ol class="failures">{items}</ol>'
