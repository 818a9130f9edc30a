"""Keep the exporting machine's paths out of the model.

What servecheck and MLflow record about the export names no absolute path: the check report
(`report.json`) has the project's path and those inside it relative to it, the home folder as
`~`; MLmodel names the model's code file by its name, where MLflow records the path it was read
from. What the model carries of the user's own (the project's code, the copied artifacts, the
frozen parameters and catalog entries, the input example) is written as it is: a changed byte
would change what the model does, or break a pickle and its recorded sha256. `carriers` names
the files that still hold the project's or the home folder's path, for a warning.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kedro_servecheck.exporter.copying import data_extents

if TYPE_CHECKING:
    from mlflow.models import Model

_CHUNK = 1 << 20


@dataclass(frozen=True)
class MachinePaths:
    """The absolute paths of this machine that a model must not name, and what stands in."""

    replacements: tuple[tuple[str, str], ...]  # (path, stand-in), the longest path first

    @classmethod
    def of(cls, project_root: Path, scratch: Path) -> MachinePaths:
        pairs: dict[str, str] = {}
        for path, stand_in in ((scratch, "."), (project_root, "."), (Path.home(), "~")):
            for form in (str(path.absolute()), str(_resolved(path))):
                if len(Path(form).parts) > 1:  # never the file system's root
                    pairs.setdefault(form, stand_in)
        return cls(tuple(sorted(pairs.items(), key=lambda pair: -len(pair[0]))))

    def scrub(self, text: str) -> str:
        """`text` with each path (as written, or as JSON escapes it) made relative: a path in
        the project or the scratch folder to it, one in the home folder to `~`."""
        return self._pattern.sub(self._stand_in, text)

    def scrub_file(self, path: Path) -> None:
        path.write_text(self.scrub(path.read_text(encoding="utf-8")), encoding="utf-8")

    def carriers(self, model: Path) -> list[str]:
        """The files of `model` that hold the project's path or a path in the home folder."""
        needles = [
            (path if stand_in == "." else f"{path}/").encode()
            for path, stand_in in self.replacements
        ]
        return [
            file.relative_to(model).as_posix()
            for file in sorted(model.rglob("*"))
            if file.is_file() and not file.is_symlink() and _holds(file, needles)
        ]

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        forms = sorted({form for path, _ in self.replacements for form in _written(path)}, key=len)
        alternatives = "|".join(re.escape(form) for form in reversed(forms))
        return re.compile(rf"(?<![\w.\-])(?:{alternatives})(?:/|(?![\w.\-]))")

    def _stand_in(self, match: re.Match[str]) -> str:
        found = match.group(0)
        stand_in = next(s for p, s in self.replacements if found.rstrip("/") in _written(p))
        if not found.endswith("/"):
            return stand_in
        return "" if stand_in == "." else f"{stand_in}/"


def name_code_by_file_name(mlmodel: Model) -> None:
    """MLflow records the absolute path it read a models-from-code file from; its loader
    only uses the file's name, which the model holds."""
    flavor = mlmodel.flavors.get("python_function", {})
    if flavor.get("model_code_path"):
        flavor["model_code_path"] = os.path.basename(flavor["model_code_path"])


def _written(path: str) -> tuple[str, ...]:
    """How `path` appears in a file: as it is, and as a JSON string escapes it."""
    escaped = json.dumps(path)[1:-1]
    return (path, escaped) if escaped != path else (path,)


def _holds(file: Path, needles: list[bytes]) -> bool:
    """Whether the data of `file` (its holes skipped) contains one of `needles`."""
    overlap = max(map(len, needles)) - 1
    with file.open("rb") as stream:
        for start, end in data_extents(stream.fileno(), os.fstat(stream.fileno()).st_size):
            stream.seek(start)
            tail = b""
            while stream.tell() < end:
                chunk = tail + stream.read(min(_CHUNK, end - stream.tell()))
                if any(needle in chunk for needle in needles):
                    return True
                if len(chunk) == len(tail):
                    break
                tail = chunk[-overlap:]
    return False


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
