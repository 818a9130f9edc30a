"""The project's own code failing during an export, explained at its node and its line.

Export runs the served pipeline on the input example (for the signature, and to verify it),
and loads the data input's file: when a node raises, that is the user's error to fix, so it is
reported as one (exit 2) with the node, the exception and the project's line, not as an
internal error of servecheck.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kedro.pipeline import Node

from kedro_servecheck.errors import ExportError
from kedro_servecheck.load.diagnose import cause_chain, user_frame


@contextmanager
def explained(what: str, nodes: Iterable[Node], root: Path, hint: str) -> Iterator[None]:
    """Turn an exception raised by the project's code into an ExportError naming `what` was
    being done, the node that raised (if one did), the exception and the project's line."""
    try:
        yield
    except ExportError:
        raise
    except Exception as exc:
        failing = _failing_node(exc, nodes)
        cause = cause_chain(exc)[-1]
        detail = " ".join(str(cause).split()) or type(cause).__name__
        by = f": node '{failing.name}' raised" if failing else ":"
        where = user_frame(cause, root) or user_frame(exc, root)
        raise ExportError(
            f"{what}{by} {type(cause).__name__}: {detail}",
            where=str(where) if where else None,
            hint=hint,
        ) from exc


def _failing_node(exc: BaseException, nodes: Iterable[Node]) -> Node | None:
    """The node whose function is the outermost project frame of the traceback."""
    codes = {_code_of(node.func): node for node in nodes}
    for error in cause_chain(exc):
        for frame, _ in traceback.walk_tb(error.__traceback__):
            found = codes.get(frame.f_code)
            if found is not None:
                return found
    return None


def _code_of(func: Callable[..., Any]) -> Any:
    return getattr(inspect.unwrap(func), "__code__", None)
