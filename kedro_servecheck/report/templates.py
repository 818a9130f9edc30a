"""The jinja2 environment of the report templates (templates/), shared by HTML and Markdown."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from kedro_servecheck.printable import printable


def environment(*, autoescape: bool) -> Environment:
    """An environment that fails on an undefined name; `autoescape` for HTML only, where every
    string shown is also made printable (Markdown escapes project strings with its own filter,
    and shows the Mermaid chart's lines as they are)."""
    return Environment(
        loader=PackageLoader("kedro_servecheck.report", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=autoescape,
        finalize=_printable if autoescape else None,
    )


def _printable(value: Any) -> Any:
    """A string a template shows, printable; markup (a macro's output) and numbers as they are."""
    return printable(value) if isinstance(value, str) and not isinstance(value, Markup) else value
