"""Pseudo-labels of confident pixels, and the EMA teacher update."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from jovis.adapt.pseudo import (
    ema_update,
    emission_excess,
    ignore_emitting_background,
    label_stats,
    pseudo_labels,
)


def test_pixels_below_the_threshold_or_invalid_are_ignored():
    probs = np.zeros((3, 2, 3), np.float32)
    probs[:, 0, 0] = [0.95, 0.03, 0.02]  # confident background
    probs[:, 0, 1] = [0.05, 0.91, 0.04]  # confident aurora
    probs[:, 0, 2] = [0.40, 0.50, 0.10]  # unsure: ignored
    probs[:, 1, :] = [[0.0], [1.0], [0.0]]  # confident aurora, but row 1 col 2 is invalid
    valid = np.ones((2, 3), bool)
    valid[1, 2] = False
    labels = pseudo_labels(probs, valid, 0.9)
    assert labels.tolist() == [[0, 1, 255], [1, 1, 255]]
    # a lower threshold takes the unsure pixel's arg-max
    assert pseudo_labels(probs, valid, 0.5)[0, 2] == 1
    stats = label_stats([labels], [valid], 3)
    assert stats["labelled_share"] == pytest.approx(4 / 5)
    assert stats["class_shares"] == pytest.approx([0.25, 0.75, 0.0])


def test_background_labels_on_a_faint_arc_are_ignored_and_dark_sky_kept():
    rng = np.random.default_rng(0)
    image = rng.normal(0.1, 0.01, (1, 64, 64)).astype(np.float32)
    image[0, 30:33, 8:56] += 0.06  # a faint arc: 6 noise sigmas, 3 px wide
    image[0, 10:13, 8:56] += 0.6  # the bright arc the teacher finds
    valid = np.ones((64, 64), bool)
    valid[:, 60:] = False
    labels = np.zeros((64, 64), np.uint8)
    labels[10:13, 8:56] = 1
    labels[~valid] = 255
    excess = emission_excess(image, valid, 15)
    assert excess[31, 10:54].min() > 3 and np.median(excess[45:, :50]) < 1
    assert (excess[~valid] == 0).all()
    out = ignore_emitting_background(labels, excess, 3.0)
    assert (out[31, 10:54] == 255).all()  # the missed faint arc: not taught as background
    assert (out[10:13, 8:56] == 1).all()  # teacher's aurora kept
    sky = out[45:, :50]
    assert (sky == 0).mean() > 0.98  # dark sky still taught as background
    assert (out[~valid] == 255).all() and (labels[31, 10] == 0)  # input not changed


def test_a_threshold_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"teacher\.threshold"):
        pseudo_labels(np.ones((2, 1, 1)) / 2, np.ones((1, 1), bool), 1.5)


def test_ema_moves_the_teacher_towards_the_student_and_copies_counters():
    teacher, student = nn.BatchNorm2d(2), nn.BatchNorm2d(2)
    with torch.no_grad():
        teacher.weight.fill_(1.0)
        student.weight.fill_(3.0)
        student.running_mean.fill_(2.0)
        student.num_batches_tracked.fill_(7)
    ema_update(teacher, student, 0.75)
    assert torch.allclose(teacher.weight, torch.full((2,), 1.5))  # 0.75·1 + 0.25·3
    assert torch.allclose(teacher.running_mean, torch.full((2,), 0.5))
    assert int(teacher.num_batches_tracked) == 7
    assert torch.allclose(student.weight, torch.full((2,), 3.0))  # the student is untouched
    ema_update(teacher, student, 0.0)
    assert torch.allclose(teacher.weight, student.weight)


def test_no_aurora_is_taught_beyond_the_aurora_limit(tiny_ckpt, monkeypatch):
    # the teacher calls every pixel aurora: on a polar frame reaching 60° from its pole only
    # the pixels within 45° keep their aurora label, the others are ignored; without a grid all
    import jovis.adapt.pseudo as pseudo
    from jovis.geometry import PolarGrid
    from jovis.inference.predictor import Predictor
    from jovis.inference.prepare import ScaledInput
    from jovis.scoring.oval_course import beyond_aurora

    teacher = Predictor.from_checkpoint(tiny_ckpt, device="cpu")
    aurora = teacher.info.labels.names.index("aurora")

    def confident_aurora(predictor, items, batch_size):
        for array, x in items:
            probs = np.zeros((len(predictor.info.labels.names), *array.shape[1:]), np.float32)
            probs[aurora] = 1.0
            yield x, probs, 0.0, None

    monkeypatch.setattr(pseudo, "predict_batches", confident_aurora)
    grid = PolarGrid("north", 31.5, 31.5, 0.5)  # 64 px: 64° across, corners 90° out
    array = np.zeros((2, 64, 64), np.float32)
    valid = np.ones((64, 64), bool)
    gridded, bare = ScaledInput(array, valid=valid, grid=grid), ScaledInput(array, valid=valid)
    with_grid, without = pseudo.label_frames(teacher, [gridded, bare], threshold=0.5)
    beyond = beyond_aurora(grid, (64, 64))
    assert beyond.any() and (with_grid[beyond] == 255).all()
    assert (with_grid[~beyond] == aurora).all()
    assert (without == aurora).all()
