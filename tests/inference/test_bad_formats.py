"""A batch with broken FITS, PDS3 and JunoCam files among good frames: each broken one is recorded
as failed with its file and reason, and the good ones are processed."""

import json

import cv2
import numpy as np
from astropy.io import fits

from jovis.inference import run_inference

LABEL = (
    "PDS_VERSION_ID = PDS3\r\nRECORD_TYPE = FIXED_LENGTH\r\nRECORD_BYTES = {rb}\r\n"
    'FILE_RECORDS = {n}\r\n^IMAGE = ("{img}", 1)\r\nINSTRUMENT_ID = JIRAM\r\n'
    "OBJECT = IMAGE\r\n  LINES = {n}\r\n  LINE_SAMPLES = 16\r\n  SAMPLE_TYPE = PC_REAL\r\n"
    "  SAMPLE_BITS = 32\r\nEND_OBJECT = IMAGE\r\nEND\r\n"
)


def broken_batch(folder):
    """{file name: expected words of its error}."""
    image = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(image)]).writeto(folder / "good.fits")
    data = (folder / "good.fits").read_bytes()
    (folder / "good.fits").unlink()
    (folder / "truncated.fits").write_bytes(data[: len(data) // 2])
    fits.PrimaryHDU().writeto(folder / "nodata.fits")
    (folder / "MISSING.LBL").write_text(LABEL.format(rb=64, n=8, img="MISSING.IMG"))
    (folder / "SHORT.LBL").write_text(LABEL.format(rb=64, n=8, img="SHORT.IMG"))
    (folder / "SHORT.IMG").write_bytes(np.zeros((4, 16), np.float32).tobytes())  # half of it
    pid = "JNCE_2020001_25C00001_V01"
    _, png = cv2.imencode(".png", np.zeros((200, 16), np.uint8))
    (folder / f"{pid}-raw.png").write_bytes(png.tobytes())  # 200 rows: not whole framelets
    pid2 = "JNCE_2020001_25C00002_V01"
    _, png = cv2.imencode(".png", np.zeros((384, 16), np.uint8))
    (folder / f"{pid2}-raw.png").write_bytes(png.tobytes())
    (folder / f"{pid2}-metadata.json").write_text("{not json")
    return {
        "truncated": "truncated",
        "nodata": "no image",
        "MISSING": "MISSING.IMG",
        "SHORT": "SHORT.IMG",
        f"{pid}-raw": "not a multiple",
        f"{pid2}-raw": "metadata.json",
    }


def test_broken_products_fail_alone(tiny_run, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    expected = broken_batch(batch)
    for i in range(2):  # good frames in the checkpoint's channels (L, M)
        np.save(batch / f"good{i}.npy", np.random.default_rng(i).random((64, 64, 2), np.float32))
    out = tmp_path / "out"
    result = run_inference(tiny_run["checkpoint"], batch, out, device="cpu", progress=False)
    assert result["ok"] == 2 and result["failed"] == len(expected)
    rows = {
        json.loads(x)["id"]: json.loads(x)
        for x in (out / "manifest.jsonl").read_text().splitlines()
    }
    for fid, words in expected.items():
        assert rows[fid]["status"] == "failed", fid
        assert words.lower() in rows[fid]["error"].lower(), (fid, rows[fid]["error"])
        assert str(batch) in rows[fid]["error"] or str(batch) in rows[fid]["source"]
    assert (out / "overlays" / "good0.png").is_file() and (out / "report.html").is_file()
