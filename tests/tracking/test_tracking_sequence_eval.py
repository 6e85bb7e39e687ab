"""Issue 15: `evaluate` on a synthetic sequence also infers, tracks and scores the tracks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tests.conftest import REPO

from jovis.tracking.sequence_eval import wants_tracking


def test_evaluate_on_a_sequence_reports_tracking_scores(seq, tmp_path):
    out = tmp_path / "eval"
    proc = subprocess.run(
        [sys.executable, "scripts/evaluate.py", "model=jiram_m", f"data={seq}", f"out={out}",
         "device=cpu"], cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    scores = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 0.0 <= scores["track_idf1"] <= 1.0 and scores["track_tracks"] >= 1
    assert isinstance(scores["track_id_switches_polar"], int)
    assert (out / "track" / "tracks.csv").is_file() and (out / "infer").is_dir()
    assert "tracking: IDF1" in proc.stdout


def test_track_setting_is_checked(seq, tmp_path):
    assert wants_tracking("auto", seq) and not wants_tracking("false", seq)
    assert not wants_tracking("auto", tmp_path)  # a plain frame set is not tracked
    with pytest.raises(ValueError, match="not a synthetic sequence"):
        wants_tracking("true", tmp_path)
    with pytest.raises(ValueError, match="track=auto"):
        wants_tracking("maybe", seq)
