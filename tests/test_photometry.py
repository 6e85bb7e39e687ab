import cv2
import numpy as np
import pytest

from jovis.frame import Frame
from jovis.geometry import PolarGrid
from jovis.photometry import oval_brightness
from tests.test_features import SCHEMA


def ring_mask(size=120):
    mask = np.zeros((size, size), np.uint8)
    cv2.circle(mask, (60, 60), 40, 1, -1)
    cv2.circle(mask, (60, 60), 34, 0, -1)
    return mask


def test_brightness_inside_the_oval_in_kr_km2():
    mask = ring_mask()
    grid = PolarGrid("north", 59.5, 59.5, 4.0)
    image = np.full((120, 120, 1), 2.0, np.float32)
    image[0:5] = 1000.0  # outside the oval: must not count
    valid = np.ones((120, 120), bool)
    valid[60:62, 60:62] = False  # a hole with no data inside
    frame = Frame(image, ["uv"], "uv", meta={"units": "kR"}, grid=grid, valid=valid)
    result = oval_brightness(frame, mask, SCHEMA)
    region = np.zeros((120, 120), np.uint8)
    cv2.circle(region, (60, 60), 40, 1, -1)
    inside = region.astype(bool) & valid
    expected = 2.0 * grid.pixel_area_km2(120, 120)[inside].sum()
    assert result["integrated"] == pytest.approx(expected, rel=1e-5)
    assert result["units"] == "kR·km²" and result["channel"] == "uv"
    assert 0.99 < result["coverage"] < 1.0


def test_without_grid_or_aurora():
    frame = Frame(np.ones((120, 120, 2), np.float32), ["L", "M"])
    assert oval_brightness(frame, ring_mask(), SCHEMA)["units"] == "frame units·px"
    assert oval_brightness(frame, np.zeros((120, 120), np.uint8), SCHEMA) is None


def test_the_cached_area_map_gives_the_per_pixel_numbers(monkeypatch):
    import jovis.photometry as photometry

    grid = PolarGrid("north", 59.5, 59.5, 4.0)
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 50, (120, 120, 1)).astype(np.float32)
    frame = Frame(image, ["uv"], "uv", meta={"units": "kR"}, grid=grid,
                  valid=np.ones((120, 120), bool))  # fmt: skip
    cached = oval_brightness(frame, ring_mask(), SCHEMA)  # the region is 35 % of the frame
    monkeypatch.setattr(photometry, "CACHED_AREA_SHARE", 1.0)  # every pixel's area computed
    assert oval_brightness(frame, ring_mask(), SCHEMA) == cached
