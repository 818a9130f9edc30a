"""`servecheck graph`: one serving pipeline drawn as Mermaid, DOT or graph JSON.

The drawing says what it leaves out (namespaces collapsed, edges over Mermaid's cap) in the
drawing itself and in `Picture.notes`, which the command prints on standard error. (The HTML
page is the HTML report: see `kedro_servecheck.report.html`.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.findings import Finding

FORMATS = ("mermaid", "dot", "json")


@dataclass(frozen=True)
class Picture:
    """A drawing, and the sentences that say what it leaves out."""

    text: str
    notes: list[str]


def draw(analysis: Analysis, findings: Iterable[Finding], fmt: str) -> Picture:
    """The pipeline of `analysis` with its `findings`, in the format `fmt`."""
    from kedro_servecheck.draw import dot, graph_json  # imported when drawing: the CLI
    from kedro_servecheck.draw.mermaid import flowchart  # starts without them (or networkx)
    from kedro_servecheck.draw.scene import Scene

    scene = Scene.of(analysis, findings)
    left_out = [scene.note] if scene.note else []
    if fmt == "dot":
        return Picture(dot.render(scene), left_out)
    if fmt == "json":
        return Picture(graph_json.render(scene), left_out)
    chart = flowchart(scene, with_legend=True)
    left_out += [chart.note] if chart.note else []
    head, _, body = chart.text.partition("\n")
    comments = "".join(f"\n  %% {note}" for note in left_out)
    return Picture(f"{head}{comments}\n{body}\n", left_out)


def notes(analysis: Analysis) -> list[str]:
    """What any drawing of `analysis`'s pipeline leaves out (namespaces folded away)."""
    from kedro_servecheck.draw.scene import Scene

    note = Scene.of(analysis, ()).note
    return [note] if note else []
