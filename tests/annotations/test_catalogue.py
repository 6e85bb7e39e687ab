"""A lat/lon ellipse catalogue imported onto synthetic frames lands within 1 px of the truth."""

import json

import pytest

from jovis.annotations import import_annotations
from jovis.data.datasets import read_manifest


def test_synthetic_vortices_from_their_latlon_land_on_their_pixels(frameset, schema, tmp_path):
    lines, truth = ["frame_id,lat,lon,semi_major,semi_minor,angle_deg"], {}
    for row in read_manifest(frameset):
        feats = json.loads((frameset / row["features"]).read_text())
        for v in feats["vortices"]:
            inside = 0 <= v["x"] < 128 and 0 <= v["y"] < 128
            if inside and v["radius_px"] >= 2:
                lines.append(
                    f"{row['id']},{v['lat']},{v['lon']},{v['radius_km']},{v['radius_km']},0"
                )
                truth.setdefault(row["id"], []).append(v)
    assert sum(map(len, truth.values())) >= 3
    (tmp_path / "cat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")  # as Excel
    out = tmp_path / "set"
    result = import_annotations(
        tmp_path / "cat.csv", frameset, out, schema, {"unlabelled": "ignore"}
    )
    assert result["skipped"] == 0
    for row in read_manifest(out):
        got = json.loads((out / row["features"]).read_text())["vortices"]
        for g, t in zip(got, truth[row["id"]], strict=True):
            assert abs(g["x"] - t["x"]) <= 1 and abs(g["y"] - t["y"]) <= 1
            assert g["radius_px"] == pytest.approx(t["radius_px"], abs=1.0)


def test_rows_with_nan_or_inf_are_skipped_naming_them(frameset, schema, tmp_path):
    """A spreadsheet's nan or inf: an infinite angle was skipped as "math domain error"."""
    row = read_manifest(frameset)[0]
    v = next(v for v in json.loads((frameset / row["features"]).read_text())["vortices"]
             if 0 <= v["x"] < 128 and 0 <= v["y"] < 128 and v["radius_px"] >= 2)  # fmt: skip
    good = f"{row['id']},{v['lat']},{v['lon']},{v['radius_km']},{v['radius_km']},0"
    lines = ["frame_id,lat,lon,semi_major,semi_minor,angle_deg", good,
             f"{row['id']},{v['lat']},{v['lon']},{v['radius_km']},{v['radius_km']},inf",
             f"{row['id']},nan,{v['lon']},{v['radius_km']},{v['radius_km']},0"]  # fmt: skip
    (tmp_path / "cat.csv").write_text("\n".join(lines) + "\n")
    result = import_annotations(tmp_path / "cat.csv", frameset, tmp_path / "set", schema)
    reasons = [s["reason"] for s in result["skipped_shapes"]]
    assert result["placed"] == 1 and len(reasons) == 2
    assert all(r.startswith("lat, lon, axes and angle must be finite numbers") for r in reasons)


def test_rows_off_the_planet_are_skipped_naming_them(frameset, schema, tmp_path):
    """A latitude of 95 was placed 5 deg beyond the pole and a longitude of 1e30 at its
    remainder; -180..180 and 0..360 longitudes are both read."""
    row = read_manifest(frameset)[0]
    v = next(v for v in json.loads((frameset / row["features"]).read_text())["vortices"]
             if 0 <= v["x"] < 128 and 0 <= v["y"] < 128 and v["radius_px"] >= 2)  # fmt: skip
    r = v["radius_km"]
    lines = ["frame_id,lat,lon,semi_major,semi_minor,angle_deg",
             f"{row['id']},{v['lat']},{v['lon'] - 360},{r},{r},0",
             f"{row['id']},{95 if v['lat'] > 0 else -95},{v['lon']},{r},{r},0",
             f"{row['id']},{v['lat']},1e30,{r},{r},0"]  # fmt: skip
    (tmp_path / "cat.csv").write_text("\n".join(lines) + "\n")
    result = import_annotations(tmp_path / "cat.csv", frameset, tmp_path / "set", schema)
    reasons = [s["reason"] for s in result["skipped_shapes"]]
    assert result["placed"] == 1 and len(reasons) == 2, reasons
    assert all(" must be in [-90, 90] and lon " in r for r in reasons)
