"""The tracker on hand-made catalogues with known motion (sign and units of the drift)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from jovis.catalog import CATALOG_COLUMNS
from jovis.times import parse_time
from jovis.tracking.run import track

T0 = datetime(2020, 1, 1, tzinfo=timezone.utc)


def _catalog(path, frames, days=10.0, rate=0.1, lons=(355.0, 115.0, 235.0), lat=83.0,
             skip=()):  # fmt: skip
    """Vortices at `lons` turning `rate` deg/day west (SIII grows); `skip` = (frame, index)."""
    rows = []
    for k in range(frames):
        for i, lon0 in enumerate(lons):
            if (k, i) in skip:
                continue
            row = dict.fromkeys(CATALOG_COLUMNS, "")
            row.update(frame_id=f"f{k}", feature="vortex", feature_id=i + 1, lat=lat,
                       lon=(lon0 + rate * days * k) % 360.0, radius_km=2000.0, radius_px=10.0,
                       time=(T0 + timedelta(days=days * k)).isoformat())  # fmt: skip
            rows.append(row)
    rows.reverse()  # the tracker orders by time, not by file order
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS)  # it has a time column
        w.writeheader()
        w.writerows(rows)
    return path


def _tracks(out):
    return list(csv.DictReader((out / "tracks.csv").read_text().splitlines()))


def test_westward_drift_has_positive_rate_in_deg_per_day(tmp_path):
    s = track([_catalog(tmp_path / "c.csv", 6)], tmp_path / "out")
    assert s["tracks"] == 3
    assert s["polygon_rate_deg_per_day"] == pytest.approx(0.1, abs=1e-6)
    drift = list(csv.DictReader((tmp_path / "out" / "drift.csv").read_text().splitlines()))
    rates = [float(d["lon_rate_deg_per_day"]) for d in drift]
    np.testing.assert_allclose(rates, 0.1, atol=1e-6)  # through the 360 -> 0 wrap too
    assert all(abs(float(d["lat_rate_deg_per_day"])) < 1e-9 for d in drift)


def test_eastward_drift_is_negative(tmp_path):
    s = track([_catalog(tmp_path / "c.csv", 5, rate=-0.05)], tmp_path / "out")
    assert s["polygon_rate_deg_per_day"] == pytest.approx(-0.05, abs=1e-6)


def test_missed_detection_and_missing_frame_keep_ids(tmp_path):
    cat = _catalog(tmp_path / "c.csv", 7, skip={(3, 0)})
    s = track([cat], tmp_path / "a", jitter={"drop_frames": [4]})
    assert s["frames"] == 6 and s["tracks"] == 3
    rows = _tracks(tmp_path / "a")
    by_frame = {(r["frame_id"], round(float(r["lon"]) - 0.1 * 10 * int(r["frame_id"][1:])) % 360):
                r["id"] for r in rows}  # fmt: skip
    for lon0 in (355, 115, 235):  # the same id on both sides of the miss and the gap
        assert by_frame[("f0", lon0)] == by_frame[("f6", lon0)]
    assert ("f4", 115) not in by_frame  # a frame left out is not tracked
    # the missed detection: the motion model's position, flagged, left out of the drift fit
    miss = [r for r in rows if r["frame_id"] == "f3" and r["id"] == by_frame[("f0", 355)]]
    assert [r["bridged"] for r in miss] == ["1"] and miss[0]["uncertainty_km"] == ""
    assert float(miss[0]["lat"]) == pytest.approx(83.0) and float(miss[0]["lon"]) == pytest.approx(
        (355.0 + 0.1 * 30) % 360.0, abs=1e-6)  # fmt: skip
    assert sum(r["bridged"] == "1" for r in rows) == 1
    from jovis.geometry.body import planetographic

    for r in rows:  # the planetographic latitude beside every position, the bridged one's too
        assert float(r["lat_planetographic"]) == pytest.approx(
            planetographic(float(r["lat"])), abs=1e-4
        )
    drift = list(csv.DictReader((tmp_path / "a" / "drift.csv").read_text().splitlines()))
    assert sorted(int(d["n"]) for d in drift) == [5, 6, 6]
    track([cat], tmp_path / "b", link={"bridge": False}, jitter={"drop_frames": [4]})
    assert all(r["bridged"] == "0" for r in _tracks(tmp_path / "b"))
    assert ("f3", 355) not in {(r["frame_id"], round(float(r["lon"]) - int(r["frame_id"][1:]))
                               % 360) for r in _tracks(tmp_path / "b")}  # fmt: skip


def test_a_vortex_found_as_two_blobs_keeps_its_id(tmp_path):
    """At f3 vortex 0 is found as two blobs; the spare one starts a track that lies nearer the
    vortex's next detections (it moved north) than the old track's prediction. Confirmed tracks
    are paired first, so the old id keeps them and the spare track ends unfed."""
    cat = _catalog(tmp_path / "c.csv", 9, skip={(3, 0)})
    rows = list(csv.DictReader(cat.read_text().splitlines()))
    for r in rows:
        k = int(r["frame_id"][1:])
        if r["feature_id"] == "1" and k > 3:
            r["lat"] = 83.35
    for dlat in (-0.3, 0.6):
        extra = dict(rows[-1], frame_id="f3", feature_id=9, lat=83.0 + dlat,
                     lon=(355.0 + 0.1 * 30) % 360.0)  # fmt: skip
        extra["time"] = next(r["time"] for r in rows if r["frame_id"] == "f3")
        rows.append(extra)
    with open(cat, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    track([cat], tmp_path / "a")
    ids = {r["id"] for r in _tracks(tmp_path / "a") if float(r["lat"]) > 82.5
           and abs((float(r["lon"]) - 0.1 * 10 * int(r["frame_id"][1:]) + 180) % 360 - 180 + 5)
           < 1}  # fmt: skip
    assert len(ids) == 1


def test_a_gap_longer_than_max_gap_starts_a_new_id(tmp_path):
    cat = _catalog(tmp_path / "c.csv", 9, skip={(k, 0) for k in (3, 4, 5)})
    s = track([cat], tmp_path / "a", link={"max_gap": 2})
    assert s["tracks"] == 4


def test_short_tracks_are_dropped_and_births_get_new_ids(tmp_path):
    cat = _catalog(tmp_path / "c.csv", 6, skip={(k, 2) for k in (0, 1, 2)} | {(k, 1) for k in
                                                                          range(1, 6)})  # fmt: skip
    s = track([cat], tmp_path / "a", link={"min_length": 3})
    assert s["tracks"] == 2  # vortex 1 (one frame) dropped; vortex 2 born at frame 3


def test_out_may_not_be_an_input_and_missing_time_names_the_fix(tmp_path):
    cat = _catalog(tmp_path / "c.csv", 3)
    with pytest.raises(ValueError, match="inputs are only read"):
        track([tmp_path], tmp_path)
    # a frame without a time is left out, named with the fix, and the others are tracked
    text = cat.read_text().replace(T0.isoformat(), "")
    (tmp_path / "d.csv").write_text(text)
    summary = track([tmp_path / "d.csv"], tmp_path / "o")
    assert summary["frames"] == 2
    (left,) = summary["skipped_inputs"]
    assert "frame 'f0' has no observation time; add a 'time' column" in left["reason"]
    # frames none of which has a time fail, naming the fix
    rows = list(csv.DictReader(cat.read_text().splitlines()))
    with open(tmp_path / "e.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "time": ""} for r in rows)
    with pytest.raises(ValueError, match="no observation time"):
        track([tmp_path / "e.csv"], tmp_path / "o2")
    # a time that is there but not read is said to be so (it was "no observation time; add a
    # 'time' column" of a table with one)
    with open(tmp_path / "f.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "time": "21/05/2016 02:17"} for r in rows)
    with pytest.raises(ValueError, match=r"its time '21/05/2016 02:17' is not one jovis reads; "
                                         r"write ISO 8601"):  # fmt: skip
        track([tmp_path / "f.csv"], tmp_path / "o3")


def test_tracks_each_within_one_pass_get_no_rate_though_the_passes_span_days(tmp_path):
    """Two passes 50 days apart (three frames 15 min apart each, other vortices in each): the
    frames span days, but every track lies within a pass, where its positions' errors, not its
    motion, would set a rate; tracks.csv holds the positions, the rates are left empty."""
    rng = np.random.default_rng(2)
    rows = []
    for k, (day, lons) in enumerate([(0.0, (355.0, 115.0, 235.0))] * 3
                                    + [(50.0, (55.0, 175.0, 295.0))] * 3):  # fmt: skip
        t = T0 + timedelta(days=day, minutes=15 * (k % 3))
        for i, lon0 in enumerate(lons):
            row = dict.fromkeys(CATALOG_COLUMNS, "")
            row.update(frame_id=f"f{k}", feature="vortex", feature_id=i + 1,
                       lat=83.0 + rng.normal(0, 0.3), lon=lon0 + rng.normal(0, 1.0),
                       radius_km=2000.0, radius_px=10.0, time=t.isoformat())  # fmt: skip
            rows.append(row)
    with open(tmp_path / "passes.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    s = track([tmp_path / "passes.csv"], tmp_path / "o")
    assert s["rates_fitted"] and s["tracks"] == 6
    assert s["polygon_rate_deg_per_day"] is None and s["polygon_tracks"] == 0
    assert s["rates_note"].startswith("no track spans link.rate_min_span_days = 1 d")
    drift = list(csv.DictReader((tmp_path / "o" / "drift.csv").read_text().splitlines()))
    assert len(drift) == 6 and all(r["lon_rate_deg_per_day"] == "" for r in drift)


def test_vortices_without_lat_lon_are_counted_not_tracked_unless_none_has_one(tmp_path):
    """A perspective product's vortex beyond the view model's disk has no lat/lon: it is left
    out and counted; a catalogue where no vortex has a position names the fix."""
    cat = _catalog(tmp_path / "c.csv", 4)
    rows = list(csv.DictReader(cat.read_text().splitlines()))
    rows.append({**rows[0], "feature_id": 9, "lat": "", "lon": ""})
    # off the planet (an edited catalogue): was linked as a position past the pole
    rows.append({**rows[0], "feature_id": 10, "lat": "95.0"})
    with open(tmp_path / "part.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    s = track([tmp_path / "part.csv"], tmp_path / "o1")
    assert s["unlocated_vortices"] == 2 and s["detections"] == 12 and s["tracks"] == 3
    with open(tmp_path / "none.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "lat": "", "lon": ""} for r in rows)
    with pytest.raises(ValueError, match=r"no vortex has lat/lon.*-metadata\.json"):
        track([tmp_path / "none.csv"], tmp_path / "o2")


def test_geojson_outputs_are_linestrings_per_id(tmp_path):
    track([_catalog(tmp_path / "c.csv", 4)], tmp_path / "o")
    gj = json.loads((tmp_path / "o" / "tracks.geojson").read_text())
    assert [f["geometry"]["type"] for f in gj["features"]] == ["LineString"] * 3
    assert len(gj["features"][0]["geometry"]["coordinates"]) == 4
    assert (tmp_path / "o" / "plots" / "tracks_polar.png").is_file()
    assert "tracks_polar.png" in (tmp_path / "o" / "report.html").read_text()


def test_detections_in_no_track_are_drawn_on_the_polar_map(tmp_path):
    """Two frames (a track needs 3): the six detections formed no track and the run wrote no
    plot at all; now they are grey dots on the map, which the three tracks of a longer run
    leave without (every detection is in a track)."""
    import cv2

    from jovis.tracking.plots import UNTRACKED

    s = track([_catalog(tmp_path / "two.csv", 2)], tmp_path / "o")
    assert s["tracks"] == 0 and s["detections"] == 6
    grey = np.array(UNTRACKED)[::-1]  # (OpenCV reads BGR)
    loose = cv2.imread(str(tmp_path / "o" / "plots" / "tracks_polar.png"))
    assert (loose == grey).all(axis=2).sum() > 6 * 9  # six dots of 3 px radius
    track([_catalog(tmp_path / "four.csv", 4)], tmp_path / "o4")
    whole = cv2.imread(str(tmp_path / "o4" / "plots" / "tracks_polar.png"))
    assert (whole == grey).all(axis=2).sum() < 10  # (a few anti-aliased text pixels)


def test_tracks_of_both_poles_are_drawn_each_on_its_pole(tmp_path):
    """A run over perijoves of both poles: the southern tracks were drawn off the northern map
    (colatitude from the north pole), so the plot showed the north's alone."""
    import cv2

    north = list(csv.DictReader(_catalog(tmp_path / "n.csv", 4).read_text().splitlines()))
    south = [{**r, "frame_id": "s" + r["frame_id"], "lat": -float(r["lat"]),
              "time": r["time"].replace("2020-", "2021-")} for r in north]  # fmt: skip
    with open(tmp_path / "both.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(north[0]))
        w.writeheader()
        w.writerows(north + south)
    track([tmp_path / "both.csv"], tmp_path / "o")
    both = cv2.imread(str(tmp_path / "o" / "plots" / "tracks_polar.png"))
    track([tmp_path / "n.csv"], tmp_path / "o1")
    one = cv2.imread(str(tmp_path / "o1" / "plots" / "tracks_polar.png"))
    assert both.shape[1] == 2 * one.shape[1] and both.shape[0] == one.shape[0]
    # each panel holds its pole's tracks, drawn in their ids' colours (ids 4-6: the south's)
    from jovis.tracking.plots import colour

    half = both.shape[1] // 2
    for tid, side in ((1, slice(None, half)), (4, slice(half, None))):
        bgr = np.array(colour(tid))[::-1]  # (OpenCV reads BGR)
        assert (both[:, side] == bgr).all(axis=2).sum() > 20, tid
        assert not (both[:, slice(half, None) if side.start is None else slice(None, half)]
                    == bgr).all(axis=2).any(), tid  # fmt: skip


def test_parse_time_forms():
    iso = parse_time("2016-05-21T02:17:00Z")
    assert iso == parse_time("2016-142T02:17:00") == parse_time("2016-05-21 02:17:00")
    assert parse_time(57529.0951389) - iso < timedelta(seconds=1)  # MJD (FITS EXPSTART)
    assert parse_time("") is None and parse_time("not a time") is None
    assert parse_time("2016/05/21 02:17:00") == iso  # a spreadsheet's year-first slashes
    assert parse_time("21/05/2016 02:17") is None  # day-first or month-first: not guessed


def test_fits_frame_time_comes_from_its_header():
    from jovis.paths import real_data_dir
    from jovis.times import time_of_file

    folder = real_data_dir() / "hst_stis_north_2016-05-21"
    files = sorted(folder.glob("*_proj.fits"))
    if not files:
        pytest.skip(f"{folder}: the shared HST frames are not here")
    assert time_of_file(files[0]) == parse_time("2016-05-21T02:17:42")


def test_frames_minutes_apart_get_no_drift_rate_but_keep_their_ids(tmp_path):
    # a JunoCam approach: four frames 5 minutes apart whose located positions wander by a
    # degree of longitude per frame (view-model errors), not by the vortices' motion
    cat = _catalog(tmp_path / "c.csv", 4, days=5 / 1440, rate=1.0 / (5 / 1440))
    s = track([cat], tmp_path / "short")
    assert s["tracks"] == 3 and s["rates_fitted"] is False
    assert s["polygon_rate_deg_per_day"] is None and s["polygon_rate_deg_per_yr"] is None
    assert s["model_rate_deg_per_day"] == 0.0  # the prior
    assert "link.rate_min_span_days" in s["rates_note"] and "0.25 h" in s["rates_note"]
    drift = list(csv.DictReader((tmp_path / "short" / "drift.csv").read_text().splitlines()))
    assert len(drift) == 3
    assert all(d["lon_rate_deg_per_day"] == "" and d["lat_rate_deg_per_day"] == "" for d in drift)
    assert all(d["n"] == "4" and d["mean_lat"] for d in drift)
    # the setting at 0 fits what the positions say, as before it existed
    s0 = track([cat], tmp_path / "fit", link={"rate_min_span_days": 0.0})
    assert s0["rates_fitted"] is True and "rates_note" not in s0
    assert s0["polygon_rate_deg_per_day"] == pytest.approx(1.0 / (5 / 1440), rel=1e-3)


def test_a_negative_rate_span_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="rate_min_span_days"):
        track([_catalog(tmp_path / "c.csv", 3)], tmp_path / "out",
              link={"rate_min_span_days": -1.0})  # fmt: skip


def test_a_catalogues_position_uncertainty_is_the_tracks_else_one_pixel(tmp_path):
    plain = _catalog(tmp_path / "plain.csv", 3)
    located = tmp_path / "located.csv"
    rows = list(csv.DictReader(plain.read_text().splitlines()))
    for r in rows:
        r["position_uncertainty_km"] = "850.0"  # a perspective product's view model
    with open(located, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    track([plain], tmp_path / "a")
    track([located], tmp_path / "b")
    assert {r["uncertainty_km"] for r in _tracks(tmp_path / "a")} == {"200.0"}  # 2000 km / 10 px
    assert {r["uncertainty_km"] for r in _tracks(tmp_path / "b")} == {"850.0"}


def _geojsons(folder, frames=4, days=10.0, rate=0.1):
    """Per-frame GeoJSONs as infer writes them (features/<id>.geojson): the catalogue's frames."""
    folder.mkdir(parents=True)
    text = _catalog(folder.parent / "src.csv", frames, days, rate).read_text()
    rows = list(csv.DictReader(text.splitlines()))
    for k in range(frames):
        mine = [r for r in rows if r["frame_id"] == f"f{k}"]
        vortex = [{"feature": "vortex", "lat": float(r["lat"]), "lon": float(r["lon"]),
                   "radius_km": 2000.0} for r in mine]  # fmt: skip
        feats = [{"type": "Feature", "geometry": None, "properties": p} for p in vortex]
        props = {"frame_id": f"f{k}", "time": mine[0]["time"]}
        collection = {"type": "FeatureCollection", "properties": props, "features": feats}
        (folder / f"f{k}.geojson").write_text(json.dumps(collection))
    return folder


def test_a_folder_or_glob_of_geojsons_is_tracked_and_a_torn_one_recorded(tmp_path):
    """`input=run/features` (an infer run's per-frame GeoJSONs) or a glob of them: before, a
    folder without manifest.jsonl was refused and a glob was taken as a file name."""
    features = _geojsons(tmp_path / "run" / "features")
    whole = track([features], tmp_path / "o1")
    assert whole["frames"] == 4 and whole["tracks"] == 3 and whole["skipped_inputs"] == []
    assert whole["polygon_rate_deg_per_day"] == pytest.approx(0.1, abs=1e-6)
    globbed = track([str(features / "*.geojson")], tmp_path / "o2")
    assert globbed["tracks"] == 3 and globbed["detections"] == whole["detections"]
    (features / "torn.geojson").write_text('{"type": "Feature')
    kept = track([features], tmp_path / "o3")
    assert kept["frames"] == 4 and kept["tracks"] == 3
    assert [s["source"] for s in kept["skipped_inputs"]] == [str(features / "torn.geojson")]
    with pytest.raises(ValueError, match="not a readable GeoJSON"):  # alone: nothing to track
        track([features / "torn.geojson"], tmp_path / "o4")
    (features / "torn.geojson").unlink()  # a frame without a time: left out, the others tracked
    timeless = json.loads((features / "f0.geojson").read_text())
    del timeless["properties"]["time"]
    (features / "f0.geojson").write_text(json.dumps(timeless))
    kept = track([features], tmp_path / "o6")
    assert kept["frames"] == 3 and kept["tracks"] == 3
    (left,) = kept["skipped_inputs"]
    assert left["source"] == str(features / "f0.geojson")
    assert "no observation time" in left["reason"]
    with pytest.raises(ValueError, match="no observation time"):  # alone: nothing to track
        track([features / "f0.geojson"], tmp_path / "o7")
    with pytest.raises(FileNotFoundError, match="matches no file"):
        track([str(tmp_path / "none" / "*.geojson")], tmp_path / "o5")


def test_an_existing_file_is_taken_by_its_name_even_with_glob_characters(tmp_path):
    """``frame[1].geojson`` is a file, not a pattern (as a pattern it matches ``frame1``); its
    glob-matched name, given again, is still that file."""
    from jovis.tracking.inputs import expand_inputs

    features = _geojsons(tmp_path / "run" / "features")
    odd = sorted(features.glob("*.geojson"))[0]
    named = odd.rename(odd.with_name("frame[1].geojson"))
    assert expand_inputs([named]) == [named]
    assert expand_inputs(expand_inputs([str(features / "*.geojson")])).count(named) == 1
    assert track([str(features / "*.geojson")], tmp_path / "o")["frames"] == 4


def test_a_track_across_the_0_360_meridian_is_cut_there():
    from jovis.tracking.outputs import tracks_geojson

    points = [{"id": 1, "lat": 84.0 + 0.1 * k, "lon": lon, "time": f"t{k}", "frame_id": f"f{k}"}
              for k, lon in enumerate([354.0, 358.0, 2.0, 6.0])]  # fmt: skip
    geom = tracks_geojson(points, [])["features"][0]["geometry"]
    assert geom["type"] == "MultiLineString"
    assert geom["coordinates"] == [[[354.0, 84.0], [358.0, 84.1], [360.0, 84.15]],
                                   [[0.0, 84.15], [2.0, 84.2], [6.0, 84.3]]]  # fmt: skip


def test_two_products_of_one_exposure_are_tracked_as_one_frame(tmp_path):
    """`infer input='PJ44/*'` predicts a JunoCam composite and its per-filter set, which share
    the observation time: tracked as two frames, each vortex became two points at one time and
    the tracks were bridged across zero-length gaps. The product with the most located vortices
    is tracked; the other is recorded, naming the product kept."""
    cat = _catalog(tmp_path / "c.csv", 4)
    rows = list(csv.DictReader(cat.read_text().splitlines()))
    sets = [{**r, "frame_id": f"{r['frame_id']}-blue", "lat": float(r["lat"]) + 0.05}
            for r in rows if r["feature_id"] != "3"]  # fmt: skip
    with open(tmp_path / "both.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS)
        w.writeheader()
        w.writerows(rows + sets)
    summary = track([tmp_path / "both.csv"], tmp_path / "o")
    assert (summary["frames"], summary["tracks"], summary["bridged_points"]) == (4, 3, 0)
    assert {p["frame_id"] for p in _tracks(tmp_path / "o")} == {f"f{k}" for k in range(4)}
    reasons = sorted(s["reason"] for s in summary["skipped_inputs"])
    assert len(reasons) == 4
    assert reasons[0].startswith("frame 'f0-blue' has the observation time of 'f0'")
    assert "most located vortices (3 against 2)" in reasons[0]
    report = (tmp_path / "o" / "report.html").read_text()
    assert "Left out (4)" in report and "frame &#x27;f0-blue&#x27; has the observation" in report


def test_one_frame_per_time_keeps_an_oval_from_the_product_left_out():
    from jovis.tracking.inputs import one_per_time
    from jovis.tracking.observations import Detection, FrameObs

    vortices = FrameObs("m", T0, [Detection(80.0, 10.0)])
    aurora = FrameObs("l", T0, [], oval={"mean_colatitude_deg": 15.0})
    later = FrameObs("m2", T0 + timedelta(hours=1), [Detection(80.0, 11.0)])
    skipped: list = []
    kept = one_per_time([aurora, vortices, later], skipped)
    assert [f.frame_id for f in kept] == ["m", "m2"]
    assert kept[0].oval == {"mean_colatitude_deg": 15.0}
    assert [s["source"] for s in skipped] == ["l"]


@pytest.mark.parametrize(
    ("link", "words"),
    [
        ({"window": "abc"}, "link.window='abc': must be an integer ≥ 1"),  # was a TypeError
        ({"gate_km": 0}, "link.gate_km=0: must be a number > 0"),
        ({"max_gap": -1}, "link.max_gap=-1: must be an integer ≥ 0"),
        ({"passes": 3}, "link.passes=3: must be 1 or 2"),
        ({"polygon_colat": [9.5, 3.0]}, "link.polygon_colat=[9.5, 3.0]: must be [inner, outer]"),
        ({"polygon_colat": [3.0]}, "link.polygon_colat=[3.0]: must be [inner, outer]"),
        ({"prior_drift_deg_per_day": "x"}, "link.prior_drift_deg_per_day='x': must be a number"),
    ],
)
def test_a_wrong_link_setting_is_refused_naming_its_key(link, words):
    """Each wrong value names its key and range (one message listing every rule and the whole
    settings object before; a string reached a comparison as a TypeError)."""
    from jovis.tracking.link import LinkSettings

    with pytest.raises(ValueError) as info:
        LinkSettings.from_dict(link)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("jitter", "words"),
    [
        ({"position_km": -1}, "jitter.position_km=-1: must be a number ≥ 0"),
        ({"misses": -2}, "jitter.misses=-2: must be an integer ≥ 0"),
        ({"drop_frames": [2, -1]}, "jitter.drop_frames=-1: must be an integer ≥ 0"),
    ],
)
def test_a_wrong_jitter_setting_is_refused_naming_its_key(jitter, words):
    """A negative position error was taken as none, silently."""
    from jovis.tracking.perturb import Jitter

    with pytest.raises(ValueError) as info:
        Jitter.from_dict(jitter)
    assert words in str(info.value)
    assert Jitter.from_dict({"drop_frames": [1, 3]}).drop_frames == [1, 3]
