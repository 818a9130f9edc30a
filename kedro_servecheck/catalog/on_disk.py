"""What lies at a local path, learned from `os.stat` alone: no file is opened.

Export copies an artifact as `shutil.copytree` does, following symlinks; the walk here follows
them the same way, so its sizes are those of the copy. It opens nothing: a named pipe would
block a read, and a device would never end. What cannot be copied (a named pipe, a socket, a
device, a symlink loop, a broken symlink, a folder that cannot be listed) is recorded, not
followed.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_ENTRIES = 100_000  # the walk stops there: a symlink to `/` must not walk the machine
_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


@dataclass(frozen=True)
class Uncopyable:
    """An entry a copy cannot take: `path` as the walk met it, and what it is."""

    path: Path
    what: str  # "a named pipe (FIFO)", "a symlink loop"…


@dataclass(frozen=True)
class Symlink:
    """A symlink the walk followed: `path` as met, `target` its real path."""

    path: Path
    target: Path


@dataclass
class OnDisk:
    """What a copy of `path` would hold."""

    path: Path
    real: Path  # `path` with every symlink resolved
    is_dir: bool = False
    files: int = 0
    size: int = 0  # the bytes of its files: what the copy holds
    allocated: int = 0  # the bytes they take on disk: less than `size` for sparse files
    symlinks: list[Symlink] = field(default_factory=list)
    uncopyable: list[Uncopyable] = field(default_factory=list)
    complete: bool = True  # False: the walk stopped after MAX_ENTRIES entries

    @property
    def sparse(self) -> bool:
        """Whether its files take less room on disk than their copy will."""
        return self.allocated < self.size


def on_disk(path: Path) -> OnDisk | None:
    """What is at `path`, walked by stat alone; None when nothing is (no entry, or a symlink
    to nothing)."""
    try:
        followed = os.stat(path)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return None
        followed = None
    found = OnDisk(path, Path(os.path.realpath(path)))
    found.is_dir = followed is not None and stat.S_ISDIR(followed.st_mode)
    _walk(found)
    return found


def _walk(found: OnDisk) -> None:
    """Fill `found` in: every entry under its path, depth first, in name order."""
    pending: list[tuple[Path, frozenset[tuple[int, int]]]] = [(found.path, frozenset())]
    entries = 0
    while pending:
        path, ancestors = pending.pop()
        entries += 1
        if entries > MAX_ENTRIES:
            found.complete = False
            return
        status = _status(found, path)
        if status is None:
            continue
        if stat.S_ISREG(status.st_mode):
            found.files += 1
            found.size += status.st_size
            blocks = getattr(status, "st_blocks", None)  # not on Windows
            found.allocated += status.st_size if blocks is None else blocks * 512
        elif stat.S_ISDIR(status.st_mode):
            folder = (status.st_dev, status.st_ino)
            if folder in ancestors:
                found.uncopyable.append(Uncopyable(path, "a symlink loop (to a folder it is in)"))
                continue
            try:
                names = sorted(os.listdir(path), reverse=True)
            except OSError:
                found.uncopyable.append(Uncopyable(path, "a folder that cannot be listed"))
                continue
            pending += [(path / name, ancestors | {folder}) for name in names]
        else:
            found.uncopyable.append(Uncopyable(path, _special(status.st_mode)))


def _status(found: OnDisk, path: Path) -> os.stat_result | None:
    """`path`'s status, its symlink followed (and recorded); None, and `path` recorded as
    uncopyable, when it cannot be had."""
    try:
        status = os.lstat(path)
    except OSError:
        found.uncopyable.append(Uncopyable(path, "an entry that cannot be read"))
        return None
    if not stat.S_ISLNK(status.st_mode):
        return status
    try:
        status = os.stat(path)
    except OSError as exc:
        loop = exc.errno == errno.ELOOP
        found.uncopyable.append(Uncopyable(path, "a symlink loop" if loop else "a broken symlink"))
        return None
    found.symlinks.append(Symlink(path, Path(os.path.realpath(path))))
    return status


def _special(mode: int) -> str:
    """What a file of `mode` is that is neither a regular file nor a folder."""
    return next((what for test, what in _SPECIAL_FILES if test(mode)), "a special file")
