"""`jovis labels import`: annotation files → a labelled frame set beside the user's frames."""

from __future__ import annotations

import glob
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jovis.annotations import catalogue, cvat, ds9, geojson, labelme
from jovis.annotations.frames import FrameIndex, load_frames
from jovis.annotations.frameset import check_out, write_set
from jovis.annotations.geo import AXIS_UNITS, check_choice
from jovis.annotations.labelme import AnnotationError
from jovis.annotations.shapes import UNLABELLED, Shape, rasterise
from jovis.config import check_at_least, dataclass_keys
from jovis.frame import LabelSchema
from jovis.geometry.maps import LATITUDES, LONGITUDES, check_map
from jovis.io.json_file import load_json

FORMATS = ("auto", "labelme", "cvat", "geojson", "catalogue", "ds9")
SUFFIXES = {
    ".xml": "cvat",
    ".geojson": "geojson",
    ".csv": "catalogue",
    ".reg": "ds9",
    ".json": None,
}


@dataclass
class ImportSettings:
    format: str = "auto"
    unlabelled: str = "background"  # or ignore (255): partial annotations
    latitude: str = "planetocentric"
    longitude: str = "west"
    axes: str = "km"  # catalogue semi-axes: km or deg
    min_confidence: float | None = None
    classes: dict[str, str] = field(default_factory=dict)  # annotation label → schema class
    split: str | None = None
    overwrite: bool = False
    # what map the frames without a grid are (jovis.geometry.maps), as infer's map=
    map: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportSettings:
        return cls(**dataclass_keys(cls, dict(data), "labels import")).checked()

    def checked(self) -> ImportSettings:
        """ValueError naming the first wrong setting, before any file is read: each was checked
        only where a shape used it (latitude=sideways passed with a GeoJSON jovis wrote, whose
        own convention wins, and failed a catalogue's every row)."""
        check_choice("format", self.format, FORMATS)
        check_choice("unlabelled", self.unlabelled, UNLABELLED)
        check_choice("latitude", self.latitude, LATITUDES)
        check_choice("longitude", self.longitude, LONGITUDES)
        check_choice("axes", self.axes, AXIS_UNITS)
        if self.min_confidence is not None:
            check_at_least("min_confidence", self.min_confidence, -math.inf,
                           "least confidence of a row taken", integer=False)  # fmt: skip
        return self


# the suffix `labels export` gives each format it writes (its twins of one frame)
EXPORT_SUFFIX = {"labelme": ".json", "geojson": ".geojson", "ds9": ".reg"}


def annotation_files(spec: str | Path, fmt: str = "auto") -> list[Path]:
    """The annotation files `spec` names (a file, a folder, a glob). A frame's twins in the
    formats `labels export` writes are refused, unless `fmt` names one of them: its file is
    taken and the others left (the format the user corrected)."""
    path = Path(spec)
    if any(ch in str(spec) for ch in "*?["):
        files = [Path(p) for p in sorted(glob.glob(str(spec))) if Path(p).is_file()]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
    elif path.is_file():
        files = [path]
    else:
        raise FileNotFoundError(f"annotations={spec}: no such file or folder")
    if not files:
        raise FileNotFoundError(f"annotations={spec}: no .json, .geojson, .xml, .csv or .reg files")
    return _one_of_each_pair(spec, files, fmt)


def _one_of_each_pair(spec: str | Path, files: list[Path], fmt: str) -> list[Path]:
    """Refuse ``<frame>.geojson`` beside ``<frame>.json`` (or ``<frame>.reg``): what `labels
    export` writes for one frame in several formats, its shapes twice (every vortex would be
    catalogued twice). Which one was corrected is the user's to say: `fmt` (format=), else a
    glob of one suffix."""
    order = (".json", ".geojson", ".reg")
    by_stem: dict[tuple[Path, str], list[Path]] = {}
    for path in files:
        if path.suffix.lower() in order:
            by_stem.setdefault((path.parent, path.stem), []).append(path)
    pairs = [found for found in by_stem.values() if len(found) > 1]
    wanted = EXPORT_SUFFIX.get(fmt)
    if pairs and wanted and all(any(p.suffix.lower() == wanted for p in f) for f in pairs):
        left = {p for f in pairs for p in f if p.suffix.lower() != wanted}
        return [p for p in files if p not in left]
    if pairs:
        first = sorted(pairs[0], key=lambda p: order.index(p.suffix.lower()))
        folder = first[0].parent
        kinds = " and ".join(f"a {p.suffix.lower()}" for p in first)
        raise ValueError(
            f"annotations={spec}: {len(pairs)} frame(s) have both {kinds} file "
            f"(e.g. {' and '.join(p.name for p in first)}), the formats `labels export` writes: "
            f"importing them together would place every shape twice; give the format you "
            f"edited, format=labelme, geojson or ds9, or a glob: annotations='{folder}/*.json' "
            f"(labelme), annotations='{folder}/*.geojson' or annotations='{folder}/*.reg' (DS9)"
        )
    return files


def detect_format(path: Path, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format={fmt!r}; valid choices: {', '.join(FORMATS)}")
    if fmt != "auto":
        return fmt
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None and _ds9_header(path):  # (saved as .txt or .regions; DS9's first line)
        return "ds9"
    if kind is None:  # .json: labelme has "shapes", GeoJSON has "type"
        try:
            doc = load_json(path)
        except (OSError, ValueError) as err:
            raise AnnotationError(f"{path}: not readable JSON ({err})") from err
        kind = "labelme" if isinstance(doc, dict) and "shapes" in doc else "geojson"
    return kind


def _ds9_header(path: Path) -> bool:
    """Whether `path` starts as DS9 writes a region file (``# Region file format: DS9``)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(200)
    except OSError:
        return False
    return b"region file format: ds9" in head.lower().replace(b"\x00", b"")


def collect(files: list[Path], frames: FrameIndex, s: ImportSettings):
    """({frame id: shapes in order}, skipped) over every annotation file."""
    shapes: dict[str, list[Shape]] = {}
    skipped: list[dict[str, str]] = []

    def add_image(path: Path, name: str, found: list[Shape], skip: list[dict[str, str]]) -> None:
        skipped.extend(skip)
        frame = frames.find(name)
        if frame is None:
            skipped.append({"where": str(path.name), "label": "", "reason":
                            f"no frame named {name!r} in frames= (ids or file names)"})  # fmt: skip
        else:
            shapes.setdefault(frame.id, []).extend(found)

    unreadable: list[AnnotationError] = []
    for path in files:
        try:
            kind = detect_format(path, s.format)
            if kind == "labelme":
                images = [labelme.read(path)]
            elif kind == "cvat":
                images = list(cvat.read(path))
            elif kind == "ds9":
                found, skip = ds9.read(path, frames)
            else:
                opts = {"latitude": s.latitude, "longitude": s.longitude}
                if kind == "catalogue":
                    opts.update(axes=s.axes, min_confidence=s.min_confidence)
                reader = geojson if kind == "geojson" else catalogue
                found, skip = reader.read(path, frames, **opts)
        except AnnotationError as err:  # this file is recorded; the others are imported
            unreadable.append(err)
            skipped.append({"where": path.name, "label": "", "reason": f"file not read: {err}"})
            continue
        if kind in ("labelme", "cvat"):
            for image in images:
                add_image(path, *image)
        else:
            skipped.extend(skip)
            for fid, items in found.items():
                shapes.setdefault(fid, []).extend(items)
    if unreadable and len(unreadable) == len(files):
        raise unreadable[0]  # nothing to import: the first file's reason
    return shapes, skipped


def import_annotations(
    annotations: str | Path,
    frames: str | Path,
    out: str | Path | None,
    schema: LabelSchema,
    settings: ImportSettings | Mapping[str, Any] | None = None,
    instrument: str | None = None,
) -> dict[str, Any]:
    """Import annotation files onto `frames`; write the set to `out` (default
    ``<frames>/labelled``). Returns the summary, with every skipped shape and its reason."""
    s = (
        settings.checked()
        if isinstance(settings, ImportSettings)
        else ImportSettings.from_dict(settings or {})
    )
    out = Path(out) if out else Path(frames) / "labelled"
    check_out(out, s.overwrite)
    files = annotation_files(annotations, s.format)
    check_map(s.map)
    index = load_frames(frames, instrument, s.map)
    shapes, skipped = collect(files, index, s)
    items, placed = [], 0
    for fid, found in shapes.items():
        frame = index.frames[fid]
        mask, vortices, skip = rasterise(found, frame.size, schema, aliases=s.classes,
                                         unlabelled=s.unlabelled)  # fmt: skip
        skipped.extend(skip)
        placed += len(found) - len(skip)
        if len(skip) < len(found):
            items.append((frame, mask, vortices))
    if not items:
        reasons = "; ".join(f"{k['where']}: {k['reason']}" for k in skipped[:5])
        raise AnnotationError(f"annotations={annotations}: nothing could be placed ({reasons})")
    report = {"annotations": [str(p) for p in files], "frames": str(frames),
              "imported_frames": len(items), "placed_shapes": placed,
              "skipped": skipped, "unlabelled": s.unlabelled}  # fmt: skip
    write_set(out, items, schema, split=s.split, report=report, overwrite=s.overwrite)
    return {"out": str(out), "frames": len(items), "placed": placed, "skipped": len(skipped),
            "skipped_shapes": skipped}  # fmt: skip
