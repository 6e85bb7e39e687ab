"""Collect scripts/gpu_check.sh's steps into OUT/gpu_check.json and OUT/gpu_check.md.

python scripts/gpu_check_report.py OUT DEVICE. Standard library only: it runs on a machine where
the check's own imports failed. A step's figures are the JSON object its command printed last.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

STEPS = ("env", "gpu_tests", "infer", "train", "synth", "scaling")
# the figures of each step's JSON line shown in the table (the JSON keeps them all)
HEADLINE = {
    "env": ("gpu", "torch", "cuda", "python"),
    "infer": ("runner_fps", "naive_fps", "ratio", "runner_gpu_idle_share", "tta_ratio"),
    "train": ("fps", "compute_fps", "data_wait_share", "bf16_speedup", "channels_last_speedup",
              "peak_memory_gib"),
    "synth": ("size", "batch_size", "min_fps", "min_scene_bound_fps", "min_drawn_fps"),
    "scaling": ("infer", "train"),
}  # fmt: skip


def last_json(log: Path) -> dict | None:
    """The last line of `log` that parses as a JSON object."""
    if not log.is_file():
        return None
    for line in reversed(log.read_text(errors="replace").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def tests_summary(log: Path) -> str | None:
    lines = (
        [x for x in log.read_text(errors="replace").splitlines() if x.strip()]
        if log.is_file()
        else []
    )
    return next((x.strip("= ") for x in reversed(lines) if " in " in x), None)


def collect(out: Path, device: str) -> dict:
    rows = []
    tsv = out / "steps.tsv"
    done = [line.split("\t") for line in tsv.read_text().splitlines()] if tsv.is_file() else []
    for step, rc, start, end, limit in done:
        log = out / "logs" / f"{step}.log"
        row = {"step": step, "status": "ok" if rc == "0" else "failed", "exit": int(rc),
               "seconds": round(float(end) - float(start), 1), "limit_s": int(limit),
               "log": str(log)}  # fmt: skip
        if rc == "124":
            row["status"] = "over time limit"
        if step == "gpu_tests":
            row["result"] = tests_summary(log)
        else:
            row["result"] = last_json(log)
        rows.append(row)
    ran = {r["step"] for r in rows}
    planned = out / "steps.planned"  # the script's steps
    steps = planned.read_text().split() if planned.is_file() else STEPS
    rows += [{"step": s, "status": "not run"} for s in steps if s not in ran]
    total = sum(r.get("seconds", 0) for r in rows)
    return {"device": device, "ok": all(r["status"] == "ok" for r in rows),
            "seconds": round(total, 1), "steps": rows}  # fmt: skip


def headline(row: dict) -> str:
    result = row.get("result")
    if isinstance(result, str) or result is None:
        return result or "-"
    keys = HEADLINE.get(row["step"], ())
    if row["step"] == "synth" and "instruments" in result:
        rows = result["instruments"]
        for key in ("fps", "scene_bound_fps", "drawn_fps"):  # the slowest instrument each
            vals = [i[key] for i in rows if i.get(key) is not None]
            result = {**result, f"min_{key}": min(vals) if vals else None}
    return "; ".join(f"{k} {json.dumps(result[k])}" for k in keys if k in result) or "-"


def markdown(report: dict) -> str:
    lines = [f"# GPU check ({report['device']}): {'all ok' if report['ok'] else 'FAILED'}, "
             f"{report['seconds']} s", "", "| step | status | seconds | figures |",
             "| --- | --- | ---: | --- |"]  # fmt: skip
    for r in report["steps"]:
        figures = headline(r).replace("|", "/")
        lines.append(f"| {r['step']} | {r['status']} | {r.get('seconds', '-')} | {figures} |")
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: gpu_check_report.py OUT DEVICE", file=sys.stderr)
        return 2
    out = Path(argv[0])
    report = collect(out, argv[1])
    write(out / "gpu_check.json", json.dumps(report, indent=1) + "\n")
    write(out / "gpu_check.md", markdown(report))
    print(markdown(report))
    print(json.dumps({"out": str(out), "ok": report["ok"], "seconds": report["seconds"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
