"""ISIS cubes (USGS ISIS 3+, ``.cub``): the planetary community's processing format. JunoCam
images brought in with ``junocam2isis`` and map-projected with ``cam2map`` are cubes whose
Mapping group says where every pixel lies.

The label is PVL text at the start of the file (``Object = IsisCube`` ... ``End``), or in a
detached label whose Core names the data file (``^Core``). Core says where the pixels start
(``StartByte``, 1-based), their type, byte order, ``Base`` and ``Multiplier`` (true value = Base +
Multiplier × stored, for integer types) and storage: ``BandSequential``, or ``Tile`` (ISIS's
default): tiles of TileSamples × TileLines, band by band, rows of tiles top to bottom, the tiles of
a row left to right, the tiles at the right and bottom edges stored whole (padded).

Special pixels (ISIS's SpecialPixel.h) are no data: Null, and the low/high instrument and
representation saturations, whose true value is unknown (``meta["special_px"]`` counts each).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np

from jovis.frame import Frame
from jovis.io.errors import FrameReadError
from jovis.io.junocam_raw import CHANNEL_ORDER
from jovis.io.vicar import number_or_text

log = logging.getLogger(__name__)
ISIS_HEAD = re.compile(rb"^\s*Object\s*=\s*IsisCube\b", re.I)
LABEL_LIMIT = 1 << 20  # bytes searched for the label's End (ISIS reserves 64 KiB by default)
PIXEL_TYPES = {
    "UnsignedByte": "u1",
    "SignedWord": "i2",
    "UnsignedWord": "u2",
    "SignedInteger": "i4",
    "UnsignedInteger": "u4",
    "Real": "f4",
}
BYTE_ORDERS = {"lsb": "<", "msb": ">"}
# Integer special pixels: (lowest valid, highest valid) stored values and the names of the
# special values outside them (SpecialPixel.h); SignedInteger has none defined there.
INTEGER_VALID = {
    "u1": (1, 254, {0: "Null", 255: "Hrs"}),  # 0: Null/Lrs/Lis, 255: His/Hrs (one value each)
    "i2": (
        -32752,
        32767,
        {-32768: "Null", -32767: "Lrs", -32766: "Lis", -32765: "His", -32764: "Hrs"},
    ),
    "u2": (3, 65522, {0: "Null", 1: "Lrs", 2: "Lis", 65534: "His", 65535: "Hrs"}),
    "u4": (3, 4294967282, {0: "Null", 1: "Lrs", 2: "Lis", 4294967294: "His", 4294967295: "Hrs"}),
}
# 4-byte float special pixels, by bit pattern; any float below VALID_MIN4 is special
REAL_SPECIAL = {0xFF7FFFFB: "Null", 0xFF7FFFFC: "Lrs", 0xFF7FFFFD: "Lis", 0xFF7FFFFE: "His",
                0xFF7FFFFF: "Hrs"}  # fmt: skip
VALID_MIN4 = np.array([0xFF7FFFFA], "<u4").view("<f4")[0]
# JunoCam's filters as junocam2isis names them (BandBin FilterName): the product's filter names,
# which the other JunoCam readers give as channels in CHANNEL_ORDER (red, green, blue, methane)
JUNOCAM_FILTERS = {name.upper(): name for name in CHANNEL_ORDER}


def is_isis_label(head: bytes) -> bool:
    """Whether a file's first bytes start an ISIS cube label."""
    return ISIS_HEAD.match(head.lstrip(b"\xef\xbb\xbf")) is not None


def label_of(path: Path) -> Path | None:
    """The file holding `path`'s ISIS label: itself when it starts with one, else a detached
    ``<stem>.lbl`` beside it that does (a cube's data file); None when neither does."""
    for candidate in (path, *(path.with_suffix(s) for s in (".lbl", ".LBL"))):
        try:
            with open(candidate, "rb") as fh:
                if is_isis_label(fh.read(64)):
                    return candidate
        except OSError:
            continue
    return None


# -- the label ----------------------------------------------------------------------------------
def parse_label(text: str) -> dict[str, Any]:
    """PVL text as nested plain data: objects and groups are dicts under their names (the first
    of a repeated name kept), values numbers, strings or lists (units such as ``<meters>``
    dropped). Stops at ``End``; a text without it is parsed as far as it goes."""
    root: dict[str, Any] = {}
    stack = [root]
    for key, raw in _statements(text):
        word = key.lower()
        if word == "end":
            break
        if word in ("end_object", "end_group", "endobject", "endgroup"):
            if len(stack) > 1:
                stack.pop()
            continue
        if word in ("object", "group"):
            block: dict[str, Any] = {}
            stack[-1].setdefault(str(_value(raw)), block)
            stack.append(block)
            continue
        stack[-1].setdefault(key, _value(raw))
    return root


def _statements(text: str):
    """(key, raw value) of each ``key = value`` statement; a value whose parentheses or quotes
    are open continues on the next lines."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    pending = ""
    for line in text.splitlines():
        line = pending + (" " if pending else "") + line.strip()
        if not line:
            continue
        bare = re.sub(r'"[^"]*"', "", line)  # parentheses inside a quoted string do not count
        if bare.count("(") > bare.count(")") or line.count('"') % 2:
            pending = line
            continue
        pending = ""
        key, eq, raw = line.partition("=")
        yield key.strip(), raw.strip() if eq else ""


def _value(raw: str) -> Any:
    raw = re.sub(r"<[^>]*>\s*$", "", raw).strip()  # a unit after the value
    if raw.startswith("(") and raw.endswith(")"):
        return [_value(part) for part in _split(raw[1:-1])]
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return number_or_text(raw)


def _split(body: str) -> list[str]:
    """A list's elements: commas outside quotes separate them."""
    return [m.group(0).strip() for m in re.finditer(r'"[^"]*"|\'[^\']*\'|[^,]+', body)
            if m.group(0).strip()]  # fmt: skip


def find(block: dict[str, Any], *names: str) -> Any:
    """The value at `names` (objects, groups, then a key) in a parsed label, matched without
    regard to case as PVL is; None when any is missing."""
    for name in names:
        if not isinstance(block, dict):
            return None
        block = next((v for k, v in block.items() if k.lower() == name.lower()), None)
    return block


def read_label(path: Path) -> dict[str, Any]:
    """The parsed label of an ISIS cube (or of its detached label file)."""
    return parse_label(label_text(path))


def label_text(path: Path) -> str:
    """The PVL text of an ISIS cube's label, up to its End line."""
    with open(path, "rb") as fh:
        head = fh.read(LABEL_LIMIT)
    end = re.search(rb"^[ \t]*End[ \t]*\r?$", head, re.I | re.M)
    if end is None:
        raise FrameReadError(
            path,
            f"ISIS label without its End line in the first {LABEL_LIMIT // 1024} KiB (a "
            "truncated or damaged label)",
        )
    return head[: end.end()].decode("latin-1")


def group_text(text: str, name: str) -> str | None:
    """The first ``Group = name`` ... ``End_Group`` of a label's text, as written (units and
    all), for copying into a cube of our own; None when there is none."""
    found = re.search(rf"^[ \t]*Group[ \t]*=[ \t]*{name}[ \t]*\r?\n.*?^[ \t]*End_Group[ \t]*\r?$",
                      text, re.I | re.M | re.S)  # fmt: skip
    return found.group(0).strip() if found else None


def declared_shape(label: dict[str, Any]) -> tuple[int, int, int] | None:
    """(Samples, Lines, Bands) of the Core's Dimensions; None unless all are positive integers."""
    dims = [find(label, "IsisCube", "Core", "Dimensions", k) for k in ("Samples", "Lines", "Bands")]
    if not all(isinstance(n, int) and n > 0 for n in dims):
        return None
    return dims[0], dims[1], dims[2]


# -- the pixels ---------------------------------------------------------------------------------
def read_isis(path: Path, instrument: str | None = None) -> Frame:
    """Read an ISIS cube as a frame (H × W × Bands).

    Channels: a JunoCam cube's (InstrumentId JNC) BandBin filters as the JunoCam readers name
    them, ``red``, ``green``, ``blue``, ``methane``, in that order (instrument ``junocam``);
    otherwise ``gray`` or ``c0``, ``c1``... Special pixels and NaN are no data.
    ``meta["time"]`` is the Instrument group's StartTime. A cube projected by ISIS gets its
    geometry from the Mapping group (`jovis.io.isis_mapping`): a polar stereographic or
    orthographic map about a pole becomes the frame's polar grid, an equirectangular or simple
    cylindrical one its ``meta["map"]``; where the Mapping group says a map jovis cannot place,
    ``meta["grid_source"]`` says why.

    Raises
    ------
    FrameReadError
        Naming the file and the reason: a label without End, Dimensions or a pixel type the
        reader does not take, a Format other than Tile or BandSequential, a data file shorter
        than the label says, a detached label's data file missing.
    """
    from jovis.geometry.maps import MAP_AFFINE
    from jovis.io.isis_mapping import map_affine, place_mapped

    path = Path(path)
    label_path = label_of(path)
    if label_path is None:
        raise FrameReadError(path, "no ISIS label in it nor beside it (<name>.lbl)")
    if label_path != path:  # the data file of a detached label: read as the label says
        path = label_path
    text = label_text(path)
    label = parse_label(text)
    shape = declared_shape(label)
    if shape is None:
        dims = find(label, "IsisCube", "Core", "Dimensions")
        raise FrameReadError(path, f"ISIS Core Dimensions need positive integer Samples, Lines "
                                   f"and Bands (got {dims!r})")  # fmt: skip
    core = find(label, "IsisCube", "Core")
    values, meta = _pixels(path, core, shape)
    image = np.moveaxis(values, 0, -1)
    meta["label"] = label
    valid = np.all(np.isfinite(image), axis=2)
    stamp = find(label, "IsisCube", "Instrument", "StartTime")
    if stamp:
        meta["time"] = str(stamp).strip()
    image, channels, name = channels_of(path, image, label, instrument, meta)
    frame = Frame(image.astype(np.float32, copy=False), channels, name, str(path), meta, None,
                  valid)  # fmt: skip
    mapping = find(label, "IsisCube", "Mapping")
    if isinstance(mapping, dict):
        affine = map_affine(mapping)
        if affine is not None:  # map coordinates to pixels (labels a GIS drew on the cube)
            meta[MAP_AFFINE] = affine
        if place_mapped(frame, mapping, f"{path.name}'s Mapping group"):
            meta["isis_mapping_pvl"] = group_text(text, "Mapping")  # the mask cube goes on it
    return frame


def _pixels(path: Path, core: dict[str, Any], shape: tuple[int, int, int]):
    """The cube's values (Bands × Lines × Samples, NaN for special pixels) and the metadata of
    their decoding."""
    ns, nl, nb = shape
    type_name = str(find(core, "Pixels", "Type") or "")
    kind = PIXEL_TYPES.get(type_name)
    if kind is None:
        raise FrameReadError(path, f"ISIS pixel Type={type_name!r} is not read; valid: "
                                   f"{', '.join(PIXEL_TYPES)}")  # fmt: skip
    order_name = str(find(core, "Pixels", "ByteOrder") or "Lsb")
    order = BYTE_ORDERS.get(order_name.lower())
    if order is None:
        raise FrameReadError(path, f"ISIS ByteOrder={order_name!r}; valid: Lsb, Msb")
    storage = str(find(core, "Format") or "Tile")
    if storage.lower() == "tile":
        tile_s, tile_l = find(core, "TileSamples"), find(core, "TileLines")
        if not all(isinstance(n, int) and n > 0 for n in (tile_s, tile_l)):
            raise FrameReadError(path, f"ISIS Format=Tile needs positive integer TileSamples and "
                                       f"TileLines (got {tile_s!r}, {tile_l!r})")  # fmt: skip
    elif storage.lower() == "bandsequential":
        tile_s, tile_l = ns, nl  # one tile a band
    else:
        raise FrameReadError(path, f"ISIS Format={storage!r}; valid: Tile, BandSequential")
    start = find(core, "StartByte")
    if not (isinstance(start, int) and start >= 1):
        raise FrameReadError(path, f"ISIS Core StartByte={start!r} must be an integer >= 1")
    data_path = path
    pointer = find(core, "^Core")
    if pointer is not None:  # a detached label: the pixels are in the file it names
        from jovis.io.pds3 import named_file

        data_path = named_file(path.parent, str(pointer))
        if not data_path.is_file():
            raise FrameReadError(path, f"detached ISIS label names ^Core={pointer!r}, which is "
                                       f"not in {path.parent}")  # fmt: skip
    across, down = -(-ns // tile_s), -(-nl // tile_l)  # tiles per row and per column
    size = np.dtype(kind).itemsize
    need = (start - 1) + nb * down * across * tile_l * tile_s * size
    have = data_path.stat().st_size
    if have < need:
        raise FrameReadError(path, f"truncated ISIS cube: {data_path.name} has {have} bytes, the "
                                   f"label's StartByte {start} and {nb} band(s) of {down} × "
                                   f"{across} tiles of {tile_l} × {tile_s} {type_name} pixels "
                                   f"need {need}")  # fmt: skip
    count = nb * down * across * tile_l * tile_s
    with open(data_path, "rb") as fh:
        fh.seek(start - 1)
        raw = np.frombuffer(fh.read(count * size), np.dtype(order + kind))
    # (band, tile row, tile column, line in tile, sample in tile) → (band, line, sample)
    tiles = raw.reshape(nb, down, across, tile_l, tile_s).transpose(0, 1, 3, 2, 4)
    stored = tiles.reshape(nb, down * tile_l, across * tile_s)[:, :nl, :ns]
    meta: dict[str, Any] = {"format": "isis", "dtype": type_name, "storage": storage,
                            "byte_order": "little" if order == "<" else "big"}  # fmt: skip
    values, counts = _true_values(stored, kind, core)
    if counts:
        meta["special_px"] = counts
        log.debug("%s: ISIS special pixels (no data): %s", path.name, counts)
    return values, meta


def _true_values(stored: np.ndarray, kind: str, core: dict[str, Any]):
    """Stored values as true values (float32 from Real, float64 from integers scaled by Base
    and Multiplier), special pixels NaN, and the count of each kind."""
    counts: dict[str, int] = {}
    if kind == "f4":
        values = stored.astype(np.float32)  # (a native copy: the frame's dtype, half the memory)
        special = stored < VALID_MIN4
        if special.any():
            bits = stored[special].astype("<f4").view("<u4")
            for pattern, name in REAL_SPECIAL.items():
                counts[name] = int(np.count_nonzero(bits == pattern))
            counts = {k: v for k, v in counts.items() if v}
            other = int(special.sum()) - sum(counts.values())
            if other:
                counts["other below ValidMinimum"] = other
        values[special] = np.nan
        return values, counts
    base = float(find(core, "Pixels", "Base") or 0.0)
    multiplier = find(core, "Pixels", "Multiplier")
    multiplier = 1.0 if multiplier is None else float(multiplier)
    values = base + multiplier * stored.astype(np.float64)
    if kind in INTEGER_VALID:
        low, high, names = INTEGER_VALID[kind]
        special = (stored < low) | (stored > high)
        flagged = stored[special]  # (few: counted among themselves, not over the whole cube)
        for value, name in names.items():
            n = int(np.count_nonzero(flagged == value))
            if n:
                counts[name] = n
        values[special] = np.nan
    return values, counts


def _colour_fix(named: list[str], mapping: Any) -> str:
    """What to do with a JunoCam cube of fewer filters than red, green and blue: cam2map writes
    one map per filter (stack them); junocam2isis one unprojected framelet per cube."""
    have = f"a JunoCam cube of the {', '.join(named)} filter(s) only; the colour detector takes "
    if isinstance(mapping, dict):
        return (have + "red, green and blue together: stack the three filters' cubes of one "
                "map into one (ISIS cubeit) and give that")  # fmt: skip
    return (have + "a red, green and blue image: this cube has no Mapping group (junocam2isis "
            "writes one framelet per cube); map-project the framelets (spiceinit, cam2map, "
            "automos per filter) and stack the filters (cubeit), or give jovis the raw "
            "product's PNG with its -metadata.json")  # fmt: skip


def channels_of(path: Path, image: np.ndarray, label: dict[str, Any], instrument: str | None,
              meta: dict[str, Any]):  # fmt: skip
    """The image with its channels named, and the instrument: a JunoCam cube's filters in
    jovis's order; otherwise ``gray`` / ``c0``, ``c1``..."""
    instrument_group = find(label, "IsisCube", "Instrument") or {}
    # junocam2isis copies the EDR's INSTRUMENT_ID ("JNC") and INSTRUMENT_NAME ("JUNOCAM")
    ident = find(instrument_group, "InstrumentId") or find(instrument_group, "InstrumentName")
    ident = str(ident or "").strip().upper()
    filters = find(label, "IsisCube", "BandBin", "FilterName")
    filters = filters if isinstance(filters, list) else [] if filters is None else [filters]
    meta["instrument_id"] = ident or None
    meta["filters"] = [str(f) for f in filters]
    if ident in ("JNC", "JUNOCAM"):
        names = [JUNOCAM_FILTERS.get(str(f).strip().upper()) for f in filters]
        if len(names) == image.shape[2] and None not in names and len(set(names)) == len(names):
            order = sorted(range(len(names)), key=lambda i: CHANNEL_ORDER.index(names[i]))
            named = [names[i] for i in order]
            if not set(CHANNEL_ORDER[:3]) <= set(named):
                meta["channel_note"] = _colour_fix(named, find(label, "IsisCube", "Mapping"))
            return image[:, :, order], named, "junocam"
        meta["channel_note"] = (f"JunoCam cube whose BandBin FilterName {filters!r} does not "
                                f"name its {image.shape[2]} band(s) as RED, GREEN, BLUE or "
                                "METHANE: channels not named")  # fmt: skip
        log.warning("%s: %s", path.name, meta["channel_note"])
    bands = image.shape[2]
    channels = ["gray"] if bands == 1 else [f"c{i}" for i in range(bands)]
    return image, channels, "junocam" if ident in ("JNC", "JUNOCAM") else instrument or "unknown"
