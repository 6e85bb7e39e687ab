"""PDS3 products written by hand following PHYSICS.md §4 (no real JIRAM file is available)."""

import json

import numpy as np
import pytest

from jovis.io import FrameReadError, read_frame
from jovis.io.junocam_raw import decompand

SAMPLE = {  # SAMPLE_TYPE → numpy dtype of the bytes written
    "LSB_INTEGER": "<i2",
    "LSB_UNSIGNED_INTEGER": "<u2",
    "PC_REAL": "<f4",
    "IEEE_REAL": ">f4",
    "MSB_UNSIGNED_INTEGER": "|u1",
}


def label_text(pointer, array, sample_type, records, record_bytes, extra=""):
    lines, samples = array.shape
    return (
        "PDS_VERSION_ID = PDS3\r\n"
        "RECORD_TYPE = FIXED_LENGTH\r\n"
        f"RECORD_BYTES = {record_bytes}\r\n"
        f"FILE_RECORDS = {records}\r\n"
        f"^IMAGE = {pointer}\r\n"
        f"{extra}"
        "OBJECT = IMAGE\r\n"
        f"  LINES = {lines}\r\n"
        f"  LINE_SAMPLES = {samples}\r\n"
        f"  SAMPLE_TYPE = {sample_type}\r\n"
        f"  SAMPLE_BITS = {array.dtype.itemsize * 8}\r\n"
        '  UNIT = "W/(m^2*sr)"\r\n'
        "END_OBJECT = IMAGE\r\n"
        "END\r\n"
    )


def write_pds3(folder, name, values, sample_type, extra="", attached=False, dtype=None):
    """Write NAME.LBL + NAME.IMG (or NAME.IMG with the label attached); returns the label path."""
    array = np.asarray(values).astype(dtype or SAMPLE[sample_type])
    record_bytes = array.shape[1] * array.dtype.itemsize
    lines = array.shape[0]
    if attached:
        text = label_text(0, array, sample_type, 0, record_bytes, extra)
        n_label = -(-(len(text) + 64) // record_bytes)  # label records, with room for the numbers
        text = label_text(n_label + 1, array, sample_type, n_label + lines, record_bytes, extra)
        head = text.encode().ljust(n_label * record_bytes, b" ")
        (folder / f"{name}.IMG").write_bytes(head + array.tobytes())
        return folder / f"{name}.IMG"
    text = label_text(f'("{name}.IMG", 1)', array, sample_type, lines, record_bytes, extra)
    (folder / f"{name}.LBL").write_text(text)
    (folder / f"{name}.IMG").write_bytes(array.tobytes())
    return folder / f"{name}.LBL"


JIRAM = (
    "INSTRUMENT_ID = JIRAM\r\nSTART_TIME = 2017-02-02T12:00:00.000\r\nQUATERNION = (1, 0, 0, 0)\r\n"
)


def jiram(mode, product="JIR_IMG_RDR_2017033T120000_V01"):
    return f'{JIRAM}INSTRUMENT_MODE_ID = {mode}\r\nPRODUCT_ID = "{product}"\r\n'


def radiance(lines, seed=0):
    return np.random.default_rng(seed).uniform(0.006, 0.55, (lines, 432)).astype(np.float32)


@pytest.mark.parametrize("attached", [False, True])
def test_edr_lsb_integer_round_trip(tmp_path, attached):
    counts = np.random.default_rng(1).integers(0, 30000, (128, 432))
    path = write_pds3(tmp_path, "JIR_IMG_EDR", counts, "LSB_INTEGER", jiram("I2"), attached)
    frame = read_frame(path)
    assert frame.channels == ["M"] and frame.instrument == "jiram_m"
    np.testing.assert_array_equal(frame.image[:, :, 0], counts.astype(np.float32))
    assert frame.meta["byte_order"] == "little" and frame.meta["time"].startswith("2017-02-02")
    if not attached:  # the .IMG of a detached label reads the same
        np.testing.assert_array_equal(read_frame(tmp_path / "JIR_IMG_EDR.IMG").image, frame.image)


@pytest.mark.parametrize(
    ("mode_id", "mode", "channels"),
    [("SCI_I2_S1", "I2", ["M"]), ("SCI_I3_S0", "I3", ["L"]), ("SCI_I1_S1", "I1", ["L", "M"]),
     ("I2", "I2", ["M"])],
)  # fmt: skip
def test_the_archives_mode_ids_name_the_imager_mode(tmp_path, mode_id, mode, channels):
    """The archive's INSTRUMENT_MODE_ID holds the imager mode as a token ("SCI_I2_S1": imager
    I2, spectrometer S1); read only at its end, an M-only frame became "band1" of a JIRAM frame
    and went to the L-band detector."""
    lines = 256 if mode == "I1" else 128
    path = write_pds3(tmp_path, "JIR_IMG_RDR", radiance(lines), "PC_REAL", jiram(mode_id))
    frame = read_frame(path)
    assert frame.channels == channels and frame.meta["instrument_mode"] == mode


@pytest.mark.parametrize("attached", [False, True])
def test_rdr_pc_real_round_trip(tmp_path, attached):
    values = radiance(128)
    path = write_pds3(tmp_path, "JIR_IMG_RDR", values, "PC_REAL", jiram("I3"), attached)
    frame = read_frame(path)
    assert frame.channels == ["L"] and frame.instrument == "jiram_l"
    np.testing.assert_array_equal(frame.image[:, :, 0], values)
    assert frame.meta["units"] == "W/(m^2*sr)" and "byte_order_note" not in frame.meta


def test_ieee_real_label_with_little_endian_bytes_and_i1_split(tmp_path):
    values = radiance(256)
    path = write_pds3(tmp_path, "RDR", values, "IEEE_REAL", jiram("I1"), dtype="<f4")
    frame = read_frame(path)
    assert frame.channels == ["L", "M"] and frame.instrument == "jiram"
    assert frame.image.shape == (128, 432, 2)
    np.testing.assert_array_equal(frame.image[:, :, 0], values[:128])  # top lines: L
    np.testing.assert_array_equal(frame.image[:, :, 1], values[128:])  # bottom lines: M
    assert frame.meta["byte_order"] == "little"
    assert "read as little-endian" in frame.meta["byte_order_note"]
    assert "not co-registered" in frame.meta["layout"]
    # every label field, as plain data
    meta = frame.meta
    assert meta["QUATERNION"] == [1, 0, 0, 0] and meta["IMAGE"]["LINES"] == 256
    assert meta["PRODUCT_ID"] == "JIR_IMG_RDR_2017033T120000_V01"
    json.dumps(meta)


def test_true_big_endian_is_kept(tmp_path):
    values = radiance(128)
    frame = read_frame(write_pds3(tmp_path, "BE", values, "IEEE_REAL", jiram("I2")))
    np.testing.assert_array_equal(frame.image[:, :, 0], values)
    assert frame.meta["byte_order"] == "big" and "byte_order_note" not in frame.meta


def test_fill_values_are_invalid(tmp_path):
    values = radiance(128)
    values[0, :5] = -1000.0
    values[1, 0] = np.frombuffer(bytes.fromhex("fbff7fff"), "<f4")[0]  # 16#FF7FFFFB#
    values[2, 0] = np.nan
    fills = "MISSING_CONSTANT = -1000.0\r\nNULL = 16#FF7FFFFB#\r\n"
    frame = read_frame(write_pds3(tmp_path, "F", values, "PC_REAL", jiram("I3") + fills))
    invalid = np.argwhere(~frame.valid).tolist()
    assert invalid == [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [1, 0], [2, 0]]
    counts = np.arange(128 * 432).reshape(128, 432) % 4000
    counts[5, 5] = 65535
    edr = write_pds3(tmp_path, "E", counts, "LSB_UNSIGNED_INTEGER", "CORE_NULL = 65535\r\n")
    frame = read_frame(edr)
    assert np.argwhere(~frame.valid).tolist() == [[5, 5]] and frame.channels == ["band1"]


def test_junocam_edr_is_split_and_decompanded(tmp_path):
    codes = np.random.default_rng(2).integers(0, 256, (2 * 3 * 128, 24))
    extra = (
        'INSTRUMENT_ID = "JNC"\r\nPRODUCT_ID = "JNCE_2021052_32C00054_V01"\r\n'
        'FILTER_NAME = ("BLUE", "GREEN", "RED")\r\nSAMPLE_BIT_MODE_ID = "SQROOT"\r\n'
    )
    frame = read_frame(write_pds3(tmp_path, "JNCE", codes, "MSB_UNSIGNED_INTEGER", extra))
    assert frame.channels == ["red", "green", "blue"] and frame.instrument == "junocam"
    triplets = codes.astype(np.uint8).reshape(2, 3, 128, 24)
    np.testing.assert_array_equal(frame.image[:, :, 2], decompand(triplets[:, 0]).reshape(256, 24))
    assert frame.meta["storage_order"] == ["blue", "green", "red"]


def test_missing_image_file(tmp_path):
    path = write_pds3(tmp_path, "X", radiance(128), "PC_REAL", jiram("I3"))
    (tmp_path / "X.IMG").unlink()
    with pytest.raises(FrameReadError, match=r"\^IMAGE points to X.IMG, which does not exist"):
        read_frame(path)


def test_truncated_image_file(tmp_path):
    path = write_pds3(tmp_path, "T", radiance(128), "PC_REAL", jiram("I3"))
    data = (tmp_path / "T.IMG").read_bytes()
    (tmp_path / "T.IMG").write_bytes(data[: len(data) // 2])
    with pytest.raises(FrameReadError, match=r"T.IMG is truncated: 110592 bytes") as err:
        read_frame(path)
    assert str(path) in str(err.value)


def test_unparseable_label(tmp_path):
    path = tmp_path / "G.LBL"
    path.write_text("PDS_VERSION_ID = PDS3\nthis is ((( not = = pvl\nOBJECT = IMAGE\n")
    with pytest.raises(FrameReadError, match="not a parseable PDS3 image label") as err:
        read_frame(path)
    assert str(path) in str(err.value)
