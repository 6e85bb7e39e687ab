"""The user's frames that annotations refer to: id, file, size and grid of each.

`frames=DIR` is a folder of frame files (FITS, PDS3, PNG, NPY, ...; the grid comes from the
file, as `infer` reads it) or a labelled frame set (``manifest.jsonl``: its rows also give a grid
or map a bare image file cannot carry). An image that is a map says so as `infer` is told
(`jovis.geometry.maps`: the ``map`` setting, or ``<frame>.map.json``), so that lat/lon
annotations can be placed on it. Annotations name their frame by file name or id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jovis.annotations.geo import to_pixels
from jovis.geometry import PolarGrid
from jovis.geometry.maps import (
    MAP_AFFINE,
    CylindricalMap,
    declared_map,
    map_to_pixels,
    take_row_geometry,
)


@dataclass
class FrameInfo:
    id: str
    path: Path
    size: tuple[int, int]  # (height, width)
    grid: PolarGrid | None
    instrument: str
    channels: list[str]
    row: dict[str, Any] = field(default_factory=dict)  # the frame set's manifest row, if any
    map: CylindricalMap | None = None  # a declared cylindrical map (no polar grid)
    # the map coordinates of its pixels (`jovis.geometry.maps.MAP_AFFINE`) when its file is a
    # georeferenced map (GeoTIFF, GDAL's .aux.xml or a world file, an ISIS Mapping group)
    affine: list[float] | None = None
    # what regions drawn on the file itself need (`jovis.annotations.ds9`): its reader's format,
    # whether jovis moved its pixels (``reprojected_from``), IRAF's LTM/LTV keys
    file_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def placer(self) -> PolarGrid | CylindricalMap | None:
        """What places lat/lon on the frame's pixels: its polar grid, else its map."""
        return self.grid if self.grid is not None else self.map

    def check_placeable(self) -> None:
        """Raise naming the frame and the fix when lat/lon cannot be placed on its pixels."""
        if self.placer is None:
            raise ValueError(
                f"frame {self.id} has no grid: lat/lon cannot be placed on its pixels; if it "
                "is a map, declare it (map=... or <frame>.map.json)"
            )

    def map_pixels(self, points) -> np.ndarray:
        """(N, 2) pixel [x, y] of positions in the map coordinates of the frame's own
        georeferencing (what a GIS layer drawn on the raster holds); raises naming the fix when
        its file has none."""
        if self.affine is None:
            raise ValueError(
                f"frame {self.id} has no georeferencing of its own, so positions in a map's "
                "coordinates cannot be placed on it: give as frames= the GeoTIFF (or the image "
                "with GDAL's .aux.xml or a world file, or the ISIS map) the shapes were drawn on"
            )
        return map_to_pixels(self.affine, points)

    def pixels(self, lat, lon) -> np.ndarray:
        """(N, 2) pixel [x, y] of planetocentric lat / west lon (`geo.to_pixels`); raises when
        the frame has no grid or map, or a point cannot be placed on it."""
        self.check_placeable()
        pix = to_pixels(self.placer, lat, lon)
        if pix is None:
            raise ValueError(f"outside frame {self.id}'s hemisphere, visible disk or map")
        return pix


class FrameIndex:
    """Frames by id and by file name; `find` takes what an annotation file calls its image."""

    def __init__(self, frames: list[FrameInfo]) -> None:
        self.frames = {f.id: f for f in frames}
        self.by_name = {}
        for f in frames:
            self.by_name.setdefault(f.path.name.lower(), f)
            self.by_name.setdefault(f.path.name.split(".")[0].lower(), f)

    def find(self, name: str | None) -> FrameInfo | None:
        if not name:
            return None
        if name in self.frames:
            return self.frames[name]
        base = Path(str(name).replace("\\", "/")).name.lower()
        return self.by_name.get(base) or self.by_name.get(base.split(".")[0])

    def __len__(self) -> int:
        return len(self.frames)


def load_frames(
    spec: str | Path, instrument: str | None = None, map_settings: dict[str, Any] | None = None
) -> FrameIndex:
    """Read every frame under `spec` once (for its size and grid, or the map `map_settings` or
    its ``<frame>.map.json`` declare it to be); raises naming `frames=`."""
    from jovis.inference.inputs import frame_set_rows, list_inputs, unique_ids
    from jovis.io import read_frame

    root = Path(spec)
    if not root.exists():
        raise FileNotFoundError(f"frames={spec}: no such folder; give the folder of your frames")
    rows = frame_set_rows(root)
    paths = list_inputs(root, every_product=True)  # every frame the user may have labelled
    out = []
    for path, fid in zip(paths, unique_ids(paths), strict=True):
        row = rows.get(str(path), {})
        frame = read_frame(path, row.get("instrument") or instrument, row.get("channels"))
        take_row_geometry(frame, row)
        if not frame.meta.get("map"):  # (a frame with its own grid keeps it: declared_map says)
            frame = declared_map(frame, map_settings)
            if frame.meta.get("reprojected_from") == "cylindrical map":  # its pixels moved
                raise ValueError(
                    f"{path}: to_polar reprojects the map for infer; annotations are placed "
                    "on the map as it is: declare it without to_polar"
                )
        cylindrical = CylindricalMap.from_dict(frame.meta["map"]) if frame.meta.get("map") else None
        out.append(FrameInfo(
            id=str(row.get("id", fid)), path=path.resolve(), size=frame.shape, grid=frame.grid,
            instrument=str(row.get("instrument") or frame.instrument or instrument or ""),
            channels=list(frame.channels), row=row, map=cylindrical,
            affine=frame.meta.get(MAP_AFFINE), file_meta=_file_meta(frame.meta),
        ))  # fmt: skip
    return FrameIndex(out)


def _file_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """What DS9 regions need of a frame's reader meta: its file format, whether jovis moved
    its pixels (and the view that moved them), and IRAF's physical-coordinate keys."""
    keys = ("format", "reprojected_from", "LTM1_1", "LTM1_2", "LTM2_1", "LTM2_2", "LTV1", "LTV2",
            # a sky-plane crop's view (jovis.io.hst_forms), to carry regions onto its polar grid
            "CML", "DECE", "PCX", "PCY", "RPPX", "RPKM", "RPPLKM", "DELRPKM",
            "emission_altitude_km", "latlon_shape")  # fmt: skip
    return {k: meta[k] for k in keys if meta.get(k) is not None}
