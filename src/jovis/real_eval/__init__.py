"""Evaluation on real frames: scores against the stored reference labels (`labelled`), label-free
scores of any folder of frames of one target (`sequences`, `jovis.scoring.label_free`), the
fixed-threshold baseline beside them (`run`), overlays and tables (`report`), and the
`benchmark suite=real` entry (`suite`)."""

from jovis.real_eval.labelled import LabelledScores, sector_regions
from jovis.real_eval.run import checkpoint_predict, evaluate_real, score_folder, score_reference_set
from jovis.real_eval.suite import run_real_suite

__all__ = [
    "LabelledScores",
    "checkpoint_predict",
    "evaluate_real",
    "run_real_suite",
    "score_folder",
    "score_reference_set",
    "sector_regions",
]
