"""Markdown for a pull-request comment or a GitHub job summary (templates/markdown.md.j2).

Every string that comes from the project (names, paths, messages) goes through `escape`;
the serving graph is a Mermaid flowchart (mermaid.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined

from .. import __version__
from ..analysis import Analysis
from ..findings import Finding, Severity
from ..graph import dataset_vertex, node_vertex
from .ci import display_location
from .mermaid import MAX_EDGES, Flowchart, flowchart
from .summary import outcome, verdict

if TYPE_CHECKING:
    from . import Report

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#$])")
_CONTROL = re.compile(r"[\x00-\x1f]+")


def escape(text: str) -> str:
    """`text` shown as is in Markdown (a table cell too): no markup, HTML, link or line break."""
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", text)), quote=False)


@dataclass(frozen=True)
class PipelineView:
    """One pipeline as the template shows it."""

    name: str
    status: str
    data_input: str | None
    counts: dict[str, int]
    findings: list[tuple[Finding, str]]  # with its location as shown
    chart: Flowchart | None  # None: the pipeline has no node


def render(report: Report, color: bool = False) -> str:
    """The report as Markdown (GitHub Flavored Markdown with Mermaid)."""
    environment = Environment(
        loader=PackageLoader("kedro_servecheck.report", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML: project strings go through the `md` filter
    )
    environment.filters["md"] = escape
    return environment.get_template("markdown.md.j2").render(
        report=report,
        verdict=verdict(report),
        outcome=outcome(report),
        version=__version__,
        max_edges=MAX_EDGES,
        pipelines=[_view(report, analysis) for analysis in report.analyses],
    )


def _view(report: Report, analysis: Analysis) -> PipelineView:
    project = report.project_path()
    findings = [f for f in report.findings if f.pipeline == analysis.name]
    return PipelineView(
        name=analysis.name,
        status=report.status(analysis),
        data_input=analysis.data_input,
        counts={severity.value: sum(f.severity is severity for f in findings)
                for severity in Severity},
        findings=[(f, str(display_location(f, project))) for f in findings],
        chart=_chart(analysis, findings) if analysis.pipeline.nodes else None,
    )


def _chart(analysis: Analysis, findings: list[Finding]) -> Flowchart:
    flagged = set()
    for finding in findings:
        if finding.severity is not Severity.INFO:
            if finding.dataset:
                flagged.add(dataset_vertex(finding.dataset))
            if finding.node:
                flagged.add(node_vertex(finding.node))
    return flowchart(
        analysis.graph.dag,
        roles={dataset_vertex(free.name): free.role for free in analysis.inputs},
        outputs={dataset_vertex(name) for name in analysis.outputs},
        flagged=flagged,
    )
