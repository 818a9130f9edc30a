"""`servecheck graph`: one serving pipeline of a report drawn as Mermaid, DOT, JSON or HTML.

The drawing says what it leaves out (namespaces collapsed, edges over Mermaid's cap) in the
drawing itself and in `Picture.notes`, which the command prints on standard error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Report

FORMATS = ("mermaid", "dot", "json", "html")


@dataclass(frozen=True)
class Picture:
    """A drawing, and the sentences that say what it leaves out."""

    text: str
    notes: list[str]


def draw(report: Report, fmt: str) -> Picture:
    """The first pipeline of `report` in the format `fmt` (html: the whole HTML report)."""
    from . import dot, graph_json, html  # imported when drawing: the CLI starts without them
    from .mermaid import flowchart
    from .scene import Scene
    from .summary import pipeline_findings

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
