"""`SynthParams`: every number the synthetic generator draws from, with its default.

The defaults here are the one source of truth; ``configs/synth.yaml`` ``params:`` repeats them with
the PHYSICS.md source of each (a test checks that the two agree). Ranges are ``(low, high)`` and are
sampled uniformly per frame. Cross-field rules (latitude ranges, cyclone packing) are checked in
`jovis.synth.validate` when the object is built, so a bad config fails before any rendering.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

Range = tuple[float, float]

NORTH_CYCLONES = (
    (89.6, 230.4), (82.9, 1.4), (83.8, 50.7), (82.0, 95.3), (83.2, 137.6),
    (82.9, 183.4), (83.2, 227.6), (82.3, 269.9), (83.5, 314.8),
)  # fmt: skip
SOUTH_CYCLONES = (
    (-88.6, 211.3), (-83.7, 157.1), (-84.3, 94.3), (-85.0, 13.4), (-84.1, 298.8), (-83.2, 229.7),
)  # fmt: skip
FOOTPRINT_TABLE = "hess2011_footprints.txt"  # in jovis.paths.reference_dir()
_STRINGS = ("footprint_table", "label_schema")
_PROBABILITIES = ("limb_prob", "sixth_cyclone_prob", "dawn_storm_prob", "junocam_gap_prob",
                  "jiram_gap_prob", "white_oval_chain_prob", "junocam_product_prob",
                  "junocam_mosaic_prob", "junocam_night_mu", "uv_cut_prob",
                  # shares of an effect kept (0 none, 1 all)
                  "junocam_vortex_arm_gain", "junocam_oval_fill", "junocam_product_camera",
                  "junocam_cloud_detail", "junocam_spot_ring_prob",
                  "uv_clutter_polar_share")  # fmt: skip
_POSITIVE = ("max_colatitude", "polar_radius_km", "dn_white", "junocam_white_raw",
             "npc_rmax_km", "spc_rmax_km", "npc_vmax_ms", "spc_vmax_ms", "limb_emission_cut_deg",
             "io_tail_hours", "uv_reference_exposure_s", "uv_limb_brightening_max",
             "m_band_um_low", "m_band_um_high", "junocam_compression_step",
             "junocam_fov_deg", "junocam_spot_layers")  # fmt: skip


@dataclass(frozen=True)
class SynthParams:
    """Scene, geometry and instrument parameters (see ``configs/synth.yaml`` for sources)."""

    # geometry
    max_colatitude: float = 30.0
    polar_radius_km: float = 66854.0
    # main auroral oval
    oval_colat_range: Range = (14.0, 25.0)
    oval_offset_range: Range = (0.5, 4.0)
    oval_harmonic_amp: float = 0.06
    oval_fwhm_range: Range = (0.5, 0.85)
    oval_width_var: float = 0.3
    oval_brightness_var: float = 0.6
    oval_excursion_lon_north: Range = (190.0, 240.0)
    oval_excursion_lon_south: Range = (110.0, 200.0)
    oval_excursion_amp: Range = (0.05, 0.2)
    oval_excursion_width_deg: Range = (20.0, 45.0)
    oval_poleward_lon_north: Range = (120.0, 150.0)
    oval_poleward_lon_south: Range = (310.0, 460.0)
    oval_poleward_amp: Range = (0.02, 0.08)
    oval_kink_lon_north: Range = (90.0, 150.0)
    oval_kink_amp: Range = (0.02, 0.06)
    oval_kink_width_deg: Range = (4.0, 10.0)
    dawn_arc_gain: Range = (2.0, 6.0)
    dawn_storm_prob: float = 0.1
    dawn_storm_gain: Range = (2.0, 6.0)
    dawn_storm_broadening: Range = (1.5, 2.5)
    # Grodent 2003 gives ~30 % of the northern FUV power poleward of the oval; the v03 frames'
    # polar emission over the bright arc (label-free `polar_ratio` of `jovis realism`) asks for
    # 30-42 % with the faint sector's dimmed cap (`layers.polar_levels`) at local time 17 h
    polar_power_fraction: Range = (0.30, 0.42)
    # the polar emission fills the cap from this far poleward of the oval's centreline (deg): a
    # modelling choice (no source found), set by the label-free quarter-ratio statistic of
    # `jovis realism` (the v03 frames' faint quarter shows no polar emission beside it)
    polar_gap_deg: float = 1.5
    # satellite footprints (Hess et al. 2011 table) and the Io tail
    footprint_table: str = FOOTPRINT_TABLE
    footprint_brightness: Range = (0.2, 0.6)
    footprint_fwhm_deg: Range = (0.3, 0.8)
    io_tail_hours: float = 3.0
    # polar cyclones: (planetocentric lat, SIII west lon); first entry is the central cyclone
    north_cyclones: tuple[tuple[float, float], ...] = NORTH_CYCLONES
    south_cyclones: tuple[tuple[float, float], ...] = SOUTH_CYCLONES
    cyclone_jitter_deg: float = 0.4
    polygon_rotation_range: Range = (0.0, 360.0)
    spc_offset_lon: Range = (198.0, 240.0)
    spc_lat_range: Range = (-89.0, -88.0)
    south_gap_extra_deg: Range = (-8.0, 8.0)
    sixth_cyclone_prob: float = 0.1
    sixth_cyclone_diameter_km: Range = (1400.0, 2000.0)
    npc_diameter_km: Range = (3800.0, 4200.0)
    north_cpc_diameter_km: Range = (4000.0, 4600.0)
    spc_diameter_km: Range = (5600.0, 7000.0)
    south_cpc_diameter_km: Range = (5600.0, 7000.0)
    overlap_tolerance: float = 0.25
    # tangential winds (Grassi 2018 fit) and the texture winding they drive
    npc_vmax_ms: float = 75.0
    npc_rmax_km: float = 1000.0
    spc_vmax_ms: float = 80.0
    spc_rmax_km: float = 1200.0
    grassi_b: Range = (1.0, 2.0)
    cpc_vmax_ms: Range = (60.0, 97.0)
    winding_hours: Range = (3.0, 10.0)
    spiral_arms: Range = (2, 5)
    vortex_contrast: Range = (0.4, 0.9)
    # small vortices: anticyclones in the corridor and white ovals farther out
    anticyclone_count: Range = (1, 3)
    anticyclone_lat_range: Range = (85.5, 87.0)
    anticyclone_diameter_km: Range = (600.0, 1500.0)
    polar_vortex_count: Range = (3, 10)
    polar_vortex_colat_range: Range = (10.0, 20.0)
    polar_vortex_diameter_km: Range = (2400.0, 5700.0)
    white_oval_count: Range = (0, 6)
    white_oval_colat_range: Range = (17.0, 57.0)
    white_oval_diameter_km: Range = (2400.0, 5000.0)
    white_oval_core: Range = (0.15, 0.4)
    white_oval_chain_prob: float = 0.5
    dark_spot_count: Range = (0, 3)
    dark_spot_colat_range: Range = (41.0, 56.0)
    dark_spot_diameter_km: Range = (1500.0, 3000.0)
    dark_spot_core: Range = (-0.4, -0.15)
    # background and no-data: the observer's limb
    cloud_contrast: Range = (0.6, 1.0)
    limb_prob: float = 0.3
    limb_observer_lat_range: Range = (2.0, 30.0)
    observer_lat_range: Range = (55.0, 90.0)
    limb_emission_cut_deg: float = 88.0
    # JIRAM (L and M bands)
    l_peak_radiance: Range = (0.005, 0.05)
    l_cloud_fraction: float = 0.03
    # the L band's own depth of the oval's faint sector (`oval.fade`, same place and width as the
    # far-UV one): why — JIRAM L (H3+) main ovals are continuous, brightness varying along them a
    # few times (Mura et al. 2017, Adriani et al. 2017, GRL 44), with an IR/UV ratio that differs
    # between features (Gérard et al. 2018, Icarus 312): at most a halving, not the UV's 0.3-2 %
    jiram_l_arc_fade_depth: Range = (0.0, 0.5)
    m_tb_range_k: Range = (190.0, 260.0)
    m_band_um_low: float = 4.537
    m_band_um_high: float = 5.035
    jiram_band_lines: int = 128
    jiram_band_samples: int = 432
    jiram_km_per_px: Range = (10.0, 30.0)
    jiram_gap_prob: float = 0.05
    jiram_tile_gain_sd: float = 0.03
    jiram_stripe_sd: float = 0.02
    # UV
    uv_peak_kr: Range = (1200.0, 10000.0)
    uv_background_kr: Range = (10.0, 60.0)
    uv_kr_per_count: Range = (0.5, 5.0)
    uv_exposure_s: Range = (30.0, 100.0)
    uv_reference_exposure_s: float = 100.0
    uv_cut_prob: float = 0.9
    uv_cut_offset_deg: Range = (-8.0, 0.0)
    uv_streak_gain: Range = (1.0, 2.5)
    uv_streak_length_deg: Range = (1.0, 3.0)
    # the stripes' profile along the edge, (p + 1) g^p of a uniform g per 0.15° cell (mean 1 at
    # the cells; interpolated between them: 0.81 at p = 3, 0.55 at 8): a larger p makes fewer,
    # brighter stripes over a darker ground. 3 = the frames since the limb fringe. Measured with
    # a wider fringe (docs/notes/uv.md "Sparser limb streaks"): p 6-12 and fringe 0.55-0.9° pass
    # the fringe and streak rows but fail quarter_ratio and diffuse_ratio, so not the default
    uv_streak_power: float = 3.0
    uv_psf_sigma_deg: Range = (0.028, 0.04)
    uv_noise_kr_per_count: Range = (60.0, 350.0)
    uv_diffuse_frac: Range = (0.006, 0.022)
    # clutter of the smooth emission beside the oval (`uv.clutter`: disk and diffuse emission ×
    # (1 + amp · a Gaussian field of sigma `uv_clutter_deg`), the polar cap at
    # `uv_clutter_polar_share` of that amplitude). Why (`jovis.realism.structure.ridge_snr`, the
    # oval's contrast within 0.25° over the 1-2° sides, in units of the robust sd of the 0.3°
    # high-pass 2-8° beside it): the v03 frames' faint half of the ridge is at 3.1 sigma (39 %
    # of its rays under 2), the bright half 24; without clutter the synthetic frames gave 18.5
    # (3 %) and 129: their sides were 4-6x smoother relative to the oval (16 frames). Amp
    # 1-2.5 with share 0.3 gives 5.1 (21 %) and 56 (along the true/reference oval: 5.9 vs 6.8);
    # a full polar share reached 25 but tripled the polar texture row (3.4-3.8 vs 1.5).
    # OFF by default ((0, 0): frames byte-identical to those before it): the `release/uv` recipe
    # on amp 1-2.5 learned to call low-SNR arcs background (synthetic held-out 0.533 vs 0.441,
    # but real faint-sector recall 0.235 -> 0.064, docs/notes/uv.md "The oval's SNR against the
    # local clutter"); turn it on (e.g. [1.0, 2.5]) to train on the measured clutter
    uv_clutter_amp: Range = (0.0, 0.0)
    uv_clutter_polar_share: float = 0.2
    uv_clutter_deg: Range = (0.2, 0.5)
    # the oval's cross-section (`uv.oval_profile`): Moffat of wing w = 1/β with the sampled FWHM,
    # (0, 0) the Gaussian (frames as before). The v03 frames' width at 25 % over that at 75 % of
    # the prominence is 2.66, a Gaussian's 2.2; [0.65, 0.95] gives 2.53. OFF by default: the
    # `release/uv` recipe on it lost on the real frames (reference IoU 0.403 -> 0.377, bright
    # recall 0.74 -> 0.64) and on held-out frames (docs/notes/uv.md "The oval's cross-section")
    uv_oval_profile_wing: Range = (0.0, 0.0)
    # the faint sector (`oval.fade`): 0.3-2 % of the local brightness left over 70-100° of arc,
    # i.e. near the noise but present (the v03 faint quarter: 40-230 kR over a ~32 kR floor);
    # far-UV frames only (JIRAM L: ``jiram_l_arc_fade_depth``)
    uv_arc_fade_depth: Range = (0.98, 0.997)
    uv_arc_fade_width_deg: Range = (70.0, 100.0)
    # its centre's local time (h; ± 1.5 h): 17 h puts its dawn-side end at the visible arc's dusk
    # end, as in the v03 frames, whose faintest quarter of the ridge ends the visible arc next to
    # the no-data edge (1-4 % of their cap >3° inside the ridge is darker than 0.3x its median;
    # at 15 h the faint sector sat mid-arc, median 4.7 % and up to 28 %: realism polar_texture
    # 2.1 against 1.5)
    uv_arc_fade_local_time_h: float = 17.0
    # the limb fringe: the v03 frames read ~0 kR within ~0.3° of the no-data edge and reach
    # their level ~0.75-1° inside it (median over edge pixels, all four frames; `jovis.synth.uv`)
    uv_limb_fringe_deg: Range = (0.25, 0.45)
    uv_limb_fringe_ramp_deg: Range = (0.25, 0.5)
    uv_limb_brightening_max: float = 8.0
    # JunoCam
    dn_white: float = 10000.0
    junocam_white_raw: float = 2000.0
    junocam_km_per_px: Range = (30.0, 60.0)
    junocam_framelet_rows: int = 128
    junocam_gap_prob: float = 0.02
    junocam_strip_gain_sd: float = 0.04
    junocam_compression_step: float = 4.0
    junocam_sub_lat_range: Range = (60.0, 90.0)
    junocam_altitude_km: Range = (10000.0, 280000.0)
    junocam_fov_deg: float = 58.0
    junocam_disk_fill: Range = (0.8, 1.05)
    junocam_product_prob: float = 0.5
    junocam_stretch_low_pct: Range = (0.0, 2.0)
    junocam_stretch_high_pct: Range = (98.0, 100.0)
    junocam_gamma: Range = (0.45, 0.8)
    junocam_colour_gain: Range = (0.9, 1.1)
    # illumination flattening of the composites (÷ μ0^f); 0.5-0.9 before vis6, see
    # junocam_cloud_detail
    junocam_flatten: Range = (0.4, 0.8)
    junocam_saturation: Range = (0.3, 0.7)
    junocam_night_mu: float = 0.02
    junocam_sun_lon_offset: Range = (-60.0, 60.0)
    junocam_mosaic_prob: float = 0.7
    # JunoCam vortices are smooth inside: the luminance spread inside a reference vortex is 0.89x
    # (median of 57) that of the ring around it; the shared arm pattern (made for JIRAM M's wound
    # cyclones) gave 1.45x, this share of it 0.90x (scripts/measure_junocam_vortices.py)
    junocam_vortex_arm_gain: float = 0.3
    # the cyclones' reddening (albedo x(1 + 0.15 a) in red, x(1 - 0.10 a) in blue; PHYSICS.md
    # "the cyclones look reddish") times a per-frame draw from this range ([1, 1]: whole, frames
    # as before). In the products the reference cyclones are barely redder than their ring:
    # R/(R+G+B) inside minus the ring 1.3-1.8 semi-axes out, median 0.010 (circumpolar 0.002)
    # where the whole reddening gives 0.033 (0.043) (scripts/measure_junocam_vortices.py)
    junocam_cyclone_redden: Range = (1.0, 1.0)
    # white ovals are bright in the products: interior contrast against the ring 0.147 (median
    # of 17 reference ovals at 256 px; 0.132 in the network's normalised units) where the
    # renderer's narrow core gave 0.02 (0.02); this share of a white oval's (dark spot's)
    # interior becomes a smooth deck at 0.5 + its core value: 0.168 (0.123) over the wholly seen
    # ovals of 24 composite views (scripts/measure_junocam_vortices.py; JunoCam filters only);
    # 0.9 with junocam_cloud_detail 0 and junocam_flatten 0.4-0.8: 0.132 (real 0.132)
    junocam_oval_fill: float = 0.9
    # composites are mosaics zoomed out for the model (1600 px -> 256 px): this share of the
    # read noise, framelet strip gains and seams stays in them; the ring roughness around
    # vortices at 256 px (normalised units) goes 0.070 -> 0.061, real 0.033 (same script)
    junocam_product_camera: float = 0.2
    # ... at the model's scale. The products are mosaics of this many px (the shared ones: 1600,
    # limb at 797 of 800 px); a view of V px is one zoomed out 1600/V times and keeps V/1600 of
    # its read noise and seams (`junocam.product_noise_share`; the strip gains keep the share
    # above), never under the share above (0: always it). Windows of 1024 px views keep 0.64:
    # LoG blobs per 100² px 34.6 / 35.8 bright / dark, the products' 42.7 / 41.1, where 0.2 gave
    # 22.9 / 24.8 (scripts/visible_realism.py n=48; docs/notes/junocam.md "blob7"). 256 px
    # frames: unchanged
    junocam_product_px: int = 1600
    # the rings 1.3-1.8 semi-axes around the reference vortices are quieter than the renderer's:
    # sd 0.049 / roughness 0.033 at 256 px in the network's units, the renderer's 0.088 / 0.054
    # (48 composite views, projected ellipses); the whole frames' band-pass sd was 1.6-1.8x the
    # products' at 0.7-6 px and 1.45x at 12 px, 1.0x at 24-48 px. This share of the cloud
    # lattice's octaves finer than 1/8 of it (cells under 7.5 deg; the fine filaments and spots
    # of `fine_texture` keep the small scales) stays in the JunoCam filters: with 0, flatten
    # 0.4-0.8 and oval fill 0.9 the rings read 0.076 / 0.040 (1.55x / 1.21x), the bands
    # 1.2-1.4x / 1.14x / 1.0x (scripts/measure_junocam_vortices.py; docs/notes/junocam.md "rings")
    junocam_cloud_detail: float = 0.0
    junocam_view_size: int = 0  # px the disk's view spans; > the frame: frames are windows of it
    junocam_band_contrast: Range = (0.02, 0.12)
    junocam_band_colat: Range = (18.0, 28.0)
    # fine-scale cloud texture (`jovis.synth.fine_texture`): the products at the model's scale are
    # full of folded filaments and small spots that are not labelled vortices (realism
    # visible_texture: product-scale LoG blob density and spectrum slope; values fitted to it)
    junocam_fine_contrast: Range = (0.07, 0.2)  # relative albedo of the filaments (0: off)
    junocam_fine_cell_deg: float = 0.2  # finest filament cell, deg (~2 px of a 1024 px product)
    junocam_fine_octaves: int = 5  # cells 0.2 … 3.2 deg
    # the fine texture's anti-aliasing: filament octaves fade out from cells of 2 to 4 px and spots
    # from FWHM 1 to 2 px, each times this (1: as before)
    junocam_fine_fade_px: float = 1.0
    junocam_fine_hurst: float = 0.7  # octave amplitude ∝ cell^hurst
    junocam_fine_warp: float = 0.8  # fold warp, in units of the coarsest cell
    junocam_fine_shear: Range = (0.3, 1.5)  # zonal strain of the jets that stretch the filaments
    junocam_spot_contrast: Range = (0.2, 0.5)  # relative albedo of the small spots (0: off)
    junocam_spot_cell_deg: float = 3.0  # at most one spot per cell this size
    junocam_spot_prob: float = 0.8  # share of cells with a spot, in each lattice
    junocam_spot_diameter_km: Range = (300.0, 1200.0)  # FWHM; labelled ovals are ≥ 2400 km and the
    # references leave out vortices under ~2000 km (references/README.md)
    junocam_spot_bright_prob: float = 0.7  # bright cloud tops outnumber dark spots (a choice)
    junocam_spot_layers: int = 1  # offset spot lattices (one alone sits in a visible lattice)
    junocam_spot_ring_prob: float = 0.0  # share of spots drawn as rimmed eddies
    subsolar_lat_range: Range = (-3.1, 3.1)
    minnaert_k: Range = (0.8, 1.0)
    # noise shared by the instruments
    read_noise_frac: Range = (0.002, 0.02)
    spike_count: Range = (0, 6)
    # labels: "default" (0 bg, 1 aurora, 2 vortex) or "fine" (adds polar emission, footprints,
    # anticyclones as classes 3, 4, 5)
    label_schema: str = "default"
    # white ovals and dark spots whose fill the rendered JunoCam frame does not show (contrast-to-
    # noise ratio against the ring 1.3-1.8 radii out under this) are no data (255), not vortex:
    # `jovis.synth.vortex_seen`. 0: every vortex labelled (off)
    vortex_label_min_cnr: float = 0.0
    # armed vortices (cyclones, polar vortices, anticyclones) whose luminance sd inside their disk
    # is under this share of the frame's bright end (on the night side or deep in the
    # terminator's shade: the frame shows nothing there) are no data (255) too; 0: off
    vortex_label_min_structure: float = 0.0
    # > 0: a vortex pixel within this many px of another vortex's disk is labelled as if no
    # vortex were there, so touching vortices are taught apart (a lane twice as wide); 0: off
    vortex_label_gap_px: int = 0

    def __post_init__(self) -> None:
        from jovis.synth.validate import validate_params

        validate_params(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SynthParams:
        """Defaults overridden by `data`; unknown keys or bad values raise ``ValueError``."""
        if data is None:
            return cls()
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(
                f"unknown synth params {unknown}; valid keys are {sorted(names)} "
                "(see configs/synth.yaml params:)"
            )
        default = cls()
        kwargs = {k: _coerce(k, v, getattr(default, k)) for k, v in data.items()}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (tuples as lists), the form of ``configs/synth.yaml`` ``params:``."""
        return json.loads(json.dumps(asdict(self)))


def _coerce(key: str, value: Any, default: Any) -> Any:
    try:
        if key.endswith("_cyclones"):
            table = tuple((float(lat), float(lon)) for lat, lon in value)
            if not table:
                raise ValueError("needs at least the central cyclone")
            return table
        if key in _STRINGS:
            return str(value)
        if isinstance(default, tuple):
            lo, hi = (type(d)(v) for d, v in zip(default, value, strict=True))
            if lo > hi:
                raise ValueError(f"low {lo} > high {hi}")
            return (lo, hi)
        out = int(value) if isinstance(default, int) else float(value)
    except (TypeError, ValueError) as err:
        want = "a [low, high] pair" if isinstance(default, tuple) else "a number"
        raise ValueError(f"synth param {key}={value!r} must be {want} ({err})") from err
    return out


def check_scalar(p: SynthParams) -> None:
    """Probabilities in [0, 1], positive scales and non-negative widths, naming the parameter."""
    for key in _PROBABILITIES:
        v = getattr(p, key)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"synth param {key}={v} must be in [0, 1]")
    for key in _POSITIVE:
        if not getattr(p, key) > 0:
            raise ValueError(f"synth param {key}={getattr(p, key)} must be > 0")
    for f in fields(p):
        v = getattr(p, f.name)
        if isinstance(v, tuple) and len(v) == 2 and not isinstance(v[0], tuple):
            if v[0] > v[1]:
                raise ValueError(f"synth param {f.name}={list(v)}: low {v[0]} > high {v[1]}")
            neg_ok = ("lat", "lon", "rotation", "gap_extra", "dark_spot_core", "uv_cut_offset")
            if v[0] < 0 and not any(s in f.name for s in neg_ok):
                raise ValueError(
                    f"synth param {f.name}={list(v)} must not be negative (a width, size, count "
                    "or level); use values >= 0"
                )
