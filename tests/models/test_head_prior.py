"""init.head_prior: the output head starts at given class probabilities, on every architecture."""

import pytest
import torch

from jovis.models import build_model
from jovis.models.head_prior import PRIOR_FLOOR, check_head_prior, output_heads, set_head_prior

PRIOR = [0.97, 0.03, 0.0]  # the jiram_l recipe's: a thin oval, vortices invisible


@pytest.mark.parametrize(("arch", "encoder"), [("unet", "mobilenet_v3_small"),
                                               ("lraspp", "mobilenet_v3_large")])  # fmt: skip
def test_every_pixel_starts_at_the_prior_whatever_the_input(arch, encoder):
    torch.manual_seed(0)
    model = build_model(arch, encoder, 1, 3, decoder_width=0.25) if arch == "unet" else (
        build_model(arch, encoder, 1, 3))  # fmt: skip
    x = torch.randn(2, 1, 64, 64) * 2.0
    before = model(x).softmax(1)
    assert (before[:, 1] - 0.03).abs().max() > 0.05  # a fresh head is far from the prior
    set_head_prior(model, PRIOR, 3)
    probs = model(x).softmax(1)
    assert (probs[:, 0] - 0.97).abs().max() < 0.02 and (probs[:, 1] - 0.03).abs().max() < 0.01
    assert probs[:, 2].max() < 2 * PRIOR_FLOOR  # probability 0 starts at the floor


def test_the_unets_head_is_its_output_convolution_and_a_wrong_count_is_refused():
    model = build_model("unet", "mobilenet_v3_small", 1, 3, decoder_width=0.25)
    assert output_heads(model, 3) == [model.head]
    with pytest.raises(ValueError, match="no output convolution with a bias and 5 outputs"):
        output_heads(model, 5)


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        ([0.9, 0.1], "has 2 values but the schema has 3 classes"),
        ("0.97,0.03,0", "must be null or a list of 3 class probabilities"),
        ([0.9, -0.1, 0.2], "values must be numbers ≥ 0"),
        ([0.9, float("nan"), 0.1], "values must be numbers ≥ 0"),
        ([0, 0, 0], "all 0; use null"),
    ],
)
def test_bad_priors_name_the_key(prior, message):
    with pytest.raises(ValueError, match=f"init.head_prior {message}|{message}"):
        check_head_prior(prior, 3)


def test_priors_are_normalised_and_null_is_off():
    assert check_head_prior(None, 3) is None
    assert check_head_prior([3, 1, 0], 3) == [0.75, 0.25, 0.0]


def test_deeplabs_head_is_its_last_classifier_convolution():
    model = build_model("deeplabv3", "resnet50", 1, 3)
    assert output_heads(model, 3) == [model.net.classifier[-1]]
