"""Plate-scale-aware inference: resampling to the model's scale and back, and resample=off."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from tests.conftest import REPO, write_junocam_products

from jovis.checkpoint import load_checkpoint
from jovis.evaluation import evaluate
from jovis.frame import PLATE_SCALE_KEY, Frame
from jovis.inference import Predictor, run_inference
from jovis.inference.prepare import prepare_scaled
from jovis.inference.scale import (
    TrainingGeometry,
    check_limb_hint,
    check_scale_hint,
    resample_frame,
    training_geometry,
    with_limb_hint,
)
from jovis.io.masks import read_mask_png
from jovis.synth import write_frame_set
from jovis.synth.scene import make_grid


def geometry(px_per_deg: float) -> TrainingGeometry:
    return TrainingGeometry("equidistant", px_per_deg, 30.0, round(60 * px_per_deg), "random",
                            {"north": 270.0, "south": 90.0},
                            {"north": "clockwise", "south": "counterclockwise"})  # fmt: skip


def smooth(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A smooth 3-class probability field of latitude and longitude, (3, ...)."""
    a = np.exp(-(((lat - 75.0) / 4.0) ** 2)) * (0.6 + 0.3 * np.cos(np.radians(lon)))
    b = 0.3 * (1 + np.sin(np.radians(2 * lon))) * np.exp(-(((lat - 84.0) / 3.0) ** 2))
    return np.stack([1 - a - b, a, b])


@pytest.mark.parametrize("scale", [0.5, 2.0, 0.25])
def test_resampled_probabilities_map_back_onto_the_frame(scale):
    grid = make_grid(96, "north", 30.0)
    lat, lon = grid.latlon_image(96, 96)
    valid = lat > 62.0  # an irregular valid area: a disk, not the whole square
    frame = Frame(np.cos(np.radians(lon))[..., None] * (90 - lat)[..., None], ["L"], grid=grid,
                  valid=valid)  # fmt: skip
    scaled, resampling, note = resample_frame(frame, geometry(grid.px_per_deg * scale))
    assert note["resampled"] and note["resample_scale"] == pytest.approx(scale, abs=1e-3)
    h, w = resampling.shape
    assert abs(h - max(32, 96 * scale * 28 / 30)) < 6  # the valid disk (lat > 62°), ≥ 32 px
    tlat, tlon = scaled.grid.latlon_image(h, w)
    # the image lands on the same lat/lon: compare with the field evaluated there
    truth = np.cos(np.radians(tlon)) * (90 - tlat)
    inner = scaled.valid & (tlat > 64)
    assert np.abs(scaled.image[..., 0] - truth)[inner].mean() < 0.3 / min(scale, 1)
    back = resampling.restore(smooth(tlat, tlon).astype(np.float32))
    assert back.shape == (3, 96, 96)
    err = np.abs(back - smooth(lat, lon))[:, valid]
    assert err.max() < (0.03 if scale >= 0.5 else 0.12) and err.mean() < 0.01  # interpolation


def test_a_frame_without_grid_takes_a_px_per_deg_hint():
    frame = Frame(np.random.default_rng(0).random((80, 60, 1)), ["L"])
    same, none, note = resample_frame(frame, geometry(2.0))
    assert same is frame and none is None and note["resample_reason"].startswith("no grid")
    scaled, resampling, note = resample_frame(frame, geometry(2.0), px_per_deg=4.0)
    assert scaled.shape == (40, 30) and note["resample_scale"] == 0.5
    probs = np.stack([np.full((40, 30), 0.25), np.full((40, 30), 0.75)]).astype(np.float32)
    np.testing.assert_allclose(resampling.restore(probs)[:, 10, 10], [0.25, 0.75], atol=1e-6)
    assert resampling.restore(probs).shape == (2, 80, 60)
    # a reader that knows the plate scale but not the grid (a v03 product of the south pole)
    known = Frame(frame.image, ["L"], meta={PLATE_SCALE_KEY: 8.0})
    scaled, _, note = resample_frame(known, geometry(2.0))
    assert scaled.shape == (20, 15) and note["resample_scale"] == 0.25
    assert resample_frame(known, geometry(2.0), px_per_deg=4.0)[0].shape == (40, 30)  # yours wins


def test_checkpoint_records_the_training_geometry(tiny_run):
    _, info = load_checkpoint(tiny_run["checkpoint"])
    assert info.extra["geometry"]["px_per_deg"] == pytest.approx(64 / 2 / 30)
    info.extra.pop("geometry")  # an older checkpoint: derived from its config
    assert training_geometry(info).px_per_deg == pytest.approx(64 / 2 / 30)


@pytest.fixture(scope="module")
def double_scale(tmp_path_factory):
    """Frames at twice the tiny model's plate scale (128 px over the same 60°)."""
    out = tmp_path_factory.mktemp("double")
    write_frame_set(out, n=2, size=128, channels=["L", "M"], instrument="jiram", seed=700,
                    split="test")  # fmt: skip
    return out


def test_resample_off_is_todays_output_bit_for_bit(tiny_run, double_scale, tmp_path):
    result = run_inference(tiny_run["checkpoint"], double_scale, tmp_path, device="cpu",
                           progress=False, save_probs=True, resample="off",
                           backend="torch")  # fmt: skip
    assert result["ok"] == 2
    predictor = Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu")
    rows = [json.loads(x) for x in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    # predicted as infer batches them (both frames at once): a batch of one can round
    # differently on some CPUs' convolution kernels
    frames = [Frame(np.load(row["source"]), ["L", "M"]) for row in rows]
    expected = predictor.predict_frames([predictor.prepare(f) for f in frames])
    for row, frame, want in zip(rows, frames, expected, strict=True):
        assert row["resampled"] is False and row["resample_reason"] == "resample=off"
        np.testing.assert_array_equal(np.load(row["outputs"]["probs"]), want.astype(np.float16))
        auto = prepare_scaled(frame, predictor.info, resample="auto")
        assert auto.resampling is None  # no grid in the bare .npy: fed as it is anyway


def test_infer_script_resamples_a_frame_at_twice_the_scale(tiny_run, double_scale, tmp_path):
    proc = subprocess.run(
        [sys.executable, "scripts/infer.py", f"ckpt={tiny_run['checkpoint']}",
         f"input={double_scale}", f"out={tmp_path}", "device=cpu", "num_workers=0",
         "progress=false"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(x) for x in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert row["resampled"] is True and row["resample_scale"] == pytest.approx(0.5, abs=0.01)
        assert max(row["resample_shape"]) <= 67  # fed at about 64 px, the model's scale
        mask = read_mask_png(row["outputs"]["mask"])
        assert mask.shape == (128, 128)


def test_evaluate_with_resample_auto(tiny_run, double_scale, tmp_path):
    auto = evaluate(tiny_run["checkpoint"], double_scale, tmp_path, device="cpu")
    off = evaluate(tiny_run["checkpoint"], double_scale, None, device="cpu", resample="off")
    assert auto["resample"] == "auto" and auto["resampled_frames"] == 2
    assert auto["resample_scales"] == [0.5] and off["resampled_frames"] == 0
    assert np.isfinite(auto["background_iou"])
    total = sum(map(sum, auto["confusion_matrix"]))
    assert total == sum(map(sum, off["confusion_matrix"]))  # scored on the frame's own pixels
    assert json.loads((tmp_path / "metrics.json").read_text())["resampled_frames"] == 2
    assert auto["doubtful_scale_frames"] == 0  # each has its grid


def test_evaluate_counts_the_frames_fed_at_a_doubtful_scale(tiny_run, double_scale, tmp_path,
                                                             capsys):  # fmt: skip
    """The same frames with their grids taken out of the manifest: the polar detector gets them
    at their own pixel scale, as infer flags such rows, and evaluate's result counts them."""
    import shutil

    from jovis.evaluation import print_table

    bare = tmp_path / "bare"
    shutil.copytree(double_scale, bare)
    rows = [json.loads(x) for x in (bare / "manifest.jsonl").read_text().splitlines()]
    assert all("grid" in r for r in rows)
    lines = [json.dumps({k: v for k, v in r.items() if k != "grid"}) for r in rows]
    (bare / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    result = evaluate(tiny_run["checkpoint"], bare, None, device="cpu")
    assert result["doubtful_scale_frames"] == 2 and result["resampled_frames"] == 0
    print_table(result)
    assert "2 frame(s) fed at a doubtful scale" in capsys.readouterr().out


def test_scale_check_script_scores_both_ways(tiny_run, tmp_path):
    proc = subprocess.run(
        [sys.executable, "scripts/scale_check.py", f"ckpt={tiny_run['checkpoint']}",
         f"out={tmp_path}", "n=1", "scales=[0.5,1]"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [(r["scale"], r["size"], r["resample"]) for r in result["rows"]] == [
        (0.5, 32, "auto"),
        (0.5, 32, "off"),
        (1.0, 64, "auto"),
        (1.0, 64, "off"),
    ]
    assert (tmp_path / "scale.json").is_file()


def test_scale_floors_are_judged_against_the_training_scale():
    from jovis.benchmarks.scale import floors

    def row(scale, mode, aurora):
        return {"scale": scale, "resample": mode, "aurora_iou": aurora, "vortex_iou": None}

    rows = [row(1.0, "auto", 0.6), row(1.0, "off", 0.6), row(0.5, "auto", 0.58),
            row(2.0, "auto", 0.62), row(4.0, "auto", 0.5), row(4.0, "off", 0.4)]  # fmt: skip
    assert floors(rows) == {"aurora_within_0.03": True, "aurora_auto_ge_off_far": True}
    rows[2] = row(0.5, "auto", 0.5)
    rows[4] = row(4.0, "auto", 0.3)
    assert floors(rows) == {"aurora_within_0.03": False, "aurora_auto_ge_off_far": False}


def test_a_view_trained_model_gets_a_whole_disk_frame_at_its_training_size():
    """data.view with perspective frames: a frame without a grid (a JunoCam map-projected
    product: the whole disk) is zoomed so its longer side is the training size; polar-grid
    frames still go to the polar scale, and a polar-only model feeds the frame as it is."""
    frame = Frame(np.random.default_rng(0).random((400, 300, 3)), ["red", "green", "blue"])
    view_geometry = TrainingGeometry(**{**geometry(2.0).to_dict(), "size": 100,
                                        "views": {"polar": 0.25, "perspective": 0.75}})  # fmt: skip
    assert view_geometry.view_share == pytest.approx(0.75)
    scaled, resampling, note = resample_frame(frame, view_geometry)
    assert scaled.shape == (100, 75) and note["resample_scale"] == 0.25
    assert resampling.restore(np.ones((3, 100, 75), np.float32)).shape == (3, 400, 300)
    same, none, note = resample_frame(frame, geometry(2.0))  # polar only: as it is
    assert same is frame and none is None
    hinted, _, note = resample_frame(frame, view_geometry, px_per_deg=4.0)  # a hint wins
    assert hinted.shape == (200, 150)
    grid = make_grid(96, "north", 30.0)
    polar = Frame(np.ones((96, 96, 1)), ["L"], grid=grid, valid=np.ones((96, 96), bool))
    _, _, note = resample_frame(
        polar, TrainingGeometry(**{**view_geometry.to_dict(), "px_per_deg": grid.px_per_deg * 2})
    )
    assert note["resample_scale"] == pytest.approx(2.0, abs=1e-3)  # the polar scale


def test_a_map_given_to_a_model_of_whole_disk_views_is_flagged(caplog):
    """A 2:1 frame without a grid (a global cylindrical JunoCam mosaic) would be zoomed as a
    whole-disk view, its features shrunk far below the model's sizes: the resampling note (the
    manifest row; training on labelled folders takes the same plan) says so and the warning
    names the frame and the fix; a square product, a hint, a known limb, a polar grid or a
    polar-only model change nothing."""

    def flagged(frame, geometry, **kw):
        note = resample_frame(frame, geometry, **kw)[2]
        assert note.get("whole_disk_view", False) is False  # flagged False, or not there
        return "whole_disk_view" in note

    views = TrainingGeometry(**{**geometry(2.0).to_dict(), "size": 100,
                                "views": {"polar": 0.25, "perspective": 0.75}})  # fmt: skip
    mosaic = Frame(np.zeros((200, 400, 3)), ["red", "green", "blue"], "junocam", "PJ27.png")
    with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
        assert flagged(mosaic, views)
    (message,) = [r.getMessage() for r in caplog.records]
    assert "PJ27.png" in message and "400x200" in message and "px_per_deg=" in message
    assert "x0.25" in message  # longer side 400 px -> the views' 100 px
    square = Frame(np.zeros((300, 300, 3)), ["red", "green", "blue"])
    assert not flagged(square, views)
    assert not flagged(Frame(np.zeros((300, 400, 3)), ["r", "g", "b"]), views)  # 4:3
    assert not flagged(mosaic, views, px_per_deg=1.1)
    assert not flagged(mosaic, geometry(2.0)) and not flagged(mosaic, None)
    limb = Frame(np.zeros((200, 400, 3)), ["red", "green", "blue"], meta={"limb_radius_px": 90})
    assert not flagged(limb, views)
    grid = make_grid(96, "north", 30.0)
    polar = Frame(np.zeros((96, 192, 1)), ["L"], grid=grid, valid=np.ones((96, 192), bool))
    assert not flagged(polar, views)
    # a map already at the views' side is fed as it is, and still flagged
    assert flagged(Frame(np.zeros((50, 100, 3)), ["r", "g", "b"]), views)


def test_a_frame_whose_limb_is_known_is_zoomed_so_the_limb_matches_the_products():
    """A raw JunoCam product in the spin frame does not fill its frame: its reader's limb
    radius sets the zoom (the map-projected products, fed at the views' side, have their limb at
    797/1600 of it); a polar-only model still takes the frame as it is."""
    from jovis.geometry.resample import PRODUCT_LIMB_SHARE

    meta = {"limb_radius_px": 199.25}
    frame = Frame(np.zeros((400, 600, 3)), ["red", "green", "blue"], meta=meta)
    views = TrainingGeometry(**{**geometry(2.0).to_dict(), "size": 100,
                                "views": {"perspective": 1.0}})  # fmt: skip
    scaled, _, note = resample_frame(frame, views)
    assert note["resample_scale"] == pytest.approx(PRODUCT_LIMB_SHARE * 100 / 199.25, abs=1e-4)
    assert scaled.shape == (100, 150)  # the limb: 199.25 px -> 49.8 px = 0.498 of 100
    assert resample_frame(frame, geometry(2.0))[1] is None
    for bad in (0, -5, "n/a", float("nan")):  # no usable radius: the longer side, as before
        frame.meta["limb_radius_px"] = bad
        assert resample_frame(frame, views)[0].shape == (67, 100)


def test_a_view_with_no_sky_is_flagged_and_a_limb_hint_zooms_it_as_its_product(caplog):
    """A square frame whose reader found no sky round the planet (a crop of a map-projected
    product), or whose disk the frame's edges cut (a crop with sky in it), would be zoomed as a
    whole-disk view and keep its vortices larger than any the model learnt: flagged
    (``view_framing`` says why), the warning naming the frame and limb_radius_px; with that
    hint it is zoomed as the products are, and not flagged. A whole disk in sky, a frame whose
    disk nothing found (an array), or a polar-only model, is not flagged."""
    from jovis.geometry.resample import NO_SKY_ZOOM, PRODUCT_LIMB_SHARE
    from jovis.io.disk import find_disk

    rng = np.random.default_rng(5)
    texture = rng.uniform(80, 200, (120, 120, 3)).astype(np.float32)  # all planet: no sky
    valid, disk = find_disk(texture)
    assert valid is None
    crop = Frame(texture, ["red", "green", "blue"], "junocam", "crop.png", {"disk": disk})
    views = TrainingGeometry(**{**geometry(2.0).to_dict(), "size": 100,
                                "views": {"polar": 0.25, "perspective": 0.75}})  # fmt: skip
    with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
        _, _, note = resample_frame(crop, views)
    assert note["whole_disk_view"] is False and note["view_framing"] == "no sky"
    # finer than a whole-disk view: fed at NO_SKY_ZOOM of the side's zoom (100 / 120)
    assert note["resample_scale"] == pytest.approx(100 / 120 * NO_SKY_ZOOM, abs=1e-4)
    (message,) = [r.getMessage() for r in caplog.records]
    assert "crop.png" in message and "no sky" in message and "limb_radius_px=" in message
    assert f"x{100 / 120 * NO_SKY_ZOOM:.2f} (x{NO_SKY_ZOOM:g} the views' zoom)" in message
    hinted = with_limb_hint(crop, 797.0)
    assert crop.meta.get("limb_radius_px") is None  # the frame read is not changed
    _, _, note = resample_frame(hinted, views)
    assert "whole_disk_view" not in note
    assert note["resample_scale"] == pytest.approx(PRODUCT_LIMB_SHARE * 100 / 797.0, abs=1e-4)
    assert with_limb_hint(crop, None) is crop
    disk_frame = np.zeros((120, 120, 3), np.float32)
    disk_frame[20:100, 20:100] = texture[20:100, 20:100]  # a planet in dark sky
    valid, disk = find_disk(disk_frame)
    assert valid is not None
    whole = Frame(disk_frame, ["red", "green", "blue"], meta={"disk": disk}, valid=valid)
    assert "whole_disk_view" not in resample_frame(whole, views)[2]
    cut_frame = np.zeros((120, 120, 3), np.float32)
    cut_frame[:90, :90] = texture[:90, :90]  # the frame's edges cut the planet: a crop
    valid, disk = find_disk(cut_frame)
    assert valid is not None
    cut = Frame(cut_frame, ["red", "green", "blue"], "junocam", "corner.png", {"disk": disk},
                valid=valid)  # fmt: skip
    caplog.clear()
    with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
        note = resample_frame(cut, views)[2]
    assert note["whole_disk_view"] is False
    assert note["view_framing"] == "disk cut by the frame's edges"
    (message,) = [r.getMessage() for r in caplog.records]
    assert "corner.png" in message and "limb_radius_px=" in message
    assert "whole_disk_view" not in resample_frame(with_limb_hint(cut, 150.0), views)[2]
    array = Frame(texture, ["red", "green", "blue"], valid=np.ones((120, 120), bool))
    assert "whole_disk_view" not in resample_frame(array, views)[2]  # no disk was looked for
    assert "whole_disk_view" not in resample_frame(crop, geometry(2.0))[2]  # polar-only model


def disk_in_sky(
    side: int, radius: float, centre: tuple[float, float] | None = None, lit: str = "all"
) -> Frame:
    """A textured planet of `radius` px in dark sky, read as a PNG would be (`find_disk`):
    ``lit`` "all" (a full disk) or "right" (its right half: a half-lit phase)."""
    from jovis.io.disk import find_disk

    rng = np.random.default_rng(9)
    cx, cy = centre or ((side - 1) / 2.0, (side - 1) / 2.0)
    y, x = np.mgrid[0:side, 0:side]
    on = np.hypot(x - cx, y - cy) <= radius
    if lit == "right":
        on &= x >= cx
    image = np.where(on[..., None], rng.uniform(80, 200, (side, side, 3)), 0).astype(np.float32)
    valid, disk = find_disk(image)
    return Frame(image, ["red", "green", "blue"], "junocam", "small.png", {"disk": disk},
                 valid=valid)  # fmt: skip


def test_a_planet_small_in_the_frame_is_zoomed_by_the_limb_found_round_it(caplog):
    """A whole disk spanning under SMALL_PLANET_SPAN of the frame (an approach image, a product
    padded with sky), zoomed by the frame's side, would shrink below every view the model
    learnt: its limb circle, found round the disk, zooms it as a raw product's limb does (and
    the row says so), a full disk and a half-lit one alike, wherever it sits. A planet framed
    as the products, a square blob without a limb, and a polar-only model keep today's zoom."""
    from jovis.geometry.resample import PRODUCT_LIMB_SHARE

    views = TrainingGeometry(**{**geometry(2.0).to_dict(), "size": 100,
                                "views": {"perspective": 1.0}})  # fmt: skip
    for frame in (disk_in_sky(240, 40.0), disk_in_sky(240, 40.0, lit="right"),
                  disk_in_sky(240, 40.0, centre=(70.0, 160.0))):  # fmt: skip
        with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
            _, _, note = resample_frame(frame, views)
        assert note["limb_found_px"] == pytest.approx(40.0, abs=1.5)
        expected = PRODUCT_LIMB_SHARE * 100 / note["limb_found_px"]
        assert note["resample_scale"] == pytest.approx(expected, abs=1e-3)  # not 100/240
        assert "whole_disk_view" not in note
    assert not caplog.records
    product = disk_in_sky(240, 119.0)  # the products' framing: the side's zoom, as before
    _, _, note = resample_frame(product, views)
    assert note["resample_scale"] == pytest.approx(100 / 240, abs=1e-4)
    assert "limb_found_px" not in note
    blob = disk_in_sky(240, 1.0)  # no limb round a square patch (a crop pasted into sky)
    blob.valid[:] = False
    blob.valid[80:160, 80:160] = True
    assert resample_frame(blob, views)[2]["resample_scale"] == pytest.approx(100 / 240, abs=1e-4)
    assert resample_frame(disk_in_sky(240, 40.0), geometry(2.0))[1] is None  # polar-only


def test_infer_zooms_a_planet_small_in_its_png_by_the_limb_it_finds(tmp_path):
    """End to end with the shipped JunoCam detector: a PNG whose planet spans a third of the
    frame is zoomed by the limb its reader's disk shows, and the manifest row says so."""
    import cv2

    from jovis.geometry.resample import PRODUCT_LIMB_SHARE
    from jovis.released import find_release

    frames = tmp_path / "frames"
    frames.mkdir()
    image = disk_in_sky(240, 40.0).image.astype(np.uint8)
    cv2.imwrite(str(frames / "far.png"), image)
    weights = find_release("visible_rgb").weights
    side = training_geometry(load_checkpoint(weights, "cpu")[1]).view_side
    result = run_inference(weights, frames, tmp_path / "out", device="cpu", progress=False)
    assert result["ok"] == 1
    (row,) = [json.loads(x) for x in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert row["limb_found_px"] == pytest.approx(40.0, abs=1.5)
    expected = PRODUCT_LIMB_SHARE * side / row["limb_found_px"]
    assert row["resample_scale"] == pytest.approx(expected, abs=1e-3)  # the side's: side / 240
    assert "whole_disk_view" not in row


def test_a_view_whose_centred_limb_overfills_the_frame_is_not_flagged_as_a_crop():
    """The detector's own training views overfill the frame (limb at 0.95-1.3 of the half
    side), so their edges cut the disk as a crop's do: a limb circle centred in the frame
    clears the flag; the same disk's corner (its centre off the frame) stays a crop."""
    views = TrainingGeometry(**{**geometry(2.0).to_dict(), "size": 100,
                                "views": {"perspective": 1.0}})  # fmt: skip
    overfilled = disk_in_sky(200, 108.0)  # the edges cut the disk (41% of them); sky beyond
    assert "whole_disk_view" not in resample_frame(overfilled, views)[2]
    corner = disk_in_sky(200, 250.0, centre=(260.0, 260.0))  # a crop near a larger limb
    note = resample_frame(corner, views)[2]
    assert note["whole_disk_view"] is False
    assert note["view_framing"] == "disk cut by the frame's edges"


@pytest.mark.parametrize(
    ("limb", "px_per_deg", "words"),
    [(-3, None, "limb_radius_px=-3"), ("abc", None, "limb_radius_px='abc'"),
     (0, None, "limb_radius_px=0"), (797, 4.0, "give one")],
)  # fmt: skip
def test_a_wrong_limb_hint_is_refused_naming_it(limb, px_per_deg, words):
    with pytest.raises(ValueError, match="limb_radius_px") as err:
        check_limb_hint(limb, px_per_deg)
    assert words in str(err.value)


def test_infer_and_evaluate_take_a_limb_hint_for_crops_of_a_product(tmp_path, caplog):
    """End to end with the shipped JunoCam detector: a square crop with no sky is flagged in
    its manifest row; with limb_radius_px it is zoomed as its product would be, the run key
    and config.yaml say so, and the row is not flagged. evaluate takes the same hint; a
    polar-only detector ignores it with a warning."""
    import cv2

    from jovis.geometry.resample import NO_SKY_ZOOM, PRODUCT_LIMB_SHARE
    from jovis.released import find_release

    frames = tmp_path / "frames"
    frames.mkdir()
    rng = np.random.default_rng(3)
    cv2.imwrite(str(frames / "crop.png"), rng.integers(80, 200, (96, 96, 3), dtype=np.uint8))
    weights = find_release("visible_rgb").weights
    side = training_geometry(load_checkpoint(weights, "cpu")[1]).view_side
    rows = {}
    for hint in (None, 300.0):
        out = tmp_path / f"out{hint}"
        result = run_inference(weights, frames, out, device="cpu", progress=False,
                               limb_radius_px=hint)  # fmt: skip
        assert result["ok"] == 1
        (rows[hint],) = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert rows[None]["whole_disk_view"] is False and rows[None]["view_framing"] == "no sky"
    assert rows[None]["resample_scale"] == pytest.approx(side / 96 * NO_SKY_ZOOM, abs=1e-3)
    assert "whole_disk_view" not in rows[300.0]
    assert rows[300.0]["resample_scale"] == pytest.approx(PRODUCT_LIMB_SHARE * side / 300, 1e-3)
    assert "-limb300" in rows[300.0]["run_key"] and "-limb" not in rows[None]["run_key"]
    assert "limb_radius_px: 300.0" in (tmp_path / "out300.0" / "config.yaml").read_text()
    views = tmp_path / "views"
    write_frame_set(views, 2, 64, ["red", "green", "blue"], "junocam_rgb", "north", seed=4,
                    view="perspective")  # fmt: skip
    hinted = evaluate(weights, views, None, device="cpu", limb_radius_px=120.0)
    assert hinted["resample_scales"] == [round(PRODUCT_LIMB_SHARE * side / 120.0, 4)]
    assert hinted["doubtful_scale_frames"] == 0
    with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
        # (its RGB frame is refused and recorded; the warning comes before any frame is read)
        run_inference(find_release("uv").weights, frames, tmp_path / "uv", device="cpu",
                      progress=False, limb_radius_px=300.0)  # fmt: skip
    assert "-limb" not in (tmp_path / "uv" / "config.yaml").read_text()  # a run's key without it
    assert any("limb_radius_px=300 is for detectors trained on perspective views" in
               r.getMessage() for r in caplog.records)  # fmt: skip


def test_a_frame_sets_rows_give_each_crop_its_own_limb_radius(tmp_path):
    """Crops of several products in one frame set: each manifest row's ``limb_radius_px``
    zooms its own frame (over the run's setting), in infer and evaluate alike; a wrong value
    fails its frame alone, naming the row."""
    from jovis.geometry.resample import PRODUCT_LIMB_SHARE
    from jovis.released import find_release

    weights = find_release("visible_rgb").weights
    side = training_geometry(load_checkpoint(weights, "cpu")[1]).view_side
    views = tmp_path / "views"
    write_frame_set(views, 3, 64, ["red", "green", "blue"], "junocam_rgb", "north", seed=4,
                    view="perspective")  # fmt: skip
    rows = [json.loads(x) for x in (views / "manifest.jsonl").read_text().splitlines()]
    for row, limb in zip(rows, (100.0, 200.0, None), strict=True):
        row["limb_radius_px"] = limb
    (views / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    expected = {round(PRODUCT_LIMB_SHARE * side / r, 4) for r in (100.0, 200.0, 300.0)}
    scored = evaluate(weights, views, None, device="cpu", limb_radius_px=300.0)
    assert set(scored["resample_scales"]) == expected  # the third frame takes the run's 300
    rows[2]["limb_radius_px"] = "n/a"
    (views / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run_inference(weights, views, tmp_path / "out", device="cpu", progress=False)
    assert result["ok"] == 2 and result["failed"] == 1
    (failure,) = result["failures"]
    assert f"manifest row {rows[2]['id']}: limb_radius_px='n/a'" in failure["error"]
    got = [json.loads(x) for x in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    scales = {r["id"]: r.get("resample_scale") for r in got if r.get("status") == "ok"}
    assert scales == {
        rows[0]["id"]: pytest.approx(PRODUCT_LIMB_SHARE * side / 100.0, abs=1e-4),
        rows[1]["id"]: pytest.approx(PRODUCT_LIMB_SHARE * side / 200.0, abs=1e-4),
    }
    # the row mended, and another's radius changed: those two are predicted again, the
    # unchanged one is reused
    rows[2]["limb_radius_px"] = 150.0
    rows[1]["limb_radius_px"] = 250.0
    (views / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    again = run_inference(weights, views, tmp_path / "out", device="cpu", progress=False)
    assert (again["processed"], again["failed"], again["skipped"]) == (2, 0, 1)
    got = [json.loads(x) for x in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    latest = {r["id"]: r for r in got}  # the last record of each frame
    assert latest[rows[1]["id"]]["resample_scale"] == pytest.approx(
        PRODUCT_LIMB_SHARE * side / 250.0, abs=1e-4)  # fmt: skip
    assert latest[rows[2]["id"]]["resample_scale"] == pytest.approx(
        PRODUCT_LIMB_SHARE * side / 150.0, abs=1e-4)  # fmt: skip


def test_geometry_records_the_view_mix_and_old_checkpoints_read_as_polar():
    from jovis.geometry.training import geometry_of_config

    data = {"kind": "synthetic", "size": 64, "view": {"polar": 1, "perspective": 3}}
    got = geometry_of_config({"data": data})
    assert got.views == {"polar": 0.25, "perspective": 0.75} and got.view_share == 0.75
    old = geometry_of_config({"data": {"kind": "synthetic", "size": 64}}).to_dict()
    old.pop("views")
    assert TrainingGeometry.from_dict(old).views == {"polar": 1.0}
    assert TrainingGeometry.from_dict(old).view_share == 0.0


def test_a_model_trained_on_windows_of_large_views_gets_the_frame_at_the_views_size():
    """``junocam_view_size``: the perspective training frames were ``size``-px windows of larger
    views, so a frame without a grid is zoomed to the view's size (and tiled by the predictor
    when larger than ``tile_size``), not to the window's."""
    from jovis.geometry.training import geometry_of_config

    data = {"kind": "synthetic", "size": 32, "view": {"polar": 0.25, "perspective": 0.75},
            "params": {"junocam_view_size": 128}}  # fmt: skip
    got = geometry_of_config({"data": data})
    assert (got.size, got.view_size, got.view_side) == (32, 128, 128)
    frame = Frame(np.random.default_rng(1).random((96, 80, 3)), ["red", "green", "blue"])
    scaled, resampling, note = resample_frame(frame, got)
    assert scaled.shape == (128, 107) and note["resample_shape"] == [128, 107]
    assert resampling.restore(np.ones((3, 128, 107), np.float32)).shape == (3, 96, 80)
    # the view size counts only where perspective views were trained; old checkpoints: size
    polar = geometry_of_config({"data": {**data, "view": "polar"}})
    assert polar.view_size == 0 and polar.view_side == 32
    old = got.to_dict()
    old.pop("view_size")
    assert TrainingGeometry.from_dict(old).view_side == 32
    whole = resample_frame(frame, TrainingGeometry.from_dict(old))[0]
    assert whole.shape == (32, 27)


def test_geometry_records_the_altitudes_of_its_perspective_views():
    from jovis.geometry.training import geometry_of_config
    from jovis.synth.params import SynthParams

    data = {"kind": "synthetic", "size": 32, "view": {"polar": 0.25, "perspective": 0.75},
            "params": {"junocam_altitude_km": [30000, 280000]}}  # fmt: skip
    got = geometry_of_config({"data": data})
    assert got.view_altitude_km == (30000.0, 280000.0)
    assert TrainingGeometry.from_dict(got.to_dict()).view_altitude_km == (30000.0, 280000.0)
    default = geometry_of_config({"data": {**data, "params": {}}})
    assert default.view_altitude_km == tuple(SynthParams.junocam_altitude_km)
    assert geometry_of_config({"data": {**data, "view": "polar"}}).view_altitude_km is None


@pytest.mark.parametrize(
    ("altitude", "inside"), [("35216.7 <km>", True), ("5000.0 <km>", False), (300000.0, False)]
)
def test_a_product_taken_outside_the_training_altitudes_is_flagged(altitude, inside, caplog):
    from jovis.inference.scale import altitude_note

    views = TrainingGeometry(**{**geometry(2.0).to_dict(), "size": 64,
                                "views": {"polar": 0.25, "perspective": 0.75},
                                "view_altitude_km": (30000.0, 280000.0)})  # fmt: skip
    frame = Frame(np.zeros((64, 64, 3)), ["red", "green", "blue"], "junocam", "JNCE_x.png",
                  {"SPACECRAFT_ALTITUDE": altitude})  # fmt: skip
    with caplog.at_level("WARNING", logger="jovis.inference.scale"):
        note = altitude_note(frame, views)
    assert note["altitude_in_training_views"] is inside
    assert note["altitude_km"] == pytest.approx(float(str(altitude).split()[0]))
    warned = [r.getMessage() for r in caplog.records]
    assert bool(warned) is not inside
    if warned:
        assert "JNCE_x.png" in warned[0] and "30000-280000 km" in warned[0]
    # nothing to say without an altitude, or for a model that saw no perspective views
    assert altitude_note(Frame(np.zeros((8, 8, 3)), ["red", "green", "blue"]), views) == {}
    assert altitude_note(frame, geometry(2.0)) == {}
    assert altitude_note(frame, None) == {}
    odd = Frame(np.zeros((8, 8, 3)), ["red", "green", "blue"], meta={"SPACECRAFT_ALTITUDE": "n/a"})
    assert altitude_note(odd, views) == {}


def test_infer_writes_the_altitude_check_of_a_junocam_product(tmp_path):
    """End to end with the newest shipped JunoCam detector (views from 30,000-280,000 km) on two
    products named as JunoCam's, with metadata beside them: one taken from 5,000 km, one from
    60,000 km."""
    from jovis.released import find_release

    frames = write_junocam_products(
        tmp_path / "frames", {"44C00037": "5000.0 <km>", "44C00034": "60453.8 <km>"}
    )
    result = run_inference(find_release("visible_rgb").weights, frames, tmp_path / "out",
                           device="cpu", progress=False)  # fmt: skip
    assert result["ok"] == 2
    rows = {json.loads(x)["id"][13:21]: json.loads(x)
            for x in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()}  # fmt: skip
    assert rows["44C00037"]["altitude_km"] == 5000.0
    assert rows["44C00037"]["altitude_in_training_views"] is False
    assert rows["44C00034"]["altitude_in_training_views"] is True


def test_a_frame_of_unknown_scale_given_to_a_polar_model_is_flagged(caplog):
    """A frame without a grid or a hint (an HST polar projection exported as PNG) given to a
    model of polar frames is fed at its own pixel scale: the note says the scale is unknown and
    the warning names the frame, the model's px/deg and the fix; a hint, a grid or a model of
    views change that."""
    png = Frame(np.zeros((120, 120, 1)), ["gray"], "unknown", "hst_export.png")
    with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
        note = resample_frame(png, geometry(2.0))[2]
    assert note["plate_scale_known"] is False and note["resampled"] is False
    (message,) = [r.getMessage() for r in caplog.records]
    assert "hst_export.png" in message and "2.00 px per degree" in message
    assert "px_per_deg=" in message and "The reader" not in message
    assert "map='{projection: equidistant" in message  # its grid declared: lat/lon too
    caplog.clear()
    note = "none: no polar grid known for a 120x120 hst_stis product; as a sky-plane image ..."
    sky = Frame(np.zeros((120, 120, 1)), ["uv"], "hst_stis", "o_x2d.fits", {"grid_source": note})
    with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
        resample_frame(sky, geometry(2.0))
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.endswith(f"The reader: {note}")  # why it has no grid, and what to do
    assert "plate_scale_known" not in resample_frame(png, geometry(2.0), px_per_deg=8.0)[2]
    grid = make_grid(96, "north", 30.0)
    polar = Frame(np.zeros((96, 96, 1)), ["uv"], grid=grid, valid=np.ones((96, 96), bool))
    assert "plate_scale_known" not in resample_frame(polar, geometry(2.0))[2]
    views = TrainingGeometry(**{**geometry(2.0).to_dict(), "views": {"perspective": 1.0}})
    assert "plate_scale_known" not in resample_frame(png, views)[2]


def test_infer_flags_a_mosaic_given_to_the_junocam_detector(tmp_path):
    """End to end: a 2:1 colour map without a grid, given to the shipped JunoCam detector by
    name, is processed and its manifest row says it is not a whole-disk view; with a
    px_per_deg hint it is zoomed by the scales instead, and not flagged."""
    import cv2

    from jovis.released import find_release

    frames = tmp_path / "frames"
    frames.mkdir()
    rng = np.random.default_rng(3)
    cv2.imwrite(str(frames / "mosaic.png"), rng.integers(0, 255, (96, 192, 3), dtype=np.uint8))
    weights = find_release("visible_rgb").weights
    for hint, flagged in ((None, True), (1.0, False)):
        out = tmp_path / f"out{hint}"
        result = run_inference(weights, frames, out, device="cpu", progress=False,
                               px_per_deg=hint)  # fmt: skip
        assert result["ok"] == 1
        (row,) = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
        assert (row.get("whole_disk_view") is False) is flagged


def test_a_south_v03_product_is_fed_at_its_plate_scale_and_its_row_says_why(tmp_path):
    """End to end with the shipped far-UV detector: a 500×500 product of the south pole gets no
    grid (the fit is of the north), is zoomed by the fit's plate scale, and its manifest row
    carries the reader's reason."""
    from astropy.io import fits

    from jovis.released import find_release

    frames = tmp_path / "frames"
    frames.mkdir()
    keys = {"TELESCOP": "HST", "INSTRUME": "STIS", "DETECTOR": "FUV-MAMA", "BUNIT": "kR",
            "HEMISPH": "south"}  # fmt: skip
    image = np.random.default_rng(5).gamma(2.0, 20.0, (500, 500)).astype(np.float32)
    hdu = fits.PrimaryHDU(image)
    hdu.header.update(keys)
    hdu.writeto(frames / "jup_south_v03_proj.fits")
    weights = find_release("uv").weights
    out = tmp_path / "out"
    result = run_inference(weights, frames, out, device="cpu", progress=False)
    assert result["ok"] == 1
    (row,) = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    scale = training_geometry(load_checkpoint(weights)[1]).px_per_deg / 17.6
    assert row["grid"] is None and row["resampled"] is True
    assert row["resample_scale"] == pytest.approx(scale, rel=0.05)
    assert "HEMISPH = south" in row["grid_note"] and "plate scale" in row["grid_note"]


@pytest.mark.parametrize("value", [-3, 0, float("nan"), float("inf"), "abc", True])
def test_a_wrong_scale_hint_is_refused_naming_it(value):
    """px_per_deg=-3 failed every frame inside OpenCV's blur ("ksize.width > 0"), 'abc' in a
    float conversion, and 0 was taken as no hint: each is a wrong setting, said once."""
    with pytest.raises(ValueError, match=r"px_per_deg=.*must be a number > 0"):
        check_scale_hint(value)


def test_a_scale_hint_is_a_positive_number_or_none():
    assert check_scale_hint(None) is None
    assert check_scale_hint(4) == 4.0 and isinstance(check_scale_hint(4), float)
    assert check_scale_hint(4.27) == 4.27
