"""Graticule labels: inside the picture and never drawn over each other."""

import cv2

from jovis.geometry import PolarGrid
from jovis.render.graticule import FONT, _graticule_lines, placed_labels


def boxes(placed, font_scale):
    out = []
    for text, (x, y) in placed:
        (tw, th), base = cv2.getTextSize(text, FONT, font_scale, 1)
        out.append((x, y - th, x + tw, y + base))
    return out


def test_labels_that_would_overlap_are_left_out_the_first_kept():
    placed = placed_labels(
        (("70N", (10, 20)), ("0W", (12, 22)), ("30W", (60, 20))), (100, 100), 0.4
    )
    assert [t for t, _ in placed] == ["70N", "30W"]


def test_longitudes_ending_together_beside_a_pole_at_the_edge_get_legible_labels():
    """A north polar projection with the pole on the bottom edge (as the HST frames): the
    longitudes leaving the frame beside the pole end at one spot, and their labels overlapped."""
    grid = PolarGrid("north", 100.0, 199.0, 4.0)
    _, labels = _graticule_lines(grid, 200, 200, 1, 10.0, 30.0)
    placed = placed_labels(labels, (200, 200), 0.35)
    assert len(placed) < len(labels)  # some were left out
    found = boxes(placed, 0.35)
    for i, a in enumerate(found):
        assert 0 <= a[0] and a[2] < 200 and 0 <= a[1] and a[3] <= 200 + 3  # + descenders
        for b in found[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
