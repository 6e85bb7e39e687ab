"""write_frame_set on disk, the Hydra config and scripts/synth.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from jovis.apps.synth import synth_from_config
from jovis.config import CONFIG_DIR
from jovis.io.atomic import leftover_temporaries
from jovis.io.masks import read_mask_png
from jovis.synth import make_sample, write_frame_set

REPO = CONFIG_DIR.parent


def test_write_frame_set_round_trips(tmp_path):
    out = tmp_path / "set"
    result = write_frame_set(out, 3, 64, ["L", "M"], "jiram", "north", seed=10, split="val")
    assert result["out"] == str(out) and result["n"] == 3 and result["frames_per_s"] > 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [r["seed"] for r in rows] == [10, 11, 12]
    assert [r["id"] for r in rows] == ["synth-0000010", "synth-0000011", "synth-0000012"]
    for row in rows:
        assert row["split"] == "val" and row["hemisphere"] == "north"
        assert row["instrument"] == "jiram" and row["channels"] == ["L", "M"]
        frame, labels = make_sample(row["seed"], 64, ["L", "M"], "jiram", "north")
        assert np.array_equal(np.load(out / row["image"]), frame.image)
        assert np.array_equal(read_mask_png(out / row["mask"]), labels.mask)
        assert json.loads((out / row["features"]).read_text()) == labels.features
        assert row["grid"] == frame.meta["grid"]
    assert (out / "montage.png").stat().st_size > 0
    assert leftover_temporaries(out) == []


def test_write_frame_set_validates(tmp_path):
    with pytest.raises(ValueError, match="n must"):
        write_frame_set(tmp_path, 0, 64, ["L"], "jiram_l")
    with pytest.raises(ValueError, match="size must"):
        write_frame_set(tmp_path, 1, 8, ["L"], "jiram_l")


def test_compose_real_config(tmp_path):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            config_name="synth",
            overrides=[
                f"out={tmp_path}",
                "n=2",
                "size=64",
                "instrument=jiram_l",
                "hemisphere=south",
                "seed=7",
                "split=test",
            ],
        )
    assert list(cfg.instrument.channels) == ["L"]
    result = synth_from_config(cfg)
    assert result["instrument"] == "jiram_l" and result["n"] == 2
    rows = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert [(r["seed"], r["hemisphere"], r["split"]) for r in rows] == [
        (7, "south", "test"),
        (8, "south", "test"),
    ]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        bad = compose(config_name="synth", overrides=[f"out={tmp_path}", "size=16"])
    with pytest.raises(ValueError, match="size"):
        synth_from_config(bad)


def test_script_subprocess(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, "scripts/synth.py", f"out={out}", "n=2", "size=64"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["out"] == str(out) and last["n"] == 2
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 2
    assert Path(out, "montage.png").exists()
