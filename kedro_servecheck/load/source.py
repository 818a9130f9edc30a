"""Where a Python function is defined, for findings that point at a node's code."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from kedro_servecheck.findings import Location
from kedro_servecheck.load.locations import relative_path


def function_location(func: Any, root: Path) -> Location | None:
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
