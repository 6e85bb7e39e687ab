"""Cross-field checks of `SynthParams`, run when the object is built (before any rendering).

Each error names the parameter and the fix: impossible latitude ranges, negative widths, cyclone
polygons that cannot be packed around the pole, unknown label schemas.
"""

from __future__ import annotations

import functools
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jovis.synth.params import SynthParams

LABEL_SCHEMAS = ("default", "fine")
# a lane wider than a few px would eat small vortices whole (2-4 px radius at the model's scale)
MAX_VORTEX_GAP_PX = 3


def validate_params(p: SynthParams) -> None:
    """Raise ``ValueError`` naming the first bad parameter of `p`."""
    from jovis.synth.params import check_scalar

    check_scalar(p)
    if not 0 < p.max_colatitude <= 90:
        raise ValueError(
            f"synth param max_colatitude={p.max_colatitude} must be in (0, 90] degrees "
            "(the frame edge's distance from the pole)"
        )
    _lat_range("anticyclone_lat_range", p.anticyclone_lat_range, 0.0, 90.0)
    _lat_range("spc_lat_range", p.spc_lat_range, -90.0, 0.0)
    for key in (
        "oval_colat_range",
        "white_oval_colat_range",
        "polar_vortex_colat_range",
        "dark_spot_colat_range",
        "junocam_sub_lat_range",
    ):
        _lat_range(key, getattr(p, key), 0.0, 90.0)
    for key in ("junocam_altitude_km", "junocam_disk_fill", "junocam_gamma"):
        if not getattr(p, key)[0] > 0:
            raise ValueError(f"synth param {key}={list(getattr(p, key))} must be > 0")
    if p.junocam_product_px < 0:
        raise ValueError(
            f"synth param junocam_product_px={p.junocam_product_px} must be ≥ 0 px (the "
            "composites' own size: views larger than the model's keep view/this of the read "
            "noise and seams; 0: always junocam_product_camera)"
        )
    if p.junocam_view_size < 0:
        raise ValueError(
            f"synth param junocam_view_size={p.junocam_view_size} must be ≥ 0 px (0: a "
            "perspective frame is the whole view; larger than the frame: a window of the view)"
        )
    if not p.vortex_label_min_cnr >= 0:
        raise ValueError(
            f"synth param vortex_label_min_cnr={p.vortex_label_min_cnr} must be ≥ 0 (the "
            "contrast-to-noise ratio under which a white oval or dark spot is no data; 0: off)"
        )
    if not p.vortex_label_min_structure >= 0:
        raise ValueError(
            f"synth param vortex_label_min_structure={p.vortex_label_min_structure} must be ≥ 0 "
            "(the luminance sd, as a share of the frame's bright end, under which an armed vortex "
            "is no data; 0: off)"
        )
    gap = p.vortex_label_gap_px
    if isinstance(gap, bool) or int(gap) != gap or gap < 0 or gap > MAX_VORTEX_GAP_PX:
        raise ValueError(
            f"synth param vortex_label_gap_px={gap!r} must be an integer 0-{MAX_VORTEX_GAP_PX} "
            "(px of another vortex's disk within which a pixel is not labelled vortex; 0: off)"
        )
    _lat_range("limb_observer_lat_range", p.limb_observer_lat_range, 0.0, 90.0)
    _lat_range("observer_lat_range", p.observer_lat_range, 0.0, 90.0)
    _lat_range("subsolar_lat_range", p.subsolar_lat_range, -90.0, 90.0)
    reach = p.oval_colat_range[1] * (1 + 2 * p.oval_harmonic_amp + p.oval_excursion_amp[1])
    if reach + p.oval_offset_range[1] >= 90:
        raise ValueError(
            f"synth params oval_colat_range={list(p.oval_colat_range)} with oval_offset_range="
            f"{list(p.oval_offset_range)} put the oval beyond the equator; keep the largest "
            "colatitude plus offset and excursion below 90"
        )
    if not p.junocam_cyclone_redden[0] >= 0:
        raise ValueError(
            f"synth param junocam_cyclone_redden={list(p.junocam_cyclone_redden)} must be ≥ 0 "
            "(a factor on the cyclones' reddening: 0 none, 1 the whole)"
        )
    for key in ("uv_arc_fade_depth", "jiram_l_arc_fade_depth"):
        lo, hi = getattr(p, key)
        if not 0 <= lo <= hi <= 1:
            raise ValueError(
                f"synth param {key}={[lo, hi]} must be a range within [0, 1] (the fraction of "
                "the oval's brightness its faint sector loses)"
            )
    lo, hi = p.uv_oval_profile_wing
    if not 0 <= lo <= hi < 1:
        raise ValueError(
            f"synth param uv_oval_profile_wing={[lo, hi]} must be a range within [0, 1) (1/β "
            "of the oval's Moffat cross-section: 0 is the Gaussian, 1 would have no finite flux)"
        )
    if p.oval_fwhm_range[0] <= 0:
        raise ValueError(f"synth param oval_fwhm_range={list(p.oval_fwhm_range)} must be > 0")
    if not 0 <= p.oval_width_var < 1 or not 0 <= p.oval_harmonic_amp < 0.3:
        raise ValueError(
            f"synth params oval_width_var={p.oval_width_var} must be in [0, 1) and "
            f"oval_harmonic_amp={p.oval_harmonic_amp} in [0, 0.3)"
        )
    if p.m_band_um_low >= p.m_band_um_high:
        raise ValueError(
            f"synth params m_band_um_low={p.m_band_um_low} must be < m_band_um_high="
            f"{p.m_band_um_high}"
        )
    if p.spiral_arms[0] < 1 or p.jiram_band_lines < 1 or p.junocam_framelet_rows < 1:
        raise ValueError(
            "synth params spiral_arms, jiram_band_lines and junocam_framelet_rows must be >= 1"
        )
    if p.label_schema not in LABEL_SCHEMAS:
        raise ValueError(
            f"synth param label_schema={p.label_schema!r}; valid choices: "
            f"{', '.join(LABEL_SCHEMAS)}"
        )
    _cyclones(p, "north")
    _cyclones(p, "south")


def _lat_range(key: str, rng: tuple[float, float], lo: float, hi: float) -> None:
    if not lo <= rng[0] <= rng[1] <= hi:
        raise ValueError(
            f"synth param {key}={list(rng)} is an impossible latitude range: it must satisfy "
            f"{lo} <= low <= high <= {hi} degrees"
        )


def _cyclones(p: SynthParams, hemisphere: str) -> None:
    """The packing rule shrinks touching cyclones; refuse tables that need more than
    ``overlap_tolerance`` of shrinkage at the smallest configured diameters (too many cyclones)."""
    north = hemisphere == "north"
    key = f"{hemisphere}_cyclones"
    table = np.array(getattr(p, key), dtype=float)
    if len(table) < 1:
        raise ValueError(f"synth param {key} needs at least the central cyclone")
    sign = 1.0 if north else -1.0
    if not ((sign * table[:, 0] > 0) & (sign * table[:, 0] <= 90)).all():
        want = "(0, 90]" if north else "[-90, 0)"
        raise ValueError(f"synth param {key}: every latitude must be in {want} degrees")
    colat = 90.0 - sign * table[:, 0]
    if colat.max() + 3 * p.cyclone_jitter_deg >= p.max_colatitude * 1.5:
        raise ValueError(
            f"synth param {key}: cyclones at colatitude {colat.max():.1f} lie outside the frame "
            f"(max_colatitude={p.max_colatitude}); raise max_colatitude or move them"
        )
    lam = np.radians(table[:, 1])
    x, y = colat * np.sin(lam), colat * np.cos(lam)
    km_per_deg = 2 * math.pi * p.polar_radius_km / 360.0
    d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]) * km_per_deg
    central = p.npc_diameter_km if north else p.spc_diameter_km
    ring = p.north_cpc_diameter_km if north else p.south_cpc_diameter_km
    r = np.array([central[0]] + [ring[0]] * (len(table) - 1)) / 2
    np.fill_diagonal(d, np.inf)
    ratio = (d / (r[:, None] + r[None])).min() if len(table) > 1 else np.inf
    if ratio < 1.0 - p.overlap_tolerance:
        size_key = f"{hemisphere}_cpc_diameter_km"
        raise ValueError(
            f"synth params {key} ({len(table)} cyclones) and {size_key}={list(ring)}: more "
            f"cyclones than fit around the pole; neighbours would overlap by "
            f"{100 * (1 - ratio):.0f}% of their radii (overlap_tolerance="
            f"{p.overlap_tolerance}). Use fewer cyclones, smaller diameters or a wider ring"
        )


BUILTIN_FOOTPRINTS = "builtin"  # footprint_table value: the approximate model, no file


def footprint_source(p: SynthParams) -> Path | str | None:
    """Where the footprints come from: the table file, ``"builtin"`` or None (drawn none).

    Relative paths are from the reference-data folder (`jovis.paths.reference_dir`, set by
    ``JOVIS_DATA``), else, as they used to be, from the checkout's root. The default table
    (`params.FOOTPRINT_TABLE`) is shared data, not shipped: where it is not at hand (a fresh
    install without ``../shared``) the built-in approximation
    (`jovis.synth.footprints.approximate_table`) stands in and a warning is logged once. A table
    named by the user that is missing raises ``ValueError`` naming ``footprint_table``.
    """
    if not p.footprint_table:
        return None
    if p.footprint_table == BUILTIN_FOOTPRINTS:
        return BUILTIN_FOOTPRINTS
    from jovis.paths import checkout_root, reference_dir
    from jovis.synth.params import FOOTPRINT_TABLE

    path = Path(p.footprint_table)
    if not path.is_absolute():
        bases = (reference_dir(), checkout_root() or Path.cwd())
        found = [b / path for b in bases if (b / path).is_file()]
        path = (found[0] if found else bases[0] / path).resolve()
    if path.is_file():
        return path
    if p.footprint_table == FOOTPRINT_TABLE:
        _warn_builtin(str(path))
        return BUILTIN_FOOTPRINTS
    raise ValueError(
        f"synth param footprint_table={p.footprint_table!r}: file {path} not found; point it "
        "at hess2011_footprints.txt (PHYSICS.md §2; or set JOVIS_DATA to the folder holding "
        f"reference/), set footprint_table={BUILTIN_FOOTPRINTS} for the approximate built-in "
        "footprints, or '' to draw none"
    )


@functools.lru_cache(maxsize=8)
def _warn_builtin(missing: str) -> None:
    logging.getLogger("jovis.synth").warning(
        "footprint table %s not found: satellite footprints follow the approximate built-in "
        "model (jovis.synth.footprints.approximate_table); set JOVIS_DATA to the folder holding "
        "reference/hess2011_footprints.txt for the Hess et al. (2011) table",
        missing,
    )
