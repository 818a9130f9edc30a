"""GitLab Code Quality: a JSON array of issues (`artifacts:reports:codequality`)."""

from __future__ import annotations

from kedro_servecheck.printable import printable
from kedro_servecheck.report.ci import LEVELS, display_location, fingerprints, title
from kedro_servecheck.report.json_format import dumps
from kedro_servecheck.report.report import Report


def render(report: Report, color: bool = False) -> str:
    """One issue per finding; GitLab shows the description only, so it starts with the code."""
    project = report.project_path()
    issues = []
    for finding, fingerprint in zip(
        report.findings, fingerprints(report.findings, project), strict=True
    ):
        where = display_location(finding, project)
        issues.append(
            {
                "description": f"{title(finding)}: {printable(finding.message)}",
                "check_name": finding.code,
                "fingerprint": fingerprint,
                "severity": LEVELS[finding.severity].gitlab,
                "location": {"path": where.path, "lines": {"begin": where.line}},
            }
        )
    return dumps(issues)
