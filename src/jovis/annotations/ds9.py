"""SAOImage DS9 region files (``.reg``): the regions astronomers draw on a FITS frame in DS9.

Read: ``circle``, ``ellipse``, ``box`` and ``polygon`` (DS9's own syntax, ``shape(a,b,...)``
or ``shape a b ...``, several per line with ``;``), in ``image`` or ``physical`` coordinates.
DS9's image coordinates put the first pixel's centre at (1, 1): jovis's (0, 0); their y is the
FITS row, as jovis reads a FITS image (never flipped). Physical coordinates go through the
header's IRAF keys (image = LTM · physical + LTV; the HST STIS products carry LTM = 2 from the
detector's binning, so a region saved as physical is at twice the image's numbers). Angles turn
counterclockwise from +x as DS9 shows the frame (y up), which is +x toward +y in rows: cv2's
sense, kept as it is. An ellipse's first radius lies along its angle; a box's size is its full
width and height.

A region's class is its ``text={...}``, else its first ``tag={...}``, else its colour (DS9's
``color=``, or the file's ``global`` one), so ``classes='{green:vortex,red:aurora}'`` maps an
uncaptioned file. The frame is the one DS9 had open (the ``# Filename:`` line DS9 writes), else
the file's name (``<frame>.reg``).

A frame jovis reprojects onto a polar grid as it reads it (an HST sky-plane crop, a lat-lon
product) gets the regions drawn on its file carried there through lat/lon: each outline a vertex
per file pixel, along the line of sight onto the emitting layer for a crop (the reader's
projection inverted, `jovis.io.hst_forms.skyplane_latlon`).

Skipped with the reason: sky coordinates (fk5, icrs, galactic, ...: a planet moves across the
sky, and the WCS an HST polar product carries is its raw exposure's), regions without area
(point, line, text, vector, ruler, ...), annuli and pandas, excluded regions (``-circle``), a
region reaching off the planet in a crop, regions on a frame reprojected otherwise (a flatproj
product, a perspective view: draw those in lat/lon, GeoJSON) or that is not a FITS file (DS9
shows an imported PNG upside down). A mask on a crop's or a lat-lon product's polar grid is
exported back onto the file (`file_placement`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from jovis.annotations.frames import FrameIndex, FrameInfo
from jovis.annotations.labelme import AnnotationError
from jovis.annotations.shapes import Shape, labelme_polygons
from jovis.geometry.ellipse import ellipse_points
from jovis.io.text_file import user_text

FIRST_PIXEL = 1.0  # DS9's image coordinate of the first pixel's centre
AREA_SHAPES = ("circle", "ellipse", "box", "polygon")
NO_AREA = ("point", "line", "vector", "text", "ruler", "compass", "projection", "segment",
           "annulus", "panda", "epanda", "bpanda", "composite")  # fmt: skip
PIXEL_SYSTEMS = ("image", "physical")
# coordinate systems of the sky or of a detector: wcs, wcsa..wcsz, fk5, ...
SKY_SYSTEMS = re.compile(r"wcs[a-z]?|fk4|fk5|icrs|galactic|ecliptic|j2000|b1950|linear|"
                         r"amplifier|detector")  # fmt: skip
PROPERTY = re.compile(r"(\w+)\s*=\s*(\{[^}]*\}|\"[^\"]*\"|'[^']*'|\S+)")
REGION = re.compile(r"^([+-]?)\s*([A-Za-z]+)\s*(?:\((.*)\)|\s(.*))?$")


def read(path: Path, frames: FrameIndex) -> tuple[dict[str, list[Shape]], list[dict[str, str]]]:
    """({frame id: shapes in file order}, skipped) of one DS9 region file."""
    try:
        text = user_text(path)
    except (OSError, ValueError) as err:
        raise AnnotationError(f"{path}: not readable ({err})") from err
    lines = text.splitlines()
    name = next((line.split(":", 1)[1].strip() for line in lines
                 if line.lower().startswith("# filename:")), "")  # fmt: skip
    name = re.sub(r"\[[^\]]*\]$", "", name) or Path(path).stem  # (DS9 adds the HDU: a.fits[SCI])
    frame = frames.find(name) or frames.find(Path(path).stem)
    skipped: list[dict[str, str]] = []
    shapes: list[Shape] = []
    system, colour = "physical", "green"  # DS9's defaults
    regions = 0
    for n, line in enumerate(lines, 1):
        if line.strip().lower().startswith("global"):  # (its colour may be "#00ff00")
            colour = _properties(line).get("color", colour)
            continue
        body, props = _body(line)
        for part in (p.strip() for p in body.split(";")):
            word = part.lower()
            if not part:
                continue
            if word in PIXEL_SYSTEMS or SKY_SYSTEMS.fullmatch(word):
                system = word
                continue
            where = f"{Path(path).name} line {n}"
            found = REGION.match(part)
            regions += 1
            if found is None:
                skipped.append(
                    {"where": where, "label": "", "reason": f"not a DS9 region: {part!r}"}
                )
                continue
            label = _label(_properties(props), colour)
            try:
                shape = _region(found, label, where, system, frame, name)
            except ValueError as err:
                skipped.append({"where": where, "label": label, "reason": str(err)})
                continue
            shapes.append(shape)
    if not regions:
        raise AnnotationError(f"{path}: no DS9 region in it; save the regions from DS9 "
                              "(Region > Save, format ds9, coordinate system image)")  # fmt: skip
    return ({frame.id: shapes} if frame is not None and shapes else {}), skipped


def _body(line: str) -> tuple[str, str]:
    """(the regions of a line, its properties): DS9 writes ``region # properties``; a line that
    is all comment (``# Region file format``, ``# text(...)``) has no region."""
    line = line.strip()
    if line.startswith("#"):
        return "", ""
    body, _, props = line.partition("#")
    return body.rstrip().rstrip("|").strip(), props


def _properties(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in PROPERTY.findall(text):
        found.setdefault(key.lower(), value.strip("{}\"'").strip())  # the first tag wins
    return found


def _label(props: dict[str, str], colour: str) -> str:
    return props.get("text") or props.get("tag") or props.get("color") or colour


def _region(found: re.Match, label: str, where: str, system: str, frame: FrameInfo | None,
            name: str) -> Shape:  # fmt: skip
    sign, kind = found.group(1), found.group(2).lower()
    if kind not in AREA_SHAPES:
        why = "has no area" if kind in NO_AREA else "is not a DS9 shape jovis reads"
        raise ValueError(f"{kind} {why}; draw a circle, ellipse, box or polygon")
    if sign == "-":
        raise ValueError("an excluded region (DS9's '-'); label pixels to leave out 'ignore'")
    if system not in PIXEL_SYSTEMS:
        raise ValueError(f"{system} coordinates: a planet moves across the sky (and an HST polar "
                         "product's WCS is its raw exposure's); save the regions in image "
                         "coordinates (Region > Save, coordinate system image)")  # fmt: skip
    if frame is None:
        raise ValueError(f"no frame named {name!r} in frames= (DS9's '# Filename:' line, else "
                         "the region file's name: save it as <frame>.reg)")  # fmt: skip
    to_image = _to_image(frame, system)
    onto_frame = _onto_frame(frame)
    values = _numbers(found.group(3) if found.group(3) is not None else found.group(4) or "")
    expected = {"circle": (3,), "ellipse": (4, 5), "box": (4, 5)}.get(kind)
    if expected and len(values) not in expected:
        more = " (an annulus: draw its rings as polygons)" if len(values) > max(expected) else ""
        raise ValueError(f"{kind} with {len(values)} values{more}")
    if kind == "polygon":
        if len(values) < 6 or len(values) % 2:
            raise ValueError(f"polygon with {len(values)} values: needs x, y pairs, 3 or more")
        return onto_frame(Shape(label, where, rings=[to_image(np.asarray(values).reshape(-1, 2))]))
    (cx, cy), scale = to_image(np.array([values[:2]]))[0], _scale(frame, system)
    if kind == "circle":
        r = values[2] * scale
        return onto_frame(Shape(label, where, ellipse=(cx, cy, r, r, 0.0)))
    angle = values[4] if len(values) == 5 else 0.0
    if kind == "ellipse":
        a, b = values[2] * scale, values[3] * scale
        a, b, angle = (a, b, angle) if a >= b else (b, a, angle + 90.0)
        return onto_frame(Shape(label, where, ellipse=(cx, cy, a, b, angle)))
    half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * np.array(values[2:4]) * scale / 2
    turn = math.radians(angle)
    rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    return onto_frame(Shape(label, where, rings=[half @ rotation.T + [cx, cy]]))


def _numbers(text: str) -> list[float]:
    items = [v for v in re.split(r"[,\s]+", text.strip()) if v]
    try:
        values = [float(v) for v in items]
    except ValueError:
        raise ValueError(f"values {text!r} are not plain numbers (pixels); save the regions in "
                         "image coordinates") from None  # fmt: skip
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"values {text!r} are not all finite numbers")
    return values


def _to_image(frame: FrameInfo, system: str):
    """The function taking DS9 (x, y) pairs of `system` to jovis's pixels of `frame`; raises
    naming why the frame cannot take DS9 regions."""
    meta = frame.file_meta
    if meta.get("format") != "fits":
        raise ValueError(f"frame {frame.id} is not a FITS file: DS9 regions are placed on FITS "
                         "frames (DS9 shows an imported PNG or JPEG flipped); use labelme, CVAT "
                         "or GeoJSON for it")  # fmt: skip
    ltm, ltv = _iraf(frame) if system == "physical" else (np.eye(2), np.zeros(2))

    def to_image(points: np.ndarray) -> np.ndarray:
        return points @ ltm.T + ltv - FIRST_PIXEL

    return to_image


STEP_PX = 1.0  # an outline carried onto a reprojected frame: a vertex at least every pixel


def _onto_frame(frame: FrameInfo):
    """A function taking a shape in the file's image pixels to the frame's: itself for a frame
    read as the file is; through lat/lon for one jovis reprojected onto a polar grid (an HST
    sky-plane crop, along each line of sight onto the emitting layer; a lat-lon product), its
    outline drawn a vertex per pixel; raises naming why for any other reprojection."""
    moved = str(frame.file_meta.get("reprojected_from") or "")
    if not moved:
        return lambda shape: shape
    latlon = _file_latlon(frame, moved)

    def onto(shape: Shape) -> Shape:
        rings = [ellipse_points(*shape.ellipse, n=_vertices(shape.ellipse))] if shape.ellipse \
            else [_dense(ring) for ring in shape.rings]  # fmt: skip
        carried = []
        for ring in rings:
            lat, lon = latlon(ring[:, 0], ring[:, 1])
            if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
                raise ValueError(f"it reaches off the planet in {frame.id}'s file ({moved}): "
                                 "draw it inside the limb")  # fmt: skip
            carried.append(np.stack(frame.grid.pixel(lat, lon), axis=1))
        return Shape(shape.label, shape.where, rings=carried, extra=shape.extra)

    return onto


def _file_latlon(frame: FrameInfo, moved: str):
    """(lat, lon) of the file's image pixels (x, y) of a frame jovis reprojected, as its reader
    did (`jovis.io.hst_forms.skyplane_latlon`, `jovis.io.fits.latlon_to_polar`)."""
    from jovis.io.fits import latlon_product_position
    from jovis.io.hst_forms import skyplane_latlon

    meta = frame.file_meta
    if frame.grid is None:
        raise ValueError(f"frame {frame.id} has no grid to carry the regions onto")
    if moved.startswith("sky plane"):
        return lambda x, y: skyplane_latlon(meta, x, y, _sky_settings(meta))
    if meta.get("latlon_shape"):
        return lambda x, y: latlon_product_position(x, y, tuple(meta["latlon_shape"]))
    raise ValueError(f"frame {frame.id} is reprojected by jovis from its file's pixels ({moved}) "
                     "in a way regions are not carried through; draw them in lat/lon "
                     "(GeoJSON)")  # fmt: skip


def _sky_settings(meta: dict[str, Any]) -> dict[str, Any]:
    """The sky-plane projection's settings as the reader used them (its emission altitude)."""
    from jovis.io.hst_forms import SKYPLANE_DEFAULTS

    return {
        **SKYPLANE_DEFAULTS,
        "altitude_km": meta.get("emission_altitude_km", SKYPLANE_DEFAULTS["altitude_km"]),
    }


def _vertices(ellipse: tuple[float, float, float, float, float]) -> int:
    """Vertices of an ellipse's outline a pixel apart (at least 16)."""
    a, b = ellipse[2], ellipse[3]
    return max(16, math.ceil(2 * math.pi * max(a, b) / STEP_PX))


def _dense(ring: np.ndarray) -> np.ndarray:
    """`ring` with vertices added along each side, a pixel apart at most."""
    ring = np.asarray(ring, np.float64)
    out = []
    for start, end in zip(ring, np.roll(ring, -1, axis=0), strict=True):
        steps = max(1, math.ceil(float(np.hypot(*(end - start))) / STEP_PX))
        out.append(start + (end - start) * (np.arange(steps)[:, None] / steps))
    return np.concatenate(out)


def _iraf(frame: FrameInfo) -> tuple[np.ndarray, np.ndarray]:
    """IRAF's physical → image transform of the frame's header (identity without its keys)."""
    meta = frame.file_meta
    ltm = np.array([[meta.get("LTM1_1", 1.0), meta.get("LTM1_2", 0.0)],
                    [meta.get("LTM2_1", 0.0), meta.get("LTM2_2", 1.0)]], float)  # fmt: skip
    ltv = np.array([meta.get("LTV1", 0.0), meta.get("LTV2", 0.0)], float)
    if not np.isfinite(ltm).all() or abs(np.linalg.det(ltm)) < 1e-12:
        raise ValueError(f"frame {frame.id}'s LTM keys do not make a transform; save the "
                         "regions in image coordinates")  # fmt: skip
    return ltm, ltv


def _scale(frame: FrameInfo, system: str) -> float:
    """Image pixels per unit of a size in `system` (a radius, a box's side)."""
    if system != "physical":
        return 1.0
    ltm, _ = _iraf(frame)
    if abs(ltm[0, 1]) > 1e-9 or abs(ltm[1, 0]) > 1e-9 or not math.isclose(ltm[0, 0], ltm[1, 1]):
        raise ValueError(f"frame {frame.id}'s physical pixels are not square (LTM {ltm.tolist()})"
                         ": save sized regions in image coordinates")  # fmt: skip
    return abs(float(ltm[0, 0]))


def document(image_name: str, polygons: list[tuple[str, np.ndarray]], colours: dict[str, str],
             note: str) -> str:  # fmt: skip
    """A DS9 region file of `polygons` ((label, (N, 2) pixels of the file, jovis's origin),
    drawn in the order given: a hole as a later ``background`` polygon, as in labelme) in image
    coordinates, each captioned with its label and drawn in `colours` (``#rrggbb`` by label)."""
    lines = ["# Region file format: DS9 version 4.1", f"# Filename: {image_name}", f"# {note}",
             'global color=green width=1 font="helvetica 10 normal roman"', "image"]  # fmt: skip
    for label, ring in polygons:
        numbers = ",".join(f"{v + FIRST_PIXEL:.3f}".rstrip("0").rstrip(".") for v in ring.ravel())
        lines.append(f"polygon({numbers}) # color={colours.get(label, 'green')} text={{{label}}}")
    return "\n".join(lines) + "\n"


def file_placement(source: str | Path, shape: tuple[int, int]):
    """(a function taking a mask's polygons (``{"label", "rings": [outer, *holes]}`` in pixels
    of a mask of `shape` made from `source`) to (label, ring) on the file's pixels in DS9's
    drawing order; None) or (None, why regions cannot be written for it: not a FITS file,
    reprojected otherwise than from a sky-plane crop or a lat-lon product, another shape).

    A crop's mask is on the polar grid jovis projected it onto: its outlines go back along the
    lines of sight. A lat-lon product's go back through lat/lon, cut at the 0°/360° meridian
    as the GeoJSON export cuts them (`jovis.geometry.lonwrap.polygon_geometry`: an oval's band
    round the pole is the strip between its two outlines from edge to edge of the map)."""
    from jovis.io import read_frame
    from jovis.io.errors import FrameReadError
    from jovis.io.hst_forms import sky_pixels

    try:
        frame = read_frame(Path(source))
    except (FrameReadError, OSError) as err:
        return None, f"its frame cannot be read again ({err})"
    if frame.meta.get("format") != "fits":
        return None, "not a FITS frame (DS9 regions are written for FITS frames)"
    if frame.shape != tuple(shape):
        return None, f"its mask is {shape[0]}x{shape[1]}, the frame's {frame.shape}"
    moved = str(frame.meta.get("reprojected_from") or "")
    if not moved:
        return labelme_polygons, None
    meta, grid = frame.meta, frame.grid
    if grid is not None and meta.get("latlon_shape"):
        return (lambda polygons: _on_latlon_product(polygons, grid, meta["latlon_shape"])), None
    if moved.startswith("flatproj"):
        return None, (f"its file holds a 1-D array ({moved}), which DS9 cannot show as an "
                      "image; draw on the frame in lat/lon instead (GeoJSON)")  # fmt: skip
    if not moved.startswith("sky plane") or grid is None:
        return None, (f"its mask is on the polar grid jovis reprojected the file onto ({moved}), "
                      "which regions are carried back from for sky-plane crops and lat-lon "
                      "products only")  # fmt: skip

    def back(points: np.ndarray) -> np.ndarray:
        lat, lon = grid.latlon(points[:, 0], points[:, 1])
        x, y, _ = sky_pixels(meta, lat, lon, _sky_settings(meta))
        return np.stack([x, y], axis=1)

    # (a vertex a pixel apart: straight sides become curves on the file)
    return (lambda polygons: [(label, back(_dense(ring)))
                              for label, ring in labelme_polygons(polygons)]), None  # fmt: skip


def _on_latlon_product(polygons: list[dict[str, Any]], grid,
                       latlon_shape) -> list[tuple[str, np.ndarray]]:  # fmt: skip
    """The polygons of a mask on `grid` on a lat-lon product of `latlon_shape`'s pixels, each
    outline cut at the 0°/360° meridian (the product's left and right edges) and closed along
    the map's edges; a hole drawn after as ``background`` pieces cut the same way (a band's
    inner outline round the pole, a vortex's hole across 0°: cut apart from its outline).
    Raises ValueError for an outline that crosses the meridian in a way it cannot be cut."""
    from jovis.geometry.lonwrap import polygon_geometry
    from jovis.io.fits import latlon_product_pixel

    shape = tuple(latlon_shape)
    out: list[tuple[str, np.ndarray]] = []
    for polygon in polygons:
        for k, ring in enumerate(polygon["rings"]):
            lat, lon = grid.latlon(*_dense(ring).T)
            geometry = polygon_geometry(np.stack([lon, lat], axis=1).tolist(), digits=6)
            pieces = geometry["coordinates"]
            for piece in pieces if geometry["type"] == "MultiPolygon" else [pieces]:
                lon_lat = np.asarray(piece[0], np.float64)[:-1]  # (GeoJSON repeats the first)
                x, y = latlon_product_pixel(lon_lat[:, 1], lon_lat[:, 0], shape)
                at_pole = np.abs(lon_lat[:, 1]) >= 90.0 - 1e-6  # (closed along the map's edge)
                jumps = np.abs(np.diff(x)) > shape[1] / 2
                if (jumps & ~(at_pole[1:] & at_pole[:-1])).any():
                    raise ValueError(
                        f"a {polygon['label']} outline crosses 0° W back and forth "
                        "and cannot be cut for the map (GeoJSON has it whole)"
                    )
                out.append((polygon["label"] if k == 0 else "background", np.stack([x, y], 1)))
    return out
