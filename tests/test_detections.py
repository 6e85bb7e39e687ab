"""`jovis.detect` and `jovis.load_detections`: infer from Python, its outputs read back."""

import json
from pathlib import Path

import numpy as np
import pytest

import jovis
from jovis.released import releases

if not any(r.name == "uv" for r in releases()):
    pytest.skip("no released uv detector is shipped", allow_module_level=True)


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    """Two synthetic far-UV frames written as HST STIS lat-lon products."""
    from jovis.synth.products import write_hst_latlon

    out = tmp_path_factory.mktemp("hst")
    return [Path(p) for p in write_hst_latlon(out, 2, 128, "north", 20000100)["files"]]


def test_detect_runs_infer_and_reads_its_outputs(products, tmp_path):
    gone = tmp_path / "gone.fits"
    found = jovis.detect([*products, gone], out=tmp_path / "o", num_workers=0, progress=False,
                         temporal={"mode": "off"})  # fmt: skip
    uv = max((r for r in releases() if r.name == "uv"), key=lambda r: r.version).tag
    assert found.summary["ok"] == 2 and found.summary["models"][uv]["frames"] == 2
    assert sorted(found.ok) == sorted(p.stem for p in products)
    # the missing file is a failure, as in the command's records, not an exception
    assert found.failures == [{"id": "gone", "source": str(gone),
                               "error": f"{gone}: file does not exist"}]  # fmt: skip
    # the catalogue is catalog.csv's rows, typed, each with the detector that found it
    text = (tmp_path / "o" / uv / "catalog.csv").read_text().splitlines()
    assert len(found.catalog) == len(text) - 1 > 0
    row = found.catalog[0]
    assert row["model"] == uv and row["feature"] == "aurora_oval"
    assert isinstance(row["lat"], float) and row["semi_major_px"] is None
    frame_id = found.ok[0]
    mask = found.mask(frame_id)
    manifest = [
        json.loads(x) for x in (tmp_path / "o" / uv / "manifest.jsonl").read_text().splitlines()
    ]
    assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 1, 255} and (mask == 1).any()
    assert found.features(frame_id)["properties"]["frame_id"] == frame_id
    assert found.overlay(frame_id).is_file()
    assert found.report == tmp_path / "o" / "report.html"  # model=auto's index of its detectors
    assert {r["id"] for r in manifest} == set(found.ok)
    assert repr(found).endswith("2 frame(s) ok, 1 failed; 2 aurora_oval>")
    # read again from disk (a command line's run): the same
    again = jovis.load_detections(tmp_path / "o")
    assert again.catalog == found.catalog and again.summary is None
    # the oval along longitude (oval_profile.csv's rows), the frames being on a polar grid
    profile = (tmp_path / "o" / uv / "oval_profile.csv").read_text().splitlines()
    assert len(found.oval_profile) == len(profile) - 1 > 0
    assert again.oval_profile == found.oval_profile
    assert {r["frame_id"] for r in found.oval_profile} == set(found.ok)
    assert isinstance(found.oval_profile[0]["observed_share"], float)
    with pytest.raises(ValueError, match=r"frame 'gone' failed, so it has no mask: .*not exist"):
        again.mask("gone")
    with pytest.raises(KeyError, match=r"no frame 'nope' in .*; its frames are"):
        again.features("nope")
    # a run stopped while it wrote its manifest: the reader says what to do (infer redoes the
    # frame and rewrites the manifest), as jovis track does
    path = tmp_path / "o" / uv / "manifest.jsonl"
    path.write_text(path.read_text()[:-30])
    for read in (jovis.load_detections, lambda out: jovis.track(out, out=tmp_path / "t")):
        with pytest.raises(
            ValueError,
            match=r"manifest\.jsonl:2: not valid JSON .*a line cut "
            r"by a run that was stopped; run `jovis infer` again",
        ):
            read(tmp_path / "o")


def test_detect_refuses_an_unknown_setting_naming_the_nearest(tmp_path):
    with pytest.raises(ValueError, match=r"unknown setting 'tile_sise' \(did you mean tile_size"):
        jovis.detect(tmp_path, tile_sise=512)
    with pytest.raises(ValueError, match=r"unknown setting 'temporal.mod' \(did you mean "
                       r"temporal.mode\?\)"):  # fmt: skip
        jovis.detect(tmp_path, temporal={"mod": "off"})
    with pytest.raises(ValueError, match=r"tta='sometimes' is not a boolean"):
        jovis.detect(tmp_path, tta="sometimes")
    with pytest.raises(ValueError, match=r"detect\(\): out= is empty"):  # wrote into the
        jovis.detect(tmp_path, out="")  # working folder


def test_load_detections_of_a_folder_without_outputs_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"holds no jovis infer output"):
        jovis.load_detections(tmp_path)


def test_detect_inside_a_hydra_app_leaves_its_hydra_as_it_was(products, tmp_path):
    """A user's own Hydra app (or a notebook that set Hydra up) calling detect()."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from jovis.config import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        before = GlobalHydra.instance().hydra
        uv = max((r for r in releases() if r.name == "uv"), key=lambda r: r.version)
        # a checkpoint of one's own (here a released one's file) is run as the command runs it
        found = jovis.detect(products[0], out=tmp_path, ckpt=uv.weights, num_workers=0,
                             progress=False)  # fmt: skip
        assert "models" not in found.summary and found.summary["checkpoint"] == str(uv.weights)
        assert GlobalHydra.instance().hydra is before
        assert compose(config_name="track", overrides=["input=x"]).input == "x"
    assert found.ok == [products[0].stem]


def test_detect_takes_frames_in_memory(products, tmp_path):
    """An array a scientist has in a notebook (their own calibration, their own projection),
    with its grid declared as infer's map=: saved as out/arrays/<name>.npy and run as a file."""
    from jovis.io import read_frame

    frame = read_frame(products[0])
    image = np.where(frame.valid, frame.image[:, :, 0], np.nan)
    grid = {k: v for k, v in frame.grid.to_dict().items()
            if k in ("projection", "hemisphere", "pole_x", "pole_y", "px_per_deg", "lon_at_x",
                     "lon_sense")}  # fmt: skip
    found = jovis.detect({"mine": image}, out=tmp_path, model="uv", map=grid, num_workers=0,
                         progress=False)  # fmt: skip
    assert found.ok == ["mine"] and (tmp_path / "arrays" / "mine.npy").is_file()
    assert found.mask("mine").shape == image.shape and (found.mask("mine") == 1).any()
    assert all(row["lat"] is not None for row in found.catalog)  # placed through the map
    unnamed = jovis.detect([image], out=tmp_path / "b", model="uv", num_workers=0,
                           progress=False)  # fmt: skip
    assert unnamed.ok == ["array-0"]
    with pytest.raises(ValueError, match=r"array names \['../x', 'a.b'\] are not plain names"):
        jovis.detect({"../x": image, "a.b": image, "ok": image}, out=tmp_path / "c", model="uv")


def test_detect_takes_a_torch_tensor_as_it_holds_frames(products, tmp_path):
    """A tensor from a notebook's own pipeline (C × H × W, with grad) is a frame in memory, as
    its NumPy array would be; it was refused by OmegaConf ("'Tensor' is not a supported
    primitive type")."""
    import torch

    from jovis.io import read_frame

    frame = read_frame(products[0])
    image = np.where(frame.valid, frame.image[:, :, 0], np.nan).astype(np.float32)
    tensor = torch.from_numpy(image)[None].requires_grad_(True)  # 1 × H × W
    found = jovis.detect({"t": tensor}, out=tmp_path, model="uv", num_workers=0, progress=False)
    assert found.ok == ["t"]
    as_array = jovis.detect({"t": image}, out=tmp_path / "a", model="uv", num_workers=0,
                            progress=False)  # fmt: skip
    np.testing.assert_array_equal(found.mask("t"), as_array.mask("t"))
