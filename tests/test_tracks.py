"""jovis.track / jovis.load_tracks: the tracker from Python, its tables read back typed."""

from __future__ import annotations

import pytest

import jovis
from jovis.detections import Detections
from tests.tracking.test_tracking_link import _catalog


def test_track_runs_the_command_and_reads_its_tables(tmp_path):
    catalogue = _catalog(tmp_path / "c.csv", 6, skip={(2, 1)})  # track 2 misses frame 2
    tracks = jovis.track(catalogue, out=tmp_path / "t", link={"max_gap": 1})
    assert repr(tracks) == f"<Tracks {tmp_path / 't'}: 3 track(s) over 6 frame(s), 17 detection(s)>"
    assert tracks.ids == [1, 2, 3] and tracks.summary["tracks"] == 3
    first = tracks.track(1)
    assert [p["frame_id"] for p in first] == [f"f{k}" for k in range(6)]
    assert isinstance(first[0]["id"], int) and isinstance(first[0]["lat"], float)
    assert first[0]["uncertainty_km"] is None or isinstance(first[0]["uncertainty_km"], float)
    bridged = [p for t in tracks.ids for p in tracks.track(t) if p["bridged"] == 1]
    assert [p["frame_id"] for p in bridged] == ["f2"]  # the missed detection, bridged
    rates = [d["lon_rate_deg_per_day"] for d in tracks.drift]
    assert rates == pytest.approx([0.1] * 3, abs=1e-6)  # the catalogue's drift, as numbers
    assert isinstance(tracks.drift[0]["first_time"], str)
    again = jovis.load_tracks(tmp_path / "t")
    assert again.points == tracks.points and again.drift == tracks.drift
    with pytest.raises(KeyError, match=r"no track 9 .* its tracks are \[1, 2, 3\]"):
        tracks.track(9)


def test_track_takes_detections_and_refuses_an_unknown_setting(tmp_path):
    catalogue = _catalog(tmp_path / "c.csv", 4)
    found = Detections(out=catalogue, frames=[], catalog=[])  # stands for its folder (out)
    assert jovis.track([found], out=tmp_path / "t").summary["frames"] == 4
    with pytest.raises(ValueError, match=r"track\(\): unknown setting 'link.max_gapp' \(did you "
                                         r"mean link.max_gap\?\)"):  # fmt: skip
        jovis.track(catalogue, out=tmp_path / "u", link={"max_gapp": 3})
    with pytest.raises(ValueError, match=r"track\(\): input= is empty"):  # read the
        jovis.track("", out=tmp_path / "v")  # working folder's run
    with pytest.raises(FileNotFoundError, match="holds no jovis track output"):
        jovis.load_tracks(tmp_path)
