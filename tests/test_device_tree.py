"""scripts/device_tree.py: superseded releases and the check sets only they use are parked out
of the tree a device call carries, and come back unchanged."""

import shutil

import pytest

from jovis.released import CHECKS_DIR, RELEASED_DIR, find_release
from tests.conftest import load_script


def _script():
    return load_script("device_tree")


def _copy(tag: str, root):
    rel = find_release(tag)
    shutil.copytree(rel.folder, root / tag)
    sets = root / CHECKS_DIR
    if not (sets / rel.check_set.name).exists():
        shutil.copytree(rel.check_set, sets / rel.check_set.name)
    return rel.check_set.name


def test_park_moves_the_superseded_releases_and_their_sets_and_restore_brings_them_back(tmp_path):
    tree = _script()
    root = tmp_path / "released"
    old_set = _copy("jiram_l-v2", root)
    new_set = _copy("jiram_l-v3", root)
    uv_set = _copy("uv-v5", root)  # the only uv here: the newest, stays
    assert old_set != new_set
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    parked = tmp_path / "parked"
    moved = tree.park(root, parked)
    assert sorted(p.name for p in moved) == sorted(["jiram_l-v2", old_set])
    assert sorted(p.name for p in root.iterdir()) == [CHECKS_DIR, "jiram_l-v3", "uv-v5"]
    assert sorted(p.name for p in (root / CHECKS_DIR).iterdir()) == sorted([new_set, uv_set])
    with pytest.raises(SystemExit, match="restore"):
        tree.park(root, parked)  # never parks over parked folders
    tree.restore(root, parked)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before
    assert not any(parked.rglob("*"))


def test_restore_never_overwrites_a_folder_that_came_back_another_way(tmp_path):
    tree = _script()
    root = tmp_path / "released"
    _copy("jiram_m-v2", root)
    _copy("jiram_m-v3", root)
    parked = tmp_path / "parked"
    tree.park(root, parked)
    (root / "jiram_m-v2").mkdir()
    with pytest.raises(SystemExit, match="not overwritten"):
        tree.restore(root, parked)
    assert (parked / "released" / "jiram_m-v2" / "model.pt").is_file()  # still parked, not lost


def test_the_shipped_tree_keeps_the_newest_release_of_every_name():
    folders, _ = _script().superseded(RELEASED_DIR)
    parked = {f.name for f in folders}
    assert "uv-v6" not in parked and "uv-v5" in parked
    assert "visible_rgb-v7" not in parked and "visible_rgb-v6" in parked
