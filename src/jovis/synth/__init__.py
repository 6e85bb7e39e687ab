"""Synthetic Jupiter polar frames with exact labels: main auroral oval, polar vortices, footprints.

A torch renderer vectorised over a batch (`render_batch`, in `renderer`), on any device;
`make_sample` (in `sample`) is the one-frame CPU wrapper. Physics sources for every default are in
``configs/synth.yaml`` (``params:``) and PHYSICS.md.

Modules: `renderer` (render_batch, SynthBatch), `sample` (make_sample), `frameset` (write a frame
set from a config), `params`/`validate` (SynthParams), `scene` (per-frame scene numbers drawn on
the CPU), `layers` (per-pixel emission layers), `channels` (which instrument family draws each
channel, its units and noise), `jiram`/`junocam` (those instruments' effects), `oval`,
`vortices`, `footprints`, `texture`, `view` (perspective disk), `labels` (masks and features),
`hash_rng` (counter-based random numbers in torch).
"""

from jovis.synth.channels import CHANNEL_INFO, CHANNELS
from jovis.synth.frameset import write_frame_set
from jovis.synth.junocam import compand, decompand
from jovis.synth.params import SynthParams
from jovis.synth.renderer import SynthBatch, render_batch
from jovis.synth.sample import make_sample

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
