"""Explain what failed in the project's own files: its code, its YAML.

An exception raised while importing the project's code is shown at the project's line (not
Kedro's or Python's), with a hint that fits it. Kedro's config loader names neither the file
nor the line of most problems (a duplicate key, a byte that is not UTF-8, a list where a
mapping belongs): when it fails, its files are read again here to say which and where.
"""

from __future__ import annotations

import importlib.util
import re
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from kedro_servecheck.errors import ProjectLoadError
from kedro_servecheck.findings import Location
from kedro_servecheck.load.installed import is_installed
from kedro_servecheck.load.locations import relative_path

# the YAML parser of OmegaConf, so of Kedro's loader (libyaml refuses a lone surrogate escape)
_KEDRO_YAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STRING = "tag:yaml.org,2002:str"
_UNICODE_HINT = (
    "a \\uXXXX escape must name a character, not half of one (D800-DFFF, a lone surrogate):"
    " write the character itself, or its \\UXXXXXXXX escape"
)
_MAPPING_HINTS = {
    "catalog": "write one entry per dataset: `name:` then its `type:` and `filepath:`",
    "parameters": "write `name: value` lines (a list goes under a name: `name: [1, 2]`)",
}


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


def exit_error(what: str | None, exc: SystemExit, root: Path | None) -> ProjectLoadError:
    """Explain the project's code calling `sys.exit()` (or raising SystemExit) while servecheck
    runs it: an error at the line that exits, whatever the exit code (0 must not pass a gate).
    `root` is None when no project is loaded yet: the line is then the one that raised."""
    code = "" if exc.code is None else repr(exc.code)
    where = user_frame(exc, root) if root else None
    if where is None:
        frames = traceback.extract_tb(exc.__traceback__)
        where = Location(frames[-1].filename, frames[-1].lineno or 0) if frames else None
    exits = f"the project's code exits with sys.exit({code})"
    return ProjectLoadError(
        f"{what}: {exits}" if what else exits[0].upper() + exits[1:],
        where=str(where) if where else None,
        hint="the project's code must not exit while Kedro imports it or runs its nodes: raise"
        ' an exception instead, or keep sys.exit() under `if __name__ == "__main__":`',
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


def config_file_error(key: str, files: Iterable[Path], root: Path) -> ProjectLoadError | None:
    """The first problem of the `key` config `files` that Kedro's config loader fails on, at
    its line: a file that is not UTF-8, malformed YAML, a duplicate key, a file that is not a
    mapping, a dataset name that is not a string. None when they have none of these."""
    for path in files:
        error = not_utf8_error(path, root) or _yaml_error(key, path, root)
        if error:
            return error
    return None


def _yaml_error(key: str, path: Path, root: Path) -> ProjectLoadError | None:
    shown = relative_path(path, root)
    try:
        document = yaml.compose(path.read_text(encoding="utf-8"), Loader=_KEDRO_YAML)
    except OSError:
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        opened = exc.context_mark
        if exc.context and opened and mark and opened.line != mark.line:
            problem += f" ({exc.context} started at line {opened.line + 1})"
        return ProjectLoadError(
            f"Malformed YAML in the {key} configuration: {problem}",
            where=f"{shown}:{mark.line + 1}" if mark else shown,
            hint=_UNICODE_HINT
            if "Unicode" in problem
            else "fix the YAML syntax at that line (indentation, quotes, brackets)",
        )
    if document is None:  # an empty file: Kedro reads nothing from it
        return None
    if not isinstance(document, yaml.MappingNode):
        kind = "a list" if isinstance(document, yaml.SequenceNode) else "a single value"
        return ProjectLoadError(
            f"The {key} configuration in {path.name} is {kind}, not a mapping",
            where=f"{shown}:{document.start_mark.line + 1}",
            hint=_MAPPING_HINTS.get(key, "write `name: value` lines"),
        )
    return _key_error(document, key, shown, top=True)


def _key_error(
    mapping: yaml.MappingNode, key: str, shown: str, top: bool
) -> ProjectLoadError | None:
    """A duplicate key in `mapping` or a mapping inside it (YAML forbids them, and Kedro's
    loader refuses them), or a dataset name that is not a string."""
    seen: dict[object, int] = {}
    for key_node, value_node in mapping.value:
        line = key_node.start_mark.line + 1
        name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if name is None or name == "<<":  # a complex key, a merge: not Kedro's concern
            continue
        if name in seen:
            return ProjectLoadError(
                f"Duplicate key '{name}' in the {key} configuration (first at line {seen[name]})",
                where=f"{shown}:{line}",
                hint="remove one of the two, or rename it: YAML keeps no duplicate keys",
            )
        seen[name] = line
        if top and key == "catalog" and key_node.tag != _STRING:
            return ProjectLoadError(
                f"The dataset name {name} in the catalog is not a string",
                where=f"{shown}:{line}",
                hint=f'quote it: "{name}":',
            )
        if isinstance(value_node, yaml.MappingNode):
            error = _key_error(value_node, key, shown, top=False)
            if error:
                return error
    return None


def not_utf8_error(path: Path, root: Path) -> ProjectLoadError | None:
    """A file that is not UTF-8 text, at the line of its first byte that is not; None when it
    is (or cannot be read: the caller says why)."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError:
        return None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        latin1 = data[exc.start : exc.start + 1].decode("latin-1")
        return ProjectLoadError(
            f"{path.name} is not UTF-8 text: the byte 0x{data[exc.start]:02x} at line {line},"
            f" column {column} is not UTF-8 (in Latin-1 it is {latin1!r})",
            where=f"{relative_path(path, root)}:{line}",
            hint="save the file as UTF-8 (Kedro reads pyproject.toml and its config files"
            " as UTF-8)",
        )
    return None


def described(value: object) -> str:
    """`None`, `42 (an int)`, `a list`: what a value of the project's is, short."""
    if value is None:
        return "None"
    if isinstance(value, type):
        return f"the class {value.__module__}.{value.__qualname__}"
    kind = type(value).__name__
    article = "an" if kind[0].lower() in "aeiou" else "a"
    if isinstance(value, (bool, int, float, str)):
        return f"{value!r:.60} ({article} {kind})"
    return f"{article} {kind}"


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
