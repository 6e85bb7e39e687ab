"""ISIS cubes (`jovis.io.isis`): the USGS ISIS format JunoCam images are projected in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jovis.inference.inputs import frame_files
from jovis.io import FrameReadError, read_frame, sniff_format
from jovis.io.isis import parse_label
from jovis.io.limits import declared_size

NUMPY_TYPES = {"UnsignedByte": "u1", "SignedWord": "i2", "UnsignedWord": "u2", "Real": "f4",
               "SignedInteger": "i4", "UnsignedInteger": "u4"}  # fmt: skip
REAL_NULL = np.array([0xFF7FFFFB], "<u4").view("<f4")[0]
REAL_HIS = np.array([0xFF7FFFFE], "<u4").view("<f4")[0]
POLAR_MAPPING = {
    "ProjectionName": "PolarStereographic",
    "CenterLongitude": "0.0",
    "TargetName": "Jupiter",
    "EquatorialRadius": "71492000.0 <meters>",
    "PolarRadius": "66854000.0 <meters>",
    "LatitudeType": "Planetocentric",
    "LongitudeDirection": "PositiveEast",
    "LongitudeDomain": "360",
    "UpperLeftCornerX": "-3200000.0 <meters>",
    "UpperLeftCornerY": "3200000.0 <meters>",
    "PixelResolution": "100000.0 <meters/pixel>",
    "CenterLatitude": "90.0",
}


def _group(name: str, items: dict[str, str], indent: str = "  ", kind: str = "Group") -> str:
    body = "".join(f"{indent}  {k} = {v}\n" for k, v in items.items())
    return f"{indent}{kind} = {name}\n{body}{indent}End_{kind}\n"


def write_cube(path: Path, image: np.ndarray, pixel_type: str = "Real", order: str = "Lsb",
               storage: str = "Tile", tile: tuple[int, int] = (32, 16), base: float = 0.0,
               multiplier: float = 1.0, filters: list[str] | None = None,
               instrument: str | None = "JNC", mapping: dict[str, str] | None = None,
               start_time: str = "2022-07-05T09:15:12.345", detached: str | None = None,
               label_bytes: int = 4096) -> Path:  # fmt: skip
    """Write `image` (lines × samples [× bands], stored values) as an ISIS cube, laid out as
    ISIS's documentation of the format says: the PVL label, then from StartByte the bands one
    after another, each as rows of tiles (TileLines × TileSamples, edge tiles stored whole) or,
    BandSequential, line after line. `detached`: write the label to `path` and the pixels to
    that file name beside it (``^Core``)."""
    cube = image[:, :, None] if image.ndim == 2 else image
    nl, ns, nb = cube.shape
    dtype = np.dtype(("<" if order == "Lsb" else ">") + NUMPY_TYPES[pixel_type])
    tile_s, tile_l = tile if storage == "Tile" else (ns, nl)
    across, down = -(-ns // tile_s), -(-nl // tile_l)
    padded = np.zeros((nb, down * tile_l, across * tile_s), dtype)
    padded[:, :nl, :ns] = np.moveaxis(cube, -1, 0)
    tiles = padded.reshape(nb, down, tile_l, across, tile_s).transpose(0, 1, 3, 2, 4)
    data = np.ascontiguousarray(tiles).tobytes()
    start = 1 if detached else label_bytes + 1
    core = {"StartByte": str(start), "Format": storage}
    if detached:
        core = {"^Core": detached, **core}
    if storage == "Tile":
        core.update(TileSamples=str(tile_s), TileLines=str(tile_l))
    text = "Object = IsisCube\n  Object = Core\n"
    text += "".join(f"    {k} = {v}\n" for k, v in core.items())
    text += _group("Dimensions", {"Samples": str(ns), "Lines": str(nl), "Bands": str(nb)}, "    ")
    text += _group("Pixels", {"Type": pixel_type, "ByteOrder": order, "Base": str(base),
                              "Multiplier": str(multiplier)}, "    ")  # fmt: skip
    text += "  End_Object\n\n"
    if instrument:
        items = {"SpacecraftName": "JUNO", "InstrumentId": instrument, "TargetName": "JUPITER",
                 "StartTime": start_time}  # fmt: skip
        text += _group("Instrument", items)
    if filters:
        listed = filters[0] if len(filters) == 1 else "(" + ", ".join(filters) + ")"
        text += _group("BandBin", {"FilterName": listed})
    if mapping:
        text += _group("Mapping", mapping)
    text += "End_Object\n\nObject = Label\n  Bytes = " + str(label_bytes) + "\nEnd_Object\nEnd\n"
    if detached:
        path.write_text(text)
        (path.parent / detached).write_bytes(data)
        return path
    head = text.encode()
    assert len(head) <= label_bytes
    path.write_bytes(head.ljust(label_bytes, b"\x00") + data)
    return path


def test_a_tiled_junocam_cube_reads_its_filters_in_jovis_order(tmp_path):
    """Tiles that do not divide the image (70 × 50 in 32 × 16 tiles) come back in place; the
    BandBin's BLUE, GREEN, RED are given as red, green, blue."""
    rng = np.random.default_rng(0)
    image = rng.random((50, 70, 3)).astype(np.float32)
    path = write_cube(tmp_path / "pj44.cub", image, filters=["BLUE", "GREEN", "RED"])
    assert sniff_format(path) == "isis"
    frame = read_frame(path)
    assert frame.instrument == "junocam" and frame.channels == ["red", "green", "blue"]
    np.testing.assert_array_equal(frame.image, image[:, :, ::-1])
    assert frame.valid.all() and frame.meta["time"] == "2022-07-05T09:15:12.345"
    assert frame.grid is None and "map" not in frame.meta


@pytest.mark.parametrize("storage", ["Tile", "BandSequential"])
def test_big_endian_words_scale_by_base_and_multiplier_and_special_pixels_are_no_data(
    tmp_path, storage
):
    stored = np.arange(40 * 30, dtype=np.int16).reshape(40, 30) - 300
    stored[3, 4], stored[5, 6], stored[7, 8] = -32768, -32765, -32764  # Null, His, Hrs
    path = write_cube(tmp_path / "w.cub", stored, "SignedWord", "Msb", storage, base=10.0,
                      multiplier=0.5, instrument=None)  # fmt: skip
    frame = read_frame(path)
    assert frame.channels == ["gray"] and frame.instrument == "unknown"
    good = np.ones_like(stored, bool)
    good[3, 4] = good[5, 6] = good[7, 8] = False
    np.testing.assert_array_equal(frame.valid, good)
    np.testing.assert_allclose(frame.image[:, :, 0][good], 10.0 + 0.5 * stored[good])
    assert frame.meta["special_px"] == {"Null": 1, "His": 1, "Hrs": 1}
    assert frame.meta["byte_order"] == "big" and frame.meta["storage"] == storage


def test_real_special_pixels_and_byte_and_unsigned_word_ranges(tmp_path):
    real = np.full((20, 20), 2.5, np.float32)
    real[0, 0], real[1, 1] = REAL_NULL, REAL_HIS
    frame = read_frame(write_cube(tmp_path / "r.cub", real, instrument=None))
    assert frame.valid.sum() == 398 and frame.meta["special_px"] == {"Null": 1, "His": 1}
    byte = np.full((20, 20), 100, np.uint8)
    byte[0, :3] = [0, 255, 1]
    frame = read_frame(write_cube(tmp_path / "b.cub", byte, "UnsignedByte", instrument=None))
    assert frame.valid.sum() == 398 and frame.valid[0, 2]
    word = np.full((20, 20), 1000, np.uint16)
    word[0, :4] = [0, 2, 65534, 3]
    frame = read_frame(write_cube(tmp_path / "u.cub", word, "UnsignedWord", instrument=None))
    assert frame.valid.sum() == 397 and frame.valid[0, 3]


def test_a_detached_label_reads_its_data_file_and_a_listing_takes_the_label_once(tmp_path):
    image = np.random.default_rng(1).random((24, 40)).astype(np.float32)
    label = write_cube(tmp_path / "m.lbl", image, detached="m.cub", filters=["RED"])
    for path in (label, tmp_path / "m.cub"):
        assert sniff_format(path) == "isis"
        frame = read_frame(path)
        np.testing.assert_array_equal(frame.image[:, :, 0], image)
        assert frame.channels == ["red"] and frame.source == str(label)
    assert frame_files(sorted(tmp_path.iterdir())) == [label]
    assert declared_size(tmp_path / "m.cub", "isis") == (40, 24, 1)


def test_an_unnamed_filter_set_is_junocam_with_numbered_channels(tmp_path):
    frame = read_frame(write_cube(tmp_path / "x.cub", np.ones((8, 8, 2), np.float32),
                                  filters=["RED", "SOMETHING"]))  # fmt: skip
    assert frame.instrument == "junocam" and frame.channels == ["c0", "c1"]
    assert "does not name" in frame.meta["channel_note"]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:5000]), "truncated ISIS cube"),
        (lambda p: p.write_bytes(p.read_bytes().replace(b"\nEnd\n", b"\nEnx\n")), "End line"),
        (
            lambda p: p.write_bytes(p.read_bytes().replace(b"= Tile\n", b"= Bogus\n")),
            "Format='Bogus'",
        ),
        (
            lambda p: p.write_bytes(p.read_bytes().replace(b"Type = Real", b"Type = Doubl")),
            "Type='Doubl'",
        ),
        (
            lambda p: p.write_bytes(p.read_bytes().replace(b"Samples = 30", b"Samples = -3")),
            "positive integer Samples",
        ),
        (
            lambda p: p.write_bytes(p.read_bytes().replace(b"StartByte = 4097", b"StartByte = 0")),
            "StartByte=0",
        ),
    ],
)
def test_damaged_cubes_are_refused_naming_the_file_and_the_reason(tmp_path, damage, reason):
    path = write_cube(tmp_path / "bad.cub", np.ones((20, 30), np.float32), instrument=None)
    damage(path)
    with pytest.raises(FrameReadError, match=reason) as err:
        read_frame(path)
    assert "bad.cub" in str(err.value)


def test_the_pixel_limit_is_read_from_the_label_before_decoding(tmp_path):
    path = write_cube(tmp_path / "big.cub", np.ones((40, 30, 2), np.float32), instrument=None)
    assert declared_size(path, "isis") == (30, 40, 2)
    with pytest.raises(FrameReadError, match="above the limit"):
        read_frame(path, max_pixels=1000)


def test_damaged_labels_read_or_are_refused_with_a_frame_read_error(tmp_path):
    """Random bytes of the label replaced: every damaged cube reads or raises FrameReadError
    (never another exception)."""
    path = write_cube(tmp_path / "c.cub", np.ones((20, 30, 3), np.float32),
                      filters=["RED", "GREEN", "BLUE"], mapping=POLAR_MAPPING)  # fmt: skip
    clean = path.read_bytes()
    end = clean.index(b"\nEnd\n")
    rng = np.random.default_rng(5)
    for i in range(40):
        data = bytearray(clean)
        for at in rng.integers(0, end, 3):
            data[at] = int(rng.choice(list(b'=()"<>\n 0123456789-.aZ')))
        path = tmp_path / f"d{i}.cub"
        path.write_bytes(bytes(data))
        try:
            read_frame(path)
        except FrameReadError:
            pass


def test_pvl_lists_units_quotes_and_continued_lines():
    text = ('Object = IsisCube\n  Group = BandBin\n    FilterName = (RED,\n'
            '      "GREEN" , BLUE)\n    Center = 700 <nm>\n  End_Group\n'
            '  Note = "a (b"\n  /* a comment */\n  Name = \'a b\'\nEnd_Object\nEnd\n'
            "Junk = 1\n")  # fmt: skip
    label = parse_label(text)
    assert label == {"IsisCube": {"BandBin": {"FilterName": ["RED", "GREEN", "BLUE"],
                                              "Center": 700}, "Note": "a (b",
                                  "Name": "a b"}}  # fmt: skip


def test_a_one_filter_junocam_cube_is_refused_by_auto_naming_the_fix(tmp_path):
    """cam2map writes one cube per filter: model=auto refuses a red-only cube saying to stack
    the filters' cubes (cubeit), and takes the stacked cube to the colour detector."""
    from jovis.released import find_release
    from jovis.released.auto import picks_by_input

    image = np.random.default_rng(4).random((16, 16, 3)).astype(np.float32)
    write_cube(tmp_path / "red.cub", image[:, :, 0], filters=["RED"], mapping=POLAR_MAPPING)
    write_cube(tmp_path / "rgb.cub", image, filters=["RED", "GREEN", "BLUE"])
    picks = picks_by_input(tmp_path)
    refused = [key for key in picks if key.startswith("!")]
    assert len(refused) == 1 and "ISIS cubeit" in refused[0] and "1 channel(s)" in refused[0]
    assert picks[refused[0]][1] == [tmp_path / "red.cub"]
    assert picks[find_release("visible_rgb").tag][1] == [tmp_path / "rgb.cub"]


def test_a_cube_naming_junocam_only_by_its_instrument_name_is_junocam(tmp_path):
    label = write_cube(tmp_path / "n.lbl", np.ones((8, 8), np.float32), filters=["GREEN"],
                       detached="n.cub")  # fmt: skip
    label.write_text(label.read_text().replace("InstrumentId = JNC", "InstrumentName = JUNOCAM"))
    frame = read_frame(label)
    assert frame.instrument == "junocam" and frame.channels == ["green"]


def test_an_unprojected_junocam_framelet_cube_says_to_project_it_first(tmp_path):
    """junocam2isis writes one framelet per cube, with no Mapping group: the note says to
    map-project and stack, or to give the raw product instead."""
    framelet = read_frame(write_cube(tmp_path / "f.cub", np.ones((128, 64), np.float32),
                                     filters=["BLUE"]))  # fmt: skip
    assert framelet.grid is None and framelet.channels == ["blue"]
    assert "no Mapping group" in framelet.meta["channel_note"]
    assert "cam2map" in framelet.meta["channel_note"]


def test_a_four_filter_cube_names_methane_as_the_junocam_readers_do_and_auto_takes_its_rgb(
    tmp_path,
):
    from jovis.released import find_release
    from jovis.released.auto import picks_by_input

    image = np.random.default_rng(6).random((16, 16, 4)).astype(np.float32)
    path = write_cube(tmp_path / "all.cub", image, filters=["METHANE", "BLUE", "GREEN", "RED"],
                      mapping=POLAR_MAPPING)  # fmt: skip
    frame = read_frame(path)
    assert frame.channels == ["red", "green", "blue", "methane"]
    np.testing.assert_array_equal(frame.image, image[:, :, [3, 2, 1, 0]])
    pick, paths = picks_by_input(tmp_path)[find_release("visible_rgb").tag]
    assert paths == [path] and "on its red, green, blue" in pick.reason
