import numpy as np
import pytest
import torch

from jovis.checkpoint import load_checkpoint
from jovis.frame import Frame
from jovis.inference.predictor import ChannelMismatchError, Predictor


def test_tta_is_exactly_equivariant_to_90_degree_rotation(tiny_run):
    model, info = load_checkpoint(tiny_run["checkpoint"])
    predictor = Predictor(model, info, device="cpu", precision="fp32", tta=True)
    x = torch.randn(1, 2, 64, 64)
    rotated = predictor.predict(torch.rot90(x, 1, (-2, -1)))
    torch.testing.assert_close(
        rotated, torch.rot90(predictor.predict(x), 1, (-2, -1)), atol=1e-5, rtol=1e-5
    )
    plain = Predictor(model, info, device="cpu", precision="fp32", tta=False).predict(x)
    assert plain.shape == (1, 3, 64, 64)
    torch.testing.assert_close(plain.sum(1), torch.ones(1, 64, 64))


def test_without_tta_the_network_sees_the_batch_as_it_is_and_nothing_is_copied(tiny_run):
    """No TTA: the probabilities are the softmax of the network on the contiguous batch, exactly
    (what a rotation by 0 once gave, without its copies), contiguous; `dihedral_mean` hands the
    function's output back unchanged."""
    from jovis.inference.predictor import dihedral_mean

    model, info = load_checkpoint(tiny_run["checkpoint"])
    predictor = Predictor(model, info, device="cpu", precision="fp32", backend="torch")
    x = torch.randn(2, 2, 64, 96)
    got = predictor.predict(x.numpy())
    with torch.inference_mode():
        want = predictor.model(x.clone()).float().softmax(dim=1).contiguous()
    assert got.is_contiguous() and torch.equal(got, want)
    out = torch.rand(2, 3, 64, 96)
    assert dihedral_mean(lambda v: out, x, tta=False) is out


def test_one_orientation_is_the_frame_turned_predicted_and_turned_back(tiny_run):
    """`orientation` i predicts the view DIHEDRAL[i] alone and turns it back; the mean of the
    8 is tta's; 0 is the frame as it is."""
    from jovis.inference.predictor import DIHEDRAL

    model, info = load_checkpoint(tiny_run["checkpoint"])
    x = torch.randn(1, 2, 64, 64)

    def predictor(**kw):
        return Predictor(model, info, device="cpu", precision="fp32", backend="torch", **kw)

    plain = predictor().predict(x)
    views = [predictor(orientation=i).predict(x) for i in range(8)]
    torch.testing.assert_close(views[0], plain)
    for (k, flip), got in zip(DIHEDRAL, views, strict=True):
        turned = torch.flip(torch.rot90(x, k, (-2, -1)), (-1,)) if flip else torch.rot90(
            x, k, (-2, -1))  # fmt: skip
        want = predictor().predict(turned)
        want = torch.rot90(torch.flip(want, (-1,)) if flip else want, -k, (-2, -1))
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
        assert got.is_contiguous()
    assert not torch.allclose(views[1], plain, atol=1e-3)  # the tiny model is not invariant
    torch.testing.assert_close(torch.stack(views).mean(0), predictor(tta=True).predict(x),
                               atol=1e-5, rtol=1e-5)  # fmt: skip


@pytest.mark.parametrize("bad", [8, -1, True, 1.5])
def test_a_bad_orientation_is_refused(tiny_run, bad):
    model, info = load_checkpoint(tiny_run["checkpoint"])
    with pytest.raises(ValueError, match=r"orientation=.*0-7"):
        Predictor(model, info, device="cpu", orientation=bad)
    with pytest.raises(ValueError, match="tta averages all 8"):
        Predictor(model, info, device="cpu", orientation=2, tta=True)


def test_wrong_channel_count_names_both(tiny_run):
    predictor = Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu", precision="fp32")
    frame = Frame(np.zeros((8, 8, 3), np.float32), ["red", "green", "blue"], source="x.png")
    with pytest.raises(ChannelMismatchError, match=r"expects 2 channel\(s\) \['L', 'M'\]"):
        predictor.prepare(frame)


def test_another_band_of_the_same_count_is_refused_but_a_plain_image_is_taken(tiny_run):
    """A methane or JIRAM M frame given to a detector of two other bands used to run (same
    count); a plain image's planes (c0, c1 / gray) may hold any band and are taken; named bands
    in another order, or among others, are taken in the model's order (`take_bands`)."""
    predictor = Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu", precision="fp32")
    image = np.ones((40, 40, 2), np.float32)
    swapped = np.dstack([np.zeros((40, 40), np.float32), np.arange(1600.0).reshape(40, 40)])
    as_given = predictor.prepare(Frame(swapped[:, :, ::-1].copy(), ["L", "M"], source="a.npy"))
    reordered = predictor.prepare(Frame(swapped, ["M", "L"], source="swapped.npy"))
    np.testing.assert_array_equal(reordered, as_given)
    with pytest.raises(ChannelMismatchError, match="another band"):
        predictor.prepare(Frame(image, ["uv", "methane"], source="x.npy"))
    assert predictor.prepare(Frame(image, ["c0", "c1"], source="plain.npy")).shape == (2, 40, 40)
    assert predictor.prepare(Frame(image, ["L", "M"], source="ok.npy")).shape == (2, 40, 40)


def test_out_of_memory_halves_the_batch_then_falls_back_to_the_cpu(tiny_run, monkeypatch):
    model, info = load_checkpoint(tiny_run["checkpoint"])
    predictor = Predictor(model, info, device="cpu", precision="fp32", batch_size=8)
    predictor.retry_out_of_memory = True  # as on CUDA
    real_predict = Predictor.predict
    calls = []

    def fake_predict(self, batch):
        calls.append(len(batch))
        # "out of memory" above 2 inputs, and always for the input whose first value is 99
        if self is predictor and (len(batch) > 2 or float(batch[0, 0, 0, 0]) == 99):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_predict(self, batch)

    monkeypatch.setattr(Predictor, "predict", fake_predict)
    inputs = [
        np.random.default_rng(i).normal(size=(2, 32, 32)).astype(np.float32) for i in range(6)
    ]
    inputs[4][0, 0, 0] = 99
    probs = predictor.predict_frames(inputs)
    assert len(probs) == 6 and all(p.shape == (3, 32, 32) for p in probs)
    # halved until batches fitted (and kept); the input that never fits took it down to 1
    assert predictor.batch_size == 1 and calls[:3] == [6, 3, 1]
    assert predictor.notes == {4: "CUDA out of memory: predicted on the CPU"}
    expected = real_predict(
        Predictor(model, info, device="cpu", precision="fp32"), inputs[4][None]
    ).numpy()[0]
    np.testing.assert_allclose(probs[4], expected, atol=1e-5)


def test_out_of_memory_is_not_hidden_on_the_cpu(tiny_run, monkeypatch):
    predictor = Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu", precision="fp32")

    def oom(self, batch):
        raise torch.cuda.OutOfMemoryError("simulated")

    monkeypatch.setattr(Predictor, "predict", oom)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        predictor.predict_frames([np.zeros((2, 32, 32), np.float32)])


@pytest.mark.slow
def test_compiled_predictor_matches_eager(tiny_run):
    model, info = load_checkpoint(tiny_run["checkpoint"])
    x = np.random.default_rng(0).normal(size=(2, 2, 64, 64)).astype(np.float32)
    eager = Predictor(model, info, device="cpu", precision="fp32").predict(x)
    compiled = Predictor(model, info, device="cpu", precision="fp32", compile=True).predict(x)
    torch.testing.assert_close(compiled, eager, atol=1e-4, rtol=1e-4)


def test_bf16_autocast_stays_close_to_fp32(tiny_run):
    model, info = load_checkpoint(tiny_run["checkpoint"])
    x = np.random.default_rng(0).normal(size=(1, 2, 64, 64)).astype(np.float32)
    fp32 = Predictor(model, info, device="cpu", precision="fp32").predict(x)
    bf16 = Predictor(model, info, device="cpu", precision="bf16").predict(x)
    assert (bf16 - fp32).abs().max() < 0.05
    with pytest.raises(ValueError, match="valid choices: auto, fp32, bf16"):
        Predictor(model, info, device="cpu", precision="fp16")
