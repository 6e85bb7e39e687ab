"""`jovis.realism.look_fit` and `scripts/fit_look.py`: the look settings that made a composite
from its unprocessed product are found again, without labels."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from tests.apps.test_scripts import run

from jovis.frame import Frame
from jovis.inference.look import LookSettings, composite_look
from jovis.realism.look_fit import as_network_sees, difference, fit_look

SMALL = {"blur": (0.1, 0.3), "flatten": (0.0, 1.0), "gamma": (0.5, 1.0), "saturation": (1.0,),
         "night": (0.0, 0.5)}  # fmt: skip


def _product(size=96):
    """An unprocessed disk: clouds under an illumination that falls to a dim twilight band."""
    g = np.random.default_rng(4)
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    disk = np.hypot(xx - size / 2, yy - size / 2) < size * 0.45
    light = np.clip((xx / size) * 1.6, 0.02, 1.0)  # bright limb on the right, twilight left
    clouds = cv2.GaussianBlur(g.uniform(0.6, 1.0, (size, size)).astype(np.float32), (0, 0), 1.5)
    image = np.dstack([clouds * light * k for k in (1.0, 0.9, 0.8)]) * disk[..., None]
    return Frame(image.astype(np.float32), ["red", "green", "blue"], valid=disk)


def test_fit_look_finds_the_settings_that_made_the_composite():
    product = _product()
    made = LookSettings(mode="on", blur=0.1, flatten=1.0, gamma=0.5, night=0.5)
    composite = composite_look(product, made)
    result = fit_look(product, composite, SMALL, work_size=96, size=64)
    best = result["best"]
    assert (best["blur"], best["flatten"], best["gamma"], best["night"]) == (0.1, 1.0, 0.5, 0.5)
    assert best["mae"] < 1e-3 and best["valid_agree"] == 1.0
    assert len(result["rows"]) == 16 and result["rows"][-1]["mae"] > 0.05
    assert result["no_look"]["mae"] > 0.05  # the product itself is not the composite
    assert result["default"]["mae"] > best["mae"]


def test_difference_counts_pixels_only_one_frame_holds():
    product = _product()
    a = as_network_sees(product, 64)
    assert difference(a, a) == {"mae": 0.0, "valid_agree": 1.0}
    cut = Frame(product.image, product.channels, valid=product.valid & (np.arange(96) > 40))
    out = difference(a, as_network_sees(cut, 64))
    assert out["mae"] > 0.05 and out["valid_agree"] < 0.9
    with pytest.raises(ValueError, match="shape"):
        difference(a, as_network_sees(product, 32))
    with pytest.raises(ValueError, match="not look settings"):
        fit_look(product, product, {"sharpen": (1.0,)})


def test_fit_look_script_writes_every_setting_and_prints_the_best(tmp_path):
    product = _product(128)
    composite = composite_look(product, LookSettings(mode="on", blur=0.3, flatten=0.0,
                                                     gamma=1.0, night=0.0))  # fmt: skip
    for name, frame in (("set.png", product), ("composite.png", composite)):
        rgb = frame.image / max(float(frame.image.max()), 1e-6) * 255
        cv2.imwrite(str(tmp_path / name), rgb[..., ::-1].round().astype(np.uint8))
    grid = json.dumps({k: list(v) for k, v in SMALL.items()})
    _, out = run("scripts/fit_look.py", f"unprocessed={tmp_path / 'set.png'}",
                 f"composite={tmp_path / 'composite.png'}", f"out={tmp_path / 'fit'}",
                 f"grid={grid}")  # fmt: skip
    assert (out["best"]["flatten"], out["best"]["gamma"]) == (0.0, 1.0)
    rows = json.loads((tmp_path / "fit" / "look_fit.json").read_text())["rows"]
    assert len(rows) == 16 and rows[0] == out["best"]
    proc, _ = run("scripts/fit_look.py", f"unprocessed={tmp_path / 'none.png'}",
                  f"composite={tmp_path / 'composite.png'}", ok=False)  # fmt: skip
    assert proc.returncode != 0 and "no such file" in proc.stderr
    pair = (f"unprocessed={tmp_path / 'set.png'}", f"composite={tmp_path / 'composite.png'}")
    proc, _ = run("scripts/fit_look.py", *pair, 'grid={"night": 0.5}', ok=False)
    assert proc.returncode != 0 and "each axis is a list" in proc.stderr
    (tmp_path / "torn.png").write_bytes(b"\x89PNG\r\n")  # a truncated file
    proc, _ = run("scripts/fit_look.py", f"unprocessed={tmp_path / 'torn.png'}",
                  f"composite={tmp_path / 'composite.png'}", ok=False)  # fmt: skip
    assert proc.returncode != 0 and "torn.png" in proc.stderr and "Traceback" not in proc.stderr
