"""`servecheck graph`: one serving pipeline of a report drawn as Mermaid, DOT, JSON or HTML.

The drawing says what it leaves out (namespaces collapsed, edges over Mermaid's cap) in the
drawing itself and in `Picture.notes`, which the command prints on standard error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kedro_servecheck.report import Report

FORMATS = ("mermaid", "dot", "json", "html")


@dataclass(frozen=True)
class Picture:
    """A drawing, and the sentences that say what it leaves out."""

    text: str
    notes: list[str]


def draw(report: Report, fmt: str) -> Picture:
    """The first pipeline of `report` in the format `fmt` (html: the whole HTML report)."""
    from kedro_servecheck.draw import dot, graph_json
    from kedro_servecheck.draw.mermaid import flowchart
    from kedro_servecheck.draw.scene import Scene
    from kedro_servecheck.report import html  # imported when drawing: the CLI starts without them
    from kedro_servecheck.report.summary import pipeline_findings

    analysis = report.analyses[0]
    scene = Scene.of(analysis, pipeline_findings(report, analysis))
    notes = [scene.note] if scene.note else []
    if fmt == "html":
        return Picture(html.render(report), notes)
    if fmt == "dot":
        return Picture(dot.render(scene), notes)
    if fmt == "json":
        return Picture(graph_json.render(scene), notes)
    chart = flowchart(scene, with_legend=True)
    notes += [chart.note] if chart.note else []
    head, _, body = chart.text.partition("\n")
    comments = "".join(f"\n  %% {note}" for note in notes)
    return Picture(f"{head}{comments}\n{body}\n", notes)
