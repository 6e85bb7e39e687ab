"""The main oval's course through the gaps of a detection (`complete_oval`).

An emission detector marks the oval where it stands out of the noise; on the HST frames 42 % of
the faint sectors' reference band is under 2 sigma of the local clutter (README, "how much of
the faint oval can be seen"), and the labels, synthetic and reference alike, mark the oval's
geometry there too. The course is a closed curve round the pole in the shape family the
generator draws from (`jovis.synth.oval`: a radius with low harmonics about an offset centre),
so the detected arcs fix it and the gaps follow:

1. about a centre (the circle fit of the detected pixels, then the fit's own), each angular
   bin holding detected oval pixels gives the median radius of those pixels;
2. ``r(θ) = r₀ + Σₖ aₖ cos kθ + bₖ sin kθ`` (k ≤ `harmonics`) is fitted to the bins by least
   squares with Gaussian priors on the harmonics (sd `prior_shift` · r₀ for k = 1, the
   centre's offset; `prior_shape` · r₀ above), bins off the curve by more than `outlier`
   ribbon widths dropped (a limb streak beside the arc);
3. where the course crosses valid data in a bin without detections, a ribbon `ribbon` times
   the detected arcs' median width is drawn along it, over background pixels whose aurora
   probability is at least `min_prob` (the network's weak evidence, under its decision
   threshold) — when the detections cover at least `min_coverage` of the bins the course has
   data in, and only in gaps no longer than `max_gap_deg`.
4. with `evidence_sigma` > 0, the frame's own brightness is integrated along the course through
   each gap: per angular bin, its mean above the local background (`white_tophat`, a disk 6
   ribbon widths across) on the ribbon less the mean of the two flanks (1.5-3 widths either
   side), averaged over the gap bins within `evidence_window_deg`; where that mean stands
   `evidence_sigma` sds above zero (the sd from the flanks' inner-minus-outer scatter over all
   bins, over the square root of the bins averaged) the ribbon is drawn without the probability
   gate: an arc too faint for the network at any one place can stand out along 20 degrees.
Before the course is fitted, the detected arcs may be grown (`grow_prob` > 0, hysteresis as in
Canny's edge detector): background pixels whose aurora probability is at least `grow_prob` and
that touch a detected arc through such pixels become aurora, so a faint stretch the network
half saw continues the arc it belongs to, while weak evidence standing alone stays background.
Detected pixels are never removed. The settings were chosen on synthetic validation frames
(`scripts/choose_oval_course.py`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import cv2
import numpy as np

from jovis.background import white_tophat
from jovis.config import check_at_least, mode_settings, settings_digest
from jovis.features import ring_fit
from jovis.frame import far_uv_aurora_detector
from jovis.robust import mad_sigma
from jovis.scoring.confusion import mask_from_probs

MODES = ("auto", "on", "off")
# the oval is a thin ribbon: FWHM 0.5-0.85 deg at 14-25 deg from its centre (PHYSICS.md), and the
# HST reference bands are ~12 px wide at ~130 px; a "course" under 6 widths in radius is a
# circle fitted to a short, thick arc whose curvature the pixels do not fix
MIN_RADIUS_WIDTHS = 6.0


# Each numeric setting's least value (strictly above it where True), integer or not, and what it
# is: checked before any frame is read, so a string names the setting (it was a TypeError) and a
# NaN or a negative width does not fail or empty every frame of the run.
COURSE_RANGES = (
    ("bins", 8, False, True, "longitude bins of the course"),
    ("harmonics", 1, False, True, "harmonics of the fitted course"),
    ("prior_shift", 0, True, False, "prior sd of the course's centre offset, x its radius"),
    ("prior_shape", 0, True, False, "prior sd of its higher harmonics, x its radius"),
    ("outlier", 0, True, False, "bins farther off the course than this many widths are left out"),
    ("min_coverage", 0, False, False, "share of the bins the detected arcs must cover"),
    ("max_gap_deg", 0, False, False, "longest gap in longitude the course is drawn through"),
    ("min_pixels", 1, False, True, "oval pixels needed to fit a course"),
    ("min_bin_pixels", 1, False, True, "oval pixels that make a bin covered"),
    ("min_prob", 0, False, False, "least aurora probability of a drawn pixel"),
    ("ribbon", 0, True, False, "the drawn ribbon's width over the detected arcs' median width"),
    ("grow_prob", 0, False, False, "least probability the arcs grow into; 0 = no growth"),
    ("evidence_sigma", 0, False, False, "sds of brightness that draw a gap; 0 = off"),
    ("evidence_window_deg", 0, True, False, "arc the brightness is integrated over, deg"),
)
AT_MOST_ONE = ("min_coverage", "min_prob")  # shares and probabilities


@dataclass(frozen=True)
class CourseSettings:
    """How the course is fitted and drawn (see the module docstring)."""

    mode: str = "auto"  # auto: on for far-UV aurora detectors on frames with a polar grid
    # chosen with `benchmark suite=oval_course` on uv-v3's predictions of two synthetic held-out
    # sets (highest aurora IoU on the first; README "The oval's course through the gaps")
    bins: int = 72
    harmonics: int = 3
    prior_shift: float = 0.3
    prior_shape: float = 0.1
    outlier: float = 3.0
    min_coverage: float = 0.2
    max_gap_deg: float = 360.0
    min_pixels: int = 30
    min_bin_pixels: int = 2
    min_prob: float = 0.02  # a drawn pixel needs at least this aurora probability
    ribbon: float = 1.0  # the drawn ribbon's width over the detected arcs' median width
    grow_prob: float = 0.0  # > 0: arcs grow into touching pixels of at least this probability
    evidence_sigma: float = 0.0  # > 0: also draw gaps whose integrated brightness stands this high
    evidence_window_deg: float = 25.0  # the arc the brightness is integrated over

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"oval_course.mode: {self.mode!r} is not one of {', '.join(MODES)}")
        for key, low, above, integer, meaning in COURSE_RANGES:
            check_at_least(f"oval_course.{key}", getattr(self, key), low, meaning,
                           integer=integer, above=above,
                           at_most=1 if key in AT_MOST_ONE else None)  # fmt: skip
        if 2 * self.harmonics + 1 > self.bins // 2:
            raise ValueError(
                f"oval_course: bins {self.bins} and harmonics {self.harmonics} need bins >= 8 "
                "and at least twice as many bins as fitted terms (e.g. bins: 72, harmonics: 3)"
            )
        if self.grow_prob >= 0.5:
            raise ValueError(
                f"oval_course.grow_prob: {self.grow_prob} must be in [0, 0.5) (0 = no growth; "
                "at 0.5 and above it is the decision threshold the arcs already passed)"
            )

    @classmethod
    def from_value(cls, value: Any) -> CourseSettings:
        """From a mode string, a mapping of fields (a Hydra node) or settings (None: auto)."""
        return mode_settings(cls, value, "oval_course", none_mode="auto")

    def resolved(self, channels: list[str], visible_classes: list[str]) -> CourseSettings:
        """`auto` made explicit for a detector: on for a far-UV aurora model, else off."""
        if self.mode != "auto":
            return self
        return replace(
            self, mode="on" if far_uv_aurora_detector(channels, visible_classes) else "off"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def key(self) -> str:
        """The run-key suffix (empty when off, so runs made before this option keep theirs;
        `grow_prob` 0 leaves the digest of the settings made before it)."""
        if self.mode != "on":
            return ""
        later = ("grow_prob", "evidence_sigma", "evidence_window_deg")
        return f"-oc{settings_digest(self, later_fields=later)}"


def frame_mask(
    probs: np.ndarray,
    valid: np.ndarray,
    grid,
    schema,
    course: CourseSettings | None,
    image: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Any] | None]:
    """The class mask of one frame (`mask_from_probs`; on a polar grid no aurora beyond
    `AURORA_MAX_COLATITUDE`, those pixels taking their next most probable class) with the
    oval's course drawn through its gaps when `course` is on, the frame has a polar grid (the
    shape family is the polar-projected oval) and the schema an aurora class; the record of
    `complete_oval`, else None. `image`: the frame's (H, W, C) image, read only for
    `evidence_sigma` (its first channel: the brightness of the far-UV detectors the course is
    on for)."""
    mask = mask_from_probs(probs, valid, schema)
    if grid is None or "aurora" not in schema.names:
        return mask, None
    aurora = schema.names.index("aurora")
    beyond = beyond_aurora(grid, mask.shape)
    moved = beyond & (mask == aurora)
    if moved.any():  # the next most probable class there
        others = np.array(probs[:, moved], np.float32)
        others[aurora] = -np.inf
        mask[moved] = others.argmax(axis=0).astype(mask.dtype)
    if course is None or course.mode != "on":
        return mask, None
    allowed = valid & ~beyond  # where aurora may be grown or drawn
    mask, grown = grow_arcs(mask, allowed, aurora, probs[aurora], course.grow_prob)
    plane = None
    if image is not None and course.evidence_sigma > 0:
        plane = np.asarray(image[..., 0] if image.ndim == 3 else image, np.float32)
    mask, record = complete_oval(
        mask, allowed, aurora, course, aurora_prob=probs[aurora], image=plane
    )
    return mask, record | {"grown_px": grown}


# The most equatorward auroral emission in PHYSICS.md is Io's northern footprint, down to 48.6°N
# (Hess et al. 2011: colatitude 41.4°; the Nichols et al. reference oval reaches 55.2°N); no
# aurora is marked farther than this from the pole. Far-UV products reaching lower latitudes
# (the 2014 flatproj frames, to 20°N) show the limb's glow there, which a detector trained on
# polar frames 30° from the pole (42° at their corners) marked as an oval at colatitude 41°.
AURORA_MAX_COLATITUDE = 45.0


def beyond_aurora(grid, shape: tuple[int, int]) -> np.ndarray:
    """Pixels of a frame of `shape` on `grid` (a polar grid) farther than
    `AURORA_MAX_COLATITUDE` from its pole (or off the planet): no aurora is marked there."""
    edge = 90.0 - AURORA_MAX_COLATITUDE  # a disk about the pole: its radius in pixels
    x, y = grid.pixel(edge if grid.hemisphere == "north" else -edge, grid.lon_at_x)
    radius = math.hypot(float(x) - grid.pole_x, float(y) - grid.pole_y)
    ys = (np.arange(shape[0], dtype=np.float32) - grid.pole_y)[:, None]
    xs = (np.arange(shape[1], dtype=np.float32) - grid.pole_x)[None, :]
    return xs * xs + ys * ys > radius * radius


def added_px(record: dict[str, Any]) -> int:
    """Pixels the oval stage added to a frame's mask: the arcs' growth and the course drawn."""
    return int(record.get("grown_px", 0)) + int(record["filled_px"])


def grow_arcs(
    mask: np.ndarray,
    valid: np.ndarray,
    aurora_id: int,
    aurora_prob: np.ndarray,
    grow_prob: float,
    background_id: int = 0,
) -> tuple[np.ndarray, int]:
    """`mask` with its aurora grown into the background pixels of probability ≥ `grow_prob`
    connected (8-neighbours) to it through such pixels; the number of pixels added. Vortices and
    no-data pixels are never changed; `grow_prob` 0 changes nothing."""
    if grow_prob <= 0:
        return mask, 0
    arcs = mask == aurora_id
    if not arcs.any():
        return mask, 0
    weak = arcs | ((mask == background_id) & valid & (aurora_prob >= grow_prob))
    n, labels = cv2.connectedComponents(weak.astype(np.uint8), connectivity=8)
    touched = np.zeros(n, bool)
    touched[np.unique(labels[arcs])] = True
    touched[0] = False
    grown = touched[labels] & ~arcs
    out = mask.copy()
    out[grown] = aurora_id
    return out, int(grown.sum())


def complete_oval(
    mask: np.ndarray,
    valid: np.ndarray,
    aurora_id: int,
    settings: CourseSettings,
    background_id: int = 0,
    aurora_prob: np.ndarray | None = None,
    image: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """`mask` with the oval's course drawn through the gaps of its detected arcs, and a record
    (``filled_px``, ``coverage``, ``radius_px``, ``width_px`` or the reason nothing was drawn;
    ``evidence_bins`` and ``evidence_px`` when `settings.evidence_sigma` > 0 and `image` given)."""
    ys, xs = np.nonzero(mask == aurora_id)
    if len(xs) < settings.min_pixels:
        return mask, {"filled_px": 0, "reason": f"fewer than {settings.min_pixels} oval pixels"}
    fit = fit_course(xs.astype(np.float64), ys.astype(np.float64), settings)
    if fit is None:
        return mask, {"filled_px": 0, "reason": "no closed course fits the detected arcs"}
    theta, radius = course_points(fit, settings.bins * 8)
    cx, cy = fit["centre"]
    px, py = cx + radius * np.cos(theta), cy + radius * np.sin(theta)
    h, w = mask.shape
    inside = (px >= 0) & (px <= w - 1) & (py >= 0) & (py <= h - 1)
    on_data = np.zeros(len(px), bool)
    on_data[inside] = valid[np.rint(py[inside]).astype(int), np.rint(px[inside]).astype(int)]
    sample_bin = (np.arange(len(px)) * settings.bins) // len(px)
    bin_has_data = np.bincount(sample_bin, weights=on_data, minlength=settings.bins) > 0
    covered = fit["covered"]
    n_data = int((bin_has_data | covered).sum())
    coverage = float(covered.sum() / max(n_data, 1))
    record = {
        "coverage": round(coverage, 3),
        "radius_px": round(float(fit["coef"][0]), 2),
        "width_px": round(fit["width"], 2),
        "centre_px": [round(float(cx), 2), round(float(cy), 2)],
    }
    if coverage < settings.min_coverage:
        return mask, record | {"filled_px": 0, "reason": "detected arcs cover too little"}
    if fit["coef"][0] < MIN_RADIUS_WIDTHS * fit["width"]:
        return mask, record | {"filled_px": 0, "reason": "the arcs' curvature is not resolved"}
    gap_bins = _short_gaps(~covered, settings.max_gap_deg / 360.0 * settings.bins)
    draw = gap_bins[sample_bin] & on_data
    ribbon = np.zeros(mask.shape, np.uint8)
    thickness = max(1, round(settings.ribbon * fit["width"]))
    for run in _runs(draw):
        pts = np.stack([px[run], py[run]], 1)
        cv2.polylines(ribbon, [np.rint(pts).astype(np.int32)], False, 1, thickness)
    fill = (ribbon > 0) & valid & (mask == background_id)
    if aurora_prob is not None and settings.min_prob > 0:
        fill &= aurora_prob >= settings.min_prob
    if settings.evidence_sigma > 0 and image is not None:
        seen, bins = evidence_ribbon(image, valid, fit, gap_bins & bin_has_data, settings)
        seen &= valid & (mask == background_id) & ~fill
        fill |= seen
        record |= {"evidence_bins": bins, "evidence_px": int(seen.sum())}
    out = mask.copy()
    out[fill] = aurora_id
    return out, record | {"filled_px": int(fill.sum())}


def evidence_ribbon(
    image: np.ndarray,
    valid: np.ndarray,
    fit: dict[str, Any],
    gaps: np.ndarray,
    settings: CourseSettings,
) -> tuple[np.ndarray, int]:
    """The ribbon's pixels in the gap bins (`gaps`) where the frame's brightness integrated
    along the course stands `settings.evidence_sigma` sds above its flanks (module docstring,
    step 4), and how many bins those are."""
    n_bins = settings.bins
    width = fit["width"]
    full = np.zeros(image.shape, bool)
    # only the annulus round the course is read (a 4096-px frame would need GBs of grids)
    reach = float(course_points(fit, n_bins * 8)[1].max()) + 4 * width
    cx, cy = fit["centre"]
    h, w = image.shape
    x0, x1 = max(0, int(cx - reach)), min(w, int(cx + reach) + 2)
    y0, y1 = max(0, int(cy - reach)), min(h, int(cy + reach) + 2)
    if x1 <= x0 or y1 <= y0:
        return full, 0
    image, valid = image[y0:y1, x0:x1], valid[y0:y1, x0:x1]
    cx, cy = cx - x0, cy - y0
    ys, xs = np.mgrid[0 : y1 - y0, 0 : x1 - x0]
    theta = np.arctan2(ys - cy, xs - cx)
    bin_of = (((theta + math.pi) / (2 * math.pi)) * n_bins).astype(int) % n_bins
    offset = np.hypot(xs - cx, ys - cy) - _radius(fit["coef"], theta)
    ok = valid & np.isfinite(image)
    disk = max(3, round(6 * width) | 1)
    bright = white_tophat(np.where(ok, image, 0.0), ok, disk)

    def bin_mean(region: np.ndarray) -> np.ndarray:
        counts = np.bincount(bin_of[region], minlength=n_bins)
        sums = np.bincount(bin_of[region], weights=bright[region], minlength=n_bins)
        return np.where(counts >= 3, sums / np.maximum(counts, 1), np.nan)

    on = bin_mean(ok & (np.abs(offset) <= width / 2))
    inner = bin_mean(ok & (offset >= -3 * width) & (offset <= -1.5 * width))
    outer = bin_mean(ok & (offset >= 1.5 * width) & (offset <= 3 * width))
    contrast = on - (inner + outer) / 2
    null = (inner - outer) / math.sqrt(2)
    null = null[np.isfinite(null)]
    # d = on - mean(flanks) has ~1.5x the variance of one flank's mean; the null estimates that
    sd = math.sqrt(1.5) * mad_sigma(null) if null.size >= 8 else 0.0
    if not sd > 0:
        return full, 0
    half = int(settings.evidence_window_deg / 2 / (360.0 / n_bins))  # bins either side
    usable = gaps & np.isfinite(contrast)
    drawn = np.zeros(n_bins, bool)
    for b in np.flatnonzero(usable):
        window = usable[(np.arange(b - half, b + half + 1)) % n_bins]
        values = contrast[(np.arange(b - half, b + half + 1)) % n_bins][window]
        drawn[b] = values.mean() / (sd / math.sqrt(values.size)) >= settings.evidence_sigma
    ribbon = np.abs(offset) <= settings.ribbon * width / 2
    full[y0:y1, x0:x1] = ribbon & drawn[bin_of]
    return full, int(drawn.sum())


def fit_course(xs: np.ndarray, ys: np.ndarray, settings: CourseSettings) -> dict[str, Any] | None:
    """Centre, radius harmonics, ribbon width and the bins holding detections; None when the
    detections give no closed course (too few bins, a radius ≤ 0). The first centre is the
    algebraic circle fit of the pixels (`jovis.features.ring_fit`): the grid's pole need not lie
    inside the oval (on the HST frames it sits below the imaged swath)."""
    ring = ring_fit(xs, ys)
    if ring is None:
        return None
    centre = np.array([ring["centre_x"], ring["centre_y"]], np.float64)
    fit = None
    for _ in range(3):  # the k = 1 terms move the centre; refit about the moved centre
        fit = _fit_about(xs, ys, centre, settings)
        if fit is None:
            return None
        a1, b1 = fit["coef"][1], fit["coef"][2]
        centre = centre + np.array([a1, b1])
        if math.hypot(a1, b1) < 0.5:
            break
    return fit


def _fit_about(xs, ys, centre, settings: CourseSettings) -> dict[str, Any] | None:
    n_bins = settings.bins
    dx, dy = xs - centre[0], ys - centre[1]
    rho = np.hypot(dx, dy)
    bin_of = (((np.arctan2(dy, dx) + math.pi) / (2 * math.pi)) * n_bins).astype(int) % n_bins
    counts = np.bincount(bin_of, minlength=n_bins)
    covered = counts >= settings.min_bin_pixels
    if covered.sum() < 2 * settings.harmonics + 1:
        return None
    order = np.lexsort((rho, bin_of))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    med = np.array(
        [rho[order][s + c // 2] if c else np.nan for s, c in zip(starts, counts, strict=True)]
    )
    theta = (np.arange(n_bins) + 0.5) / n_bins * 2 * math.pi - math.pi
    keep = covered.copy()
    coef, width = None, 1.0
    # a circle first (stiff: a streak in a gap stands off it), then the harmonics on the bins
    # near it, dropping the bins off the course until none changes
    for step in range(5):
        harmonics = 1 if step == 0 else settings.harmonics
        coef = _solve(theta[keep], med[keep], settings, harmonics)
        if coef is None or coef[0] <= 0:
            return None
        arc = coef[0] * 2 * math.pi / n_bins
        width = float(np.median(counts[keep] / arc))
        resid = np.abs(med - _radius(coef, theta))
        new_keep = covered & (resid <= settings.outlier * max(width, 1.0))
        if new_keep.sum() < 2 * settings.harmonics + 1:
            break
        if step > 0 and (new_keep == keep).all():
            break
        keep = new_keep
    if len(coef) < 2 * settings.harmonics + 1:  # the bins near the circle were too few
        return None
    return {"centre": centre, "coef": coef, "width": max(width, 1.0), "covered": keep}


def _solve(theta, r, settings: CourseSettings, harmonics: int) -> np.ndarray | None:
    """MAP harmonics up to `harmonics`: least squares on the bins (unit weight each, radius
    noise ~ one bin's scatter) plus the Gaussian shape prior, scaled by the median radius."""
    k = np.arange(1, harmonics + 1)
    design = np.column_stack([np.ones_like(theta)] + [f(kk * theta) for kk in k
                                                       for f in (np.cos, np.sin)])  # fmt: skip
    r0 = float(np.median(r))
    sd = np.array([np.inf] + [(settings.prior_shift if kk == 1 else settings.prior_shape) * r0
                              for kk in k for _ in (0, 1)])  # fmt: skip
    noise = max(1.0, 0.05 * r0)
    penalty = np.diag(np.where(np.isfinite(sd), (noise / sd) ** 2, 0.0))
    try:
        return np.linalg.solve(design.T @ design + penalty, design.T @ r)
    except np.linalg.LinAlgError:
        return None


def _radius(coef: np.ndarray, theta: np.ndarray) -> np.ndarray:
    r = np.full_like(theta, coef[0])
    for kk in range(1, (len(coef) - 1) // 2 + 1):
        r = r + coef[2 * kk - 1] * np.cos(kk * theta) + coef[2 * kk] * np.sin(kk * theta)
    return r


def course_interior(arcs: np.ndarray, settings: CourseSettings | None = None) -> np.ndarray | None:
    """The pixels inside the closed course fitted to the oval pixels `arcs` (H, W bool), out to
    the course's outer edge (half the arcs' median width beyond it); None when no course fits
    or its curvature is not resolved (a radius under `MIN_RADIUS_WIDTHS` widths). Unlike the
    arcs' own outline, it does not depend on whether the detected arcs touch: the region an
    open arc's outline closes along its chord is the polar cap on one frame and a sliver on
    the next."""
    settings = settings or CourseSettings()
    ys, xs = np.nonzero(arcs)
    if len(xs) < settings.min_pixels:
        return None
    fit = fit_course(xs.astype(np.float64), ys.astype(np.float64), settings)
    if fit is None or fit["coef"][0] < MIN_RADIUS_WIDTHS * fit["width"]:
        return None
    theta, radius = course_points(fit, settings.bins * 10)
    radius = radius + fit["width"] / 2
    cx, cy = fit["centre"]
    outline = np.stack([cx + radius * np.cos(theta), cy + radius * np.sin(theta)], 1)
    inside = np.zeros(arcs.shape, np.uint8)
    cv2.fillPoly(inside, [np.rint(outline).astype(np.int32)], 1)
    return inside.astype(bool)


def course_points(fit: dict[str, Any], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(θ, r) at `n` angles over the bins' range [−π, π), about ``fit["centre"]``."""
    theta = (np.arange(n) + 0.5) / n * 2 * math.pi - math.pi
    return theta, np.maximum(_radius(fit["coef"], theta), 0.0)


def _short_gaps(gap: np.ndarray, max_len: float) -> np.ndarray:
    """The bins of circular runs of `gap` no longer than `max_len` bins."""
    n = len(gap)
    if gap.all():
        return np.zeros(n, bool) if max_len < n else gap.copy()
    out = np.zeros(n, bool)
    start = int(np.argmin(gap))  # a covered bin: runs do not wrap past it
    rolled = np.roll(gap, -start)
    for run in _runs(rolled):
        if len(run) <= max_len:
            out[(run + start) % n] = True
    return out


def _runs(flags: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the runs of True in `flags` (not wrapping)."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    return np.split(idx, breaks)
