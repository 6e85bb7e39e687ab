"""Scoring shared by training validation and `evaluate`: the per-pixel class decision, confusion
matrix scores, vortex instance matching and oval boundary distances. Imports neither training
nor inference, so both can use it."""

from jovis.scoring.confusion import confusion_matrix, iou_dice, mask_from_probs, per_class_scores
from jovis.scoring.features import (
    MIN_VISIBLE_FRACTION,
    FeatureScores,
    boundary_distances,
    detection_scores,
    match_vortices,
    pair_vortices,
    visible_fractions,
)

__all__ = [
    "MIN_VISIBLE_FRACTION",
    "FeatureScores",
    "boundary_distances",
    "confusion_matrix",
    "detection_scores",
    "iou_dice",
    "mask_from_probs",
    "match_vortices",
    "pair_vortices",
    "per_class_scores",
    "visible_fractions",
]
