"""Generic image files: PNG, JPEG, TIFF (8/16-bit and float), NPY."""

from __future__ import annotations

import struct
import threading
import zlib
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from jovis.frame import Frame
from jovis.io.disk import find_disk
from jovis.io.errors import FrameReadError
from jovis.io.geotiff import find_georeference, place_georeferenced

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # little-, big-endian; BigTIFF
# the first bytes of each image format OpenCV decodes here (the reader's sniffer starts with it)
RASTER_MAGIC = ((PNG_MAGIC, "png"), (JPEG_MAGIC, "jpeg"), *((m, "tiff") for m in TIFF_MAGIC))
_PNG_END = b"IEND\xaeB`\x82"
# a 3-D array with at most this many planes along its first axis holds channels there (a FITS
# cube's NAXIS3, PyTorch's C×H×W); a real frame is far taller than this
MAX_CUBE_PLANES = 8
_PNG_GREY_ALPHA = b"\x04"  # the IHDR colour type of a grey image with an alpha channel


def read_raster(path: Path, kind: str, instrument: str | None = None) -> Frame:
    """Read a PNG/JPEG/TIFF with OpenCV; colour comes back as RGB channels. A TIFF's tags are
    read too: its bands in file order where they are not colour (`_tiff_bands`), and a
    GeoTIFF's no-data value and map, or those GDAL or a GIS wrote beside an image
    (`jovis.io.geotiff.place_georeferenced`, with a PNG's tRNS key colour as its no-data
    value); GDAL's mask appended to a JPEG gives its valid pixels (`gdal_jpeg_mask`)."""
    data = path.read_bytes()
    check_encoded(path, data, kind)
    tags = _tiff_tags(path, data) if kind == "tiff" else {}
    with _quiet_tiff_warnings(kind):
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise FrameReadError(path, f"OpenCV could not decode this {kind.upper()} file")
    valid = None
    meta: dict = {"format": kind, "dtype": str(image.dtype)}
    if image.ndim == 2:
        channels = ["gray"]
    elif image.shape[2] == 4 and not _alpha_last(kind, tags):
        image, channels = _tiff_bands(image), [f"c{i}" for i in range(4)]
    elif image.shape[2] == 3:
        image, channels = cv2.cvtColor(image, cv2.COLOR_BGR2RGB), ["red", "green", "blue"]
    elif image.shape[2] == 4:
        # the alpha channel is the valid-data mask (e.g. the PJ27 mosaic), not a fourth colour
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
        valid, image = image[:, :, 3] > 0, image[:, :, :3]
        channels = ["red", "green", "blue"]
        meta["valid_source"] = "alpha channel"
        if kind == "png" and data[25:26] == _PNG_GREY_ALPHA:  # OpenCV made grey+alpha BGRA
            image, channels = image[:, :, 0], ["gray"]
    else:
        channels = [f"c{i}" for i in range(image.shape[2])]
    appended = gdal_jpeg_mask(data, image.shape[:2]) if kind == "jpeg" else None
    if appended is not None:
        valid, meta["valid_source"] = appended, "GDAL's JPEG mask"
    image = image.astype(np.float32)
    geo = find_georeference(path, tags, image.shape[:2])
    if geo is not None:  # a GeoTIFF, or an image with GDAL's or a GIS's files beside it
        if appended is not None:  # exact, where the lossy pixels near the no-data value are not
            geo = replace(geo, nodata=None)
        elif geo.nodata is None and kind == "png":  # (GDAL writes a PNG's in its tRNS chunk)
            geo = replace(geo, nodata=png_key_colour(data))
        frame = Frame(image, channels, instrument or "unknown", str(path), meta, None, valid)
        return place_georeferenced(frame, geo)
    if valid is None:
        valid = sky_mask(image, meta)
    elif valid.all() and meta["valid_source"] == "alpha channel":  # an opaque alpha says
        valid = sky_mask(image, meta)  # nothing: black no-data areas still need finding
        meta["valid_source"] += " (alpha channel all opaque)"
    return Frame(image, channels, instrument or "unknown", str(path), meta, None, valid)


def _tiff_tags(path: Path, data: bytes) -> dict:
    """The TIFF tags jovis reads; FrameReadError for a band-interleaved multi-band TIFF, whose
    bands OpenCV does not decode (it returns the first band alone, or repeated), and for a TIFF
    of several pages (a stack of frames), of which only the first would be read."""
    from jovis.io.geotiff import GEO_TAGS
    from jovis.io.tiff_tags import (
        EXTRA_SAMPLES,
        PLANAR_CONFIGURATION,
        SAMPLES_PER_PIXEL,
        page_count,
        read_tags,
    )

    try:
        tags = read_tags(data, {SAMPLES_PER_PIXEL, PLANAR_CONFIGURATION, EXTRA_SAMPLES, *GEO_TAGS})
        pages = page_count(data)
    except ValueError as err:
        raise FrameReadError(path, f"corrupt TIFF: {err}") from err
    if pages > 1:
        raise FrameReadError(path, f"a TIFF of {pages} pages (a stack of images): jovis reads "
                                   "one frame per file and would read the first page alone; "
                                   "write each page to its own file (libtiff's tiffsplit, "
                                   "ImageJ's Image > Stacks > Stack to Images)")  # fmt: skip
    bands = tags.get(SAMPLES_PER_PIXEL, (1,))[0]
    if bands > 1 and tags.get(PLANAR_CONFIGURATION, (1,))[0] == 2:
        raise FrameReadError(path, f"band-interleaved TIFF of {bands} bands, which OpenCV does "
                                   "not decode band by band; write it pixel-interleaved "
                                   "(gdal_translate -co INTERLEAVE=PIXEL in.tif out.tif)"
                             )  # fmt: skip
    return tags


def _alpha_last(kind: str, tags: dict) -> bool:
    """Whether a 4-channel image's last channel is alpha: always for PNG and JPEG; in a TIFF only
    when ExtraSamples says so (1 associated, 2 unassociated; 0 is a plain fourth band, such as
    the methane filter of a four-filter JunoCam map)."""
    from jovis.io.tiff_tags import EXTRA_SAMPLES

    extra = tags.get(EXTRA_SAMPLES)
    return kind != "tiff" or extra is None or extra[-1] in (1, 2)


def _tiff_bands(image: np.ndarray) -> np.ndarray:
    """A 4-band TIFF's bands in file order (OpenCV swaps the first three as it would BGR)."""
    return np.ascontiguousarray(image[:, :, [2, 1, 0, 3]])


class _TiffHush:
    """OpenCV's log level is process-wide and the loader's threads read frames at once: the
    first TIFF decode in flight lowers it, the last one out puts back the level found, so
    overlapping decodes cannot leave OpenCV's warnings hushed for good."""

    lock = threading.Lock()
    active = 0
    saved = None


@contextmanager
def _quiet_tiff_warnings(kind: str):
    """OpenCV's TIFF decoder warns of every tag it does not know (all of GeoTIFF's): hush it."""
    if kind != "tiff":
        yield
        return
    with _TiffHush.lock:
        if _TiffHush.active == 0:
            _TiffHush.saved = cv2.utils.logging.getLogLevel()
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        _TiffHush.active += 1
    try:
        yield
    finally:
        with _TiffHush.lock:
            _TiffHush.active -= 1
            if _TiffHush.active == 0:
                cv2.utils.logging.setLogLevel(_TiffHush.saved)


def raster_kind(data: bytes) -> str | None:
    """``png``, ``jpeg`` or ``tiff`` from an image file's first bytes; None for anything else."""
    for magic, kind in RASTER_MAGIC:
        if data.startswith(magic):
            return kind
    return None


def check_encoded(path: Path, data: bytes, kind: str | None) -> None:
    """Raise FrameReadError when a PNG or JPEG file is cut short (or a PNG's chunks are corrupt):
    decoders return whatever part they could read without saying so; or when `kind` is None
    (`raster_kind` found no image in it)."""
    if kind == "png":
        check_png(path, data)
    if kind == "jpeg" and jpeg_end(data) is None:
        raise FrameReadError(path, "truncated JPEG (no end-of-image marker)")
    if kind is None:
        raise FrameReadError(path, f"not a PNG, JPEG or TIFF image (first bytes {data[:8]!r})")


def jpeg_end(data: bytes) -> int | None:
    """Where the JPEG stream that starts `data` ends (just past its end-of-image marker), by its
    segments and entropy-coded data; None when the file ends first (truncated). What follows
    the marker is not the image's (GDAL appends its no-data mask there, cameras their extra
    pictures), and an end marker inside a segment (an EXIF thumbnail's) is not the image's."""
    i, n = 2, len(data)
    while i + 1 < n:
        if data[i] != 0xFF:  # entropy-coded data, up to the next marker
            i = data.find(b"\xff", i)
            if i < 0:
                return None
            continue
        marker = data[i + 1]
        if marker == 0xD9:
            return i + 2
        if marker in (0xFF, 0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # no length follows
            i += 1 if marker == 0xFF else 2
            continue
        if i + 4 > n:
            return None
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return None


def gdal_jpeg_mask(data: bytes, shape: tuple[int, int]) -> np.ndarray | None:
    """The valid-data mask GDAL appends to a JPEG it writes from data with no-data; None when
    there is none. After the image's end marker: rows × columns bits, one per pixel row after
    row, least significant bit first, zlib-compressed, then the mask's byte offset as a
    little-endian uint32 (checked against GDAL 3.10's own reading of its masks)."""
    end = jpeg_end(data)
    if end is None or len(data) < end + 5 or struct.unpack("<I", data[-4:])[0] != end:
        return None
    rows, cols = shape
    need = (rows * cols + 7) // 8
    try:  # (no more than the mask needs is inflated)
        packed = zlib.decompressobj().decompress(data[end:-4], need)
    except zlib.error:
        return None
    if len(packed) < need:
        return None
    bits = np.unpackbits(np.frombuffer(packed, np.uint8), bitorder="little")[: rows * cols]
    return bits.reshape(rows, cols).astype(bool)


def png_key_colour(data: bytes) -> tuple[int, ...] | None:
    """The colour a grey or RGB PNG's tRNS chunk makes transparent (GDAL writes its no-data
    value so); None when it has none."""
    colour_type = data[25] if len(data) > 25 else None
    pos = 8
    while pos + 8 <= len(data) and colour_type in (0, 2):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"tRNS" and length == (2 if colour_type == 0 else 6):
            return struct.unpack(f">{length // 2}H", data[pos + 8 : pos + 8 + length])
        if kind in (b"IDAT", b"IEND"):  # tRNS comes before the image data
            return None
        pos += 12 + length
    return None


def check_png(path: Path, data: bytes) -> None:
    """Raise FrameReadError unless `data` is a whole PNG whose chunks all fit in the file.

    libpng may decode a truncated file partially (a complete PNG always ends with IEND), and
    OpenCV allocates whatever a chunk's length field says before it reads the chunk: one flipped
    byte in a 3 KB file made it allocate 4 GB and take seconds to fail. A critical chunk (IHDR,
    PLTE, IDAT, IEND: upper-case first letter) whose CRC does not match is named here, where
    it was "OpenCV could not decode this PNG file" under libpng's own "IDAT: CRC error" lines;
    an ancillary one is left to libpng, which drops it and decodes the image, as viewers do.
    """
    if _PNG_END not in data[-64:]:
        raise FrameReadError(path, "truncated PNG (no IEND chunk): the file is incomplete")
    pos, end, view = 8, len(data), memoryview(data)
    while pos + 8 <= end:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if pos + 12 + length > end:
            raise FrameReadError(
                path,
                f"corrupt PNG: chunk {kind!r} at byte {pos} declares {length} bytes, past the end "
                f"of the {end}-byte file",
            )
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        if kind[:1].isupper() and zlib.crc32(view[pos + 4 : pos + 8 + length]) != crc:
            raise FrameReadError(
                path,
                f"corrupt PNG: its {kind.decode('latin-1')} chunk at byte {pos} fails its CRC "
                "check (the file was damaged, e.g. in transfer: download it again)",
            )
        if kind == b"IEND":
            return
        pos += 12 + length
    raise FrameReadError(path, "corrupt PNG: its chunks do not lead to the IEND chunk")


def sky_mask(image: np.ndarray, meta: dict) -> np.ndarray | None:
    """The planet's disk found from the image (see `jovis.io.disk`); records how in `meta`."""
    image3 = image if image.ndim == 3 else image[:, :, None]
    valid, info = find_disk(image3)
    meta["disk"] = info
    meta["valid_source"] = "disk found from the image" if valid is not None else "all pixels"
    return valid


def read_npy(path: Path, instrument: str | None = None, channels: list[str] | None = None) -> Frame:
    """Read an H×W or H×W×C array saved with `np.save` (no pickled objects); a C×H×W array
    (PyTorch's layout: at most `MAX_CUBE_PLANES` planes first, more than that last) is moved to
    H×W×C, and ``meta["layout"]`` says so."""
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise FrameReadError(path, f"not a readable .npy array ({err})") from err
    if array.ndim not in (2, 3) or not np.issubdtype(array.dtype, np.number):
        raise FrameReadError(
            path, f"expected a numeric H×W or H×W×C array, got shape {array.shape} {array.dtype}"
        )
    if np.iscomplexobj(array):  # casting kept the real part silently (a ComplexWarning only)
        raise FrameReadError(
            path, f"a complex array ({array.dtype}): save the brightness as a real array, e.g. "
            "np.save(path, np.abs(a)) or a.real"
        )  # fmt: skip
    meta = {"format": "npy", "dtype": str(array.dtype)}
    if array.ndim == 3 and array.shape[0] <= MAX_CUBE_PLANES < array.shape[2]:
        # PyTorch's layout (C×H×W); read as H×W×C it would be a frame C px tall with W bands
        array = np.moveaxis(array, 0, -1)
        meta["layout"] = "channels first (C×H×W), moved last"
    n_channels = 1 if array.ndim == 2 else array.shape[2]
    if channels is None or len(channels) != n_channels:
        channels = ["gray"] if n_channels == 1 else [f"c{i}" for i in range(n_channels)]
    return Frame(array.astype(np.float32), channels, instrument or "unknown", str(path), meta)
