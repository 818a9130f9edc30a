"""The human report: each pipeline's inputs by role, then its findings with a fix hint.

Every line is assembled by `_line`, which shows each project string printable (`\\n`, `\\x1b`):
a name cannot start a line of its own or move the terminal's cursor; rich adds the colours.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from rich.console import Console
from rich.text import Text

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.catalog.resolve import display_path
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.printable import printable
from kedro_servecheck.report.report import Report
from kedro_servecheck.report.summary import outcome, verdict

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
ALIGN_AT_MOST = 64  # a longer name or type (kedro-mlflow's are up to 56) overflows its column
ROLE_STYLE = {
    Role.DATA: "green",
    Role.PERSISTED: "blue",
    Role.PARAMETER: "magenta",
    Role.UNRESOLVED: "bold red",
}


def render(report: Report, color: bool = False) -> str:
    """The report as text; ANSI colours only when `color` (a terminal)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        soft_wrap=True,
        highlight=False,
        width=100,
    )
    console.print(
        _line(
            ("servecheck", "bold"),
            f" · project {report.package} ({report.project_path()}) · env {report.env}",
        )
    )
    for analysis in report.analyses:
        console.print()
        for line in _pipeline_lines(report, analysis):
            console.print(line)
    console.print()
    console.print(_summary(report))
    return buffer.getvalue()


def _line(*parts: str | tuple[str, str]) -> Text:
    """One line of the report: plain or (text, style) parts, each shown printable."""
    return Text.assemble(
        *[
            printable(part) if isinstance(part, str) else (printable(part[0]), part[1])
            for part in parts
        ]
    )


def _pipeline_lines(report: Report, analysis: Analysis) -> Iterator[Text]:
    status = report.status(analysis)
    status_style = "bold green" if status == "pass" else "bold red"
    yield _line((analysis.name, "bold"), "  ", (status.upper(), status_style))
    width = _column([printable(free.name) for free in analysis.inputs])
    type_width = _column([printable(free.spec.type.short) for free in analysis.inputs if free.spec])
    for free in sorted(analysis.inputs, key=lambda free: list(Role).index(free.role)):
        detail = ""
        if free.spec and (free.spec.declared or free.role is Role.PERSISTED):
            path = display_path(free.spec, report.project_root)
            kind = printable(free.spec.type.short)
            detail = f"{kind:<{type_width}}  {path}" if path else kind
        elif free.role is Role.DATA:
            detail = "not in the catalog: sent with each request"
        shown = printable(free.name)
        name = f"{shown:<{width}}  {detail}" if detail else shown
        yield _line("  ", (f"{free.role.label:<11}", ROLE_STYLE[free.role]), " ", name)
    yield _line("  ", (f"{'output':<11}", "bold"), " ", ", ".join(analysis.outputs) or "none")
    for finding in report.findings_of(analysis):
        yield Text()
        yield from _finding_lines(finding)


def _column(cells: list[str]) -> int:
    """The width to pad a column of `cells` to: the widest, or `ALIGN_AT_MOST` if less."""
    return min(max(map(len, cells), default=0), ALIGN_AT_MOST)


def _finding_lines(finding: Finding) -> Iterator[Text]:
    where = f"{finding.location}: " if finding.location else ""
    yield _line(
        "  ",
        where,
        (finding.code, "bold"),
        f" {finding.rule} ",
        (f"({finding.severity.value})", SEVERITY_STYLE[finding.severity]),
    )
    yield _line(f"    {finding.message}")
    if finding.hint:
        yield _line(
            "    ",
            ("fix:", "dim"),
            f" {finding.hint}",
            (f"  [servecheck rule {finding.code}]", "dim"),
        )


def _summary(report: Report) -> Text:
    style = "bold red" if report.failed else "bold green"
    return _line((verdict(report), style), f"  {outcome(report)}")
