"""What is installed where servecheck runs, found without importing it."""

from __future__ import annotations

import functools
import importlib.util

from kedro_servecheck.load.stubs import StubFinder


@functools.cache
def is_installed(module: str) -> bool:
    """Whether `module` (a dotted name) is really installed here: a stub is not.

    Nothing is imported but the parent packages of a dotted name.
    """
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    return spec is not None and not isinstance(spec.loader, StubFinder)
