"""The adapt loop: provenance in the checkpoint, resume, refusals; the CLI end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jovis.adapt import adapt
from jovis.adapt.state import file_digest
from jovis.checkpoint import load_checkpoint
from tests.adapt.conftest import adapt_cfg
from tests.conftest import REPO


def test_checkpoint_records_its_parent_and_frames_and_reads_like_any_other(tiny_ckpt, frames_dir,
                                                                           tmp_path):  # fmt: skip
    result = adapt(adapt_cfg(tiny_ckpt, frames_dir, tmp_path))
    model, info = load_checkpoint(result["checkpoint"])
    _, parent = load_checkpoint(tiny_ckpt)
    block = info.extra["adapted"]
    assert block["parent"] == {"path": tiny_ckpt, "digest": file_digest(tiny_ckpt)}
    roles = [f["role"] for f in block["frames"]]
    assert roles == ["train"] * 3 + ["heldout"] * 2  # 5 frames, heldout_share 0.34
    assert {Path(f["path"]).parent for f in block["frames"]} == {frames_dir}
    assert block["steps"] == 2 and block["threshold"] == 0.4 and block["date"]
    assert [h["step"] for h in block["guard"]] == [0, 1, 2]
    # everything infer needs is the parent's
    assert info.channels == parent.channels and info.visible_classes == parent.visible_classes
    assert info.spec == parent.spec and info.normalisation == parent.normalisation
    assert info.extra["geometry"]
    # the weights moved
    tiny, _ = load_checkpoint(tiny_ckpt)
    pairs = zip(model.state_dict().values(), tiny.state_dict().values(), strict=True)
    assert any(a.is_floating_point() and not a.equal(b) for a, b in pairs)


def test_files_left_out_are_named_with_the_reason_logged_and_recorded(
    tiny_ckpt, frames_dir, tmp_path, caplog
):
    mixed = tmp_path / "frames"
    mixed.mkdir()
    for p in sorted(frames_dir.iterdir()):
        (mixed / p.name).write_bytes(p.read_bytes())
    np.save(mixed / "rgb.npy", np.zeros((64, 64, 3), np.float32))  # 3 channels: jiram has 2
    (mixed / "broken.npy").write_bytes(b"not a numpy file")
    with caplog.at_level("WARNING", logger="jovis.adapt.frames"):
        result = adapt(adapt_cfg(tiny_ckpt, mixed, tmp_path / "out"))
    assert result["frames_train"] + result["frames_heldout"] == 5  # the five frames, as before
    broken, rgb = result["left_out"]
    assert result["frames_left_out"] == 2
    assert broken.startswith(str(mixed / "broken.npy")) and "unrecognised content" in broken
    assert rgb.startswith(str(mixed / "rgb.npy")) and "not the checkpoint's" in rgb
    logged = [r.getMessage() for r in caplog.records if r.name == "jovis.adapt.frames"]
    assert logged == [f"adapt: left out {x}" for x in (broken, rgb)]
    _, info = load_checkpoint(result["checkpoint"])
    assert info.extra["adapted"]["left_out"] == [broken, rgb]


def test_resume_continues_the_step_count(tiny_ckpt, frames_dir, tmp_path):
    first = adapt(adapt_cfg(tiny_ckpt, frames_dir, tmp_path, "steps=1"))
    resumed = adapt(adapt_cfg(tiny_ckpt, frames_dir, tmp_path, "steps=3", f"resume={first['out']}"))
    assert resumed["out"] == first["out"] and resumed["steps"] == 3
    history = json.loads((Path(first["out"]) / "guard.json").read_text())["history"]
    assert [h["step"] for h in history] == [0, 1, 2, 3]  # step 0 measured once, not again
    # a resume on other frames is refused, naming data=
    other = tmp_path / "other"
    other.mkdir()
    for p in sorted(frames_dir.iterdir())[:3]:
        (other / p.name).write_bytes(p.read_bytes())
    with pytest.raises(ValueError, match="data="):
        adapt(adapt_cfg(tiny_ckpt, other, tmp_path, f"resume={first['out']}"))


def test_no_readable_frame_is_refused_before_any_output(tiny_ckpt, tmp_path):
    empty = tmp_path / "frames"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a frame")
    np.save(empty / "rgb.npy", np.zeros((64, 64, 3), np.float32))  # 3 channels: jiram has 2
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"no readable frame.*data=DIR"):
        adapt(adapt_cfg(tiny_ckpt, empty, out))
    assert not out.exists()
    one = tmp_path / "one"
    one.mkdir()
    np.save(one / "a.npy", np.random.default_rng(0).random((64, 64, 2), np.float32))
    with pytest.raises(ValueError, match="at least 2"):
        adapt(adapt_cfg(tiny_ckpt, one, out))


def test_adapt_cli_end_to_end_then_evaluate_reads_the_checkpoint(tiny_ckpt, frames_dir, tmp_path):
    args = [f"ckpt={tiny_ckpt}", f"data={frames_dir}", f"out={tmp_path}", "steps=2",
            "batch_size=2", "guard.every=2", "guard.synthetic_frames=2", "teacher.tta=false",
            "teacher.threshold=0.4"]  # fmt: skip
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "adapt.py"), *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["steps"] == 2 and Path(result["checkpoint"]).is_file()
    assert (Path(result["out"]) / "last.pt").is_file()
    # resume=RUN alone, as an interrupted run's message says, takes the run's own settings (it
    # stopped asking for data=); what is given (steps=) wins
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "adapt.py"),
                           f"resume={result['out']}", "steps=3"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    again = json.loads(proc.stdout.strip().splitlines()[-1])
    assert again["out"] == result["out"] and again["steps"] == 3
    from jovis.evaluation import evaluate

    scores = evaluate(result["checkpoint"], frames_dir.parent, device="cpu")
    assert scores["frames"] == 5 and scores["background_iou"] is not None


def test_adapt_takes_model_like_infer_and_refuses_an_unknown_name(tiny_ckpt, frames_dir,
                                                                   tmp_path):  # fmt: skip
    base = [f"data={frames_dir}", f"out={tmp_path}", "steps=1", "batch_size=2", "guard.every=1",
            "guard.synthetic_frames=2", "teacher.tta=false", "teacher.threshold=0.4"]  # fmt: skip
    run = [sys.executable, str(REPO / "scripts" / "adapt.py")]
    proc = subprocess.run([*run, "model=no-such-model", *base], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)  # fmt: skip
    assert proc.returncode != 0 and "no-such-model" in proc.stderr
    assert not any(tmp_path.glob("adapt-*"))
    # model= goes through the same resolver as infer (a released name, or a checkpoint path)
    proc = subprocess.run([*run, f"model={tiny_ckpt}", *base], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["parent"] == str(tiny_ckpt)


@pytest.mark.parametrize(
    ("override", "key"),
    [("augment.gamma.prob=2", "augment.gamma.prob"), ("guard.every=0", "guard.every"),
     ("guard.keep=worst", "guard.keep"), ("real_share=1.5", "real_share"),
     ("teacher.emission_sigmas=-1", "teacher.emission_sigmas"),
     ("teacher.emission_disk_px=1", "teacher.emission_disk_px"),
     # these two were checked where used, after the run's folder and config.yaml were written
     ("teacher.threshold=1.5", "teacher.threshold"), ("teacher.momentum=2", "teacher.momentum"),
     ("px_per_deg=-1", "px_per_deg"), ("limb_radius_px=0", "limb_radius_px"),
     # these reached AdamW, int(), float() or the renderer: a traceback, or no key named
     ("weight_decay=-1", "weight_decay=-1: must"), ("size=abc", "size='abc': must"),
     ("real_share=abc", "real_share='abc': must"),
     ("guard.synthetic_frames=-1", "guard.synthetic_frames=-1: must"),
     ("guard.synthetic_seed=abc", "guard.synthetic_seed='abc': must")],
)  # fmt: skip
def test_bad_settings_are_refused_before_any_output(tiny_ckpt, frames_dir, tmp_path, override,
                                                    key):  # fmt: skip
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        adapt(adapt_cfg(tiny_ckpt, frames_dir, out, override))
    assert not out.exists()


def test_the_frames_scale_hints_reach_what_the_model_sees(tiny_ckpt, tmp_path):
    """adapt takes infer's px_per_deg (frames without a grid) and limb_radius_px (crops of
    views, for a detector of views): the frames are fed at the scale infer feeds them."""
    from jovis.adapt.frames import read_unlabelled
    from jovis.geometry.resample import PRODUCT_LIMB_SHARE
    from jovis.geometry.training import TrainingGeometry
    from jovis.inference.scale import training_geometry

    frames = tmp_path / "frames"
    frames.mkdir()
    _, info = load_checkpoint(tiny_ckpt, "cpu")
    bands = len(info.channels)
    for i in range(2):  # grid-less frames of its bands (an array carries no grid)
        np.save(frames / f"f{i}.npy", np.random.default_rng(i).uniform(0, 1, (96, 96, bands)))
    geometry = training_geometry(info)
    hinted, _ = read_unlabelled(frames, info, min_size=32, px_per_deg=geometry.px_per_deg / 2)
    assert [rf.scaled.note["resample_scale"] for rf in hinted] == [2.0, 2.0]
    assert [rf.scaled.array.shape[-1] for rf in hinted] == [192, 192]
    views = TrainingGeometry(**{**geometry.to_dict(), "views": {"perspective": 1.0}})
    info.extra["geometry"] = views.to_dict()
    cropped, _ = read_unlabelled(frames, info, min_size=32, limb_radius_px=400.0)
    scale = PRODUCT_LIMB_SHARE * views.view_side / 400.0
    assert cropped[0].scaled.note["resample_scale"] == pytest.approx(scale, abs=1e-4)


def test_emission_sigmas_reaches_the_pseudo_labels_and_the_record(tiny_ckpt, frames_dir, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    import jovis.adapt.pseudo as pseudo

    seen = []
    real = pseudo.ignore_emitting_background

    def spy(labels, excess, sigmas, ignore_index=255):
        seen.append(sigmas)
        return real(labels, excess, sigmas, ignore_index)

    monkeypatch.setattr(pseudo, "ignore_emitting_background", spy)
    result = adapt(adapt_cfg(tiny_ckpt, frames_dir, tmp_path, "steps=1",
                             "teacher.emission_sigmas=2.5"))  # fmt: skip
    assert seen and set(seen) == {2.5}
    _, info = load_checkpoint(result["checkpoint"])
    assert info.extra["adapted"]["emission_sigmas"] == 2.5
