"""VICAR images (JPL's format): JIRAM's published polar maps are VICAR float32 with a background
of exactly 0 (PHYSICS.md §4).

The label is ASCII at the start of the file: ``LBLSIZE=<bytes>`` first, then ``KEY=value`` items
(integers, reals, ``'strings'`` with ``''`` for a quote, ``(lists)``); the system items say the
pixel type (``FORMAT``), size (``NL``, ``NS``, ``NB``), organisation (``ORG``), the records
(``RECSIZE``, binary header records ``NLB``, binary prefix bytes ``NBB``) and the byte order
(``INTFMT``, ``REALFMT``). Tasks append history items with the same keys, so the first
occurrence of a key is the system label's.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np

from jovis.frame import Frame
from jovis.io.byte_order import ABSURD_TEXT, n_absurd, order_name
from jovis.io.errors import FrameReadError

log = logging.getLogger(__name__)
VICAR_MAGIC = b"LBLSIZE="
# FORMAT → (numpy kind and size, whether it is a float)
PIXEL_TYPES = {
    "BYTE": ("u1", False),
    "HALF": ("i2", False),
    "WORD": ("i2", False),
    "FULL": ("i4", False),
    "LONG": ("i4", False),
    "REAL": ("f4", True),
    "DOUB": ("f8", True),
}
INT_ORDERS = {"LOW": "<", "HIGH": ">"}
REAL_ORDERS = {"RIEEE": "<", "IEEE": ">", "VAX": "vax"}
_ORDER_NAMES = {"<": "little", ">": "big", "vax": "vax"}
_ITEM = re.compile(r"\s*([A-Z_][A-Z0-9_]*)\s*=\s*('(?:[^']|'')*'|\([^)]*\)|[^\s']+)", re.I)
_LABEL_SIZE = re.compile(rb"^LBLSIZE\s*=\s*(\d+)")


def parse_label(text: str) -> dict[str, Any]:
    """The label's items as plain data, keys upper case, the first occurrence of each kept."""
    items: dict[str, Any] = {}
    for key, raw in _ITEM.findall(text.split("\x00", 1)[0]):
        items.setdefault(key.upper(), _value(raw))
    return items


def _value(raw: str) -> Any:
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    if raw.startswith("("):
        return [_value(part.strip()) for part in _split_list(raw[1:-1])]
    return number_or_text(raw)


def number_or_text(raw: str) -> int | float | str:
    """An unquoted label value as an integer, else a real, else the text (VICAR, PVL)."""
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


def _split_list(body: str) -> list[str]:
    """A list's elements: commas outside quoted strings separate them."""
    return [m.group(0) for m in re.finditer(r"'(?:[^']|'')*'|[^,]+", body) if m.group(0).strip()]


def read_label(path: Path) -> dict[str, Any]:
    """The label of a VICAR file (FrameReadError when LBLSIZE is missing or beyond the file)."""
    with open(path, "rb") as fh:
        size = label_size(fh.read(64))
        if size is None:
            raise FrameReadError(path, "VICAR label without a positive LBLSIZE as its first item")
        have = path.stat().st_size
        if have < size:  # before reading: a damaged LBLSIZE may ask for terabytes
            raise FrameReadError(path, f"truncated VICAR file: LBLSIZE={size} but {have} bytes")
        fh.seek(0)
        text = fh.read(size)
    return parse_label(text.decode("latin-1"))


def label_size(head: bytes) -> int | None:
    """LBLSIZE from a VICAR file's first bytes (None when it is not a positive integer there)."""
    found = _LABEL_SIZE.match(head)
    return int(found.group(1)) or None if found else None


def declared_shape(label: dict[str, Any]) -> tuple[int, int, int] | None:
    """(NL, NS, NB) from the label; None when NL or NS is missing or not a positive integer."""
    nl, ns, nb = label.get("NL"), label.get("NS"), label.get("NB", 1)
    if not all(isinstance(v, int) and v > 0 for v in (nl, ns, nb)):
        return None
    return nl, ns, nb


def read_vicar(path: Path, instrument: str | None = None) -> Frame:
    """Read a VICAR image as a frame (H×W×NB, bands as channels ``gray`` or ``c0``, ``c1``...).

    BYTE, HALF, FULL, REAL and DOUB pixels in any ORG (BSQ, BIL, BIP), skipping the binary
    header records (NLB) and each record's binary prefix (NBB). Integers follow INTFMT (LOW =
    little-endian, the default); floats follow REALFMT (RIEEE little-, IEEE big-endian, VAX F
    floats converted). A label without REALFMT is read in the order that gives sane floats
    (VAX, VICAR's default, when none is better; ``meta["byte_order_note"]``). In a float image
    NaN and pixels of exactly 0 are no data: the background of the JIRAM polar maps
    (``meta["zero_background_px"]`` counts them). Every label item is kept in ``meta["label"]``;
    ``meta["time"]`` is START_TIME (or IMAGE_TIME) when the label has one. A JIRAM imager
    product (CAMERA_NAME 'JIRM' or a ``JIR_IMG`` PRODUCT_ID) with FILTER_NAME L or M is that
    band's frame (channel ``L``/``M``, instrument ``jiram_l``/``jiram_m``), as the PJ4 maps are.

    Raises
    ------
    FrameReadError
        Naming the file and the reason: no LBLSIZE, a size or FORMAT the reader does not take,
        a file shorter than its label says.
    """
    path = Path(path)
    label = read_label(path)
    shape = declared_shape(label)
    if shape is None:
        raise FrameReadError(path, f"VICAR label needs positive integer NL and NS (got NL="
                                   f"{label.get('NL')!r}, NS={label.get('NS')!r}, NB="
                                   f"{label.get('NB', 1)!r})")  # fmt: skip
    nl, ns, nb = shape
    form = str(label.get("FORMAT", "BYTE")).upper()
    if form not in PIXEL_TYPES:
        raise FrameReadError(
            path,
            f"VICAR FORMAT={form!r} is not read; valid: {', '.join(PIXEL_TYPES)} (complex "
            "pixels are not images)",
        )
    kind, is_float = PIXEL_TYPES[form]
    size = int(kind[1])
    org = str(label.get("ORG", "BSQ")).upper()
    # records of N1 pixels, N2 records per N3 block, per organisation
    layouts = {"BSQ": (nb, nl, ns), "BIL": (nl, nb, ns), "BIP": (nl, ns, nb)}
    if org not in layouts:
        raise FrameReadError(path, f"VICAR ORG={org!r}; valid: BSQ, BIL, BIP")
    n3, n2, n1 = layouts[org]
    nbb, nlb = int(label.get("NBB", 0) or 0), int(label.get("NLB", 0) or 0)
    recsize = int(label.get("RECSIZE", 0) or 0) or nbb + n1 * size
    if min(nbb, nlb) < 0:
        raise FrameReadError(path, f"VICAR NBB={nbb}, NLB={nlb}: byte and record counts >= 0")
    if recsize < nbb + n1 * size:
        raise FrameReadError(path, f"VICAR RECSIZE={recsize} is shorter than NBB {nbb} + "
                                   f"{n1} pixels × {size} bytes")  # fmt: skip
    start = int(label["LBLSIZE"]) + nlb * recsize
    need = start + n3 * n2 * recsize
    have = path.stat().st_size
    if have < need:
        raise FrameReadError(
            path,
            f"truncated VICAR file: {have} bytes, but LBLSIZE + NLB {nlb} records + {n3 * n2} "
            f"records of {recsize} bytes need {need}",
        )
    with open(path, "rb") as fh:
        fh.seek(start)
        records = np.frombuffer(fh.read(n3 * n2 * recsize), np.uint8).reshape(n3, n2, recsize)
    pixels = np.ascontiguousarray(records[:, :, nbb : nbb + n1 * size])
    meta: dict[str, Any] = {"format": "vicar", "dtype": form, "label": label}
    stamp = label.get("START_TIME") or label.get("IMAGE_TIME")  # not DAT_TIM: when processed
    if stamp:
        meta["time"] = str(stamp).strip()
    values = _decode(pixels, kind, is_float, label, meta).reshape(n3, n2, n1)
    image = {"BSQ": lambda v: np.moveaxis(v, 0, -1), "BIL": lambda v: np.moveaxis(v, 1, -1),
             "BIP": lambda v: v}[org](values).astype(np.float32)  # fmt: skip
    valid = np.all(np.isfinite(image), axis=2)
    if is_float:
        zero = np.all(image == 0, axis=2)
        meta["zero_background_px"] = int(np.count_nonzero(zero))
        valid &= ~zero
    meta["grid_source"] = _grid_note(path, label)
    band = _jiram_band(label) if nb == 1 else None
    if band is not None:  # a JIRAM map: its band names the frame's channel and instrument
        return Frame(image, [band], f"jiram_{band.lower()}", str(path), meta, None, valid)
    channels = ["gray"] if nb == 1 else [f"c{i}" for i in range(nb)]
    return Frame(image, channels, instrument or "unknown", str(path), meta, None, valid)


def _jiram_band(label: dict[str, Any]) -> str | None:
    """``L`` or ``M`` for a JIRAM imager product (the PJ4 maps' labels: CAMERA_NAME='JIRM',
    PRODUCT_ID='JIR_IMG_RDR_...', FILTER_NAME='M'), None for anything else."""
    camera = str(label.get("CAMERA_NAME", "")).strip().upper()
    product = str(label.get("PRODUCT_ID", "")).strip().upper()
    band = str(label.get("FILTER_NAME", "")).strip().upper()
    jiram = camera in ("JIRM", "JIRAM") or product.startswith("JIR_IMG")
    return band if jiram and band in ("L", "M") else None


def _grid_note(path: Path, label: dict[str, Any]) -> str:
    """Why the frame has no grid, and what to declare beside it: a JIRAM map's label (MIPL's
    MPROJ, MPS, DU) gives its scale and orientation but not its pole's pixel (MPOX/MPOY are of
    a larger grid: 3800 where the PJ4 maps' pole is at 1800, ksr-ocean/jiram_catalog's fit)."""
    note = (f"none: a VICAR label holds no polar grid jovis can take; declare it beside the file "
            f"({path.name}.map.json)")  # fmt: skip
    scale, du = label.get("MPS"), label.get("DU")
    if "MPROJ" not in label or not isinstance(scale, int | float) or scale <= 0:
        return (f"{note}, for a JIRAM polar map {{projection: oblate_orthographic, hemisphere, "
                "pole_x, pole_y, km_per_px, lon_at_x, lon_sense}")  # fmt: skip
    west = f"{float(du) % 360:g}" if isinstance(du, int | float) else "<W longitude of +sample>"
    return (f"{note}: its map label (MPROJ={label['MPROJ']}, MPS={scale:g}, DU={du}) reads as "
            f"JIRAM's polar maps, {{projection: oblate_orthographic, km_per_px: {scale:g}, "
            f"lon_at_x: {west}, lon_sense: clockwise (north; east longitude counter-clockwise), "
            "hemisphere, pole_x, pole_y}, the pole's pixel not in the label (MPOX/MPOY refer "
            "to a larger grid; the PJ4 maps have it at 1800, 1800)")  # fmt: skip


def _decode(pixels: np.ndarray, kind: str, is_float: bool, label: dict[str, Any],
            meta: dict[str, Any]) -> np.ndarray:  # fmt: skip
    """The pixel values of `pixels` (raw bytes, any shape with the pixels on the last axis)."""
    if not is_float:
        order = INT_ORDERS.get(str(label.get("INTFMT", "LOW")).upper())
        if order is None:
            raise ValueError(f"INTFMT={label.get('INTFMT')!r}; valid: {', '.join(INT_ORDERS)}")
        meta["byte_order"] = order_name(np.dtype(order + kind))
        return pixels.view(np.dtype(order + kind)).ravel()
    realfmt = label.get("REALFMT")
    if realfmt is not None:
        order = REAL_ORDERS.get(str(realfmt).upper())
        if order is None:
            raise ValueError(f"REALFMT={realfmt!r}; valid: {', '.join(REAL_ORDERS)}")
        meta["byte_order"] = _ORDER_NAMES[order]
        return _floats(pixels, kind, order)
    decoded = {name: _floats(pixels, kind, order) for name, order in REAL_ORDERS.items()
               if kind == "f4" or order != "vax"}  # fmt: skip
    counts = {name: n_absurd(values) for name, values in decoded.items()}
    best = min(counts, key=lambda name: (counts[name], name != "VAX"))  # a tie: VICAR's default
    meta["byte_order"] = _ORDER_NAMES[REAL_ORDERS[best]]
    meta["byte_order_note"] = (
        f"label has no REALFMT: read as {best}, the order with the fewest absurd values "
        f"({ABSURD_TEXT}) of {pixels.size // int(kind[1])}: "
        + ", ".join(f"{name} {n}" for name, n in counts.items())
    )
    log.info("%s", meta["byte_order_note"])
    return decoded[best]


def _floats(pixels: np.ndarray, kind: str, order: str) -> np.ndarray:
    if order != "vax":
        return pixels.view(np.dtype(order + kind)).ravel()
    if kind != "f4":
        raise ValueError("VAX double-precision (D/G float) pixels are not read; convert the file "
                         "to IEEE (REALFMT='RIEEE') first")  # fmt: skip
    # VAX F: two little-endian 16-bit words, the high one first; with them swapped the bits are
    # an IEEE single's with the exponent biased by 2 more, so the value is a quarter of it
    bits = np.ascontiguousarray(pixels.reshape(-1, 2, 2)[:, ::-1, :]).reshape(-1).view("<u4")
    with np.errstate(invalid="ignore"):  # VAX's largest exponent reads as IEEE NaN: no data
        values = bits.view("<f4") / np.float32(4.0)
    exponent = (bits >> 23) & 0xFF
    return np.where(exponent == 0, np.float32(0.0), values)  # VAX zero (any fraction)
