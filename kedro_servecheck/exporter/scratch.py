"""The folders an export works in, each locked by its process, and the removal of those a
killed export left behind.

A scratch folder holds a lock file (`.servecheck-lock`: the owner's pid and target) that its
process keeps locked (`flock`) while it works. The kernel releases the lock when the process
ends, even by SIGKILL, so a folder whose lock can be taken is stale. Only folders whose name
starts with one of servecheck's prefixes and that hold its lock file are removed; one named
`<prefix><pid>-<random>` also needs its pid to be gone (an empty one, killed before it was
locked, is removed on that alone). Without `flock` (Windows) a lock file is created
exclusively, and nothing is taken for stale.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]

EXPORT_PREFIX = ".servecheck-export-"  # next to the model folder (or in the temp folder)
VERIFY_PREFIX = "servecheck-verify-"  # in the temp folder
LOCK_FILE = ".servecheck-lock"
REPLACED = "replaced"  # a scratch folder's copy of the model a --force export replaces
_PID_NAMED = re.compile(r"(\d+)-[a-z0-9_]{8}")  # what tempfile.mkdtemp adds to the prefix


class Lock:
    """An open, locked lock file; `release()` closes it, and with it the lock."""

    def __init__(self, fd: int):
        self.fd = fd

    def release(self) -> None:
        os.close(self.fd)


def try_lock(folder: Path, target: str | None = None) -> Lock | None:
    """Lock `folder`'s lock file (created if missing); None when a live process holds it.

    The file records this pid and the name of the `target` folder the work is for. A lock
    file removed and created again while we opened it is locked again, so that two
    processes never both hold one folder.
    """
    path = folder / LOCK_FILE
    for _ in range(10):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if fcntl is None:
                return None
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue
        if fcntl is not None and not _flock(fd):
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "target": target}).encode())
            return Lock(fd)
        os.close(fd)
    return None


def lock_contents(folder: Path) -> dict[str, object]:
    """What the lock file of `folder` records ({} when it cannot be read)."""
    try:
        recorded = json.loads((folder / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def new_locked_folder(prefix: str, parent: Path, target: str | None = None) -> tuple[Path, Lock]:
    """A new folder `<prefix><pid>-<random>` in `parent`, and its lock."""
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    lock = try_lock(folder, target)
    assert lock is not None  # a new folder: nobody else knows it yet
    return folder, lock


def remove_locked(folder: Path, lock: Lock) -> None:
    """Remove a folder we hold, then let go of its lock."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.release()


@contextlib.contextmanager
def scratch_folder(prefix: str, parent: Path) -> Iterator[Path]:
    """A new locked folder in `parent` while the block runs, removed afterwards."""
    folder, lock = new_locked_folder(prefix, parent)
    try:
        yield folder
    finally:
        remove_locked(folder, lock)


def remove_stale(parent: Path, prefix: str, keep: Path | None = None) -> None:
    """Remove the folders `<prefix>…` in `parent` that no live process holds (but `keep`).

    A stale folder holding `replaced` (the model a `--force` export had moved aside when it
    was killed) first puts it back in its place, if that place is still empty.
    """
    if fcntl is None:
        return
    try:
        entries = [entry for entry in parent.iterdir() if entry.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        if entry == keep or entry.is_symlink() or not entry.is_dir():
            continue
        named = _PID_NAMED.fullmatch(entry.name[len(prefix) :])
        if named and _running(int(named.group(1))):
            continue
        if not (entry / LOCK_FILE).is_file():
            if named:  # killed before it was locked: only ever empty
                with contextlib.suppress(OSError):
                    entry.rmdir()
            continue
        lock = _take_stale(entry)
        if lock is not None:
            restore_replaced(entry)
            remove_locked(entry, lock)


def restore_replaced(folder: Path) -> None:
    """Put back the model a killed `--force` export had moved aside, if its place is empty."""
    replaced = folder / REPLACED
    target = lock_contents(folder).get("target")
    if isinstance(target, str) and replaced.is_dir():
        destination = folder.parent / target
        if not os.path.lexists(destination):
            with contextlib.suppress(OSError):
                replaced.rename(destination)


def _take_stale(folder: Path) -> Lock | None:
    """The lock of `folder` when nobody holds it."""
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR)
    except OSError:
        return None
    if _flock(fd):
        return Lock(fd)
    os.close(fd)
    return None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def _flock(fd: int) -> bool:
    """Take an exclusive lock on `fd` without waiting; whether it was taken."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
