"""PDS4 image products through `pdr`: an XML label (``Product_Observational``) beside its data
file, as the PDS4 ``juno_jiram_bundle`` (orbits 01–77, PHYSICS.md §4) serves JIRAM.

The label is read for what a frame needs (the image array, its special constants, scaling, unit,
start time, the instrument); the pixels come through `pdr` after the data file's size is checked
against the label, because a short file is otherwise read as whatever part is there.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from jovis.frame import Frame
from jovis.geometry.maps import MAP_AFFINE
from jovis.io.byte_order import order_name, saner_order
from jovis.io.errors import FrameReadError
from jovis.io.isis_mapping import place_mapped
from jovis.io.junocam_raw import PRODUCT_ID
from jovis.io.pds3 import is_fill, jiram_bands, named_file, read_label
from jovis.io.pds4_cartography import cart_map
from jovis.io.pds4_label import IMAGE_CLASSES, label_beside

SPECIAL_KEYS = (
    "missing_constant",
    "invalid_constant",
    "unknown_constant",
    "not_applicable_constant",
    "error_constant",
    "high_instrument_saturation",
    "high_representation_saturation",
    "low_instrument_saturation",
    "low_representation_saturation",
    "saturated_constant",
)
_ROWS_COLUMNS = ("line", "sample")  # the axes of an image's plane; any other axis is its band


def read_pds4(path: Path, instrument: str | None = None) -> Frame:
    """Read the first image array of a PDS4 product (its label, or its data file beside one).

    Channels: one per band of an Array_3D_Image (``band1``…), or, for JIRAM (a ``jiram``
    logical identifier, a ``jir_`` file or the instrument named in the label), L over M as in
    `jovis.io.pds3` (256 lines: L = lines 0–127, M = 128–255). Special constants (missing,
    invalid, saturated...) and NaN are ``valid = False``; ``scaling_factor`` / ``value_offset``
    are applied; floats whose labelled byte order gives absurd values while the other gives sane
    ones are read in the other (``meta["byte_order_note"]``). ``meta["label"]`` keeps the label
    as plain data, ``meta["time"]`` its ``start_date_time``, ``meta["units"]`` the array's unit.

    Raises
    ------
    FrameReadError
        Naming the file and the reason: not an observational product, no image array, a data
        file missing or shorter than the label says, pdr failure.
    """
    path = Path(path)
    label_path = path if path.suffix.lower() == ".xml" else label_beside(path)
    if label_path is None:
        raise FrameReadError(path, "a PDS4 data file needs its .xml label beside it")
    data, label, _ = read_label(label_path, "PDS4")
    product = label.get("Product_Observational")
    if not isinstance(product, dict):
        raise FrameReadError(label_path, "not a PDS4 observational product (no "
                                         "Product_Observational in the label)")  # fmt: skip
    cart = cart_map(label_path)
    if _is_junocam(label_path, product) and cart is None:  # (a map holds no framelets)
        raise FrameReadError(label_path, "a JunoCam PDS4 product: its framelets are not split "
                                         "into filters from a PDS4 label; give the PDS3 EDR/RDR "
                                         "or the mission website's products")  # fmt: skip
    jiram = _is_jiram(label_path, product)
    if jiram and "_spe_" in label_path.name.lower():
        raise FrameReadError(
            label_path,
            "a JIRAM spectrometer product (spectra along the slit), not an image; give the "
            "imager's jir_img products",
        )
    area, block, kind = _image_block(label_path, product)
    data_path = _data_file(label_path, area)
    _check_size(label_path, data_path, block)
    raw = _load(label_path, data, block)

    meta: dict[str, Any] = {"format": "pds4", "label": label, "label_file": label_path.name,
                            "image_file": data_path.name, "array_class": kind}  # fmt: skip
    element = block.get("Element_Array") or {}
    specials = _specials(block.get("Special_Constants"))
    meta["fill_values"] = specials
    meta["byte_order"] = order_name(raw.dtype)
    raw, note = saner_order(raw, lambda values: is_fill(values, specials),
                            str(element.get("data_type", "")))  # fmt: skip
    if note:
        meta["byte_order"], meta["byte_order_note"] = order_name(raw.dtype), note
    valid = ~is_fill(raw, specials)
    image = raw.astype(np.float32)
    scale, offset = (
        _number(element.get("scaling_factor"), 1.0),
        _number(element.get("value_offset"), 0.0),
    )
    if (scale, offset) != (1.0, 0.0):
        image = image * np.float32(scale) + np.float32(offset)
        meta["scaling"] = [scale, offset]
    meta["units"] = str(element.get("unit", "")).strip() or None
    times = (product.get("Observation_Area") or {}).get("Time_Coordinates") or {}
    if times.get("start_date_time"):
        meta["time"] = str(times["start_date_time"]).strip()
    if jiram:
        jiram_label = {"INSTRUMENT_MODE_ID": _jiram_mode(product)}
        image, valid, channels, name = jiram_bands(label_path, image, valid, jiram_label, meta)
    else:
        n = image.shape[2]
        channels, name = (["gray"] if n == 1 else [f"band{i + 1}" for i in range(n)]), None
    every_band = np.all(valid, axis=2)
    frame = Frame(image, channels, name or instrument or "unknown", str(path), meta, None,
                  every_band)  # fmt: skip
    if cart is not None:  # a map: placed as ISIS places the Mapping group it came from
        if cart.corner is not None:  # map coordinates to pixels (labels a GIS drew on it)
            meta[MAP_AFFINE] = cart.corner
        meta["grid_source"] = cart.note
        try:
            if cart.mapping is not None and place_mapped(
                frame,
                cart.mapping,
                f"{label_path.name}'s cart:Cartography",
                source="PDS4 cart:Cartography",
            ):  # (kept as written: the mask product is put on the same map)
                meta["pds4_cartography"] = cart.xml
        except ValueError as err:
            meta["grid_source"] = f"none: {err}"
    return frame


def _image_block(label_path: Path, product: dict[str, Any]) -> tuple[dict, dict, str]:
    """The file area and the array block of the product's first image (Array_*_Image first)."""
    areas = _as_list(product.get("File_Area_Observational"))
    found = []
    for area in areas:
        for rank, kind in enumerate(IMAGE_CLASSES):
            found += [(rank, area, block, kind) for block in _as_list(area.get(kind))]
    if not found:
        classes = sorted({k for a in areas for k in a if k.startswith(("Array", "Table"))})
        raise FrameReadError(
            label_path,
            f"PDS4 product without an image array ({', '.join(IMAGE_CLASSES)}); it has "
            f"{', '.join(classes) or 'no array'}",
        )
    _, area, block, kind = min(found, key=lambda item: item[0])
    return area, block, kind


def _data_file(label_path: Path, area: dict[str, Any]) -> Path:
    name = str((area.get("File") or {}).get("file_name", "")).strip()
    if not name:
        raise FrameReadError(label_path, "PDS4 file area without a File/file_name")
    target = named_file(label_path.parent, name)
    if not target.is_file():
        raise FrameReadError(label_path, f"the label's file_name {name} does not exist in "
                                         f"{label_path.parent}")  # fmt: skip
    return target


def _axes(block: dict[str, Any]) -> list[tuple[str, int]]:
    axes = sorted(
        _as_list(block.get("Axis_Array")), key=lambda a: int(_number(a.get("sequence_number"), 0))
    )
    return [(str(a.get("axis_name", "")).strip().lower(), int(_number(a.get("elements"), 0)))
            for a in axes]  # fmt: skip


def _check_size(label_path: Path, data_path: Path, block: dict[str, Any]) -> None:
    element = block.get("Element_Array") or {}
    data_type = str(element.get("data_type", ""))
    width = _item_bytes(data_type)
    axes = _axes(block)
    sizes = [n for _, n in axes]
    if width is None or not sizes or min(sizes) <= 0:
        raise FrameReadError(label_path, f"PDS4 array with data_type {data_type!r} and axes "
                                         f"{axes}: not an image jovis reads")  # fmt: skip
    offset = int(_number(block.get("offset"), 0))
    need = offset + math.prod(sizes) * width
    have = data_path.stat().st_size
    if have < need:
        raise FrameReadError(label_path, f"{data_path.name} is truncated: {have} bytes, but the "
                                         f"array of {'×'.join(map(str, sizes))} × {width} bytes "
                                         f"from byte {offset} needs {need}")  # fmt: skip


def _item_bytes(data_type: str) -> int | None:
    """Bytes per element of a PDS4 data_type (SignedMSB2, IEEE754LSBSingle, UnsignedByte...)."""
    if data_type.endswith("Byte"):
        return 1
    if data_type.endswith("Single"):
        return 4
    if data_type.endswith("Double"):
        return 8
    found = re.search(r"(?:LSB|MSB)([248])$", data_type)
    return int(found.group(1)) if found and "Complex" not in data_type else None


def _load(label_path: Path, data: Any, block: dict[str, Any]) -> np.ndarray:
    """The array as H×W×B: the axes not named line or sample are the bands."""
    key = str(block.get("local_identifier") or block.get("name") or "").strip().replace(" ", "_")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # pdr names an array by its local identifier; else the first array it holds
            names = [key] if key in data.keys() else [k for k in data.keys() if k != "label"]
            array = next((a for a in map(data.__getitem__, names) if isinstance(a, np.ndarray)),
                         None)  # fmt: skip
        except Exception as err:
            raise FrameReadError(label_path, f"pdr could not read the image array ({err})") from err
    if not isinstance(array, np.ndarray) or array.ndim not in (2, 3):
        notes = "; ".join(str(w.message) for w in caught) or f"got {type(array).__name__}"
        raise FrameReadError(label_path, f"pdr could not read the image array: {notes}")
    if array.ndim == 2:
        return array[:, :, None]
    names = [name for name, _ in _axes(block)]
    plane = [i for i, name in enumerate(names) if name in _ROWS_COLUMNS]
    band = next((i for i in range(3) if i not in plane), None) if len(plane) == 2 else None
    band = int(np.argmin(array.shape)) if band is None else band
    return np.moveaxis(array, band, -1)


def _specials(block: Any) -> list[float]:
    block = block if isinstance(block, dict) else {}
    numbers = [_number(block.get(key), None) for key in SPECIAL_KEYS]
    return [int(n) if n.is_integer() else n for n in numbers if n is not None]


def _as_list(value: Any) -> list[dict[str, Any]]:
    """A label element that may be repeated (a list of blocks), given once (a block) or absent."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [value] if isinstance(value, dict) else []


def _is_jiram(label_path: Path, product: dict[str, Any]) -> bool:
    ident = str((product.get("Identification_Area") or {}).get("logical_identifier", "")).lower()
    system = str((product.get("Observation_Area") or {}).get("Observing_System", "")).lower()
    return ("jiram" in ident or label_path.name.lower().startswith("jir_") or "jiram" in system
            or "infrared auroral mapper" in system)  # fmt: skip


def _is_junocam(label_path: Path, product: dict[str, Any]) -> bool:
    ident = str((product.get("Identification_Area") or {}).get("logical_identifier", "")).lower()
    return "junocam" in ident or PRODUCT_ID.match(label_path.stem.upper()) is not None


def _jiram_mode(product: dict[str, Any]) -> str:
    """The imager mode: an ``instrument_mode_id`` anywhere in the label, else the mode of a
    single-band product whose ``filter_name`` is L or M (I3, I2); "" when neither says."""
    mode = _find(product, "instrument_mode_id")
    if mode:
        return str(mode)
    band = str(_find(product, "filter_name") or "").strip().upper()
    return {"L": "I3", "M": "I2"}.get(band, "")


def _find(value: Any, key: str) -> Any:
    """The first value of `key` anywhere in nested label data (mission areas vary)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k.split(":")[-1].lower() == key:  # a mission area's keys carry a prefix
                return v
            found = _find(v, key)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _find(item, key)
            if found is not None:
                return found
    return None


def _number(value: Any, default: float | None) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default
