"""Labelled folder frames at the training scale (jovis.data.rescale): the rule of infer
resample=auto applied to the frame, its mask (nearest, 255 kept) and its features."""

import json

import numpy as np
import pytest
import torch

from jovis.data.datamodule import build_datasets
from jovis.data.datasets import FolderDataset
from jovis.data.mixed import build_mixed, fit_size
from jovis.geometry.training import geometry_of_config, run_geometry
from jovis.io.errors import FrameReadError
from jovis.io.masks import write_mask_png
from jovis.synth.frameset import default_schema
from jovis.synth.scene import make_grid

NORM = {"kind": "percentile", "low": 1.0, "high": 99.5, "clip": [-0.5, 2.0]}
CENTRE = (75.0, 40.0)  # lat, lon (deg) of the labelled disk
RADIUS_DEG = 13.0  # its radius in the equidistant plane


def plane(lat, lon):
    """Equidistant plane coordinates (deg of colatitude) of lat/lon."""
    colat, lam = 90.0 - np.asarray(lat), np.radians(lon)
    return colat * np.cos(lam), colat * np.sin(lam)


def in_disk(lat, lon):
    x, y = plane(lat, lon)
    cx, cy = plane(*CENTRE)
    return np.hypot(x - cx, y - cy) < RADIUS_DEG


def centroid(a):
    ys, xs = np.nonzero(a)
    return np.array([xs.mean(), ys.mean()])


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


def write_set(root, image, mask, features, grid=None):
    """A one-frame labelled set written by hand (manifest, images, masks, features)."""
    (root / "images").mkdir(parents=True)
    np.save(root / "images" / "f.npy", image.astype(np.float32))
    write_mask_png(root / "masks" / "f.png", mask, default_schema())
    (root / "features").mkdir()
    (root / "features" / "f.json").write_text(json.dumps(features))
    row = {"id": "f", "image": "images/f.npy", "mask": "masks/f.png", "features": "features/f.json",
           "instrument": "uv", "channels": ["uv"], "split": "train"}  # fmt: skip
    if grid is not None:
        row["grid"] = grid.to_dict()
    (root / "manifest.jsonl").write_text(json.dumps(row) + "\n")
    return root


@pytest.fixture(scope="module")
def polar_set(tmp_path_factory):
    """A 256 px north polar frame at twice the px/deg of 128 px synthetic frames: a labelled
    vortex disk (class 2) on a valid cap (lat > 61°, 255 beyond)."""
    grid = make_grid(256, "north", 30.0)
    lat, lon = grid.latlon_image(256, 256)
    cap, disk = lat > 61.0, in_disk(lat, lon)
    image = np.where(cap, 1.0 + 5.0 * disk, np.nan)[..., None]
    mask = np.where(cap, np.where(disk, 2, 0), 255).astype(np.uint8)
    cx, cy = grid.pixel(*CENTRE)
    vortex = {"x": float(cx), "y": float(cy), "radius_px": 13.0 * 256 / 60, "lat": CENTRE[0]}
    features = {"vortices": [vortex], "grid": grid.to_dict()}
    return write_set(tmp_path_factory.mktemp("rescale") / "polar", image, mask, features, grid)


def mixed_data(folder, size, **entry):
    return {"kind": "mixed", "folders": [{"path": str(folder), "val_split": "train", **entry}],
            "synthetic_weight": 1, "size": size, "train_frames": 4, "val_frames": 0,
            "val_seed": 10**7, "seed": 0, "batch_size": 2}  # fmt: skip


def test_a_polar_frame_at_twice_the_scale_comes_out_at_the_model_scale(polar_set):
    geometry = geometry_of_config({"data": mixed_data(polar_set, 128)})
    frame, labels = FolderDataset(polar_set, ["uv"], geometry=geometry).load(0)
    assert frame.grid.px_per_deg == pytest.approx(geometry.px_per_deg)
    assert max(frame.shape) <= 128 and abs(frame.shape[0] - 128 * 29 / 30) <= 4  # the cap
    # the disk stays where it was: same lat/lon as the truth drawn at the model's scale
    lat, lon = frame.grid.latlon_image(*frame.shape)
    truth = in_disk(lat, lon)
    assert iou(labels.mask == 2, truth) >= 0.98
    assert np.abs(centroid(labels.mask == 2) - centroid(truth)).max() < 0.3  # nearest: ≤ ½ px
    assert (labels.mask[lat < 60.5] == 255).all()  # ignore kept, none invented inside
    assert (labels.mask[lat > 61.5] != 255).all()
    vortex = labels.features["vortices"][0]
    x, y = frame.grid.pixel(*CENTRE)
    assert abs(vortex["x"] - x) < 0.05 and abs(vortex["y"] - y) < 0.05
    assert vortex["radius_px"] == pytest.approx(13.0 * 128 / 60, rel=1e-3)
    assert labels.features["grid"]["px_per_deg"] == pytest.approx(geometry.px_per_deg)


def test_data_mixed_resamples_by_default_and_off_keeps_crop_or_pad(polar_set):
    train, _ = build_mixed(mixed_data(polar_set, 128), ["uv"], "uv", NORM, seed=0)
    folder = train.sets[1]
    assert folder.geometry is not None and folder[0]["mask"].shape[0] <= 128
    train_off, val_off = build_mixed(mixed_data(polar_set, 128, resample="off"), ["uv"], "uv",
                                     NORM, seed=0)  # fmt: skip
    plain = FolderDataset(polar_set, ["uv"], normalisation=NORM)[0]  # today's behaviour
    assert train_off.sets[1].geometry is None
    assert torch.equal(train_off.sets[1][0]["mask"], plain["mask"])  # 256 px, as on disk
    cropped = fit_size(plain, 128, np.random.default_rng([0]))
    assert torch.equal(val_off[0]["mask"], cropped["mask"])


def test_a_bad_resample_setting_names_the_fix(polar_set):
    with pytest.raises(ValueError, match=r"data\.folders\[0\]\.resample='yes'.*=auto"):
        build_mixed(mixed_data(polar_set, 128, resample="yes"), ["uv"], "uv", NORM, seed=0)
    data = {"kind": "folder", "train": str(polar_set), "resample": "never"}
    with pytest.raises(ValueError, match=r"data\.resample='never'"):
        build_datasets(data, ["uv"], "uv", NORM, 0, None)
    with pytest.raises(ValueError, match=r"px_per_deg=-2"):
        build_mixed(mixed_data(polar_set, 128, px_per_deg=-2), ["uv"], "uv", NORM, seed=0)


def test_a_product_without_grid_is_zoomed_to_the_views_size(tmp_path):
    """A view-trained model (data.view) sees a grid-less 256 px product at data.size=128 a side:
    the disk mask and its features halve, the sky stays ignore."""
    yy, xx = np.mgrid[0:256, 0:256]
    sky = np.hypot(xx - 127.5, yy - 127.5) > 120
    disk = np.hypot(xx - 110.5, yy - 140.5) < 60
    mask = np.where(sky, 255, np.where(disk, 2, 0)).astype(np.uint8)
    image = np.where(sky, np.nan, 1.0 + disk)[..., None]
    ellipse = {"x": 110.5, "y": 140.5, "a": 60.0, "b": 60.0, "angle": 30.0, "radius_px": 60.0}
    root = write_set(tmp_path / "product", image, mask, {"vortices": [ellipse]})
    data = {**mixed_data(root, 128), "view": {"polar": 0.25, "perspective": 0.75}}
    _, val = build_mixed(data, ["uv"], "uv", NORM, seed=0)
    sample = val[0]
    assert sample["mask"].shape == (128, 128)
    yy, xx = np.mgrid[0:128, 0:128]
    truth = np.hypot(xx - 55.0, yy - 70.0) < 30  # the product's pixel centres, halved
    got = sample["mask"].numpy()
    assert iou(got == 2, truth) >= 0.98
    assert np.abs(centroid(got == 2) - centroid(truth)).max() < 0.3
    assert (got[np.hypot(xx - 63.5, yy - 63.5) > 61] == 255).all()
    _, labels = val.sets[0].load(0)
    v = labels.features["vortices"][0]
    assert (v["x"], v["y"], v["a"], v["radius_px"], v["angle"]) == pytest.approx(
        (55.0, 70.0, 30.0, 30.0, 30.0), abs=1e-3
    )
    # a polar-only model has no size to zoom such a product to: it is cropped as it is
    _, val_polar = build_mixed(mixed_data(root, 128), ["uv"], "uv", NORM, seed=0)
    assert val_polar.sets[0].load(0)[1].mask.shape == (256, 256)


def test_a_folder_of_crops_takes_their_limb_radius(tmp_path, polar_set):
    """Crops of a product in a labelled folder, for a model trained on views: with the folder's
    limb_radius_px they are zoomed as infer zooms them (limb as large as the products' as fed),
    their masks and features with them; a wrong value is refused naming the folder's key."""
    from jovis.geometry.resample import PRODUCT_LIMB_SHARE

    mask = np.zeros((256, 256), np.uint8)
    mask[100:140, 100:140] = 2
    image = np.ones((256, 256, 1))
    ellipse = {"x": 119.5, "y": 119.5, "a": 20.0, "b": 20.0, "angle": 0.0, "radius_px": 20.0}
    root = write_set(tmp_path / "crops", image, mask, {"vortices": [ellipse]})
    data = {**mixed_data(root, 128, limb_radius_px=400.0),
            "view": {"polar": 0.25, "perspective": 0.75}}  # fmt: skip
    _, val = build_mixed(data, ["uv"], "uv", NORM, seed=0)
    frame, labels = val.sets[0].load(0)
    scale = PRODUCT_LIMB_SHARE * 128 / 400.0  # 0.16: the crop as its 1600-px product is fed
    assert frame.shape == (round(256 * scale), round(256 * scale))
    assert labels.features["vortices"][0]["radius_px"] == pytest.approx(20.0 * scale, rel=1e-3)
    for bad, words in ((-1, r"data\.folders\[0\]\.limb_radius_px=-1"),
                       ("abc", r"data\.folders\[0\]\.limb_radius_px='abc'")):  # fmt: skip
        with pytest.raises(ValueError, match=words):
            build_mixed(mixed_data(polar_set, 128, limb_radius_px=bad), ["uv"], "uv", NORM, seed=0)
    with pytest.raises(ValueError, match="give one"):
        build_mixed(mixed_data(polar_set, 128, limb_radius_px=400, px_per_deg=4.0), ["uv"], "uv",
                    NORM, seed=0)  # fmt: skip


def test_a_limb_hint_for_a_model_of_polar_frames_is_ignored_with_a_warning(polar_set, caplog):
    with caplog.at_level("WARNING", logger="jovis.geometry.resample"):
        train, _ = build_mixed(mixed_data(polar_set, 128, limb_radius_px=400), ["uv"], "uv", NORM,
                               seed=0)  # fmt: skip
    assert train.sets[1].limb_radius_px is None
    assert any("limb_radius_px=400 is for detectors trained on perspective views" in
               r.getMessage() for r in caplog.records)  # fmt: skip


def test_data_folder_takes_the_parent_models_scale(polar_set):
    parent = geometry_of_config({"data": mixed_data(polar_set, 128)}).to_dict()
    cfg = {"data": {"kind": "folder", "train": str(polar_set)}}
    assert run_geometry(cfg) is None  # no init=: the folder's frames are the training scale
    geometry = run_geometry(cfg, parent)
    train, _ = build_datasets(cfg["data"], ["uv"], "uv", NORM, 0, geometry)
    assert train.load(0)[0].grid.px_per_deg == pytest.approx(parent["px_per_deg"])
    off = {**cfg["data"], "resample": "off"}
    assert build_datasets(off, ["uv"], "uv", NORM, 0, geometry)[0].load(0)[0].shape == (256, 256)


def test_training_folders_keep_their_frames_in_memory(polar_set, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(polar_set, root)
    train, _ = build_mixed(mixed_data(root, 128), ["uv"], "uv", NORM, seed=0)
    folder = train.sets[1]
    first = folder[0]
    (root / "images" / "f.npy").unlink()  # a second draw does not read or resample again
    assert torch.equal(folder[0]["image"], first["image"])
    with pytest.raises(FrameReadError, match="does not exist"):
        FolderDataset(root, ["uv"])[0]  # evaluation's sets read every time
