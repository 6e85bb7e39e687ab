"""Released detectors: the resolver of model=/ckpt=, the release maker, its cards."""

import json
import shutil
from pathlib import Path

import pytest
import torch

from jovis.checkpoint import load_checkpoint, read_checkpoint
from jovis.released import (
    CARD_FIELDS,
    UnknownModelError,
    colour_guess,
    find_release,
    for_instrument,
    releases,
    resolve_model,
)
from jovis.released.make import check_score, release_run, sha256_of


@pytest.fixture(scope="module")
def root(tiny_run, tmp_path_factory):
    """A release folder holding jiram_l-v1 (made from the tiny run) and a copy as jiram_l-v2."""
    from pathlib import Path

    root = tmp_path_factory.mktemp("released")
    release_run(Path(tiny_run["out"]), "jiram_l", root=root)
    shutil.copytree(root / "jiram_l-v1", root / "jiram_l-v2")
    return root


def test_a_bare_name_resolves_to_the_newest_version_and_a_tag_to_itself(root):
    assert [r.tag for r in releases(root)] == ["jiram_l-v1", "jiram_l-v2"]
    assert resolve_model("jiram_l", root=root).path == root / "jiram_l-v2" / "model.pt"
    pick = resolve_model("jiram_l-v1", root=root)
    assert pick.path == root / "jiram_l-v1" / "model.pt" and pick.model == "jiram_l-v1"


def test_paths_and_ckpt_still_work_and_must_agree(root, tiny_run, tmp_path):
    ckpt = tiny_run["checkpoint"]
    assert resolve_model(None, ckpt, root=root).path.samefile(ckpt)
    assert resolve_model(ckpt, root=root).reason == "model= path"
    assert resolve_model(ckpt, ckpt, root=root).path.samefile(ckpt)
    with pytest.raises(ValueError, match="two different checkpoints"):
        resolve_model("jiram_l", ckpt, root=root)
    with pytest.raises(ValueError, match=r"model=NAME .*ckpt=PATH"):
        resolve_model(None, None, root=root)


def test_auto_picks_by_instrument_and_names_the_pick(root):
    for instrument in ("jiram_l", "jiram", "JIRAM"):
        pick = resolve_model("auto", instrument=instrument, root=root)
        assert pick.model == "jiram_l-v2" and instrument in pick.reason
    with pytest.raises(UnknownModelError, match=r"instrument 'hst_wfc3_uvis'.*hst_acs"):
        for_instrument("hst_wfc3_uvis", root)  # Hubble's visible camera: no detector for it
    with pytest.raises(UnknownModelError, match=r"instrument 'unknown'.*hst_stis"):
        for_instrument("unknown", root)
    with pytest.raises(UnknownModelError, match=r"model=uv.*planned.*auto, jiram_l, jiram_l-v1"):
        resolve_model("auto", instrument="hst_stis", root=root)  # uv has no version here


def test_auto_takes_a_colour_frame_of_unknown_instrument_as_a_visible_composite(root):
    rgb = ["red", "green", "blue"]
    assert colour_guess("unknown", rgb) and not colour_guess("unknown", ["gray"])
    assert not colour_guess("jiram_l", rgb)  # a known instrument keeps its own detector
    assert not colour_guess("unknown", ["blue", "green", "red"])  # not a composite's order
    # resolved to visible_rgb, which this release folder does not hold
    with pytest.raises(UnknownModelError, match=r"model=visible_rgb: no released detector"):
        resolve_model("auto", instrument="unknown", channels=rgb, root=root)
    with pytest.raises(UnknownModelError, match=r"'unknown' with 1 channel\(s\) \['gray'\]"):
        resolve_model("auto", instrument="unknown", channels=["gray"], root=root)


def test_auto_refuses_a_frame_whose_channel_count_the_release_cannot_take(root):
    takes = find_release("jiram_l", root).card["channels"]
    pick = resolve_model("auto", instrument="jiram_l", channels=["x"] * len(takes), root=root)
    assert pick.model == "jiram_l-v2"  # the count decides, not the names
    other = [f"c{i}" for i in range(len(takes) + 1)]
    with pytest.raises(UnknownModelError, match=rf"jiram_l frames with {len(other)} channel\(s\) "
                       rf"\['c0'.*: jiram_l-v2 takes {len(takes)} .*ckpt=PATH"):  # fmt: skip
        resolve_model("auto", instrument="jiram_l", channels=other, root=root)


def test_auto_prefers_a_version_trained_on_views_from_the_frames_altitude(root, tmp_path):
    """Two JunoCam-like versions: v1's views from 10,000-280,000 km, v2's from 30,000 km up.
    A product from 15,000 km gets v1 (named in the reason), one from 60,000 km or of unknown
    altitude the newest, and one outside every version's range the newest too."""
    import json

    vis = tmp_path / "released"
    for version, low in ((1, 10000.0), (2, 30000.0)):
        folder = vis / f"visible_rgb-v{version}"
        shutil.copytree(root / "jiram_l-v1", folder)
        card = json.loads((folder / "card.json").read_text())
        card["data"]["view"] = {"polar": 0.25, "perspective": 0.75}
        card["data"]["params"] = {"junocam_altitude_km": [low, 280000.0]}
        (folder / "card.json").write_text(json.dumps(card))
    assert find_release("visible_rgb-v2", vis).view_altitude_km == (30000.0, 280000.0)
    assert find_release("jiram_l-v1", root).view_altitude_km is None  # polar frames only
    pick = resolve_model("auto", instrument="junocam", altitude_km=15000.0, root=vis)
    assert pick.model == "visible_rgb-v1"
    assert "taken from 15000 km, outside visible_rgb-v2's training views from 30000-280000 km" in (
        pick.reason)  # fmt: skip
    for altitude in (60000.0, None, 5000.0):
        pick = resolve_model("auto", instrument="junocam", altitude_km=altitude, root=vis)
        assert (
            pick.model == "visible_rgb-v2"
            and pick.reason == "auto: instrument junocam → visible_rgb"
        )
    # a frame no version takes (its channel count) is refused naming the newest, whatever
    # version its altitude would have picked
    takes = len(find_release("visible_rgb-v2", vis).card["channels"])
    with pytest.raises(UnknownModelError, match=rf"'methane'\]: visible_rgb-v2 takes {takes}"):
        resolve_model("auto", instrument="junocam", altitude_km=15000.0, root=vis,
                      channels=["methane"] * (takes + 1))  # fmt: skip


def test_an_unknown_name_is_refused_naming_the_choices(root):
    with pytest.raises(
        UnknownModelError, match=r"model=nope.*auto, jiram_l, jiram_l-v1, jiram_l-v2"
    ):
        find_release("nope", root)


def test_release_has_fp16_weights_a_full_card_and_a_reproducible_check(root):
    rel = find_release("jiram_l-v1", root)
    state = read_checkpoint(rel.weights)["state_dict"]
    floats = [v for v in state.values() if v.is_floating_point()]
    assert floats and all(v.dtype == torch.float16 for v in floats)
    _, info = load_checkpoint(rel.weights)  # fp16 weights load into the fp32 network
    assert info.extra["release"] == "jiram_l-v1"
    card = rel.card
    assert [k for k in CARD_FIELDS if card.get(k) in (None, "", [], {})] == []
    assert card["sha256"] == sha256_of(rel.weights)
    assert len(card["check"]["seeds"]) == 8
    score, digest = check_score(rel.weights, card["check"], rel.check_set)
    assert digest == card["check"]["frames_sha256"]  # the stored check frames, as scored
    assert check_score(rel.weights, card["check"]) == (score, digest)  # = rendered today
    assert abs(score - card["check"]["score"]) <= 0.005
    assert (rel.folder / "CARD.md").read_text().startswith("# jiram_l-v1")
    assert card["data"]["supersample"] == 1  # rendered at its size: the card says nothing of it
    assert "supersample" not in (rel.folder / "CARD.md").read_text()
    # the tiny run ran on the CPU, with its own steps (the command repeats what differs)
    assert card["training"]["command"].endswith("trainer=cpu seed=0 trainer.max_steps=4")
    assert card["hardware"].startswith("CPU only")
    assert any(m.startswith("CPU-sized") for m in card["failure_modes"])


def test_releases_of_one_generator_share_one_stored_check_set(tiny_run, tmp_path):
    """The check frames are stored once per content: a second release of the same recipe adds
    no copy; a set whose files no longer match its name is refused, not overwritten."""
    from pathlib import Path

    from jovis.released import CHECKS_DIR

    root = tmp_path / "released"
    first = release_run(Path(tiny_run["out"]), "jiram_l", root=root)
    second = release_run(Path(tiny_run["out"]), "jiram_l", root=root)
    assert [p.name for p in (root / CHECKS_DIR).iterdir()] == [first.check_set.name]
    assert second.check_set == first.check_set and not (second.folder / "check").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temporary left
    (first.check_set / "masks").iterdir().__next__().write_bytes(b"not a mask")
    with pytest.raises(ValueError, match="other check frames than its name says"):
        release_run(Path(tiny_run["out"]), "jiram_l", root=root)
    assert sorted(p.name for p in root.iterdir()) == [CHECKS_DIR, "jiram_l-v1", "jiram_l-v2"]


def test_a_run_trained_on_a_gpu_gets_a_gpu_card(tiny_run, tmp_path):
    """make gpu-release trains with trainer=gpu: its card must not call it CPU-sized."""
    from pathlib import Path

    run = tmp_path / "run"
    shutil.copytree(Path(tiny_run["out"]), run)
    ckpt = read_checkpoint(run / "model.pt")
    ckpt["jovis"]["config"]["trainer"]["accelerator"] = "cuda"  # as trainer=gpu records it
    torch.save(ckpt, run / "model.pt")
    card = release_run(run, "jiram_l", root=tmp_path / "released").card
    assert card["training"]["command"].endswith("trainer=gpu seed=0 trainer.max_steps=4")
    assert card["hardware"].startswith("one CUDA GPU")
    assert not any(m.startswith("CPU-sized") for m in card["failure_modes"])


def test_a_release_is_never_rewritten_and_needs_a_run(root, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"model.pt"):
        release_run(tmp_path, "uv", root=root)
    with pytest.raises(ValueError, match="not one of uv, visible_rgb"):
        release_run(tmp_path, "nope", root=root)
    (root / "jiram_l-v3").mkdir()  # a folder without weights is no release: v3 is still next
    try:
        with pytest.raises(FileExistsError, match="never rewritten"):
            release_run(root / "jiram_l-v1", "jiram_l", root=root)
    finally:
        (root / "jiram_l-v3").rmdir()


def test_withdrawn_versions_are_never_reused_in_the_package(tmp_path):
    from jovis.released import RELEASED_DIR
    from jovis.released.make import WITHDRAWN, next_version

    for name, version in WITHDRAWN.items():
        assert next_version(name, RELEASED_DIR) > version
    assert next_version("uv", tmp_path) == 1  # a fresh folder starts at v1


def test_a_fine_tuned_run_names_its_first_stage_on_the_card(tiny_run, tmp_path):
    """A release fine-tuned from another run (init=) gets both commands and the parent."""
    from pathlib import Path

    from tests.conftest import compose_config

    from jovis.training.fit import train

    parent = Path(tiny_run["out"])
    cfg = compose_config("train", ["experiment=tiny", f"out={tmp_path / 'runs'}",
                                   f"init.model={parent / 'model.pt'}", "trainer.max_steps=1",
                                   "+data.params.junocam_vortex_arm_gain=0.5"])  # fmt: skip
    run = Path(train(cfg)["out"])
    card = release_run(run, "jiram_l", root=tmp_path / "released").card
    stage = card["training"]["parent"]
    assert stage["run"] == parent.name and stage["sha256"] and stage["steps"] > 1
    first, second = card["training"]["command"].split("; then ")
    assert f"seed={stage['seed']}" in first and "~data.params.junocam_vortex_arm_gain" in first
    assert "init=<that run>/model.pt" in second and "trainer.max_steps=1" in second
    assert (
        "fine-tuned from (stage 1)"
        in (tmp_path / "released" / "jiram_l-v1" / "CARD.md").read_text()
    )


def test_a_release_fine_tuned_from_shipped_weights_names_them():
    """init=<a released tag>: the card names the release (its own card re-makes it) and the
    command is one train.py call with init=<tag>; another run's stage keeps its two commands."""
    from jovis.released import RELEASED_DIR
    from jovis.released.card import (
        _parent_line,
        parent_stage,
        released_tag,
        size_note,
        training_command,
    )

    weights = RELEASED_DIR / "jiram_l-v2" / "model.pt"
    assert released_tag(weights) == "jiram_l-v2" and released_tag(Path("runs/x/model.pt")) is None
    stage = parent_stage({"parent": {"path": str(weights), "sha256": "abc"}}, "release/jiram_l",
                         {}, "cpu")  # fmt: skip
    assert stage["release"] == "jiram_l-v2" and stage["sha256"] == "abc"
    base = "python scripts/train.py experiment=release/jiram_l trainer=cpu"
    tail = ["seed=2", "trainer.max_steps=600"]
    assert (
        training_command(base, stage, tail)
        == f"{base} init=jiram_l-v2 seed=2 trainer.max_steps=600"
    )
    assert training_command(base, None, []) == base
    two = training_command(base, {"command": "STAGE1"}, tail)
    assert two == f"STAGE1; then {base} init=<that run>/model.pt seed=2 trainer.max_steps=600"
    assert "released jiram_l-v2" in _parent_line(stage)
    assert "jiram_l-v2's + 600 steps" in size_note({"batch_size": 8, "size": 256},
                                                     {"max_steps": 600}, stage)  # fmt: skip


def test_the_card_command_repeats_what_the_run_changed_in_its_recipe():
    """A run's overrides of its recipe (data params, optimiser, steps, seed) are in its card's
    command; a fine-tune's lr (the recipe's × init.lr_scale) is not repeated."""
    from jovis.config import compose_train, to_plain
    from jovis.released.card import recipe_overrides

    cfg = to_plain(compose_train(["experiment=release/uv", "trainer=cpu", "seed=3",
                                  "trainer.max_steps=40", "optim.warmup_steps=5",
                                  "+data.params.oval_fwhm_range=[0.57,0.96]",
                                  "data.supersample=2"]))  # fmt: skip
    got = recipe_overrides(cfg, "release/uv", "cpu")
    assert got == ["seed=3", "trainer.max_steps=40", "data.supersample=2",
                   "'+data.params.oval_fwhm_range=[0.57,0.96]'",
                   "optim.warmup_steps=5"]  # fmt: skip
    assert recipe_overrides(to_plain(compose_train(["experiment=release/uv", "trainer=cpu"])),
                            "release/uv", "cpu") == ["seed=0", "trainer.max_steps=800"]  # fmt: skip
    tuned = dict(
        cfg,
        init={**cfg["init"], "model": "uv-v3"},
        optim={**cfg["optim"], "lr": cfg["optim"]["lr"] * cfg["init"]["lr_scale"]},
    )
    assert not any(a.startswith("optim.lr") for a in recipe_overrides(tuned, "release/uv", "cpu"))
    tuned["optim"]["lr"] = 1.0  # a fine-tune at another lr does say so
    assert "optim.lr=1.0" in recipe_overrides(tuned, "release/uv", "cpu")


def test_the_card_says_how_its_frames_were_rendered():
    from jovis.released.card import _supersample_words

    assert _supersample_words(1) == ""
    assert "rendered at 4x its size and shrunk as infer" in _supersample_words(4)
    assert "(data.supersample=4)" in _supersample_words(4)


def test_the_card_says_whose_weights_its_real_scores_are(tmp_path):
    from jovis.released.make import real_summary

    for checkpoint, scored in (("outputs/runs/r-1/model.pt", "<the run's model.pt>"),
                               ("src/jovis/released/uv-v5/model.pt",
                                "<the shipped fp16 weights>")):  # fmt: skip
        path = tmp_path / "real.json"
        summary = {"ref_aurora_iou": 0.42, "baseline_x": 1.0}
        path.write_text(json.dumps({"checkpoint": checkpoint, "resample": "auto",
                                    "summary": summary}))  # fmt: skip
        summary = real_summary(path, "uv")
        assert (
            summary["source"]
            == f"python scripts/benchmark.py suite=real ckpt={scored} (resample auto)"
        )
        assert summary["ref_aurora_iou"] == 0.42 and "baseline_x" not in summary


def test_a_heldout_set_puts_its_scores_and_their_spread_over_orientations_on_the_card(
    tiny_run, tmp_path
):
    from jovis.evaluation import evaluate
    from jovis.synth.frameset import write_frame_set

    heldout = tmp_path / "heldout"
    write_frame_set(heldout, 3, 64, ["L", "M"], "jiram", hemisphere="north", seed=7, split="test")
    card = release_run(Path(tiny_run["out"]), "jiram_l", root=tmp_path / "released",
                       heldout=heldout).card  # fmt: skip
    scores = card["synthetic_heldout"]
    plain = evaluate(tiny_run["checkpoint"], heldout, device="cpu", oval_course="off")
    assert scores["frames"] == 3 and scores["aurora_iou"] == plain["aurora_iou"]
    spread = scores["orientations"]["aurora_iou"]
    assert spread["min"] <= plain["aurora_iou"] <= spread["max"]
    assert spread["min"] <= spread["mean"] <= spread["max"] and spread["sd"] >= 0
