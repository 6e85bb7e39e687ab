"""One precision vocabulary with infer's, and one ModelSpec from a config to a checkpoint."""

import logging

import pytest
from omegaconf import OmegaConf
from tests.conftest import compose_config

from jovis.models import ModelSpec
from jovis.training.config import lightning_precision, precision_name


def test_precision_names_are_infers_and_lightnings_are_deprecated_aliases(caplog):
    assert [lightning_precision("auto", d) for d in ("cpu", "cuda")] == ["32-true", "bf16-mixed"]
    assert [lightning_precision(p, "cuda") for p in ("fp32", "bf16", "fp16")] == [
        "32-true", "bf16-mixed", "16-mixed",
    ]  # fmt: skip
    with caplog.at_level(logging.WARNING):
        assert precision_name("bf16-mixed") == "bf16"
    assert "trainer.precision=bf16-mixed is deprecated; write trainer.precision=bf16" in caplog.text
    with pytest.raises(ValueError, match="valid choices: auto, fp32, bf16, fp16, bf16-true"):
        precision_name("half")
    assert compose_config("train", ["trainer=gpu"]).trainer.precision == "bf16"


def test_model_spec_from_a_config_round_trips_through_its_dict():
    cfg = OmegaConf.to_container(compose_config("train", ["experiment=tiny"]), resolve=True)
    spec = ModelSpec.from_config(cfg)
    assert spec == ModelSpec("unet", "mobilenet_v3_small", 2, 3, spec.decoder_width,
                             spec.encoder_width)  # fmt: skip
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match=r"unknown \['depth'\]"):
        ModelSpec.from_dict({**spec.to_dict(), "depth": 5})
    cfg["model"]["encoder"] = "resnet9000"
    with pytest.raises(ValueError, match="valid choices"):
        ModelSpec.from_config(cfg)
