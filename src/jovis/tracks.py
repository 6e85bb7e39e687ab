"""jovis from Python: `track` runs what ``jovis track`` runs; `load_tracks` reads its outputs.

    import jovis
    found = jovis.detect("pj44_frames/", out="pj44")
    tracks = jovis.track(found, out="pj44_tracks")      # or track(["pj44", "pj45"], out=...)
    tracks.points         # tracks.csv's rows, typed: one per track per frame (lat, lon, km)
    tracks.drift          # drift.csv's rows: each track's drift rates (None over a short span)
    tracks.track(1)       # the points of track 1, in time order
    pandas.DataFrame(tracks.points)

`track`'s keyword arguments are ``jovis track``'s settings (``configs/track.yaml``), checked as
the command line checks them, nested ones as dicts (``link={"max_gap": 3}``). The outputs are
the command's, on disk under `out`, so a run from the command line and one from a notebook are
read alike (``load_tracks("pj44_tracks")``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Tracks", "load_tracks", "track"]

# the tables' text columns; every other column holds numbers
TEXT_COLUMNS = frozenset({"frame_id", "time", "first_time", "last_time", "brightness_units"})
TABLES = {"points": "tracks.csv", "drift": "drift.csv", "oval": "oval_series.csv"}


@dataclass
class Tracks:
    """A track output folder, read: `points` (tracks.csv: one row per track per frame, a frame
    a track bridged marked ``bridged`` 1), `drift` (drift.csv: one row per track), `oval`
    (oval_series.csv: the oval frame by frame) and `summary` (summary.json: frames, tracks,
    the polygon's rotation rate, the inputs that could not be read)."""

    out: Path
    points: list[dict[str, Any]]
    drift: list[dict[str, Any]]
    oval: list[dict[str, Any]]
    summary: dict[str, Any]

    def __repr__(self) -> str:
        return (f"<Tracks {self.out}: {self.summary.get('tracks')} track(s) over "
                f"{self.summary.get('frames')} frame(s), {self.summary.get('detections')} "
                "detection(s)>")  # fmt: skip

    @property
    def ids(self) -> list[int]:
        """The track ids, in order."""
        return sorted({row["id"] for row in self.points})

    def track(self, track_id: int) -> list[dict[str, Any]]:
        """The points of one track, in time order (KeyError naming the ids when none)."""
        rows = [row for row in self.points if row["id"] == track_id]
        if not rows:
            raise KeyError(f"no track {track_id!r} in {self.out}; its tracks are {self.ids}")
        return rows


def load_tracks(out: str | Path) -> Tracks:
    """Read a track output folder (``jovis track ... out=DIR``); FileNotFoundError naming the
    folder when it holds no summary.json."""
    from jovis.io.csv_file import read_csv_rows
    from jovis.io.json_file import load_json

    out = Path(out)
    if not (out / "summary.json").is_file():
        raise FileNotFoundError(f"{out} holds no jovis track output (no summary.json): give "
                                "the out= of a track run")  # fmt: skip
    tables = {}
    for name, file in TABLES.items():
        rows = read_csv_rows(out / file)[1] if (out / file).is_file() else []
        tables[name] = [{k: _typed(k, v) for k, v in row.items()} for row in rows]
    return Tracks(out=out, summary=load_json(out / "summary.json"), **tables)


def track(inputs: Any, out: str | Path | None = None, **settings: Any) -> Tracks:
    """Run ``jovis track`` on `inputs` into `out` (None: track's default, ``outputs/track``) and
    read what it wrote.

    `inputs`: what `jovis.detect` returned (`Detections`), an infer output folder, a catalogue
    CSV or a frame GeoJSON, or a list of those. `settings` are track's other settings
    (``link={"max_gap": 3}``, ``truth=``, ``match_km=``); an unknown one is refused naming the
    nearest, as on the command line.
    """
    from jovis.apps.track import track_from_config
    from jovis.detections import app_config

    given = {"input": _input_paths(inputs), **({} if out is None else {"out": out}), **settings}
    summary = track_from_config(app_config("track", given, "track()", stored=False))
    return load_tracks(summary["out"])


def _input_paths(inputs: Any) -> list[str]:
    """Paths of `inputs` (a `Detections` stands for its folder), as a list."""
    from jovis.detections import Detections

    many = inputs if isinstance(inputs, Sequence) and not isinstance(inputs, str) else [inputs]
    return [str(item.out if isinstance(item, Detections) else item) for item in many]


def _typed(column: str, value: str) -> Any:
    """A table cell as the value it holds: None when empty, text in `TEXT_COLUMNS`, else an int
    (written without a point) or a float."""
    if value == "":
        return None
    if column in TEXT_COLUMNS:
        return value
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value
