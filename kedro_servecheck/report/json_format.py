"""The JSON report (schema_version 1): the contract other formats are views of.

JSON carries every string exactly as the project has it (JSON escapes control characters);
`dumps` is how the JSON formats (this one, SARIF, GitLab) write a document.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kedro_servecheck.printable import escape
from kedro_servecheck.report.report import Report

_SURROGATE = re.compile("[\ud800-\udfff]")
_LEGACY_COMMAND = "##["  # a GitHub runner obeys `##[error]…` anywhere in a line it prints


def render(report: Report, color: bool = False) -> str:
    """The report as its JSON document."""
    return dumps(report.to_dict())


def dumps(document: Any) -> str:
    """`document` as indented JSON text, non-ASCII as is, and a lone surrogate (that UTF-8
    cannot encode: a file name that is not UTF-8, say) as its `\\udcff` escape, and the `[`
    of `##[` (which only a string can hold) as `\\u005b`: a JSON parser reads back the same
    strings, and a CI log that shows the document obeys no command in it."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    text = _SURROGATE.sub(lambda match: escape(match[0]), text)
    return text.replace(_LEGACY_COMMAND, "##\\u005b") + "\n"
