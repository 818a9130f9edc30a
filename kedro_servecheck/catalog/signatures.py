"""The keyword arguments a dataset class's constructor takes, read from its source with `ast`.

Kedro builds a catalog entry as `DatasetClass(**arguments)`: an argument the constructor does
not take (a typo, a name an older release used) fails the build. The source files of
kedro-datasets, kedro-mlflow and Kedro are found through `importlib.util.find_spec` of the
top-level package and read from disk; no dataset module is imported (kedro-mlflow's would
import mlflow). A constructor that forwards `**kwargs`, or a class that defines none, takes
what its base classes take, followed through the imports of each module. A class whose
source cannot be read, or whose arguments cannot be told from it, has no signature here.
Each module is parsed once, and the signature of each type read once.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kedro_servecheck.catalog.dataset_types import DatasetType
from kedro_servecheck.load.installed import package_folder

# Keys of a catalog entry that Kedro's `parse_dataset_definition` takes out before it calls
# the constructor; `versioned: true` becomes the argument `version`.
_CATALOG_KEYS = frozenset({"type", "validator", "version", "versioned"})
_NO_ARGUMENTS = frozenset({"object", "ABC", "Generic", "Protocol"})  # bases that take none
_CONSTRUCTORS = ("__new__", "__init__")  # `cls(**kwargs)` calls `__new__` first
_MAX_DEPTH = 12  # bases and re-exports followed before giving up


@dataclass(frozen=True)
class Signature:
    """What a dataset class's constructor takes by keyword, and which of those it needs."""

    where: str  # `module.Class.__init__`, as Kedro's TypeError names it
    accepted: tuple[str, ...]  # in the order of the source
    required: frozenset[str]


@dataclass(frozen=True)
class ArgumentCheck:
    """A catalog entry's arguments against its class's constructor."""

    signature: Signature
    unexpected: tuple[str, ...]  # given, not taken (sorted)
    missing: tuple[str, ...]  # needed, not given (sorted)


def check_arguments(type_: DatasetType, config: Mapping[str, Any]) -> ArgumentCheck | None:
    """What is wrong with the arguments of the entry `config` of type `type_`; None when its
    constructor is unknown."""
    return _check(type_, frozenset(entry_arguments(config)))


@functools.cache
def _check(type_: DatasetType, given: frozenset[str]) -> ArgumentCheck | None:
    """`check_arguments`, once for each type and set of arguments (entries repeat them)."""
    found = signature(type_)
    if found is None:
        return None
    return ArgumentCheck(
        found, tuple(sorted(given - set(found.accepted))), tuple(sorted(found.required - given))
    )


def entry_arguments(config: Mapping[str, Any]) -> set[str]:
    """The keyword arguments Kedro passes to the constructor for the catalog entry `config`."""
    arguments = {str(key) for key in config} - _CATALOG_KEYS
    if config.get("versioned"):
        arguments.add("version")
    return arguments


@functools.cache
def signature(type_: DatasetType) -> Signature | None:
    """The constructor of `type_`'s class (under its current name), or None when unknown."""
    module = type_.current.module
    if module is None:
        return None
    module_name, _, cls = module.rpartition(".")
    return _class_signature(module_name, cls, 0)


def _class_signature(module: str, cls: str, depth: int) -> Signature | None:
    found = _find_class(module, cls, depth)
    if found is None:
        return None
    module, node = found
    for method in _CONSTRUCTORS:
        function = next(
            (
                item
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == method
            ),
            None,
        )
        if function is not None:
            return _function_signature(module, node, function, depth)
    return _inherited(module, node, depth)


def _function_signature(
    module: str, node: ast.ClassDef, function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int
) -> Signature | None:
    """The keyword arguments of `function` (skipping `self`/`cls`). With `**kwargs` passed on
    to `super()`, also the bases' (which the subclass may fill itself: only its own are
    required); with `**kwargs` kept for something else, any argument goes: None."""
    args = function.args
    named = args.args[1:] if args.args else []
    with_default = len(args.defaults)
    required = {arg.arg for arg in named[: len(named) - with_default]}
    keyword_only = zip(args.kwonlyargs, args.kw_defaults, strict=True)
    required |= {arg.arg for arg, default in keyword_only if default is None}
    accepted = [arg.arg for arg in (*named, *args.kwonlyargs)]
    if args.kwarg is not None:
        base = _inherited(module, node, depth) if _passes_on(function, args.kwarg.arg) else None
        if base is None:
            return None
        accepted += [name for name in base.accepted if name not in accepted]
    where = f"{module}.{node.name}.{function.name}"
    return Signature(where, tuple(accepted), frozenset(required))


def _passes_on(function: ast.FunctionDef | ast.AsyncFunctionDef, kwargs: str) -> bool:
    """Whether `function` calls `super().<itself>(…, **kwargs)`."""
    for call in ast.walk(function):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == function.name
            and isinstance(call.func.value, ast.Call)
            and isinstance(call.func.value.func, ast.Name)
            and call.func.value.func.id == "super"
            and any(
                keyword.arg is None
                and isinstance(keyword.value, ast.Name)
                and keyword.value.id == kwargs
                for keyword in call.keywords
            )
        ):
            return True
    return False


def _inherited(module: str, node: ast.ClassDef, depth: int) -> Signature | None:
    """What the first base class with a constructor takes (none for `object`, `ABC`…)."""
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base  # Generic[...]
        name = _dotted(target)
        if name is None:
            return None
        if name.rpartition(".")[2] in _NO_ARGUMENTS:
            continue
        located = _resolve_name(module, name)
        if located is None:
            return None
        inherited = _class_signature(*located, depth + 1)
        if inherited is None:
            return None
        if inherited.accepted:
            return inherited
    return Signature(f"{module}.{node.name}", (), frozenset())


def _find_class(module: str, cls: str, depth: int) -> tuple[str, ast.ClassDef] | None:
    """The module that defines `cls` (following re-exports such as `kedro.io`), and its class."""
    if depth > _MAX_DEPTH:
        return None
    for node in _top_level(module):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return module, node
    located = _resolve_name(module, cls)
    if located is None or located == (module, cls):
        return None
    return _find_class(*located, depth + 1)


def _resolve_name(module: str, name: str) -> tuple[str, str] | None:
    """(module, class) that `name` (`Base`, `alias.Base`) refers to in `module`."""
    head, _, rest = name.partition(".")
    for node in _top_level(module):
        if isinstance(node, ast.ClassDef) and node.name == name:
            return module, name
        if isinstance(node, ast.ImportFrom) and (source := _absolute(module, node)):
            for alias in node.names:
                if (alias.asname or alias.name) == head:
                    return (f"{source}.{alias.name}", rest) if rest else (source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name
                if name.startswith(f"{bound}."):
                    full = f"{alias.name}.{name[len(bound) + 1 :]}"
                    return full.rpartition(".")[0], full.rpartition(".")[2]
    return None


def _top_level(module: str) -> list[ast.stmt]:
    """The module's top-level statements, with those under `if` and `try` (guarded imports)."""
    tree = _module_tree(module)
    statements: list[ast.stmt] = []
    pending = list(tree.body) if tree else []
    while pending:
        node = pending.pop(0)
        statements.append(node)
        if isinstance(node, ast.If | ast.Try):
            pending += [*node.body, *node.orelse]
            if isinstance(node, ast.Try):
                pending += [stmt for handler in node.handlers for stmt in handler.body]
    return statements


def _absolute(module: str, node: ast.ImportFrom) -> str | None:
    """The absolute module of `from … import` in `module` (relative imports resolved)."""
    if node.level == 0:
        return node.module
    package = module if _is_package(module) else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    if not package:
        return None
    return f"{package}.{node.module}" if node.module else package


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        parent = _dotted(node.value)
        return f"{parent}.{node.attr}" if parent else None
    return None


def _source_file(module: str) -> Path | None:
    """The file of `module` under its installed top-level package, found without importing."""
    top, *rest = module.split(".")
    root = package_folder(top)
    if root is None:
        return None
    base = root.joinpath(*rest)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_package(module: str) -> bool:
    path = _source_file(module)
    return path is not None and path.name == "__init__.py"


@functools.cache
def _module_tree(module: str) -> ast.Module | None:
    path = _source_file(module)
    if path is None:
        return None
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return None
