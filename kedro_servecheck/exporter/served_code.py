"""The code a served model runs: the project's modules it imports, and what they import.

Importing `pkg.a.b` runs `pkg/__init__.py`, `pkg/a/__init__.py`, then `pkg/a/b.py`, and every
module these import, at the top or inside a function (a served node may import lazily).
Starting from the modules the model needs (its node functions', its artifacts' classes'),
the project's own imports are followed through its source, read and never imported:
absolute or relative at any level, and `from pkg.a import b` where `b` is a submodule.
Imports under `if TYPE_CHECKING:` never run and are left out. A module outside the project
contributes its top-level name, whose distribution the model needs.
"""

from __future__ import annotations

import ast
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServedCode:
    """The project's modules a served model imports, and the other packages they need."""

    modules: frozenset[str]  # dotted names of the project's modules, parent packages included
    imports: dict[str, str]  # third-party top-level name -> the first module that needs it


def served_code(package_dir: Path, modules: Iterable[str]) -> ServedCode:
    """The closure of `modules` (dotted names) through the source of the project package in
    `package_dir`; the standard library is left out."""
    package = package_dir.name
    queue = deque((module, module) for module in sorted(set(modules)))  # (module, needed by)
    seen: set[str] = set()
    imports: dict[str, str] = {}
    while queue:
        module, needed_by = queue.popleft()
        top = module.partition(".")[0]
        if top != package:
            if _is_third_party(top):
                imports.setdefault(top, needed_by)
            continue
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        queue.extend((".".join(parts[:end]), module) for end in range(1, len(parts)))
        source = _source(package_dir, module)
        for imported, names in _imports(source, module) if source else ():
            queue.append((imported, module))
            if imported.partition(".")[0] == package:  # `from pkg.a import b`: b may be a module
                submodules = (f"{imported}.{name}" for name in names)
                queue.extend((sub, module) for sub in submodules if _source(package_dir, sub))
    return ServedCode(frozenset(seen), imports)


def _source(package_dir: Path, module: str) -> Path | None:
    """The file of the project's `module`: its `__init__.py` for a package, None when there is
    no such file (a namespace package, or a name that is not a module)."""
    inside = module.split(".")[1:]
    base = package_dir.joinpath(*inside)
    candidates = [base / "__init__.py", *([base.with_suffix(".py")] if inside else [])]
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def _imports(source: Path, module: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(module imported, names imported from it) for each import in the file of `module`,
    relative imports resolved."""
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    package = module if source.name == "__init__.py" else module.rpartition(".")[0]
    for node in _import_statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
            continue
        names = tuple(alias.name for alias in node.names if alias.name != "*")
        if node.level == 0:
            if node.module:
                yield node.module, names
            continue
        parts = package.split(".")
        if node.level - 1 >= len(parts):
            continue  # beyond the top-level package: Python raises ImportError
        base = ".".join(parts[: len(parts) - (node.level - 1)])
        yield (f"{base}.{node.module}" if node.module else base), names


def _import_statements(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that may run, wherever it is (functions, classes, branches)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING`: true only for a type checker."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _is_third_party(top: str) -> bool:
    return bool(top) and top not in sys.stdlib_module_names and top != "__main__"
