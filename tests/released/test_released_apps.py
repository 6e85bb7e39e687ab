"""The shipped releases as a user meets them: jovis models, infer model=auto, cards.

No real frame ships in the repository: `model=auto` is exercised on synthetic far-UV frames
written as HST STIS products (`jovis.synth.products`), and on a real HST frame of
../shared/data/real when it is there."""

import fnmatch
import json
import subprocess
import sys

import pytest
import tomllib
from tests.conftest import REAL_DATA, REPO, write_junocam_products

import jovis
from jovis.released import CARD_FIELDS, RELEASED_DIR, releases
from jovis.released.make import check_score, sha256_of

REAL_HST = (
    REAL_DATA / "hst_stis_north_2016-05-21" / "jup_16-142-02-17-42_0100_v03_stis_f25srf2_proj.fits"
)
MAX_FILE_MB = 2.0  # the repository takes no file over 2 MB
SHIPPED = releases()
if not SHIPPED:  # the machinery itself is tested in test_registry.py with releases made in tmp
    pytest.skip("no released detector is shipped (src/jovis/released/ holds none)",
                allow_module_level=True)  # fmt: skip


def run(*args: str, ok: bool = True):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    if ok:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def hst_product(tmp_path_factory):
    """A synthetic far-UV frame written as an HST STIS lat-lon product (what a visit holds)."""
    from jovis.synth.products import write_hst_latlon

    out = tmp_path_factory.mktemp("hst")
    return write_hst_latlon(out, 1, 128, "north", 20000100)["files"][0]


def test_uv_is_shipped_within_the_size_budget():
    assert "uv" in {r.name for r in SHIPPED}
    sizes = [r.weights.stat().st_size / 1e6 for r in SHIPPED]
    assert max(sizes) <= MAX_FILE_MB and sum(sizes) <= 40
    files = [p for p in RELEASED_DIR.rglob("*") if p.is_file()]
    assert max(p.stat().st_size for p in files) <= MAX_FILE_MB * 1e6


@pytest.mark.parametrize("rel", SHIPPED, ids=[r.tag for r in SHIPPED])
def test_shipped_card_is_filled_and_its_weights_unchanged(rel):
    card = rel.card
    assert [k for k in CARD_FIELDS if card.get(k) in (None, "", [], {})] == []
    assert (card["name"], card["version"]) == (rel.name, rel.version)
    assert card["sha256"] == sha256_of(rel.weights), "weights changed in place: make a new version"
    assert "GPU" in card["hardware"]  # says whether one was used
    assert f"`{card['sha256']}`" in (rel.folder / "CARD.md").read_text()


@pytest.mark.parametrize("rel", SHIPPED, ids=[r.tag for r in SHIPPED])
def test_shipped_check_score_is_reproduced_from_the_weights(rel):
    # the check frames ship with the release: the score is reproducible whatever the generator
    check = rel.card["check"]
    score, digest = check_score(rel.weights, check, rel.check_set)
    assert digest == check["frames_sha256"], "check frames changed in place: make a new version"
    assert abs(score - check["score"]) <= 0.005


def test_released_files_are_package_data():
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["jovis"]  # fmt: skip
    root = RELEASED_DIR.parent
    files = [p for p in RELEASED_DIR.rglob("*") if p.is_file()
             and "__pycache__" not in p.parts and p.suffix != ".py"]  # fmt: skip
    missing = [
        str(p)
        for p in files
        if not any(fnmatch.fnmatch(str(p.relative_to(root)), pat) for pat in patterns)
    ]
    assert files and missing == []


def test_jovis_models_lists_the_releases_with_their_key_figures():
    proc = run("-m", "jovis", "models")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    tags = [m["tag"] for m in result["models"]]
    assert tags == [r.tag for r in SHIPPED]
    table = "\n".join(proc.stdout.strip().splitlines()[:-1])  # the table, not the JSON line
    for m in result["models"]:
        assert m["tag"] in table and f"{m['check_score']:.3f}" in table  # whole, not cut
        # a row on one line, piped as here (Rich's 80 columns wrapped it over four)
        [row] = [line for line in table.splitlines() if f" {m['tag']} " in line]
        assert f"{m['check_metric']} {m['check_score']:.3f}" in row
    assert result["auto"]["hst_stis"] == result["auto"]["hst_acs"] == "uv"
    for m, rel in zip(result["models"], SHIPPED, strict=True):  # JSON has lists for tuples
        span = rel.view_altitude_km
        assert m["view_altitude_km"] == (None if span is None else list(span))
    assert any(m["view_altitude_km"] for m in result["models"] if m["name"] == "visible_rgb")
    uv_real = next(m for m in result["models"] if m["tag"] == "uv-v4")["real_frames"]
    assert "aurora_faint_recall 0.29" in uv_real and "share" not in uv_real  # key figures only
    # the cards' real-frame scores are those of release day, and the table says how to rescore
    assert "at release" in table and "make real-eval CKPT=" in " ".join(table.split())
    bad = run("-m", "jovis", "models", "x=1", ok=False)
    assert bad.returncode == 2 and "no settings" in bad.stderr


def _infer_auto_picks_uv(path, tmp_path, *model):
    uv = max((r for r in SHIPPED if r.name == "uv"), key=lambda r: r.version)
    proc = run("scripts/infer.py", *model, f"input={path}", f"out={tmp_path}",
               "num_workers=0", "progress=false")  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"] == 1 and list(result["models"]) == [uv.tag]
    text = (tmp_path / uv.tag / "manifest.jsonl").read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["model"] for r in rows] == [uv.tag] and rows[0]["status"] == "ok"
    assert rows[0]["model_reason"] == "auto: instrument hst_stis → uv"
    assert (tmp_path / uv.tag / "overlays").is_dir()
    # where to look: model=auto's index, which links the detector's own report
    assert f"report: {tmp_path / 'report.html'}\n" in proc.stdout
    assert f'href="{uv.tag}/report.html"' in (tmp_path / "report.html").read_text()
    assert (tmp_path / uv.tag / "report.html").is_file()
    return uv, rows[0]


@pytest.mark.parametrize("model", [("model=auto",), ()], ids=["model=auto", "no model="])
def test_infer_model_auto_on_an_hst_product_names_its_pick(hst_product, tmp_path, model):
    # a new flyby's frames with no model named get the released detector of their instrument
    _infer_auto_picks_uv(hst_product, tmp_path, *model)


@pytest.mark.skipif(not REAL_HST.is_file(), reason=f"{REAL_HST} not found: needs ../shared data")
def test_infer_model_auto_on_a_real_hst_frame_marks_aurora_and_no_vortex(tmp_path):
    from jovis.io.masks import read_mask_png

    _, row = _infer_auto_picks_uv(REAL_HST, tmp_path, "model=auto")
    mask = read_mask_png(row["outputs"]["mask"])
    assert (mask == 1).mean() > 0.005 and not (mask == 2).any()


@pytest.mark.skipif(not REAL_HST.is_file(), reason=f"{REAL_HST} not found: needs ../shared data")
def test_a_real_frame_as_a_latlon_product_gets_its_own_mask_back(tmp_path):
    """The HST standard product path (720 x 1440 lat-lon, reprojected to a polar grid): the real
    02:39 frame sampled onto that layout, header kept, gives uv-v6's mask of the frame itself back
    where both see (0.90 measured; a longitude sense or pole flipped in the path gives ~0)."""
    import cv2
    import numpy as np
    from astropy.io import fits

    from jovis.inference import run_inference
    from jovis.io.masks import read_mask_png
    from jovis.io.reader import read_frame
    from jovis.released import resolve_model
    from jovis.synth.products import polar_to_latlon

    source = REAL_HST.with_name("jup_16-142-02-39-22_0100_v03_stis_f25srf2_proj.fits")
    native = read_frame(source)
    product = tmp_path / "in" / source.name.replace("_proj", "_latlon")
    product.parent.mkdir()
    with fits.open(source) as hdus:
        sci = fits.ImageHDU(polar_to_latlon(native.image, native.valid, native.grid),
                            header=hdus[1].header, name="SCI")  # fmt: skip
        fits.HDUList([fits.PrimaryHDU(header=hdus[0].header), sci]).writeto(product)
    ckpt = resolve_model("uv-v6").path
    masks = {}
    for name, path in (("native", source), ("latlon", product)):
        result = run_inference(ckpt, path, tmp_path / name, device="cpu", progress=False)
        assert result["ok"] == 1, result
        masks[name] = np.asarray(read_mask_png(tmp_path / name / "masks" / f"{path.stem}.png"))
    placed = read_frame(product)
    assert placed.grid is not None and placed.image.shape[:2] == (640, 640)
    h, w = masks["native"].shape
    x, y = placed.grid.pixel(*native.grid.latlon_image(w, h))
    back = cv2.remap(masks["latlon"], x.astype(np.float32), y.astype(np.float32),
                     cv2.INTER_NEAREST, borderValue=255)  # fmt: skip
    both = (back != 255) & (masks["native"] != 255)
    a, b = (masks["native"] == 1) & both, (back == 1) & both
    assert a.sum() > 2000 and (a & b).sum() / (a | b).sum() > 0.8


def test_infer_model_auto_fails_a_methane_band_frame_by_name_and_runs_the_rest(
    hst_product, tmp_path
):
    import shutil

    import cv2
    import numpy as np

    # a JunoCam methane-band raw product (one filter, 128-row framelets): JunoCam, but one
    # channel where the released JunoCam detector takes the three colour channels
    frames = tmp_path / "frames"
    frames.mkdir()
    methane = frames / "JNCE_2022229_44M00040_V01-raw.png"
    cv2.imwrite(str(methane), np.random.default_rng(0).integers(0, 255, (256, 96), np.uint8))
    shutil.copy(hst_product, frames)
    proc = run("scripts/infer.py", "model=auto", f"input={frames}", f"out={tmp_path}/o",
               "num_workers=0", "progress=false", ok=False)  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 2 and (result["ok"], result["failed"]) == (1, 1)  # 2: some failed
    [failure] = result["failures"]
    assert failure["source"].endswith(methane.name)
    assert "no released detector for junocam frames with 1 channel(s) ['methane']" in (
        failure["error"])  # fmt: skip
    assert not any(m.startswith("visible_rgb") for m in result["models"])
    # recorded on disk as well: no release's manifest holds it
    [row] = [json.loads(x) for x in (tmp_path / "o" / "unassigned.jsonl").read_text().splitlines()]
    assert row == {"id": methane.stem, "source": failure["source"], "status": "failed",
                   "model": None, "error": failure["error"]}  # fmt: skip
    assert result["unassigned"] == str(tmp_path / "o" / "unassigned.jsonl")


def test_infer_model_auto_takes_a_list_of_inputs_and_records_a_missing_one(hst_product, tmp_path):
    """``input=[a,b]``: a TypeError traceback ("not ListConfig") under model=auto."""
    gone = tmp_path / "gone.fits"
    proc = run("scripts/infer.py", f"input=[{hst_product},{gone}]", f"out={tmp_path}/o",
               "num_workers=0", "progress=false", ok=False)  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 2 and (result["ok"], result["failed"]) == (1, 1), proc.stderr[-2000:]
    assert [f["source"] for f in result["failures"]] == [str(gone)]
    assert "does not exist" in result["failures"][0]["error"]


def test_a_rerun_whose_frames_all_found_a_detector_drops_the_earlier_unassigned_record(tmp_path):
    from jovis.apps.infer import UNASSIGNED, record_unassigned

    assert record_unassigned(tmp_path, [{"source": "/f/grey.png", "error": "no detector"}])
    assert (tmp_path / UNASSIGNED).read_text().count("grey") == 2  # its id and source
    assert not record_unassigned(tmp_path, []) and not (tmp_path / UNASSIGNED).exists()


def test_infer_model_auto_gives_a_jiram_i1_frame_to_each_bands_detector(tmp_path):
    """A JIRAM I1 RDR (L over M): no release takes both bands, so jiram_l predicts its L and
    jiram_m its M, each manifest row saying which band it was given; before, it failed."""
    from tests.io.test_pds3 import jiram, radiance, write_pds3

    from jovis.io.masks import read_mask_png

    frames = tmp_path / "frames"
    frames.mkdir()
    write_pds3(frames, "JIR_IMG_RDR_2017033T120000_V01", radiance(256)[:, :64], "PC_REAL",
               jiram("I1"))  # fmt: skip
    proc = run("scripts/infer.py", "model=auto", f"input={frames}", f"out={tmp_path}/o",
               "num_workers=0", "progress=false")  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    names = {tag.rsplit("-v", 1)[0]: tag for tag in result["models"]}
    assert set(names) == {"jiram_l", "jiram_m"} and result["ok"] == 2, result
    for name, band in (("jiram_l", "L"), ("jiram_m", "M")):
        [row] = [json.loads(x) for x in (tmp_path / "o" / names[name] / "manifest.jsonl")
                 .read_text().splitlines()]  # fmt: skip
        assert row["bands"] == f"{band} of L, M" and row["model"] == names[name]
        assert read_mask_png(row["outputs"]["mask"]).shape == (128, 64)  # one band's strip
    # read from Python: the one frame is in both detectors' folders, and model= says which
    found = jovis.load_detections(tmp_path / "o")
    fid = "JIR_IMG_RDR_2017033T120000_V01"
    with pytest.raises(KeyError, match=r"2 detectors took frame .* say which with model="):
        found.mask(fid)
    assert found.mask(fid, model=names["jiram_m"]).shape == (128, 64)


def test_infer_model_auto_picks_a_junocam_detector_by_the_products_altitude(tmp_path):
    """Two JunoCam-named colour products with metadata: one from 15,000 km, one from 60,000
    km. Each goes to the newest `visible_rgb` whose training views were taken from its
    altitude, and its manifest row says which and why."""
    vis = [r for r in SHIPPED if r.name == "visible_rgb"]
    if not any(r.covers_altitude(15000.0) for r in vis) or vis[-1].covers_altitude(15000.0):
        pytest.skip("the shipped visible_rgb versions do not differ in their view altitudes")
    frames = write_junocam_products(
        tmp_path / "frames", {"44C00037": "15000.0 <km>", "44C00034": "60453.8 <km>"}
    )
    proc = run("scripts/infer.py", "model=auto", f"input={frames}", f"out={tmp_path}/o",
               "num_workers=0", "progress=false")  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    near = [r for r in vis if r.covers_altitude(15000.0)][-1]
    assert result["ok"] == 2 and sorted(result["models"]) == sorted([near.tag, vis[-1].tag])
    rows = {tag: json.loads((tmp_path / "o" / tag / "manifest.jsonl").read_text())
            for tag in result["models"]}  # fmt: skip
    row = rows[near.tag]
    assert "44C00037" in row["id"] and row["altitude_in_training_views"] is True
    assert f"outside {vis[-1].tag}'s training views" in row["model_reason"]
    row = rows[vis[-1].tag]
    assert (
        "44C00034" in row["id"] and row["model_reason"] == "auto: instrument junocam → visible_rgb"
    )


def test_infer_model_auto_takes_renamed_colour_images_as_junocam_and_refuses_grey(tmp_path):
    """A JunoCam composite re-saved under another name (here a JPEG) has no instrument the
    reader can tell: model=auto runs the colour detector on it, says why in the manifest and
    warns naming the file; a grey image of unknown instrument is refused by name."""
    import cv2
    import numpy as np

    frames = tmp_path / "frames"
    frames.mkdir()
    yy, xx = np.mgrid[:96, :96]
    disk = ((yy - 48) ** 2 + (xx - 48) ** 2 < 40**2).astype(np.float32)
    rgb = (disk[..., None] * np.array([150.0, 120.0, 90.0])).astype(np.uint8)
    cv2.imwrite(str(frames / "pj44_north.jpg"), rgb)
    cv2.imwrite(str(frames / "grey.png"), rgb[..., 0])
    proc = run("scripts/infer.py", "model=auto", f"input={frames}", f"out={tmp_path}/o",
               "num_workers=0", "progress=false", ok=False)  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    vis = max((r for r in SHIPPED if r.name == "visible_rgb"), key=lambda r: r.version)
    assert proc.returncode == 2 and (result["ok"], result["failed"]) == (1, 1)
    assert list(result["models"]) == [vis.tag]
    text = (tmp_path / "o" / vis.tag / "manifest.jsonl").read_text()
    [row] = [json.loads(line) for line in text.splitlines()]
    assert row["id"] == "pj44_north" and row["status"] == "ok"
    assert "instrument unknown, colour channels red/green/blue" in row["model_reason"]
    assert "pj44_north.jpg: the reader cannot tell its instrument" in proc.stderr + proc.stdout
    [failure] = result["failures"]
    assert failure["source"].endswith("grey.png")
    assert "'unknown' with 1 channel(s) ['gray']" in failure["error"]


def test_infer_with_an_unknown_model_name_fails_naming_the_choices(hst_product, tmp_path):
    proc = run("scripts/infer.py", "model=nope", f"input={hst_product}", f"out={tmp_path}/o",
               ok=False)  # fmt: skip
    assert proc.returncode != 0 and "valid choices: auto, " in proc.stderr + proc.stdout
    assert not (tmp_path / "o").exists()
    # model=auto with a checkpoint: auto ran the released detectors, the checkpoint unused
    proc = run("scripts/infer.py", "model=auto", f"ckpt={hst_product}", f"input={hst_product}",
               f"out={tmp_path}/o", ok=False)  # fmt: skip
    assert proc.returncode == 1 and "drop model=auto to run your checkpoint" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_evaluate_and_export_take_a_released_name(tmp_path):
    from jovis.synth import write_frame_set

    write_frame_set(tmp_path / "set", n=2, size=64, channels=["uv"], instrument="uv",
                    seed=20000000, split="test")  # fmt: skip
    proc = run("scripts/evaluate.py", "model=auto", f"data={tmp_path / 'set'}",
               f"out={tmp_path / 'eval'}", "device=cpu")  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    uv = max((r for r in SHIPPED if r.name == "uv"), key=lambda r: r.version)
    assert result["model"] == uv.tag and "aurora_iou" in result
    proc = run("scripts/export.py", "model=uv", "format=torchscript", f"out={tmp_path / 'x'}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["file"].endswith(f"{uv.tag}.pt") and result["model"] == uv.tag
    sidecar = json.loads((tmp_path / "x" / f"{uv.tag}.pt.json").read_text())
    assert "vortex" not in sidecar["visible_classes"] and "aurora" in sidecar["visible_classes"]


@pytest.mark.parametrize(
    "setting",
    ["px_per_deg=-3", "batch_size=0", "temporal.mode=bogus", "backend=onnxruntime compile=true"],
)
def test_infer_model_auto_refuses_a_wrong_setting_before_any_folder(hst_product, tmp_path, setting):
    """model=auto made out/<release>/inputs.txt before its detector's run refused the setting
    (a backend that cannot run what is asked: when its predictor was built): a half-made output
    folder for a run that never started."""
    out = tmp_path / "o"
    proc = run("scripts/infer.py", "model=auto", f"input={hst_product}", f"out={out}",
               "num_workers=0", "progress=false", *setting.split(), ok=False)  # fmt: skip
    assert proc.returncode != 0 and setting.split("=")[0] in proc.stderr
    assert not out.exists()


def test_infer_model_auto_into_a_file_says_so_in_one_line(hst_product, tmp_path):
    """out= naming a file: model=auto failed as a NotADirectoryError traceback (removing an
    earlier run's unassigned.jsonl under it); now infer's one line, as with model=NAME."""
    out = tmp_path / "afile"
    out.write_text("x")
    proc = run("scripts/infer.py", "model=auto", f"input={hst_product}", f"out={out}",
               "num_workers=0", "progress=false", ok=False)  # fmt: skip
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"out={out}: {out} is a file, not a folder; choose another out=" in proc.stderr
