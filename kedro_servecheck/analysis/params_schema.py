"""Which parameter values an MLflow params schema can type (and so a request can override)."""

from __future__ import annotations

import datetime
from typing import Any

_SCALARS = {
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    datetime.date: "date",
    datetime.datetime: "date",
}


def unrepresentable(value: Any) -> str | None:
    """Why MLflow's params schema cannot type `value`, or None when it can."""
    if value is None:
        return "its value is null"
    if type(value) in _SCALARS:
        return None
    if isinstance(value, dict):
        for key, inner in value.items():
            problem = unrepresentable(inner)
            if problem:
                return f"key '{key}': {problem}"
        return None
    if isinstance(value, list):
        if not value:
            return "an empty list has no element type"
        found = {_SCALARS.get(type(item)) for item in value}
        kinds = {kind for kind in found if kind is not None}
        if len(kinds) != len(found):
            return "a list may only hold scalars (no nested lists, mappings or nulls)"
        if len(kinds) > 1:
            return f"the list mixes {' and '.join(sorted(kinds))} values"
        return None
    return f"a {type(value).__name__} value"
