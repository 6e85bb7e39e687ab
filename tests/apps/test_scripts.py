"""The commands as a user types them: `jovis <verb>` (python -m jovis) and scripts/<verb>.py.

key=value overrides, a user's own recipe folder (--config-dir), -m multiruns; the last stdout
line is one JSON object.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from tests.conftest import REPO

from jovis.io.masks import read_mask_png
from jovis.synth import write_frame_set

TINY = (REPO / "configs" / "experiment" / "tiny.yaml").read_text()


def run(*args: str, cwd: Path = REPO, ok: bool = True) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    if not ok:
        return proc, {}
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """`jovis train` of a recipe kept in the user's own folder (tiny, renamed, 2 steps)."""
    tmp = tmp_path_factory.mktemp("scripts")
    recipes = tmp / "recipes" / "experiment"
    recipes.mkdir(parents=True)
    (recipes / "mine.yaml").write_text(TINY.replace("name: tiny", "name: mine"))
    args = ["-m", "jovis", "train", "--config-dir", str(tmp / "recipes"), "experiment=mine"]
    proc, result = run(*args, f"out={tmp / 'runs'}", "trainer.max_steps=2")
    data = tmp / "heldout"
    write_frame_set(data, n=2, size=64, channels=["L", "M"], instrument="jiram", seed=900)
    return {"tmp": tmp, "data": data, "printed": proc.stdout + proc.stderr, **result}


def test_train_runs_a_recipe_from_the_users_config_dir(trained):
    # Lightning's lines once (not also as "INFO: ..."), and none of its notes to itself
    assert trained["printed"].count("GPU available:") == 1
    assert "litlogger" not in trained["printed"] and "LeafSpec" not in trained["printed"]
    assert trained["steps"] == 2 and trained["out"].startswith(str(trained["tmp"] / "runs"))
    run_dir = Path(trained["out"])
    assert run_dir.name.startswith("mine-")
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["name"] == "mine"


def test_evaluate_script_takes_data_dir_and_reports_the_saved_confusion_matrix(trained):
    out = trained["tmp"] / "eval"
    proc, _ = run("scripts/evaluate.py", f"ckpt={trained['checkpoint']}", f"data={trained['data']}",
                  f"out={out}", "batch_size=abc", ok=False)  # fmt: skip
    assert proc.returncode != 0 and "batch_size='abc': must be an integer ≥ 1" in proc.stderr
    assert not out.exists()  # (was int()'s "invalid literal", naming no key)
    proc, scores = run(
        "scripts/evaluate.py", f"ckpt={trained['checkpoint']}", f"data={trained['data']}",
        f"out={out}", "device=cpu",
    )  # fmt: skip
    assert "aurora" in proc.stdout and "vortex" in proc.stdout  # the table
    assert scores["frames"] == 2 and scores["oval_boundary_units"] == "deg"
    saved = json.loads((out / "metrics.json").read_text())
    cm = np.array(saved["confusion_matrix"], dtype=np.int64)  # rows: truth, columns: prediction
    masks = [read_mask_png(p) for p in sorted((trained["data"] / "masks").glob("*.png"))]
    truth = np.bincount(np.concatenate([m[m != 255].ravel() for m in masks]), minlength=3)
    assert cm.shape == (3, 3) and cm.sum(axis=1).tolist() == truth.tolist()  # every labelled px
    for cls, name in ((1, "aurora"), (2, "vortex")):
        union = cm[cls].sum() + cm[:, cls].sum() - cm[cls, cls]
        expected = cm[cls, cls] / union if union else None
        assert scores[f"{name}_iou"] == pytest.approx(expected)
        assert saved[f"{name}_iou"] == scores[f"{name}_iou"]


def test_infer_tta_no_means_off_and_maybe_is_refused_before_any_output(trained):
    out = trained["tmp"] / "infer"
    common = ["-m", "jovis", "infer", f"ckpt={trained['checkpoint']}", f"input={trained['data']}"]
    _, result = run(*common, f"out={out}", "tta=no", "num_workers=0", "progress=NO")
    assert result["ok"] == 2 and result["failed"] == 0
    settings = yaml.safe_load((out / "config.yaml").read_text())
    assert settings["tta"] is False and settings["hydra_config"]["tta"] is False
    assert settings["hydra_config"]["progress"] is False
    proc, _ = run(*common, f"out={out}-bad", "tta=maybe", ok=False)
    assert proc.returncode == 1 and "jovis infer: tta='maybe' is not a boolean" in proc.stderr
    assert "Traceback" not in proc.stderr  # the reason in one line, not a stack
    assert not Path(f"{out}-bad").exists()


def test_synth_multirun_through_jovis(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    proc, _ = run("-m", "jovis", "synth", "-m", f"out={a},{b}", "n=1", "size=64",
                  "seed=5", cwd=tmp_path, ok=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    for out in (a, b):
        rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
        assert [r["seed"] for r in rows] == [5]
    last = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["out"] for r in last) == sorted([str(a), str(b)])
    assert not (tmp_path / "multirun").exists()  # (under the default out=, outputs/synth)


def test_a_multirun_over_settings_gives_each_job_its_own_folder_in_out(tmp_path):
    """``-m seed=5,6 out=X``: both jobs wrote into X, the second replacing the first's set
    (``infer -m model=uv-v5,uv-v6`` kept uv-v6's masks alone); each is now in X/seed=5, X/seed=6."""
    out = tmp_path / "sets"
    proc, _ = run("-m", "jovis", "synth", "-m", "seed=5,6", f"out={out}", "n=1", "size=64",
                  cwd=tmp_path, ok=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    for seed in (5, 6):
        manifest = out / f"seed={seed}" / "manifest.jsonl"
        assert [json.loads(line)["seed"] for line in manifest.read_text().splitlines()] == [seed]
    # Hydra's multirun.yaml goes under out=, not into the working folder
    assert not (tmp_path / "multirun").exists()
    assert [p.name for p in out.glob("multirun/*/*")] == ["multirun.yaml"]
