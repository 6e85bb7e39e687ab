"""VICAR images (`jovis.io.vicar`): the JIRAM polar maps' format (PHYSICS.md §4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jovis.io import FrameReadError, read_frame, sniff_format
from jovis.io.limits import declared_size
from jovis.io.vicar import parse_label

NUMPY_TYPES = {"BYTE": "u1", "HALF": "i2", "FULL": "i4", "REAL": "f4", "DOUB": "f8"}


def vax_f(values: np.ndarray) -> bytes:
    """VAX F floats: an IEEE single of 4× the value with its two 16-bit words swapped."""
    words = (np.asarray(values, "<f4") * np.float32(4.0)).view(np.uint8).reshape(-1, 2, 2)
    return words[:, ::-1, :].tobytes()


def write_vicar(path: Path, image: np.ndarray, form: str = "REAL", org: str = "BSQ",
                intfmt: str | None = "LOW", realfmt: str | None = "RIEEE", nbb: int = 0,
                nlb: int = 0, extra: str = "", lblsize: int | None = None) -> Path:  # fmt: skip
    """Write `image` (NL×NS or NL×NS×NB) as the VICAR file format describes: a label of whole
    records, NLB binary header records, then records of NBB prefix bytes and N1 pixels."""
    cube = image[:, :, None] if image.ndim == 2 else image
    nl, ns, nb = cube.shape
    order = {"LOW": "<", "HIGH": ">"}[intfmt or "LOW"]
    if form in ("REAL", "DOUB"):
        order = {"RIEEE": "<", "IEEE": ">", "VAX": "vax", None: "<"}[realfmt]
    axes = {"BSQ": (2, 0, 1), "BIL": (0, 2, 1), "BIP": (0, 1, 2)}[org]
    blocks = np.transpose(cube, axes)  # (N3, N2, N1)
    n1 = blocks.shape[2]
    rows = blocks.reshape(-1, n1)
    if order == "vax":
        pixels = [vax_f(row) for row in rows]
    else:
        pixels = [row.astype(order + NUMPY_TYPES[form]).tobytes() for row in rows]
    recsize = nbb + len(pixels[0])
    items = (f"FORMAT='{form}'  TYPE='IMAGE'  BUFSIZ=20480  DIM=3  EOL=0  RECSIZE={recsize}  "
             f"ORG='{org}'  NL={nl}  NS={ns}  NB={nb}  N1={n1}  NBB={nbb}  NLB={nlb}  "
             f"HOST='X86-LINUX'  ")  # fmt: skip
    if intfmt:
        items += f"INTFMT='{intfmt}'  "
    if realfmt:
        items += f"REALFMT='{realfmt}'  "
    items += extra
    if lblsize is None:
        lblsize = recsize * -(-(len(items) + 20) // recsize)
    label = f"LBLSIZE={lblsize:<8d}{items}".encode().ljust(lblsize, b"\x00")[:lblsize]
    prefix = bytes(range(nbb))  # binary prefix bytes, not pixels
    with open(path, "wb") as fh:
        fh.write(label + bytes(nlb * recsize))
        for row in pixels:
            fh.write(prefix + row)
    return path


def map_image(nl: int = 12, ns: int = 10, nb: int = 1) -> np.ndarray:
    rng = np.random.default_rng(2)
    image = rng.uniform(0.01, 0.6, (nl, ns, nb)).astype(np.float32)
    image[:3, :4] = 0.0  # a JIRAM map's background is exactly 0
    return image[:, :, 0] if nb == 1 else image


def test_label_items_strings_lists_and_history_repeats():
    label = parse_label(
        "LBLSIZE=200     FORMAT='REAL'  NL=3 NS = 4  MISSION='JUNO ''JIRAM'''  "
        "RANGE=(1.5,2,'a,b')  TASK='MAP3'  NL=99\x00\x00 NS=7"
    )
    assert label["FORMAT"] == "REAL" and label["NL"] == 3 and label["NS"] == 4
    assert label["MISSION"] == "JUNO 'JIRAM'"
    assert label["RANGE"] == [1.5, 2, "a,b"]
    assert label["LBLSIZE"] == 200 and label["TASK"] == "MAP3"


TYPES_AND_ORDERS = [
    ("REAL", "RIEEE", "LOW"),
    ("REAL", "IEEE", "HIGH"),
    ("DOUB", "IEEE", "LOW"),
    ("HALF", None, "HIGH"),
    ("FULL", None, "LOW"),
    ("BYTE", None, None),
]


@pytest.mark.parametrize("org", ["BSQ", "BIL", "BIP"])
@pytest.mark.parametrize(("form", "realfmt", "intfmt"), TYPES_AND_ORDERS)
def test_pixels_in_every_type_order_and_organisation(tmp_path, form, realfmt, intfmt, org):
    image = map_image(9, 7, 3)
    if form not in ("REAL", "DOUB"):
        image = np.round(image * 200)
    path = write_vicar(tmp_path / "m.vic", image, form, org, intfmt, realfmt, nbb=6, nlb=2)
    assert sniff_format(path) == "vicar"
    assert declared_size(path, "vicar") == (7, 9, 3)
    frame = read_frame(path, instrument="jiram_m")
    assert frame.channels == ["c0", "c1", "c2"] and frame.instrument == "jiram_m"
    np.testing.assert_allclose(frame.image, image.astype(np.float32), rtol=1e-6)
    floats = form in ("REAL", "DOUB")
    assert frame.valid[:3, :4].any() != floats  # exactly 0: background in a float map only
    assert frame.valid[3:].all()
    assert frame.meta["format"] == "vicar" and frame.meta["label"]["ORG"] == org


def test_a_jiram_polar_map_reads_its_background_as_no_data(tmp_path):
    image = map_image()
    image[5, 5] = np.nan
    extra = "MISSION='JUNO'  START_TIME='2017-02-02T12:10:00'  DAT_TIM='Thu Mar 3 2022'"
    path = write_vicar(tmp_path / "pj4_m.IMG", image, extra=extra)
    frame = read_frame(path)
    assert frame.channels == ["gray"] and frame.image.shape == (12, 10, 1)
    assert not frame.valid[:3, :4].any() and not frame.valid[5, 5]
    assert frame.valid.sum() == 12 * 10 - 12 - 1
    assert frame.meta["zero_background_px"] == 12
    assert frame.meta["byte_order"] == "little" and frame.meta["label"]["MISSION"] == "JUNO"
    assert frame.meta["time"] == "2017-02-02T12:10:00"  # the exposure, not the processing date
    assert "pj4_m.IMG.map.json" in frame.meta["grid_source"]  # where to declare its grid


def test_vax_floats_are_converted(tmp_path):
    image = map_image()
    frame = read_frame(write_vicar(tmp_path / "vax.vic", image, realfmt="VAX"))
    np.testing.assert_allclose(frame.image[:, :, 0], image, rtol=1e-7)
    assert frame.meta["byte_order"] == "vax"


@pytest.mark.parametrize(("written", "read_as"), [("RIEEE", "little"), ("IEEE", "big"),
                                                  ("VAX", "vax")])  # fmt: skip
def test_floats_without_realfmt_are_read_in_the_order_that_gives_sane_values(
    tmp_path, written, read_as
):
    image = map_image()
    path = write_vicar(tmp_path / "m.vic", image, realfmt=written)
    text = path.read_bytes().replace(f"REALFMT='{written}'".encode(), b" " * (10 + len(written)))
    path.write_bytes(text)
    frame = read_frame(path)
    np.testing.assert_allclose(frame.image[:, :, 0], image, rtol=1e-7)
    assert frame.meta["byte_order"] == read_as
    assert "no REALFMT" in frame.meta["byte_order_note"]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda b: b[:-7], "truncated VICAR file"),
        (lambda b: b.replace(b"FORMAT='REAL'", b"FORMAT='COMP'"), "FORMAT='COMP' is not read"),
        (lambda b: b.replace(b"NL=12", b"NL=-1"), "positive integer NL and NS"),
        (lambda b: b.replace(b"ORG='BSQ'", b"ORG='XYZ'"), "ORG='XYZ'"),
        (lambda b: b.replace(b"NBB=0 ", b"NBB=-4"), "NBB=-4, NLB=0"),
        (lambda b: b.replace(b"REALFMT='RIEEE'", b"REALFMT='CRAY1'"), "REALFMT='CRAY1'"),
        (lambda b: b.replace(b"LBLSIZE=", b"LBLSIZE=9", 1), "truncated VICAR file: LBLSIZE"),
    ],
)
def test_broken_files_are_refused_naming_the_reason(tmp_path, damage, reason):
    path = write_vicar(tmp_path / "m.vic", map_image())
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(FrameReadError, match=reason) as err:
        read_frame(path)
    assert str(path) in str(err.value)


def test_the_pixel_limit_is_checked_from_the_label(tmp_path):
    path = write_vicar(tmp_path / "m.vic", map_image())
    with pytest.raises(FrameReadError, match="declares 10×12×1"):
        read_frame(path, max_pixels=100)


def test_a_label_size_beyond_the_file_is_refused_before_reading(tmp_path):
    path = write_vicar(tmp_path / "m.vic", map_image())
    path.write_bytes(path.read_bytes().replace(b"LBLSIZE=", b"LBLSIZE=99999999999", 1))
    with pytest.raises(FrameReadError, match="LBLSIZE=99999999999"):
        read_frame(path, max_pixels=None)


# the items of JIRAM's PJ4 polar maps' labels (as ksr-ocean/jiram_catalog's notes list them)
PJ4_MAP_ITEMS = (
    "MISSION_NAME='JUNO'  CAMERA_NAME='JIRM'  INSTRUMENT_ID=5  FILTER_NAME='M'  "
    "IMAGE_TIME='2017-02-02T11:40:03.870'  PRODUCT_ID='JIR_IMG_RDR_2017033T114006_V02'  "
    "MPOX=3800.0  MPOY=3800.0  MPS=15.0  DU=-90.0  MPROJ=4  CENLAT=83.15"
)


def test_a_jiram_map_is_an_m_band_frame_with_its_time(tmp_path):
    frame = read_frame(write_vicar(tmp_path / "n01a.map", map_image(), extra=PJ4_MAP_ITEMS))
    assert frame.instrument == "jiram_m" and frame.channels == ["M"]
    assert frame.meta["time"] == "2017-02-02T11:40:03.870"
    other = read_frame(write_vicar(tmp_path / "x.vic", map_image(), extra="FILTER_NAME='M'"))
    assert other.instrument == "unknown" and other.channels == ["gray"]  # not said to be JIRAM


def test_a_jiram_map_label_says_what_to_declare_and_a_folder_lists_map_files(tmp_path):
    path = write_vicar(tmp_path / "n01h.map", map_image(), extra=PJ4_MAP_ITEMS)
    note = read_frame(path).meta["grid_source"]
    assert "n01h.map.map.json" in note and "oblate_orthographic, km_per_px: 15" in note
    assert "lon_at_x: 270" in note and "pole's pixel not in the label" in note
    from jovis.inference.inputs import frame_files

    assert [p.name for p in frame_files(sorted(tmp_path.iterdir()))] == ["n01h.map"]
