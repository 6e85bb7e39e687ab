"""`jovis labels import|export` as typed: the action word, key=value settings, the JSON line."""

import json
import subprocess
import sys

import pytest
from hydra import compose, initialize
from tests.annotations.conftest import fake_predictions
from tests.conftest import REPO

from jovis.apps.labels import CONFIG_NAME, labels_from_config
from jovis.data.datasets import read_manifest
from jovis.synth import write_frame_set


def test_export_then_import_through_the_command(tmp_path):
    frames = tmp_path / "frames"
    write_frame_set(frames, n=1, size=64, channels=["uv"], instrument="uv", hemisphere="north")
    pred = fake_predictions(frames, tmp_path / "pred")
    with initialize(version_base="1.3", config_path=None):
        cfg = compose(CONFIG_NAME, [f"predictions={pred}", "action=export", "formats=[geojson]"])
    exported = labels_from_config(cfg)
    assert exported["geojson"] == 1 and (pred / "labels").is_dir()
    proc = subprocess.run(
        [sys.executable, "scripts/labels.py", "import", f"annotations={pred / 'labels'}",
         f"frames={frames}", "unlabelled=ignore", "classes={storm: vortex}"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["out"] == str(frames / "labelled") and result["frames"] == 1
    (row,) = read_manifest(frames / "labelled")
    assert (frames / "labelled" / row["image"]).resolve() == (
        frames / "images" / f"{row['id']}.npy"
    )


def test_a_wrong_action_names_the_choices():
    with initialize(version_base="1.3", config_path=None):
        cfg = compose(CONFIG_NAME, ["action=convert"])
    with pytest.raises(ValueError, match="import, export"):
        labels_from_config(cfg)


def test_a_misspelt_action_word_is_named_with_the_nearest():
    """`jovis labels improt ...` got Hydra's "Error parsing override 'improt' missing EQUAL"."""
    proc = subprocess.run([sys.executable, "-m", "jovis", "labels", "improt", "annotations=a",
                           "frames=f"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("jovis labels: unknown action 'improt' (did you mean import?)")
