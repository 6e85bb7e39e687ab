"""Frames without a valid-data mask get the planet's disk found from the image (issue 12 #2)."""

import cv2
import numpy as np
import pytest
from tests.conftest import REAL_DATA

from jovis.io import read_frame

PRODUCTS = [
    REAL_DATA / "pj44_north_junocam" / "JNCE_2022229_44C00037_V01-mapprojected.png",
    REAL_DATA / "pj43_south_junocam" / "JNCE_2022186_43C00078_V01-mapprojected.png",
]


def independent_disk(path):
    """The lit disk from Canny edges alone: the largest closed outline of the edge map, filled
    (a separate procedure from the reader's sky threshold on the border ring)."""
    grey = cv2.GaussianBlur(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(grey, 20, 60), np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    disk = np.zeros(grey.shape, np.uint8)
    cv2.drawContours(disk, [max(contours, key=cv2.contourArea)], -1, 1, cv2.FILLED)
    return cv2.erode(disk, np.ones((5, 5), np.uint8)).astype(bool)  # undo the dilation


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: needs shared data")
@pytest.mark.parametrize("path", PRODUCTS, ids=lambda p: p.name[14:22])
def test_disk_mask_covers_the_disk_and_not_the_sky(path):
    frame = read_frame(path)
    assert frame.meta["valid_source"] == "disk found from the image"
    disk = independent_disk(path)
    covered = (frame.valid & disk).sum() / disk.sum()
    sky_marked = (frame.valid & ~disk).sum() / (~disk).sum()
    assert covered >= 0.95, covered
    assert sky_marked <= 0.03, sky_marked


def test_limb_circle_is_the_lit_limb_of_a_crescent_not_the_whole_outline():
    """A crescent (a disk minus an overlapping disk, cut by a straight field-of-view edge): the
    circle fit finds the limb's radius; a square has no limb."""
    from jovis.io.disk import limb_circle

    ys, xs = np.mgrid[0:600, 0:600]
    disk = np.hypot(xs - 320, ys - 300) < 200
    shadow = np.hypot(xs - 420, ys - 300) < 190
    crescent = disk & ~shadow & (ys < 460)
    circle = limb_circle(crescent)
    assert circle["radius"] == pytest.approx(200, abs=1.5)
    assert circle["centre"] == pytest.approx([320, 300], abs=1.5)
    square = (abs(xs - 300) < 150) & (abs(ys - 300) < 150)
    assert limb_circle(square) is None
    assert limb_circle(np.zeros((50, 50), bool)) is None


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_channel_mean_is_numpys_float32_mean_bit_for_bit(dtype):
    """The fast plane-by-plane mean must not move a pixel across the sky threshold: the
    disks of the shared JunoCam products were compared whole before and after (49 frames)."""
    from jovis.io.disk import _channel_mean

    rng = np.random.default_rng(3)
    for channels in (1, 3, 4):
        image = (rng.random((40, 50, channels)) * 250).astype(dtype)
        assert np.array_equal(_channel_mean(image), image.mean(axis=2, dtype=np.float32))
