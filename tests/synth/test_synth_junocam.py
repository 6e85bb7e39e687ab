"""JunoCam composites keep the read noise of a product zoomed to their view's size."""

from __future__ import annotations

import pytest
import torch

from jovis.synth import SynthParams, render_batch
from jovis.synth.junocam import product_noise_share

RGB = ["red", "green", "blue"]


def test_noise_share_grows_with_the_view_from_the_model_scale():
    p = SynthParams()
    assert p.junocam_product_px == 1600 and p.junocam_product_camera == pytest.approx(0.2)
    for px in (64, 256):  # the model's scale and under: the share measured there (256/1600 < 0.2)
        assert product_noise_share(p, px) == pytest.approx(0.2)
    assert product_noise_share(p, 1024) == pytest.approx(0.64)  # zoomed out 1600/1024 times
    assert product_noise_share(p, 3200) == 1.0  # never more than the camera's own
    off = SynthParams(junocam_product_px=0)
    assert product_noise_share(off, 1024) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="junocam_product_px"):
        SynthParams(junocam_product_px=-1)


def _grain(batch) -> float:
    """Pixel-scale roughness: sd of the horizontal difference over valid pixel pairs."""
    d = batch.image[:, :, :, 1:] - batch.image[:, :, :, :-1]
    ok = (batch.valid[:, :, 1:] & batch.valid[:, :, :-1])[:, None].expand_as(d)
    return float(d[ok].std())


def test_windows_of_a_large_view_keep_more_noise_and_small_frames_do_not_change():
    seeds = [3, 8]

    def render(product_px: int, **extra):
        params = {"junocam_product_prob": 1.0, "junocam_product_px": product_px} | extra
        return render_batch(seeds, 64, RGB, view="perspective", params=params)

    window = {px: render(px, junocam_view_size=1024) for px in (1600, 0)}  # 0.64 against 0.2
    assert torch.equal(window[1600].mask, window[0].mask)
    assert _grain(window[1600]) > 1.3 * _grain(window[0])
    whole = {px: render(px) for px in (1600, 0)}  # the frame is the view: 64 px, share 0.2
    assert torch.equal(whole[1600].image, whole[0].image)
