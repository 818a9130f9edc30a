"""Markdown for a pull-request comment or a GitHub job summary (templates/markdown.md.j2).

Every string that comes from the project (names, paths, messages) goes through `escape`;
the serving graph is a Mermaid flowchart (mermaid.py) of the pipeline's scene (scene.py).

GitHub makes `@user` a mention (a notification) and `#12` or `GH-12` an issue link in the
rendered text, where a backslash escape or an HTML entity is already gone (github/markup#1168,
github/cmark-gfm#181), and links bare URLs, `www.` and e-mail addresses. An empty HTML comment
where one would start (`@<!-- -->user`, `https:<!-- -->//`, `www<!-- -->.`) stops each: GitHub
drops the comment from the page, so the text reads and copies as it was, and the pieces on
either side match no mention or link. (A zero-width space works too, but a copied name would
carry it.)
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
from kedro_servecheck.printable import printable
from kedro_servecheck.report.ci import display_location
from kedro_servecheck.report.report import Report
from kedro_servecheck.report.summary import outcome, verdict
from kedro_servecheck.report.templates import environment

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#$])")
# where a mention, an issue link or an autolink is broken: `@|user`, `#|12`, `GH-|12`,
# `https:|//`, `www|.` (an e-mail address: `@` again)
_LINK_BREAKS = re.compile(
    r"(?<=@)(?=[a-z0-9])|(?<=#)(?=[0-9])|(?<=gh-)(?=[0-9])|(?<=:)(?=//)|(?<=www)(?=\.)", re.I
)
_BREAK = "<!-- -->"


def escape(text: str) -> str:
    """`text` shown as is in Markdown (a table cell too): no markup, HTML, mention, link or
    line break (a control character is shown as its escape, `\\n`)."""
    escaped = html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", printable(text)), quote=False)
    return _LINK_BREAKS.sub(_BREAK, escaped)


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
