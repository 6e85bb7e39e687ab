"""JunoCam fine-scale cloud texture (`jovis.synth.fine_texture`): it adds small blobs and filament
detail to the visible frames, leaves labels and other instruments alone, and fades where a pixel
is coarser than its cells."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jovis.realism.visible_texture import blob_counts, inner_mask, luminance
from jovis.synth import fine_texture, render_batch
from jovis.synth import hash_rng as rng
from jovis.synth.fine_texture import fine_albedo, pixel_footprint, spots, value_noise
from jovis.synth.hash_rng import frame_keys
from jovis.synth.params import SynthParams

OFF = {"junocam_fine_contrast": (0.0, 0.0), "junocam_spot_contrast": (0.0, 0.0)}
WINDOW = {"junocam_view_size": 512, "junocam_product_prob": 1.0}
RGB = ["red", "green", "blue"]


def _blobs(batch) -> float:
    img, val = batch.image.permute(0, 2, 3, 1).numpy(), batch.valid.numpy()
    counts = []
    for i in range(len(img)):
        inner = inner_mask(val[i])
        if inner.sum() > 500:
            counts.append(sum(blob_counts(luminance(img[i], val[i]), inner)) / inner.sum())
    return float(np.mean(counts))


def test_texture_raises_the_small_blob_density_of_product_scale_windows():
    seeds = [3, 4, 5, 6]
    on = render_batch(seeds, 96, RGB, view="perspective", params=WINDOW)
    off = render_batch(seeds, 96, RGB, view="perspective", params=WINDOW | OFF)
    assert _blobs(on) > 1.5 * _blobs(off)
    assert torch.equal(on.mask, off.mask)  # texture, never a label
    assert torch.equal(on.valid, off.valid)


def test_other_instruments_do_not_see_the_texture_params():
    strong = {"junocam_fine_contrast": (0.5, 0.5), "junocam_spot_contrast": (0.9, 0.9),
              "junocam_spot_prob": 1.0}  # fmt: skip
    for channels, view in ((["uv"], None), (["L", "M"], "perspective")):
        a = render_batch([1, 2], 64, channels, view=view, params=OFF)
        b = render_batch([1, 2], 64, channels, view=view, params=strong)
        assert torch.equal(a.image, b.image) and torch.equal(a.mask, b.mask)
    a = render_batch([1, 2], 64, RGB, params=OFF)
    b = render_batch([1, 2], 64, RGB, params=strong)
    assert not torch.equal(a.image, b.image)  # the visible frames do


def test_a_frame_does_not_depend_on_its_batch():
    both = render_batch([8, 9], 64, RGB, view="perspective", params=WINDOW)
    alone = render_batch([9], 64, RGB, view="perspective", params=WINDOW)
    assert torch.equal(both.image[1], alone.image[0])


def test_detail_fades_on_coarse_pixels_and_spots_are_signed_blobs():
    p = SynthParams(junocam_spot_prob=1.0, junocam_spot_bright_prob=0.5)
    keys = frame_keys(torch.tensor([0]))

    def field(step: float) -> torch.Tensor:
        ax = torch.arange(64, dtype=torch.float32) * step + 5.0
        x, y = ax.view(1, 1, -1).expand(1, 64, 64), ax.view(1, -1, 1).expand(1, 64, 64)
        assert torch.allclose(pixel_footprint(x, y), torch.tensor(step), rtol=1e-3)
        return fine_albedo(keys, x, y, torch.zeros_like(x), p)

    fine, coarse = field(0.05), field(2.0)
    hp = lambda f: (f - torch.nn.functional.avg_pool2d(f[None], 3, 1, 1)[0]).std()  # noqa: E731
    assert hp(fine) > 3 * hp(coarse)
    ax = torch.arange(128, dtype=torch.float32) * 0.05
    x, y = ax.view(1, 1, -1).expand(1, 128, 128), ax.view(1, -1, 1).expand(1, 128, 128)
    s = spots(keys, x, y, pixel_footprint(x, y), p)
    assert s.max() > 0.9 or s.min() < -0.9  # at least one spot's centre in 6.4° at 3° cells
    assert (s.abs() < 1e-3).float().mean() > 0.5  # spots are small: most pixels untouched
    v = value_noise(keys, "t", x * 3, y * 3)
    assert v.min() >= -1.0 and v.max() <= 1.0 and v.std() > 0.1


def _spot_field(**params) -> tuple[torch.Tensor, float]:
    """Spots on a 30° × 30° patch at 0.05° pixels (cells of 3°: 100 of them)."""
    p = SynthParams(junocam_spot_bright_prob=1.0, **params)
    keys = frame_keys(torch.tensor([5]))
    ax = torch.arange(600, dtype=torch.float32) * 0.05 + 2.0
    x, y = ax.view(1, 1, -1).expand(1, 600, 600), ax.view(1, -1, 1).expand(1, 600, 600)
    return spots(keys, x, y, pixel_footprint(x, y), p)[0], float(p.junocam_spot_cell_deg)


def _centres(field: torch.Tensor) -> np.ndarray:
    """(x, y) in degrees of the field's local maxima above 0.5."""
    peak = field == torch.nn.functional.max_pool2d(field[None, None], 5, 1, 2)[0, 0]
    ys, xs = np.nonzero((peak & (field > 0.5)).numpy())
    return np.stack([xs, ys], 1) * 0.05 + 2.0


def test_offset_lattices_break_the_spot_lattice():
    one, cell = _spot_field(
        junocam_spot_layers=1, junocam_spot_prob=1.0, junocam_spot_ring_prob=0.0
    )
    two, _ = _spot_field(junocam_spot_layers=2, junocam_spot_prob=1.0, junocam_spot_ring_prob=0.0)
    c1, c2 = _centres(one), _centres(two)
    assert 1.6 * len(c1) < len(c2) < 2.4 * len(c1)  # a second lattice of the same density
    edge = lambda c: np.minimum(c % cell, cell - c % cell).min(axis=1)  # noqa: E731
    assert edge(c1).min() >= 0.19 * cell  # one lattice: centres stay 0.2 cell inside their cells
    assert (edge(c2) < 0.15 * cell).mean() > 0.1  # two: the second lattice's centres fall anywhere


def test_rimmed_eddies_have_a_darker_core_than_their_rim():
    blobs, _ = _spot_field(junocam_spot_prob=1.0, junocam_spot_ring_prob=0.0)
    rings, _ = _spot_field(junocam_spot_prob=1.0, junocam_spot_ring_prob=1.0)
    assert blobs.min() >= 0.0  # bright Gaussian cloud tops only
    assert rings.min() < -0.4 and rings.max() > 0.7  # a dark core inside a bright rim
    for x, y in _centres(rings)[:20]:  # each rim maximum has a darker centre within 2 sigma
        i, j = round((y - 2.0) / 0.05), round((x - 2.0) / 0.05)
        patch = rings[max(i - 12, 0) : i + 13, max(j - 12, 0) : j + 13]
        assert patch.min() < 0.0


def test_the_fade_scale_removes_the_detail_a_coarser_pixel_would_average_away():
    """junocam_fine_fade_px f: octaves fade from 2f-4f px and spots from f-2f px, so the fine
    texture of a frame at the model's scale (a product zoomed out) keeps only its coarse part."""
    keys = frame_keys(torch.tensor([0]))
    ax = torch.arange(96, dtype=torch.float32) * 0.3 + 2.0  # 0.3° pixels: a 256 px view's scale
    x, y = ax.view(1, 1, -1).expand(1, 96, 96), ax.view(1, -1, 1).expand(1, 96, 96)
    hp = lambda f: (f - torch.nn.functional.avg_pool2d(f[None], 3, 1, 1)[0]).std()  # noqa: E731
    field = {f: fine_albedo(keys, x, y, torch.zeros_like(x), SynthParams(junocam_fine_fade_px=f))
             for f in (1.0, 4.0)}  # fmt: skip
    assert hp(field[4.0]) < 0.5 * hp(field[1.0])
    assert torch.equal(
        field[1.0], fine_albedo(keys, x, y, torch.zeros_like(x), SynthParams())
    )  # 1: the frames as before


@pytest.mark.parametrize("scale", [0.05, 1.0, 40.0])
def test_corner_values_from_the_lattice_equal_the_per_pixel_hashes(scale):
    """The coarse octaves gather each pixel's corners from a hashed lattice: the same values."""
    keys = frame_keys(torch.arange(3, dtype=torch.int64))
    g = torch.Generator().manual_seed(0)
    iu = torch.floor((torch.rand(3, 40, 50, generator=g) - 0.3) * 50 * scale)
    iv = torch.floor((torch.rand(3, 40, 50, generator=g) - 0.7) * 50 * scale)
    lattice = fine_texture.corner_values(keys, "s", iu, iv, lattice=True)
    per_pixel = fine_texture.corner_values(keys, "s", iu, iv, lattice=False)
    assert all(torch.equal(a, b) for a, b in zip(lattice, per_pixel, strict=True))


def test_corner_values_pick_the_lattice_only_when_it_is_smaller_than_the_frame(monkeypatch):
    keys = frame_keys(torch.arange(2, dtype=torch.int64))
    calls = []
    real = rng.uniform_at
    monkeypatch.setattr(
        rng, "uniform_at", lambda k, s, idx: calls.append(tuple(idx.shape)) or real(k, s, idx)
    )
    coarse = torch.floor(torch.linspace(0, 5, 32 * 32).view(1, 32, 32).expand(2, 32, 32))
    fine_texture.corner_values(keys, "s", coarse, coarse.transpose(1, 2))
    assert calls == [(2, 7, 7)]  # one lattice of 6 + 1 cells a side, hashed once
    calls.clear()
    wide = coarse * 100  # 501 x 501 cells for 1024 pixels: hash each pixel's corners
    fine_texture.corner_values(keys, "s", wide, wide.transpose(1, 2))
    assert calls == [(2, 32, 32)] * 4
    calls.clear()
    bad = coarse.clone()
    bad[0, 0, 0] = float("nan")  # a non-finite coordinate: per pixel, never a lattice
    fine_texture.corner_values(keys, "s", bad, coarse)
    assert len(calls) == 4
