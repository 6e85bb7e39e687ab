import re
import time

import pytest
import torch
from tests.conftest import compose_config

from jovis.benchmarks.infer import GpuSampler, run_infer
from jovis.checkpoint import save_checkpoint
from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.frame import LabelSchema
from jovis.models import ModelSpec

SPEC = ModelSpec("unet", "mobilenet_v3_small", 2, 3, decoder_width=0.25, encoder_width=0.5)
SCHEMA = {"classes": [{"id": 0, "name": "background", "color": [0, 0, 0]},
                      {"id": 1, "name": "aurora", "color": [40, 255, 120]},
                      {"id": 2, "name": "vortex", "color": [255, 90, 40]}],
          "ignore_index": 255, "ignore_color": [90, 90, 90]}  # fmt: skip


def per_frame_outputs(folder):
    return sorted(
        str(p.relative_to(folder))
        for kind in ("masks", "overlays", "features")
        for p in (folder / kind).iterdir()
    )


def test_infer_suite_times_runner_and_naive_loop_on_the_same_frames(tmp_path):
    ckpt = save_checkpoint(
        tmp_path / "tiny.pt",
        SPEC.build(),
        spec=SPEC,
        labels=LabelSchema.from_dict(SCHEMA),
        channels=["L", "M"],
        instrument="jiram",
        normalisation=DEFAULT_NORMALISATION,
        config={},
    )
    work = tmp_path / "work"
    result = run_infer(device="cpu", size=64, frames=4, ckpt=str(ckpt), batch_size=2,
                       num_workers=0, write_threads=1, work=work)  # fmt: skip

    plain, tta = result["passes"]
    assert (plain["tta"], plain["frames"], tta["tta"], tta["frames"]) == (False, 4, True, 1)
    for row in (plain, tta):
        for key in ("runner_fps", "naive_fps", "runner_model_fps", "naive_model_fps", "ratio"):
            assert row[key] > 0, key
    for key in ("runner_fps", "naive_fps", "ratio", "model_ratio", "tta_ratio", "torch_threads"):
        assert result[key] > 0, key
    assert result["device"].startswith("cpu") and result["floor"] == 1.5
    assert isinstance(result["meets_floor"], bool)

    for tag, n in (("plain", 4), ("tta", 1)):
        runner, naive = work / "runs" / f"runner-{tag}", work / "runs" / f"naive-{tag}"
        assert len(per_frame_outputs(runner)) == 3 * n
        assert per_frame_outputs(naive) == per_frame_outputs(runner)
        assert (naive / "catalog.csv").is_file() and (runner / "catalog.csv").is_file()


def test_infer_suite_profile_times_each_step_of_the_runner_threads(tmp_path):
    from jovis.apps.benchmark import profile_table
    from jovis.inference.outputs import render_overlay
    from jovis.inference.predictor import Predictor

    ckpt = save_checkpoint(tmp_path / "tiny.pt", SPEC.build(), spec=SPEC,
                           labels=LabelSchema.from_dict(SCHEMA), channels=["L", "M"],
                           instrument="jiram", normalisation=DEFAULT_NORMALISATION,
                           config={})  # fmt: skip
    predict = Predictor.predict
    result = run_infer(device="cpu", size=64, frames=3, tta_frames=1, ckpt=str(ckpt),
                       batch_size=2, num_workers=0, write_threads=2, work=tmp_path / "work",
                       profile=True)  # fmt: skip

    profile = result["profile"]
    assert (profile["frames"], profile["write_threads"]) == (3, 2) and profile["seconds"] > 0
    steps = profile["steps"]
    assert steps["main: forward pass and copy back"]["calls"] == 2  # batches of 2 and 1
    for step in ("main: hand-off (waits for a writer)", "writer: overlay drawn",
                 "writer: overlay PNG written", "writer: mask PNG (+ probabilities) written",
                 "writer: GeoJSON written"):  # fmt: skip
        assert steps[step]["calls"] == 3 and steps[step]["seconds"] > 0, step
    assert set(profile["stage_median_s"]) == {"read_s", "predict_s", "write_s"}
    assert all(v > 0 for v in profile["stage_median_s"].values())
    assert all(set(row["runner_stage_median_s"]) == {"read_s", "predict_s", "write_s"}
               for row in result["passes"])  # fmt: skip
    # the timing wrappers are gone once the pass has run
    from jovis.inference import outputs

    assert Predictor.predict is predict and outputs.render_overlay is render_overlay
    assert profile_table(profile).row_count == len(steps)


def test_gpu_sampler_turns_nvml_utilisation_into_idle_share(monkeypatch):
    monkeypatch.setattr(torch.cuda, "utilization", lambda device=None: 25)
    with GpuSampler("cuda", every_s=0.01) as sampler:
        time.sleep(0.1)
    assert sampler.samples and sampler.idle_share() == 0.75
    with GpuSampler("cpu") as cpu:  # a CPU run samples nothing
        time.sleep(0.03)
    assert cpu.samples == []


def test_infer_suite_with_onnxruntime_compares_forward_and_end_to_end(tmp_path):
    from jovis.benchmarks.backends import compare_forward

    ckpt = save_checkpoint(tmp_path / "tiny.pt", SPEC.build(), spec=SPEC,
                           labels=LabelSchema.from_dict(SCHEMA), channels=["L", "M"],
                           instrument="jiram", normalisation=DEFAULT_NORMALISATION,
                           config={})  # fmt: skip
    work = tmp_path / "work"
    result = run_infer(device="cpu", size=64, frames=2, tta_frames=1, ckpt=str(ckpt),
                       batch_size=2, num_workers=0, write_threads=1, work=work,
                       backend="onnxruntime")  # fmt: skip
    b = result["backend"]
    assert b["backend"] == "onnxruntime"
    assert set(b["forward"]["median_s"]) >= {"torch_fp32", "onnxruntime"}
    assert b["forward"]["speedup_vs_torch_fp32"] > 0 and b["forward"]["floor"] == 1.3
    assert b["e2e"]["frames"] == 2 and b["e2e"]["fps"] > 0
    assert b["e2e"]["torch_runner_fps"] == result["passes"][0]["runner_fps"]
    rows = (work / "runs" / "runner-onnxruntime" / "manifest.jsonl").read_text()
    assert '"backend": "onnxruntime"' in rows
    torch_rows = (work / "runs" / "runner-plain" / "manifest.jsonl").read_text()
    assert '"backend": "torch"' in torch_rows  # the runner-vs-naive passes stay on torch
    fw = compare_forward(ckpt, "onnxruntime", 64, repeats=2)
    assert len(fw["median_s"]) in (2, 3) and fw["repeats"] == 2


@pytest.mark.parametrize(("key", "value"), [("frames", 0), ("tta_frames", 0), ("size", 16)])
def test_infer_suite_refuses_a_wrong_count_naming_it(key, value):
    """frames=0 ran as the default (32) and the error for a small size named no key."""
    with pytest.raises(ValueError, match=rf"{key}={value}: must be an integer ≥"):
        run_infer(device="cpu", **{"size": 64, key: value})


def test_optional_counts_read_numbers_given_as_text_and_name_a_word():
    """`frames` reaches the benchmark as text (jovis keeps it as typed for labels' frames=
    folder): '2' is 2, as scripts/gpu_check.sh gives it; a word names its key."""
    from omegaconf import OmegaConf

    from jovis.apps.benchmark import optional_ints

    cfg = OmegaConf.create({"frames": "2", "tta_frames": None, "num_workers": 0})
    assert optional_ints(cfg, "frames", "tta_frames", "num_workers") == {
        "frames": 2, "tta_frames": None, "num_workers": 0}  # fmt: skip
    with pytest.raises(ValueError, match=r"frames='abc': must be an integer"):
        optional_ints(OmegaConf.create({"frames": "abc"}), "frames")


@pytest.mark.parametrize(("override", "words"), [("repeats=abc", "repeats='abc'"),
                                                ("scaling.sizes=[256,abc]", "scaling.sizes='abc'"),
                                                ("size=16", "size=16")])  # fmt: skip
def test_every_count_is_checked_before_a_suite_runs(override, words):
    """A word failed inside a suite as int()'s "invalid literal", naming no key."""
    from jovis.apps.benchmark import check_counts

    check_counts(compose_config("benchmark", ["suite=io"]))  # the shipped values pass
    with pytest.raises(ValueError, match=rf"{re.escape(words)}: must be an integer ≥"):
        check_counts(compose_config("benchmark", ["suite=io", override]))


def test_the_benchmark_reads_frames_as_the_count_typed(tmp_path):
    """jovis keeps labels' frames= (a folder) as typed; the benchmark's frames= is a count, so
    its app reads it as the number (frames=2 arrived as the text '2'; a suite took it only
    because its reader called int() on it)."""
    from tests.conftest import compose_config

    from jovis.apps.benchmark import TEXT_SETTINGS
    from jovis.apps.common import TEXT_KEYS, literal_texts

    typed = ["suite=infer", "frames=2", "ckpt=2016"]
    defaults = compose_config("benchmark", ["suite=infer"])
    cfg = compose_config("benchmark", typed)
    literal_texts(cfg, defaults, typed, TEXT_SETTINGS)
    assert cfg.frames == 2 and cfg.ckpt == "2016"  # a count stays a number, a path is text
    literal_texts(cfg, defaults, typed, TEXT_KEYS)
    assert cfg.frames == "2"  # what every app's keys made of it
