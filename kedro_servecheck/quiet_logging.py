"""Kedro stays quiet while servecheck loads a project: nothing printed, no log file written."""

from __future__ import annotations

import os
from pathlib import Path

QUIET_LOGGING_CONFIG = str(Path(__file__).with_name("quiet_logging.yml"))


def quiet_kedro_logging(*, force: bool = False) -> None:
    """Point Kedro at a logging config that discards its records, unless the user chose one
    (`force`: even then, for the command line, whose stdout carries the report)."""
    if force:
        os.environ["KEDRO_LOGGING_CONFIG"] = QUIET_LOGGING_CONFIG
    else:
        os.environ.setdefault("KEDRO_LOGGING_CONFIG", QUIET_LOGGING_CONFIG)
