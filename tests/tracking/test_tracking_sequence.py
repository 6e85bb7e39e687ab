"""End to end: a tiny synthetic sequence, tracked from its truth catalogues and from an infer-like
output folder, through `jovis track` composed from the real config."""

from __future__ import annotations

import csv
import json

import pytest
from hydra import compose, initialize_config_dir

from jovis.apps.track import track_from_config
from jovis.catalog import CATALOG_COLUMNS
from jovis.config import CONFIG_DIR
from jovis.synth.sequence_set import write_sequence
from jovis.tracking.run import track


def test_truth_catalogues_track_perfectly(seq, tmp_path):
    s = track([seq], tmp_path / "t", truth=seq)
    assert s["idf1"] == 1.0 and s["id_switches_polar"] == 0
    assert s["polygon_rate_deg_per_day"] > 0  # westward
    assert s["oval_frames"] == 5
    rows = list(csv.DictReader((tmp_path / "t" / "oval_series.csv").read_text().splitlines()))
    assert len(rows) == 5 and float(rows[0]["mean_colatitude_deg"]) > 5


def test_a_missing_middle_frame_keeps_every_id(seq, tmp_path):
    """Issue 15: tracks survive a missing frame in the middle (the same ids on both sides)."""
    s = track([seq], tmp_path / "t", truth=seq, jitter={"drop_frames": [2]})
    polar = s["metrics"]["polar"]
    assert s["frames"] == 4 and polar["idf1"] == 1.0 and polar["fragmentations"] == 0
    assert s["metrics"]["all"]["id_switches"] == 0
    rows = list(csv.DictReader((tmp_path / "t" / "tracks.csv").read_text().splitlines()))
    truth = list(csv.DictReader((seq / "truth_tracks.csv").read_text().splitlines()))
    frames = sorted({r["frame_id"] for r in truth})
    both = {r["track_id"] for r in truth if r["frame_id"] == frames[1]} & {
        r["track_id"] for r in truth if r["frame_id"] == frames[3]}  # fmt: skip
    assert len(both) >= 9 and not any(r["frame_id"] == frames[2] for r in rows)
    for tid in both:  # its predicted id is there just before and just after the gap
        pid = str(s["metrics"]["all"]["pairing"][tid])
        assert {r["frame_id"] for r in rows if r["id"] == pid} >= {frames[1], frames[3]}


def test_infer_like_folder_takes_times_from_the_source_frame_set(seq, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    man = [json.loads(x) for x in (seq / "manifest.jsonl").read_text().splitlines()]
    rows = []
    for r in reversed(man):  # out of time order on purpose
        feats = json.loads((seq / r["features"]).read_text())
        for v in feats["vortices"]:
            row = dict.fromkeys(CATALOG_COLUMNS, "")
            row.update(frame_id=r["id"], feature="vortex", lat=v["lat"], lon=v["lon"])
            rows.append(row)
    with open(run / "catalog.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    (run / "manifest.jsonl").write_text("".join(
        json.dumps({"id": r["id"], "source": str(seq / r["image"]), "status": "ok"}) + "\n"
        for r in man))  # fmt: skip
    s = track([run], tmp_path / "t", truth=seq)
    assert s["frames"] == 5 and s["idf1"] == 1.0
    # infer model=auto's layout: out/<release>/ holds the run; the parent folder is taken too
    auto = tmp_path / "auto"
    auto.mkdir()
    run.rename(auto / "jiram_m-v3")
    assert track([auto], tmp_path / "t2", truth=seq)["idf1"] == 1.0
    (auto / "uv-v5").mkdir()
    (auto / "uv-v5" / "manifest.jsonl").write_text("")
    with pytest.raises(
        ValueError, match=r"2 detectors' folders \(jiram_m-v3, uv-v5\).*give input="
    ):
        track([auto], tmp_path / "t3", truth=seq)


def test_app_composes_the_real_config(seq, tmp_path):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("track", overrides=[f"input={seq}", f"out={tmp_path / 'o'}",
                                          f"truth={seq}", "jitter.drop_frames=[2]"])  # fmt: skip
    s = track_from_config(cfg)
    assert s["frames"] == 4 and s["id_switches_polar"] == 0 and "metrics" not in s
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["metrics"]["polar"]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("track", overrides=[f"input={seq}", f"out={tmp_path / 'n'}",
                                          f"truth={seq}", "match_km=-5"])  # fmt: skip
    with pytest.raises(ValueError, match=r"match_km=-5: must be a number > 0"):
        track_from_config(cfg)  # a negative distance matched nothing, silently
    assert not (tmp_path / "n").exists()


def test_infer_records_times_and_track_reads_its_folder(tiny_run, tmp_path):
    """Round trip: a sequence through infer (its manifest gets each frame's time from the frame
    set's time column) and then through track."""
    from jovis.inference.runner import run_inference

    seq = tmp_path / "seq"
    write_sequence(seq, 64, ["L", "M"], "jiram", "north", 3, "test", None, None,
                   {"frames": 3, "days": 53.0, "born_role": None})  # fmt: skip
    run = tmp_path / "run"
    run_inference(tiny_run["checkpoint"], seq, run, device="cpu", progress=False)
    rows = [json.loads(x) for x in (run / "manifest.jsonl").read_text().splitlines()]
    assert [r["time"][:10] for r in rows] == ["2016-08-27", "2016-10-19", "2016-12-11"]
    s = track([run], tmp_path / "t", link={"min_length": 1})
    assert s["frames"] == 3 and s["first_time"].startswith("2016-08-27")


def test_a_users_own_table_of_vortices_saved_by_excel_is_tracked(seq, tmp_path):
    """A table of frame_id, time, lat, lon without infer's `feature` column, saved as Excel's
    "CSV UTF-8" (a byte-order mark before `frame_id`): both made track stop with KeyError."""
    man = [json.loads(x) for x in (seq / "manifest.jsonl").read_text().splitlines()]
    lines = ["frame_id,time,lat,lon"]
    for r in man:
        for v in json.loads((seq / r["features"]).read_text())["vortices"]:
            lines.append(f"{r['id']},{r['time']},{v['lat']},{v['lon']}")
    table = tmp_path / "mine.csv"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    s = track([table], tmp_path / "t", truth=seq)
    assert s["frames"] == 5 and s["idf1"] == 1.0
    table.write_text("\n".join(lines).replace("frame_id", "image") + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"mine.csv: no frame_id column \(has \['image', 'time'"):
        track([table], tmp_path / "t2")
