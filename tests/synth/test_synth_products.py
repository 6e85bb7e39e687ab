"""Synthetic far-UV frames written as HST STIS lat-lon products read back where they were drawn."""

import numpy as np
import pytest
from tests.apps.test_scripts import run

from jovis.io import read_frame
from jovis.synth.products import polar_to_latlon, write_hst_latlon
from jovis.synth.sample import make_sample

SEED, SIZE = 20000000, 96


def _agreement(frame, source, mirror=False):
    """Correlation of the read-back product with the rendered frame at 1500 valid points."""
    lat, lon = source.grid.latlon_image(SIZE, SIZE)
    ys, xs = np.nonzero(source.valid)
    pick = np.random.default_rng(0).choice(len(ys), 1500)
    la, lo = lat[ys[pick], xs[pick]], lon[ys[pick], xs[pick]]
    x, y = frame.grid.pixel(la, -lo % 360 if mirror else lo)
    got = frame.image[np.round(y).astype(int), np.round(x).astype(int), 0]
    want = source.image[ys[pick], xs[pick], 0]
    ok = np.isfinite(got)
    assert mirror or ok.mean() > 0.8, "the product lost much of the rendered disk"
    return np.corrcoef(want[ok], got[ok])[0, 1]


@pytest.mark.parametrize("hemisphere", ["north", "south"])
def test_product_reads_back_as_hst_stis_with_the_scene_in_place(tmp_path, hemisphere):
    result = write_hst_latlon(tmp_path, 2, SIZE, hemisphere, SEED)
    frame = read_frame(result["files"][0])
    source, labels = make_sample(SEED, SIZE, ["uv"], "hst_stis", hemisphere)
    assert frame.instrument == "hst_stis" and frame.channels == ["uv"]
    # the Sun is the scene's (its dawn arc where the overlay's noon says), not 2016's real one
    from jovis.geometry.sun import sun_over_frame

    sun = labels.features["sun"]
    assert sun_over_frame(frame.meta) == pytest.approx((sun["lat"], sun["lon"]))
    assert frame.grid.hemisphere == hemisphere and frame.meta["reprojected_from"]
    assert frame.meta["time"] == "2016-05-21T02:00:00"
    assert read_frame(result["files"][1]).meta["time"] == "2016-05-21T02:01:40"
    # the oval lands where it was drawn; a longitude sign error would not correlate
    assert _agreement(frame, source) > 0.75
    assert _agreement(frame, source, mirror=True) < 0.6
    assert list(tmp_path.glob("*.tmp*")) == []


def test_no_data_stays_zero_and_valid_data_never_reads_as_zero():
    source, _ = make_sample(SEED, 64, ["uv"], "hst_stis", "north")
    source.image[source.valid] = 0.0  # a valid pixel of exactly 0 kR
    out = polar_to_latlon(source.image, source.valid, source.grid)
    assert (out[:360] == 0).all()  # the southern hemisphere: nothing observed
    assert (out[680:] != 0).any()  # near the north pole: observed, never a 0 "no data"


def test_synth_script_writes_products_and_refuses_an_unknown_form(tmp_path):
    _, result = run(
        "scripts/synth.py", "form=hst_latlon", f"out={tmp_path / 'p'}", "n=1", "size=64"
    )
    assert result["form"] == "hst_latlon" and len(result["files"]) == 1
    bad, _ = run(
        "scripts/synth.py", "form=png", f"out={tmp_path / 'q'}", "n=1", "size=64", ok=False
    )
    assert bad.returncode != 0 and "form must be one of frameset, hst_latlon" in bad.stderr
    assert not (tmp_path / "q").exists()
