"""The torchvision heads go through checkpoint save/load, export and the Predictor."""

import numpy as np
import pytest
import torch

from jovis.checkpoint import load_checkpoint, save_checkpoint
from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.export import export_checkpoint
from jovis.inference.predictor import Predictor
from jovis.models import ModelSpec
from jovis.synth.frameset import default_schema

ARCHS = {"deeplabv3": "resnet50", "lraspp": "mobilenet_v3_large"}


def _checkpoint(arch: str, path) -> tuple[torch.nn.Module, dict]:
    schema = default_schema()
    spec = ModelSpec(arch, ARCHS[arch], 2, schema.num_classes)
    args = spec.to_dict()
    torch.manual_seed(0)
    model = spec.build()
    # one training step so BatchNorm running statistics differ from a fresh build
    model.train()(torch.randn(2, 2, 64, 64)).mean().backward()
    save_checkpoint(path, model, spec=spec, labels=schema, channels=["L", "M"],
                    instrument="jiram", normalisation=DEFAULT_NORMALISATION,
                    config={"model": args})  # fmt: skip
    return model.eval(), args


@pytest.mark.parametrize("arch", list(ARCHS))
def test_checkpoint_round_trip_rebuilds_the_same_network(arch, tmp_path):
    model, args = _checkpoint(arch, tmp_path / "model.pt")
    loaded, info = load_checkpoint(tmp_path / "model.pt")
    assert info.model == args
    x = torch.randn(1, 2, 45, 70)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x))


def test_lraspp_exports_to_torchscript_and_matches(tmp_path):
    _checkpoint("lraspp", tmp_path / "run" / "model.pt")
    result = export_checkpoint(tmp_path / "run" / "model.pt", "torchscript", tmp_path / "out")
    # checked against PyTorch on sizes unlike the traced example, one of them odd
    assert result["max_abs_diff"] <= 1e-3
    assert (tmp_path / "out" / "run.pt").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("arch", list(ARCHS))
def test_torchvision_heads_export_to_onnx(arch, tmp_path):
    _checkpoint(arch, tmp_path / "run" / "model.pt")
    result = export_checkpoint(tmp_path / "run" / "model.pt", "onnx", tmp_path / "out")
    assert result["max_abs_diff"] <= 1e-3


def test_predictor_runs_lraspp_with_tta_on_an_odd_size(tmp_path):
    _checkpoint("lraspp", tmp_path / "model.pt")
    predictor = Predictor.from_checkpoint(tmp_path / "model.pt", device="cpu", tta=True,
                                          precision="fp32")  # fmt: skip
    batch = np.random.default_rng(0).uniform(0, 1, (1, 2, 45, 70)).astype(np.float32)
    probs = predictor.predict(batch)
    assert probs.shape == (1, 3, 45, 70)
    torch.testing.assert_close(probs.sum(1), torch.ones(1, 45, 70))
