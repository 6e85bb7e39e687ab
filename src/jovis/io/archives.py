"""Archives given as input: a flyby's frames as they are downloaded (the JunoCam website serves
each image set as a zip of its raw framelets and metadata).

`unpack` extracts a .zip or .tar(.gz) once into the jovis cache (``$JOVIS_CACHE/archives``,
keyed by the archive's content), so `infer input=` can take archives beside frames; an archive
that cannot be unpacked is refused by name and reason (`ArchiveError`), and the reader says the
same of it when it is recorded as a failed input. Only regular files are extracted, each inside
the target folder (no absolute paths, no ``..``, no links), and within `MAX_MEMBERS` and
`MAX_UNPACKED_BYTES`.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from jovis.io.digest import file_sha256
from jovis.paths import cache_dir

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
UNSUPPORTED_SUFFIXES = (".7z", ".rar")
MAX_MEMBERS = 20_000
MAX_UNPACKED_BYTES = 16 << 30  # 16 GiB: a whole perijove's raw framelets fit many times over


class ArchiveError(ValueError):
    """An archive that cannot be unpacked: names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = Path(path), reason


def is_archive(path: str | Path) -> bool:
    """Whether `path` names an archive by its suffix (supported or not)."""
    return Path(path).name.lower().endswith((*ARCHIVE_SUFFIXES, *UNSUPPORTED_SUFFIXES))


def unpack(path: str | Path) -> Path:
    """The folder holding `path`'s files, extracted now or by an earlier call (the cache is keyed
    by the archive's content); raises `ArchiveError` naming the file and the reason."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith(UNSUPPORTED_SUFFIXES):
        raise ArchiveError(path, "a .7z/.rar archive: unpack it first (jovis reads .zip and .tar)")
    root = cache_dir() / "archives"
    target = root / f"{path.name.split('.')[0]}-{file_sha256(path)[:16]}"
    if target.is_dir():  # unpacked whole before: not read again
        return target
    members = _members(path)  # checked; the contents' CRCs are checked as they are extracted
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
    except OSError as err:
        raise ArchiveError(path, f"cannot unpack into {root} ({err}); set JOVIS_CACHE to a "
                                 "writable folder, or unpack it yourself") from err  # fmt: skip
    try:
        _extract(path, members, tmp)
        os.replace(tmp, target)  # whole or not at all: a killed unpack leaves only .unpack-*
    except FileExistsError:
        pass  # another run unpacked the same archive meanwhile
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as err:
        raise ArchiveError(path, f"corrupt or truncated ({err})") from err
    except OSError as err:
        raise ArchiveError(path, f"cannot unpack ({err})") from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def archive_problem(path: str | Path) -> str:
    """Why `path`, an archive handed to a frame reader, is not a frame: what is wrong with it,
    or that its frames are read when the archive is given as input."""
    try:
        if Path(path).name.lower().endswith(UNSUPPORTED_SUFFIXES):
            return "a .7z/.rar archive: unpack it first (jovis reads .zip and .tar)"
        _members(Path(path), verify=True)
    except ArchiveError as err:
        return f"an archive that cannot be unpacked: {err.reason}"
    return (
        "an archive, not a frame: give it as input= (alone, in a folder or a glob) and its "
        "frames are read"
    )


def _members(path: Path, verify: bool = False) -> list[tuple[str, int]]:
    """(member name, size) of every regular file, checked: names inside the archive's folder,
    counts and sizes within the limits; with `verify`, a zip's contents against their CRCs
    (a whole read: `unpack` has them checked as it extracts)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip() if verify else None
                if bad is not None:
                    raise ArchiveError(path, f"member {bad} is corrupt (CRC)")
                infos = [(i.filename, i.file_size) for i in zf.infolist() if not i.is_dir()]
        elif path.name.lower().endswith((".tar", ".tar.gz", ".tgz")):
            with tarfile.open(path) as tf:
                entries = tf.getmembers()
            links = [m.name for m in entries if m.issym() or m.islnk() or m.isdev()]
            if links:
                raise ArchiveError(path, f"holds links or devices ({links[0]}, ...): not unpacked")
            infos = [(m.name, m.size) for m in entries if m.isfile()]
        else:
            raise ArchiveError(path, "not a readable .zip or .tar archive")
    except tarfile.TarError as err:
        raise ArchiveError(path, "corrupt or truncated (not a readable .tar/.tar.gz)") from err
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise ArchiveError(path, f"corrupt or truncated ({err})") from err
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(path, f"{len(infos)} files, over the {MAX_MEMBERS} jovis unpacks")
    if sum(size for _, size in infos) > MAX_UNPACKED_BYTES:
        raise ArchiveError(path, f"unpacks to over {MAX_UNPACKED_BYTES >> 30} GiB")
    for name, _ in infos:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise ArchiveError(path, f"member {name!r} would land outside the archive's folder")
    return infos


def _extract(path: Path, members: list[tuple[str, int]], folder: Path) -> None:
    wanted = {name for name, _ in members}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.filename in wanted:
                    zf.extract(info, folder)
        return
    with tarfile.open(path) as tf:
        for member in tf.getmembers():
            if member.isfile() and member.name in wanted:
                source = tf.extractfile(member)
                out = folder / member.name
                out.parent.mkdir(parents=True, exist_ok=True)
                with source, open(out, "wb") as fh:
                    shutil.copyfileobj(source, fh)
