"""scripts/gpu_train_timed.sh: its CPU dry run trains the jobs side by side, the visible one in
two stages, and brings each run folder back as one archive; an unknown job stops it first."""

import os
import subprocess
import sys
import tarfile

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "gpu_train_timed.sh"


@pytest.mark.slow
def test_cpu_dry_run_trains_the_jobs_side_by_side_and_archives_each_run(tmp_path):
    out, work = tmp_path / "out", tmp_path / "work"
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1", "DEVICE": "cpu",
           "SIZE": "32", "BATCH": "2", "STEPS_UV": "2", "STEPS_VIS": "5",
           "STEPS_JIRAM": "2", "DEADLINE": "500", "JOBS": "uv_s1 vis jiram_l",
           "OUT": str(out), "WORK": str(work)}  # fmt: skip
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "uv 2, visible 4 + 1" in proc.stdout  # the stages split the visible steps 4:1
    archives = sorted(p.name.split("-")[0] for p in out.glob("gpu_*.tgz"))
    assert archives == ["gpu_jiram_l", "gpu_uv_s1", "gpu_vis_stage1", "gpu_vis_stage2"]
    for archive in out.glob("gpu_*.tgz"):
        with tarfile.open(archive) as tar:
            names = tar.getnames()
        assert any(n.endswith("/model.pt") for n in names), names
        assert not any(n.endswith(".ckpt") for n in names)  # finished runs leave them behind
    stage2 = next(work.glob("runs/gpu_vis_stage2-*"))
    config = (stage2 / "config.yaml").read_text()
    assert "gpu_vis_stage1-" in config and "max_steps: 1" in config  # started from stage 1
    with tarfile.open(out / "logs.tgz") as tar:
        assert "logs/plan.txt" in tar.getnames()


def test_an_unknown_job_stops_the_script_before_any_run(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "DEVICE": "cpu", "JOBS": "uv_s0 nope",
           "OUT": str(tmp_path / "out"), "WORK": str(tmp_path / "work")}  # fmt: skip
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip
    assert proc.returncode == 2 and "unknown job nope" in proc.stdout
    assert not (tmp_path / "work" / "runs").exists()
