"""UV realism: one set of measurements for real and synthetic polar frames, and their report.

- `jovis.realism.measures`: brightness percentiles, oval width, noise spectrum of one frame;
- `jovis.realism.oval_width`: the main oval's cross-section FWHM (used by `measures`);
- `jovis.realism.report`: load real frames, render synthetic ones, compare, write the report;
- `jovis.realism.figure`: the report's side-by-side figure.

``scripts/realism.py`` is the command-line entry. Nothing in `jovis.synth` depends on this package.
"""
