"""Local backbone weights: strict loading for every arch; first-conv adaptation keeps them."""

import pytest
import torch
import torchvision
from torch import nn

from jovis.models import adapt_first_conv, build_model, check_model_args

# arch, encoder, the file's first conv key, where that conv sits in the built model
FIRST_CONV = {
    "unet": ("resnet18", "conv1.weight", "encoder.body.conv1.weight"),
    "deeplabv3": ("resnet50", "conv1.weight", "net.backbone.conv1.weight"),
    "lraspp": ("mobilenet_v3_large", "features.0.0.weight", "net.backbone.0.0.weight"),
}
# a deeper layer: file key, model key
DEEPER = {
    "unet": ("layer1.0.conv1.weight", "encoder.body.layer1.0.conv1.weight"),
    "deeplabv3": ("layer4.2.conv3.weight", "net.backbone.layer4.2.conv3.weight"),
    "lraspp": ("features.16.0.weight", "net.backbone.16.0.weight"),
}


def _save_random_backbone(encoder: str, path, seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    state = getattr(torchvision.models, encoder)(weights=None).state_dict()
    torch.save(state, path)
    return state


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    out = {}
    for arch, (encoder, _, _) in FIRST_CONV.items():
        path = folder / f"{encoder}.pt"
        out[arch] = (str(path), _save_random_backbone(encoder, path, seed=len(out)))
    return out


@pytest.mark.parametrize("arch", list(FIRST_CONV))
@pytest.mark.parametrize("in_channels", [1, 3, 4, 5])
def test_local_weights_load_and_the_first_conv_keeps_them(files, arch, in_channels):
    encoder, file_conv, model_conv = FIRST_CONV[arch]
    path, state = files[arch]
    model = build_model(arch, encoder, in_channels, 3, weights=path)
    params = dict(model.named_parameters())
    rgb, conv = state[file_conv], params[model_conv].detach()
    assert conv.shape == (rgb.shape[0], in_channels, *rgb.shape[2:])
    if in_channels == 1:
        # the RGB average, × 3 so that a grey frame gives the RGB response
        torch.testing.assert_close(conv, rgb.mean(dim=1, keepdim=True) * 3)
    else:  # R, G, B, R, G … rescaled by 3 / in_channels
        cycled = rgb[:, [i % 3 for i in range(in_channels)]] * (3 / in_channels)
        torch.testing.assert_close(conv, cycled)
    file_key, model_key = DEEPER[arch]
    torch.testing.assert_close(params[model_key].detach(), state[file_key])


@pytest.mark.parametrize("in_channels", [1, 2, 6])
def test_adapted_stem_gives_the_rgb_response_to_a_grey_frame(in_channels):
    torch.manual_seed(1)
    backbone = nn.Sequential(nn.Conv2d(3, 8, 3, bias=True), nn.ReLU())
    grey = torch.rand(1, 1, 16, 16)
    expected = backbone(grey.expand(-1, 3, -1, -1))
    adapt_first_conv(backbone, in_channels)
    assert backbone[0].in_channels == in_channels
    torch.testing.assert_close(backbone(grey.expand(-1, in_channels, -1, -1)), expected)


def test_more_channels_never_drop_a_colour():
    torch.manual_seed(2)
    backbone = nn.Sequential(nn.Conv2d(3, 4, 3))
    rgb = backbone[0].weight.detach().clone()
    adapt_first_conv(backbone, 4)
    w = backbone[0].weight.detach()
    for c in range(3):  # every RGB kernel is present, rescaled
        torch.testing.assert_close(w[:, c], rgb[:, c] * 0.75)
    assert w.std() > 0.5 * (rgb * 0.75).std()  # statistics kept, not averaged away


def test_a_backbone_only_file_without_the_classifier_loads(tmp_path):
    state = _save_random_backbone("resnet18", tmp_path / "full.pt")
    path = tmp_path / "body.pt"
    torch.save({"state_dict": {k: v for k, v in state.items() if not k.startswith("fc.")}}, path)
    model = build_model("unet", "resnet18", 2, 3, weights=str(path))
    layer = model.encoder.body.get_submodule("layer2.0.conv1")
    torch.testing.assert_close(layer.weight.detach(), state["layer2.0.conv1.weight"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("layer1.0.conv1.weight"), r"missing keys \(1\): layer1.0.conv1.weight"),
        (lambda s: s.update(extra=torch.zeros(2)), r"unexpected keys \(1\): extra"),
        (
            lambda s: s.update({"conv1.weight": torch.zeros(64, 1, 7, 7)}),
            r"wrong shapes \(1\): conv1.weight: file \(64, 1, 7, 7\), model \(64, 3, 7, 7\)",
        ),
    ],
)
def test_a_file_that_does_not_fit_raises_naming_file_and_keys(tmp_path, edit, message):
    state = _save_random_backbone("resnet18", tmp_path / "ok.pt")
    edit(state)
    path = tmp_path / "bad.pt"
    torch.save(state, path)
    for call in (check_model_args, build_model):  # before building, and while building
        with pytest.raises(ValueError, match=message) as err:
            call("unet", "resnet18", 1, 3, weights=str(path))
        assert str(path) in str(err.value) and "torchvision resnet18" in str(err.value)


def test_weights_of_another_backbone_are_rejected_before_building(tmp_path):
    path = tmp_path / "r18.pt"
    _save_random_backbone("resnet18", path)
    with pytest.raises(ValueError, match=r"does not fit the resnet50 backbone; missing keys"):
        check_model_args("deeplabv3", "resnet50", 1, 3, weights=str(path))
    with pytest.raises(ValueError, match=r"does not fit the mobilenet_v3_large backbone"):
        build_model("lraspp", "mobilenet_v3_large", 1, 3, weights=str(path))


def test_a_file_that_is_not_a_state_dict_names_the_fix(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match=r"junk.pt is not a readable torch state-dict file"):
        check_model_args("unet", "resnet18", 1, 3, weights=str(junk))
    listed = tmp_path / "list.pt"
    torch.save([1, 2], listed)
    with pytest.raises(ValueError, match=r"holds no state dict of tensors"):
        build_model("unet", "resnet18", 1, 3, weights=str(listed))
