"""Turn `input=DIR|GLOB|LIST.txt|FILE` (or a list of them) into frame paths with unique ids."""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jovis.io import FRAME_SUFFIXES
from jovis.io.archives import ArchiveError, is_archive, unpack
from jovis.io.isis import label_of
from jovis.io.pds4_label import (
    DATA_SUFFIXES,
    LABEL_MAX,
    PDS4_HEAD,
    describes_an_image,
    is_pds4_label,
)
from jovis.io.reader import COMPRESSED_FRAME_SUFFIXES
from jovis.io.sidecars import JUNOCAM_NAME, sidecars
from jovis.io.text_file import user_text

log = logging.getLogger(__name__)
FILTER_NAMES = ("-red", "-green", "-blue", "-methane")  # a JunoCam per-filter set's files


def is_filter_file(name: str) -> bool:
    """Whether a file name is one of a JunoCam per-filter set's (``<id>-red.png``, ``.jpg``...)."""
    return name.rsplit(".", 1)[0].endswith(FILTER_NAMES)


# A web address (http, https, ftp, s3, ...) given where files are read
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


Input = str | Path | Sequence[str | Path]  # one spec, or a list of them (``input=[a,b]``)


def several_inputs(spec: Any) -> list[str | Path] | None:
    """The entries of an input given as a list (``input=[a.fits,'b/*.png']`` on the command
    line, a Python list or tuple), else None: one folder, glob, list file or file."""
    if isinstance(spec, str | os.PathLike):
        return None
    return [s if isinstance(s, os.PathLike) else str(s) for s in spec]


def input_text(spec: Input) -> str | list[str]:
    """`spec` as recorded in a run's config.yaml: its text, or the list of its entries' texts."""
    several = several_inputs(spec)
    return str(spec) if several is None else [str(s) for s in several]


def list_inputs(spec: Input, every_product: bool = False) -> list[Path]:
    """Frames named by a folder (its files with frame suffixes), a glob, a list file or one file,
    or by a list of those (each entry as alone, files named twice once).

    A folder gives one product per JunoCam observation (`one_per_observation`: the composite,
    else the per-filter set, else the raw framelets), unless `every_product`. Archives (.zip,
    .tar, .tar.gz: a JunoCam image set as the website serves it) in a folder, a glob or named
    alone are unpacked into the jovis cache (`jovis.io.archives`) and give the frames they
    hold; one that cannot be unpacked is logged and kept, so that it is recorded as failed
    with its reason.

    A glob or list file names files explicitly, so every one of them is attempted (and a
    non-frame among them is reported as failed), but each product once (a label and its data
    file, a JunoCam per-filter set's files, a frame and its sidecars: `one_per_product`); a
    folder is filtered by suffix.
    Whatever has a frame's name but is no readable file (a folder named ``x.png``, a symlink
    loop, a dangling link) is kept, so that it is recorded as failed with its reason rather than
    skipped. A labelled frame set (a folder with ``manifest.jsonl``) gives the images its
    manifest lists.
    """
    several = several_inputs(spec)
    if several is not None:
        return _listed_inputs(several, every_product)
    text = str(spec)
    path = Path(text)
    if URL.match(text):  # (its '?' made it a glob that matched nothing: "no frames found")
        raise FileNotFoundError(
            f"input={text}: a web address; jovis reads files on this machine (it fetches "
            "nothing): download them first and give the folder, the files, or the .zip as "
            "downloaded (a JunoCam image set is read from its zip)"
        )
    if path.is_dir() and _frame_set_manifest(path):
        return [Path(p) for p in frame_set_rows(path)]
    if any(ch in text for ch in "*?["):
        paths = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
        paths = _unpacked(_distinct_files([p for p in paths if not p.is_dir()
                                           or _looks_like_frame(p)]))  # fmt: skip
        paths = _not_outputs(paths, text)
    elif path.is_dir() or (path.is_file() and is_archive(path)):
        entries = _not_outputs(sorted(path.iterdir()), text) if path.is_dir() else [path]
        archives = [p for p in entries if p.is_file() and is_archive(p)]
        paths, same = frame_files(entries) + _unpacked(archives), []
        if not every_product:
            paths, same = one_per_observation(paths)
        if same:
            log.info(
                "input=%s: %d product(s) of JunoCam observations whose other product is taken "
                "left out (%s); give them by name, a glob or a list to predict them too",
                text, len(same), _few([_product_name(p) for p in same]),
            )  # fmt: skip
    elif path.is_file() and path.suffix.lower() == ".txt":
        paths = _list_file(path, every_product)
    elif path.is_file():
        paths = [path]
    else:
        raise FileNotFoundError(
            f"input={text}: no such file or folder; give a folder, a glob such as "
            "'frames/*.png', a .txt list of paths, or one frame file"
        )
    paths, same = one_per_product(paths)  # (a glob or list may name all of a product's files)
    if same:
        log.info("input=%s: %d file(s) read through another file of their product (a label, "
                 "a per-filter set's first file, a sidecar): %s", text, len(same),
                 _few([p.name for p in same]))  # fmt: skip
    if not paths:
        raise FileNotFoundError(f"input={text}: no frames found{_folder_hint(path)}")
    return paths


def _listed_inputs(specs: list[str | Path], every_product: bool) -> list[Path]:
    """The frames of a list of inputs. A named file that is missing is kept, to be recorded as
    failed with its reason as a list file's line is; a folder or glob with no frames is
    logged; none in all of them raises."""
    paths: list[Path] = []
    for spec in specs:
        text = str(spec)
        try:
            paths += list_inputs(spec, every_product)
        except FileNotFoundError as err:
            if URL.match(text):
                raise
            if Path(text).exists() or any(ch in text for ch in "*?["):
                log.warning("%s", err)  # a folder or glob without frames
            else:
                paths.append(Path(text))  # (no such file: the reader says so, in the manifest)
    if not paths:
        shown = ",".join(str(s) for s in specs)
        raise FileNotFoundError(f"input=[{shown}]: no frames found in any of them" if specs else
                                "input=[]: an empty list names no frames")  # fmt: skip
    return _distinct_files(paths)


def note_observations(text: str | list[str], paths: list[Path]) -> None:
    """Log the JunoCam observations among a run's frames that a glob or list gave as more than
    one product (a composite and its per-filter set): each product is predicted, so the run's
    catalog.csv holds their vortices once per product (a folder gives one product per
    observation; `jovis track` follows one). Said by the run that writes the catalogue
    (`plan.plan_jobs`), not by every listing: model=auto lists the input to group it, then each
    group's run lists its part again."""
    _, also = one_per_observation(paths)
    if also:
        log.info("input=%s: %d file(s) are further products of JunoCam observations also given "
                 "as another product (%s): each is predicted, so the catalogue holds those "
                 "observations' vortices once per product; give the folder for one product per "
                 "observation", text, len(also),
                 _few([_product_name(p) for p in also]))  # fmt: skip


def _distinct_files(paths: list[Path]) -> list[Path]:
    """`paths` without a second name for the same file: a glob's ``**`` follows a link to a
    folder above it back into itself and finds every file again, a level deeper each time,
    until the path is too long (a folder with an ``up -> ..`` link gave 41 copies of each
    frame). The first name in sorted order is kept."""
    seen, kept = set(), []
    for p in paths:
        try:
            target = p.resolve()
        except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
            target = p.absolute()
        if target not in seen:
            seen.add(target)
            kept.append(p)
    if len(kept) < len(paths):
        log.info("%d file(s) named twice (again, or through a link) taken once",
                 len(paths) - len(kept))  # fmt: skip
    return kept


def _unpacked(paths: list[Path]) -> list[Path]:
    """`paths` with each archive among them replaced by the frames it holds (`frame_files` of
    its unpacked folder); an archive that cannot be unpacked stays, its reason logged."""
    out: list[Path] = []
    for p in paths:
        if not (p.is_file() and is_archive(p)):
            out.append(p)
            continue
        try:
            folder = unpack(p)
        except ArchiveError as err:
            log.warning("%s", err)
            out.append(p)
            continue
        found = frame_files(sorted(f for f in folder.rglob("*") if f.is_file()))
        log.info("%s: %d frame file(s), unpacked in %s", p, len(found), folder)
        out.extend(found)
    return out


def _list_file(path: Path, every_product: bool) -> list[Path]:
    """The frames a list file names, a line each ('#' comments and blank lines left out): each
    line as an input of its own (a file, a folder, a glob), relative to the list's folder unless
    absolute. A glob was taken as a file's name ("file does not exist"). A listed file that is
    missing is kept, to be recorded as failed, and logged with where its path was read from."""
    lines = [ln.strip() for ln in _list_text(path).splitlines()]
    specs = [_relative_to(path.parent, ln) for ln in lines if ln and not ln.startswith("#")]
    if not specs:
        return []
    missing = [s for s in specs if not s.exists() and not any(ch in str(s) for ch in "*?[")]
    if missing:
        log.warning("input=%s: %d listed path(s) name no file (%s); a list's relative paths are "
                    "read from its own folder, %s", path, len(missing),
                    _few([str(p) for p in missing]), path.parent)  # fmt: skip
    return _listed_inputs(specs, every_product)


def _list_text(path: Path) -> str:
    """A list file's text (`user_text`), or refused naming the file."""
    try:
        return user_text(path)
    except UnicodeDecodeError as err:
        raise ValueError(f"input={path}: a list file must be UTF-8 text, one path a line "
                         f"({err})") from None  # fmt: skip


def _folder_hint(path: Path) -> str:
    """Where a folder's frames may be instead: in subfolders, which are not searched (and how
    to give them); or it says that its archives held none either."""
    if not path.is_dir():
        return ""
    if (path / "manifest.jsonl").is_file() and not _frame_set_manifest(path):
        return (" (it is a jovis infer output: its manifest.jsonl lists what was predicted); "
                "give the folder of the frames it was made from (its rows' `source`)")  # fmt: skip
    entries = sorted(p for p in path.iterdir() if not p.name.startswith("."))
    archives = [p.name for p in entries if p.is_file() and is_archive(p)]
    if archives:
        return f" in the folder itself or its archives ({_few(archives)})"
    subfolders = [p.name for p in entries if p.is_dir()]
    if not subfolders:
        return ""
    return (
        f" in the folder itself (subfolders are not searched; it has {len(subfolders)}: "
        f"{_few(subfolders)}); give a subfolder, or a glob such as '{path}/*/*.png' or "
        f"'{path}/**/*.fits'"
    )


def _product_name(path: Path) -> str:
    """A listed file as the product it stands for: a per-filter set is listed by its first file."""
    match = JUNOCAM_NAME.match(path.name)
    if match and is_filter_file(path.name):
        return f"the per-filter set {match.group(0)}-red/-green/-blue{path.suffix}"
    return path.name


def _few(names: list[str]) -> str:
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


def frame_files(candidates: list[Path]) -> list[Path]:
    """The frames among files: by suffix, one file per product (`one_per_product`); XML files
    other than a PDS4 image product's label (a bundle's or collection's label, a spectrum's or a
    table's product, one beside a PDS3 .LBL) are not frames."""
    chosen = []
    names = {p.name.lower() for p in candidates}
    for p in candidates:
        name = p.name
        if name.startswith(".") or not _looks_like_frame(p):
            continue
        if not p.is_file():
            chosen.append(p)  # a folder or a broken link with a frame's name: it will fail
            continue
        if p.suffix.lower() == ".xml" and (f"{p.stem}.lbl".lower() in names or not _pds4_label(p)):
            continue  # its PDS3 label is read; a bundle's, a spectrum's label, any other XML
        chosen.append(p)
    return one_per_product(chosen, candidates)[0]


def one_per_product(paths: list[Path],
                    listed: list[Path] | None = None) -> tuple[list[Path], list[Path]]:  # fmt: skip
    """(`paths` with one file per product, the product's other files): an .IMG (or label-less
    ISIS .cub) whose detached .LBL is among `listed` (default: `paths`) is read through the
    label, a data file whose PDS4 .xml label is listed through that, and a JunoCam per-filter
    set (-red/-green/-blue.png, or .jpg / .tif) through its first file (`one_per_filter_set`):
    each is the same frame under another name. A sidecar of a listed file (a JunoCam
    -metadata.json, a .map.json, .view.json, .aux.xml, world file or .prj: `jovis.io.sidecars`)
    is read with that file, not as a frame of its own (`input='PJ44/*'` failed each product's
    -metadata.json as "unrecognised content")."""
    names = {(p.parent, p.name.lower()) for p in (paths if listed is None else listed)}
    # (not a file's own name: a -metadata.json is named as a JunoCam product's sidecar too)
    taken_in = {(s.parent, s.name.lower()) for p in (paths if listed is None else listed)
                for s in sidecars(p) if s != p}  # fmt: skip
    kept, others = [], []
    for p in paths:
        suffix = p.suffix.lower()
        beside = (p.parent, f"{p.stem}.lbl".lower()) in names
        if suffix in (".img", ".cub") and beside and (suffix == ".img" or label_of(p) != p):
            others.append(p)  # read through its detached label
        elif suffix in DATA_SUFFIXES and (p.parent, f"{p.stem}.xml".lower()) in names:
            others.append(p)  # read through its PDS4 label
        elif (p.parent, p.name.lower()) in taken_in:
            others.append(p)  # a listed frame's sidecar (-metadata.json, .map.json, ...)
        else:
            kept.append(p)
    kept, same_set = one_per_filter_set(kept)
    return kept, others + same_set


def one_per_filter_set(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(`paths` with one file per JunoCam per-filter set, the set's other files): the reader
    reads the whole set through any of its files (-red, -green, -blue...), so each would be the
    same frame under another name."""
    kept, others, seen = [], [], set()
    for p in paths:
        match = JUNOCAM_NAME.match(p.name)
        if match and is_filter_file(p.name):
            key = (p.parent, match.group(0))
            if key in seen:
                others.append(p)
                continue
            seen.add(key)
        kept.append(p)
    return kept, others


# One JunoCam observation in a folder comes as several products of one view: the colour
# composite the released detector is made for, the per-filter set it is assembled from, the raw
# framelets. A folder listing takes the first of these that is there, so that each observation
# is predicted (and catalogued, and tracked) once.
PRODUCT_RANK = {"mapprojected": 0, "red": 1, "green": 1, "blue": 1, "methane": 1, "raw": 2}


def one_per_observation(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(the paths with only the preferred product kind of each JunoCam product id, the others),
    in order; files that are not JunoCam products are all kept."""
    keys = []
    for p in paths:
        match = JUNOCAM_NAME.match(p.name)
        kind = p.name[match.end() :].split(".")[0].lstrip("-_").lower() if match else ""
        keys.append((match.group(0), PRODUCT_RANK.get(kind, 3)) if match else None)
    best: dict[str, int] = {}
    for key in filter(None, keys):
        best[key[0]] = min(best.get(key[0], key[1]), key[1])
    seen: set[tuple[str, int]] = set()  # the same product twice (a file and its zip): the first
    taken = []
    for k in keys:
        taken.append(k is None or (best[k[0]] == k[1] and k not in seen))
        seen.add(k)
    return ([p for p, t in zip(paths, taken, strict=True) if t],
            [p for p, t in zip(paths, taken, strict=True) if not t])  # fmt: skip


def frame_set_rows(spec: Input) -> dict[str, dict]:
    """Manifest rows of a labelled frame set by image path (empty for anything else): of the
    set itself, or of the set above a folder of its images (``set/images``), whose bare
    ``.npy`` files would otherwise come without the grid the model's plate scale needs; of
    each entry of a list of inputs.

    They carry what a bare image file cannot: the frame's grid, instrument and channel names.
    """
    from jovis.data.datasets import read_manifest

    several = several_inputs(spec)
    if several is not None:
        return {path: row for entry in several for path, row in frame_set_rows(entry).items()}
    root = Path(spec)
    if not root.is_dir():
        return {}
    if _frame_set_manifest(root):
        rows = read_manifest(root, ("image",), fix="give the folder of the frames instead")
        return {str(root / row["image"]): row for row in rows}
    parent = root.parent
    if not (parent / "manifest.jsonl").is_file():
        return {}
    # a frame set's images/ folder; another manifest there (an infer output's) says nothing
    rows = {str(parent / row["image"]): row for row in read_manifest(parent) if "image" in row}
    return {path: row for path, row in rows.items() if Path(path).parent == root}


# sub-folders of pictures jovis writes beside a manifest.jsonl: an infer run's masks, overlays
# and probs (.npy), a labelled frame set's masks: never frames
OUTPUT_FOLDERS = ("masks", "overlays", "probs")


def _not_outputs(paths: list[Path], text: str) -> list[Path]:
    """`paths` without the pictures jovis wrote (in `OUTPUT_FOLDERS` of a folder holding a
    manifest.jsonl, and an infer run's oval_profile.png), logged: a recursive glob over a
    folder that held a run's out= predicted the last run's masks and overlays as frames (and a
    labelled set's masks likewise)."""
    manifests: dict[Path, bool] = {}  # folder -> holds a manifest.jsonl (looked at once a call)

    def beside_manifest(root: Path) -> bool:
        if root not in manifests:
            manifests[root] = (root / "manifest.jsonl").is_file()
        return manifests[root]

    def written(p: Path) -> bool:
        if p.parent.name in OUTPUT_FOLDERS:
            return beside_manifest(p.parent.parent)
        return p.name == "oval_profile.png" and beside_manifest(p.parent)

    kept = [p for p in paths if not written(p)]
    if len(kept) < len(paths):
        log.warning("input=%s: %d picture(s) that jovis wrote (masks, overlays) left out",
                    text, len(paths) - len(kept))  # fmt: skip
    return kept


def _frame_set_manifest(root: Path) -> bool:
    """Whether `root` holds a manifest.jsonl that is not an infer output's: ``jovis infer
    out=`` the frames' own folder leaves one whose rows name a source and outputs, not an
    image, and the folder stays a folder of frames (a rerun resumes; it was refused)."""
    import json

    path = root / "manifest.jsonl"
    if not path.is_file():
        return False
    with path.open(encoding="utf-8-sig", errors="replace") as lines:
        first = next((line for line in lines if line.strip()), "")
    try:
        row = json.loads(first)
    except json.JSONDecodeError:
        return True  # read_manifest names the bad line
    return not (isinstance(row, dict) and "image" not in row and {"source", "status"} <= set(row))


def unique_ids(paths: list[Path]) -> list[str]:
    """Output ids from file names; clashes (a.png and a.npy) get the suffix appended."""
    stems = [p.name.split(".")[0] for p in paths]
    ids, seen = [], set()
    for p, stem in zip(paths, stems, strict=True):
        fid = stem if stems.count(stem) == 1 else f"{stem}-{p.suffix.lstrip('.').lower()}"
        base, n = fid, 1
        while fid in seen:
            n += 1
            fid = f"{base}-{n}"
        seen.add(fid)
        ids.append(fid)
    return ids


def _pds4_label(path: Path) -> bool:
    """Whether an XML file is a PDS4 product's label that describes an image."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(PDS4_HEAD)
            return is_pds4_label(head) and describes_an_image(head + fh.read(LABEL_MAX))
    except OSError:
        return True  # unreadable: listed, so that its read fails with the reason


def _looks_like_frame(path: Path) -> bool:
    name = path.name.lower()
    return path.suffix.lower() in FRAME_SUFFIXES or name.endswith(COMPRESSED_FRAME_SUFFIXES)


def _relative_to(base: Path, line: str) -> Path:
    p = Path(line)
    return p if p.is_absolute() else base / p
