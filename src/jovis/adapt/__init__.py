"""`jovis adapt`: self-training of a checkpoint on the unlabelled frames of a new flyby.

A teacher (EMA of the student) labels the real frames with TTA, as `infer` would predict them;
its confident pixels become pseudo-labels (`pseudo`). The student trains on strongly augmented
real crops mixed with labelled synthetic batches (`steps`), while a guard watches held-out
frames and a fixed synthetic set and stops before the model collapses (`guard`). The loop,
resume state and the adapted checkpoint: `loop`, `state`, `record`; the frames: `frames`.
"""

from jovis.adapt.loop import adapt

__all__ = ["adapt"]
