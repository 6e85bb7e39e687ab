"""Every configs/model/*.yaml composes, builds for 1, 4 and 5 channels, and trains."""

import pytest
import torch
import torchvision
from omegaconf import OmegaConf
from tests.conftest import compose_config

from jovis.config import CONFIG_DIR
from jovis.frame import LabelSchema
from jovis.models import build_model

ZOO = sorted(p.stem for p in (CONFIG_DIR / "model").glob("*.yaml"))


def _build(name: str, in_channels: int) -> torch.nn.Module:
    cfg = compose_config("train", [f"model={name}"])
    assert cfg.model.in_channels is None  # the instrument decides
    schema = LabelSchema.from_dict(OmegaConf.to_container(cfg.labels, resolve=True))
    return build_model(
        cfg.model.arch,
        cfg.model.encoder,
        in_channels,
        schema.num_classes,
        decoder_width=float(cfg.model.decoder_width),
        encoder_width=float(cfg.model.encoder_width),
        weights=cfg.model.weights,
    )


def test_the_zoo_is_all_there():
    expected = {
        "unet_resnet18",
        "unet_resnet34",
        "unet_mobilenet_v3_large",
        "unet_efficientnet_b0",
        "unet_convnext_tiny",
        "deeplabv3_resnet50",
        "lraspp_mobilenet_v3_large",
    }
    assert expected <= set(ZOO)


@pytest.mark.parametrize("in_channels", [1, 4, 5])
@pytest.mark.parametrize("name", ZOO)
def test_every_model_config_builds_and_gives_logits(name, in_channels):
    torch.manual_seed(0)
    model = _build(name, in_channels).eval()
    with torch.no_grad():
        logits = model(torch.randn(1, in_channels, 64, 64))
    assert isinstance(logits, torch.Tensor)  # torchvision's {'out': …} unwrapped
    assert logits.shape == (1, 3, 64, 64)
    assert torch.isfinite(logits).all()
    assert model.input_multiple in (8, 16, 32)


@pytest.mark.parametrize("name", ZOO)
def test_every_model_config_trains(name):
    torch.manual_seed(0)
    model = _build(name, 5).train()
    x, target = torch.randn(2, 5, 64, 64), torch.randint(0, 3, (2, 64, 64))
    torch.nn.functional.cross_entropy(model(x), target).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert missing == []


@pytest.mark.parametrize(
    ("arch", "encoder"), [("deeplabv3", "resnet50"), ("lraspp", "mobilenet_v3_large")]
)
def test_torchvision_heads_take_any_size_and_crop_back(arch, encoder):
    model = build_model(arch, encoder, 2, 3).eval()
    x = torch.randn(1, 2, 45, 70)  # not a multiple of the output stride
    with torch.no_grad():
        logits = model(x)
        padded = model(torch.nn.functional.pad(x, (0, 2, 0, 3)))  # 48 × 72: padded by hand
    assert logits.shape == (1, 3, 45, 70)
    # The network pads to its multiple itself, with zeros at the bottom and right.
    torch.testing.assert_close(logits, padded[..., :45, :70])


def test_deeplabv3_training_batch_of_one_names_the_fix():
    model = build_model("deeplabv3", "resnet50", 1, 3).train()
    with pytest.raises(ValueError, match=r"data.batch_size ≥ 2"):
        model(torch.randn(1, 1, 64, 64))
    model.eval()
    assert model(torch.randn(1, 1, 64, 64)).shape == (1, 3, 64, 64)  # inference is fine


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["model=lraspp_mobilenet_v3_large", "model.decoder_width=0.5"],
            "decoder_width=0.5 has no meaning for arch=lraspp",
        ),
        (
            ["model=deeplabv3_resnet50", "model.encoder=resnet18"],
            "arch=deeplabv3 takes encoder=resnet50",
        ),
        (["model=deeplabv3_resnet50", "model.weights=WEIGHTS"], "does not fit the resnet50"),
    ],
)
def test_a_bad_model_config_fails_before_any_work(overrides, message, tmp_path):
    from jovis.training.fit import train

    weights = tmp_path / "resnet18.pt"  # a real state dict, of the wrong backbone
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), weights)
    out = tmp_path / "runs"
    overrides = [o.replace("WEIGHTS", str(weights)) for o in overrides]
    cfg = compose_config("train", ["experiment=tiny", f"out={out}", *overrides])
    with pytest.raises(ValueError, match=message):
        train(cfg)
    assert not out.exists() or list(out.iterdir()) == []  # no run folder was made
