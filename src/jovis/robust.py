"""The robust noise sigma that jovis uses wherever a frame's or a fit's noise is estimated."""

from __future__ import annotations

import numpy as np

MAD_TO_SIGMA = 1.4826  # a Gaussian's sd over its median absolute deviation


def mad_sigma(values, centre: float | None = None) -> float:
    """Robust sd of `values`: 1.4826 × the median of |values − centre| (centre: their median).

    Outliers (aurora, stars, a vortex in a noise ring; a misfit point of a track) barely move
    it, where a plain sd would follow them. 0.0 when there are no values."""
    values = np.asarray(values)
    if values.size == 0:
        return 0.0
    middle = np.median(values) if centre is None else centre
    return MAD_TO_SIGMA * float(np.median(np.abs(values - middle)))
