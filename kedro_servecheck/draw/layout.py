"""Coordinates for a DAG drawn left to right, one column per topological layer.

Layers come from networkx's topological generations, with each source pulled right to just
before its first consumer (a parameter read by the last node sits next to it, not in the first
column), so every edge goes from a column to one on its right. Within a column, vertices are
ordered by a few barycentre sweeps to reduce crossings, then stacked and centred.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import networkx as nx

SWEEPS = 4  # barycentre passes, each one left to right then right to left
V = TypeVar("V", bound=Hashable)  # a vertex


@dataclass(frozen=True)
class Layout(Generic[V]):
    """Where each vertex goes: `boxes[v]` is (x, y, width, height), top-left origin."""

    layers: dict[V, int]
    boxes: dict[V, tuple[float, float, float, float]]
    width: float
    height: float


def layers(dag: nx.DiGraph) -> dict[Any, int]:
    """The column of each vertex: its topological generation, sources pulled right."""
    layer = {
        vertex: index
        for index, generation in enumerate(nx.topological_generations(dag))
        for vertex in generation
    }
    for vertex in dag:
        if dag.in_degree(vertex) == 0 and dag.out_degree(vertex):
            layer[vertex] = min(layer[successor] for successor in dag.successors(vertex)) - 1
    return layer


def columns(dag: nx.DiGraph, layer: Mapping[V, int], order: Iterable[V]) -> list[list[V]]:
    """The vertices of each layer, top to bottom: `order` first, then barycentre sweeps."""
    result: list[list[V]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for vertex in order:
        result[layer[vertex]].append(vertex)
    position = _positions(result)
    for _ in range(SWEEPS):
        for stack in result[1:]:
            _reorder(stack, dag.predecessors, position)
        for stack in reversed(result[:-1]):
            _reorder(stack, dag.successors, position)
    return result


def place(
    dag: nx.DiGraph,
    size: Callable[[V], tuple[float, float]],
    order: Iterable[V] | None = None,
    *,
    gap_x: float = 32,
    gap_y: float = 14,
    margin: float = 12,
) -> Layout[V]:
    """Lay `dag` out; `size(v)` is a vertex's (width, height), `order` the initial order."""
    layer = layers(dag)
    stacks = columns(dag, layer, order if order is not None else dag)
    sizes = {vertex: size(vertex) for vertex in dag}
    heights = [sum(sizes[v][1] for v in stack) + gap_y * (len(stack) - 1) for stack in stacks]
    height = max(heights, default=0)
    boxes = {}
    x = margin
    for stack, stack_height in zip(stacks, heights, strict=True):
        column_width = max(sizes[v][0] for v in stack)
        y = margin + (height - stack_height) / 2
        for vertex in stack:
            width, box_height = sizes[vertex]
            boxes[vertex] = (x + (column_width - width) / 2, y, width, box_height)
            y += box_height + gap_y
        x += column_width + gap_x
    width = x - gap_x + margin if stacks else 2 * margin
    return Layout(layer, boxes, width, height + 2 * margin)


Neighbours = Callable[[V], Iterable[V]]  # a vertex's predecessors or successors


def _reorder(stack: list[V], neighbours: Neighbours[V], position: dict[V, float]) -> None:
    """Sort a column by the barycentre of each vertex's neighbours on one side (stable)."""
    stack.sort(key=lambda vertex: _barycentre(vertex, neighbours, position))
    position.update(_positions([stack]))


def _positions(stacks: Iterable[list[V]]) -> dict[V, float]:
    """Each vertex's offset from the middle of its column (as it will be drawn, centred)."""
    return {
        vertex: index - (len(stack) - 1) / 2
        for stack in stacks
        for index, vertex in enumerate(stack)
    }


def _barycentre(vertex: V, neighbours: Neighbours[V], position: Mapping[V, float]) -> float:
    """The mean position of the vertex's neighbours on one side; its own when it has none."""
    around = [position[v] for v in neighbours(vertex)]
    return sum(around) / len(around) if around else position[vertex]
