"""A Kedro pipeline as a networkx DAG of dataset and node vertices.

The DAG is built, and networkx imported, the first time something walks it (`--output`, the
graph drawings): most checks never do. Building it took a third of the analysis of a large
pipeline, and importing networkx most of what a check adds to loading a small project
(docs/benchmarks.md).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from kedro.pipeline import Node, Pipeline
from kedro.pipeline.transcoding import TRANSCODING_SEPARATOR

from kedro_servecheck.errors import UsageError

if TYPE_CHECKING:
    import networkx as nx

DATASET = "dataset"
NODE = "node"


def untranscoded(name: str) -> str:
    """`x` for `x@pandas`: the dataset a transcoded name stands for."""
    return name.partition(TRANSCODING_SEPARATOR)[0]


def dataset_vertex(name: str) -> tuple[str, str]:
    """The vertex of a dataset; transcoded names (`x@pandas`) share the vertex of `x`."""
    return (DATASET, untranscoded(name))


def node_vertex(name: str) -> tuple[str, str]:
    """The vertex of a node."""
    return (NODE, name)


@dataclass(frozen=True)
class ServingGraph:
    """The serving pipeline and its bipartite DAG (datasets → nodes → datasets).

    `served` is the output `--output` chose (as its node writes it), else None: the outputs
    are then every dataset no node consumes.
    """

    pipeline: Pipeline
    served: str | None = None

    @cached_property
    def dag(self) -> nx.DiGraph:
        """A vertex per node and per dataset, an edge per read and per write (`as_name`: the
        dataset's name as the node uses it)."""
        import networkx as nx

        dag = nx.DiGraph()
        for node in self.pipeline.nodes:
            vertex = node_vertex(node.name)
            dag.add_node(vertex, kind=NODE)
            for name in node.inputs:
                dag.add_node(dataset_vertex(name), kind=DATASET)
                dag.add_edge(dataset_vertex(name), vertex, as_name=name)
            for name in node.outputs:
                dag.add_node(dataset_vertex(name), kind=DATASET)
                dag.add_edge(vertex, dataset_vertex(name), as_name=name)
        return dag

    @cached_property
    def free_inputs(self) -> list[str]:
        """Datasets no node produces, with their transcoding suffix, sorted."""
        return sorted(self.pipeline.inputs())

    @cached_property
    def outputs(self) -> list[str]:
        """What the served model returns: the served output, else the datasets no node
        consumes, sorted."""
        return [self.served] if self.served else self.free_outputs

    @cached_property
    def free_outputs(self) -> list[str]:
        """Datasets no node consumes, sorted."""
        return sorted(self.pipeline.outputs())

    @cached_property
    def dropped_outputs(self) -> list[str]:
        """Datasets no node consumes that are not served: a kept node computes them (beside
        what it passes on), and the served model drops them."""
        return [name for name in self.free_outputs if name not in self.outputs]

    def producer(self, dataset: str) -> Node | None:
        """The node that writes `dataset` (any transcoding), None for a free input."""
        return self._producers.get(dataset_vertex(dataset))

    @cached_property
    def _producers(self) -> dict[tuple[str, str], Node]:
        return {dataset_vertex(name): node for node in self.pipeline.nodes for name in node.outputs}

    def consumers(self, dataset: str) -> list[Node]:
        """The nodes that read `dataset`, in the pipeline's execution order."""
        return list(self._consumers.get(dataset_vertex(dataset), ()))

    @cached_property
    def _consumers(self) -> dict[tuple[str, str], list[Node]]:
        """Dataset vertex -> the nodes that read it, in order: the nodes are listed once, not
        once for every finding that points at a dataset's first reader."""
        found: dict[tuple[str, str], list[Node]] = {}
        for node in self.pipeline.nodes:
            for vertex in dict.fromkeys(dataset_vertex(name) for name in node.inputs):
                found.setdefault(vertex, []).append(node)
        return found

    def pruned_to(self, output: str) -> ServingGraph:
        """The part of the pipeline that `output` needs, serving `output`.

        The nodes that `output` needs are kept whole: the other outputs of a node that
        returns several (`predictions, summary`) are still computed, then dropped.
        """
        import networkx as nx

        vertex = dataset_vertex(output)
        if vertex not in self.dag or not any(self.dag.predecessors(vertex)):
            produced = sorted(
                name
                for kind, name in self.dag
                if kind == DATASET and any(self.dag.predecessors((kind, name)))
            )
            close = difflib.get_close_matches(output, produced, n=3)
            raise UsageError(
                f"--output '{output}' is not produced by any node of the pipeline",
                hint=(
                    f"did you mean {', '.join(close)}?"
                    if close
                    else f"produced datasets: {', '.join(produced) or 'none'} (`--output` names"
                    " a dataset; `servecheck export` writes the model to --model-dir DIR)"
                ),
            )
        keep = [name for kind, name in nx.ancestors(self.dag, vertex) if kind == NODE]
        (written,) = {data["as_name"] for _, _, data in self.dag.in_edges(vertex, data=True)}
        return ServingGraph(self.pipeline.only_nodes(*keep), served=written)
