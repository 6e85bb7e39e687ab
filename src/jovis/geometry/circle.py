"""The algebraic (Kåsa) least-squares circle through points: the oval's ridge (realism) and the
planet's limb (`jovis.io.disk.limb_circle`) share it."""

from __future__ import annotations

import math

import numpy as np


def fit_circle(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float] | None:
    """(centre x, centre y, radius) minimising the algebraic distance x² + y² + Dx + Ey + F, or
    None for fewer than three points or points on a line (no finite circle)."""
    xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
    if xs.size < 3:
        return None
    mx, my = xs.mean(), ys.mean()
    u, v = xs - mx, ys - my  # centred for conditioning
    design = np.column_stack([u, v, np.ones_like(u)])
    (d, e, f), _, rank, _ = np.linalg.lstsq(design, -(u * u + v * v), rcond=None)
    cu, cv = -d / 2, -e / 2
    r2 = cu * cu + cv * cv - f
    if rank < 3 or not (math.isfinite(cu) and math.isfinite(cv)) or r2 <= 0:
        return None
    return float(cu + mx), float(cv + my), float(math.sqrt(r2))
