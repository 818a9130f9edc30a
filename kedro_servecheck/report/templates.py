"""The jinja2 environment of the report templates (templates/), shared by HTML and Markdown."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined


def environment(*, autoescape: bool) -> Environment:
    """An environment that fails on an undefined name; `autoescape` for HTML only (Markdown
    escapes project strings with its own filter)."""
    return Environment(
        loader=PackageLoader("kedro_servecheck.report", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=autoescape,
    )
