import csv
import warnings
from pathlib import Path

import pytest
import torch
from tests.conftest import compose_config, validation_scores

from jovis.training.fit import resolve_resume, train
from jovis.training.schedules import lr_multiplier


def test_resume_continues_the_same_run_folder(tmp_path):
    first = train(
        compose_config("train", ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=2"])
    )
    assert first["steps"] == 2
    run = first["out"]
    resumed = train(
        compose_config(
            "train", ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=4", f"resume={run}"]
        )
    )
    assert resumed["out"] == run and resumed["steps"] == 4
    assert len(list(tmp_path.iterdir())) == 1  # no second run folder
    meta = torch.load(resumed["checkpoint"], weights_only=True)["jovis"]
    assert meta["steps"] == 4


def test_resume_of_nothing_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass a run folder"):
        resolve_resume(tmp_path)


def test_two_runs_with_one_seed_give_identical_weights(tmp_path):
    overrides = ["experiment=tiny", "trainer.max_steps=1"]
    a = train(compose_config("train", [*overrides, f"out={tmp_path / 'a'}"]))
    b = train(compose_config("train", [*overrides, f"out={tmp_path / 'b'}"]))
    wa = torch.load(a["checkpoint"], weights_only=True)["state_dict"]
    wb = torch.load(b["checkpoint"], weights_only=True)["state_dict"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    c = train(compose_config("train", [*overrides, f"out={tmp_path / 'c'}", "seed=1"]))
    wc = torch.load(c["checkpoint"], weights_only=True)["state_dict"]
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)


@pytest.mark.slow
def test_scene_workers_train_on_the_same_frames(tmp_path, monkeypatch):
    """data.scene_workers: loader processes draw the scenes (none drawn for training in this
    process); the run's weights are the same."""
    import jovis.synth.renderer as renderer

    overrides = ["experiment=tiny", "trainer.max_steps=2"]
    a = train(compose_config("train", [*overrides, f"out={tmp_path / 'a'}"]))
    drawn_here = []
    real = renderer.draw_scenes
    monkeypatch.setattr(renderer, "draw_scenes", lambda *a: drawn_here.append(a[0]) or real(*a))
    b = train(
        compose_config("train", [*overrides, f"out={tmp_path / 'b'}", "data.scene_workers=1"])
    )
    assert drawn_here and all(min(seeds) >= 10_000_000 for seeds in drawn_here)  # validation only
    wa = torch.load(a["checkpoint"], weights_only=True)["state_dict"]
    wb = torch.load(b["checkpoint"], weights_only=True)["state_dict"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_best_and_last_checkpoints_and_onecycle(tmp_path):
    run = train(
        compose_config("train", ["experiment=tiny", f"out={tmp_path}", "optim.schedule=onecycle"])
    )
    ckpts = Path(run["out"]) / "checkpoints"
    assert run["best_checkpoint"] == str(ckpts / "best.ckpt") and (ckpts / "last.ckpt").is_file()
    with open(Path(run["out"]) / "logs" / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r.get("val/mean_iou")]
    assert len(rows) == 2  # one validation per epoch of 2 steps
    scores = [float(r["val/mean_iou"]) for r in rows]
    best = torch.load(ckpts / "best.ckpt", weights_only=False)
    state = next(v for k, v in best["callbacks"].items() if k.startswith("ModelCheckpoint"))
    assert float(state["best_model_score"]) == pytest.approx(max(scores))
    assert best["global_step"] == int(rows[scores.index(max(scores))]["step"]) + 1
    # the one-cycle multiplier drove the learning rate to its last value
    last = torch.load(ckpts / "last.ckpt", weights_only=False)
    lr = last["lr_schedulers"][0]["_last_lr"][0]
    expected = 2.0e-3 * lr_multiplier("onecycle", 1, 4)(last["global_step"])
    assert lr == pytest.approx(expected)


def test_a_run_ending_inside_an_epoch_records_its_final_weights_scores(tmp_path):
    # tiny's epoch is 2 steps: Lightning validates after step 2 only, so without the last
    # step's check model.pt and the result would carry the scores of the step-2 weights
    cfg = compose_config("train", ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=3"])
    run = train(cfg)
    meta = torch.load(run["checkpoint"], weights_only=True)["jovis"]
    assert meta["steps"] == 3
    alone = validation_scores(run["checkpoint"], cfg)
    for key in ("background_iou", "aurora_iou", "vortex_iou"):
        assert meta["val_scores"][key] == pytest.approx(alone[key], abs=1e-6, nan_ok=True)
    assert run["val_background_iou"] == pytest.approx(alone["background_iou"], abs=1e-4)
    with open(Path(run["out"]) / "logs" / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r.get("val/mean_iou")]
    assert len(rows) == 2 and rows[-1]["step"] == "3"  # the epoch's check, then the last step's
    assert float(rows[-1]["val/background_iou"]) == pytest.approx(alone["background_iou"], abs=1e-5)


def test_a_run_stopping_inside_its_first_epoch_has_scores_and_no_monitor_warning(tmp_path):
    overrides = ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=1"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = train(compose_config("train", overrides))
    assert run["val_background_iou"] is not None  # validated once, on its final weights
    assert not [w for w in caught if "could not find the monitored key" in str(w.message)]
    assert run["best_checkpoint"] is None  # best.ckpt is kept by validations while fitting


def test_early_stopping_stops_when_the_monitor_stalls(tmp_path):
    # an impossible min_delta: the second validation is never an improvement
    overrides = ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=20"]
    overrides += ["early_stopping.patience=0", "early_stopping.min_delta=2.0"]
    run = train(compose_config("train", overrides))
    assert run["steps"] == 4  # validations at steps 2 and 4, stopped after the second


def test_a_monitored_score_a_validation_cannot_give_does_not_stop_the_run(tmp_path):
    """A network that marks no vortex yet has no vortex precision (0/0, not logged): monitoring
    it stopped the run at its first validation (Lightning's ModelCheckpoint: "could not find the
    monitored key"). Now that validation counts as the worst, and the logs keep it left out."""
    overrides = ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=4",
                 "checkpoint.monitor=val/vortex_precision", "init.head_prior=[1,0,0]"]  # fmt: skip
    run = train(compose_config("train", overrides))
    assert run["steps"] == 4 and Path(run["best_checkpoint"]).is_file()
    with open(next(tmp_path.glob("*/logs/metrics.csv"))) as f:
        rows = [r for r in csv.DictReader(f) if r.get("val/mean_iou")]
    assert len(rows) == 2 and not any(r.get("val/vortex_precision") for r in rows)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        # a name validation never logs stopped the run at its first validation, with a traceback
        (
            "checkpoint.monitor=val/vortex_iuo",
            r"checkpoint\.monitor='val/vortex_iuo' is not a score training logs; valid choices: "
            r"train/loss, val/loss, val/mean_iou, val/background_iou, val/aurora_iou, "
            r"val/vortex_iou",
        ),
        ("checkpoint.mode=maximum", r"checkpoint\.mode='maximum'; valid choices: max, min"),
        # int()'s or float()'s message naming no key, or numpy's at the first batch
        ("early_stopping.patience=abc", r"early_stopping\.patience='abc': must be an integer"),
        ("normalisation.low=abc", r"normalisation\.low='abc': must be a percentile in \[0, 100\]"),
        ("normalisation.high=150", r"normalisation\.high=150: must be a percentile"),
        ("data.view={polar:abc}", r"data\.view=\{'polar': 'abc'\}: probabilities must be numbers"),
        ("trainer.strategy=dp", r"trainer\.strategy='dp'; valid choices: auto, ddp"),
        ("optim.schedule=linear", r"optim\.schedule='linear'; valid choices: cosine, onecycle"),
        ("data.batch_size=16", r"data\.batch_size=16 is larger than the training set \(8 frames"),
        ("trainer.loggers=[wandb]", r"trainer\.loggers has \['wandb'\]; valid choices: csv"),
        ("trainer.precision=fp8", r"trainer\.precision='fp8'; valid choices"),
        ("data.scene_workers=-1", r"data\.scene_workers=-1: must be an integer ≥ 0"),
    ],
)
def test_bad_configs_fail_before_any_work_naming_the_fix(tmp_path, override, message):
    with pytest.raises(ValueError, match=message):
        train(compose_config("train", ["experiment=tiny", f"out={tmp_path}", override]))
    assert not any(tmp_path.iterdir())  # no run folder made


def test_tensorboard_logger_without_the_package_says_how_to_get_it(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    cfg = compose_config(
        "train", ["experiment=tiny", f"out={tmp_path}", "trainer.loggers=[csv,tensorboard]"]
    )
    with pytest.raises(ValueError, match="pip install tensorboardX"):
        train(cfg)


def test_default_run_logs_to_csv_and_tensorboard(tiny_run):
    logs = Path(tiny_run["out"]) / "logs"
    assert (logs / "metrics.csv").is_file()
    events = list(logs.glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0


def test_the_per_frame_loader_still_trains(tmp_path):
    # +data.on_device=false: frames rendered one by one in the loader, as for data=folder
    run = train(
        compose_config(
            "train",
            ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=2", "+data.on_device=false"],
        )
    )
    assert run["steps"] == 2 and run["val_background_iou"] is not None
