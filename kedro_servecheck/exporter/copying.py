"""Copy an artifact into the model, its holes kept, telling how far the copy has got.

`shutil.copy2` writes the holes of a sparse file as zeros: a 5 GiB file holding 1 MiB of data
takes 5 GiB in the copy. Here only a file's data is read and written (its extents, found with
SEEK_DATA / SEEK_HOLE where the file system has them; elsewhere the whole file is data) and
the copy is cut to the source's length, so holes stay holes. Permissions and times are copied
as `copy2` copies them.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

CopyProgress = Callable[[str, int, int], None]  # (dataset, bytes copied, bytes to copy)
_CHUNK = 1 << 20


def copy_artifact(name: str, source: Path, target: Path, progress: CopyProgress) -> None:
    """Copy the file or folder `source` to `target`; `progress` hears of every chunk."""
    copier = _Copier(name, _size(source), progress)
    if source.is_dir():
        shutil.copytree(source, target, copy_function=copier.file)
    else:
        copier.file(str(source), str(target))


class _Copier:
    """Copies files one chunk at a time, counting the bytes (holes count as copied)."""

    def __init__(self, name: str, total: int, progress: CopyProgress):
        self.name = name
        self.total = total
        self.done = 0
        self.progress = progress
        self.buffer = memoryview(bytearray(_CHUNK))

    def file(self, source: str, target: str) -> str:
        with open(source, "rb") as src, open(target, "wb") as dst:
            size = os.fstat(src.fileno()).st_size
            position = 0
            for start, end in data_extents(src.fileno(), size):
                self._advance(start - position)  # a hole: nothing to write
                src.seek(start)
                dst.seek(start)
                position = start + self._copy_range(src, dst, end - start)
            self._advance(size - position)
            dst.truncate(size)
        shutil.copystat(source, target)
        return target

    def _copy_range(self, src: io.BufferedReader, dst: io.BufferedWriter, length: int) -> int:
        copied = 0
        while copied < length:
            count = src.readinto(self.buffer[: min(_CHUNK, length - copied)])
            if not count:  # the file got shorter while we read it
                break
            dst.write(self.buffer[:count])
            copied += count
            self._advance(count)
        return copied

    def _advance(self, count: int) -> None:
        if count > 0:
            self.done = min(self.done + count, self.total)
            self.progress(self.name, self.done, self.total)


def data_extents(fd: int, size: int) -> Iterator[tuple[int, int]]:
    """The (start, end) byte ranges of the open file `fd` that hold data, in order."""
    if not hasattr(os, "SEEK_DATA"):
        yield 0, size
        return
    position = 0
    while position < size:
        try:
            start = os.lseek(fd, position, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # not "only a hole is left": holes are not known
                yield position, size
            return
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        yield start, end
        position = end


def _size(path: Path) -> int:
    """Bytes to copy: a file's length, or the sum of a folder's files' lengths."""
    if not path.is_dir():
        return path.stat().st_size
    return sum(
        (Path(folder) / name).stat().st_size
        for folder, _, names in os.walk(path, followlinks=True)
        for name in names
    )
