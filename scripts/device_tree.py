"""Park the superseded releases outside the tree a device call carries, and bring them back.

A lent GPU's call copies the working tree (tracked and untracked-not-ignored files) and refuses
one over 64 MiB; the shipped releases and their check frames are most of it. A lease needs only
the newest release of each name (the older ones are there for users who pin them):

    python scripts/device_tree.py park      # before the lease's calls: superseded releases and
                                            # the check sets only they use -> .device_parked/
    python scripts/device_tree.py restore   # after the lease: everything back where it was
    python scripts/device_tree.py size      # MiB the next call would carry (wheels in .whl/ too)

`.device_parked/` is git-ignored, so parked folders do not travel. Folders are moved by rename,
never copied or deleted; `park` refuses while anything is still parked, `restore` refuses to
overwrite a folder that came back some other way.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jovis.released import CHECKS_DIR, RELEASED_DIR, releases

REPO = Path(__file__).resolve().parents[1]

PARKED = REPO / ".device_parked"
CARRY = (".whl",)  # ignored folders a lease call carries besides the tree


def superseded(root: Path) -> tuple[list[Path], list[Path]]:
    """(release folders that are not the newest of their name, check sets only they use)."""
    shipped = releases(root)
    newest = {r.name: r.version for r in shipped}
    old = [r for r in shipped if r.version < newest[r.name]]
    kept_sets = {r.check_set for r in shipped if r.version == newest[r.name]}
    old_sets = sorted({r.check_set for r in old} - kept_sets)
    return [r.folder for r in old], [s for s in old_sets if s.is_dir()]


def park(root: Path, parked: Path) -> list[Path]:
    if parked.exists() and any(parked.rglob("*")):
        raise SystemExit(f"{parked} still holds parked folders: run `restore` first")
    folders, sets = superseded(root)
    moved = []
    for src in [*folders, *sets]:
        dst = parked / root.name / src.relative_to(root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        src.rename(dst)
        moved.append(dst)
    return moved


def restore(root: Path, parked: Path) -> list[Path]:
    base = parked / root.name  # parked/<root>/<release> and parked/<root>/checks/<digest>
    sets = sorted((base / CHECKS_DIR).glob("*"))
    folders = [f for f in sorted(base.glob("*")) if f.name != CHECKS_DIR]
    back = []
    for src in [*folders, *sets]:
        dst = root / src.relative_to(base)
        if dst.exists():
            raise SystemExit(f"{dst} exists: not overwritten; move {src} back by hand")
        src.rename(dst)
        back.append(dst)
    for folder in sorted(parked.rglob("*"), reverse=True):
        if folder.is_dir():
            folder.rmdir()  # only the emptied folders are left; rmdir refuses anything else
    return back


def carried_mib(repo: Path) -> float:
    """MiB a device call would carry: the files git tracks or does not ignore, as they are in the
    working tree, and the ignored folders of `CARRY`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=repo, capture_output=True, check=True).stdout  # fmt: skip
    files = [repo / name for name in listed.decode().split("\0") if name]
    files += [f for c in CARRY for f in (repo / c).rglob("*")]
    return sum(f.stat().st_size for f in files if f.is_file()) / 2**20


def main(argv: list[str]) -> int:
    if argv not in (["park"], ["restore"], ["size"]):
        print(__doc__, file=sys.stderr)
        return 2
    before = carried_mib(REPO)
    if argv == ["park"]:
        moved = park(RELEASED_DIR, PARKED)
        print(f"parked {len(moved)} folders in {PARKED}")
    elif argv == ["restore"]:
        back = restore(RELEASED_DIR, PARKED)
        print(f"restored {len(back)} folders")
    print(f"a device call carries {carried_mib(REPO):.1f} MiB (was {before:.1f}; limit 64)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
