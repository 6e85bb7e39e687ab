"""Generic rasters (`jovis.io.generic`): where a JPEG stream ends, a PNG's key colour."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from jovis.io import FrameReadError, read_frame
from jovis.io.generic import jpeg_end, png_key_colour


def _jpeg(size: int = 32) -> bytes:
    image = (np.random.default_rng(0).random((size, size)) * 255).astype(np.uint8)
    return cv2.imencode(".jpg", image)[1].tobytes()


def test_a_jpeg_ends_at_its_end_marker_whatever_follows_and_not_at_a_thumbnails():
    data = _jpeg()
    assert jpeg_end(data) == len(data)
    trailer = zlib.compress(b"\xff\xd9 GDAL's mask " * 5) + struct.pack("<I", 40)
    assert jpeg_end(data + trailer) == len(data)  # GDAL appends its no-data mask so
    assert jpeg_end(data[:-50]) is None  # cut short
    # an EXIF thumbnail (a whole JPEG in an APP1 segment) ends with an end marker of its own
    thumbnail = _jpeg(8)
    app1 = b"\xff\xe1" + struct.pack(">H", len(thumbnail) + 8) + b"Exif\x00\x00" + thumbnail
    with_thumbnail = data[:2] + app1 + data[2:]
    assert jpeg_end(with_thumbnail) == len(with_thumbnail)
    assert jpeg_end(with_thumbnail[:-50]) is None


def test_a_png_key_colour_is_read_from_its_trns_chunk():
    grey = cv2.imencode(".png", np.full((4, 4), 7, np.uint8))[1].tobytes()
    assert png_key_colour(grey) is None
    at = grey.index(b"IDAT") - 4
    body = struct.pack(">H", 0)
    chunk = struct.pack(">I", 2) + b"tRNS" + body + struct.pack(">I", zlib.crc32(b"tRNS" + body))
    assert png_key_colour(grey[:at] + chunk + grey[at:]) == (0,)


def test_gdals_jpeg_mask_is_read_as_gdal_reads_it():
    """GDAL 3.10.3 wrote this 13 × 7 JPEG from data with no-data (its mask appended after the
    image) and read its mask back (tests/data/geotiff/make_fixtures.py): the same pixels are
    valid in jovis, not those that the lossy compression moved near the no-data value."""
    import json
    from pathlib import Path

    from jovis.io import read_frame
    from jovis.io.generic import gdal_jpeg_mask

    data = Path(__file__).resolve().parents[1] / "data" / "geotiff"
    want = np.array(json.loads((data / "gdal_mask_13x7.json").read_text())["valid"], bool)
    jpeg = (data / "gdal_mask_13x7.jpg").read_bytes()
    np.testing.assert_array_equal(gdal_jpeg_mask(jpeg, want.shape), want)
    frame = read_frame(data / "gdal_mask_13x7.jpg")
    np.testing.assert_array_equal(frame.valid, want)
    assert frame.grid is not None and "GDAL's JPEG mask" in frame.meta["valid_source"]
    assert gdal_jpeg_mask(_jpeg(), (32, 32)) is None  # a JPEG without one


def test_overlapping_tiff_decodes_put_opencvs_log_level_back():
    """Two readers' TIFF decodes in flight at once (the loader's threads): the level found
    before the first comes back after the last, whatever order they end in (saving and restoring
    per decode left it hushed when the first to start ended first)."""
    from jovis.io.generic import _quiet_tiff_warnings

    log = cv2.utils.logging
    before = log.getLogLevel()
    log.setLogLevel(log.LOG_LEVEL_WARNING)
    try:
        first, second = _quiet_tiff_warnings("tiff"), _quiet_tiff_warnings("tiff")
        first.__enter__()
        second.__enter__()
        assert log.getLogLevel() == log.LOG_LEVEL_ERROR
        first.__exit__(None, None, None)
        assert log.getLogLevel() == log.LOG_LEVEL_ERROR  # the second is still decoding
        second.__exit__(None, None, None)
        assert log.getLogLevel() == log.LOG_LEVEL_WARNING
        with _quiet_tiff_warnings("png"):
            assert log.getLogLevel() == log.LOG_LEVEL_WARNING  # only TIFF decodes are hushed
    finally:
        log.setLogLevel(before)


def _tiff_chain(kinds: list[int], next_after_last: int = 0, widths=None) -> bytes:
    """A little-endian TIFF header and one directory per NewSubfileType in `kinds` (that tag
    and, with `widths`, the image's width and length: what the page count reads), chained;
    the last points to `next_after_last`."""
    data = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for k, kind in enumerate(kinds):
        tags = [(254, 4, kind)]
        if widths is not None:
            tags += [(256, 3, widths[k]), (257, 4, widths[k])]  # SHORT width, LONG length
        size = 2 + 12 * len(tags) + 4
        nxt = len(data) + size if k + 1 < len(kinds) else next_after_last
        data += struct.pack("<H", len(tags))
        for tag, field, value in tags:
            data += struct.pack("<HHI", tag, field, 1) + struct.pack("<I", value)
        data += struct.pack("<I", nxt)
    return bytes(data)


def test_a_tiffs_pages_are_counted_without_its_overviews_and_masks():
    from jovis.io.tiff_tags import page_count

    assert page_count(_tiff_chain([0])) == 1
    assert page_count(_tiff_chain([0, 1, 4, 5, 1])) == 1  # GDAL: overviews, mask, their overviews
    assert page_count(_tiff_chain([2, 2, 2])) == 3  # OpenCV's pages of a multi-page image
    # a thumbnail a writer did not mark as reduced resolution is no page (not the first's size)
    assert page_count(_tiff_chain([0, 0, 0], widths=[640, 64, 640])) == 2
    assert page_count(_tiff_chain([0, 0], next_after_last=10**6)) == 2  # a chain cut short
    looped = bytearray(_tiff_chain([0, 0]))
    looped[-4:] = struct.pack("<I", 8)  # the last directory points back to the first
    assert page_count(bytes(looped)) == 2


def test_a_stack_of_frames_in_one_tiff_is_refused_not_read_as_its_first_page(tmp_path):

    path = tmp_path / "stack.tif"
    pages = [np.full((40, 50), v, np.uint16) for v in (100, 2000, 30000)]
    assert cv2.imwritemulti(str(path), pages)
    with pytest.raises(FrameReadError, match=r"a TIFF of 3 pages .* write each page to its own"):
        read_frame(path)
    cv2.imwrite(str(tmp_path / "one.tif"), pages[1])
    assert read_frame(tmp_path / "one.tif").image[0, 0, 0] == 2000


def test_npy_channels_first_is_moved_last(tmp_path):
    """A C×H×W array (PyTorch's layout, as `tensor.numpy()` saves it) is a C-channel frame, not
    a frame C px tall with W bands; an H×W×C one with few rows stays as it is."""
    chw = np.random.default_rng(0).random((3, 40, 48)).astype(np.float32)
    np.save(tmp_path / "chw.npy", chw)
    frame = read_frame(tmp_path / "chw.npy")
    assert frame.image.shape == (40, 48, 3)
    np.testing.assert_array_equal(frame.image, np.moveaxis(chw, 0, -1))
    assert frame.channels == ["c0", "c1", "c2"] and "channels first" in frame.meta["layout"]
    hwc = np.random.default_rng(1).random((6, 40, 2)).astype(np.float32)
    np.save(tmp_path / "hwc.npy", hwc)
    frame = read_frame(tmp_path / "hwc.npy")
    assert frame.image.shape == (6, 40, 2) and "layout" not in frame.meta


def test_a_complex_npy_is_refused_not_cast_to_its_real_part(tmp_path):
    """Casting kept the real part with only a ComplexWarning: a Fourier-space or calibrated
    complex product was predicted as if it were the brightness."""
    np.save(tmp_path / "c.npy", (np.ones((40, 48)) + 2j).astype(np.complex64))
    with pytest.raises(FrameReadError, match=r"c\.npy: a complex array \(complex64\): save"):
        read_frame(tmp_path / "c.npy")


def test_a_png_whose_critical_chunk_fails_its_crc_is_named(tmp_path):
    """A byte flipped in transfer: "OpenCV could not decode this PNG file" under libpng's own
    "IDAT: CRC error" lines. An ancillary chunk (tEXt) with a bad CRC is left to libpng, which
    drops it and decodes the image, as viewers do."""
    _ok, encoded = cv2.imencode(".png", np.arange(64 * 48, dtype=np.uint16).reshape(64, 48))
    data = bytearray(encoded.tobytes())
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # inside the compressed image data, its CRC left as it was
    (tmp_path / "flipped.png").write_bytes(bytes(data))
    with pytest.raises(FrameReadError, match=r"corrupt PNG: its IDAT chunk at byte \d+ fails "
                                             r"its CRC check \(the file was damaged"):  # fmt: skip
        read_frame(tmp_path / "flipped.png")
    good = encoded.tobytes()
    text = b"tEXt" + b"Comment\x00made by hand"
    chunk = struct.pack(">I", len(text) - 4) + text + struct.pack(">I", zlib.crc32(text) ^ 1)
    (tmp_path / "note.png").write_bytes(good[:33] + chunk + good[33:])  # after IHDR
    assert read_frame(tmp_path / "note.png").image.shape[:2] == (64, 48)
