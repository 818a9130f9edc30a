"""Explain what failed in the project's own files: its code, its YAML.

An exception raised while importing the project's code is shown at the project's line (not
Kedro's or Python's), with a hint that fits it; a YAML error names the file and the line of
the problem as PyYAML reports it.
"""

from __future__ import annotations

import importlib.util
import re
import traceback
from collections.abc import Mapping
from pathlib import Path

import yaml

from kedro_servecheck.errors import ProjectLoadError
from kedro_servecheck.findings import Location
from kedro_servecheck.load.installed import is_installed
from kedro_servecheck.load.locations import relative_path


def user_code_error(
    what: str, exc: BaseException, root: Path, stubbed: Mapping[str, object] | None = None
) -> ProjectLoadError:
    """Explain an exception raised while running the project's code, at the project's line.

    Of the chain of causes, the deepest one raised through the project's own code is shown,
    its message whole (kedro-mlflow's list the free inputs and the outputs on lines of their
    own): the real import error under Kedro's "error while importing" wrapper, but Kedro's
    CircularDependencyError rather than the graphlib error it wraps. `stubbed` names the
    packages stubbed so far: they may be what failed.
    """
    chain = cause_chain(exc)
    located = [(error, user_frame(error, root)) for error in chain]
    shown, where = next(
        ((error, frame) for error, frame in reversed(located) if frame), (chain[-1], None)
    )
    detail = "\n".join(line.rstrip() for line in str(shown).strip().splitlines())
    detail = detail.replace(f"{root}/", "")
    hint = (
        "fix the error at that line, then run servecheck again"
        if where
        else "fix the error in the project's code; `kedro registry list` reproduces it"
    )
    if isinstance(shown, ModuleNotFoundError) and shown.name:
        hint = _missing_module_hint(shown.name, root)
    elif isinstance(shown, ImportError):
        missing = re.search(r"cannot import name '([^']+)'", detail)
        if missing:
            hint = f"'{missing.group(1)}' is not defined where it is imported from: fix the import"
    if stubbed and not isinstance(shown, ImportError):
        hint += (
            f" (servecheck stubbed {', '.join(stubbed)}, not installed here: if a stub caused"
            " this, install them)"
        )
    return ProjectLoadError(
        f"{what}: {type(shown).__name__}: {detail}",
        where=str(where) if where else None,
        hint=hint,
    )


def _missing_module_hint(name: str, root: Path) -> str:
    top = name.partition(".")[0]
    if not is_installed(top):
        return (
            f"install '{top}' in this environment, or run servecheck in the environment"
            " where the project runs (--stub-missing checks the project without it: pre-commit's"
            " isolated hook does)"
        )
    spec = importlib.util.find_spec(top)
    if is_inside(Path((spec.origin if spec else None) or root), root):
        return f"'{top}' has no module '{name}': fix the import"
    return (
        f"the installed '{top}' has no module '{name}': fix the import, or "
        f"install the version of '{top}' the project needs"
    )


def yaml_error(exc: yaml.YAMLError, key: str, root: Path) -> ProjectLoadError:
    """Name the malformed file and the line of the problem, as PyYAML reports it."""
    found = re.search(r"file (.+?), unable to read line (\d+)", str(exc))
    if not found:
        return ProjectLoadError(f"Malformed {key} configuration: {exc}")
    path, line, problem = Path(found.group(1)), int(found.group(2)), "invalid YAML"
    try:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as parsed:
        mark = parsed.problem_mark or parsed.context_mark
        line = mark.line + 1 if mark else line
        problem = parsed.problem or parsed.context or problem
        opened = parsed.context_mark
        if parsed.context and opened and opened.line + 1 != line:
            problem += f" ({parsed.context} started at line {opened.line + 1})"
    except (yaml.YAMLError, OSError):
        pass
    return ProjectLoadError(
        f"Malformed YAML in the {key} configuration: {problem}",
        where=f"{relative_path(path, root)}:{line}",
        hint="fix the YAML syntax at that line (indentation, quotes, brackets)",
    )


def cause_chain(exc: BaseException) -> list[BaseException]:
    """`exc`, what caused it, what caused that…: the last one is what failed first."""
    chain = [exc]
    while True:
        last = chain[-1]
        following = last.__cause__ or (None if last.__suppress_context__ else last.__context__)
        if following is None:
            return chain
        chain.append(following)


def user_frame(exc: BaseException, root: Path) -> Location | None:
    """The innermost line of `exc` in the project's files, if any."""
    if isinstance(exc, SyntaxError) and exc.filename and is_inside(Path(exc.filename), root):
        return Location(relative_path(Path(exc.filename), root), exc.lineno or 0)
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if is_inside(Path(frame.filename), root)
    ]
    if not frames:
        return None
    frame = frames[-1]
    return Location(relative_path(Path(frame.filename), root), frame.lineno or 0)


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path` (resolved) is `root` or lies under it."""
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True
