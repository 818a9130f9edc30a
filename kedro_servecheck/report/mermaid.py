"""A serving pipeline as a Mermaid `flowchart LR`, as GitHub and GitLab render it in Markdown.

Free inputs are coloured by role, the output is marked, and datasets and nodes with an error
or a warning get a thick red border. Vertex ids are generated (`d0`, `n1`…), labels are quoted
and escaped, and at most `MAX_EDGES` edges are drawn (GitHub refuses more than 500).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import networkx as nx

from ..classify import Role
from ..graph import DATASET

MAX_EDGES = 400
OUTPUT = "output"
FLAGGED = "flagged"
CLASS_STYLES = {  # later classes win: the flagged stroke over the role's
    Role.DATA.value: "fill:#dbeafe,stroke:#1d4ed8",
    Role.PERSISTED.value: "fill:#e0e7ff,stroke:#4338ca",
    Role.PARAMETER.value: "fill:#f3e8ff,stroke:#7e22ce",
    Role.UNRESOLVED.value: "fill:#fef3c7,stroke:#b45309",
    OUTPUT: "fill:#dcfce7,stroke:#15803d",
    FLAGGED: "stroke:#dc2626,stroke-width:4px",
}
_ESCAPED = set('"#&<>`%')  # quotes, entity codes, HTML, Markdown fences, %%{directives}%%

Vertex = tuple[str, str]


@dataclass(frozen=True)
class Flowchart:
    """The Mermaid source, and how much of the pipeline it leaves out."""

    text: str
    omitted_edges: int
    omitted_vertices: int


def label(text: str) -> str:
    """`text` as a quoted Mermaid label: special characters as entity codes (`#34;`)."""
    escaped = "".join(
        f"#{ord(char)};" if char in _ESCAPED else " " if char < " " else char for char in text
    )
    return f'"{escaped}"'


def flowchart(
    dag: nx.DiGraph,
    roles: Mapping[Vertex, Role],
    outputs: Collection[Vertex],
    flagged: Collection[Vertex],
    max_edges: int = MAX_EDGES,
) -> Flowchart:
    """The flowchart of `dag` (`ServingGraph.dag`); `roles` of the free inputs' vertices."""
    order = list(nx.lexicographical_topological_sort(dag))
    edges = [(source, target) for source in order for target in sorted(dag.successors(source))]
    drawn = edges[:max_edges]
    touched = {vertex for edge in drawn for vertex in edge}
    vertices = [vertex for vertex in order if vertex in touched or dag.degree(vertex) == 0]
    ids = {vertex: f"{'d' if vertex[0] == DATASET else 'n'}{position}"
           for position, vertex in enumerate(vertices)}

    classes: dict[str, list[str]] = {name: [] for name in CLASS_STYLES}
    lines = ["flowchart LR"]
    for vertex in vertices:
        lines.append(f"  {ids[vertex]}{_shape(vertex, roles.get(vertex), vertex in outputs)}")
        if vertex in roles:
            classes[roles[vertex].value].append(ids[vertex])
        if vertex in outputs:
            classes[OUTPUT].append(ids[vertex])
        if vertex in flagged:
            classes[FLAGGED].append(ids[vertex])
    lines += [f"  {ids[source]} --> {ids[target]}" for source, target in drawn]
    lines += [f"  classDef {name} {style}" for name, style in CLASS_STYLES.items()]
    lines += [f"  class {','.join(members)} {name}" for name, members in classes.items() if members]
    return Flowchart("\n".join(lines), len(edges) - len(drawn), len(order) - len(vertices))


def _shape(vertex: Vertex, role: Role | None, is_output: bool) -> str:
    """Nodes are boxes; datasets stadiums, parameters hexagons, data in and out parallelograms."""
    kind, name = vertex
    text = label(name)
    if kind != DATASET:
        return f"[{text}]"
    if role is Role.DATA or is_output:
        return f"[/{text}/]"
    if role is Role.PARAMETER:
        return f"{{{{{text}}}}}"
    return f"([{text}])"
