import numpy as np
import pytest
import torch

from jovis.checkpoint import load_checkpoint
from jovis.frame import Frame
from jovis.inference.predictor import ChannelMismatchError, Predictor


def test_tta_is_exactly_equivariant_to_90_degree_rotation(tiny_run):
    model, info = load_checkpoint(tiny_run["checkpoint"])
    predictor = Predictor(model, info, device="cpu", tta=True)
    x = torch.randn(1, 2, 64, 64)
    rotated = predictor.predict(torch.rot90(x, 1, (-2, -1)))
    torch.testing.assert_close(
        rotated, torch.rot90(predictor.predict(x), 1, (-2, -1)), atol=1e-5, rtol=1e-5
    )
    plain = Predictor(model, info, device="cpu", tta=False).predict(x)
    assert plain.shape == (1, 3, 64, 64)
    torch.testing.assert_close(plain.sum(1), torch.ones(1, 64, 64))


def test_wrong_channel_count_names_both(tiny_run):
    predictor = Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu")
    frame = Frame(np.zeros((8, 8, 3), np.float32), ["red", "green", "blue"], source="x.png")
    with pytest.raises(ChannelMismatchError, match=r"expects 2 channel\(s\) \['L', 'M'\]"):
        predictor.prepare(frame)
