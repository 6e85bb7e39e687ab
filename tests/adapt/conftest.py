"""A tiny checkpoint (experiment=tiny) and a folder of 64-px synthetic frames without labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from jovis.config import CONFIG_DIR
from tests.conftest import compose_config


@pytest.fixture(scope="session")
def tiny_ckpt(tmp_path_factory) -> str:
    from jovis.training.fit import train

    out = tmp_path_factory.mktemp("adapt_runs")
    return train(compose_config("train", ["experiment=tiny", f"out={out}"]))["checkpoint"]


@pytest.fixture(scope="session")
def frames_dir(tmp_path_factory) -> Path:
    """Five unlabelled frames as `jovis synth` writes them (images/ only is what adapt reads)."""
    from jovis.apps.synth import synth_from_config

    out = tmp_path_factory.mktemp("adapt_frames")
    synth_from_config(compose_config("synth", [f"out={out}", "n=5", "size=64", "hemisphere=north"]))
    return out / "images"


def adapt_cfg(ckpt: str, data: Path, out: Path, *overrides: str):
    """The real configs/adapt.yaml (as the app loads it) with a few small-run settings."""
    small = ["steps=2", "batch_size=2", "guard.every=1", "save_every=1", "guard.synthetic_frames=2",
             "teacher.threshold=0.4", "teacher.tta=false", "teacher.refresh_every=1"]  # fmt: skip
    cfg = OmegaConf.load(CONFIG_DIR / "adapt.yaml")
    for key in ("defaults", "hydra"):
        cfg.pop(key)
    given = [f"ckpt={ckpt}", f"data={data}", f"out={out}", *small, *overrides]
    return OmegaConf.merge(cfg, OmegaConf.from_dotlist(given))
