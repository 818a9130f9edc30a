"""The verdict of a report and its counts, for the formats that summarise it."""

from __future__ import annotations

from kedro_servecheck.report.report import Report


def verdict(report: Report) -> str:
    """`FAIL` when the gate fails, else `OK`."""
    return "FAIL" if report.failed else "OK"


def outcome(report: Report) -> str:
    """`1 pipeline(s) checked: 0 passed, 1 failed · 10 errors, 2 warnings, 1 infos`."""
    passed = sum(1 for analysis in report.analyses if report.status(analysis) == "pass")
    strict = " (strict: warnings fail)" if report.strict else ""
    counts = report.counts()
    return (
        f"{len(report.analyses)} pipeline(s) checked: {passed} passed, "
        f"{len(report.analyses) - passed} failed · {counts['error']} errors, "
        f"{counts['warning']} warnings, {counts['info']} infos{strict}"
    )
