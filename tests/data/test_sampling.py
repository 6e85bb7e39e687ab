"""Training order and sharding (jovis.data.datamodule samplers; here with the trainer tests)."""

import pytest

from jovis.data.datamodule import EpochSampler, ShardSampler


def _batches(sampler, batch_size):
    order = list(sampler)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def test_ranks_together_see_the_single_process_batches():
    single = _batches(EpochSampler(20, 4, seed=3), 4)
    ranks = [_batches(EpochSampler(20, 2, seed=3, rank=r, world=2), 2) for r in range(2)]
    assert len(single) == len(ranks[0]) == len(ranks[1]) == 5
    for k, batch in enumerate(single):
        assert ranks[0][k] + ranks[1][k] == batch


def test_order_is_a_function_of_seed_and_epoch_only():
    a, b = EpochSampler(16, 4, seed=0), EpochSampler(16, 4, seed=0)
    assert list(a) == list(b)
    a.set_epoch(1)
    assert list(a) != list(b) and sorted(a) == list(range(16))
    assert list(EpochSampler(16, 4, seed=1)) != list(b)


def test_skip_shortens_only_the_resumed_epoch():
    sampler = EpochSampler(16, 4, seed=0)
    sampler.set_epoch(2)
    full = list(sampler)
    sampler.skip_batches(2, 3)
    assert list(sampler) == full[12:]
    assert list(sampler) == full  # next pass is whole again
    sampler.skip_batches(1, 3)  # a skip for another epoch does nothing
    assert list(sampler) == full


def test_incomplete_global_batches_are_dropped_and_too_big_a_batch_raises():
    assert len(list(EpochSampler(10, 4, seed=0))) == 8
    with pytest.raises(ValueError, match=r"data\.batch_size=4 × 3 process"):
        EpochSampler(10, 4, seed=0, world=3)


def test_validation_shards_cover_every_frame_once():
    shards = [list(ShardSampler(7, rank=r, world=3)) for r in range(3)]
    assert sorted(i for shard in shards for i in shard) == list(range(7))
