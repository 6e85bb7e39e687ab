"""Learning-rate schedules with warm-up, as multipliers of the base rate (for LambdaLR).

A plain function of the step keeps the scheduler's state to one integer, so resume is exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable

SCHEDULES = ("cosine", "onecycle")


def check_schedule(kind: str) -> None:
    if kind not in SCHEDULES:
        raise ValueError(f"optim.schedule={kind!r}; valid choices: {', '.join(SCHEDULES)}")


def lr_multiplier(kind: str, warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """Step → multiplier of the base learning rate.

    ``cosine``: linear warm-up from 1/warmup to 1, then cosine down to 0.01.
    ``onecycle``: cosine warm-up from 1/25 to 1 (the one-cycle policy of Smith & Topin, 2019),
    then cosine down to 1e-4; `warmup_steps` is the length of the rising phase.
    """
    check_schedule(kind)
    warmup, total = max(0, int(warmup_steps)), max(1, int(total_steps))

    def decay(step: int, floor: float) -> float:
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    def cosine(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return decay(step, 0.01)

    def onecycle(step: int) -> float:
        if step < warmup:
            start = 1 / 25
            return start + (1 - start) * 0.5 * (1 - math.cos(math.pi * step / warmup))
        return decay(step, 1e-4)

    return cosine if kind == "cosine" else onecycle
