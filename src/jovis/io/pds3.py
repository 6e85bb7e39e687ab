"""PDS3 image products through `pdr`: JIRAM imager EDR/RDR and JunoCam EDR/RDR (PHYSICS.md §3, §4).

A detached ``.LBL`` beside its ``.IMG``, or an ``.IMG`` with the label attached. The label is
checked (pointer, target file, size) before `pdr` reads the pixels, because `pdr` only warns.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pdr

from jovis.frame import Frame
from jovis.io.byte_order import order_name, saner_order
from jovis.io.errors import FrameReadError
from jovis.io.junocam_raw import (
    FILTER_SETS,
    PRODUCT_ID,
    STORAGE_ORDER,
    metadata_number,
    raw_channels,
    split_framelets,
)
from jovis.io.junocam_spin import lay_out_raw
from jovis.io.pds3_map import place_pds3_map

FILL_KEYS = ("MISSING_CONSTANT", "INVALID_CONSTANT", "NULL", "CORE_NULL")
# JIRAM imager modes (INSTRUMENT_MODE_ID): channels and instrument config (PHYSICS.md §4).
JIRAM_MODES = {"I1": (["L", "M"], "jiram"), "I2": (["M"], "jiram_m"), "I3": (["L"], "jiram_l")}
JIRAM_BAND_LINES = 128
# the imager's mode in INSTRUMENT_MODE_ID: "I2", or a token of the archive's "SCI_I2_S1" (imager
# I2 with spectrometer mode S1; ksr-ocean/jiram_catalog's notes on the SIS labels)
IMAGER_MODE = re.compile(r"(?:^|_)(I[123])(?:_|$)")


def read_pds3(path: Path, instrument: str | None = None) -> Frame:
    """Read the IMAGE object of a PDS3 product as a frame.

    JIRAM (INSTRUMENT_ID JIRAM or a ``JIR_`` product id), by INSTRUMENT_MODE_ID: I1 (256 lines)
    → channels ``["L", "M"]`` = lines 0–127 and 128–255, adjacent strips of the focal plane stacked
    pixel for pixel but *not* co-registered (instrument ``jiram``); I2 → ``["M"]`` (``jiram_m``);
    I3 → ``["L"]`` (``jiram_l``). Floats labelled big-endian (IEEE_REAL) whose big-endian values
    are absurd while little-endian ones are sane are read little-endian, as JIRAM RDRs are in
    practice (``meta["byte_order_note"]``). JunoCam EDR/RDR (``JNCE_``/``JNCR_``): framelets split
    into red, green, blue channels as in `jovis.io.junocam`, 8-bit EDRs decompanded. Otherwise one
    channel per band, named by FILTER_NAME or ``band1``…; `instrument` is used only when the label
    names none. Fill values (MISSING_CONSTANT, INVALID_CONSTANT, NULL, CORE_NULL) and NaN are
    ``valid = False``; SCALING_FACTOR / OFFSET are applied. Every label field is kept in ``meta``
    as plain data; ``meta["units"]`` is UNIT, ``meta["time"]`` START_TIME.

    Raises
    ------
    FrameReadError
        Naming the file and the reason: label not parseable or without an IMAGE object, ^IMAGE
        pointing to a missing file, image file shorter than the label says, pdr failure.
    """
    path = Path(path)
    data, label, warned = read_label(path, "PDS3")
    label_path = Path(getattr(data, "labelname", None) or path)
    block = label.get("IMAGE")
    if not isinstance(block, dict) or "^IMAGE" not in label:
        notes = "; ".join(sorted({message.split(". ")[0].strip() for message in warned}))
        raise FrameReadError(
            label_path,
            "not a parseable PDS3 image label: no OBJECT = IMAGE with a ^IMAGE pointer (read "
            f"{', '.join(list(label)[:6]) or 'nothing'}{'; pdr: ' + notes if notes else ''})",
        )
    image_path, start = _locate(label_path, label)
    _check_size(label_path, image_path, start, label, block)
    raw = _load(label_path, data)

    meta: dict[str, Any] = dict(label)
    fills = [block.get(k, label.get(k)) for k in FILL_KEYS]
    fills = [v for v in fills if isinstance(v, int | float) and not isinstance(v, bool)]
    raw = _byte_order(raw, block, fills, meta)
    valid = ~is_fill(raw, fills)
    ident = " ".join(str(label.get(k, "")) for k in ("INSTRUMENT_ID", "INSTRUMENT_NAME")).upper()
    product = str(label.get("PRODUCT_ID", "")).strip()
    filters = label.get("FILTER_NAME", block.get("FILTER_NAME"))
    filters = [filters] if isinstance(filters, str) else filters
    meta.update(
        format="pds3",
        label_file=label_path.name,
        image_file=image_path.name,
        image_start_byte=start,
        sample_type=str(block.get("SAMPLE_TYPE", "")),
        fill_values=fills,
        units=str(block.get("UNIT", label.get("UNIT", ""))).strip() or None,
    )
    if label.get("START_TIME"):
        meta["time"] = str(label["START_TIME"]).strip()
    mapped = isinstance(label.get("IMAGE_MAP_PROJECTION"), dict)
    if mapped:  # a map (a JunoCam global map, an ISIS export): its bands, no framelets
        image, channels, name = _map_bands(raw, filters, label, ident, instrument)
    elif "JIRAM" in ident or product.startswith("JIR_"):
        image, valid, channels, name = jiram_bands(
            label_path, raw.astype(np.float32), valid, label, meta
        )
    elif _is_junocam(product, ident):
        order = _junocam_order(label_path, filters, product, raw.shape[2])
        mode = block.get("SAMPLE_BIT_MODE_ID", label.get("SAMPLE_BIT_MODE_ID"))
        try:
            image, channels, info = raw_channels(raw[:, :, 0], order, mode and str(mode))
            framelet_valid = split_framelets(valid[:, :, 0], order)[0] if fills else None
        except ValueError as err:
            raise FrameReadError(label_path, str(err)) from None
        meta.update(info)
        altitude = metadata_number(label, "SPACECRAFT_ALTITUDE")
        image, laid_valid = lay_out_raw(image, channels, meta, framelet_valid=framelet_valid,
                                        altitude_km=altitude)  # fmt: skip
        shape = (*image.shape[:2], 1)
        valid = np.ones(shape, bool) if laid_valid is None else laid_valid.reshape(shape)
        name = "junocam"
    else:
        image, n = raw.astype(np.float32), raw.shape[2]
        named = isinstance(filters, list) and len(filters) == n
        channels = [str(f).strip().lower() for f in filters] if named else []
        channels = channels or [f"band{i + 1}" for i in range(n)]
        name = str(label.get("INSTRUMENT_ID", "")).strip().lower() or instrument or "unknown"
    scale, offset = float(block.get("SCALING_FACTOR", 1.0)), float(block.get("OFFSET", 0.0))
    if (scale, offset) != (1.0, 0.0):
        image = image * np.float32(scale) + np.float32(offset)
        meta["scaling"] = [scale, offset]
    every_band = valid[:, :, 0].copy()
    for band in range(1, valid.shape[2]):  # (faster than valid.all(axis=2))
        every_band &= valid[:, :, band]
    frame = Frame(image, channels, name, str(path), meta, None, every_band)
    if mapped:
        place_pds3_map(frame, label, label_path)
    return frame


def _is_junocam(product: str, ident: str) -> bool:
    """A JunoCam product: by its product id, or its INSTRUMENT_ID / INSTRUMENT_NAME (`ident`)."""
    return bool(PRODUCT_ID.match(product)) or "JNC" in ident.split() or "EPO CAMERA" in ident


def _map_bands(raw: np.ndarray, filters: Any, label: Mapping[str, Any], ident: str,
               instrument: str | None) -> tuple[np.ndarray, list[str], str]:  # fmt: skip
    """A map product's image, channels and instrument: one channel per band, named by
    FILTER_NAME; a JunoCam map of three bands is red, green, blue (its composites' order)."""
    n = raw.shape[2]
    junocam = _is_junocam(str(label.get("PRODUCT_ID", "")).strip(), ident)
    if isinstance(filters, list) and len(filters) == n:
        channels = [str(f).strip().lower() for f in filters]
    elif junocam and n == 3:
        channels = ["red", "green", "blue"]
    else:
        channels = ["gray"] if n == 1 else [f"band{i + 1}" for i in range(n)]
    name = "junocam" if junocam else str(label.get("INSTRUMENT_ID", "")).strip().lower()
    return raw.astype(np.float32), channels, name or instrument or "unknown"


def read_label(path: Path, standard: str) -> tuple[Any, dict[str, Any], list[str]]:
    """`pdr`'s product for the label at `path`, its label as plain data, and the warnings `pdr`
    gave (it warns where it could refuse); FrameReadError naming `standard` when unparseable."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = pdr.read(str(path))
            label = plain_label(data.metadata)
        except Exception as err:  # pdr raises many kinds on a malformed label
            raise FrameReadError(path, f"{standard} label cannot be parsed ({err})") from err
    return data, label, [str(w.message) for w in caught]


def jiram_bands(
    label_path: Path,
    image: np.ndarray,
    valid: np.ndarray,
    label: dict[str, Any],
    meta: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    lines, bands, half = image.shape[0], image.shape[2], JIRAM_BAND_LINES
    found = IMAGER_MODE.search(str(label.get("INSTRUMENT_MODE_ID", "")).strip().upper())
    mode = found.group(1) if found else ("I1" if lines == 2 * half else None)
    meta["instrument_mode"] = mode
    if mode != "I1":
        channels, name = JIRAM_MODES.get(mode, ([f"band{i + 1}" for i in range(bands)], "jiram"))
        return image, valid, list(channels), name
    if lines != 2 * half or bands != 1:
        raise FrameReadError(
            label_path,
            f"INSTRUMENT_MODE_ID I1 needs {2 * half} lines (L over M), the image has {lines} "
            f"lines × {bands} bands",
        )
    meta["layout"] = (
        "I1: L = lines 0-127, M = lines 128-255, stacked as channels; adjacent strips of the "
        "focal plane, not co-registered; a pixel is valid where both bands are"
    )
    stacked = [np.concatenate([a[:half], a[half:]], axis=2) for a in (image, valid)]
    return stacked[0], stacked[1], ["L", "M"], "jiram"


def _junocam_order(label_path: Path, filters: Any, product: str, bands: int) -> tuple[str, ...]:
    if bands != 1:
        raise FrameReadError(label_path, f"JunoCam image with {bands} bands; expected 1")
    if isinstance(filters, list) and filters:
        return tuple(str(f).strip().upper() for f in filters)
    match = PRODUCT_ID.match(product)
    if match and match.group(2) in STORAGE_ORDER:
        return STORAGE_ORDER[match.group(2)]
    raise FrameReadError(
        label_path,
        "JunoCam image without FILTER_NAME and without a filter code with a known storage order "
        f"in PRODUCT_ID {product!r} (codes: {', '.join(sorted(FILTER_SETS))})",
    )


def _locate(label_path: Path, label: dict[str, Any]) -> tuple[Path, int]:
    """The file holding the image and its first byte, from ^IMAGE."""
    pointer = label["^IMAGE"]
    if isinstance(pointer, list) and pointer:  # ("FILE.IMG", record) or ("FILE.IMG", n <BYTES>)
        name, where = str(pointer[0]), pointer[1] if len(pointer) > 1 else 1
    elif isinstance(pointer, str):  # "FILE.IMG": from its first byte
        name, where = pointer, 1
    else:  # attached: record number or n <BYTES>
        name, where = None, pointer
    record_bytes = label.get("RECORD_BYTES")
    if isinstance(where, dict) and str(where.get("units", "")).upper() == "BYTES":
        start = int(where["value"]) - 1
    elif isinstance(where, int) and (where == 1 or isinstance(record_bytes, int)):
        start = (where - 1) * (record_bytes or 0)
    else:
        raise FrameReadError(label_path, f"cannot interpret ^IMAGE = {pointer!r} (RECORD_BYTES?)")
    if name is None:
        return label_path, start
    target = named_file(label_path.parent, name)
    if not target.is_file():
        raise FrameReadError(
            label_path, f"^IMAGE points to {name}, which does not exist in {label_path.parent}"
        )
    return target, start


def named_file(folder: Path, name: str) -> Path:
    """The file a label names in `folder`, in whatever case it is there (archives often differ
    in case from their labels); `folder / name` when there is none."""
    target = folder / name
    if not target.is_file():
        target = next((p for p in folder.iterdir() if p.name.lower() == name.lower()), target)
    return target


def _check_size(
    label_path: Path, image_path: Path, start: int, label: dict[str, Any], block: dict[str, Any]
) -> None:
    """Raise unless the file holds what the label describes."""
    try:
        lines, samples = int(block["LINES"]), int(block["LINE_SAMPLES"])
        bits, bands = int(block["SAMPLE_BITS"]), int(block.get("BANDS", 1))
        pad = int(block.get("LINE_PREFIX_BYTES", 0)) + int(block.get("LINE_SUFFIX_BYTES", 0))
    except (KeyError, TypeError, ValueError) as err:
        raise FrameReadError(
            label_path, f"IMAGE object needs integer LINES, LINE_SAMPLES, SAMPLE_BITS ({err!r})"
        ) from None
    if min(lines, samples, bits, bands) <= 0 or bits % 8:
        raise FrameReadError(label_path, f"IMAGE of {lines}×{samples}×{bands} {bits}-bit samples")
    size = image_path.stat().st_size
    need = start + lines * bands * (samples * bits // 8 + pad)
    if size < need:
        raise FrameReadError(
            label_path,
            f"{image_path.name} is truncated: {size} bytes, but LINES {lines} × LINE_SAMPLES "
            f"{samples} × {bits // 8} bytes from byte {start} need {need}",
        )
    records, record_bytes = label.get("FILE_RECORDS"), label.get("RECORD_BYTES")
    if isinstance(records, int) and isinstance(record_bytes, int) and size < records * record_bytes:
        raise FrameReadError(
            label_path,
            f"{image_path.name} is truncated: {size} bytes, but FILE_RECORDS {records} × "
            f"RECORD_BYTES {record_bytes} = {records * record_bytes}",
        )


def _load(label_path: Path, data: Any) -> np.ndarray:
    """The IMAGE array as H×W×B (bands last)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            array = data["IMAGE"]
        except Exception as err:
            raise FrameReadError(label_path, f"pdr could not read the IMAGE ({err})") from err
    if not isinstance(array, np.ndarray) or array.ndim not in (2, 3):
        notes = "; ".join(str(w.message) for w in caught) or f"got {type(array).__name__}"
        raise FrameReadError(label_path, f"pdr could not read the IMAGE: {notes}")
    return array[:, :, None] if array.ndim == 2 else np.moveaxis(array, 0, -1)


def _byte_order(
    raw: np.ndarray, block: dict[str, Any], fills: list[float], meta: dict[str, Any]
) -> np.ndarray:
    """Little-endian instead of the labelled big-endian when only that gives sane floats."""
    meta["byte_order"] = order_name(raw.dtype)
    if raw.dtype.byteorder != ">":
        return raw
    raw, note = saner_order(
        raw, lambda values: is_fill(values, fills), str(block.get("SAMPLE_TYPE"))
    )
    if note:
        meta["byte_order"], meta["byte_order_note"] = order_name(raw.dtype), note
    return raw


def is_fill(raw: np.ndarray, fills: list[float]) -> np.ndarray:
    """True where a pixel equals a fill value (large ints in a float image are bit patterns)."""
    mask = np.zeros(raw.shape, bool)
    for value in fills:
        if raw.dtype.kind == "f" and isinstance(value, int) and abs(value) >= 2**24:
            bits = np.array(value & (2 ** (8 * raw.itemsize) - 1), f"u{raw.itemsize}")
            value = bits.view(f"f{raw.itemsize}")
        elif raw.dtype.kind in "iu":
            info = np.iinfo(raw.dtype)
            if info.min < 0 and info.max < value < 2**info.bits:  # hex two's complement
                value -= 2**info.bits
            if not (np.isfinite(value) and value == int(value) and info.min <= value <= info.max):
                continue  # a value this sample type cannot hold marks nothing
            value = int(value)
        mask |= raw == np.asarray(value).astype(raw.dtype)
    return mask


def plain_label(value: Any) -> Any:
    """Label values as plain data: dicts, lists, str, int, float, bool, None."""
    if isinstance(value, Mapping) or hasattr(value, "getall"):
        grouped: dict[str, list[Any]] = {}  # a repeated key (several objects) becomes a list
        for key, item in value.items():
            grouped.setdefault(str(key), []).append(plain_label(item))
        return {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain_label(v) for v in value]
        return items if isinstance(value, list | tuple) else sorted(items, key=str)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)
