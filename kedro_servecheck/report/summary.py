"""The verdict of a report and its counts, for the formats that summarise it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.findings import Finding, Severity

if TYPE_CHECKING:
    from kedro_servecheck.report import Report


def verdict(report: Report) -> str:
    """ "FAIL" when the gate fails, else "OK"."""
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


def pipeline_findings(report: Report, analysis: Analysis) -> list[Finding]:
    """The findings of one pipeline, in report order."""
    return [finding for finding in report.findings if finding.pipeline == analysis.name]


def counts(findings: list[Finding]) -> dict[str, int]:
    """How many findings of each severity: `{"error": 2, "warning": 0, "info": 1}`."""
    return {severity.value: sum(f.severity is severity for f in findings) for severity in Severity}
