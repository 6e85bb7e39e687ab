import random

import numpy as np
import torch

from jovis.training.rng_state import capture_rng, restore_rng


def test_restore_replays_every_generator():
    torch.manual_seed(1)
    np.random.seed(1)  # noqa: NPY002 (the global state is what is saved)
    random.seed(1)
    state = capture_rng()
    first = (torch.rand(3), np.random.rand(3), random.random())  # noqa: NPY002
    restore_rng(state)
    again = (torch.rand(3), np.random.rand(3), random.random())  # noqa: NPY002
    assert torch.equal(first[0], again[0])
    assert np.array_equal(first[1], again[1]) and first[2] == again[2]
