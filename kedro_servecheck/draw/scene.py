"""What a drawing of a serving pipeline shows: boxes, edges, and what was folded away.

Every format that draws a pipeline (Mermaid, DOT, SVG, the graph JSON) draws a `Scene`: one
box per dataset and node, with its shape, the role of a free input, whether it is the output
and the worst severity of its findings. Box ids (`d0`, `n1`, `g2`…) are generated, never taken
from the project, so they are safe in any format. A pipeline of more than `COLLAPSE_ABOVE`
nodes is drawn with one box per top-level namespace instead of the nodes and datasets in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

import networkx as nx

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.analysis.graph import DATASET, NODE, ServingGraph, dataset_vertex, node_vertex
from kedro_servecheck.findings import Finding, Severity

COLLAPSE_ABOVE = 300  # nodes: above this, one box per namespace
NAMESPACE = "namespace"

Vertex = tuple[str, str]


class Shape(str, Enum):
    """The outline of a box, the same in every format."""

    NODE = "node"  # a box
    DATASET = "dataset"  # a stadium
    PARAMETER = "parameter"  # a hexagon
    IO = "io"  # a parallelogram: the data input and the output
    NAMESPACE = "namespace"  # a rounded box standing for many


@dataclass(frozen=True)
class Box:
    """One drawn vertex: a dataset, a node, or a namespace folded into one box."""

    id: str
    kind: str  # "dataset", "node" or "namespace"
    name: str
    shape: Shape
    role: Role | None = None
    output: bool = False
    severity: Severity | None = None
    findings: tuple[int, ...] = ()  # indexes into `Scene.findings`
    nodes: int = 0  # for a namespace: the nodes and datasets it stands for
    datasets: int = 0

    @property
    def label(self) -> str:
        """The name, or for a namespace its name and what it holds."""
        if self.kind != NAMESPACE:
            return self.name
        return f"{self.name} · {self.nodes} nodes, {self.datasets} datasets"


@dataclass(frozen=True)
class Scene:
    """A serving pipeline as drawn: `boxes` in topological order, `dag` over their vertices."""

    pipeline: str
    boxes: dict[Vertex, Box]
    dag: nx.DiGraph
    findings: list[Finding]
    where: dict[Vertex, Vertex]  # every vertex of the serving graph -> the one drawing it
    size: int  # nodes of the serving pipeline
    collapse_above: int = COLLAPSE_ABOVE
    folded: int = 0  # datasets and nodes drawn inside namespace boxes
    namespaces: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls, analysis: Analysis, findings: Iterable[Finding], collapse_above: int = COLLAPSE_ABOVE
    ) -> Scene:
        """The scene of an analysed pipeline and its findings (in report order)."""
        roles = {free.name: free.role for free in analysis.inputs}
        return build(analysis.graph, roles, findings, analysis.name, collapse_above)

    def subjects(self, finding: Finding) -> list[tuple[str, Box | None]]:
        """What a finding is about (its dataset, its node) and the box drawing each, if any."""
        return [
            (name, self.boxes[self.where[vertex]] if vertex in self.where else None)
            for name, vertex in _subjects(finding)
        ]

    @property
    def note(self) -> str | None:
        """What the drawing leaves out, in one sentence (None: everything is drawn)."""
        if not self.size:
            return "The pipeline has no node: there is nothing to draw."
        if self.folded:
            return (
                f"The pipeline has {self.size} nodes, more than {self.collapse_above}: "
                f"{self.folded} datasets and nodes are drawn as one box per namespace "
                f"({len(self.namespaces)} namespaces)."
            )
        if self.size > self.collapse_above:
            return (
                f"The pipeline has {self.size} nodes, more than {self.collapse_above}, and no "
                "namespace to collapse: it is drawn in full."
            )
        return None


def build(
    graph: ServingGraph,
    roles: Mapping[str, Role],
    findings: Iterable[Finding],
    pipeline: str = "",
    collapse_above: int = COLLAPSE_ABOVE,
) -> Scene:
    """The scene of `graph`; `roles` of its free inputs by name, `findings` of the pipeline."""
    findings = list(findings)
    dag = graph.dag
    role_of = {dataset_vertex(name): role for name, role in roles.items()}
    outputs = {dataset_vertex(name) for name in graph.outputs}
    size = len(graph.pipeline.nodes)
    groups = _namespaces(graph, role_of, outputs) if size > collapse_above else {}
    where = {vertex: (NAMESPACE, groups[vertex]) if vertex in groups else vertex for vertex in dag}
    drawn = _quotient(dag, where)
    if not nx.is_directed_acyclic_graph(drawn):  # namespaces feeding each other: merge them
        where = _merge_cycles(where, drawn)
        drawn = _quotient(dag, where)

    touching: dict[Vertex, list[int]] = {}
    for index, finding in enumerate(findings):
        for vertex in {where[v] for _, v in _subjects(finding) if v in where}:
            touching.setdefault(vertex, []).append(index)
    members: dict[Vertex, list[Vertex]] = {}
    for vertex, shown in where.items():
        members.setdefault(shown, []).append(vertex)

    boxes = {}
    for position, vertex in enumerate(nx.lexicographical_topological_sort(drawn)):
        kind, name = vertex
        indexes = tuple(touching.get(vertex, ()))
        severity = min((findings[i].severity for i in indexes), key=lambda s: s.rank, default=None)
        if kind == NAMESPACE:
            inside = members[vertex]
            boxes[vertex] = Box(
                f"g{position}",
                kind,
                name,
                Shape.NAMESPACE,
                severity=severity,
                findings=indexes,
                nodes=sum(k == NODE for k, _ in inside),
                datasets=sum(k == DATASET for k, _ in inside),
            )
            continue
        role = role_of.get(vertex)
        boxes[vertex] = Box(
            f"{kind[0]}{position}",
            kind,
            name,
            shape_of(kind, role, vertex in outputs),
            role=role,
            output=vertex in outputs,
            severity=severity,
            findings=indexes,
        )
    namespaces = sorted(name for kind, name in boxes if kind == NAMESPACE)
    folded = sum(len(members[(NAMESPACE, name)]) for name in namespaces)
    return Scene(pipeline, boxes, drawn, findings, where, size, collapse_above, folded, namespaces)


def _subjects(finding: Finding) -> list[tuple[str, Vertex]]:
    """The names a finding is about and their vertices: its dataset, then its node."""
    subjects = []
    if finding.dataset:
        subjects.append((finding.dataset, dataset_vertex(finding.dataset)))
    if finding.node:
        subjects.append((finding.node, node_vertex(finding.node)))
    return subjects


def shape_of(kind: str, role: Role | None, output: bool) -> Shape:
    """Nodes are boxes; datasets stadiums, parameters hexagons, data in and out parallelograms."""
    if kind == NODE:
        return Shape.NODE
    if role is Role.DATA or output:
        return Shape.IO
    return Shape.PARAMETER if role is Role.PARAMETER else Shape.DATASET


def _namespaces(
    graph: ServingGraph, roles: Mapping[Vertex, Role], outputs: set[Vertex]
) -> dict[Vertex, str]:
    """The top-level namespace each vertex is folded into.

    A node goes into its namespace; a dataset follows the node that produces it, a free
    input the namespace of all its consumers. The data input and the outputs stay apart.
    """
    dag = graph.dag
    groups: dict[Vertex, str] = {}
    for node in graph.pipeline.nodes:
        if node.namespace:
            groups[node_vertex(node.name)] = node.namespace.split(".")[0]
    for vertex in dag:
        if vertex[0] != DATASET or vertex in outputs or roles.get(vertex) is Role.DATA:
            continue
        producers = list(dag.predecessors(vertex))
        neighbours = {groups.get(v) for v in (producers or dag.successors(vertex))}
        only = neighbours.pop() if len(neighbours) == 1 else None
        if only is not None:
            groups[vertex] = only
    return groups


def _quotient(dag: nx.DiGraph, where: Mapping[Vertex, Vertex]) -> nx.DiGraph:
    """`dag` with each vertex replaced by the one drawing it (no self-loops)."""
    quotient = nx.DiGraph()
    quotient.add_nodes_from(where.values())
    quotient.add_edges_from((where[a], where[b]) for a, b in dag.edges if where[a] != where[b])
    return quotient


def _merge_cycles(where: dict[Vertex, Vertex], drawn: nx.DiGraph) -> dict[Vertex, Vertex]:
    """`where`, each cycle of boxes folded into one namespace box named after its namespaces."""
    merged: dict[Vertex, Vertex] = {}
    for component in nx.strongly_connected_components(drawn):
        if len(component) > 1:
            name = " + ".join(sorted(name for kind, name in component if kind == NAMESPACE))
            merged.update(dict.fromkeys(component, (NAMESPACE, name)))
    return {vertex: merged.get(shown, shown) for vertex, shown in where.items()}
