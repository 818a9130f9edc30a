"""The project's pyproject.toml: where the project is, its `[tool.kedro]` metadata and its
`[tool.servecheck]` table, each checked before Kedro reads them.

Kedro says "No Kedro project found" for a pyproject.toml that is not UTF-8, and fails deep in
its logging or its settings on a `package_name` that is not a package's name: here each is an
error at the line at fault.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

from kedro.framework.startup import ProjectMetadata, _get_project_metadata
from kedro.utils import is_kedro_project

from kedro_servecheck.errors import ProjectLoadError, UsageError
from kedro_servecheck.load.diagnose import not_utf8_error
from kedro_servecheck.load.locations import PyprojectLines

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
# the string values of [tool.kedro], as `kedro new` writes them
_EXAMPLES: dict[str, str | None] = {
    "package_name": "my_project",
    "project_name": "My Project",
    "kedro_init_version": None,  # the version installed here
    "source_dir": "src",
}


def find_project_root(path: Path) -> Path:
    """The nearest folder at or above `path` whose pyproject.toml has a `[tool.kedro]` table.

    Raises:
        ProjectLoadError: There is none, or the nearest is not UTF-8 text.
    """
    path = Path(path).resolve()
    if not path.exists():
        raise ProjectLoadError(f"{path} does not exist", hint="pass the path of a Kedro project")
    for candidate in (path, *path.parents):
        if is_kedro_project(candidate):
            return candidate
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and b"[tool.kedro]" in pyproject.read_bytes():
            error = not_utf8_error(pyproject, candidate)  # Kedro cannot read it: say why
            if error:
                raise error
    raise ProjectLoadError(
        f"No Kedro project found at {path} or in a folder above it",
        hint="pass the folder whose pyproject.toml has a [tool.kedro] table",
    )


def servecheck_table(root: Path) -> dict[str, Any]:
    """`[tool.servecheck]` ({} when absent).

    Raises:
        UsageError: It is not a table (`servecheck = "strict"` under `[tool]`).
    """
    table = _tool_table(root, "servecheck")
    if not isinstance(table, dict):
        raise UsageError(
            f"[tool.servecheck] must be a table, not {table!r:.60}",
            where=PyprojectLines(root).where(key="servecheck", tool=""),
            hint="write the settings under a [tool.servecheck] header, for example:"
            " [tool.servecheck] then strict = true",
        )
    return table


def project_metadata(root: Path) -> ProjectMetadata:
    """The `[tool.kedro]` table as Kedro reads it, its values checked first.

    Raises:
        ProjectLoadError: A value is missing or of the wrong type, the project was made with
            another major version of Kedro, or `package_name` names no package.
    """
    table = _tool_table(root, "kedro")
    table = table if isinstance(table, dict) else {}
    lines = PyprojectLines(root)
    for key in _EXAMPLES:
        value = table.get(key, "")
        if not isinstance(value, str):
            packages = _packages(root / "src") if key == "package_name" else []
            example = packages[0] if packages else _EXAMPLES[key] or _kedro_version()
            raise ProjectLoadError(
                f"`{key}` in [tool.kedro] must be a string, not {value!r:.60}",
                where=lines.where(key=key, tool="kedro"),
                hint=f'for example: {key} = "{example}"',
            )
    try:
        metadata = _get_project_metadata(root)
    except ValueError as exc:
        if "does not match" in str(exc):
            found = re.search(r"version ([\w.]+) does not match", str(exc))
            raise _other_kedro(found.group(1) if found else "another version") from exc
        raise ProjectLoadError(f"Invalid [tool.kedro] table: {exc}", where=PYPROJECT) from exc
    except Exception as exc:
        old = table.get("project_version")  # Kedro 0.18 and before
        if "kedro_init_version" in str(exc) and old:
            raise _other_kedro(str(old)) from exc
        raise ProjectLoadError(f"Invalid [tool.kedro] table: {exc}", where=PYPROJECT) from exc
    _check_package(root, metadata, lines)
    return metadata


def _check_package(root: Path, metadata: ProjectMetadata, lines: PyprojectLines) -> None:
    """`package_name` must be a package in the source folder (or installed)."""
    package = metadata.package_name
    source = Path(metadata.source_dir)
    if (source / package).is_dir() or (package.isidentifier() and _importable(package)):
        return
    found = _packages(source)
    shown = source.relative_to(root).as_posix() if source.is_relative_to(root) else str(source)
    raise ProjectLoadError(
        f"`package_name = {package!r}` in [tool.kedro] names no package: {shown}/{package}/"
        " does not exist",
        where=lines.where(key="package_name", tool="kedro"),
        hint=f"the packages in {shown}/: {', '.join(found)}"
        if found
        else f"set package_name to the folder under {shown}/ that holds settings.py"
        " (and source_dir to its parent)",
    )


def _importable(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _packages(source: Path) -> list[str]:
    """The Python packages directly in `source` (folders with an `__init__.py`)."""
    if not source.is_dir():
        return []
    return sorted(child.name for child in source.iterdir() if (child / "__init__.py").is_file())


def _other_kedro(version: str) -> ProjectLoadError:
    return ProjectLoadError(
        f"This project was made with Kedro {version} and this environment has Kedro"
        f" {_kedro_version()}: servecheck needs a Kedro 1.x project",
        where=PYPROJECT,
        hint="migrate the project to Kedro 1.x and update `kedro_init_version`",
    )


def _kedro_version() -> str:
    from kedro import __version__

    return __version__


def _tool_table(root: Path, name: str) -> Any:
    """`[tool.<name>]` of the project's pyproject.toml, as TOML gives it ({} when absent)."""
    tool = _read(root).get("tool", {})
    return tool.get(name, {}) if isinstance(tool, dict) else {}


def _read(root: Path) -> dict[str, Any]:
    path = root / PYPROJECT
    error = not_utf8_error(path, root)
    if error:
        raise error
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"\(at line (\d+)", str(exc))
        raise ProjectLoadError(
            f"pyproject.toml is not valid TOML: {exc}",
            where=f"{PYPROJECT}:{line.group(1)}" if line else PYPROJECT,
            hint="fix the TOML syntax at that line (quotes, brackets, `key = value`)",
        ) from exc
