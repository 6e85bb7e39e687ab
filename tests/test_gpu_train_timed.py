"""scripts/gpu_train_timed.sh (make gpu-release): its CPU dry run trains the jobs side by side,
the visible one in two stages, and brings each run folder back as one archive; a failed job does
not stop the others; an unknown job stops it first."""

import os
import stat
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
    assert "scene_workers: 1" in config  # the scenes drawn by a loader process, as on the GPU
    with tarfile.open(out / "logs.tgz") as tar:
        assert "logs/plan.txt" in tar.getnames()
    jobs = [line.split("\t") for line in (out / "jobs.tsv").read_text().splitlines()]
    assert [(j[0], j[1]) for j in jobs] == [("uv_s1", "0"), ("vis", "0"), ("jiram_l", "0")]
    assert all('"steps"' in j[3] for j in jobs)  # each job's JSON line, vis its stage 2's


def test_make_gpu_release_keeps_training_the_other_jobs_when_one_fails(tmp_path):
    fake = tmp_path / "python"  # the real interpreter, except that the uv recipe fails
    fake.write_text(f'#!/bin/bash\nfor a in "$@"; do [[ $a == experiment=release/uv ]] && '
                    f'{{ echo "boom"; exit 3; }}; done\nexec {sys.executable} "$@"\n')  # fmt: skip
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    out, work = tmp_path / "out", tmp_path / "work"
    env = {**os.environ, "PYTHON": str(fake), "OMP_NUM_THREADS": "1", "SIZE": "32",
           "WORK": str(work)}  # fmt: skip
    proc = subprocess.run(["make", "-s", "gpu-release", "DEVICE=cpu", f"OUT={out}",
                           "JOBS=uv jiram_l_s3"], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=env)  # fmt: skip
    assert proc.returncode != 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "!! uv failed (exit 3" in proc.stdout
    jobs = {j.split("\t")[0]: j.split("\t")[1] for j in (out / "jobs.tsv").read_text().splitlines()}
    assert jobs == {"uv": "3", "jiram_l_s3": "0"}
    run = next(work.glob("runs/gpu_jiram_l_s3-*"))
    assert (run / "model.pt").is_file() and "\nseed: 3\n" in (run / "config.yaml").read_text()
    assert [p.name.split("-")[0] for p in out.glob("*.tgz") if p.name != "logs.tgz"] == [
        "gpu_jiram_l_s3"
    ]


def test_an_unknown_job_stops_the_script_before_any_run(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "DEVICE": "cpu", "JOBS": "uv_s0 vis_s2",
           "OUT": str(tmp_path / "out"), "WORK": str(tmp_path / "work")}  # fmt: skip
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip
    assert proc.returncode == 2 and "unknown job vis_s2" in proc.stdout
    assert not (tmp_path / "work" / "runs").exists()


def test_a_run_due_after_the_deadline_is_not_started(tmp_path):
    """`timeout 0` would never stop a run: one whose start is past DEADLINE is skipped (124)."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHON": sys.executable, "DEVICE": "cpu", "JOBS": "uv jiram_m",
           "DEADLINE": "0", "OUT": str(out), "WORK": str(tmp_path / "work")}  # fmt: skip
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    jobs = [line.split("\t")[:2] for line in (out / "jobs.tsv").read_text().splitlines()]
    assert jobs == [["uv", "124"], ["jiram_m", "124"]]
    assert not (tmp_path / "work" / "runs").exists()


def test_the_deadline_leaves_time_to_archive_within_the_devices_call_limit(tmp_path):
    """A lease call lasts at most CALL_LIMIT seconds and returns only what is under OUT by then:
    the runs stop ARCHIVE_S before it (BUDGET + 120 is capped), and a DEADLINE past that is
    refused before anything runs."""
    base = {**os.environ, "PYTHON": sys.executable, "DEVICE": "cpu", "JOBS": "jiram_m",
            "OMP_NUM_THREADS": "1", "OUT": str(tmp_path / "out")}  # fmt: skip
    late = {**base, "DEADLINE": "580", "WORK": str(tmp_path / "w1")}
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                          timeout=60, env=late)  # fmt: skip
    assert proc.returncode == 2 and "leaves no time to archive" in proc.stdout
    capped = {**base, "BUDGET": "520", "CALL_LIMIT": "50", "WORK": str(tmp_path / "w2")}
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=capped)  # fmt: skip
    assert "stopped at 5s" in proc.stdout and "warning: BUDGET=520s" in proc.stdout
    assert proc.returncode == 1  # the run was stopped at 5 s (124), and the script went on
    assert (tmp_path / "out" / "jobs.tsv").read_text().split("\t")[1] == "124"


def test_a_run_stopped_at_the_deadline_brings_its_last_checkpoint_only(tmp_path):
    """The device brings back files of 16 MiB at most: a stopped run's archive holds last.ckpt
    (to resume from) and its logs, not best.ckpt too (both passed the limit on a lease)."""
    fake = tmp_path / "python"  # a training run that writes its checkpoints, then outlives DEADLINE
    fake.write_text(
        "#!/bin/bash\n"
        "if [[ $1 == scripts/train.py ]]; then\n"
        '  for a in "$@"; do [[ $a == out=* ]] && runs=${a#out=}; done\n'
        '  run="$runs/gpu_jiram_m-1"; mkdir -p "$run/checkpoints" "$run/logs"\n'
        '  touch "$run/checkpoints/"{last,best}.ckpt "$run/logs/metrics.csv"\n'
        "  exec sleep 60\n"
        "fi\n"
        f'exec {sys.executable} "$@"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHON": str(fake), "DEVICE": "cpu", "JOBS": "jiram_m",
           "DEADLINE": "3", "OUT": str(out), "WORK": str(tmp_path / "work")}  # fmt: skip
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (out / "jobs.tsv").read_text().split("\t")[:2] == ["jiram_m", "124"]
    with tarfile.open(out / "gpu_jiram_m-1.tgz") as tar:
        names = sorted(tar.getnames())
    assert "gpu_jiram_m-1/checkpoints/last.ckpt" in names
    assert "gpu_jiram_m-1/logs/metrics.csv" in names
    assert not any(n.endswith("best.ckpt") for n in names), names
