"""The HTML report: one self-contained page (templates/report.html.j2).

The summary, then for each pipeline its graph as inline SVG (svg.py) with a legend, and its
findings, each linked to its box in the graph and back. No network: no external script,
stylesheet or font; inline CSS and a few lines of JavaScript that highlight a finding's box on
hover. jinja2 escapes every string (autoescape on); element ids are generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from kedro_servecheck._version import __version__
from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.draw.palette import SEVERITIES, legend
from kedro_servecheck.draw.scene import Scene
from kedro_servecheck.draw.svg import Canvas, Sample, box_id, canvas, finding_id, num, samples
from kedro_servecheck.findings import Finding
from kedro_servecheck.report.ci import display_location
from kedro_servecheck.report.report import Report
from kedro_servecheck.report.summary import outcome, verdict
from kedro_servecheck.report.templates import environment


@dataclass(frozen=True)
class Row:
    """A finding as the table shows it, with its dataset and node and the ids of their boxes."""

    id: str
    finding: Finding
    location: str
    subjects: list[tuple[str, str | None]]

    @property
    def targets(self) -> str:
        """The ids of the boxes the finding is about, space-separated ("": none)."""
        return " ".join(dict.fromkeys(target for _, target in self.subjects if target))


@dataclass(frozen=True)
class PipelineView:
    """One pipeline as the page shows it."""

    id: str
    name: str
    status: str
    data_input: str | None
    counts: dict[str, int]
    rows: list[Row]
    canvas: Canvas | None  # None: the pipeline has no node
    legend: list[Sample]
    note: str | None


def render(report: Report, color: bool = False) -> str:
    """The report as one HTML page."""
    templates = environment(autoescape=True)
    templates.filters["num"] = num
    return templates.get_template("report.html.j2").render(
        report=report,
        verdict=verdict(report),
        outcome=outcome(report),
        version=__version__,
        severities={severity.value: look.stroke for severity, look in SEVERITIES.items()},
        pipelines=[
            _view(report, analysis, f"p{index}") for index, analysis in enumerate(report.analyses)
        ],
    )


def _view(report: Report, analysis: Analysis, prefix: str) -> PipelineView:
    project = report.project_path()
    findings = report.findings_of(analysis)
    scene = Scene.of(analysis, findings)
    rows = [
        Row(
            id=finding_id(prefix, index),
            finding=finding,
            location=str(display_location(finding, project)),
            subjects=[
                (name, box_id(prefix, box) if box else None)
                for name, box in scene.subjects(finding)
            ],
        )
        for index, finding in enumerate(findings)
    ]
    return PipelineView(
        id=prefix,
        name=analysis.name,
        status=report.status(analysis),
        data_input=analysis.data_input,
        counts=report.counts(analysis),
        rows=rows,
        canvas=canvas(scene, prefix) if scene.boxes else None,
        legend=samples(legend(namespaces=bool(scene.namespaces))),
        note=scene.note,
    )
