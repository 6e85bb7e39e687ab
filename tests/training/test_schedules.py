import itertools
import math

import pytest

from jovis.training.schedules import lr_multiplier


def test_cosine_warms_up_linearly_then_decays_to_one_percent():
    f = lr_multiplier("cosine", 10, 110)
    assert [f(s) for s in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert f(60) == pytest.approx(0.01 + 0.99 * 0.5)
    assert f(110) == pytest.approx(0.01) and f(500) == pytest.approx(0.01)


def test_onecycle_rises_from_lr_over_25_and_ends_near_zero():
    f = lr_multiplier("onecycle", 10, 110)
    assert f(0) == pytest.approx(1 / 25)
    assert f(5) == pytest.approx(1 / 25 + (1 - 1 / 25) * 0.5)
    assert f(10) == pytest.approx(1.0)
    values = [f(s) for s in range(10, 111)]
    assert all(a >= b for a, b in itertools.pairwise(values))  # monotone decay
    assert f(110) == pytest.approx(1e-4) and math.isfinite(f(10_000))


def test_unknown_schedule_names_the_choices():
    with pytest.raises(
        ValueError, match=r"optim\.schedule='step'; valid choices: cosine, onecycle"
    ):
        lr_multiplier("step", 1, 10)
