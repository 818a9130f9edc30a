"""The one-line verdict of a report, for the formats that end with one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings import Severity

if TYPE_CHECKING:
    from . import Report


def verdict(report: Report) -> str:
    """"FAIL" when the gate fails, else "OK"."""
    return "FAIL" if report.failed else "OK"


def outcome(report: Report) -> str:
    """`1 pipeline(s) checked: 0 passed, 1 failed · 10 errors, 2 warnings, 1 infos`."""
    passed = sum(1 for analysis in report.analyses if report.status(analysis) == "pass")
    strict = " (strict: warnings fail)" if report.strict else ""
    return (
        f"{len(report.analyses)} pipeline(s) checked: {passed} passed, "
        f"{len(report.analyses) - passed} failed · {report.count(Severity.ERROR)} errors, "
        f"{report.count(Severity.WARNING)} warnings, {report.count(Severity.INFO)} infos{strict}"
    )
