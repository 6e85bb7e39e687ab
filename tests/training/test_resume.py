"""Exact resume: N steps in one go equal N/2 + resume + N/2 (weights, val metrics, schedule)."""

import pytest
import torch
from tests.conftest import compose_config

from jovis.training.fit import train

# 8 frames, batch 4: two steps an epoch, so the break at step 3 falls inside the second epoch
TINY = ["experiment=tiny", "data.train_frames=8", "trainer.max_steps=6"]


def _weights(result: dict) -> dict[str, torch.Tensor]:
    return torch.load(result["checkpoint"], weights_only=True)["state_dict"]


def test_half_plus_resume_equals_one_go(tmp_path):
    whole = train(compose_config("train", [*TINY, f"out={tmp_path / 'whole'}"]))
    # stopped at step 3 of a 6-step schedule (as if killed there)
    stop = ["trainer.max_steps=3", "optim.schedule_steps=6"]
    half = train(compose_config("train", [*TINY, f"out={tmp_path / 'split'}", *stop]))
    assert half["steps"] == 3
    rest = train(compose_config("train", [*TINY, f"out={tmp_path}", f"resume={half['out']}"]))
    assert rest["out"] == half["out"] and rest["steps"] == whole["steps"] == 6

    a, b = _weights(whole), _weights(rest)
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=0, atol=1e-6, msg=key)
    scores = {k: v for k, v in whole.items() if k.startswith("val_")}
    assert scores and scores == {k: v for k, v in rest.items() if k.startswith("val_")}

    # the schedule and optimiser continued too: the final checkpoints agree on both
    last_a = torch.load(f"{whole['out']}/checkpoints/last.ckpt", weights_only=False)
    last_b = torch.load(f"{rest['out']}/checkpoints/last.ckpt", weights_only=False)
    assert last_a["lr_schedulers"][0]["last_epoch"] == last_b["lr_schedulers"][0]["last_epoch"]
    sa, sb = last_a["optimizer_states"][0]["state"], last_b["optimizer_states"][0]["state"]
    for k in sa:
        torch.testing.assert_close(sb[k]["exp_avg_sq"], sa[k]["exp_avg_sq"], rtol=0, atol=1e-9)


def test_resume_from_another_model_fails_before_training(tmp_path):
    run = train(
        compose_config("train", ["experiment=tiny", f"out={tmp_path}", "trainer.max_steps=1"])
    )
    other = ["experiment=tiny", f"out={tmp_path}", f"resume={run['out']}", "instrument=jiram_l"]
    with pytest.raises(ValueError, match=r"another model.*in_channels.*drop resume="):
        train(compose_config("train", other))
    # nothing trained: the run's checkpoint is still the one-step one
    meta = torch.load(run["checkpoint"], weights_only=True)["jovis"]
    assert meta["steps"] == 1
