import pytest
import torch

from jovis.models import ENCODERS, build_model, check_model_args


@pytest.mark.parametrize("encoder", ["resnet18", "mobilenet_v3_small", "efficientnet_b0"])
@pytest.mark.parametrize("in_channels", [1, 2, 4])
def test_forward_backward_any_size(encoder, in_channels):
    model = build_model("unet", encoder, in_channels, 3, decoder_width=0.25)
    x = torch.randn(2, in_channels, 45, 70)  # not a multiple of the stride
    logits = model(x)
    assert logits.shape == (2, 3, 45, 70)
    logits.mean().backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_convnext_starts_at_stride_4_and_still_returns_full_size():
    model = build_model("unet", "convnext_tiny", 1, 3, decoder_width=0.25)
    assert model(torch.randn(1, 1, 64, 64)).shape == (1, 3, 64, 64)


def test_width_options_shrink_the_model():
    big = build_model("unet", "mobilenet_v3_small", 2, 3)
    small = build_model("unet", "mobilenet_v3_small", 2, 3, decoder_width=0.25, encoder_width=0.5)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(small) < 0.5 * count(big)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arch": "segformer"}, "valid choices: unet"),
        ({"encoder": "resnet9"}, "valid choices: .*resnet18"),
        ({"in_channels": 0}, "in_channels"),
        ({"num_classes": 1}, "num_classes"),
        ({"encoder_width": 0.5}, "fixed width"),
        ({"weights": "/nonexistent.pt"}, "does not exist"),
        ({"weights": 3}, "model.weights must be a file path or null"),
        ({"decoder_width": "wide"}, r"model.decoder_width must be a number in \(0, 4\]"),
        ({"in_channels": True}, "in_channels must be a positive integer"),
        # the torchvision heads take their own backbone and have nothing to widen
        ({"arch": "deeplabv3"}, "arch=deeplabv3 takes encoder=resnet50, not 'resnet18'; set"),
        (
            {"arch": "lraspp", "encoder": "resnet50"},
            "arch=lraspp takes encoder=mobilenet_v3_large, not 'resnet50'; .*unet or deeplabv3",
        ),
        (
            {"arch": "deeplabv3", "encoder": "resnet50", "decoder_width": 0.5},
            r"decoder_width=0.5 has no meaning for arch=deeplabv3.*set model.decoder_width=1.0",
        ),
        (
            {"arch": "lraspp", "encoder": "mobilenet_v3_large", "encoder_width": 0.5},
            "model.encoder_width=0.5 has no meaning for arch=lraspp",
        ),
    ],
)
def test_bad_arguments_raise_before_building(kwargs, message, monkeypatch):
    import jovis.models.factory as factory

    def no_build(*args, **kwargs):
        raise AssertionError("built a model from bad arguments")

    for name in ("Encoder", "build_deeplabv3", "build_lraspp"):
        monkeypatch.setattr(factory, name, no_build)
    args = {"arch": "unet", "encoder": "resnet18", "in_channels": 2, "num_classes": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        check_model_args(**args)
    with pytest.raises(ValueError, match=message):
        build_model(**args)


def test_local_weights_adapt_the_first_conv(tmp_path):
    import torchvision

    rgb = torchvision.models.resnet18(weights=None)
    path = tmp_path / "r18.pt"
    torch.save(rgb.state_dict(), path)
    model = build_model("unet", "resnet18", 1, 3, weights=str(path))
    conv1 = model.encoder.body.conv1.weight
    assert conv1.shape[1] == 1
    expected = rgb.conv1.weight.mean(dim=1, keepdim=True) * 3.0
    torch.testing.assert_close(conv1, expected)
    # a layer deeper in also carries the file's weights
    torch.testing.assert_close(
        model.encoder.body.get_submodule("layer1.0.conv1").weight, rgb.layer1[0].conv1.weight
    )


def test_encoder_names_are_torchvision_builders():
    assert {"resnet18", "mobilenet_v3_large", "efficientnet_b0", "convnext_tiny"} <= set(ENCODERS)
