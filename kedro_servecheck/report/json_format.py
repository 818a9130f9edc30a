"""The JSON report (schema_version 1): the contract other formats are views of."""

from __future__ import annotations

import json

from kedro_servecheck.report.report import Report


def render(report: Report, color: bool = False) -> str:
    """The report as its JSON document."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
