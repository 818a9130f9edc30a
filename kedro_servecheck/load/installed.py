"""What is installed where servecheck runs, found without importing it."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

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


@functools.cache
def package_folder(package: str) -> Path | None:
    """The folder of the installed top-level `package` (its source is read, never imported);
    None when it is not installed here, is a stub, or is a single module."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or isinstance(spec.loader, StubFinder) or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))
