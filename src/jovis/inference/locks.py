"""Per-frame locks, so that runs sharing an output folder never do one frame at the same time.

A lock is a file ``.locks/<id>.lock`` created with O_EXCL and holding the owner's host, pid and
run token. Its owner refreshes it while the run lasts. It is stale when its owner is gone (same
host: the pid is dead, or it is this process's pid with another token, left by an earlier call),
or when nobody refreshed it for `STALE_S` (the only test for another host's lock).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from pathlib import Path

from jovis.io.atomic import HOST, pid_alive

STALE_S = 180.0
LOCK_DIR = ".locks"


class FrameLocks:
    """Locks of one run (picklable: DataLoader workers take locks in the parent's name)."""

    def __init__(self, out: Path, token: str, pid: int | None = None) -> None:
        self.folder, self.token = Path(out) / LOCK_DIR, token
        self.pid = os.getpid() if pid is None else pid

    def path(self, key: str) -> Path:
        digest = hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:20]
        return self.folder / f"{digest}.lock"

    def acquire(self, key: str) -> str | None:
        """None when this run now holds `key`, else who holds it (a live run)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = self.path(key)
        for _ in range(3):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self.holder(lock)
                if holder is not None:
                    return holder
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()  # stale: its owner is gone
                continue
            with os.fdopen(fd, "w") as fh:
                json.dump({"host": HOST, "pid": self.pid, "token": self.token}, fh)
            return None
        return f"{lock}: contended"

    def holder(self, lock: Path) -> str | None:
        """'host H pid P' of a live owner of `lock` other than this run, else None."""
        try:
            age = time.time() - lock.stat().st_mtime
            owner = json.loads(lock.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # being written this instant: treat as held
            return f"{lock}: being created"
        if owner.get("token") == self.token:
            return None  # ours
        if age > STALE_S:
            return None
        if owner.get("host") == HOST:
            pid = int(owner.get("pid", -1))
            if pid == os.getpid() or pid == self.pid or pid <= 0 or not pid_alive(pid):
                return None
        return f"host {owner.get('host')} pid {owner.get('pid')}"

    def release(self, key: str) -> None:
        lock = self.path(key)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(lock.read_text()).get("token") == self.token:
                lock.unlink()

    def others_alive(self) -> bool:
        """Whether another live run holds any lock in this folder."""
        if not self.folder.is_dir():
            return False
        return any(self.holder(p) for p in self.folder.glob("*.lock"))

    def own(self) -> list[Path]:
        found = []
        for p in self.folder.glob("*.lock") if self.folder.is_dir() else []:
            with contextlib.suppress(OSError, ValueError):
                if json.loads(p.read_text()).get("token") == self.token:
                    found.append(p)
        return found


class Refresher:
    """Touches this run's locks every `every_s` while open, so other hosts see it alive."""

    def __init__(self, locks: FrameLocks, every_s: float = STALE_S / 6) -> None:
        self.locks, self.every_s = locks, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            for p in self.locks.own():
                with contextlib.suppress(OSError):
                    os.utime(p)

    def __enter__(self) -> Refresher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for p in self.locks.own():  # whatever is still held: this run is over
            with contextlib.suppress(OSError):
                p.unlink()
