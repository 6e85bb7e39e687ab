"""Checkpoints are read weights-only with one-line errors, old ones still load, and a failed
write names the file and the cause."""

import os
import subprocess
import sys

import pytest
import torch

from jovis.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.export import export_checkpoint
from jovis.models import ModelSpec
from jovis.synth.frameset import default_schema

SPEC = ModelSpec("unet", "mobilenet_v3_small", 2, 3, decoder_width=0.25, encoder_width=0.5)


class Payload:
    """Unpickling this runs code: it creates the folder `marker`."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def save(path, spec=SPEC):
    torch.manual_seed(0)
    return save_checkpoint(path, spec.build(), spec=spec, labels=default_schema(),
                           channels=["L", "M"], instrument="jiram",
                           normalisation=DEFAULT_NORMALISATION, config={})  # fmt: skip


def crafted(path, marker):
    """A model.pt-shaped file whose pickle runs code, shown to run under weights_only=False."""
    blob = torch.load(save(path), weights_only=True)
    blob["jovis"]["extra"] = Payload(str(marker))
    torch.save(blob, path)
    torch.load(path, weights_only=False)  # the payload is real: it runs here
    assert marker.is_dir()
    marker.rmdir()
    return path


def test_a_crafted_model_checkpoint_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "marker"
    path = crafted(tmp_path / "model.pt", marker)
    for load in (
        load_checkpoint,
        lambda p: export_checkpoint(p, "torchscript", tmp_path / "export"),
    ):
        with pytest.raises(CheckpointError, match=r"model\.pt: refused: .*mkdir.*could run"):
            load(path)
        assert not marker.exists()


def test_a_checkpoint_written_by_earlier_versions_still_loads(tmp_path):
    # the layout main wrote before ModelSpec: a plain dict of build_model's keywords
    torch.manual_seed(0)
    model = SPEC.build()
    old = {"arch": "unet", "encoder": "mobilenet_v3_small", "in_channels": 2, "num_classes": 3,
           "decoder_width": 0.25, "encoder_width": 0.5}  # fmt: skip
    jovis_block = {"version": "0.1.0", "model": old, "labels": default_schema().to_dict(),
                   "channels": ["L", "M"], "instrument": "jiram",
                   "normalisation": DEFAULT_NORMALISATION, "config": {}, "steps": 4}  # fmt: skip
    torch.save({"state_dict": model.state_dict(), "jovis": jovis_block}, tmp_path / "old.pt")
    loaded, info = load_checkpoint(tmp_path / "old.pt")
    assert info.spec == SPEC and info.model == old and info.extra == {"steps": 4}
    x = torch.randn(1, 2, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model.eval()(x))
    # older still: no width keys at all (full-width networks)
    assert ModelSpec.from_dict({k: old[k] for k in list(old)[:4]}).decoder_width == 1.0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", r"empty file \(0 bytes"),
        (os.urandom(4096), r"not a PyTorch checkpoint \(4096 bytes"),
    ],
)
def test_unreadable_files_get_one_line_naming_the_file_and_the_fix(tmp_path, content, expected):
    path = tmp_path / "model.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=expected) as err:
        load_checkpoint(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "scripts/train.py" in message
    assert "weights_only" not in message


def test_weights_that_do_not_fit_their_model_block_get_one_line(tmp_path):
    path = save(tmp_path / "model.pt")
    blob = torch.load(path, weights_only=True)
    blob["jovis"]["model"]["in_channels"] = 3  # edited: the weights are for 2 channels
    torch.save(blob, path)
    with pytest.raises(CheckpointError, match=r"weights do not fit .*size mismatch") as err:
        load_checkpoint(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


WRITE_UNDER_LIMIT = """
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of a kill
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
sys.path.insert(0, sys.argv[1])
from test_checkpoint import save
from jovis.models import ModelSpec
import torch
from jovis.training.resume import SafeCheckpointIO
try:
    save(Path(sys.argv[2]), ModelSpec("unet", "resnet18", 2, 3))
except OSError as err:
    print("ERROR", err)
try:  # Lightning's last.ckpt / best.ckpt writes
    SafeCheckpointIO().save_checkpoint({"w": torch.zeros(500_000)}, sys.argv[3])
except OSError as err:
    print("ERROR", err)
"""


def test_a_save_cut_short_by_a_size_limit_names_the_file_and_the_cause(tmp_path):
    # a resnet18 U-Net is ~60 MB, far above the 200 kB limit (a full disk fails the same way)
    path = tmp_path / "model.pt"
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    cmd = [sys.executable, "-c", WRITE_UNDER_LIMIT, os.path.dirname(__file__), str(path), str(ckpt)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=os.environ)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"could not write {path}: file larger than the file-size limit" in out.stdout
    assert f"could not write {ckpt}: file larger than the file-size limit" in out.stdout
    assert "basic_ios" not in out.stdout
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # no temporary left behind
