"""GeoJSON lines and outlines in ``[lon, lat]`` (System III west, 0–360°) cut where they cross
the 0°/360° meridian.

A polar oval or vortex outline runs through every longitude, so its vertices jump from ~360° to
~0° somewhere; a planar viewer (QGIS, geojson.io, matplotlib over lon/lat) then draws a segment
across the whole map. RFC 7946 §3.1.9 asks that geometries crossing the map's edge be cut there,
as here: each crossing gets a vertex on both edges (latitude interpolated), a line becomes a
MultiLineString of its pieces, an outline that crosses an even number of times a MultiPolygon of
pieces closed along the edge, and an outline round the pole (one crossing) one Polygon closed
along the map's pole edge, so it still covers the cap it encloses. Placed back on a polar grid
vertex by vertex (`jovis.annotations.geojson`) the edge vertices fall on the outline and the
pole, so the region is the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DIGITS = 4  # decimals of the vertices written (as `jovis.catalog` writes positions)


def _crossing(a: np.ndarray, b: np.ndarray) -> tuple[list[float], list[float]]:
    """(exit, entry) vertices of the segment a → b that crosses the 0°/360° meridian: the
    point on the edge it leaves and the same point on the edge it enters."""
    if a[0] > b[0]:  # e.g. 359° → 1°: up through 360°
        edge_out, edge_in, span = 360.0, 0.0, b[0] + 360.0 - a[0]
        t = (360.0 - a[0]) / span
    else:  # e.g. 1° → 359°: down through 0°
        edge_out, edge_in, span = 0.0, 360.0, a[0] - (b[0] - 360.0)
        t = a[0] / span
    lat = float(a[1] + t * (b[1] - a[1]))
    return [edge_out, lat], [edge_in, lat]


def _jumps(points: np.ndarray, cyclic: bool) -> list[int]:
    """Indices i whose segment to the next vertex crosses the meridian (|Δlon| > 180°)."""
    nxt = np.roll(points, -1, axis=0) if cyclic else points[1:]
    steps = np.abs(nxt[:, 0] - points[: len(nxt), 0])
    return [int(i) for i in np.nonzero(steps > 180.0)[0]]


def split_line(coords: list, closed: bool) -> list[list[list[float]]]:
    """The pieces of a line of ``[lon, lat]`` vertices between meridian crossings; `closed`: a
    ring (its last vertex may repeat the first), whose pieces run from crossing to crossing.
    Without a crossing: the line itself (a ring closed)."""
    return _split(coords, closed)[0]


def _split(coords: list, closed: bool) -> tuple[list[list[list[float]]], int]:
    """(`split_line`'s pieces, the number of crossings)."""
    points = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    if closed and len(points) > 1 and np.array_equal(points[0], points[-1]):
        points = points[:-1]
    jumps = _jumps(points, closed) if len(points) > 1 else []
    if not jumps:
        whole = points.tolist()
        return [[*whole, whole[0]] if closed else whole], 0
    n, pieces = len(points), []
    cuts = [_crossing(points[i], points[(i + 1) % n]) for i in jumps]
    if closed:  # from each crossing's entry round to the next crossing's exit
        for k, i in enumerate(jumps):
            j = jumps[(k + 1) % len(jumps)]
            idx = [(i + 1 + m) % n for m in range((j - i) % n or n)]
            pieces.append([cuts[k][1], *points[idx].tolist(), cuts[(k + 1) % len(jumps)][0]])
    else:
        starts = [0, *[i + 1 for i in jumps]]
        ends = [*[i + 1 for i in jumps], n]
        for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
            head = [cuts[k - 1][1]] if k > 0 else []
            tail = [cuts[k][0]] if k < len(jumps) else []
            pieces.append([*head, *points[s:e].tolist(), *tail])
    return pieces, len(jumps)


def _rounded(piece: list[list[float]], digits: int = DIGITS) -> list[list[float]]:
    return [[round(float(x), digits), round(float(y), digits)] for x, y in piece]


def line_geometry(coords: list, closed: bool = False) -> dict[str, Any]:
    """A GeoJSON LineString of `coords`, or a MultiLineString of its pieces when it crosses the
    0°/360° meridian (`split_line`)."""
    pieces = [_rounded(p) for p in split_line(coords, closed)]
    if len(pieces) == 1:
        return {"type": "LineString", "coordinates": pieces[0]}
    return {"type": "MultiLineString", "coordinates": pieces}


def polygon_geometry(ring: list, digits: int = DIGITS) -> dict[str, Any]:
    """A GeoJSON Polygon of the outline `ring` ``[lon, lat]``; cut at the 0°/360° meridian: an
    even number of crossings gives a MultiPolygon of pieces closed along the edge, one crossing
    (an outline round the pole) a Polygon closed along the pole's edge of the map (latitude ±90°
    on the side of the outline's mean latitude). An outline crossing an odd number of times
    more than once (a contorted one) is kept whole. Vertices rounded to `digits` decimals."""
    pieces, crossings = _split(ring, closed=True)
    points = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
    if crossings == 0 or (crossings % 2 == 1 and crossings > 1):
        whole = _rounded(points.tolist(), digits)
        if whole[0] != whole[-1]:
            whole.append(whole[0])
        return {"type": "Polygon", "coordinates": [whole]}
    if crossings % 2 == 0:
        return {"type": "MultiPolygon",
                "coordinates": [[_rounded([*p, p[0]], digits)] for p in pieces]}  # fmt: skip
    (piece,) = pieces
    pole = 90.0 if float(np.mean(points[:, 1])) >= 0 else -90.0
    closed = [*piece, [piece[-1][0], pole], [piece[0][0], pole], piece[0]]
    return {"type": "Polygon", "coordinates": [_rounded(closed, digits)]}


def _on_edge(lon: float) -> bool:
    return lon in (0.0, 360.0)


def joined_ring(geometry: dict[str, Any]) -> list[list[float]] | None:
    """The outline `polygon_geometry` cut, joined again (its edge vertices lie on the outline;
    the pole's edge is dropped), for a reader that places it vertex by vertex and fits a shape
    to it; None when `geometry` is not such a cut (a Polygon that never reaches the pole's edge,
    or a MultiPolygon whose pieces do not run edge to edge, each into the next at the same
    latitude: separate regions)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon" and len(coords) == 1:
        ring = [list(map(float, p)) for p in coords[0]]
        at_pole = [i for i, p in enumerate(ring) if abs(p[1]) == 90.0]
        # the pole's edge `polygon_geometry` adds: two vertices in a row, one on each edge (a
        # user's outline through the pole itself is not a cut)
        if len(at_pole) != 2 or at_pole[1] != at_pole[0] + 1:
            return None
        a, b = ring[at_pole[0]][0], ring[at_pole[1]][0]
        if not (_on_edge(a) and _on_edge(b)) or a == b:
            return None
        kept = [p for i, p in enumerate(ring) if i not in at_pole]
        if len(kept) > 1 and kept[0] == kept[-1]:
            kept = kept[:-1]
        return kept if len(kept) >= 3 else None
    if kind != "MultiPolygon" or len(coords) < 2 or any(len(poly) != 1 for poly in coords):
        return None
    pieces = [[list(map(float, p)) for p in poly[0][:-1]] for poly in coords]  # open: no closure
    for k, piece in enumerate(pieces):
        following = pieces[(k + 1) % len(pieces)]
        if len(piece) < 2 or not (_on_edge(piece[0][0]) and _on_edge(piece[-1][0])):
            return None
        if not _on_edge(following[0][0]) or following[0][0] == piece[-1][0]:
            return None  # the next piece enters on the other edge where this one left
        if following[0][1] != piece[-1][1]:
            return None
    return [p for piece in pieces for p in piece]
