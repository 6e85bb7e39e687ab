"""Frames above the pixel limit are refused from their header, before decoding (issue 10 #10)."""

import struct
import zlib

import cv2
import numpy as np
import pytest
from astropy.io import fits
from PIL import Image
from tests.io.test_pds3 import write_pds3

from jovis.io import FrameReadError, read_frame
from jovis.io.limits import declared_size


def png_declaring(path, width, height):
    """A small valid-looking PNG whose IHDR (CRC fixed) declares width × height."""
    data = bytearray(cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    return path


def test_a_small_png_declaring_20000_squared_is_refused_before_decoding(tmp_path, monkeypatch):
    path = png_declaring(tmp_path / "bomb.png", 20000, 20000)
    assert path.stat().st_size < 1000

    def no_decode(*args, **kwargs):
        raise AssertionError("decoded despite the size limit")

    monkeypatch.setattr(cv2, "imdecode", no_decode)
    with pytest.raises(
        FrameReadError,
        match=r"bomb.png: declares 20000×20000 = 400.0 Mpx.*"
        r"limit of 64 Mpx.*max_pixels",
    ):
        read_frame(path)


def sample_files(tmp_path):
    image = (np.arange(48 * 40) % 251).reshape(48, 40).astype(np.uint8)
    png, jpg, tif = tmp_path / "a.png", tmp_path / "a.jpg", tmp_path / "a.tif"
    cv2.imwrite(str(png), image)
    cv2.imwrite(str(jpg), np.dstack([image] * 3))
    Image.fromarray(image).save(tif)
    fit = tmp_path / "a.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(image.astype(np.float32))]).writeto(fit)
    npy = tmp_path / "a.npy"
    np.save(npy, image.astype(np.float32))
    lbl = write_pds3(tmp_path, "A", image.astype(np.float32), "PC_REAL")
    return {"png": png, "jpeg": jpg, "tiff": tif, "fits": fit, "npy": npy, "pds3": lbl}


def test_every_format_declares_its_size_and_is_refused_above_the_limit(tmp_path):
    for kind, path in sample_files(tmp_path).items():
        size = declared_size(path, kind)
        assert size is not None and np.prod(size) == 48 * 40, (kind, size)
        assert read_frame(path).image.shape[:2] == (48, 40)  # under the default limit
        assert read_frame(path, max_pixels=None).image.shape[:2] == (48, 40)
        with pytest.raises(
            FrameReadError, match=f"{path.name}: declares .* above the limit of 0.001 Mpx"
        ):
            read_frame(path, max_pixels=1000)
