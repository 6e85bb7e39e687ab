"""Satellite footprints without the shared Hess table: the built-in approximation stands in for
the default table, a table the user names must exist."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jovis.synth import SynthParams, render_batch
from jovis.synth.footprints import (
    APPROX_LAT_RANGES,
    MOONS,
    approximate_table,
    footprint_at,
    footprint_table,
    sample_footprints,
)
from jovis.synth.validate import BUILTIN_FOOTPRINTS, footprint_source


def test_builtin_table_spans_the_physics_latitude_ranges():
    table = approximate_table()
    assert table.shape == (36, 13)  # the Hess table's layout
    for moon in MOONS:
        for hemisphere, (lo, hi) in zip(("north", "south"), APPROX_LAT_RANGES[moon], strict=True):
            lats = [footprint_at(table, moon, hemisphere, lon)[0] for lon in range(0, 360, 5)]
            sign = 1 if hemisphere == "north" else -1
            assert min(sign * np.array(lats)) == pytest.approx(lo, abs=0.2)
            assert max(sign * np.array(lats)) == pytest.approx(hi, abs=0.2)
    # Io N is highest near SIII 0 deg and lowest near 180 deg (PHYSICS.md §2 sample points)
    assert footprint_at(table, "io", "north", 0.0)[0] > 80.0
    assert footprint_at(table, "io", "north", 180.0)[0] < 50.0


def test_missing_default_table_falls_back_to_builtin(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("JOVIS_DATA", str(tmp_path))  # a data folder without reference/
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("jovis.paths.checkout_root", lambda: None)
    p = SynthParams()
    with caplog.at_level(logging.WARNING, logger="jovis.synth"):
        assert footprint_source(p) == BUILTIN_FOOTPRINTS
    assert "hess2011_footprints.txt not found" in caplog.text  # the user is told, naming the file
    assert footprint_table(p) is approximate_table()
    spots = sample_footprints(np.random.default_rng(0), "north", p)
    assert {s["moon"] for s in spots} == set(MOONS)  # every moon has a value in the built-in
    batch = render_batch(range(2), 64, ["uv"], hemisphere="north", params=p)  # no error
    assert np.isfinite(batch.image.numpy()).all()


def test_builtin_is_asked_for_by_name():
    p = SynthParams.from_dict({"footprint_table": "builtin"})
    assert footprint_source(p) == BUILTIN_FOOTPRINTS
    assert footprint_source(SynthParams.from_dict({"footprint_table": ""})) is None


def test_missing_table_named_by_the_user_still_fails(tmp_path):
    p = SynthParams.from_dict({"footprint_table": str(tmp_path / "my_table.txt")})
    with pytest.raises(ValueError, match=r"footprint_table.*my_table\.txt.*not found.*builtin"):
        footprint_source(p)
    with pytest.raises(ValueError, match=r"my_table\.txt"):
        render_batch([0], 64, ["uv"], params=p)
