"""Write files so that a killed process never leaves a half-written output.

Everything goes to a temporary name in the same folder and is renamed over the final name only
once complete; a rename within one file system is atomic. A temporary is named after its owner
(``.<name>.tmp-<host>-<pid>-<token><suffix>``), so that a run cleaning up after a killed one
removes only temporaries whose owner is gone, never those of a live run sharing the folder.

Every byte goes through `_write_file`; a full disk there raises `DiskFullError` naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import io
import json
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

TMP_MARK = ".tmp-"
HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
RUN_TOKEN = secrets.token_hex(4)  # this process's writes; tells a reused pid from its owner
OTHER_HOST_STALE_S = 3600  # a temporary of another host is a leftover after an hour unchanged
_OWNER = re.compile(r"\.tmp-([0-9a-f]{8})-(\d+)-([0-9a-f]{8})")


class DiskFullError(OSError):
    """No space left on the device while writing `path` (the caller stops; nothing is cut)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(errno.ENOSPC, f"disk full at {path}", str(path))
        self.path = str(path)

    def __str__(self) -> str:
        return f"disk full at {self.path}: free some space and run again (finished work is kept)"

    def __reduce__(self):  # pickles across processes with its one argument
        return (DiskFullError, (self.path,))


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARK}{HOST}-{os.getpid()}-{RUN_TOKEN}{path.suffix}")


def make_folder(path: str | Path, key: str | None = None) -> Path:
    """`mkdir -p path`; when a file stands in the way, one line naming it (and the setting `key`)
    instead of a raw NotADirectoryError / FileExistsError."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (NotADirectoryError, FileExistsError):
        check_folder(path, key)
        raise _blocked(path, key, path) from None
    return path


def check_folder(path: str | Path, key: str | None = None) -> None:
    """`make_folder`'s NotADirectoryError when a file stands where the folder `path` or one of
    its parents would be, without creating anything (checked before a run writes)."""
    path = Path(path)
    blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise _blocked(path, key, blocker)


def _blocked(path: Path, key: str | None, blocker: Path) -> NotADirectoryError:
    where = f"{key}={path}" if key else f"cannot create the folder {path}"
    fix = f"choose another {key}=" if key else "move that file away"
    return NotADirectoryError(f"{where}: {blocker} is a file, not a folder; {fix}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` if the block succeeds."""
    path = Path(path)
    make_folder(path.parent)
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        if err.errno == errno.ENOSPC and not isinstance(err, DiskFullError):
            raise DiskFullError(path) from err
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _write_file(path: Path, data: bytes, mode: str = "wb") -> None:
    """The one place bytes reach the disk (tests inject a full disk here)."""
    try:
        with open(path, mode) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise DiskFullError(path) from err
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        _write_file(tmp, data)
    return Path(path)


def append_line(path: str | Path, line: str) -> None:
    """Append one line (a log, a manifest): whole or, on a full disk, `DiskFullError`."""
    _write_file(Path(path), _encode(line + "\n"), "ab")


def write_text(path: str | Path, text: str) -> Path:
    """UTF-8; what UTF-8 cannot encode (a lone surrogate from a non-UTF-8 file name) is
    written as a backslash escape instead of failing the write."""
    return write_bytes(path, _encode(text))


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="backslashreplace")


def write_json(path: str | Path, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=1, default=_json_default) + "\n")


def write_jsonl(
    path: str | Path, rows: Iterable[Any], default: Callable[[Any], Any] | None = None
) -> Path:
    """One JSON object per line (a manifest, a record of frames), the file written whole.
    `default` turns what JSON cannot hold into what it can (numpy values and paths unless
    given)."""
    dump = functools.partial(json.dumps, default=default or _json_default)
    return write_text(path, "".join(dump(row) + "\n" for row in rows))


def write_npy(path: str | Path, array: np.ndarray) -> Path:
    buf = io.BytesIO()
    np.save(buf, array)
    return write_bytes(path, buf.getvalue())


def write_png(path: str | Path, rgb_or_gray: np.ndarray) -> Path:
    """Write a uint8/uint16 PNG; 3-channel input is RGB (converted to OpenCV's BGR here)."""
    img = rgb_or_gray
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", img)
    if not ok:
        raise ValueError(
            f"{path}: OpenCV could not encode a PNG from shape {img.shape} {img.dtype}"
        )
    return write_bytes(path, buf.tobytes())


def leftover_temporaries(folder: str | Path) -> list[Path]:
    """Temporary files in `folder` (recursively), whoever owns them."""
    return [p for p in Path(folder).rglob(f".*{TMP_MARK}*") if p.is_file()]


def stale_temporaries(folder: str | Path) -> list[Path]:
    """Temporaries whose writer is gone: a dead process of this host (or this process's own,
    left by an earlier call), another host's after an hour unchanged, or an unowned name."""
    return [p for p in leftover_temporaries(folder) if not _owner_alive(p)]


def own_temporaries(folder: str | Path) -> list[Path]:
    """This process's temporaries (to remove when it stops on an error)."""
    mark = f"{TMP_MARK}{HOST}-{os.getpid()}-{RUN_TOKEN}"
    return [p for p in leftover_temporaries(folder) if mark in p.name]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _owner_alive(tmp: Path) -> bool:
    match = _OWNER.search(tmp.name)
    if match is None:
        return False  # the old naming (pid only) or a stranger's: nobody to ask
    host, pid, token = match.group(1), int(match.group(2)), match.group(3)
    if host != HOST:
        with contextlib.suppress(FileNotFoundError):
            return time.time() - tmp.stat().st_mtime < OTHER_HOST_STALE_S
        return False
    if pid == os.getpid():
        return token == RUN_TOKEN
    return pid_alive(pid)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")
