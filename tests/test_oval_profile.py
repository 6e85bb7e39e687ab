"""jovis.oval_profile: the oval's edges and brightest latitude along longitude, and its CSV."""

import json

import numpy as np
import pytest

from jovis.frame import Frame
from jovis.geometry import PolarGrid
from jovis.oval_profile import PROFILE_COLUMNS, oval_profile
from tests.test_features import SCHEMA

AURORA = SCHEMA.id_of("aurora")


def half_ring(hemisphere="north", size=161):
    """A ring of colatitude 14°–16° over west longitudes 0°–180° (4 px per degree), brightest
    on colatitude 15.2°; the rest of the frame has data and no aurora."""
    grid = PolarGrid(hemisphere, 80.0, 80.0, 4.0)
    lat, lon = grid.latlon_image(size, size)
    colat = 90.0 - np.abs(lat)
    mask = np.where((colat >= 14.0) & (colat <= 16.0) & (lon < 180.0), AURORA, 0).astype(np.uint8)
    image = (100.0 - 50.0 * np.abs(colat - 15.2))[:, :, None].astype(np.float32)
    frame = Frame(image, ["uv"], "uv", meta={"units": "kR"}, grid=grid,
                  valid=np.ones((size, size), bool))  # fmt: skip
    return frame, mask, colat


@pytest.mark.parametrize("hemisphere", ["north", "south"])
def test_edges_and_peak_along_longitude(hemisphere):
    frame, mask, _ = half_ring(hemisphere)
    rows = {r["lon_west"]: r for r in oval_profile(frame, mask, SCHEMA)}
    assert len(rows) == 72  # every 5° bin round the pole was seen
    sign = 1 if hemisphere == "north" else -1
    for lon in (2.5, 87.5, 177.5):
        row = rows[lon]
        assert row["lat_equatorward"] == pytest.approx(sign * 74.0, abs=0.3)
        assert row["lat_poleward"] == pytest.approx(sign * 76.0, abs=0.3)
        assert row["lat_peak"] == pytest.approx(sign * 74.8, abs=0.3)
        assert row["peak_brightness"] > 95 and row["brightness_units"] == "kR"
        assert row["aurora_px"] > 0 and row["observed_share"] == 1.0
    seen_dark = rows[272.5]  # seen, no aurora: a row without edges
    assert seen_dark["aurora_px"] == 0 and seen_dark["observed_share"] == 1.0
    assert "lat_equatorward" not in seen_dark or seen_dark["lat_equatorward"] is None


def test_bins_without_data_are_left_out_and_partly_seen_ones_say_how_much():
    frame, mask, _ = half_ring()
    lat, lon = frame.grid.latlon_image(*mask.shape)
    frame.valid[(lon >= 270.0)] = False  # the limb: no data past 270° W
    frame.valid[(lon >= 90.0) & (lon < 95.0) & (lat < 75.0)] = False  # half of one bin's band
    rows = {r["lon_west"]: r for r in oval_profile(frame, mask, SCHEMA)}
    assert max(rows) < 270.0 and len(rows) == 54
    assert rows[92.5]["observed_share"] == pytest.approx(0.5, abs=0.1)
    # the bin's equatorward aurora had no data: its edge is where the data begin
    assert rows[92.5]["lat_equatorward"] == pytest.approx(75.0, abs=0.3)


def test_no_profile_without_a_grid_or_aurora():
    frame, mask, _ = half_ring()
    assert oval_profile(frame, np.zeros_like(mask), SCHEMA) is None
    frame.grid = None
    assert oval_profile(frame, mask, SCHEMA) is None


def test_a_run_writes_oval_profile_csv_from_the_frames_geojson(tmp_path):
    """write_frame_outputs puts the rows in the frame's GeoJSON; write_catalog gathers them
    (as it does the catalogue), and drops an earlier run's file when no frame has any."""
    import csv

    import cv2

    from jovis.inference.outputs import output_paths, write_catalog, write_frame_outputs
    from jovis.synth.frameset import default_schema

    frame, mask, _ = half_ring()
    frame.meta["time"] = "2016-05-21T02:17:42"
    probs = np.stack([(mask != AURORA), (mask == AURORA), np.zeros_like(mask)]).astype(np.float32)
    paths = output_paths(tmp_path, "f", save_probs=False)
    write_frame_outputs(frame, "f", probs, default_schema(), paths, {})
    stored = json.loads(paths["features"].read_text())["properties"]["oval_profile"]
    assert len(stored) == 72
    assert stored[0]["local_time_h"] is not None  # (the frame's time gives the Sun's place)
    write_catalog(tmp_path / "catalog.csv", [paths["features"]])
    rows = list(csv.DictReader((tmp_path / "oval_profile.csv").read_text().splitlines()))
    assert list(rows[0]) == PROFILE_COLUMNS and len(rows) == 72
    assert rows[0]["frame_id"] == "f" and rows[0]["time"] == "2016-05-21T02:17:42"
    assert float(rows[0]["lat_equatorward"]) == pytest.approx(74.0, abs=0.3)
    chart = cv2.imread(str(tmp_path / "oval_profile.png"))  # the report shows it
    assert chart is not None and chart.shape[1] == 720
    write_catalog(tmp_path / "catalog.csv", [])
    assert not (tmp_path / "oval_profile.csv").exists()
    assert not (tmp_path / "oval_profile.png").exists()


def test_the_profile_rows_are_read_without_pytorch():
    """(`load_detections` and the label tools read a run folder without loading PyTorch)"""
    import subprocess
    import sys

    code = "import sys, jovis.oval_profile, jovis.detections; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_two_runs_compared_by_longitude_and_the_script_that_prints_it(tmp_path):
    import subprocess
    import sys

    from jovis.oval_profile import compare_profiles
    from tests.conftest import REPO

    def rows(shift, frames=("f1", "f2")):
        return [{"frame_id": f, "lon_west": lon, "lat_peak": 60.0 + lon / 100 + shift + i}
                for i, f in enumerate(frames) for lon in (2.5, 7.5, 12.5)]  # fmt: skip

    a, b = rows(0.0), [r for r in rows(2.0) if r["lon_west"] != 12.5]  # b saw two of the bins
    b.append({"frame_id": "f1", "lon_west": 12.5, "lat_peak": ""})  # seen, without aurora
    bins = compare_profiles(a, b)
    assert [x["lon_west"] for x in bins] == [2.5, 7.5]
    assert bins[0] == {"lon_west": 2.5, "a": 60.525, "b": 62.525, "b_minus_a": 2.0}
    for name, table in (("a", a), ("b", b)):
        lines = ["frame_id,lon_west,lat_peak"] + [f"{r['frame_id']},{r['lon_west']},"
                                                  f"{r['lat_peak']}" for r in table]  # fmt: skip
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n")
    script = [sys.executable, str(REPO / "scripts" / "oval_profiles.py")]
    proc = subprocess.run([*script, f"a={tmp_path / 'a.csv'}", f"b={tmp_path / 'b.csv'}"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    out = json.loads(proc.stdout)
    assert out["median_b_minus_a"] == 2.0 and len(out["bins"]) == 2
    bad = subprocess.run([*script, f"a={tmp_path}", "b=x", "key=width"], capture_output=True,
                         text=True)  # fmt: skip
    assert bad.returncode != 0 and "key='width'; valid: lat_equatorward" in bad.stderr


def test_aurora_pixels_past_an_orthographic_limb_have_no_say():
    """(A mask painted past the limb of an orthographic grid: those pixels have no latitude;
    their NaN colatitudes made every edge NaN.)"""
    grid = PolarGrid("north", 40.0, 40.0, 0.5, projection="orthographic")  # limb at 28.6 px
    size = 81
    ys, xs = np.mgrid[0:size, 0:size]
    mask = np.where(np.hypot(xs - 40, ys - 40) > 20, AURORA, 0).astype(np.uint8)  # to the corners
    frame = Frame(np.ones((size, size, 1), np.float32), ["uv"], "uv", meta={}, grid=grid,
                  valid=np.ones((size, size), bool))  # fmt: skip
    rows = oval_profile(frame, mask, SCHEMA)
    edges = [r["lat_equatorward"] for r in rows]
    assert edges and all(e is not None and np.isfinite(e) for e in edges)


def test_each_bin_has_its_local_time_when_the_frame_has_the_suns_place():
    """12 h under the Sun, later towards smaller west longitudes (the planet turns them past
    noon): an HST product's own CMLS, else its time; none without either (the Sun's place as
    `write_frame_outputs` gives it, `sun_over_frame`)."""
    from jovis.geometry.sun import sun_over_frame

    def profile(frame):
        return oval_profile(frame, mask, SCHEMA, sun_over_frame(frame.meta))

    frame, mask, _ = half_ring()
    assert {r["local_time_h"] for r in profile(frame)} == {None}
    frame.meta.update(CMLS=150.0, DECS=-1.85)
    rows = {r["lon_west"]: r for r in profile(frame)}
    assert rows[152.5]["local_time_h"] == pytest.approx(12.0 - 2.5 / 15, abs=1e-3)
    assert rows[2.5]["local_time_h"] == pytest.approx(12.0 + 147.5 / 15, abs=1e-3)  # dusk
    assert rows[242.5]["local_time_h"] == pytest.approx(12.0 - 92.5 / 15, abs=1e-3)  # dawn
    from jovis.geometry.sun import subsolar_point
    from jovis.times import parse_time

    del frame.meta["CMLS"], frame.meta["DECS"]
    frame.meta["time"] = "2022-08-17T14:15:43"  # a camera at Jupiter: the Sun at that time
    sun_lon = subsolar_point(parse_time("2022-08-17T14:15:43"))[1]
    rows = {r["lon_west"]: r for r in profile(frame)}
    assert rows[2.5]["local_time_h"] == pytest.approx((12 + (sun_lon - 2.5) / 15) % 24, abs=1e-3)


def test_two_runs_compared_by_local_time(tmp_path):
    """Two visits at different central meridians see the dawn arc at other longitudes but the
    same local times: binned by local time (0.5 h) their rows line up; rows without a local
    time are left out; the script takes by=."""
    import subprocess
    import sys

    from jovis.oval_profile import compare_profiles
    from tests.conftest import REPO

    def rows(sun_lon, shift):  # the arc 1° poleward at dawn than at noon, as seen by each
        out = []
        for lon in (92.5, 97.5, 122.5, 127.5):
            lt = (12 + (sun_lon - lon) / 15) % 24
            out.append({"frame_id": "f", "lon_west": lon, "local_time_h": round(lt, 3),
                        "lat_peak": 70.0 + shift + (1.0 if lt < 9 else 0.0)})  # fmt: skip
        return out

    a, b = rows(50.0, 0.0), rows(80.0, 0.5)  # b's Sun 30° later: its bins 2 h later
    by_lon = compare_profiles(a, b)
    assert [x["b_minus_a"] for x in by_lon] == [0.5, -0.5, -0.5, 0.5]  # mixes local times
    by_lt = compare_profiles(a, b, by="local_time_h")
    assert [x["local_time_h"] for x in by_lt] == [8.75, 9.25]  # the bins both saw
    assert {x["b_minus_a"] for x in by_lt} == {0.5}  # the shift alone
    assert compare_profiles([{**r, "local_time_h": ""} for r in a], b, by="local_time_h") == []
    with pytest.raises(ValueError, match="by='time'"):
        compare_profiles(a, b, by="time")
    for name, table in (("a", a), ("b", b)):
        lines = ["frame_id,lon_west,local_time_h,lat_peak"] + [
            f"f,{r['lon_west']},{r['local_time_h']},{r['lat_peak']}" for r in table
        ]
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n")
    script = [sys.executable, str(REPO / "scripts" / "oval_profiles.py"),
              f"a={tmp_path / 'a.csv'}", f"b={tmp_path / 'b.csv'}"]  # fmt: skip
    out = subprocess.run([*script, "by=local_time_h"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["median_b_minus_a"] == 0.5
    bad = subprocess.run([*script, "by=utc"], capture_output=True, text=True)
    assert bad.returncode != 0 and "by='utc'; valid: lon_west, local_time_h" in bad.stderr
