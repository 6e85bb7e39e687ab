"""The real sample frames shipped in the package: present, unchanged, credited, within budget,
readable, and run through the released detectors by model=auto."""

import fnmatch
import hashlib
import json
import subprocess
import sys

import pytest
import tomllib
from tests.conftest import REPO

from jovis.io.reader import read_frame
from jovis.released import releases
from jovis.samples import SAMPLES, SAMPLES_DIR, sample_paths

README = SAMPLES_DIR / "README.md"


def test_each_sample_is_credited_with_its_sha256_and_the_set_fits_the_budget():
    text = README.read_text()
    files = sorted(p for p in (SAMPLES_DIR / "frames").iterdir() if p.is_file())
    assert {p.name for p in sample_paths()} <= {p.name for p in files}
    for path in files:  # frames and their sidecars: each named with its digest
        assert path.name in text, f"{path.name} not described in {README}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() in text, f"{path.name} changed"
    assert sum(p.stat().st_size for p in files) <= 3_000_000
    assert max(p.stat().st_size for p in files) <= 2_000_000
    assert "NASA/ESA/STScI" in text and "NASA/JPL-Caltech/SwRI/MSSS" in text


def test_samples_are_package_data():
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["jovis"]  # fmt: skip
    root = SAMPLES_DIR.parent
    for path in [README, *(SAMPLES_DIR / "frames").iterdir()]:
        rel = str(path.relative_to(root))
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), f"{rel} is not package data"


@pytest.mark.parametrize(
    ("name", "instrument", "shape"),
    [(n, "hst_stis", (500, 500, 1)) for n in SAMPLES if n.endswith(".fits")]
    + [(n, "junocam", (1600, 1600, 3)) for n in SAMPLES if n.endswith(".png")],
)
def test_samples_read_as_their_instrument(name, instrument, shape):
    frame = read_frame(SAMPLES_DIR / name)
    assert frame.instrument == instrument and frame.image.shape == shape


@pytest.mark.skipif(not releases(), reason="no released detector is shipped")
def test_infer_model_auto_runs_a_release_on_every_sample(tmp_path):
    proc = subprocess.run(
        [sys.executable, "scripts/infer.py", "model=auto", f"input={SAMPLES_DIR / 'frames'}",
         f"out={tmp_path}", "num_workers=0", "progress=false"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"] == len(SAMPLES) and result["failed"] == 0
    picked = {m.split("-v")[0] for m in result["models"]}
    assert picked == {"uv", "visible_rgb"}
    for tag in result["models"]:
        assert any((tmp_path / tag / "overlays").iterdir()), f"no overlay written for {tag}"
