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


def render(report: Report, color: bool = False) -> str:
    """The report as its JSON document."""
    return dumps(report.to_dict())


def dumps(document: Any) -> str:
    """`document` as indented JSON text, non-ASCII as is, and a lone surrogate (that UTF-8
    cannot encode: a file name that is not UTF-8, say) as its `\\udcff` escape, which a JSON
    parser reads back as the same string."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _SURROGATE.sub(lambda match: escape(match[0]), text) + "\n"
