"""The one ellipse outline: labels, catalogues, carried references and surface ellipses use it."""

import math

import cv2
import numpy as np
import pytest

from jovis.geometry.ellipse import ellipse_offsets, ellipse_points


@pytest.mark.parametrize("angle", [0.0, 30.0, 115.0])
def test_points_lie_on_the_ellipse_turned_as_cv2_reads_it(angle):
    pts = ellipse_points(40.0, 25.0, 12.0, 5.0, angle, n=180)
    th = math.radians(angle)
    dx, dy = pts[:, 0] - 40.0, pts[:, 1] - 25.0
    along = dx * math.cos(th) + dy * math.sin(th)
    across = -dx * math.sin(th) + dy * math.cos(th)
    np.testing.assert_allclose((along / 12.0) ** 2 + (across / 5.0) ** 2, 1.0, atol=1e-12)
    (cx, cy), (d1, d2), fitted = cv2.fitEllipse(pts.astype(np.float32))
    assert (cx, cy) == pytest.approx((40.0, 25.0), abs=1e-3)
    # cv2 reports the axis it calls width first; its angle is that axis's, modulo 180°
    major_angle = fitted if d1 >= d2 else fitted + 90.0
    assert max(d1, d2) / 2 == pytest.approx(12.0, abs=1e-3)
    assert (major_angle - angle) % 180.0 == pytest.approx(0.0, abs=0.05) or (
        (major_angle - angle) % 180.0 == pytest.approx(180.0, abs=0.05))  # fmt: skip


def test_offsets_start_on_the_major_axis_and_count_n():
    u, v = ellipse_offsets(3.0, 1.0, 90.0, n=8)
    assert u.shape == v.shape == (8,)
    assert (u[0], v[0]) == pytest.approx((0.0, 3.0), abs=1e-12)
    assert np.hypot(u, v).max() == pytest.approx(3.0)
