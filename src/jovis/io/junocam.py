"""JunoCam products from missionjuno.swri.edu (PHYSICS.md §3).

``<product id>-raw.png`` (companded framelets), the per-filter set ``-red/-green/-blue.png``,
the colour composite ``-mapprojected.png``, and the ``-metadata.json`` beside them. The product id
is ``JNCE_<yyyyddd>_<pj><filter code><seq>_V<nn>``.

Channel order is always red, green, blue (then methane), whatever the storage order, so that every
JunoCam product kind agrees with ``configs/instrument/junocam.yaml``; ``meta["storage_order"]``
keeps the order in which raw framelets were stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis.frame import Frame
from jovis.io.errors import FrameReadError
from jovis.io.generic import check_encoded, raster_kind, sky_mask
from jovis.io.json_file import JsonFileError, load_json
from jovis.io.junocam_raw import (
    CHANNEL_ORDER,
    FILTER_SETS,
    PRODUCT_ID,
    STORAGE_ORDER,
    decompand_table,
    metadata_number,
    raw_channels,
)
from jovis.io.junocam_spin import lay_out_raw
from jovis.io.sidecars import JUNOCAM_METADATA

PER_FILTER = ("red", "green", "blue")


def read_junocam(
    path: Path,
    instrument: str | None = None,
    *,
    storage_order: Sequence[str] | None = None,
    raw_layout: str = "spin",
) -> Frame:
    """Read a JunoCam product (and its ``-metadata.json``, when present) as a frame.

    Parameters
    ----------
    path : Path
        ``<id>-raw.png``: 128-row framelets stacked in time order, filters cycling inside each
        frame. Decompanded to linear DN by SAMPLE_BIT_MODE_ID, or as SQROOT without metadata
        (``meta["companding_assumed"]``). With ``raw_layout="spin"`` (the default) the framelets
        are assembled in the camera's spin frame so that the filters co-register
        (`jovis.io.junocam_spin`; valid where every filter has data and on the disk); with
        ``"framelets"`` channel k holds filter k's framelets in time order, shape
        (n_framelets·128, width), not co-registered. ``<id>-red/-green/-blue.png``: any one
        reads the whole set, values as stored; ``meta["missing_filters"]`` names absent files.
        ``<id>-mapprojected.png``: the colour composite as stored. Other suffixes: as stored.
        A product saved as JPEG or TIFF under its own name is read the same way (a per-filter
        set then looks for its other filters with that suffix).
    instrument : str, optional
        Ignored: JunoCam products are always instrument ``junocam``.
    storage_order : sequence of str, optional
        Filter order of raw framelets (e.g. ``["METHANE", "BLUE", "GREEN", "RED"]``), overriding the
        metadata and the filter-code default.
    raw_layout : {"spin", "framelets"}
        How a raw product's framelets are laid out (see `path`); a raw narrower than the
        camera's 1648 samples keeps the framelet layout and says why (``raw_layout_reason``).

    Raises
    ------
    FrameReadError
        Naming the file and the reason: truncated PNG, raw height not a whole number of frames,
        unknown filter code, a metadata JSON that is invalid or contradicts the product.
    """
    path = Path(path)
    match = PRODUCT_ID.match(path.name)
    if not match:
        raise FrameReadError(path, "not a JunoCam product name (JNCE_yyyyddd_ppCnnnnn_Vnn...)")
    product_id, code = match.groups()
    kind = path.name[len(product_id) :].split(".")[0].lstrip("-_").lower() or "image"
    json_path = path.with_name(f"{product_id}{JUNOCAM_METADATA}")
    metadata = _metadata(json_path, product_id, code)
    order = _filter_names(metadata.get("FILTER_NAME") if metadata else None, json_path)
    if order is None and code not in FILTER_SETS:
        raise FrameReadError(
            path,
            f"unknown filter code {code!r} in product id {product_id}; valid codes: "
            f"{', '.join(sorted(FILTER_SETS))} (PHYSICS.md §3)",
        )
    order = order or STORAGE_ORDER.get(code)
    filters = set(order) if order else FILTER_SETS[code]
    meta: dict[str, Any] = dict(metadata or {})  # the JSON's fields, then ours
    meta.update(format="junocam", product_id=product_id, product_kind=kind, filter_code=code)
    meta.update(filters=[c for c in CHANNEL_ORDER if c.upper() in filters])
    meta["metadata_file"] = json_path.name if metadata is not None else None
    if meta.get("START_TIME") or meta.get("IMAGE_TIME"):
        meta["time"] = str(meta.get("START_TIME") or meta.get("IMAGE_TIME")).strip()

    if kind == "raw":
        if storage_order is not None:
            order = tuple(str(f).strip().upper() for f in storage_order)
        image, channels = _read_raw(path, json_path, order, metadata, meta)
        altitude = metadata_number(meta, "SPACECRAFT_ALTITUDE")
        image, valid = lay_out_raw(image, channels, meta, raw_layout, altitude_km=altitude)
    elif kind in PER_FILTER:
        image, channels, valid = _read_set(path, product_id, filters, meta)
    else:
        image, valid = _decode(path)
        # a one-plane composite of a one-filter product (a methane M product) is that filter
        one = meta["filters"] if len(meta["filters"]) == 1 else ["gray"]
        channels = ["red", "green", "blue"] if image.ndim == 3 else one
        meta["values"] = f"as stored in the {path.suffix.lstrip('.').upper()} (not decompanded)"
    if valid is None:
        valid = sky_mask(image, meta)
    elif kind != "raw":
        meta["valid_source"] = "alpha channel"
    return Frame(
        image.astype(np.float32, copy=False), channels, "junocam", str(path), meta, None, valid
    )


def _read_raw(
    path: Path,
    json_path: Path,
    order: Sequence[str] | None,
    metadata: dict[str, Any] | None,
    meta: dict[str, Any],
) -> tuple[np.ndarray, list[str]]:
    if order is None:
        raise FrameReadError(
            path,
            "the storage order of 4-filter (methane) raw framelets is not documented: put "
            f"{json_path.name} (with FILTER_NAME) beside it, or pass storage_order=",
        )
    codes, _ = _decode(path, grey=True)
    height, width = codes.shape
    for key, actual in (("LINES", height), ("LINE_SAMPLES", width)):
        stated = (metadata or {}).get(key)
        if isinstance(stated, int) and stated != actual:
            raise FrameReadError(json_path, f"{key} = {stated} contradicts {path.name} ({actual})")
    mode = (metadata or {}).get("SAMPLE_BIT_MODE_ID")
    try:
        decompand_table(mode or "SQROOT")
    except ValueError as err:
        raise FrameReadError(json_path, f"SAMPLE_BIT_MODE_ID: {err}") from None
    try:
        image, channels, info = raw_channels(codes, order, mode)
    except ValueError as err:
        raise FrameReadError(path, str(err)) from None
    meta.update(info)
    return image, channels


def _read_set(
    path: Path, product_id: str, filters: set[str], meta: dict[str, Any]
) -> tuple[np.ndarray, list[str], np.ndarray | None]:
    own = path.name[len(product_id) :].split(".")[0].lstrip("-_").lower()
    files = {f: path if f == own else path.with_name(f"{product_id}-{f}{path.suffix}")
             for f in PER_FILTER}  # fmt: skip
    present = [f for f in PER_FILTER if files[f].is_file()]
    planes, valid = [], None
    for name in present:
        plane, alpha = _decode(files[name], grey=True)
        if planes and plane.shape != planes[0].shape:
            raise FrameReadError(
                files[name],
                f"per-filter images differ in size: {files[present[0]].name} is "
                f"{_size(planes[0])}, this one {_size(plane)}",
            )
        planes.append(plane)
        if alpha is not None:
            valid = alpha if valid is None else valid & alpha
    expected = [f for f in PER_FILTER if f.upper() in filters] or list(PER_FILTER)
    mode = meta.get("SAMPLE_BIT_MODE_ID")
    meta.update(
        files=[files[f].name for f in present],
        missing_filters=[f for f in expected if f not in present],
        companding=str(mode).upper() if mode else None,
        values=(
            f"as stored in the {path.suffix.lstrip('.').upper()}s (not decompanded)"
            + (f"; metadata says {mode} companded" if mode else "; companding not stated")
        ),
    )
    return np.stack(planes, axis=2), present, valid


def _size(image: np.ndarray) -> str:
    return f"{image.shape[1]}×{image.shape[0]}"


def _decode(path: Path, grey: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The pixels of a PNG (or a product saved as JPEG or TIFF), RGB order for colour, and the
    alpha>0 mask, or None without alpha."""
    data = path.read_bytes()
    kind = raster_kind(data)
    check_encoded(path, data, kind)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise FrameReadError(path, f"OpenCV could not decode this {kind.upper()} file")
    alpha = None
    if image.ndim == 3 and image.shape[2] == 4:
        alpha, image = image[:, :, 3] > 0, image[:, :, :3]
    if image.ndim == 3:
        image = image[:, :, ::-1]  # BGR → RGB
        if grey:
            if not (
                np.array_equal(image[..., 0], image[..., 1])
                and np.array_equal(image[..., 1], image[..., 2])
            ):
                raise FrameReadError(
                    path, "expected a greyscale JunoCam image, but its colour channels differ"
                )
            image = image[:, :, 0]
    return np.ascontiguousarray(image), alpha


def _metadata(json_path: Path, product_id: str, code: str) -> dict[str, Any] | None:
    """The ``-metadata.json`` fields, checked against the product id; None when absent."""
    if not json_path.is_file():
        return None
    try:
        data = load_json(json_path)
    except JsonFileError as err:
        raise FrameReadError(json_path, f"metadata is not valid JSON ({err.reason}); fix or "
                                        "remove it") from None  # fmt: skip
    if not isinstance(data, dict):
        raise FrameReadError(
            json_path, f"metadata must be a JSON object, got {type(data).__name__}"
        )
    stated = data.get("PRODUCT_ID")
    if stated is not None and str(stated).strip() != product_id:
        raise FrameReadError(json_path, f"PRODUCT_ID {stated!r} is not this product ({product_id})")
    names = _filter_names(data.get("FILTER_NAME"), json_path)
    if names is not None and code in FILTER_SETS and set(names) != FILTER_SETS[code]:
        raise FrameReadError(
            json_path,
            f"FILTER_NAME {list(names)} contradicts the product id's filter code {code} "
            f"({', '.join(sorted(FILTER_SETS[code]))})",
        )
    return data


def _filter_names(value: Any, json_path: Path) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    names = tuple(str(v).strip().upper() for v in items) if isinstance(items, list) else ()
    known = {f.upper() for f in CHANNEL_ORDER}
    if not names or len(set(names)) != len(names) or not set(names) <= known:
        raise FrameReadError(
            json_path, f"FILTER_NAME {value!r} must list distinct filters of {sorted(known)}"
        )
    return names
