"""Synthetic Jupiter polar frames with exact labels: main auroral oval and polar vortices.

A first, compact numpy/OpenCV generator (the torch renderer of DESIGN.md comes later). Physics
sources for every default are in ``configs/synth.yaml`` (``params:``) and PHYSICS.md §1, §2.
"""

from jovis.synth.frameset import synth_from_config, write_frame_set
from jovis.synth.params import SynthParams
from jovis.synth.render import CHANNELS, make_sample

__all__ = ["CHANNELS", "SynthParams", "make_sample", "synth_from_config", "write_frame_set"]
