"""kedro-servecheck: check that a Kedro pipeline can be served as an MLflow model.

The public API is what `__all__` lists: `check()` returns a `Report` of `Finding`s, `export()`
returns an `ExportResult`, and `ServecheckError` (and its subclasses in
`kedro_servecheck.errors`) is raised when servecheck cannot run. Everything else is private.
The check path never imports mlflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kedro_servecheck._version import __version__
from kedro_servecheck.errors import ServecheckError
from kedro_servecheck.findings import Finding, Location, Severity
from kedro_servecheck.quiet_logging import quiet_kedro_logging

quiet_kedro_logging()  # before Kedro is imported: its default config would print, or log to file

if TYPE_CHECKING:
    from kedro_servecheck.api import check, export
    from kedro_servecheck.exporter.backend import ExportResult
    from kedro_servecheck.report.report import Report

__all__ = [
    "ExportResult",
    "Finding",
    "Location",
    "Report",
    "ServecheckError",
    "Severity",
    "__version__",
    "check",
    "export",
]

_LAZY = {  # imported on first use: `import kedro_servecheck` stays light (no Kedro)
    "check": "kedro_servecheck.api",
    "export": "kedro_servecheck.api",
    "ExportResult": "kedro_servecheck.exporter.backend",
    "Report": "kedro_servecheck.report.report",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kedro_servecheck' has no attribute {name!r}")
