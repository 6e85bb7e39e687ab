"""`benchmark suite=perturbations`: the real reference sets scored on the JunoCam products as
served and re-saved as JPEG, stretched or shrunk (8-bit images rewritten in a mirror of the
real-data folder, everything else linked)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from tests.conftest import REAL_DATA as REAL
from tests.conftest import compose_config

from jovis.benchmarks.perturbations import perturbation, perturbed_mirror


def _scene(h: int = 64, w: int = 80, channels: int = 3, seed: int = 0) -> np.ndarray:
    """A smooth gradient with fine noise on it: detail JPEG and a smaller copy both lose."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(40, 200, w)[None, :, None] + np.linspace(0, 30, h)[:, None, None]
    image = ramp + rng.normal(0, 12, (h, w, channels))
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a.astype(float) - b.astype(float)) ** 2)))


def test_jpeg_loses_more_at_lower_quality_and_keeps_the_shape():
    image = _scene()
    good, poor = perturbation("jpeg:95")(image), perturbation("jpeg:20")(image)
    assert good.shape == poor.shape == image.shape and good.dtype == np.uint8
    assert 0 < _rms(good, image) < _rms(poor, image)
    grey = image[..., 0]
    assert perturbation("jpeg:50")(grey).shape == grey.shape


def test_gamma_is_the_8_bit_power_law():
    image = np.array([[0, 64, 128, 255]], np.uint8)
    assert perturbation("gamma:2")(image).tolist() == [[0, 16, 64, 255]]
    assert perturbation("gamma:0.5")(image).tolist() == [[0, 128, 181, 255]]
    assert perturbation("gamma:1")(image).tolist() == image.tolist()


def test_resolution_loses_the_detail_on_the_same_pixels():
    board = (np.indices((32, 32)).sum(axis=0) % 2 * 255).astype(np.uint8)  # 1-px checkerboard
    blurred = perturbation("resolution:0.5")(board)
    assert blurred.shape == board.shape and blurred.std() < 0.1 * board.std()
    flat = np.full((30, 20, 3), 77, np.uint8)
    assert np.array_equal(perturbation("resolution:0.5")(flat), flat)
    image = _scene()
    assert 0 < _rms(perturbation("resolution:0.5")(image), image)
    assert np.array_equal(perturbation("resolution:1")(image), image)


@pytest.mark.parametrize(
    "spec, message",
    [("blur:2", "kind:value with kind one of jpeg, gamma, resolution"), ("jpeg", "a number in"),
     ("jpeg:high", "the JPEG quality"), ("jpeg:0", r"\[1, 100\]"), ("gamma:9", "x\\^gamma"),
     ("resolution:1.5", "shrunk to")],
)  # fmt: skip
def test_a_bad_perturbation_is_refused_with_what_its_value_means(spec, message):
    with pytest.raises(ValueError, match=message):
        perturbation(spec)


def test_the_mirror_rewrites_8_bit_images_and_links_everything_else(tmp_path):
    root, out = tmp_path / "real", tmp_path / "mirror"
    (root / "set").mkdir(parents=True)
    rgb, rgba = _scene(seed=1), np.dstack([_scene(seed=2), np.full((64, 80), 200, np.uint8)])
    cv2.imwrite(str(root / "set" / "a-mapprojected.png"), rgb)
    cv2.imwrite(str(root / "set" / "b.png"), rgba)
    cv2.imwrite(str(root / "set" / "c.jpg"), rgb, [cv2.IMWRITE_JPEG_QUALITY, 100])
    cv2.imwrite(str(root / "set" / "d16.png"), (rgb.astype(np.uint16) * 200))
    (root / "set" / "a-metadata.json").write_text('{"START_TIME": "2022-08-17T14:15:43"}')
    (root / "frame.fits").write_bytes(b"SIMPLE  =" + b" " * 71)
    (out / "stale").mkdir(parents=True)  # an earlier mirror's leftovers go

    made = perturbed_mirror(root, out, "gamma:2")
    assert made == {"root": str(out), "changed": 3}
    change = perturbation("gamma:2")
    assert np.array_equal(cv2.imread(str(out / "set" / "a-mapprojected.png")), change(rgb))
    mirrored = cv2.imread(str(out / "set" / "b.png"), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(mirrored[..., 3], rgba[..., 3])  # alpha is not a colour
    assert np.array_equal(mirrored[..., :3], change(rgba[..., :3]))
    jpeg = out / "set" / "c.jpg"
    assert jpeg.read_bytes()[:2] == b"\xff\xd8"  # still a JPEG, under its own name
    original = cv2.imread(str(root / "set" / "c.jpg"))
    assert _rms(cv2.imread(str(jpeg)), change(original)) < 6  # JPEG at 95 on the perturbed
    assert _rms(original, change(original)) > 30
    for linked in ("set/d16.png", "set/a-metadata.json", "frame.fits"):
        assert (out / linked).is_symlink() and (out / linked).resolve() == (root / linked)
    assert not (out / "stale").exists()


@pytest.mark.skipif(not (REAL / "pj44_north_junocam").is_dir(),
                    reason=f"real frames not found at {REAL} (../shared/data/real)")  # fmt: skip
def test_the_suite_scores_the_reference_sets_read_from_each_mirror(tmp_path, monkeypatch):
    """The plumbing, with evaluate replaced by the mean brightness of the images a set reads
    (the real evaluate is tested with evaluate; here: which files each row scores)."""
    import jovis.benchmarks.perturbations as bench
    from jovis.apps.benchmark import SUITES
    from jovis.apps.benchmark import run_perturbations as app_run
    from jovis.released import resolve_model

    read = []

    def brightness(ckpt, folder, **kw):
        rows = [json.loads(x) for x in (Path(folder) / "manifest.jsonl").read_text().split("\n")
                if x]  # fmt: skip
        read.append([r["image"] for r in rows])
        mean = np.mean([cv2.imread(r["image"], cv2.IMREAD_GRAYSCALE).mean() for r in rows])
        return {"vortex_f1": round(float(mean) / 255, 4), "vortex_found": len(rows)}

    monkeypatch.setattr(bench, "evaluate", brightness)
    rgb = resolve_model("visible_rgb-v7").path
    cfg = compose_config("benchmark", [
        "suite=perturbations", f"ckpt={rgb}", "device=cpu", f"out={tmp_path}",
        "perturbations.list=[gamma:0.5]", f"perturbations.real_root={REAL}",
    ])  # fmt: skip
    assert "perturbations" in SUITES
    result, table = app_run(cfg)
    served, brighter = result["rows"]
    assert served["perturbation"] == "as_served" and served["images_changed"] == 0
    assert brighter["perturbation"] == "gamma:0.5" and brighter["images_changed"] > 0
    assert list(served["sets"]) == ["reference_junocam", "reference_junocam_filters"]
    mirror = (tmp_path / "perturbations" / "mirrors" / "gamma_0.5").resolve()
    assert all(str(REAL.resolve()) in p for paths in read[:2] for p in paths)
    assert all(Path(p).is_relative_to(mirror) for paths in read[2:] for p in paths)
    for name, scores in brighter["sets"].items():
        assert scores["vortex_found"] == served["sets"][name]["vortex_found"] == len(read[0])
        assert scores["vortex_f1_change"] > 0.05  # x^0.5 brightens every product
        assert scores["vortex_f1_change"] == round(
            scores["vortex_f1"] - served["sets"][name]["vortex_f1"], 4
        )
    assert table.row_count == 4

    uv = resolve_model("uv-v6").path  # FITS frames: nothing the perturbations change
    with pytest.raises(ValueError, match="FITS frames"):
        bench.run_perturbations(uv, tmp_path / "uv", ["jpeg:75"], real_root=REAL)
    with pytest.raises(ValueError, match="kind one of"):
        bench.run_perturbations(rgb, tmp_path / "bad", ["sharpen:1"], real_root=REAL)
    assert not (tmp_path / "bad").exists()  # refused before anything is written
