"""The files beside a frame that its reading takes in: their names, in one place.

A JunoCam product's ``<product id>-metadata.json``; ``<file>.map.json`` (what map an image is,
`jovis.geometry.maps`); ``<file>.view.json`` (its perspective view, `jovis.geometry.reproject`);
GDAL's ``<file>.aux.xml``, a world file and a ``.prj`` (`jovis.io.georef_sidecars`); the index
files ``expaurarr_{north,south}_iinx_jinx.npz`` that rebuild an HST "flatproj" product
(`jovis.io.hst_forms`). A glob or a
list that names such a file beside its frame names part of that frame, not another frame
(`jovis.inference.inputs.one_per_product`).
"""

from __future__ import annotations

import re
from pathlib import Path

MAP_SIDECAR = ".map.json"
VIEW_SIDECAR = ".view.json"
AUX_XML = ".aux.xml"
JUNOCAM_METADATA = "-metadata.json"
FLATPROJ_INDEX = "expaurarr_{}_iinx_jinx.npz"  # of a hemisphere: iinx, jinx and the grid's shape
# a JunoCam product id at the start of a file name (JNCE_/JNCR_<yyyyddd>_<pj><code><seq>_V<nn>);
# groups: the id, its filter code
JUNOCAM_NAME = re.compile(r"^(JNC[ER]_\d{7}_\d{2}([A-Z])\d{5}_V\d{2})")


def world_files(path: Path) -> list[Path]:
    """The names a world file beside `path` may have, in the order GDAL looks: ``.wld``, the
    suffix's first and last letters + ``w`` (``.pgw`` for ``.png``), the whole suffix + ``w``."""
    path = Path(path)
    suffix = path.suffix.lower()
    return [path.with_suffix(".wld"), path.with_suffix(f".{suffix[1:2]}{suffix[-1:]}w"),
            Path(f"{path}w")]  # fmt: skip


def prj_file(path: Path) -> Path:
    """The ``.prj`` (the CRS as WKT) that goes with a world file."""
    return Path(path).with_suffix(".prj")


def junocam_metadata(path: Path) -> Path | None:
    """``<product id>-metadata.json`` beside a JunoCam product's file; None for other files."""
    path = Path(path)
    match = JUNOCAM_NAME.match(path.name)
    return path.with_name(f"{match.group(0)}{JUNOCAM_METADATA}") if match else None


def flatproj_index(path: Path, hemisphere: str) -> Path:
    """The index file of `hemisphere` that rebuilds the flatproj product `path`, beside it."""
    return Path(path).parent / FLATPROJ_INDEX.format(hemisphere)


def sidecars(path: Path) -> list[Path]:
    """Every file beside frame file `path` that its reading may take in (whether or not it is
    there). The flatproj index files are listed beside any frame: only a FITS flatproj product
    reads them, and no reader takes a file of that name for a frame."""
    path = Path(path)
    names = [Path(f"{path}{MAP_SIDECAR}"), Path(f"{path}{VIEW_SIDECAR}"),
             Path(f"{path}{AUX_XML}"), *world_files(path), prj_file(path),
             *(flatproj_index(path, h) for h in ("north", "south"))]  # fmt: skip
    metadata = junocam_metadata(path)
    return names + ([metadata] if metadata is not None else [])
