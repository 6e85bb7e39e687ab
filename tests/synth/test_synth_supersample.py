"""Supersampled polar frames (`jovis.synth.supersample`, ``data.supersample``): the shrink is
infer's rule for a zoom of 1/k, the frames keep their grid and truth, and wrong settings fail."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jovis.data.datasets import SyntheticDataset
from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.data.stream import SyntheticStream
from jovis.frame import Frame
from jovis.geometry.remap import remap_mask
from jovis.geometry.resample import ResamplePlan, _zoom_maps, resample_image
from jovis.synth import make_sample
from jovis.synth.renderer import render_batch
from jovis.synth.supersample import check_supersample, gaussian_taps, shrink

NORM = DEFAULT_NORMALISATION


@pytest.mark.parametrize("k", [2, 3, 4])
def test_shrink_is_infers_zoom(k):
    """The same frame shrunk by `shrink` and by infer's `resample_image` (a zoom of 1/k, which is
    what infer does to a frame at k x the model's px/deg): equal image, validity and labels."""
    size = 40
    # seed 5: a frame cut by the field of view (uv_cut_prob 1), so validity edges are tested too
    batch = render_batch([5], size * k, ["uv"], params={"uv_cut_prob": 1.0})
    image, mask, valid = shrink(batch.image, batch.mask, batch.valid, k)
    frame = Frame(batch.image[0].permute(1, 2, 0).numpy(), ["uv"], "uv", "synth", {}, None,
                  batch.valid[0].numpy())  # fmt: skip
    shape, map_x, map_y, back_x, back_y = _zoom_maps(frame.shape, 1 / k)
    infer = resample_image(frame, ResamplePlan(1 / k, shape, map_x, map_y, back_x, back_y, None))
    assert image.shape == (1, 1, size, size) and shape == (size, size)
    assert 0.05 < (~valid).float().mean() < 0.95  # the edge of the data is in the frame
    np.testing.assert_array_equal(valid[0].numpy(), infer.valid)
    peak = float(np.abs(infer.image).max())
    np.testing.assert_allclose(image[0, 0].numpy(), infer.image[..., 0], atol=1e-5 * peak)
    labels = remap_mask(batch.mask[0].numpy(), map_x, map_y)
    labels[~infer.valid] = 255
    np.testing.assert_array_equal(mask[0].numpy(), labels)


def test_gaussian_taps_match_opencv():
    import cv2

    for sigma in (0.5, 1.0, 1.5):
        impulse = np.zeros((1, 41), np.float32)
        impulse[0, 20] = 1.0
        cv = cv2.GaussianBlur(impulse, (0, 0), sigma, sigmaY=0.001)[0]
        taps = gaussian_taps(sigma).numpy()
        r = (len(taps) - 1) // 2
        np.testing.assert_allclose(cv[20 - r : 21 + r], taps, atol=1e-6)
        assert abs(cv.sum() - 1) < 1e-5 and np.abs(np.delete(cv, range(20 - r, 21 + r))).max() == 0


def test_supersampled_frame_keeps_its_grid_and_truth():
    """A supersampled frame is a frame of `size` px with the grid, hemisphere, scene and feature
    truth of the frame rendered at `size` (only the pixels' content is finer), and it carries
    less of the fine structure that aliases at the coarse render."""
    plain, plain_labels = make_sample(11, 64, ["uv"], "uv", "north")
    fine, fine_labels = make_sample(11, 64, ["uv"], "uv", "north", supersample=4)
    assert fine.image.shape == plain.image.shape == (64, 64, 1)
    assert fine.grid.to_dict() == plain.grid.to_dict()
    assert fine_labels.features == plain_labels.features
    # the same oval: labels agree but for the sub-pixel placement of its edge
    both = (plain_labels.mask != 255) & (fine_labels.mask != 255)
    oval_plain, oval_fine = plain_labels.mask == 1, fine_labels.mask == 1
    iou = (oval_plain & oval_fine & both).sum() / max(1, ((oval_plain | oval_fine) & both).sum())
    assert iou > 0.6

    # pixel-to-pixel differences (noise, aliased texture) shrink once rendered finely
    def roughness(frame):
        img = np.where(frame.valid, frame.image[..., 0], np.nan)
        return np.nanmedian(np.abs(np.diff(img, axis=1))) / np.nanmedian(np.abs(img))

    assert roughness(fine) < 0.7 * roughness(plain)


def test_datasets_and_stream_render_the_same_supersampled_frames():
    """data.supersample reaches both training paths (per-frame loader and device stream)."""
    ds = SyntheticDataset(2, 48, ["uv"], "uv", seed=3, normalisation=NORM, supersample=2)
    stream = SyntheticStream(2, 2, size=48, channels=["uv"], seed=3, normalisation=NORM,
                             supersample=2)  # fmt: skip
    batch = stream.render(0, 0, 0, torch.device("cpu"))
    for i in range(2):
        item = ds[i]
        np.testing.assert_allclose(batch["image"][i].numpy(), item["image"].numpy(), atol=1e-5)
        np.testing.assert_array_equal(batch["mask"][i].numpy(), item["mask"].numpy())
    plain = SyntheticDataset(1, 48, ["uv"], "uv", seed=3, normalisation=NORM)[0]
    assert not torch.equal(plain["image"], ds[0]["image"])


@pytest.mark.parametrize(
    ("value", "view", "says"),
    [
        (0, None, "give 1 (off)"),
        (2.5, None, "whole number"),
        ("4", None, "whole number"),
        (float("nan"), None, "whole number"),
        (float("inf"), None, "whole number"),
        (True, None, "whole number"),
        (16, None, "give 1 (off) to 8"),
        (2, "perspective", "data.view=polar"),
        (2, {"polar": 0.5, "perspective": 0.5}, "'perspective': 0.5"),
    ],
)
def test_wrong_supersample_is_named(value, view, says):
    with pytest.raises(ValueError, match=r"data\.supersample") as err:
        check_supersample(value, view)
    assert says in str(err.value)
    assert check_supersample(1, "perspective") == 1 and check_supersample(4.0) == 4
    assert check_supersample(2, {"polar": 1.0, "perspective": 0.0}) == 2  # a mix of polar only


def test_wrong_supersample_fails_before_training_renders():
    with pytest.raises(ValueError, match=r"data\.supersample=2 supersamples"):
        SyntheticStream(2, 2, size=48, channels=["uv"], seed=0, normalisation=NORM,
                        view="perspective", supersample=2)  # fmt: skip
    with pytest.raises(ValueError, match=r"data\.supersample=0"):
        SyntheticDataset(1, 48, ["uv"], "uv", normalisation=NORM, supersample=0)
