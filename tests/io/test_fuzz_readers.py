"""Fuzzing the frame readers (issue 10, "Also"): random bytes, truncated and bit-flipped FITS, PNG,
PDS3 label + image and JunoCam PNG + metadata JSON. `read_frame` returns a frame or raises
`FrameReadError`, nothing else, and never hangs (an alarm fails a case stuck for `STUCK_S`).

Hypothesis runs derandomized (the same examples every run) without deadlines: timing on a busy
2-core machine is no signal; the alarm is.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from astropy.io import fits
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.io.test_isis import POLAR_MAPPING, write_cube
from tests.io.test_pds3 import jiram, write_pds3
from tests.io.test_pds4 import radiance, write_pds4
from tests.io.test_vicar import write_vicar

from jovis.frame import Frame
from jovis.io import FrameReadError, read_frame
from jovis.paths import real_data_dir

STUCK_S = 10
PID = "JNCE_2020001_25C00001_V01"
HST = sorted((real_data_dir() / "hst_stis_north_2016-05-21").glob("*_proj.fits"))[:1]


def fuzz(n: int):
    """Hypothesis settings: `n` derandomized examples, no deadline, no example database."""
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Stuck(BaseException):
    """Raised by the alarm; a BaseException so that no reader's `except Exception` hides it."""


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def ring(signum, frame):
        raise Stuck(f"read_frame still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read_or_refuse(path: Path) -> Frame | None:
    """read_frame under the alarm: a Frame, or None when refused with FrameReadError; anything
    else (another exception, a hang) fails the test."""
    with alarm(STUCK_S):
        try:
            frame = read_frame(path)
        except FrameReadError as err:
            assert err.path and err.reason
            return None
    assert isinstance(frame, Frame) and frame.image.ndim == 3
    return frame


# --- seed files: small valid products of each kind --------------------------------------------


def _image(h: int = 24, w: int = 20) -> np.ndarray:
    return (np.arange(h * w, dtype=np.float32).reshape(h, w) % 97) + 1.0


def seed_fits(folder: Path) -> dict[str, bytes]:
    header = fits.Header({"TELESCOP": "HST", "INSTRUME": "STIS", "BUNIT": "kR"})
    hdus = fits.HDUList([fits.PrimaryHDU(header=header), fits.ImageHDU(_image(), name="SCI")])
    hdus.writeto(folder / "a.fits")
    return {"a.fits": (folder / "a.fits").read_bytes()}


def seed_png(folder: Path) -> dict[str, bytes]:
    rgb = np.dstack([_image().astype(np.uint8)] * 3)
    return {"a.png": cv2.imencode(".png", rgb)[1].tobytes()}


def seed_pds3(folder: Path, attached: bool) -> dict[str, bytes]:
    counts = np.random.default_rng(1).integers(0, 30000, (256, 16))
    write_pds3(folder, "JIR_IMG_EDR", counts, "LSB_INTEGER", jiram("I1"), attached)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def seed_vicar(folder: Path) -> dict[str, bytes]:
    write_vicar(folder / "m.vic", _image() / 200.0, nbb=4, nlb=1)
    return {"m.vic": (folder / "m.vic").read_bytes()}


def seed_isis(folder: Path, detached: bool) -> dict[str, bytes]:
    rgb = np.repeat(_image()[:, :, None], 3, axis=2) / 200.0
    name = "c.lbl" if detached else "c.cub"
    write_cube(folder / name, rgb, filters=["BLUE", "GREEN", "RED"], mapping=POLAR_MAPPING,
               tile=(8, 8), detached="c.cub" if detached else None)  # fmt: skip
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def seed_pds4(folder: Path) -> dict[str, bytes]:
    write_pds4(folder, "jir_img_rdr_f", radiance(256, 8))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def seed_junocam(folder: Path) -> dict[str, bytes]:
    codes = np.random.default_rng(0).integers(0, 256, (3 * 128, 16), dtype=np.uint8)
    meta = {"PRODUCT_ID": PID, "FILTER_NAME": ["BLUE", "GREEN", "RED"], "LINES": 384,
            "LINE_SAMPLES": 16, "SAMPLE_BIT_MODE_ID": "SQROOT",
            "START_TIME": "2020-01-01T00:00"}  # fmt: skip
    return {
        f"{PID}-raw.png": cv2.imencode(".png", codes)[1].tobytes(),
        f"{PID}-metadata.json": json.dumps(meta).encode(),
    }


def seed_junocam_set(folder: Path) -> dict[str, bytes]:
    planes = {n: (_image() * k % 256).astype(np.uint8) for k, n in enumerate(("red", "green"), 1)}
    files = {f"{PID}-{n}.png": cv2.imencode(".png", p)[1].tobytes() for n, p in planes.items()}
    return {**files, f"{PID}-metadata.json": json.dumps({"PRODUCT_ID": PID}).encode()}


def seed_geotiff(folder: Path) -> dict[str, bytes]:
    """GDAL's GeoTIFF of an RGB JunoCam cube with the label it keeps beside it."""
    data = Path(__file__).resolve().parents[1] / "data" / "geotiff"
    name = "isis_ps_south_west_rgb.tif"
    return {"g.tif": (data / name).read_bytes(),
            "g.tif.aux.xml": (data / f"{name}.aux.xml").read_bytes()}  # fmt: skip


def seed_sidecars(folder: Path) -> dict[str, bytes]:
    """GDAL's JPEG map with its world file and .aux.xml (its no-data mask appended)."""
    data = Path(__file__).resolve().parents[1] / "data" / "geotiff"
    files = {"w.jpg": "world_ortho_north.jpg", "w.wld": "world_ortho_north.wld",
             "w.jpg.aux.xml": "world_ortho_north.jpg.aux.xml"}  # fmt: skip
    return {name: (data / source).read_bytes() for name, source in files.items()}


SEEDS: dict[str, tuple[Callable[[Path], dict[str, bytes]], str]] = {
    # name: (seed builder, the file read_frame is given)
    "fits": (seed_fits, "a.fits"),
    "png": (seed_png, "a.png"),
    "pds3_detached": (lambda f: seed_pds3(f, False), "JIR_IMG_EDR.LBL"),
    "pds3_attached": (lambda f: seed_pds3(f, True), "JIR_IMG_EDR.IMG"),
    "vicar": (seed_vicar, "m.vic"),
    "isis": (lambda f: seed_isis(f, False), "c.cub"),
    "isis_detached": (lambda f: seed_isis(f, True), "c.lbl"),
    "pds4": (seed_pds4, "jir_img_rdr_f.xml"),
    "geotiff": (seed_geotiff, "g.tif"),
    "sidecars": (seed_sidecars, "w.jpg"),
    "junocam_raw": (seed_junocam, f"{PID}-raw.png"),
    "junocam_set": (seed_junocam_set, f"{PID}-red.png"),
}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    out = {}
    for name, (build, target) in SEEDS.items():
        folder = tmp_path_factory.mktemp(name)
        files = build(folder)
        for fname, data in files.items():
            (folder / fname).write_bytes(data)
        assert read_or_refuse(folder / target) is not None, f"seed {name} does not read"
        out[name] = files
    return out


def read_set(files: dict[str, bytes], target: str) -> Frame | None:
    """Write the file set into a fresh folder and read `target`."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        return read_or_refuse(folder / target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- mutations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """Damage to a file: cut at `at`, flip `bits` [(byte, bit)], overwrite with `chunk` at `at`, or
    replace the whole file by `chunk`.
    (Kept small to print: the failing case is shown as this, not as the damaged bytes.)"""

    how: str
    at: int = 0
    bits: tuple[tuple[int, int], ...] = ()
    chunk: bytes = b""

    def __call__(self, data: bytes) -> bytes:
        if self.how == "truncate":
            return data[: self.at]
        if self.how == "replace":
            return self.chunk
        out = bytearray(data)
        for pos, bit in self.bits:
            out[pos % len(out)] ^= 1 << bit
        if self.how == "overwrite":
            out[self.at : self.at + len(self.chunk)] = self.chunk
        return bytes(out[: len(data)])


def mutations(n: int, head: int = 4096) -> st.SearchStrategy[Mutation]:
    """Damage to an `n`-byte file, mostly in its first `head` bytes (where the headers are)."""
    where = st.one_of(st.integers(0, min(n, head) - 1), st.integers(0, n - 1))
    bits = st.lists(st.tuples(where, st.integers(0, 7)), min_size=1, max_size=8).map(tuple)
    return st.one_of(
        st.builds(Mutation, st.just("truncate"), st.integers(0, n - 1)),
        st.builds(Mutation, st.just("flip"), bits=bits),
        st.builds(Mutation, st.just("overwrite"), where, chunk=st.binary(min_size=1, max_size=32)),
    )


def read_damaged(files: dict[str, bytes], victim: str, target: str, damage: Mutation) -> None:
    try:
        read_set({**files, victim: damage(files[victim])}, target)
    except Stuck as err:  # no shrinking (each try would take STUCK_S): say which input
        raise Stuck(f"{err}: {victim} damaged by {damage}") from None


# --- the fuzz tests ------------------------------------------------------------------------------

MAGICS = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"\x93NUMPY",
          b"SIMPLE  =", b"PDS_VERSION_ID", b"ODL_VERSION_ID", b"LBLSIZE=",
          b"<?xml version='1.0'?><Product_Observational>", b"Object = IsisCube\n"]  # fmt: skip


@fuzz(40)
@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=600),
       name=st.sampled_from(["x.png", "x.fits", "x.IMG", "x.npy", f"{PID}-raw.png"]))  # fmt: skip
@example(magic=b"SIMPLE  =", body=b"", name="x.fits")
@example(magic=b"\x93NUMPY", body=b"\x01\x00", name="x.npy")
@example(magic=b"LBLSIZE=", body=b"40 NL=999999 NS=999999 FORMAT='DOUB'", name="x.IMG")
def test_random_bytes_behind_any_magic_are_refused(magic, body, name):
    read_set({name: magic + body}, name)


@pytest.mark.parametrize(
    ("seed", "victim", "n"),
    [
        ("fits", "a.fits", 70),
        ("png", "a.png", 40),
        ("pds3_detached", "JIR_IMG_EDR.LBL", 50),
        ("pds3_detached", "JIR_IMG_EDR.IMG", 15),
        ("pds3_attached", "JIR_IMG_EDR.IMG", 50),
        ("vicar", "m.vic", 50),
        ("isis", "c.cub", 50),
        ("isis_detached", "c.lbl", 30),
        ("isis_detached", "c.cub", 10),
        ("pds4", "jir_img_rdr_f.xml", 50),
        ("pds4", "jir_img_rdr_f.img", 15),
        ("geotiff", "g.tif", 40),
        ("geotiff", "g.tif.aux.xml", 20),
        ("sidecars", "w.jpg", 20),
        ("sidecars", "w.wld", 15),
        ("sidecars", "w.jpg.aux.xml", 25),
        ("junocam_raw", f"{PID}-raw.png", 25),
        ("junocam_raw", f"{PID}-metadata.json", 40),
        ("junocam_set", f"{PID}-green.png", 20),
    ],
)
def test_damaged_products_are_read_or_refused(seeds, seed, victim, n):
    @fuzz(n)
    @given(damage=mutations(len(seeds[seed][victim])))
    def run(damage):
        read_damaged(seeds[seed], victim, SEEDS[seed][1], damage)

    run()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
JUNOCAM_KEYS = ["PRODUCT_ID", "FILTER_NAME", "LINES", "LINE_SAMPLES", "SAMPLE_BIT_MODE_ID",
                "START_TIME", "IMAGE_TIME"]  # fmt: skip


@fuzz(40)
@given(
    fields=st.dictionaries(st.sampled_from(JUNOCAM_KEYS), JSON_VALUES, max_size=4),
    target=st.sampled_from([f"{PID}-{kind}.png" for kind in ("raw", "red", "mapprojected")]),
)
def test_junocam_metadata_of_any_json_shape_is_read_or_refused(fields, target):
    codes = np.random.default_rng(0).integers(0, 256, (3 * 128, 16), dtype=np.uint8)
    files = {
        target: cv2.imencode(".png", codes)[1].tobytes(),
        f"{PID}-metadata.json": json.dumps(fields).encode(),
    }
    read_set(files, target)


# Crashes the fuzzing found, each as the shortest damage that showed it, and the fix's reason.
REGRESSIONS = [
    # astropy's VerifyError (not a ValueError) on a card whose closing quote a flip removed
    ("fits", "a.fits", Mutation("flip", bits=((339, 0),)), "corrupt FITS header: Unparsable card"),
    # an IDAT length of ~4 GB: OpenCV allocated 4 GB and took 12 s before failing
    (
        "junocam_raw",
        f"{PID}-raw.png",
        Mutation("overwrite", 33, chunk=b"\xf9"),
        "corrupt PNG: chunk",
    ),
    ("png", "a.png", Mutation("overwrite", 33, chunk=b"\xf9"), "corrupt PNG: chunk b'IDAT'"),
    # json.loads raised RecursionError on deep nesting
    (
        "junocam_raw",
        f"{PID}-metadata.json",
        Mutation("replace", chunk=b"[" * 100_000),
        "metadata is not valid JSON (nested too deeply)",
    ),
]


@pytest.mark.parametrize(("seed", "victim", "damage", "reason"), REGRESSIONS)
def test_crashes_found_by_fuzzing_are_refused_with_a_reason(seeds, seed, victim, damage, reason):
    files, target = seeds[seed], SEEDS[seed][1]
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        for name, data in {**files, victim: damage(files[victim])}.items():
            (folder / name).write_bytes(data)
        with alarm(STUCK_S), pytest.raises(FrameReadError, match=re.escape(reason)) as err:
            read_frame(folder / target)
        assert str(folder / victim) in str(err.value)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not HST, reason="needs the shared real HST *_proj.fits frames")
def test_a_real_hst_projection_truncated_or_flipped_is_read_or_refused():
    data = HST[0].read_bytes()
    assert read_set({"p_proj.fits": data}, "p_proj.fits") is not None

    @fuzz(20)
    @given(damage=mutations(len(data), head=2880 * 4))
    def run(damage):
        read_damaged({"p_proj.fits": data}, "p_proj.fits", "p_proj.fits", damage)

    run()


def test_the_alarm_fails_a_stuck_read(tmp_path, monkeypatch):
    import jovis.io.reader as reader

    monkeypatch.setattr(reader, "check_pixels", lambda *a: signal.pause())
    path = tmp_path / "a.png"
    path.write_bytes(seed_png(tmp_path)["a.png"])
    monkeypatch.setattr(sys.modules[__name__], "STUCK_S", 1)
    with pytest.raises(Stuck, match="still running after 1 s"):
        read_or_refuse(path)
