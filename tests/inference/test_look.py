"""The composites' look for unprocessed JunoCam frames (`jovis.inference.look`)."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
from omegaconf import OmegaConf

from jovis.data.normalise import DEFAULT_NORMALISATION, normalise_frame
from jovis.evaluation import evaluate
from jovis.frame import Frame
from jovis.inference import run_inference
from jovis.inference.look import (
    LookSettings,
    applies,
    composite_look,
    unprocessed_junocam,
)
from jovis.released import find_release
from jovis.synth import write_frame_set

RGB = ["red", "green", "blue"]


def lit_disk(size: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A disk of small-scale texture under a strong left-to-right illumination gradient."""
    yy, xx = np.mgrid[0:size, 0:size]
    c = (size - 1) / 2
    valid = (yy - c) ** 2 + (xx - c) ** 2 < (0.45 * size) ** 2
    texture = 1.0 + 0.1 * np.random.default_rng(seed).standard_normal((size, size, 3))
    light = np.clip(1.0 - xx / size, 0.02, None)[..., None]
    return (200.0 * texture * light * valid[..., None]).astype(np.float32), valid


def junocam(kind: str, image: np.ndarray, valid: np.ndarray, fmt: str = "junocam") -> Frame:
    meta = {"format": fmt, "product_kind": kind}
    return Frame(image, list(RGB), "junocam", f"JNCE_2022229_44C00037_V01-{kind}.png", meta,
                 None, valid)  # fmt: skip


def test_only_unprocessed_junocam_frames_are_marked():
    image, valid = lit_disk()
    assert unprocessed_junocam(junocam("green", image, valid))
    assert unprocessed_junocam(junocam("raw", image, valid))
    assert unprocessed_junocam(junocam("", image, valid, fmt="pds3"))
    assert unprocessed_junocam(junocam("", image, valid, fmt="isis"))  # a cube's values as stored
    assert not unprocessed_junocam(junocam("mapprojected", image, valid))
    meta = {"format": "junocam", "product_kind": "raw"}
    uv = Frame(image[..., :1], ["uv"], "hst_stis", meta=meta)
    assert not unprocessed_junocam(uv)


@pytest.mark.parametrize(
    ("mode", "kind", "channels", "expected"),
    [
        ("off", "green", RGB, False),
        ("auto", "green", RGB, True),
        ("auto", "mapprojected", RGB, False),
        ("on", "mapprojected", RGB, True),
        ("on", "green", ["uv"], False),  # a detector of other channels is never given the look
    ],
)
def test_when_the_look_applies(mode, kind, channels, expected):
    image, valid = lit_disk()
    looked, why = applies(LookSettings(mode=mode), junocam(kind, image, valid), channels)
    assert looked is expected and why


def test_the_look_flattens_the_illumination_and_keeps_the_texture():
    image, valid = lit_disk()
    frame = junocam("green", image, valid)
    out = composite_look(frame, LookSettings(mode="on", blur=0.05, flatten=1.0, gamma=1.0))
    assert out.image.dtype == np.float32 and out.image.min() >= 0 and out.image.max() <= 1
    assert (out.image[~out.valid] == 0).all()
    assert out.meta["look"]["flatten"] == 1.0 and frame.meta.get("look") is None

    def left_right(f: Frame) -> float:  # the gradient's share, in the network's units
        x = normalise_frame(f, DEFAULT_NORMALISATION)[1]
        half = x.shape[1] // 2
        return float(np.median(x[:, :half][f.valid[:, :half]])
                     - np.median(x[:, half:][f.valid[:, half:]]))  # fmt: skip

    assert left_right(frame) > 0.3
    assert abs(left_right(out)) < 0.3 * left_right(frame)  # flattened
    texture = out.image[..., 1] - cv2.GaussianBlur(out.image[..., 1], (0, 0), 3)
    assert np.std(texture[out.valid]) > 0.02  # the small scales stay


def test_the_night_floor_takes_the_dark_side_out_of_the_data():
    image, valid = lit_disk()
    image[:, 70:] *= 0.01  # a dark night side
    night = LookSettings(mode="on", blur=0.05, night=0.2)
    out = composite_look(junocam("green", image, valid), night)
    assert out.valid.sum() < valid.sum() and not out.valid[:, 80:].any()
    kept = composite_look(junocam("green", image, valid), LookSettings(mode="on", night=0.0))
    assert (kept.valid == valid).all()


def test_settings_errors_name_the_fix_and_the_run_key_changes_only_where_it_can_apply():
    with pytest.raises(ValueError, match=r"look\.mode"):
        LookSettings(mode="sometimes")
    with pytest.raises(ValueError, match="unknown keys"):
        LookSettings.from_value({"mode": "on", "sharpen": 2})
    with pytest.raises(ValueError, match="blur and gamma"):
        LookSettings(gamma=0)
    for key, value in (("gamma", "abc"), ("saturation", -2.0), ("night", math.nan)):
        with pytest.raises(ValueError, match=rf"look\.{key}="):  # a string was a TypeError
            LookSettings.from_value({"mode": "on", key: value})
    assert LookSettings.from_value(None).mode == "off"
    assert LookSettings.from_value({"mode": "auto", "gamma": 0.5}).gamma == 0.5
    assert LookSettings(mode="off").key(RGB) == ""
    assert LookSettings(mode="auto").key(["uv"]) == ""
    on, auto = LookSettings(mode="on").key(RGB), LookSettings(mode="auto").key(RGB)
    assert on.startswith("-lk") and auto.startswith("-lk") and on != auto


def test_infer_gives_a_per_filter_set_the_look_when_asked(tmp_path):
    image, valid = lit_disk(160)
    folder = tmp_path / "frames"
    folder.mkdir()
    stem = "JNCE_2022229_44C00037_V01"
    for c, name in enumerate(RGB):
        grey, alpha = image[..., c].astype(np.uint8), valid.astype(np.uint8) * 255
        cv2.imwrite(str(folder / f"{stem}-{name}.png"), np.dstack([grey, grey, grey, alpha]))
    weights = find_release("visible_rgb").weights
    rows = {}
    for mode in ("off", "auto"):
        run_inference(weights, folder / f"{stem}-green.png", tmp_path / mode, device="cpu",
                      progress=False, look=mode)  # fmt: skip
        lines = (tmp_path / mode / "manifest.jsonl").read_text().splitlines()
        rows[mode] = json.loads(lines[0])
    assert "look" not in rows["off"]
    assert rows["auto"]["look"] is True and "unprocessed" in rows["auto"]["look_reason"]
    assert rows["auto"]["run_key"] != rows["off"]["run_key"]


def test_evaluate_with_the_look_on_synthetic_views(tmp_path):
    data = tmp_path / "set"
    write_frame_set(data, n=2, size=64, channels=list(RGB), instrument="junocam_rgb",
                    seed=5, params={"junocam_product_prob": 0.0})  # fmt: skip
    weights = find_release("visible_rgb").weights
    off = evaluate(weights, data, device="cpu")
    on = evaluate(weights, data, device="cpu", look="on")
    assert (off["look"], off["looked_frames"]) == ("off", 0)
    assert (on["look"], on["looked_frames"]) == ("on", 2)
    assert on["confusion_matrix"] != off["confusion_matrix"]


@pytest.mark.parametrize(("config", "key"), [("infer", "look"), ("evaluate", "look"),
                                             ("benchmark", "real.look")])  # fmt: skip
@pytest.mark.parametrize("mode", ["off", "auto", "on"])
def test_every_mode_passes_the_configs_strict_booleans(config, key, mode):
    """YAML reads a bare ``off`` as false, and the apps then refuse ``look=auto`` as not a
    boolean: the configs must hold the mode as a string."""
    from hydra import compose, initialize
    from tests.conftest import compose_config

    import jovis.apps.evaluate
    import jovis.apps.infer
    from jovis.apps.common import strict_booleans

    # infer and evaluate compose from the config store, as their apps do (importing them stores
    # the config; composed from the folder instead, a stored one of that name breaks the compose)
    stored = {"infer": "infer", "evaluate": jovis.apps.evaluate.CONFIG_NAME}
    assert jovis.apps.infer  # imported for the config it stores

    def composed(overrides: list[str]):
        if config not in stored:
            return compose_config(config, overrides)
        with initialize(version_base="1.3", config_path=None):
            return compose(config_name=stored[config], overrides=overrides)

    defaults = composed([])
    assert OmegaConf.select(defaults, key) == "off"
    cfg = composed([f"{key}={mode}"])
    strict_booleans(cfg, defaults)
    assert LookSettings.from_value(OmegaConf.select(cfg, key)).mode == mode
