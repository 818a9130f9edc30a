"""Where things are declared: config keys, Python functions and literals, `[tool.…]` keys.

Kedro's config loader merges the YAML files of the base and run environments into plain
dicts and forgets where a key came from. Findings must point at a line, so this module reads
the same files again (by the loader's own glob patterns) and records the line of every key.
Node functions are located by their code object, literals and settings by parsing the
project's modules, `[tool.…]` keys by reading pyproject.toml's lines.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import yaml

from kedro_servecheck.findings import Location

_CONFIG_SUFFIXES = {".yml", ".yaml", ".json"}


@dataclass(frozen=True)
class Declaration:
    """Where a config key is declared."""

    location: Location
    env: str


class ConfLocations:
    """Declarations of the keys of one config kind (catalog, parameters…), later envs winning."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, ...], Declaration] = {}
        self.files: list[str] = []  # the files indexed, relative to the project root

    @classmethod
    def scan(
        cls, project_root: Path, conf_source: Path, envs: list[str], patterns: list[str]
    ) -> ConfLocations:
        """Index every key of the files matching `patterns` in each env folder, in order."""
        index = cls()
        for env in envs:
            for path in config_files(conf_source / env, patterns):
                index._add_file(project_root, path, env)
        return index

    def find(self, *key_path: str) -> Declaration | None:
        """The declaration of a (nested) key, or of its closest declared parent."""
        for end in range(len(key_path), 0, -1):
            found = self._keys.get(tuple(key_path[:end]))
            if found:
                return found
        return None

    def _add_file(self, project_root: Path, path: Path, env: str) -> None:
        shown = relative_path(path, project_root)
        self.files.append(shown)
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except (yaml.YAMLError, UnicodeDecodeError):
            return  # the config loader reports malformed files itself
        self._add_mapping(root, (), shown, env)

    def _add_mapping(
        self, node: yaml.Node | None, prefix: tuple[str, ...], shown: str, env: str
    ) -> None:
        if not isinstance(node, yaml.MappingNode):
            return
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            key = (*prefix, str(key_node.value))
            line = key_node.start_mark.line + 1
            self._keys[key] = Declaration(Location(shown, line), env)
            self._add_mapping(value_node, key, shown, env)


def config_files(folder: Path, patterns: list[str]) -> list[Path]:
    """The config files in `folder` that the loader reads for `patterns`, sorted.

    Globbed with fsspec, as Kedro's OmegaConfigLoader globs: `catalog*/**` matches the files
    in a `catalog/` folder on every Python (pathlib's glob matches only folders with a
    trailing `**` before Python 3.13).
    """
    if not folder.is_dir():
        return []
    filesystem = fsspec.filesystem("file")
    found: set[Path] = set()
    for pattern in patterns:
        for each in filesystem.glob(f"{folder.as_posix()}/{pattern}"):
            path = Path(each)
            if path.is_file() and path.suffix in _CONFIG_SUFFIXES and not _is_hidden(path, folder):
                found.add(path)
    return sorted(found)


def relative_path(path: Path, root: Path) -> str:
    """`path` relative to `root` in POSIX form, or as given when it lies outside (symlinks
    resolved with `os.path.realpath`, which a symlink loop does not stop)."""
    try:
        return Path(os.path.realpath(path)).relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _is_hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts)


def function_location(func: Callable[..., Any], root: Path) -> Location | None:
    """The file and first line of `func`'s definition, relative to `root`; None if unknown."""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    try:
        path = inspect.getsourcefile(func)
    except TypeError:
        path = None
    if path is None or code is None:
        return None
    return Location(relative_path(Path(path), root), code.co_firstlineno)


def literal_location(
    files: Iterable[Path], root: Path, matches: Callable[[object], bool]
) -> Location | None:
    """The first literal (a string, a number…) of the Python `files` that `matches`."""
    for path in files:
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (OSError, SyntaxError, ValueError):
            continue
        lines = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and matches(node.value)
        ]
        if lines:
            return Location(relative_path(path, root), min(lines))
    return None


def assignment_location(path: Path, root: Path, name: str) -> Location | None:
    """The line of the last module-level assignment to `name` in the Python file `path`."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    lines = [
        node.lineno
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id == name
    ]
    return Location(relative_path(path, root), lines[-1]) if lines else None


class PyprojectLines:
    """The lines of `[tool.<tool>…]` tables and keys in a project's pyproject.toml
    (`[tool.servecheck…]` unless told)."""

    def __init__(self, root: Path):
        path = root / "pyproject.toml"
        self._lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []

    def locate(
        self, *table: str, key: str | None = None, index: int = 0, tool: str = "servecheck"
    ) -> Location | None:
        """The line of `key` in the `index`-th `[tool.<tool>.<table…>]` table, else of that
        table, else None. A table is matched by its header, `[…]` or `[[…]]`; `tool=""` is
        the `[tool]` table itself."""
        header = ".".join(("tool", *filter(None, (tool, *table))))
        seen, inside, table_line = 0, False, None
        for number, line in enumerate(self._lines, 1):
            text = line.strip()
            if text.startswith("["):
                inside = text.split("#")[0].strip().strip("[]").strip() == header
                seen += inside
                inside = inside and seen == index + 1
                table_line = table_line or (number if inside else None)
            elif inside and key and re.match(rf"[\"']?{re.escape(key)}[\"']?\s*=", text):
                return Location("pyproject.toml", number)
        return Location("pyproject.toml", table_line) if table_line else None

    def where(
        self, *table: str, key: str | None = None, index: int = 0, tool: str = "servecheck"
    ) -> str:
        """`pyproject.toml:LINE` for an error message, or `pyproject.toml` when not found."""
        found = self.locate(*table, key=key, index=index, tool=tool)
        return str(found) if found else "pyproject.toml"
