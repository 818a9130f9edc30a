"""One line per finding, `path:line: CODE [severity] message`: the pre-commit format.

Paths and messages are shown printable, so that a name with a newline stays on its line.
"""

from __future__ import annotations

from kedro_servecheck.printable import printable
from kedro_servecheck.report.ci import display_location
from kedro_servecheck.report.report import Report
from kedro_servecheck.report.summary import outcome, verdict


def render(report: Report, color: bool = False) -> str:
    """The findings, one a line, then the verdict line."""
    project = report.project_path()
    lines = [
        printable(
            f"{display_location(finding, project)}: {finding.code} [{finding.severity.value}] "
            f"{finding.message}"
        )
        for finding in report.findings
    ]
    lines.append(f"{verdict(report)}  {outcome(report)}")
    return "\n".join(lines) + "\n"
