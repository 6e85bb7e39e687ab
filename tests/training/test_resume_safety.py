"""resume= reads its checkpoint weights-only, a refused resume leaves the run folder as it was,
a killed run resumed logs every step once, and bad settings fail before any folder exists."""

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import torch
from tests.conftest import REPO, compose_config

from jovis.checkpoint import CheckpointError
from jovis.training.fit import train


class Payload:
    """Unpickling this runs code: it creates the folder `marker`."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def fake_run(root: Path, last: bytes | None = None, payload: Path | None = None) -> Path:
    """A run folder as train leaves it: config.yaml, logs/metrics.csv, checkpoints/last.ckpt."""
    run = root / "tiny-run"
    (run / "logs").mkdir(parents=True)
    (run / "checkpoints").mkdir()
    (run / "config.yaml").write_text("name: tiny\n")
    (run / "logs" / "metrics.csv").write_text("step,train/loss\n0,1.5\n1,1.2\n")
    ckpt = run / "checkpoints" / "last.ckpt"
    if payload is not None:
        torch.save({"state_dict": {}, "global_step": 2, "loops": Payload(str(payload))}, ckpt)
    else:
        ckpt.write_bytes(last or b"")
    return run


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def resume(run: Path, out: Path, *extra: str) -> dict:
    return train(
        compose_config("train", ["experiment=tiny", f"out={out}", f"resume={run}", *extra])
    )


def test_a_crafted_last_ckpt_is_refused_and_the_run_folder_is_left_as_it_was(tmp_path):
    marker = tmp_path / "marker"
    run = fake_run(tmp_path / "runs", payload=marker)
    ckpt = run / "checkpoints" / "last.ckpt"
    torch.load(ckpt, weights_only=False)  # the payload is real: it runs here
    assert marker.is_dir()
    marker.rmdir()
    before = snapshot(run)
    with pytest.raises(CheckpointError, match=rf"{ckpt}: refused: .*mkdir.*could run") as err:
        resume(run, tmp_path / "runs")
    assert "\n" not in str(err.value) and "resume=" in str(err.value)
    assert not marker.exists()
    assert snapshot(run) == before  # config.yaml and logs/metrics.csv untouched


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", r"empty file \(0 bytes"), (os.urandom(3000), r"not a PyTorch checkpoint")],
)
def test_an_unreadable_last_ckpt_gets_one_line(tmp_path, content, expected):
    run = fake_run(tmp_path / "runs", last=content)
    before = snapshot(run)
    with pytest.raises(CheckpointError, match=expected) as err:
        resume(run, tmp_path / "runs")
    message = str(err.value)
    assert "\n" not in message and "last.ckpt" in message and "drop resume=" in message
    assert "mmap" not in message and "weights_only" not in message
    assert snapshot(run) == before


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("data.batch_size=0", r"data\.batch_size=0: must be an integer ≥ 1"),
        ("data.size=-64", r"data\.size=-64: must be an integer ≥ 32"),
        ("data.num_workers=-1", r"data\.num_workers=-1: must be an integer ≥ 0"),
        ("trainer.log_every_n_steps=0", r"trainer\.log_every_n_steps=0"),
        ("device=cuda", r"device=cuda but trainer\.accelerator=cpu"),
        ("trainer.precision=fp8", r"trainer\.precision='fp8'; valid choices: auto, fp32, bf16"),
        # these three made the run's folder first (torch's "Invalid learning rate", a float
        # conversion, the renderer's params once the trainer had started)
        ("optim.lr=-1", r"optim\.lr=-1: must be a number > 0"),
        ("optim.lr=abc", r"optim\.lr='abc': must be a number > 0"),
        ("+data.params.vortex_label_min_cnr=abc", r"vortex_label_min_cnr='abc' must be a number"),
        ("init.model=no-such-model", r"^init=no-such-model: no released detector"),  # said model=
    ],
)
def test_bad_settings_fail_before_any_folder_naming_the_key(tmp_path, override, expected):
    out = tmp_path / "runs"
    with pytest.raises(ValueError, match=expected):
        train(compose_config("train", ["experiment=tiny", f"out={out}", override]))
    assert not out.exists()


KILLED = ["experiment=tiny", "trainer.max_steps=12", "trainer.log_every_n_steps=1",
          "checkpoint.every_n_steps=2", "trainer.loggers=[csv,tensorboard]"]  # fmt: skip


def _rows(run: Path) -> list[dict]:
    path = run / "logs" / "metrics.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _loss_steps(rows: list[dict]) -> list[int]:
    return [int(r["step"]) for r in rows if r.get("train/loss")]


@pytest.mark.slow  # one training process killed, then resumed: ~1 min on a busy 2-core machine
def test_kill_9_then_resume_logs_every_step_exactly_once(tmp_path):
    out = tmp_path / "runs"
    cmd = [sys.executable, str(REPO / "scripts" / "train.py"), f"out={out}", *KILLED]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and proc.poll() is None:
            runs = list(out.glob("tiny-*"))
            if runs and max(_loss_steps(_rows(runs[0])), default=-1) >= 6:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    (run,) = out.glob("tiny-*")
    killed_at = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    assert 6 <= killed_at < 12
    result = resume(run, out, *KILLED[1:])
    assert result["steps"] == 12
    rows = _rows(run)
    assert sorted(_loss_steps(rows)) == list(range(12))  # every step once, none lost
    val_steps = Counter(int(r["step"]) for r in rows if r.get("val/mean_iou"))
    assert sorted(val_steps) == [1, 3, 5, 7, 9, 11] and set(val_steps.values()) == {1}
    events = list((run / "logs").glob("events.out.tfevents.*"))
    assert len(events) == 2  # TensorBoard: the killed run's file kept, the resumed run's added


def test_ctrl_c_names_the_run_folder_to_resume_and_the_resume_goes_on(tmp_path, monkeypatch):
    """Lightning answers Ctrl-C with a graceful stop and exit status 1 (SystemExit), so the
    user learnt neither that it was an interruption nor which folder to resume: now a
    KeyboardInterrupt naming `resume=<run folder>`, which `jovis train` prints as one line."""
    from jovis.training.callbacks import LastCheckpoint

    save = LastCheckpoint.on_train_batch_end

    def interrupt_at_step_3(self, trainer, *args):
        save(self, trainer, *args)
        if trainer.global_step == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(LastCheckpoint, "on_train_batch_end", interrupt_at_step_3)
    cfg = compose_config("train", ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=6",
                                   "checkpoint.every_n_steps=1"])  # fmt: skip
    with pytest.raises(KeyboardInterrupt, match=r"give resume=(\S+) to go on") as stop:
        train(cfg)
    run = Path(str(stop.value).split("resume=")[1].split()[0])
    assert (run / "checkpoints" / "last.ckpt").is_file()
    monkeypatch.setattr(LastCheckpoint, "on_train_batch_end", save)
    resumed = train(compose_config("train", ["experiment=tiny", f"out={tmp_path}",
                                             "trainer.max_steps=6", f"resume={run}"]))  # fmt: skip
    assert resumed["out"] == str(run) and resumed["steps"] == 6
