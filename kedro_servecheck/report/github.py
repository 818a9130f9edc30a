"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding."""

from __future__ import annotations

from kedro_servecheck.findings import Finding
from kedro_servecheck.printable import printable
from kedro_servecheck.report.ci import LEVELS, display_location, finding_text, title
from kedro_servecheck.report.report import Report


def escape_data(text: str) -> str:
    """A command's message: `%`, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as the message, and `:` and `,` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding, project_path: str) -> str:
    """`::error file=…,line=…,title=SC202 artifact-missing::message%0Afix: …`."""
    where = display_location(finding, project_path)
    properties = {"file": printable(where.path), "line": str(where.line), "title": title(finding)}
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{LEVELS[finding.severity].github} {joined}::{escape_data(finding_text(finding))}"


def render(report: Report, color: bool = False) -> str:
    """One workflow command a line."""
    project = report.project_path()
    return "".join(f"{command(finding, project)}\n" for finding in report.findings)
