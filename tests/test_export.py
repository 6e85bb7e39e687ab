"""Export to ONNX and TorchScript: the exported graphs equal PyTorch for any batch and size."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

import jovis.export as export_mod
from jovis.checkpoint import load_checkpoint
from jovis.export import ExportMismatchError, export_checkpoint
from tests.conftest import REPO

# Batch sizes 1 and 3; one size a multiple of 32, one not (the U-Net pads to 32 inside forward).
SHAPES = [(1, 64, 96), (3, 45, 70)]


def _inputs(channels: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(7)
    return [torch.rand((b, channels, h, w), generator=gen) * 2.5 - 0.5 for b, h, w in SHAPES]


@pytest.fixture(scope="module")
def reference(tiny_run) -> dict:
    """The checkpoint's settings, and PyTorch's logits for the test inputs."""
    model, info = load_checkpoint(tiny_run["checkpoint"])
    xs = _inputs(len(info.channels))
    with torch.no_grad():
        return {"info": info, "inputs": xs, "logits": [model(x).numpy() for x in xs]}


@pytest.fixture(scope="module")
def onnx_export(tiny_run, tmp_path_factory) -> dict:
    return export_checkpoint(tiny_run["checkpoint"], "onnx", tmp_path_factory.mktemp("onnx"))


@pytest.fixture(scope="module")
def torchscript_export(tiny_run, tmp_path_factory) -> dict:
    return export_checkpoint(tiny_run["checkpoint"], "torchscript", tmp_path_factory.mktemp("ts"))


def test_onnx_matches_pytorch_for_any_batch_and_size(reference, onnx_export):
    assert onnx_export["file"].endswith(".onnx") and onnx_export["opset"] >= 17
    assert onnx_export["exporter"].startswith("torch.onnx")
    assert onnx_export["max_abs_diff"] <= 1e-3
    session = ort.InferenceSession(onnx_export["file"], providers=["CPUExecutionProvider"])
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, out.name) == ("image", "logits")
    assert isinstance(inp.shape[0], str) and isinstance(inp.shape[2], str)  # dynamic axes
    assert inp.shape[1] == len(reference["info"].channels)
    for x, ref in zip(reference["inputs"], reference["logits"], strict=True):
        got = session.run(None, {"image": x.numpy()})[0]
        assert got.shape == ref.shape == (x.shape[0], 3, *x.shape[2:])
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-3)


def test_torchscript_matches_pytorch_for_any_batch_and_size(reference, torchscript_export):
    assert torchscript_export["file"].endswith(".pt") and "opset" not in torchscript_export
    assert torchscript_export["max_abs_diff"] <= 1e-3
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.load` is deprecated")
        module = torch.jit.load(torchscript_export["file"])
    for x, ref in zip(reference["inputs"], reference["logits"], strict=True):
        with torch.no_grad():
            got = module(x).numpy()
        assert got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-3)


def test_an_export_given_as_a_checkpoint_is_named_as_one(onnx_export, torchscript_export):
    """`infer ckpt=<the .pt of format=torchscript>` said "damaged checkpoint" (and an .onnx "not
    a PyTorch checkpoint"): both are exports, for running the network outside jovis."""
    from jovis.checkpoint import CheckpointError, load_checkpoint

    for export, kind in ((torchscript_export, "a TorchScript"), (onnx_export, "an ONNX")):
        with pytest.raises(CheckpointError, match=f"{kind} export .*jovis reads the checkpoint"):
            load_checkpoint(export["file"])


def test_sidecar_says_how_to_feed_the_file(reference, onnx_export):
    info = reference["info"]
    meta = json.loads(Path(onnx_export["sidecar"]).read_text())
    assert onnx_export["sidecar"] == onnx_export["file"] + ".json"
    assert meta["channels"] == info.channels
    assert meta["normalisation"] == info.normalisation
    assert meta["labels"] == info.labels.to_dict()
    assert meta["input"]["layout"] == "NCHW" and meta["output"]["kind"] == "logits"
    assert meta["export"]["opset"] == onnx_export["opset"]
    visible = [c.name for c in info.labels.classes if c.id in info.visible_classes]
    assert meta["visible_classes"] == visible and visible  # which logits to mask
    assert "state_dict" not in meta


def test_bad_format_or_opset_raises_naming_the_choices(tiny_run, tmp_path):
    with pytest.raises(ValueError, match="onnx, torchscript"):
        export_checkpoint(tiny_run["checkpoint"], "tflite", tmp_path)
    with pytest.raises(ValueError, match="opset=13: must be an integer ≥ 17"):
        export_checkpoint(tiny_run["checkpoint"], "onnx", tmp_path, opset=13)
    # a word failed as "invalid literal for int()", naming no setting; size 0 ran as 2 px
    with pytest.raises(ValueError, match="opset='abc': must be an integer ≥ 17"):
        export_checkpoint(tiny_run["checkpoint"], "onnx", tmp_path, opset="abc")
    with pytest.raises(ValueError, match="example_size=0: must be an integer ≥ 32"):
        export_checkpoint(tiny_run["checkpoint"], "onnx", tmp_path, example_size=0)
    assert not any(tmp_path.iterdir())


def test_mismatch_beyond_tolerance_raises():
    expected = [np.zeros((1, 3, 4, 4), np.float32)]
    assert export_mod._compare([expected[0] + 1e-4], expected, "x") == pytest.approx(1e-4)
    with pytest.raises(ExportMismatchError, match=r"differs from PyTorch by 0\.002"):
        export_mod._compare([expected[0] + 2e-3], expected, "x")
    with pytest.raises(ExportMismatchError, match="shape"):
        export_mod._compare([expected[0][:, :2]], expected, "x")
    # logits of 10^4 (a class bias raised far up) differ by float32 rounding, not by a bug
    large = [np.full((1, 3, 4, 4), 1e4, np.float32)]
    assert export_mod._compare([large[0] + 2e-3], large, "x") == pytest.approx(2e-3, rel=0.1)
    with pytest.raises(ExportMismatchError, match="differs from PyTorch by 20"):
        export_mod._compare([large[0] + 20.0], large, "x")


def test_onnx_falls_back_to_the_legacy_exporter(tiny_run, tmp_path, monkeypatch, caplog):
    real_export = torch.onnx.export

    def no_dynamo(*args, dynamo=True, **kwargs):
        if dynamo:
            raise RuntimeError("simulated dynamo failure")
        return real_export(*args, dynamo=False, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", no_dynamo)
    result = export_checkpoint(tiny_run["checkpoint"], "onnx", tmp_path, example_size=32)
    assert result["exporter"] == "torch.onnx(dynamo=False)" and result["opset"] == 17
    assert result["max_abs_diff"] <= 1e-3 and "simulated dynamo failure" in caplog.text


def test_export_script(tiny_run, tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "scripts/export.py",
            f"ckpt={tiny_run['checkpoint']}",
            "format=torchscript",
            f"out={tmp_path}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(tmp_path)) and result["format"] == "torchscript"
    assert Path(result["file"]).is_file() and "max |Δ|" in proc.stdout
