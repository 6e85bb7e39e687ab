"""Archives given as input (`jovis.io.archives`): a JunoCam image set downloaded as a zip is
unpacked once into the cache and read with its metadata; a bad archive is refused by name and
reason, and a run records it as failed and carries on."""

import json
import tarfile
import zipfile

import numpy as np
import pytest
from tests.conftest import write_junocam_products

from jovis.inference.inputs import list_inputs
from jovis.io import read_frame
from jovis.io.archives import ArchiveError, unpack
from jovis.io.errors import FrameReadError


def zipped_product(tmp_path, name="JNCE_2022229_44C00037_V01.zip"):
    products = write_junocam_products(tmp_path / "products", {"44C00037": "35216.7 <km>"})
    downloads = tmp_path / "downloads"
    downloads.mkdir(exist_ok=True)
    with zipfile.ZipFile(downloads / name, "w") as zf:
        for f in sorted(products.iterdir()):
            zf.write(f, f"set/{f.name}")  # the website's zips hold a folder
    return downloads / name


def test_a_zipped_image_set_is_unpacked_once_and_read_with_its_metadata(tmp_path):
    archive = zipped_product(tmp_path)
    (frame_path,) = list_inputs(archive.parent)  # a folder of downloads
    assert frame_path.name == "JNCE_2022229_44C00037_V01-mapprojected.png"
    frame = read_frame(frame_path)
    assert frame.instrument == "junocam" and "SPACECRAFT_ALTITUDE" in frame.meta
    assert list_inputs(archive) == [frame_path]  # named alone; the cache is reused
    assert list_inputs(f"{archive.parent}/*.zip") == [frame_path]
    with pytest.raises(FrameReadError, match="an archive, not a frame: give it as input="):
        read_frame(archive)


def test_a_tar_gz_is_unpacked_too(tmp_path):
    products = write_junocam_products(tmp_path / "p", {"44C00036": "40000 <km>"})
    archive = tmp_path / "set.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for f in sorted(products.iterdir()):
            tf.add(f, f.name)
    (frame_path,) = list_inputs(archive)
    assert frame_path.parent == unpack(archive) and frame_path.name.endswith("-mapprojected.png")


OUTSIDE = "would land outside the archive's folder"


@pytest.mark.parametrize("member, reason", [("../evil.png", OUTSIDE), ("/etc/evil.png", OUTSIDE)])
def test_a_member_outside_the_folder_is_refused(tmp_path, member, reason):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(member, b"x")
    with pytest.raises(ArchiveError, match=reason):
        unpack(archive)
    with pytest.raises(FrameReadError, match=f"cannot be unpacked: member .*{reason}"):
        read_frame(archive)


def test_a_run_records_a_corrupt_archive_and_carries_on(tmp_path, tiny_run):
    from jovis.inference import run_inference

    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    np.save(frames / "a.npy", np.random.default_rng(0).random((32, 32, 2)).astype(np.float32))
    result = run_inference(tiny_run["checkpoint"], frames, tmp_path / "o", device="cpu",
                           progress=False)  # fmt: skip
    assert (result["ok"], result["failed"]) == (1, 1)
    (failure,) = result["failures"]
    assert failure["source"].endswith("broken.zip") and "cannot be unpacked" in failure["error"]
    rows = [json.loads(x) for x in (tmp_path / "o" / "manifest.jsonl").read_text().splitlines()]
    assert {r["status"] for r in rows} == {"ok", "failed"}


def test_a_product_beside_its_own_zip_is_predicted_once(tmp_path):
    archive = zipped_product(tmp_path)
    for f in (tmp_path / "products").iterdir():  # the same set, unpacked by hand beside it
        (archive.parent / f.name).write_bytes(f.read_bytes())
    (frame_path,) = list_inputs(archive.parent)
    assert frame_path.parent == archive.parent  # the folder's own file comes first


def test_a_member_with_a_bad_crc_is_refused_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("JOVIS_CACHE", str(tmp_path / "cache"))
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.png", b"A" * 1000)
    data = bytearray(archive.read_bytes())
    data[data.find(b"A" * 100) + 10] = ord("B")  # the stored bytes no longer match their CRC
    archive.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="Bad CRC-32"):
        unpack(archive)
    assert list((tmp_path / "cache" / "archives").iterdir()) == []  # no partial folder
    with pytest.raises(FrameReadError, match=r"member a\.png is corrupt"):
        read_frame(archive)
