"""The scripts as a user runs them: key=value overrides, last stdout line is one JSON object."""

import json
import subprocess
import sys

from jovis.synth import write_frame_set
from tests.conftest import REPO


def run_script(*args: str) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc, json.loads(proc.stdout.strip().splitlines()[-1])


def test_train_script_then_evaluate_script(tmp_path):
    _, trained = run_script(
        "scripts/train.py", "experiment=tiny", f"out={tmp_path / 'runs'}", "trainer.max_steps=2"
    )
    assert trained["steps"] == 2 and trained["out"].startswith(str(tmp_path / "runs"))
    data = tmp_path / "heldout"
    write_frame_set(data, n=2, size=64, channels=["L", "M"], instrument="jiram", seed=900)
    proc, scores = run_script(
        "scripts/evaluate.py",
        f"ckpt={trained['checkpoint']}",
        f"data={data}",
        f"out={tmp_path / 'eval'}",
        "device=cpu",
    )
    assert "aurora" in proc.stdout and "vortex" in proc.stdout  # the table
    assert 0 <= scores["aurora_iou"] <= 1 and scores["frames"] == 2
    # synthetic frames carry vortex truth and a polar grid
    assert 0 <= scores["vortex_f1"] <= 1 and scores["oval_boundary_units"] == "deg"
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert saved["vortex_iou"] == scores["vortex_iou"]
    assert len(saved["confusion_matrix"]) == 3
