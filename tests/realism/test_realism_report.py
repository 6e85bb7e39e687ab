"""The UV realism report: its files, its floors and its settings, on real + synthetic frames."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from tests.conftest import REAL_DATA, compose_config

from jovis.apps.realism import report_from_config
from jovis.io.atomic import leftover_temporaries
from jovis.realism import report as rr

HST = REAL_DATA / "hst_stis_north_2016-05-21"
needs_real = pytest.mark.skipif(
    not HST.is_dir(), reason=f"real HST frames not found at {HST} (../shared/data/real)"
)


def _tiny_synthetic(n: int = 2):
    return rr.render_synthetic_frames(range(30000000, 30000000 + n), 96)


def test_report_writes_its_files_atomically(tmp_path, ring):
    img, grid = ring(1.0)
    real = [rr.UVFrame("ring", "real", img, np.ones(img.shape, bool), grid)]
    synth = _tiny_synthetic()
    summary = rr.realism_report(tmp_path, real, synth, lat_range=(60.0, 89.0))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "realism.json",
        "realism.md",
        "realism.png",
    ]
    assert leftover_temporaries(tmp_path) == []
    assert json.loads((tmp_path / "realism.json").read_text())["table"] == summary["table"]
    png = cv2.imread(str(tmp_path / "realism.png"))
    assert png.shape == (600, 1200, 3)
    # no no-data edge in the ring frame: no real edge profile, and the report still draws
    assert set(summary["edge_profile"]) == {"deg", "real", "synthetic"}
    assert all(v is None for v in summary["edge_profile"]["real"])
    assert "| p99_kr | kR |" in (tmp_path / "realism.md").read_text()
    fwhm = next(r for r in summary["table"] if r["metric"] == "oval_fwhm_deg")
    assert fwhm["real"] == pytest.approx(1.0, rel=0.05)
    assert all(r["truth_fwhm_deg"] > 0 for r in summary["synthetic"])
    with pytest.raises(ValueError, match="real and synthetic"):
        rr.realism_report(tmp_path, real, [])


def test_compare_applies_the_floors():
    real = [{"p50_kr": 100.0, "p90_kr": 100.0, "p99_kr": 100.0, "oval_fwhm_deg": 1.0}]
    synth = [{"p50_kr": 199.0, "p90_kr": 40.0, "p99_kr": -5.0, "oval_fwhm_deg": 1.6}]
    rows = {r["metric"]: r for r in rr.compare(real, synth)}
    assert rows["p50_kr"]["pass"] and rows["p50_kr"]["ratio"] == pytest.approx(1.99)
    assert not rows["p90_kr"]["pass"] and not rows["p99_kr"]["pass"]
    assert rows["p99_kr"]["ratio"] is None
    assert not rows["oval_fwhm_deg"]["pass"]
    assert "pass" not in rows["hf_ratio"]
    slope = {"spectrum_slope": -3.2}
    assert next(
        r
        for r in rr.compare([slope], [{"spectrum_slope": -2.8}])
        if r["metric"] == "spectrum_slope"
    )["pass"]  # within ±0.5; fmt: skip
    row = next(r for r in rr.compare([slope], [{"spectrum_slope": -2.6}])
               if r["metric"] == "spectrum_slope")  # fmt: skip
    assert row["floor"] == "within ±0.5" and not row["pass"]
    edge = next(r for r in rr.compare([{"edge_streaks": 8.0}], [{"edge_streaks": 6.0}])
                if r["metric"] == "edge_streaks")  # fmt: skip
    assert edge["floor"] == "within ×1.3" and not edge["pass"]  # 0.75 < 1/1.3


def test_real_and_synthetic_statistics_come_from_one_function(tmp_path, monkeypatch):
    """One frame passed as real and as synthetic reads the same on every statistic, and the
    structure measures run on both sources."""
    frame = _tiny_synthetic(1)[0]
    calls = []
    trace = rr.rs.ridge_trace
    monkeypatch.setattr(rr.rs, "ridge_trace", lambda img, *a, **k: calls.append(id(img))
                        or trace(img, *a, **k))  # fmt: skip
    real = rr.UVFrame("as-real", "real", frame.image, frame.valid, frame.grid)
    summary = rr.realism_report(tmp_path, [real], [frame], lat_range=(60.0, 89.0))
    assert calls == [id(frame.image)] * 2
    measured = [row for row in summary["table"] if row["real"] is not None]
    assert len(measured) >= 8
    for row in summary["table"]:
        assert row["real"] == row["synthetic"]  # None on both sides when not measurable
    assert all(row["pass"] for row in measured if "pass" in row and row["real"] > 0)


@needs_real
def test_report_on_real_frames_and_tiny_synthetic_ones(tmp_path):
    cfg = compose_config("realism", [f"out={tmp_path}", "n=2", "size=96"])
    summary = report_from_config(cfg)
    assert [r["metric"] for r in summary["table"]] == [m for m, _, _ in rr.METRICS]
    assert len(summary["real"]) == 4 and len(summary["synthetic"]) == 2
    real = {r["metric"]: r["real"] for r in summary["table"]}
    # the v03 frames (PHYSICS.md §5): median 50th/90th percentiles ~67 and ~662 kR, oval ~0.7°
    assert 30 < real["p50_kr"] < 150 and 300 < real["p90_kr"] < 1500
    assert 0.4 < real["oval_fwhm_deg"] < 1.2 and 0.4 < real["oval_fwhm_bg_deg"] < 1.2
    # the v03 frames' typical pixel is dark ~0.65-0.84° in from the no-data edge (each frame)
    assert all(0.6 < r["edge_fringe_deg"] < 1.0 for r in summary["real"])
    edge = summary["edge_profile"]  # the fringe row's curve: dark to ~0.5°, lit by 1°
    assert len(edge["deg"]) == len(edge["real"]) == len(edge["synthetic"])
    assert max(edge["real"][:5]) < 0.1 and edge["real"][-1] > 0.5
    assert all(r["oval_cuts"] >= 40 for r in summary["real"])
    assert summary["settings"]["size"] == 96
    assert set(summary["files"]) == {"json", "markdown", "figure"}


def test_bad_settings_fail_with_the_key(tmp_path):
    cfg = compose_config("realism", [f"out={tmp_path}", "n=0"])
    with pytest.raises(ValueError, match="n=0"):
        report_from_config(cfg)
    cfg = compose_config("realism", [f"out={tmp_path}", "n=abc"])  # was "invalid literal"
    with pytest.raises(ValueError, match="n='abc': must be an integer ≥ 1"):
        report_from_config(cfg)
    cfg = compose_config("realism", [f"out={tmp_path}", f"real={tmp_path}"])
    with pytest.raises(ValueError, match=r"no FITS frames \(\*\.fits, \*\.fits\.gz"):
        report_from_config(cfg)
    # int()'s and float()'s messages named no key; the size is refused before the real
    # frames are read (real= here holds none)
    for override, words in (("size=abc", "size='abc': must be an integer ≥ 64"),
                            ("lat_range=[abc,80]", "lat_range='abc': must be a")):  # fmt: skip
        cfg = compose_config("realism", [f"out={tmp_path}", f"real={tmp_path}", override])
        with pytest.raises(ValueError, match=words):
            report_from_config(cfg)


def test_real_frames_are_read_gzipped_and_bad_files_left_out_by_name(tmp_path, caplog):
    # an archive's folder: a gzipped far-UV frame, a truncated one and a FITS of another kind
    import gzip

    from astropy.io import fits

    grid = {"HEMISPH": "north", "TELESCOP": "HST", "INSTRUME": "STIS"}
    hdu = fits.PrimaryHDU(np.full((500, 500), 50.0, np.float32))
    hdu.header.update({**grid, "BUNIT": "kR"})
    hdu.writeto(tmp_path / "ok_proj.fits")
    (tmp_path / "ok_proj.fits.gz").write_bytes(
        gzip.compress((tmp_path / "ok_proj.fits").read_bytes())
    )
    (tmp_path / "ok_proj.fits").unlink()
    (tmp_path / "cut.fits").write_bytes(b"SIMPLE  =                    T" + b" " * 50)
    fits.PrimaryHDU(np.ones((30, 40), np.float32)).writeto(tmp_path / "other.fit")
    left_out: list = []
    with caplog.at_level("WARNING", logger="jovis.realism.report"):
        frames = rr.load_real_frames(tmp_path, left_out)
    assert [f.id for f in frames] == ["ok_proj"]
    assert [item["file"] for item in left_out] == [
        str(tmp_path / n) for n in ("cut.fits", "other.fit")
    ]
    assert "truncated" in left_out[0]["reason"] and "polar grid" in left_out[1]["reason"]
    assert all(item["file"] in caplog.text for item in left_out)
    (tmp_path / "ok_proj.fits.gz").unlink()
    with pytest.raises(ValueError, match=r"no usable far-UV frame.*cut\.fits"):
        rr.load_real_frames(tmp_path)
