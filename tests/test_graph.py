"""ServingGraph (kedro_servecheck.graph) and free-input roles (kedro_servecheck.classify).

Pipelines are built in-process from module-level functions; the graph's views are compared
with Kedro's own Pipeline queries (inputs(), outputs(), nodes order, to_outputs()).
"""

from __future__ import annotations

import logging
import textwrap
import warnings
from pathlib import Path

import networkx as nx
import pytest
from kedro.config import OmegaConfigLoader
from kedro.pipeline import Node, Pipeline

from kedro_servecheck.analysis.classify import (
    FreeInput,
    Role,
    classify,
    data_input_candidates,
    match_free_input,
)
from kedro_servecheck.analysis.graph import DATASET, NODE, ServingGraph, dataset_vertex, node_vertex
from kedro_servecheck.catalog.resolve import Catalog, Source
from kedro_servecheck.errors import ServecheckError, UsageError
from kedro_servecheck.load.locations import ConfLocations

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def identity(x):
    return x


def combine(a, b):
    return a


def pipeline() -> Pipeline:
    """Nodes given out of execution order; a node and a dataset share the name 'clean'."""
    return Pipeline(
        [
            Node(combine, ["clean", "report"], "summary", name="a_late"),
            Node(identity, "clean", "report", name="z_early"),
            Node(combine, ["raw@pandas", "params:clean"], "clean", name="clean"),
            Node(combine, ["clean", "lookup"], "features@spark", name="features_node"),
            Node(combine, ["features@pandas", "model"], "predictions", name="predict_node"),
        ]
    )


@pytest.fixture
def graph() -> ServingGraph:
    return ServingGraph(pipeline())


# -- vertices and edges ------------------------------------------------------------------------


def test_vertices_are_kind_name_tuples(graph):
    assert set(graph.dag.nodes) == {
        ("dataset", "raw"),
        ("dataset", "params:clean"),
        ("dataset", "clean"),
        ("dataset", "lookup"),
        ("dataset", "features"),
        ("dataset", "model"),
        ("dataset", "predictions"),
        ("dataset", "report"),
        ("dataset", "summary"),
        ("node", "clean"),
        ("node", "features_node"),
        ("node", "predict_node"),
        ("node", "z_early"),
        ("node", "a_late"),
    }
    assert (DATASET, NODE) == ("dataset", "node")
    assert node_vertex("clean") == ("node", "clean") != dataset_vertex("clean")
    assert all(data["kind"] == kind for (kind, _), data in graph.dag.nodes(data=True))
    assert nx.is_directed_acyclic_graph(graph.dag)
    # bipartite: every edge joins a dataset and a node
    assert all(u[0] != v[0] for u, v in graph.dag.edges)


def test_transcoded_names_share_one_dataset_vertex(graph):
    assert (
        dataset_vertex("features@pandas")
        == dataset_vertex("features@spark")
        == dataset_vertex("features")
        == ("dataset", "features")
    )
    assert not any(name.startswith("features@") for _, name in graph.dag.nodes)
    # the edges keep the name as the node uses it (the catalog key)
    assert (
        graph.dag.edges[("node", "features_node"), ("dataset", "features")]["as_name"]
        == "features@spark"
    )
    assert (
        graph.dag.edges[("dataset", "features"), ("node", "predict_node")]["as_name"]
        == "features@pandas"
    )
    assert graph.dag.edges[("dataset", "raw"), ("node", "clean")]["as_name"] == "raw@pandas"
    # the transcoded dataset links its producer and its consumer
    assert nx.has_path(graph.dag, ("node", "features_node"), ("node", "predict_node"))


def test_free_inputs_and_outputs_equal_kedros(graph):
    kedro = pipeline()
    assert graph.free_inputs == sorted(kedro.inputs())
    assert graph.free_inputs == ["lookup", "model", "params:clean", "raw@pandas"]
    assert graph.outputs == sorted(kedro.outputs())
    assert graph.outputs == ["predictions", "summary"]


def test_free_inputs_keep_each_transcoded_spelling():
    kedro = Pipeline(
        [
            Node(identity, "src@pandas", "o1", name="n1"),
            Node(identity, "src@spark", "o2", name="n2"),
        ]
    )
    graph = ServingGraph(kedro)
    assert graph.free_inputs == sorted(kedro.inputs()) == ["src@pandas", "src@spark"]
    assert [node.name for node in graph.consumers("src")] == ["n1", "n2"]


def test_consumers_are_in_execution_order(graph):
    kedro_order = [node.name for node in pipeline().nodes]
    consumers = [node.name for node in graph.consumers("clean")]
    # z_early runs before a_late (a_late reads its output), whatever the alphabet says
    assert consumers == ["features_node", "z_early", "a_late"]
    assert consumers == [name for name in kedro_order if name in consumers]
    assert [node.name for node in graph.consumers("features@pandas")] == ["predict_node"]
    assert [node.name for node in graph.consumers("features")] == ["predict_node"]
    assert [node.name for node in graph.consumers("raw@pandas")] == ["clean"]
    assert graph.consumers("summary") == []
    assert graph.consumers("not_in_pipeline") == []


# -- pruning -------------------------------------------------------------------------------------


def test_pruned_to_keeps_exactly_the_ancestors(graph):
    pruned = graph.pruned_to("predictions")
    expected = pipeline().to_outputs("predictions")

    assert {node.name for node in pruned.pipeline.nodes} == {
        "clean",
        "features_node",
        "predict_node",
    }
    assert {node.name for node in pruned.pipeline.nodes} == {n.name for n in expected.nodes}
    assert ("node", "z_early") not in pruned.dag
    assert ("node", "a_late") not in pruned.dag
    assert ("dataset", "report") not in pruned.dag
    assert ("dataset", "summary") not in pruned.dag
    assert pruned.free_inputs == sorted(expected.inputs())
    assert pruned.outputs == ["predictions"]
    # the original graph is untouched
    assert ("node", "a_late") in graph.dag


@pytest.mark.parametrize(
    ("output", "nodes"),
    [
        ("clean", {"clean"}),  # a produced intermediate dataset is allowed
        ("report", {"clean", "z_early"}),
        ("summary", {"clean", "z_early", "a_late"}),
        ("features@pandas", {"clean", "features_node"}),
        ("features", {"clean", "features_node"}),
    ],
)
def test_pruned_to_other_outputs(graph, output, nodes):
    assert {node.name for node in graph.pruned_to(output).pipeline.nodes} == nodes


PRODUCED = (
    "produced datasets: clean, features, predictions, report, summary (`--output` names a"
    " dataset; `servecheck export` writes the model to --model-dir DIR)"
)


@pytest.mark.parametrize(
    ("output", "hint"),
    [
        ("predictons", "did you mean predictions?"),
        ("sumary", "did you mean summary?"),
        ("zzz", PRODUCED),
        # free inputs exist in the graph but no node produces them
        ("raw@pandas", PRODUCED),
        ("model", PRODUCED),
    ],
)
def test_pruned_to_unknown_or_not_produced_raises_usage_error(graph, output, hint):
    with pytest.raises(UsageError) as caught:
        graph.pruned_to(output)
    error = caught.value
    assert isinstance(error, ServecheckError)
    assert error.exit_code == 2
    assert error.what == f"--output '{output}' is not produced by any node of the pipeline"
    assert error.hint == hint
    assert f"hint: {hint}" in str(error)


def two_outputs(x):
    return x, x


def test_pruned_to_one_output_of_a_node_that_returns_two():
    """The node is kept whole: it still computes `summary`, which is dropped, not served;
    Kedro's own pruning keeps both as outputs."""
    multi = Pipeline(
        [
            Node(identity, "raw", "features", name="prepare"),
            Node(two_outputs, "features", ["predictions", "summary@pandas"], name="predict"),
        ]
    )
    pruned = ServingGraph(multi).pruned_to("predictions")

    assert sorted(multi.to_outputs("predictions").outputs()) == ["predictions", "summary@pandas"]
    assert {node.name for node in pruned.pipeline.nodes} == {"prepare", "predict"}
    assert pruned.outputs == ["predictions"]
    assert pruned.free_outputs == ["predictions", "summary@pandas"]
    assert pruned.dropped_outputs == ["summary@pandas"]
    assert ServingGraph(multi).pruned_to("summary").outputs == ["summary@pandas"]
    assert ServingGraph(multi).dropped_outputs == []


def test_producer_of_a_dataset(graph):
    assert graph.producer("features@pandas").name == "features_node"
    assert graph.producer("features").name == "features_node"
    assert graph.producer("raw") is None


# -- classify ------------------------------------------------------------------------------------


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def catalog(tmp_path) -> Catalog:
    write(
        tmp_path,
        "conf/base/catalog.yml",
        """
        model:
          type: pickle.PickleDataset
          filepath: data/06_models/model.pkl

        lookup:
          type: MemoryDataset

        "{name}_table":
          type: pandas.SQLTableDataset
          table_name: "{name}"
          credentials: db

        "{name}_mem":
          type: MemoryDataset
    """,
    )
    (tmp_path / "conf/local").mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = OmegaConfigLoader(
            str(tmp_path / "conf"), base_env="base", default_run_env="local"
        )["catalog"]
    locations = ConfLocations.scan(tmp_path, tmp_path / "conf", ["base", "local"], ["catalog*"])
    logging.disable(logging.WARNING)
    yield Catalog(config, tmp_path, locations)
    logging.disable(logging.NOTSET)


FREE = [
    "customers_table",
    "lookup",
    "model",
    "parameters",
    "params:clean",
    "raw@pandas",
    "scratch_mem",
]


def test_classify_roles(catalog):
    roles = {item.name: item.role for item in classify(FREE, catalog, data_input="raw@pandas")}
    assert roles == {
        "customers_table": Role.PERSISTED,  # declared by a pattern, not memory (a SQL table)
        "lookup": Role.UNRESOLVED,  # declared, but a MemoryDataset: nothing to load
        "model": Role.PERSISTED,
        "parameters": Role.PARAMETER,
        "params:clean": Role.PARAMETER,
        "raw@pandas": Role.DATA,
        "scratch_mem": Role.UNRESOLVED,
    }


def test_classify_keeps_order_and_specs(catalog):
    classified = classify(FREE, catalog, data_input="raw@pandas")
    assert [item.name for item in classified] == FREE
    assert all(isinstance(item, FreeInput) for item in classified)
    by_name = {item.name: item for item in classified}
    assert by_name["params:clean"].spec is None
    assert by_name["parameters"].spec is None
    assert by_name["model"].spec is catalog.spec("model")
    assert by_name["raw@pandas"].spec.source is Source.DEFAULT


def test_classify_without_data_input(catalog):
    roles = {item.name: item.role for item in classify(FREE, catalog, data_input=None)}
    assert roles["raw@pandas"] is Role.UNRESOLVED
    assert Role.DATA not in roles.values()


def test_classify_data_input_wins_over_persisted(catalog):
    roles = {item.name: item.role for item in classify(FREE, catalog, data_input="model")}
    assert roles["model"] is Role.DATA
    assert roles["raw@pandas"] is Role.UNRESOLVED


def test_parameters_are_never_looked_up_in_the_catalog(catalog):
    # a parameter name given to the catalog would fall to the default MemoryDataset:
    # classify must not even ask
    classified = classify(["params:a.b", "parameters"], catalog, data_input=None)
    assert [item.role for item in classified] == [Role.PARAMETER, Role.PARAMETER]
    assert "params:a.b" not in catalog._specs
    assert "parameters" not in catalog._specs


def test_data_input_candidates(catalog):
    assert data_input_candidates(FREE, catalog) == ["lookup", "raw@pandas", "scratch_mem"]
    assert data_input_candidates(["params:x", "model"], catalog) == []


@pytest.mark.parametrize(
    ("requested", "free_inputs", "expected"),
    [
        ("raw@pandas", ["model", "raw@pandas"], "raw@pandas"),
        ("raw", ["model", "raw@pandas"], "raw@pandas"),  # without the transcoding suffix
        ("model", ["model", "raw@pandas"], "model"),
        ("src", ["src@pandas", "src@spark"], None),  # ambiguous
        ("src@spark", ["src@pandas", "src@spark"], "src@spark"),
        ("raw@spark", ["raw@pandas"], None),  # another format is not the same input
        ("missing", ["model", "raw@pandas"], None),
        ("raw", [], None),
    ],
)
def test_match_free_input(requested, free_inputs, expected):
    assert match_free_input(requested, free_inputs) == expected


def test_match_free_input_on_kedros_free_inputs():
    kedro = pipeline()
    free = ServingGraph(kedro).free_inputs
    assert match_free_input("raw", free) == "raw@pandas"
    assert match_free_input("raw", free) in kedro.inputs()
