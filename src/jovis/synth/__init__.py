"""Synthetic Jupiter polar frames with exact labels: main auroral oval, polar vortices, footprints.

A torch renderer vectorised over a batch (`render_batch`), on any device; `make_sample` is the
one-frame CPU wrapper. Physics sources for every default are in ``configs/synth.yaml``
(``params:``) and PHYSICS.md.
"""

from jovis.synth.batch import SynthBatch, render_batch
from jovis.synth.frameset import write_frame_set
from jovis.synth.instruments import CHANNEL_INFO
from jovis.synth.junocam import compand, decompand
from jovis.synth.params import SynthParams
from jovis.synth.render import CHANNELS, make_sample

__all__ = [
    "CHANNELS",
    "CHANNEL_INFO",
    "SynthBatch",
    "SynthParams",
    "compand",
    "decompand",
    "make_sample",
    "render_batch",
    "write_frame_set",
]
