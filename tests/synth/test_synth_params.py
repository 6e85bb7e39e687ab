"""Bad synth configs fail before rendering, with a message naming the parameter."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir

from jovis.apps.synth import synth_from_config
from jovis.config import CONFIG_DIR
from jovis.synth import SynthParams, render_batch, write_frame_set

TOO_MANY = [[89.5, 0.0]] + [[84.0, 360.0 * k / 20] for k in range(20)]


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"oval_fwhm_range": [-1.0, 2.0]}, "oval_fwhm_range"),  # a negative width
        ({"north_cpc_diameter_km": [-4000.0, 4600.0]}, "north_cpc_diameter_km"),
        ({"anticyclone_lat_range": [86.0, 95.0]}, "anticyclone_lat_range"),  # beyond the pole
        ({"spc_lat_range": [88.0, 89.0]}, "spc_lat_range"),  # the SPC in the north
        ({"white_oval_colat_range": [20.0, 10.0]}, "white_oval_colat_range"),
        ({"max_colatitude": 120.0}, "max_colatitude"),
        ({"oval_colat_range": [80.0, 88.0]}, "oval_colat_range"),  # past the equator
        ({"north_cyclones": TOO_MANY}, "north_cyclones"),  # more cyclones than fit
        ({"south_cpc_diameter_km": [12000.0, 13000.0]}, "south_cyclones"),  # too big to fit
        ({"north_cyclones": [[-80.0, 0.0]]}, "north_cyclones"),
        ({"sixth_cyclone_prob": 1.5}, "sixth_cyclone_prob"),
        ({"label_schema": "coarse"}, "label_schema"),
        ({"uv_exposure_s": [0.0, -1.0]}, "uv_exposure_s"),
        ({"m_band_um_low": 5.5}, "m_band_um_low"),
        ({"spiral_arms": [0, 3]}, "spiral_arms"),
        ({"junocam_vortex_arm_gain": 1.5}, "junocam_vortex_arm_gain"),
        ({"junocam_oval_fill": -0.1}, "junocam_oval_fill"),
        ({"junocam_product_camera": 2.0}, "junocam_product_camera"),
        ({"junocam_cloud_detail": -0.5}, "junocam_cloud_detail"),
        ({"uv_clutter_polar_share": 1.5}, "uv_clutter_polar_share"),
        ({"uv_clutter_amp": [-1.0, 1.0]}, "uv_clutter_amp"),
        ({"junocam_spot_layers": 0}, "junocam_spot_layers"),  # no lattice: no spots, silently
        ({"junocam_cyclone_redden": [-0.5, 0.3]}, "junocam_cyclone_redden"),
    ],
)
def test_bad_params_name_the_parameter(override, named):
    with pytest.raises(ValueError, match=named):
        SynthParams.from_dict(override)
    with pytest.raises(ValueError, match=named):
        render_batch([0], 64, ["L"], params=override)


def test_more_cyclones_than_fit_explains_the_fix():
    with pytest.raises(ValueError, match=r"more cyclones than fit.*overlap_tolerance"):
        SynthParams.from_dict({"north_cyclones": TOO_MANY})
    # the same ring with fewer cyclones fits
    SynthParams.from_dict({"north_cyclones": TOO_MANY[:1] + TOO_MANY[1::4]})


def test_params_from_dict_coerces_and_keeps_defaults():
    p = SynthParams.from_dict({"oval_fwhm_range": [1, 2], "limb_prob": 0, "jiram_band_lines": 64})
    assert p.oval_fwhm_range == (1.0, 2.0) and p.limb_prob == 0.0 and p.jiram_band_lines == 64
    assert SynthParams.from_dict({}) == SynthParams()


def _compose(tmp_path, *overrides):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="synth", overrides=[f"out={tmp_path / 'set'}", *overrides])


@pytest.mark.parametrize("size", [32, 4096])
def test_script_size_outside_64_to_2048_fails_before_writing(tmp_path, size):
    cfg = _compose(tmp_path, f"size={size}", "n=1")
    with pytest.raises(ValueError, match=r"size must be 64\.\.2048"):
        synth_from_config(cfg)
    assert not (tmp_path / "set").exists()


def test_bad_param_in_the_script_config_fails_before_writing(tmp_path):
    cfg = _compose(tmp_path, "n=1", "size=64", "params.oval_fwhm_range=[2.0,-1.0]")
    with pytest.raises(ValueError, match="oval_fwhm_range"):
        synth_from_config(cfg)
    assert not (tmp_path / "set").exists()


def test_fine_labels_need_the_fine_schema(tmp_path):
    with pytest.raises(ValueError, match="labels=fine"):
        write_frame_set(tmp_path / "a", 1, 64, ["uv"], "uv", params={"label_schema": "fine"})
    cfg = _compose(tmp_path, "n=2", "size=64", "labels=fine", "params.label_schema=fine",
                   "instrument=uv")  # fmt: skip
    assert synth_from_config(cfg)["n"] == 2


@pytest.mark.parametrize("seed", ["abc", -1])
def test_a_wrong_seed_is_refused_naming_it_before_writing(tmp_path, seed):
    """seed=abc failed as "invalid literal for int() with base 10", naming no setting."""
    cfg = _compose(tmp_path, "n=1", "size=64", f"seed={seed}")
    with pytest.raises(ValueError, match=rf"seed={seed!r}: must be an integer ≥ 0"):
        synth_from_config(cfg)
    assert not (tmp_path / "set").exists()
