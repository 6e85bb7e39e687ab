"""scripts/gpu_check.sh: its CPU dry run (every step at tiny sizes) and its stop at a failure."""

import json
import os
import stat
import subprocess
import sys

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "gpu_check.sh"


def run_check(out, python=sys.executable, **env):
    return subprocess.run(
        ["bash", str(SCRIPT), "--cpu-dry-run", str(out)], cwd=REPO, capture_output=True,
        text=True, timeout=900, env={**os.environ, "PYTHON": str(python), "OMP_NUM_THREADS": "1",
                                     **env},
    )  # fmt: skip


@pytest.mark.slow
def test_cpu_dry_run_runs_every_step_and_writes_json_and_table(tmp_path):
    proc = run_check(tmp_path / "out")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "gpu_check.json").read_text())
    assert report["ok"] and report["device"] == "cpu"
    steps = {s["step"]: s for s in report["steps"]}
    assert list(steps) == ["env", "gpu_tests", "infer", "train", "synth", "scaling"]
    assert all(s["status"] == "ok" and s["seconds"] > 0 for s in steps.values())
    assert steps["env"]["result"]["cuda_available"] in (True, False)
    assert "skipped" in steps["gpu_tests"]["result"] or "passed" in steps["gpu_tests"]["result"]
    assert steps["infer"]["result"]["runner_fps"] > 0 and steps["infer"]["result"]["size"] == 64
    assert steps["train"]["result"]["fps"] > 0
    assert steps["synth"]["result"]["size"] == 64
    assert steps["synth"]["result"]["instruments"][0]["scene_ms"] > 0
    assert "64-b4" in steps["scaling"]["result"]["infer"]
    for suite in ("infer", "train", "synth", "scaling"):
        assert (tmp_path / "out" / suite / f"{suite}.json").is_file()
    table = (tmp_path / "out" / "gpu_check.md").read_text()
    assert "| infer | ok |" in table and "runner_fps" in table
    assert "min_scene_bound_fps" in table  # the CPU scene draw's ceiling on any device


def test_a_failing_step_stops_the_check_and_keeps_what_was_measured(tmp_path):
    fake = tmp_path / "python"  # the real interpreter, except that suite=infer fails
    fake.write_text(f'#!/bin/bash\nfor a in "$@"; do [[ $a == suite=infer ]] && '
                    f'{{ echo "boom"; exit 3; }}; done\nexec {sys.executable} "$@"\n')  # fmt: skip
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    proc = run_check(tmp_path / "out", python=fake, GPU_CHECK_TESTS="tests/test_gpu.py")
    assert proc.returncode == 1 and "infer failed (exit 3" in proc.stdout
    report = json.loads((tmp_path / "out" / "gpu_check.json").read_text())
    status = {s["step"]: s["status"] for s in report["steps"]}
    assert status == {"env": "ok", "gpu_tests": "ok", "infer": "failed", "train": "not run",
                      "synth": "not run", "scaling": "not run"}  # fmt: skip
    assert (
        not report["ok"] and "| infer | failed |" in (tmp_path / "out" / "gpu_check.md").read_text()
    )
    assert (tmp_path / "out" / "logs" / "infer.log").read_text().strip() == "boom"


def test_the_report_is_written_after_every_step(tmp_path):
    """A device call cut off mid-check brings back only what is under OUT by then: the report of
    the steps before must already be there when a later step runs."""
    out = tmp_path / "out"
    fake = tmp_path / "python"  # suite=train shows the report as it stands, then fails
    fake.write_text(f'#!/bin/bash\nfor a in "$@"; do [[ $a == suite=train ]] && '
                    f'{{ cat "{out}/gpu_check.json"; exit 3; }}; done\n'
                    f'exec {sys.executable} "$@"\n')  # fmt: skip
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    proc = run_check(out, python=fake, GPU_CHECK_TESTS="tests/test_gpu.py")
    assert proc.returncode == 1 and "train failed (exit 3" in proc.stdout
    seen_by_train = json.loads((out / "logs" / "train.log").read_text())
    status = {s["step"]: s["status"] for s in seen_by_train["steps"]}
    assert status == {"env": "ok", "gpu_tests": "ok", "infer": "ok", "train": "not run",
                      "synth": "not run", "scaling": "not run"}  # fmt: skip
    assert not seen_by_train["ok"]
