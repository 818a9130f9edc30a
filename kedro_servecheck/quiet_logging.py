"""Kedro and the project's code stay off servecheck's output: no log file, nothing on stdout."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

QUIET_LOGGING_CONFIG = str(Path(__file__).with_name("quiet_logging.yml"))


def quiet_kedro_logging() -> None:
    """Point Kedro at a logging config that discards its records, unless the user chose one
    with `KEDRO_LOGGING_CONFIG` (call it before Kedro is imported)."""
    os.environ.setdefault("KEDRO_LOGGING_CONFIG", QUIET_LOGGING_CONFIG)


@contextlib.contextmanager
def stdout_reserved() -> Iterator[TextIO]:
    """Send what is printed, or logged to stdout, to stderr until the block ends; yield the
    stdout it had, which carries servecheck's report alone."""
    stdout = sys.stdout
    moved = [
        (handler, handler.stream)
        for handler in _stream_handlers()
        if handler.stream in (stdout, sys.__stdout__)
    ]
    for handler, _ in moved:
        handler.setStream(sys.stderr)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield stdout
    finally:
        for handler, stream in moved:
            handler.setStream(stream)


def _stream_handlers() -> list[logging.StreamHandler[TextIO]]:
    """The stream handlers of every logger (a rich handler writes to `sys.stdout` as it is at
    the time: redirecting it is enough)."""
    known = logging.Logger.manager.loggerDict.values()
    loggers = [logging.getLogger(), *(lg for lg in known if isinstance(lg, logging.Logger))]
    return [
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
    ]
