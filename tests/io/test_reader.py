import cv2
import numpy as np
import pytest

from jovis.io import FrameReadError, read_frame
from jovis.io.atomic import atomic_path, leftover_temporaries, write_json


def test_png_npy_tiff_read_by_content(tmp_path):
    rgb = (np.arange(5 * 6 * 3) % 255).reshape(5, 6, 3).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    frame = read_frame(tmp_path / "a.png")
    assert frame.channels == ["red", "green", "blue"]
    np.testing.assert_array_equal(frame.image, rgb.astype(np.float32))
    # a PNG with the wrong suffix is still a PNG
    (tmp_path / "a.dat").write_bytes((tmp_path / "a.png").read_bytes())
    assert read_frame(tmp_path / "a.dat").shape == (5, 6)
    arr = np.random.default_rng(0).random((7, 8, 2)).astype(np.float32)
    np.save(tmp_path / "b.npy", arr)
    frame = read_frame(tmp_path / "b.npy", channels=["L", "M"])
    assert frame.channels == ["L", "M"]
    np.testing.assert_array_equal(frame.image, arr)
    grey16 = (np.arange(30).reshape(5, 6) * 1000).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "c.tif"), grey16)
    np.testing.assert_array_equal(read_frame(tmp_path / "c.tif").image[:, :, 0], grey16)
    radiance = np.random.default_rng(1).random((5, 6)).astype(np.float32) * 0.5
    cv2.imwrite(str(tmp_path / "d.tiff"), radiance)
    np.testing.assert_array_equal(read_frame(tmp_path / "d.tiff").image[:, :, 0], radiance)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b"hello, not a frame", "unrecognised content")],
)
def test_bad_files_name_the_reason(tmp_path, content, reason):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(FrameReadError, match=reason) as info:
        read_frame(path)
    assert str(path) in str(info.value)


def test_truncated_png_and_missing_file(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.full((64, 64), 7, np.uint8))
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "t.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(FrameReadError, match="truncated"):
        read_frame(tmp_path / "t.png")
    with pytest.raises(FrameReadError, match="does not exist"):
        read_frame(tmp_path / "nope.png")


def test_all_nan_frame_is_rejected(tmp_path):
    np.save(tmp_path / "nan.npy", np.full((4, 4), np.nan, np.float32))
    with pytest.raises(FrameReadError, match="no valid pixels"):
        read_frame(tmp_path / "nan.npy")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x.json") as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert not (tmp_path / "x.json").exists()
    assert leftover_temporaries(tmp_path) == []
    write_json(tmp_path / "y.json", {"a": np.float32(1.5)})
    assert (tmp_path / "y.json").read_text().strip().startswith("{")


def _grey_alpha_png(path, grey, alpha):
    """A PNG of colour type 4 (grey + alpha), which OpenCV cannot write."""
    import struct
    import zlib

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + np.dstack([grey, alpha]).astype(np.uint8)[y].tobytes()
                    for y in range(grey.shape[0]))  # fmt: skip
    header = struct.pack(">IIBBBBB", grey.shape[1], grey.shape[0], 8, 4, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))  # fmt: skip
    return path


def test_a_grey_png_with_alpha_stays_one_grey_channel_with_its_alpha_as_valid(tmp_path):
    grey = (np.arange(6 * 5) * 7 % 250).reshape(6, 5)
    alpha = np.full((6, 5), 255)
    alpha[0] = 0
    frame = read_frame(_grey_alpha_png(tmp_path / "la.png", grey, alpha))
    assert frame.channels == ["gray"]  # not red/green/blue copies: no colour detector takes it
    np.testing.assert_array_equal(frame.image[:, :, 0], grey.astype(np.float32))
    assert not frame.valid[0].any() and frame.valid[1:].all()
