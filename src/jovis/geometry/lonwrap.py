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

import cv2
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


def polygon_geometry(ring: list, digits: int = DIGITS, holes: list | tuple = ()) -> dict[str, Any]:
    """A GeoJSON Polygon of the outline `ring` ``[lon, lat]`` (with `holes`), cut at the 0°/360°
    meridian: an even number of crossings gives a MultiPolygon of pieces closed along the edge
    (each hole in the piece that holds it), one crossing (an outline round the pole) a Polygon
    closed along the pole's edge of the map (latitude ±90° on the side of the outline's mean
    latitude), or, when one hole runs round the pole too (an oval's band), a Polygon of the band
    between them closed along both edges of the map. Kept whole: an outline crossing an odd
    number of times more than once (a contorted one), and one whose other holes cross. Vertices
    rounded to `digits` decimals."""
    pieces, crossings = _split(ring, closed=True)
    points = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
    cut_holes = [_split(h, closed=True) for h in holes]
    round_holes = [cut for cut, n in cut_holes if n == 1]  # each one piece, edge to edge
    whole_holes = [_closed(h, digits) for h, (_, n) in zip(holes, cut_holes, strict=True) if n == 0]
    others_cross = len(whole_holes) + len(round_holes) < len(holes)
    band = crossings == 1 and len(round_holes) == 1
    if (
        crossings == 0
        or (crossings % 2 == 1 and crossings > 1)
        or others_cross
        or (round_holes and not band)
    ):
        return {"type": "Polygon", "coordinates": [_closed(ring, digits)]
                + [_closed(h, digits) for h in holes]}  # fmt: skip
    if crossings % 2 == 0:
        polys = [[_rounded([*p, p[0]], digits)] for p in pieces]
        for hole in whole_holes:  # each in the piece that holds its first vertex
            owner = next((k for k, p in enumerate(pieces) if _inside(hole[0], p)), 0)
            polys[owner].append(hole)
        return {"type": "MultiPolygon", "coordinates": polys}
    (piece,) = pieces
    if band:  # along the outline edge to edge, across to the hole, back along it the other way
        (inner,) = round_holes[0]
        if (inner[0][0] == 0.0) == (piece[0][0] == 0.0):
            inner = inner[::-1]
        closed = [*piece, *inner, piece[0]]
    else:
        pole = 90.0 if float(np.mean(points[:, 1])) >= 0 else -90.0
        closed = [*piece, [piece[-1][0], pole], [piece[0][0], pole], piece[0]]
    return {"type": "Polygon", "coordinates": [_rounded(closed, digits), *whole_holes]}


def _closed(ring: list, digits: int) -> list[list[float]]:
    whole = _rounded(np.asarray(ring, dtype=np.float64).reshape(-1, 2).tolist(), digits)
    return whole if whole[0] == whole[-1] else [*whole, whole[0]]


def _inside(point: list[float], ring: list[list[float]]) -> bool:
    """Whether `point` lies inside the `ring` (planar lon/lat)."""
    contour = np.asarray(ring, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (float(point[0]), float(point[1])), False) > 0


# the map edges a cut runs along: jovis's 0°/360° (System III west), or ±180° where a GIS
# following RFC 7946's longitude range cut a user's outline there
SEAMS = ((0.0, 360.0), (-180.0, 180.0))


def _on_edge(lon: float) -> bool:
    return any(lon in seam for seam in SEAMS)


def _opposite(a: float, b: float) -> bool:
    """Whether longitudes `a` and `b` are the two edges of one seam (the same meridian)."""
    return any({a, b} == set(seam) for seam in SEAMS)


def joined_rings(geometry: dict[str, Any]) -> list[list[list[float]]] | None:
    """The outline and holes ``[outer, *holes]`` that `polygon_geometry` cut, joined again (edge
    vertices lie on the outlines; the pole's edge is dropped), for a reader that places them
    vertex by vertex; cuts along ±180° (a GIS's RFC 7946 range) are joined the same way. None
    when `geometry` is not such a cut: a Polygon that never reaches the pole's edge nor runs as
    a band from edge to edge, or a MultiPolygon whose pieces do not run edge to edge, each into
    the next at the same latitude (separate regions)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon" and coords:
        ring = [list(map(float, p)) for p in coords[0]]
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]
        holes = [[list(map(float, p)) for p in h] for h in coords[1:]]
        joined = _pole_closed(ring)
        if joined is not None:
            return [joined, *holes]
        band = _band(ring)
        return None if band is None else [*band, *holes]
    if kind != "MultiPolygon" or len(coords) < 2 or any(not poly for poly in coords):
        return None
    pieces = [[list(map(float, p)) for p in poly[0][:-1]] for poly in coords]  # open: no closure
    for k, piece in enumerate(pieces):
        following = pieces[(k + 1) % len(pieces)]
        if len(piece) < 2 or not (_on_edge(piece[0][0]) and _on_edge(piece[-1][0])):
            return None
        if not _opposite(following[0][0], piece[-1][0]):
            return None  # the next piece enters on the other edge where this one left
        if following[0][1] != piece[-1][1]:
            return None
    holes = [[list(map(float, p)) for p in h] for poly in coords for h in poly[1:]]
    return [[p for piece in pieces for p in piece], *holes]


def _pole_closed(ring: list[list[float]]) -> list[list[float]] | None:
    """`ring` (open) without the pole's edge `polygon_geometry` adds: two vertices in a row at
    latitude ±90°, one on each edge (a user's outline through the pole itself is not a cut)."""
    at_pole = [i for i, p in enumerate(ring) if abs(p[1]) == 90.0]
    if len(at_pole) != 2 or at_pole[1] != at_pole[0] + 1:
        return None
    a, b = ring[at_pole[0]][0], ring[at_pole[1]][0]
    if not _opposite(a, b):
        return None
    kept = [p for i, p in enumerate(ring) if i not in at_pole]
    return kept if len(kept) >= 3 else None


def _band(ring: list[list[float]]) -> list[list[list[float]]] | None:
    """[outer, hole] of a band `polygon_geometry` cut (`ring` open): exactly two steps along an
    edge of the map, on different edges, splitting it into two lines that each run from edge to
    edge at one latitude (the same crossing); the one nearer the pole is the hole."""
    n = len(ring)
    steps = [i for i in range(n)
             if _on_edge(ring[i][0]) and ring[i][0] == ring[(i + 1) % n][0]]  # fmt: skip
    if len(steps) != 2 or not _opposite(ring[steps[0]][0], ring[steps[1]][0]):
        return None
    lines = []
    for a, b in ((steps[0], steps[1]), (steps[1], steps[0])):
        line = [ring[(a + 1 + m) % n] for m in range((b - a) % n)]
        if len(line) < 4 or line[0][1] != line[-1][1] or not _opposite(line[0][0], line[-1][0]):
            return None
        lines.append(line[:-1])  # its two edge vertices are one point of the outline
    lines.sort(key=lambda line: float(np.mean([abs(p[1]) for p in line])))
    return lines
