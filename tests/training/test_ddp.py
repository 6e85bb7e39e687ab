"""DDP launched by torchrun: 2 CPU processes (gloo) share one run folder and one checkpoint, and
their metrics equal the single-process ones on the same data."""

import json
import os
import subprocess
import sys

import pytest
import torch
from tests.conftest import REPO, compose_config, validation_scores

from jovis.data.datamodule import EpochSampler
from jovis.data.stream import SyntheticStream

TINY = ["experiment=tiny", "augment=none"]


def _torchrun(out, overrides: list[str]) -> list[dict]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    cmd += [str(REPO / "scripts" / "train.py"), f"out={out}", *overrides]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"out"')]


@pytest.mark.slow  # two torchrun processes + one reference run: ~20 s alone, more on a busy machine
def test_torchrun_two_cpu_processes(tmp_path):
    # global batch 4 either way: 2 processes × 2 frames, or 1 × 4
    results = _torchrun(
        tmp_path / "ddp",
        [*TINY, "trainer=ddp", "trainer.accelerator=cpu", "trainer.precision=fp32",
         "data.batch_size=2"],
    )  # fmt: skip
    assert len(results) == 2  # one line per rank, naming the same folder
    runs = list((tmp_path / "ddp").iterdir())
    assert len(runs) == 1 and {r["out"] for r in results} == {str(runs[0])}
    assert sorted(p.name for p in (runs[0] / "checkpoints").iterdir()) == ["best.ckpt", "last.ckpt"]
    assert sorted(p.name for p in runs[0].iterdir()) == [
        "checkpoints", "config.yaml", "logs", "model.pt",
    ]  # fmt: skip
    written = [r["checkpoint"] for r in results if r["checkpoint"]]
    assert written == [str(runs[0] / "model.pt")]  # rank 0 only
    assert all(r["steps"] == 4 for r in results)

    # the confusion matrix summed across the 2 ranks = one process over all validation frames
    cfg = compose_config("train", [*TINY, f"out={tmp_path}"])
    meta = torch.load(written[0], weights_only=True)["jovis"]["val_scores"]
    alone = validation_scores(written[0], cfg)
    for key in ("background_iou", "aurora_iou", "vortex_iou"):
        assert abs(meta[key] - alone[key]) < 1e-6 or (
            meta[key] != meta[key] and alone[key] != alone[key]
        )


def test_ranks_together_see_exactly_the_single_process_batches():
    # what a DDP rank trains on, from the same functions the trainer uses: rank r of 2 with
    # batch 2 gets slice r of the global batch of 4 a single process sees, every step and epoch
    one = SyntheticStream(8, 4, size=64, channels=["L"], seed=5, normalisation={})
    two = SyntheticStream(8, 2, size=64, channels=["L"], seed=5, normalisation={})
    two.set_world(2)
    assert len(one) == len(two) == 2
    for epoch in range(2):
        for k in range(2):
            ranks = [two.seeds(epoch, k, r) for r in range(2)]
            assert ranks[0] + ranks[1] == one.seeds(epoch, k, 0)
            assert len(set(ranks[0]) & set(ranks[1])) == 0
    assert one.seeds(1, 0, 0) == [13, 14, 15, 16]  # seed + epoch·frames + item
    for epoch in range(2):
        single = EpochSampler(8, 4, seed=3)
        ranks = [EpochSampler(8, 2, seed=3, rank=r, world=2) for r in range(2)]
        for sampler in (single, *ranks):
            sampler.set_epoch(epoch)
        alone, r0, r1 = list(single), list(ranks[0]), list(ranks[1])
        assert r0[:2] + r1[:2] == alone[:4] and r0[2:] + r1[2:] == alone[4:]
        assert sorted(alone) == list(range(8))
