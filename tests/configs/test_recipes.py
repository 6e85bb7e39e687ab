"""Every recipe in configs/experiment/ composes consistently, and each one trains a step."""

import json
import math
import os
import subprocess
import sys

import pytest
from omegaconf import OmegaConf
from tests.conftest import REPO, compose_config

from jovis.config import CONFIG_DIR
from jovis.frame import LabelSchema
from jovis.io.instrument import load_instrument
from jovis.models import ModelSpec
from jovis.synth.params import SynthParams
from jovis.training.losses import build_loss

RECIPES = sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml"))
# what each main case is for: (instrument, hemisphere or None for any)
CASES = {
    "ir_aurora": ("jiram_l", "random"),
    "ir_aurora_cpu": ("jiram_l", "random"),
    "ir_cyclones": ("jiram_m", "random"),
    "ir_cyclones_cpu": ("jiram_m", "random"),
    "ir_north": ("jiram", "north"),
    "ir_south": ("jiram", "south"),
    "visible": ("junocam", "random"),
    "uv": ("uv", "random"),
    "tiny": ("jiram", None),
    "demo": ("jiram", None),
}
SMALLEST_ANTICYCLONE_KM = 600.0  # the renderer's low end (PHYSICS §1 corridor anticyclones)
# overrides that make any recipe one cheap CPU step (frames, batch and workers only)
FAST = ["data.size=64", "data.batch_size=2", "data.num_workers=0", "data.train_frames=4"]
FAST += ["data.val_frames=2", "trainer=cpu", "trainer.progress=false"]


def test_the_main_cases_have_recipes():
    assert set(CASES) <= set(RECIPES), sorted(set(CASES) - set(RECIPES))


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_resolves_with_the_channels_of_its_instrument(recipe, tmp_path):
    text = (CONFIG_DIR / "experiment" / f"{recipe}.yaml").read_text().splitlines()
    assert text[0] == "# @package _global_" and text[1].startswith("# ") and len(text[1]) > 20
    cfg = compose_config("train", [f"experiment={recipe}", f"out={tmp_path}"])
    OmegaConf.resolve(cfg)
    assert cfg.name == recipe  # run folders are named after the recipe
    instrument, hemisphere = CASES.get(recipe, (cfg.instrument.name, None))
    assert cfg.instrument.name == instrument
    channels = load_instrument(instrument)["channels"]
    assert list(cfg.instrument.channels) == list(channels)
    schema = LabelSchema.from_dict(OmegaConf.to_container(cfg.labels))
    spec = ModelSpec.from_config(OmegaConf.to_container(cfg))
    assert spec.num_classes == schema.num_classes and spec.in_channels == len(channels)
    build_loss(OmegaConf.to_container(cfg.loss), schema.num_classes, schema.ignore_index)
    if hemisphere is not None:
        assert cfg.data.hemisphere == hemisphere
    assert cfg.data.kind == "synthetic"
    SynthParams.from_dict(OmegaConf.to_container(cfg.data.params))  # every override is a param
    assert cfg.trainer.max_steps >= 1 and cfg.data.train_frames >= cfg.data.batch_size
    assert "fast_dev_run" not in cfg.trainer  # so that `+trainer.fast_dev_run=true` composes


def test_cyclone_recipes_make_small_anticyclones_several_pixels_wide():
    for recipe in ("ir_cyclones", "ir_cyclones_cpu"):
        cfg = compose_config("train", [f"experiment={recipe}"])
        p = SynthParams.from_dict(OmegaConf.to_container(cfg.data.params))
        km_per_px = 2 * p.max_colatitude * p.polar_radius_km * math.pi / 180 / cfg.data.size
        assert SMALLEST_ANTICYCLONE_KM / km_per_px >= 5, (recipe, km_per_px)


def test_every_recipe_trains_one_step_in_one_multirun(tmp_path):
    """The issue's smoke command, kept to one tiny CPU step per recipe; writes only under out."""
    out, cwd = tmp_path / "runs", tmp_path / "cwd"
    cwd.mkdir()
    cmd = [sys.executable, str(REPO / "scripts" / "train.py"), "-m", "experiment=glob(*)"]
    cmd += ["+trainer.fast_dev_run=true", f"out={out}", *FAST]
    env = {**os.environ, "OMP_NUM_THREADS": "2", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"out"')]
    assert len(results) == len(RECIPES)
    for result in results:
        assert result["steps"] == 1 and os.path.isfile(result["checkpoint"])
    runs = {p.name.rsplit("-", 3)[0]: p for p in out.iterdir() if p.name != "multirun"}
    assert sorted(runs) == RECIPES
    for recipe, run in runs.items():
        assert (run / "model.pt").is_file() and (run / "config.yaml").is_file(), recipe
    assert [p.name for p in (out / "multirun").glob("*/*")] == ["multirun.yaml"]
    assert list(cwd.iterdir()) == []  # nothing in the working directory
