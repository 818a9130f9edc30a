"""Markdown for a pull-request comment or a GitHub job summary (templates/markdown.md.j2).

Every string that comes from the project (names, paths, messages) goes through `escape`;
the serving graph is a Mermaid flowchart (mermaid.py) of the pipeline's scene (scene.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from kedro_servecheck._version import __version__
from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.draw.mermaid import Flowchart, flowchart
from kedro_servecheck.draw.palette import in_words
from kedro_servecheck.draw.scene import Scene
from kedro_servecheck.findings import Finding
from kedro_servecheck.report.ci import display_location
from kedro_servecheck.report.report import Report
from kedro_servecheck.report.summary import outcome, verdict
from kedro_servecheck.report.templates import environment

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
    note: str | None  # what the chart folds into namespaces


def render(report: Report, color: bool = False) -> str:
    """The report as Markdown (GitHub Flavored Markdown with Mermaid)."""
    templates = environment(autoescape=False)  # project strings go through the `md` filter
    templates.filters["md"] = escape
    return templates.get_template("markdown.md.j2").render(
        report=report,
        verdict=verdict(report),
        outcome=outcome(report),
        version=__version__,
        legend=in_words(),
        pipelines=[_view(report, analysis) for analysis in report.analyses],
    )


def _view(report: Report, analysis: Analysis) -> PipelineView:
    project = report.project_path()
    findings = report.findings_of(analysis)
    scene = Scene.of(analysis, findings) if analysis.pipeline.nodes else None
    return PipelineView(
        name=analysis.name,
        status=report.status(analysis),
        data_input=analysis.data_input,
        counts=report.counts(analysis),
        findings=[(f, str(display_location(f, project))) for f in findings],
        chart=flowchart(scene) if scene else None,
        note=scene.note if scene else None,
    )
