"""Overlay maps: a frame with its class mask, fitted features, a legend and a title (OpenCV)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.geometry.locate import ViewLocator
from jovis.render.display import display_image
from jovis.render.graticule import NOON_RGB, draw_graticule, overlap

FONT = cv2.FONT_HERSHEY_SIMPLEX
FIT_RGB = (255, 255, 255)  # fitted vortex ellipses, their labels and the oval ring fit
SHIFT = 4  # sub-pixel bits for cv2 drawing
AA = cv2.LINE_AA
_ASCII = {"·": "|", "°": " deg", "×": "x", "–": "-", "—": "-", "µ": "u", "±": "+/-", "λ": "lambda"}


def render_overlay(
    image: np.ndarray,
    channels: list[str],
    mask: np.ndarray,
    schema: LabelSchema,
    *,
    valid: np.ndarray | None = None,
    features: dict[str, Any] | None = None,
    title: str | None = None,
    alpha: float = 0.4,
    min_size: int = 512,
    grid: PolarGrid | ViewLocator | None = None,
    picture: np.ndarray | None = None,
    seen: Sequence[str] | None = None,
    sun_lon_west: float | None = None,
) -> np.ndarray:
    """The frame with its classes, features, legend and title, as an RGB uint8 array.

    Parameters
    ----------
    image : ndarray, shape (H, W, C) or (H, W)
        Frame pixels (see `display_image` for how channels are shown).
    channels : list of str
        One name per channel.
    mask : ndarray, uint8, shape (H, W)
        Class ids of `schema`; the background class and ``schema.ignore_index`` are not filled.
    schema : LabelSchema
        Class names and colours.
    valid : ndarray of bool, shape (H, W), or None
        No-data pixels, drawn dark grey.
    features : dict or None
        Output of `jovis.features.extract_features` (pixel coordinates of this frame): vortex
        ellipses are drawn in white with ``"<id> <mean prob>"``, the oval ring fit as a dashed white
        circle with a cross at its centre.
    title : str or None
        One line of text in a dark bar added above the picture.
    alpha : float
        Opacity of the class fill (contours are drawn opaque).
    min_size : int
        The picture is enlarged by the smallest integer factor that makes its long side at least
        this (the image bicubic, the mask nearest-neighbour), so lines and text stay legible.
    grid : PolarGrid, ViewLocator or None
        When the frame's geometry is known (its polar grid, or the view of a frame seen in
        perspective), a latitude/longitude graticule (10°, 30°) is drawn.
    picture : ndarray or None
        ``display_image(image, channels, valid)`` when already made (the runner makes it while
        the frame is predicted); None makes it here.
    seen : sequence of str or None
        The classes the detector can mark (its ``visible_classes``): the legend lists only
        those, and counts vortices only when it can see them (no "vortices: 0" on a far-UV
        aurora frame, no aurora swatch on a JunoCam one). None: every class of `schema`.
    sun_lon_west : float or None
        The sub-solar System III west longitude when the frame was seen
        (`jovis.geometry.sun.sun_over_frame`): with a `grid`, the meridian under the Sun is
        drawn and labelled "noon", and the legend says where the Sun stood.

    Returns
    -------
    ndarray, uint8, shape (f·H + title bar, f·W, 3)
        RGB; the title bar's height is ``out.shape[0] - f·H`` (0 without a title).
    """
    mask = np.asarray(mask)
    h, w = mask.shape[:2] if mask.ndim == 2 else (None, None)
    if mask.ndim != 2 or np.asarray(image).shape[:2] != (h, w):
        raise ValueError(
            f"mask must be H×W and match the image; got mask {mask.shape}, "
            f"image {np.asarray(image).shape}"
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    f = max(1, math.ceil(min_size / max(h, w)))
    base = display_image(image, channels, valid) if picture is None else picture
    if base.shape[:2] != (h, w):
        raise ValueError(f"picture {base.shape} does not match the mask {mask.shape}")
    out = cv2.resize(base, (w * f, h * f), interpolation=cv2.INTER_CUBIC) if f > 1 else base.copy()
    big = np.repeat(np.repeat(mask.astype(np.uint8), f, axis=0), f, axis=1)  # nearest, exact
    style = _Style(max(out.shape[:2]))
    if grid is not None:
        draw_graticule(out, grid, (h, w), f, style.line, 0.8 * style.font,
                       noon_lon_west=sun_lon_west)  # fmt: skip

    background = schema.id_of("background") if "background" in schema.names else 0
    shown = [c for c in schema.classes if c.id != background and (seen is None or c.name in seen)]
    _draw_classes(out, big, shown, alpha, style)

    taken: list[tuple[int, int, int, int]] = []  # the vortex labels' boxes so far
    if features is not None:
        _draw_ring(out, (features.get("oval") or {}).get("ring"), f, style)
        crowded = sum(not _draw_vortex(out, v, f, style, taken)
                      for v in features.get("vortices", []))  # fmt: skip
        features = {**features, "labels_crowded_out": crowded}
    sun = sun_lon_west if grid is not None else None
    data = None if valid is None else np.repeat(np.repeat(np.asarray(valid, bool), f, 0), f, 1)
    _draw_legend(out, shown, features, style, seen is None or "vortex" in seen, sun, data, taken)
    if title:
        out = _with_title(out, title, style)
    return out


class _Style:
    """Line widths and font sizes for a picture whose long side is `size` pixels."""

    def __init__(self, size: int) -> None:
        s = size / 512
        self.line = max(1, round(s))
        self.font = 0.45 * s
        self.text = max(1, round(s))
        self.pad = max(3, round(6 * s))
        (_, self.text_h), self.baseline = cv2.getTextSize("Ag", FONT, self.font, self.text)


def _draw_classes(
    out: np.ndarray, big: np.ndarray, shown: list, alpha: float, style: _Style
) -> None:
    """Fill each class of the enlarged mask `big` into `out` at `alpha`, then outline it (a dark
    rim of the class colour under an opaque line)."""
    for c in shown:
        sel = big == c.id
        if sel.any():
            color = np.array(c.color, np.float32)
            out[sel] = np.round((1 - alpha) * out[sel] + alpha * color).astype(np.uint8)
    outlines = []
    for c in shown:
        contours, _ = cv2.findContours(
            (big == c.id).astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
        )
        outlines.append((c.color, contours))
    for color, contours in outlines:  # a dark rim of the class colour, then the opaque line
        dark = tuple(round(0.3 * v) for v in color)
        cv2.drawContours(out, contours, -1, dark, style.line + 2, cv2.LINE_8)
    for color, contours in outlines:
        cv2.drawContours(out, contours, -1, color, style.line, cv2.LINE_8)


def _to_display(v: float, f: int) -> int:
    """A pixel-centre coordinate of the frame → fixed-point coordinate of the enlarged picture."""
    return round(((v + 0.5) * f - 0.5) * (1 << SHIFT))


def _draw_vortex(
    out: np.ndarray, v: dict[str, Any], f: int, style: _Style, taken: list[tuple[int, ...]]
) -> bool:
    """The fitted ellipse and its label ``"<id> <mean prob>"``; `taken`: the boxes of the labels
    drawn so far (this one's is added), which the label must not overlap. False when every
    spot round the ellipse is taken (a dense field: text drawn over text is unreadable, so the
    label is left out; the legend counts these and catalog.csv lists every vortex)."""
    centre = (_to_display(v["x"], f), _to_display(v["y"], f))
    axes = (
        round(v["semi_major_px"] * f * (1 << SHIFT)),
        round(v["semi_minor_px"] * f * (1 << SHIFT)),
    )
    cv2.ellipse(out, centre, axes, v["angle_deg"], 0, 360, (0, 0, 0), style.line + 2, AA, SHIFT)
    cv2.ellipse(out, centre, axes, v["angle_deg"], 0, 360, FIT_RGB, style.line, AA, SHIFT)
    label = str(v["id"]) if v.get("mean_prob") is None else f"{v['id']} {v['mean_prob']:.2f}"
    (tw, th), _ = cv2.getTextSize(label, FONT, style.font, style.text)
    # Beside the ellipse's bounding circle: upper right, lower right, upper left, lower left,
    # then right, left, above and below its centre; the first that overlaps no label drawn
    # before; inside the picture.
    reach = v["semi_major_px"] * f * 0.75
    cx, cy, gap = (v["x"] + 0.5) * f, (v["y"] + 0.5) * f, style.pad // 2
    right, left = round(cx + reach) + gap, round(cx - reach) - gap - tw
    up, down = round(cy - reach), round(cy + reach) + th
    middle_x, middle_y = round(cx - tw / 2), round(cy + th / 2)
    spots = [(right, up), (right, down), (left, up), (left, down), (right, middle_y),
             (left, middle_y), (middle_x, up - gap), (middle_x, down + gap)]  # fmt: skip
    for sx, sy in spots:
        x = min(max(sx, 0), out.shape[1] - tw - 1)
        y = min(max(sy, th + 1), out.shape[0] - style.baseline - 1)
        box = (x - 1, y - th - 1, x + tw + 1, y + style.baseline + 1)
        if not any(overlap(box, t) for t in taken):
            taken.append(box)
            _text(out, label, (x, y), FIT_RGB, style)
            return True
    return False


def _draw_ring(out: np.ndarray, ring: dict[str, Any] | None, f: int, style: _Style) -> None:
    if not ring:
        return
    centre = (_to_display(ring["centre_x"], f), _to_display(ring["centre_y"], f))
    r = ring["mean_radius_px"] * f
    radius = round(r * (1 << SHIFT))
    n_dash = max(8, round(2 * math.pi * r / (6 * style.pad)) // 2 * 2)  # even: dash, gap, ...
    step = 360.0 / n_dash
    for k in range(0, n_dash, 2):
        a0, a1 = k * step, (k + 1) * step
        cv2.ellipse(out, centre, (radius, radius), 0, a0, a1, (0, 0, 0), style.line + 2, AA, SHIFT)
        cv2.ellipse(out, centre, (radius, radius), 0, a0, a1, FIT_RGB, style.line, AA, SHIFT)
    arm = 2 * style.pad << SHIFT
    cx, cy = centre
    for p0, p1 in (((cx - arm, cy), (cx + arm, cy)), ((cx, cy - arm), (cx, cy + arm))):
        cv2.line(out, p0, p1, FIT_RGB, style.line, AA, SHIFT)


def legend_rows(
    shown: list,
    features: dict[str, Any] | None,
    count_vortices: bool = True,
    sun_lon_west: float | None = None,
) -> list[tuple[tuple[int, int, int] | None, str]]:
    """The legend's (swatch colour or None, text) rows: the classes shown, then the counts,
    then the noon meridian's (when drawn)."""
    rows: list[tuple[tuple[int, int, int] | None, str]] = [(c.color, c.name) for c in shown]
    if features is not None:
        if count_vortices:
            # pieces the mask paints but the catalogue leaves out (under the score, area or
            # shape floors) are said, so a painted blob without a label is not a puzzle
            left_out = sum((features.get("vortices_not_kept") or {}).values())
            more = f" (+{left_out} not kept)" if left_out else ""
            rows.append((None, f"vortices: {len(features.get('vortices', []))}{more}"))
            if crowded := features.get("labels_crowded_out"):
                rows.append((None, f"{crowded} labels left out (crowded): see catalog.csv"))
        ring = (features.get("oval") or {}).get("ring")
        # the share of angles round the fitted centre with oval pixels: a fit to a short arc
        # (a few % of the ring) says little of the oval's colatitude
        share = f", {100 * ring['angular_coverage']:.0f}% of ring" if ring else ""
        if ring and ring.get("mean_colatitude_deg") is not None:
            colat, width = ring["mean_colatitude_deg"], ring.get("width_km")
            rows.append((None, f"oval colat {colat:.1f} deg, w {width:.0f} km{share}"))
        elif ring:
            radius, width = ring["mean_radius_px"], ring["width_px"]
            rows.append((None, f"oval r {radius:.1f} px, w {width:.1f} px{share}"))
    if sun_lon_west is not None:
        rows.append((NOON_RGB, f"noon: Sun over {sun_lon_west:.1f}W"))
    return rows


def _draw_legend(
    out: np.ndarray,
    shown: list,
    features: dict[str, Any] | None,
    style: _Style,
    count_vortices: bool = True,
    sun_lon_west: float | None = None,
    data: np.ndarray | None = None,
    labels: Sequence[tuple[int, int, int, int]] = (),
) -> None:
    """A translucent box in a corner: class swatches, then feature counts. The corner over the
    fewest of the frame's `data` pixels (enlarged valid mask) and vortex `labels` (their
    boxes), so the box sits on the sky or the no-data margin where there is one, not over the
    planet; the lower-left one on a tie."""
    rows = legend_rows(shown, features, count_vortices, sun_lon_west)
    if not rows:
        return
    pad, th = style.pad, style.text_h
    row_h = th + pad
    swatch = th + 2
    text_w = max(cv2.getTextSize(t, FONT, style.font, style.text)[0][0] for _, t in rows)
    box_w = pad + swatch + pad + text_w + pad
    box_h = pad + row_h * len(rows)
    if pad + box_w > out.shape[1] or pad + box_h > out.shape[0]:
        return  # the picture is too small for a legend
    x0, y0 = legend_corner(out.shape[:2], (box_w, box_h), pad, data, labels)
    region = out[y0 : y0 + box_h, x0 : x0 + box_w]
    region[:] = np.round(region * 0.3 + np.array([15, 15, 20]) * 0.7).astype(np.uint8)
    cv2.rectangle(out, (x0, y0), (x0 + box_w - 1, y0 + box_h - 1), (150, 150, 150), 1)
    for i, (color, label) in enumerate(rows):
        top = y0 + pad + i * row_h
        if color is not None:
            sx = x0 + pad
            cv2.rectangle(out, (sx, top), (sx + swatch - 1, top + swatch - 1), color, -1)
            cv2.rectangle(out, (sx, top), (sx + swatch - 1, top + swatch - 1), (220, 220, 220), 1)
        _text(out, label, (x0 + pad + swatch + pad, top + th), (235, 235, 235), style)


def legend_corner(
    size: tuple[int, int],
    box: tuple[int, int],
    pad: int,
    data: np.ndarray | None,
    labels: Sequence[tuple[int, int, int, int]] = (),
) -> tuple[int, int]:
    """(x, y) of the legend box's top-left corner: of the lower-left, lower-right, upper-left
    and upper-right corners (that order on a tie), the one covering the fewest `data` pixels
    plus pixels of `labels` (boxes x0, y0, x1, y1) it would hide."""
    (h, w), (bw, bh) = size, box
    corners = [(pad, h - pad - bh), (w - pad - bw, h - pad - bh), (pad, pad), (w - pad - bw, pad)]

    def hidden(corner: tuple[int, int]) -> int:
        x, y = corner
        under = 0 if data is None else int(data[y : y + bh, x : x + bw].sum())
        for x0, y0, x1, y1 in labels:
            under += max(0, min(x1, x + bw) - max(x0, x)) * max(0, min(y1, y + bh) - max(y0, y))
        return under

    return min(corners, key=hidden)


def _with_title(out: np.ndarray, title: str, style: _Style) -> np.ndarray:
    title = _ascii(title)
    bar_h = style.text_h + style.baseline + 2 * style.pad
    bar = np.full((bar_h, out.shape[1], 3), (20, 20, 24), np.uint8)
    (tw, _), _ = cv2.getTextSize(title, FONT, style.font, style.text)
    scale = style.font * min(1.0, (out.shape[1] - 2 * style.pad) / max(tw, 1))  # long titles fit
    cv2.putText(
        bar, title, (style.pad, style.pad + style.text_h), FONT, scale, (240, 240, 240),
        style.text, AA,
    )  # fmt: skip
    return np.concatenate([bar, out], axis=0)


def _ascii(text: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only: spell out or drop the rest (else it shows '??')."""
    for src, dst in _ASCII.items():
        text = text.replace(src, dst)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _text(out: np.ndarray, text: str, org: tuple[int, int], color, style: _Style) -> None:
    """Text with a dark outline, legible on any background."""
    cv2.putText(out, text, org, FONT, style.font, (0, 0, 0), style.text + 2, AA)
    cv2.putText(out, text, org, FONT, style.font, color, style.text, AA)
