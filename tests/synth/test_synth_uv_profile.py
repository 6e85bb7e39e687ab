"""The far-UV oval's Moffat cross-section (`jovis.synth.uv.oval_profile`) on tiny frames."""

from __future__ import annotations

import math

import pytest
import torch

from jovis.synth import render_batch, uv
from jovis.synth.params import SynthParams
from jovis.synth.validate import validate_params


def _profile(wing: float, u: torch.Tensor) -> torch.Tensor:
    geo = uv.geometry([0], SynthParams())
    geo[:, uv.G["wing"]] = wing
    layers = {"oval_u2": (u**2)[None, None], "oval_peak": torch.full((1, 1, len(u)), 2.0)}
    return uv.oval_profile(layers, geo)[0, 0]


def test_the_moffat_keeps_peak_and_fwhm_and_widens_the_wings():
    u = torch.tensor([0.0, 0.5, 1.0, 2.0, 3.0])  # distance in half-widths
    gauss = _profile(0.0, u)
    assert torch.allclose(gauss, 2.0 * torch.exp(-math.log(2.0) * u**2))
    moffat = _profile(0.8, u)
    assert torch.allclose(moffat[:3], torch.tensor([2.0, float(moffat[1]), 1.0]), atol=1e-5)
    assert moffat[1] < gauss[1]  # peakier core
    assert (moffat[3:] > 2 * gauss[3:]).all()  # wider wings
    # width at 25 % over width at 75 % of the peak: Gaussian 2.2, beta = 1.25 about 2.9
    fine = torch.linspace(0.0, 4.0, 4001)

    def ratio(wing: float) -> float:
        prof = _profile(wing, fine) / 2.0
        return float(fine[prof >= 0.25].max() / fine[prof >= 0.75].max())

    assert abs(ratio(0.0) - 2.2) < 0.02
    assert 2.8 < ratio(0.8) < 3.0


def test_wing_is_drawn_last_only_changes_uv_and_is_validated():
    p = SynthParams()
    base = uv.geometry([0, 1], p)
    assert (base[:, uv.G["wing"]] == 0).all()  # off by default
    on = {"uv_oval_profile_wing": [0.8, 0.8]}
    gauss = render_batch([5], 48, ["uv", "L"])
    moffat = render_batch([5], 48, ["uv", "L"], params=on)
    assert torch.equal(gauss.image[:, 1], moffat.image[:, 1])  # L untouched
    assert torch.equal(gauss.mask, moffat.mask)  # labels: the FWHM band either way
    assert not torch.equal(gauss.image[:, 0], moffat.image[:, 0])
    with pytest.raises(ValueError, match="uv_oval_profile_wing"):
        validate_params(SynthParams(uv_oval_profile_wing=(0.5, 1.0)))
