"""Forward backends: ONNX Runtime gives torch's masks, its graph is cached once per checkpoint,
and bad or missing backends are refused before any output exists."""

import json
from pathlib import Path

import cv2
import pytest

import jovis.export
from jovis.checkpoint import load_checkpoint
from jovis.inference import backends
from jovis.inference.predictor import Predictor
from jovis.inference.runner import run_inference
from jovis.synth import write_frame_set


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache folder of this module's own (the graph of tiny_run is exported once here)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(backends.CACHE_ENV, str(folder))
        yield folder


@pytest.fixture(scope="module")
def frames(tmp_path_factory, tiny_run):
    """Three 64 px frames and one 112 px frame (tiled at tile_size=64: blending is exercised)."""
    info = load_checkpoint(tiny_run["checkpoint"])[1]
    root = tmp_path_factory.mktemp("backend-frames")
    kw = {"channels": info.channels, "instrument": info.instrument}
    write_frame_set(root / "small", n=3, size=64, seed=0, **kw)
    write_frame_set(root / "large", n=1, size=112, seed=5, **kw)
    listing = root / "inputs.txt"
    listing.write_text("\n".join(str(p) for p in sorted(root.glob("*/images/*.npy"))))
    return listing


def _run(ckpt, frames, out, backend):
    return run_inference(ckpt, frames, out, device="cpu", precision="fp32", tta=True,
                         tile_size=64, batch_size=4, backend=backend, progress=False)  # fmt: skip


def _masks(out):
    return {p.name: cv2.imread(str(p), cv2.IMREAD_UNCHANGED) for p in (out / "masks").glob("*")}


def test_onnxruntime_masks_equal_torch_and_the_graph_is_cached(
    tiny_run, frames, cache, tmp_path, monkeypatch
):
    ckpt = Path(tiny_run["checkpoint"])
    torch_run = _run(ckpt, frames, tmp_path / "torch", "torch")
    ort_run = _run(ckpt, frames, tmp_path / "ort", "onnxruntime")
    assert torch_run["ok"] == ort_run["ok"] == 4
    assert (torch_run["backend"], ort_run["backend"]) == ("torch", "onnxruntime")
    a, b = _masks(tmp_path / "torch"), _masks(tmp_path / "ort")
    assert sorted(a) == sorted(b) and len(a) == 4
    same = sum(int((a[k] == b[k]).sum()) for k in a) / sum(a[k].size for k in a)
    assert same >= 0.999, f"only {same:.4%} of mask pixels equal torch's"
    rows = [json.loads(r) for r in (tmp_path / "ort" / "manifest.jsonl").read_text().splitlines()]
    assert {r["backend"] for r in rows} == {"onnxruntime"}
    graphs = list((cache / "onnx").glob("*.onnx"))
    assert len(graphs) == 1 and "-c2-fp32" in graphs[0].name
    sidecar = json.loads(graphs[0].with_name(graphs[0].name + ".json").read_text())
    assert sidecar["export"]["exporter"] == "torch.onnx(dynamo=False)"  # the fast exporter
    assert not list((cache / "onnx").glob(".export-*"))  # the temporary folder is gone
    assert not list(ckpt.parent.glob("*.onnx"))  # nothing beside the checkpoint
    stamp = graphs[0].stat().st_mtime_ns

    def no_export(*args, **kwargs):
        raise AssertionError("exported again instead of reusing the cache")

    monkeypatch.setattr(jovis.export, "export_checkpoint", no_export)
    predictor = Predictor.from_checkpoint(ckpt, device="cpu", backend="onnxruntime")
    assert predictor.forward.exported is False and predictor.forward.path == graphs[0]
    assert graphs[0].stat().st_mtime_ns == stamp


def test_auto_picks_onnxruntime_on_a_cpu_and_torch_without_it(tiny_run, cache, monkeypatch):
    ckpt = tiny_run["checkpoint"]
    assert Predictor.from_checkpoint(ckpt, device="cpu", backend="auto").backend == "onnxruntime"
    bf16 = Predictor.from_checkpoint(ckpt, device="cpu", backend="auto", precision="bf16")
    assert bf16.backend == "torch"  # ONNX Runtime runs fp32 only
    # compile=true asks for torch.compile, which only torch runs (ONNX Runtime ran, silently)
    assert Predictor.from_checkpoint(ckpt, device="cpu", backend="auto", compile=True).backend == (
        "torch")  # fmt: skip
    with pytest.raises(ValueError, match=r"compile=true compiles the PyTorch network"):
        Predictor.from_checkpoint(ckpt, device="cpu", backend="onnxruntime", compile=True)
    monkeypatch.setattr(backends, "onnxruntime_available", lambda: False)
    assert Predictor.from_checkpoint(ckpt, device="cpu", backend="auto").backend == "torch"
    with pytest.raises(ModuleNotFoundError, match=r"pip install onnxruntime"):
        Predictor.from_checkpoint(ckpt, device="cpu", backend="onnxruntime")


def test_auto_falls_back_to_torch_when_the_graph_fails_its_check(tiny_run, cache, monkeypatch):
    from jovis.export import ExportMismatchError
    from jovis.inference import backends

    def mismatch(ckpt, channels):
        raise ExportMismatchError("onnxruntime output differs from PyTorch by 0.002")

    monkeypatch.setattr(backends, "onnx_graph", mismatch)
    ckpt = tiny_run["checkpoint"]
    assert Predictor.from_checkpoint(ckpt, device="cpu", backend="auto").backend == "torch"
    with pytest.raises(ExportMismatchError, match="differs"):  # asked for by name: no fallback
        Predictor.from_checkpoint(ckpt, device="cpu", backend="onnxruntime")


def test_bad_backend_is_refused_before_any_output(tiny_run, frames, tmp_path, monkeypatch):
    monkeypatch.setattr(jovis.export, "export_checkpoint", None)  # never reached
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"backend='tensorrt': valid choices are auto, torch"):
        _run(tiny_run["checkpoint"], frames, out, "tensorrt")
    assert not out.exists()
    with pytest.raises(ValueError, match=r"precision=fp32\|auto or backend=torch"):
        Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu", backend="onnxruntime",
                                  precision="bf16")  # fmt: skip


def test_infer_config_has_backend_and_the_app_refuses_a_bad_one(tiny_run, frames, tmp_path):
    from omegaconf import OmegaConf

    from jovis.apps.infer import infer_from_config
    from jovis.config import CONFIG_DIR

    assert OmegaConf.load(CONFIG_DIR / "infer.yaml").backend == "auto"
    cfg = OmegaConf.load(CONFIG_DIR / "infer.yaml")
    cfg.merge_with({"ckpt": str(tiny_run["checkpoint"]), "input": str(frames),
                    "out": str(tmp_path / "o"), "backend": "openvino"})  # fmt: skip
    with pytest.raises(ValueError, match="backend='openvino'"):
        infer_from_config(cfg)
    assert not (tmp_path / "o").exists()
