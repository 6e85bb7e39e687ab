"""Shared fixtures: the real configs, composed with outputs under tmp_path."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

from jovis.checkpoint import load_checkpoint
from jovis.config import CONFIG_DIR, to_plain
from jovis.data.datamodule import build_datasets
from jovis.paths import real_data_dir
from jovis.scoring import confusion_matrix, per_class_scores

REPO = Path(__file__).resolve().parents[1]


def load_script(name: str):
    """``scripts/<name>.py`` imported as a module (scripts are not a package), for tests that call
    its functions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REAL_DATA = real_data_dir()


def write_junocam_products(folder: Path, altitudes: dict[str, str]) -> Path:
    """`folder` holding a JunoCam-named colour product (a disk of noise, 160 px) with a
    ``-metadata.json`` for each {product code: SPACECRAFT_ALTITUDE} ("44C00037": "5000.0 <km>")."""
    import json

    import cv2
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:160, 0:160]
    disk = ((yy - 80) ** 2 + (xx - 80) ** 2 < 70**2)[..., None]
    image = (np.random.default_rng(0).integers(60, 200, (160, 160, 3)) * disk).astype(np.uint8)
    for product, altitude in altitudes.items():
        stem = f"JNCE_2022229_{product}_V01"
        cv2.imwrite(str(folder / f"{stem}-mapprojected.png"), image)
        meta = {"PRODUCT_ID": stem, "SPACECRAFT_ALTITUDE": altitude}
        (folder / f"{stem}-metadata.json").write_text(json.dumps(meta))
    return folder


# `make test` runs two pytest-xdist workers on CI's two cores: one torch thread each, so the
# workers do not fight over the cores (alone, a run uses both).
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else 2)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (none visible)")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory):
    """`infer backend=auto` exports ONNX graphs on a CPU: into a session folder, never ~/.cache
    (set in os.environ, so the scripts the tests start inherit it)."""

    from jovis.inference.backends import CACHE_ENV

    folder = tmp_path_factory.mktemp("jovis-cache")
    old = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    yield folder
    if old is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = old


def compose_config(name: str, overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name=name, overrides=overrides)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> dict:
    """One tiny training run shared by the round-trip tests (a few seconds on 2 cores)."""
    from jovis.training.fit import train

    out = tmp_path_factory.mktemp("runs")
    cfg = compose_config("train", ["experiment=tiny", f"out={out}"])
    return train(cfg)


def validation_scores(ckpt: str, cfg) -> dict[str, float]:
    """Single-process scores of a checkpoint on the whole validation set of `cfg` (a
    composed train config): what its model.pt's `val_scores` should say."""
    model, info = load_checkpoint(ckpt)
    _, val = build_datasets(
        to_plain(cfg.data), info.channels, info.instrument, info.normalisation, int(cfg.seed)
    )
    n = info.labels.num_classes
    cm = torch.zeros(n, n, dtype=torch.int64)
    with torch.no_grad():
        for i in range(len(val)):
            sample = val[i]
            pred = model(sample["image"][None]).argmax(1)[0]
            cm += confusion_matrix(pred, sample["mask"], n, info.labels.ignore_index)
    return per_class_scores(cm, info.labels.names)


def meridian_steps(piece: list) -> list[float]:
    """|Δlon| of the segments of a GeoJSON line or ring ``[lon, lat]``, leaving out the pole's
    edge of the map (both ends at latitude ±90°): none over 180° once cut at 0°/360°."""
    return [abs(a[0] - b[0]) for a, b in itertools.pairwise(piece)
            if abs(a[1]) != 90 or abs(b[1]) != 90]  # fmt: skip
