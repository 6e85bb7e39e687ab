"""Deprecated location: the metrics moved to `jovis.scoring`; this module re-exports them."""

from jovis.scoring import (  # noqa: F401
    boundary_distances,
    confusion_matrix,
    detection_scores,
    iou_dice,
    match_vortices,
    per_class_scores,
    visible_fractions,
)
