"""What the nodes that read a dataset declare it as: the type annotations of their parameters.

Read from the node functions already imported; nothing runs. Kedro binds a node's inputs to
its function's parameters positionally (a name or a list of names) or by keyword (a dict);
the annotation of the parameter an input binds to says what the node expects. A string
annotation (`from __future__ import annotations`, quotes) is evaluated in the function's
module; one that cannot be (a name imported only for type checkers) is judged by its outer
type alone (`dict` of `dict[str, Applicant]`), or not at all.

What an annotation says, as a dataset type's `Loads`: a pandas DataFrame (or a subclass), a
numpy array, a spark DataFrame; `OTHER` for what no request can be (dict, list, str, numbers,
TypedDicts, mappings and sequences, a polars frame); None when it says nothing (no
annotation, `Any`, a Series, a class of the project's own, a stub of a missing package).
"""

from __future__ import annotations

import ast
import collections.abc
import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kedro.pipeline import Node

from kedro_servecheck.analysis.graph import untranscoded
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.load.stubs import is_stub

_NOT_A_TABLE = (
    str,
    bytes,
    bool,
    int,
    float,
    complex,
    collections.abc.Mapping,
    collections.abc.Sequence,
    collections.abc.Set,
)
# (top-level package, class name) of a class in an annotation's MRO -> what it loads
_FRAMES = {
    ("pandas", "DataFrame"): Loads.PANDAS,
    ("numpy", "ndarray"): Loads.NUMPY,
    ("pyspark", "DataFrame"): Loads.SPARK,
    ("polars", "DataFrame"): Loads.OTHER,
    ("polars", "LazyFrame"): Loads.OTHER,
}
_UNIONS = (typing.Union, types.UnionType)


@dataclass(frozen=True)
class ReadAs:
    """A node that reads a dataset through a parameter annotated as `annotation`."""

    node: Node
    parameter: str
    annotation: str  # as written, or as Python shows it
    loads: Loads  # what the annotation says the node expects


def read_as(nodes: list[Node], dataset: str) -> list[ReadAs]:
    """How each of `nodes` that reads `dataset` annotates it, in node order; a node whose
    parameter says nothing (no annotation, `Any`…) is left out."""
    found = []
    for node in nodes:
        for parameter in _parameters_reading(node, dataset):
            annotation, loads = _annotation(node.func, parameter)
            if loads is not None:
                found.append(ReadAs(node, parameter.name, annotation, loads))
    return found


def _parameters_reading(node: Node, dataset: str) -> Iterator[inspect.Parameter]:
    """The parameters of the node's function that `dataset` binds to, as Kedro binds them."""
    raw = node._inputs  # Kedro keeps no public view of how a node's inputs bind
    args: list[str] = []
    kwargs: dict[str, str] = {}
    if isinstance(raw, dict):
        kwargs = dict(raw)
    elif raw:
        args = [raw] if isinstance(raw, str) else list(raw)
    try:
        signature = inspect.signature(node.func)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):  # a builtin, a stub, or inputs Kedro would refuse
        return
    wanted = untranscoded(dataset)
    for name, value in bound.arguments.items():
        parameter = signature.parameters[name]
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            values = list(value.values())
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            values = list(value)
        else:
            values = [value]
        if any(untranscoded(item) == wanted for item in values):
            yield parameter


def _annotation(func: Callable[..., Any], parameter: inspect.Parameter) -> tuple[str, Loads | None]:
    """The parameter's annotation as written, and what it says."""
    annotation = parameter.annotation
    if annotation is inspect.Parameter.empty:
        return "", None
    if isinstance(annotation, str):
        return annotation, _loads_of_text(annotation, _namespace(func))
    shown = inspect.formatannotation(annotation).replace("typing.", "")  # as written: `Any`
    return shown, loads_of(annotation)


def loads_of(annotation: Any) -> Loads | None:
    """What an evaluated annotation says its value is, as a dataset type's `Loads`."""
    if is_stub(annotation):
        return None
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return loads_of(typing.get_args(annotation)[0])
    if origin in _UNIONS:
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _union([loads_of(member) for member in members])
    if typing.is_typeddict(annotation):
        return Loads.OTHER
    klass = origin or annotation
    if not isinstance(klass, type):
        return None
    for base in klass.__mro__:
        said = _FRAMES.get((base.__module__.partition(".")[0], base.__name__))
        if said is not None:
            return said
    try:
        return Loads.OTHER if issubclass(klass, _NOT_A_TABLE) else None
    except TypeError:  # a class whose metaclass refuses subclass checks
        return None


def _union(members: list[Loads | None]) -> Loads | None:
    """What `A | B` says: a table when one member is (the node takes it), `OTHER` when none
    can be, else nothing."""
    for table in (Loads.PANDAS, Loads.NUMPY, Loads.SPARK):
        if table in members:
            return table
    return Loads.OTHER if members and all(m is Loads.OTHER for m in members) else None


def _loads_of_text(text: str, namespace: dict[str, Any]) -> Loads | None:
    """What a string annotation says: evaluated in the function's module, else (a name it
    cannot resolve) by its outer type: `dict[str, Applicant]` is a dict, `A | B` a union."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    return _loads_of_tree(tree, namespace)


def _loads_of_tree(tree: ast.expr, namespace: dict[str, Any]) -> Loads | None:
    try:
        return loads_of(eval(compile(ast.Expression(tree), "<annotation>", "eval"), namespace))
    except Exception:  # the project's own expression: any error means it cannot be resolved
        pass
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.BitOr):
        return _union([_loads_of_tree(side, namespace) for side in (tree.left, tree.right)])
    if isinstance(tree, ast.Subscript):
        return _loads_of_tree(tree.value, namespace)  # Optional[...], Union[...]: unknown
    return None


def _namespace(func: Callable[..., Any]) -> dict[str, Any]:
    """The globals a function's string annotations refer to (its module's)."""
    while isinstance(func, functools.partial):
        func = func.func
    func = inspect.unwrap(func)
    found = getattr(func, "__globals__", None)
    if isinstance(found, dict):
        return found
    module = sys.modules.get(getattr(func, "__module__", "") or "")
    return dict(vars(module)) if module else {}
