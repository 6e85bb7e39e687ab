"""A built wheel, installed into a fresh venv, runs from an empty folder outside the checkout.

The venv sees the running interpreter's packages (torch, ...) through a .pth file, so nothing is
downloaded; jovis itself must come from the wheel, configs included.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from tests.conftest import REPO

from jovis.paths import data_dir

pytestmark = pytest.mark.slow


def sh(*args, cwd: Path, env: dict | None = None) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def build_wheel(tmp: Path) -> Path:
    """`pip wheel` of a copy of the checkout (the build leaves nothing in the real one)."""
    tree = tmp / "tree"
    for name in ("pyproject.toml", "README.md", "configs"):
        shutil.copytree(REPO / name, tree / name) if name == "configs" else (
            tree.mkdir(exist_ok=True), shutil.copy2(REPO / name, tree / name))  # fmt: skip
    shutil.copytree(REPO / "src", tree / "src", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))  # fmt: skip
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    sh(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp / "dist",
       tree, cwd=tmp)  # fmt: skip
    (wheel,) = (tmp / "dist").glob("jovis-*.whl")
    return wheel


def fresh_venv(tmp: Path, wheel: Path) -> Path:
    """A venv holding only the wheel; the running interpreter's site-packages via a .pth."""
    venv = tmp / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    paths = {"base": str(venv), "platbase": str(venv)}
    site = Path(sysconfig.get_path("purelib", vars=paths))
    outer = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "outer_env.pth").write_text("".join(f"{p}\n" for p in sorted(outer)))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    python = Path(sysconfig.get_path("scripts", vars=paths)) / "python"
    sh(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp)
    return Path(sysconfig.get_path("scripts", vars=paths))


def test_wheel_install_runs_synth_train_infer_evaluate_from_an_empty_folder(tmp_path):
    bin_dir = fresh_venv(tmp_path, build_wheel(tmp_path))
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OMP_NUM_THREADS"] = "1"
    env["JOVIS_DATA"] = str(data_dir())  # the footprint table the synthetic frames draw from

    where = sh(bin_dir / "python", "-c", "import jovis, jovis.config as c; "
               "print(jovis.__file__); print(c.CONFIG_DIR)", cwd=work, env=env)  # fmt: skip
    module, configs = (Path(line) for line in where.split())
    assert module.is_relative_to(tmp_path / "venv") and configs.is_relative_to(tmp_path / "venv")
    assert (configs / "experiment" / "tiny.yaml").is_file()

    def jovis(*args: str) -> dict:
        return json.loads(sh(bin_dir / "jovis", *args, cwd=work, env=env).splitlines()[-1])

    synth = jovis("synth", "out=held", "n=2", "size=64", "seed=900")
    assert synth["n"] == 2 and (work / "held" / "manifest.jsonl").is_file()
    trained = jovis("train", "experiment=tiny", "out=runs", "trainer.max_steps=1")
    assert trained["steps"] == 1 and (work / trained["checkpoint"]).is_file()
    inferred = jovis("infer", f"ckpt={trained['checkpoint']}", "input=held", "out=pred",
                     "num_workers=0", "progress=false")  # fmt: skip
    assert inferred["ok"] == 2 and inferred["failed"] == 0
    scores = jovis("evaluate", f"ckpt={trained['checkpoint']}", "data=held", "out=ev")
    assert scores["frames"] == 2 and (work / "ev" / "metrics.json").is_file()
    assert sorted(p.name for p in work.iterdir()) == ["ev", "held", "pred", "runs"]
