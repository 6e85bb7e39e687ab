"""A visible (junocam_rgb) checkpoint marks no aurora pixel and no sky pixel on real JunoCam
map-projected products (PJ44 44C00037, PJ43 43C00078), through `scripts/infer.py`; skipped when
../shared/data/real is absent."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from tests.conftest import REAL_DATA, REPO
from tests.inference.test_real_frames import tiny_checkpoint

from jovis.io.masks import read_mask_png
from jovis.io.reader import read_frame

pytestmark = pytest.mark.skipif(
    not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: real-frame tests need shared data"
)
PRODUCTS = [
    "pj44_north_junocam/JNCE_2022229_44C00037_V01-mapprojected.png",
    "pj43_south_junocam/JNCE_2022186_43C00078_V01-mapprojected.png",
]


def prefer_aurora(ckpt):
    """The checkpoint with its aurora bias raised by 10^4: unmasked, every pixel is aurora."""
    blob = torch.load(ckpt, weights_only=True)
    key = [k for k, v in blob["state_dict"].items() if k.endswith("bias") and v.shape == (3,)][-1]
    blob["state_dict"][key][1] += 1e4
    torch.save(blob, ckpt)
    return ckpt


def test_a_visible_checkpoint_marks_no_aurora_and_no_sky_on_junocam_products(tmp_path):
    ckpt = prefer_aurora(tiny_checkpoint(tmp_path, "junocam_rgb"))
    frames = tmp_path / "frames"
    frames.mkdir()
    for rel in PRODUCTS:  # a quarter of the size: the test stays fast
        image = cv2.imread(str(REAL_DATA / rel), cv2.IMREAD_UNCHANGED)
        small = cv2.resize(image, (400, 400), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(frames / rel.split("/")[1]), small)
    meta = REAL_DATA / PRODUCTS[0].replace("-mapprojected.png", "-metadata.json")
    (frames / meta.name).write_text(meta.read_text())  # 44C00037 is placed on the planet
    out = tmp_path / "out"
    cmd = [sys.executable, "scripts/infer.py", f"ckpt={ckpt}", f"input={frames}", f"out={out}",
           "device=cpu", "num_workers=0", "progress=false"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"] == 2 and result["failed"] == 0
    for path in sorted(frames.glob("*.png")):
        valid = read_frame(path).valid
        assert valid is not None and 0.2 < valid.mean() < 0.95  # a disk with sky around it
        mask = read_mask_png(out / "masks" / path.name)
        assert not (mask == 1).any()  # no aurora, though the weights prefer it everywhere
        assert (mask[~valid] == 255).all()  # sky is no data: no class at all
        assert np.isin(mask[valid], [0, 2]).all()
    located = {}
    for path in sorted((out / "features").glob("*.geojson")):
        located[path.name[13:21]] = json.loads(path.read_text())["properties"].get("located")
    assert located["44C00037"].startswith("JunoCam view model")  # with its metadata
    assert located["43C00078"].startswith("not located: no JNCE_2022186_43C00078_V01-metadata")
