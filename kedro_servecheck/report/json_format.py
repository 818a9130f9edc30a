"""The JSON report (schema_version 1): the contract other formats are views of."""

from __future__ import annotations

import json


def render(report, color: bool = False) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
