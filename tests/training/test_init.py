"""`train init=<model.pt or released name>`: fine-tuning from a parent's weights, its checks,
the frozen encoder, the scaled learning rate and the parent recorded in the new checkpoint."""

import pytest
import torch
from omegaconf import OmegaConf
from tests.conftest import compose_config

from jovis.apps.train import init_shorthand
from jovis.checkpoint import load_checkpoint
from jovis.io.digest import file_sha256 as sha256_of
from jovis.training.fit import train
from jovis.training.init import InitError, encoder_of


def fine_tune(tmp_path, parent, *extra):
    overrides = ["experiment=tiny", f"out={tmp_path}", f"init.model={parent}",
                 "trainer.max_steps=2", *extra]  # fmt: skip
    return train(compose_config("train", overrides))


def test_fine_tune_starts_from_the_parent_and_records_it(tiny_run, tmp_path):
    parent = tiny_run["checkpoint"]
    result = fine_tune(tmp_path, parent, "init.freeze_encoder_steps=5", "init.lr_scale=0.5")
    assert (
        result["parent"]["sha256"] == sha256_of(parent) and result["parent"]["reset_layers"] == []
    )
    net, info = load_checkpoint(result["checkpoint"])
    assert info.extra["parent"]["path"] == parent
    old, _ = load_checkpoint(parent)
    enc_new, enc_old = encoder_of(net).state_dict(), encoder_of(old).state_dict()
    weights = [k for k, v in enc_old.items() if v.dtype.is_floating_point and "running" not in k]
    assert all(torch.equal(enc_new[k], enc_old[k]) for k in weights if "weight" in k)  # frozen
    changed = [k for k, v in old.state_dict().items() if not torch.equal(v, net.state_dict()[k])]
    assert any(not k.startswith("encoder") for k in changed)  # the decoder trained
    saved = OmegaConf.load(f"{result['out']}/config.yaml")
    assert saved.optim.lr == pytest.approx(2e-3 * 0.5)


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("labels=fine", "classes"),
        ("instrument=uv", "channels"),
        ("model=unet_resnet18_small", "model=unet_mobilenet_v3_small"),
    ],
)
def test_a_parent_that_does_not_fit_is_refused_before_any_work(tiny_run, tmp_path, override, words):
    with pytest.raises(InitError, match=words):
        fine_tune(tmp_path / "runs", tiny_run["checkpoint"], override)
    assert not (tmp_path / "runs").exists()


def test_reset_head_takes_a_new_schema(tiny_run, tmp_path):
    result = fine_tune(tmp_path, tiny_run["checkpoint"], "labels=fine", "init.reset_head=true",
                       "trainer.max_steps=1")  # fmt: skip
    reset = result["parent"]["reset_layers"]
    assert reset and all(k.startswith("head") or "head" in k or "classifier" in k for k in reset)


def test_init_word_is_init_model():
    assert init_shorthand(["init=uv", "init.lr_scale=0.2", "x=1"]) == [
        "init.model=uv", "init.lr_scale=0.2", "x=1"]  # fmt: skip
