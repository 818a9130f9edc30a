"""The report of a check and its formats: text, JSON and the CI formats, Markdown, HTML."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from kedro_servecheck.report.report import Report

_MODULES = {  # format name: the module (in this package) whose `render` draws it
    "text": "text",
    "concise": "concise",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    "markdown": "markdown",
    "html": "html",
}
FORMATS = tuple(_MODULES)


def formatter(name: str) -> Callable[[Report, bool], str]:
    """The function that renders a report in the format `name` (colour: a terminal is shown)."""
    render: Callable[[Report, bool], str] = import_module(f".{_MODULES[name]}", __name__).render
    return render


__all__ = ["FORMATS", "Report", "formatter"]
