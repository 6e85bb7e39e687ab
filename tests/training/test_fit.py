import pytest
import torch
from tests.conftest import compose_config

from jovis.training.fit import resolve_resume, train


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
