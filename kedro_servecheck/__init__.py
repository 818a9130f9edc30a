"""kedro-servecheck: check that a Kedro pipeline can be served as an MLflow model.

The public API is `check()` (and `Report`) and `export()`; everything else is private. The
check path never imports mlflow.
"""

from __future__ import annotations

import os
from pathlib import Path

# Before Kedro is imported: its default logging config would print, or write info.log.
os.environ.setdefault("KEDRO_LOGGING_CONFIG", str(Path(__file__).with_name("quiet_logging.yml")))

__version__ = "0.1.0"
__all__ = ["Report", "__version__", "check", "export"]


def __getattr__(name: str):
    if name in ("check", "Report"):
        from kedro_servecheck import api

        return getattr(api, name)
    if name == "export":
        from kedro_servecheck.exporter import export

        return export
    raise AttributeError(f"module 'kedro_servecheck' has no attribute {name!r}")
