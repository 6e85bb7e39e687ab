"""Lines and outlines in [lon, lat] cut at the 0°/360° meridian (`jovis.geometry.lonwrap`)."""

import cv2
import numpy as np
import pytest
from tests.conftest import meridian_steps

from jovis.geometry import PolarGrid
from jovis.geometry.lonwrap import joined_rings, line_geometry, polygon_geometry, split_line


def test_a_line_without_a_crossing_is_kept():
    assert line_geometry([[10, 70], [20, 71]]) == {
        "type": "LineString", "coordinates": [[10.0, 70.0], [20.0, 71.0]]}  # fmt: skip
    ring = [[10, 70], [20, 70], [20, 75], [10, 70]]
    assert polygon_geometry(ring) == {"type": "Polygon", "coordinates": [ring]}
    assert split_line(ring[:-1], closed=True) == [ring]  # closed when it was not


def test_an_open_line_is_cut_with_the_latitude_interpolated():
    geom = line_geometry([[350, 70], [355, 71], [5, 72], [10, 73]])
    assert geom == {
        "type": "MultiLineString",
        "coordinates": [
            [[350.0, 70.0], [355.0, 71.0], [360.0, 71.5]],
            [[0.0, 71.5], [5.0, 72.0], [10.0, 73.0]],
        ],
    }
    # the other way round (east through 0°)
    geom = line_geometry([[5, 72], [355, 71]])
    assert geom["coordinates"] == [[[5.0, 72.0], [0.0, 71.5]], [[360.0, 71.5], [355.0, 71.0]]]


def test_a_ring_round_the_pole_runs_from_edge_to_edge():
    ring = [[lon, 80.0 + 0.01 * lon] for lon in np.arange(15.0, 360.0, 30.0)]
    line = line_geometry([*ring, ring[0]], closed=True)
    assert line["type"] == "LineString"
    coords = line["coordinates"]
    assert coords[0][0] == 0.0 and coords[-1][0] == 360.0 and coords[0][1] == coords[-1][1]
    assert len(coords) == len(ring) + 2 and max(meridian_steps(coords)) <= 180


@pytest.mark.parametrize("hemisphere", ["north", "south"])
def test_an_outline_round_the_pole_closes_along_the_pole_and_covers_the_same_pixels(hemisphere):
    """Placed back on the polar grid vertex by vertex (as the label importer does), the cut
    outline fills the pixels the outline did."""
    grid = PolarGrid(hemisphere, 100.0, 100.0, 10.0, lon_at_x=37.0)
    t = np.linspace(0, 2 * np.pi, 37)
    x, y = 104 + 30 * np.cos(t), 97 + 22 * np.sin(t)  # an ellipse round the pole, off centre
    lat, lon = grid.latlon(x, y)
    geom = polygon_geometry(np.stack([lon, lat], 1).tolist())
    assert geom["type"] == "Polygon"
    (ring,) = geom["coordinates"]
    pole = 90.0 if hemisphere == "north" else -90.0
    assert ring[0] == ring[-1] and [p[1] for p in ring[-3:-1]] == [pole, pole]
    assert max(meridian_steps(ring)) <= 180

    def filled(points_lonlat):
        pts = np.asarray(points_lonlat, np.float64)
        px = np.stack(grid.pixel(pts[:, 1], pts[:, 0]), 1)
        img = np.zeros((200, 200), np.uint8)
        cv2.fillPoly(img, [np.round(px * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
        return img.astype(bool)

    before, after = filled(np.stack([lon, lat], 1)), filled(ring)
    assert (before & after).sum() / (before | after).sum() > 0.99


def test_an_outline_across_the_meridian_becomes_two_closed_pieces():
    ring = [[350, 70], [10, 70], [10, 75], [350, 75], [350, 70]]
    geom = polygon_geometry(ring)
    assert geom["type"] == "MultiPolygon" and len(geom["coordinates"]) == 2
    for (piece,) in geom["coordinates"]:
        assert piece[0] == piece[-1] and max(meridian_steps(piece)) <= 180
        assert {p[0] for p in piece} <= {0.0, 10.0} or {p[0] for p in piece} <= {350.0, 360.0}


def test_a_cut_outline_is_joined_again_and_other_shapes_are_not():
    straddling = [[350, 70], [10, 70], [10, 75], [350, 75], [350, 70]]
    (joined,) = joined_rings(polygon_geometry(straddling))
    corners = {(0.0, 70.0), (10.0, 70.0), (10.0, 75.0), (0.0, 75.0), (350.0, 75.0), (350.0, 70.0)}
    assert {(p[0] % 360, p[1]) for p in joined} == corners
    ring = [[lon, 80.0] for lon in np.arange(15.0, 360.0, 30.0)]
    (joined,) = joined_rings(polygon_geometry([*ring, ring[0]]))
    assert all(abs(p[1]) != 90 for p in joined) and joined[1:-1] == ring
    # not cut by a writer: a plain polygon, two separate regions on either edge
    assert joined_rings({"type": "Polygon", "coordinates": [straddling]}) is None
    # a user's outline with a vertex on the pole itself keeps it: not a cut
    through_pole = [[0.0, 85.0], [120.0, 85.0], [200.0, 90.0], [240.0, 85.0], [0.0, 85.0]]
    assert joined_rings({"type": "Polygon", "coordinates": [through_pole]}) is None
    apart = {"type": "MultiPolygon", "coordinates": [
        [[[0, 70], [10, 70], [10, 72], [0, 72], [0, 70]]],
        [[[360, 60], [350, 60], [350, 62], [360, 62], [360, 60]]]]}  # fmt: skip
    assert joined_rings(apart) is None


def _filled(grid: PolarGrid, rings_lonlat, shape=(200, 200)) -> np.ndarray:
    """Pixels of `rings_lonlat` placed on `grid` vertex by vertex (even-odd: holes are holes)."""
    img = np.zeros(shape, np.uint8)
    polys = []
    for ring in rings_lonlat:
        pts = np.asarray(ring, np.float64)
        px = np.stack(grid.pixel(pts[:, 1], pts[:, 0]), 1)
        polys.append(np.round(px * 16).astype(np.int32))
    cv2.fillPoly(img, polys, 1, cv2.LINE_8, shift=4)
    return img.astype(bool)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize("hemisphere", ["north", "south"])
def test_an_oval_band_round_the_pole_is_one_polygon_edge_to_edge_and_joined_back(hemisphere):
    """A ring round the pole with a hole round it (an aurora label's band) is one Polygon from
    the 0° to the 360° edge along both outlines, and read back the outline and its hole."""
    grid = PolarGrid(hemisphere, 100.0, 100.0, 10.0, lon_at_x=37.0)
    t = np.linspace(0, 2 * np.pi, 48, endpoint=False)

    def lonlat(rx, ry):
        lat, lon = grid.latlon(104 + rx * np.cos(t), 97 + ry * np.sin(t))
        return np.stack([lon, lat], 1).tolist()

    outer, hole = lonlat(40, 30), lonlat(22, 15)
    geom = polygon_geometry(outer, holes=[hole])
    assert geom["type"] == "Polygon" and len(geom["coordinates"]) == 1
    (ring,) = geom["coordinates"]
    assert max(meridian_steps(ring)) <= 180 and all(abs(p[1]) != 90 for p in ring)
    assert sum(p[0] == 0.0 for p in ring) >= 2 and sum(p[0] == 360.0 for p in ring) == 2
    want = _filled(grid, [outer, hole])
    assert _iou(_filled(grid, [ring]), want) > 0.98  # as a viewer fills it
    joined = joined_rings(geom)
    assert len(joined) == 2
    assert _iou(_filled(grid, joined[:1]), _filled(grid, [outer])) > 0.99  # the outline first
    assert _iou(_filled(grid, joined), want) > 0.99


def test_holes_go_with_the_piece_that_holds_them_and_a_crossing_hole_keeps_it_whole():
    outer = [[350, 70], [10, 70], [10, 76], [350, 76]]
    hole = [[2, 72], [6, 72], [6, 74], [2, 74]]
    geom = polygon_geometry(outer, holes=[hole])
    assert geom["type"] == "MultiPolygon"
    east, west = sorted(geom["coordinates"], key=lambda poly: poly[0][1][0])
    assert len(east) == 2 and east[1] == [*hole, hole[0]] and len(west) == 1
    outline, *holes = joined_rings(geom)
    assert holes == [[[2.0, 72.0], [6.0, 72.0], [6.0, 74.0], [2.0, 74.0], [2.0, 72.0]]]
    assert {(p[0] % 360, p[1]) for p in outline} >= {(350.0, 70.0), (10.0, 76.0)}
    # a hole that itself crosses the meridian (not round the pole): written whole, as before
    crossing = [[355, 72], [5, 72], [5, 74], [355, 74]]
    geom = polygon_geometry(outer, holes=[crossing])
    assert geom == {"type": "Polygon", "coordinates": [
        [[float(x), float(y)] for x, y in [*outer, outer[0]]],
        [[float(x), float(y)] for x, y in [*crossing, crossing[0]]]]}  # fmt: skip
