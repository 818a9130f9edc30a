"""A serving pipeline as a Mermaid `flowchart LR`, as GitHub and GitLab render it in Markdown.

It draws a `Scene` (scene.py) in the colours of palette.py: free inputs coloured by role, the
output marked, datasets and nodes with a finding outlined in their severity's colour. Vertex
ids come from the scene (`d0`, `n1`…), labels are quoted and escaped, and at most `MAX_EDGES`
edges are drawn (GitHub refuses more than 500; the legend's invisible links add a few).
"""

from __future__ import annotations

from dataclasses import dataclass

from kedro_servecheck.draw.palette import OUTPUT, PLAIN, ROLES, SEVERITIES, Look, legend
from kedro_servecheck.draw.scene import NAMESPACE, Box, Scene, Shape
from kedro_servecheck.printable import printable

MAX_EDGES = 400
OUTPUT_CLASS = "output"
_ESCAPED = set('"#&<>`%')  # quotes, entity codes, HTML, Markdown fences, %%{directives}%%
_BRACKETS = {
    Shape.NODE: ("[", "]"),
    Shape.DATASET: ("([", "])"),
    Shape.PARAMETER: ("{{", "}}"),
    Shape.IO: ("[/", "/]"),
    Shape.NAMESPACE: ("[[", "]]"),
}


def _style(look: Look, *, fill: bool = True) -> str:
    parts = [f"fill:{look.fill}"] if fill else []
    parts.append(f"stroke:{look.stroke}")
    if not fill or look.width != Look.width:
        parts.append(f"stroke-width:{look.width:g}px")
    if look.dash:
        parts.append(f"stroke-dasharray:{look.dash}")
    return ",".join(parts)


CLASS_STYLES = {  # later classes win: a severity's outline over the fill's
    **{role.value: _style(look) for role, look in ROLES.items()},
    OUTPUT_CLASS: _style(OUTPUT),
    NAMESPACE: _style(PLAIN[NAMESPACE]),
    **{severity.value: _style(look, fill=False) for severity, look in SEVERITIES.items()},
}


@dataclass(frozen=True)
class Flowchart:
    """The Mermaid source, and how much of the pipeline it leaves out."""

    text: str
    omitted_edges: int
    omitted_vertices: int
    max_edges: int

    @property
    def note(self) -> str | None:
        """What the edge cap leaves out, in one sentence (None: nothing)."""
        if not self.omitted_edges:
            return None
        return (
            f"Only the first {self.max_edges} edges are drawn: {self.omitted_edges} more "
            f"edges and {self.omitted_vertices} more datasets and nodes are left out."
        )


def label(text: str) -> str:
    """`text` as a quoted Mermaid label: special characters as entity codes (`#34;`)."""
    escaped = "".join(f"#{ord(char)};" if char in _ESCAPED else char for char in printable(text))
    return f'"{escaped}"'


def flowchart(scene: Scene, max_edges: int = MAX_EDGES, with_legend: bool = False) -> Flowchart:
    """The flowchart of `scene`, its first `max_edges` edges in topological order.

    `with_legend` adds a subgraph of sample boxes (Markdown says the legend in words instead).
    """
    order = list(scene.boxes)
    edges = [
        (source, target) for source in order for target in sorted(scene.dag.successors(source))
    ]
    drawn = edges[:max_edges]
    touched = {vertex for edge in drawn for vertex in edge}
    vertices = [vertex for vertex in order if vertex in touched or scene.dag.degree(vertex) == 0]
    boxes = scene.boxes

    classes: dict[str, list[str]] = {name: [] for name in CLASS_STYLES}
    lines = ["flowchart LR"]
    for vertex in vertices:
        box = boxes[vertex]
        opening, closing = _BRACKETS[box.shape]
        lines.append(f"  {box.id}{opening}{label(box.label)}{closing}")
        for name in _classes(box):
            classes[name].append(box.id)
    lines += [f"  {boxes[source].id} --> {boxes[target].id}" for source, target in drawn]
    if with_legend:
        lines += _legend(bool(scene.namespaces))
    lines += [f"  classDef {name} {style}" for name, style in CLASS_STYLES.items()]
    lines += [f"  class {','.join(members)} {name}" for name, members in classes.items() if members]
    return Flowchart(
        "\n".join(lines), len(edges) - len(drawn), len(order) - len(vertices), max_edges
    )


def _classes(box: Box) -> list[str]:
    names = [box.role.value] if box.role else []
    if box.output:
        names.append(OUTPUT_CLASS)
    if box.kind == NAMESPACE:
        names.append(NAMESPACE)
    if box.severity:
        names.append(box.severity.value)
    return names


def _legend(namespaces: bool) -> list[str]:
    """A `legend` subgraph: one sample box per key, styled in place (ids `legend0`…)."""
    keys = legend(namespaces)
    lines = ['  subgraph legend ["legend"]', "    direction LR"]
    styles = []
    for index, key in enumerate(keys):
        opening, closing = _BRACKETS[key.shape]
        lines.append(f"    legend{index}{opening}{label(key.text)}{closing}")
        styles.append(f"  style legend{index} {_style(key.look)}")
    half = (len(keys) + 1) // 2  # two columns: invisible links pair the keys up
    lines += [f"    legend{index} ~~~ legend{index + half}" for index in range(len(keys) - half)]
    return [*lines, "  end", *styles]
