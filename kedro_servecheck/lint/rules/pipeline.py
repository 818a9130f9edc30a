"""Rules about the shape of the serving pipeline (SC0xx)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kedro_servecheck.analysis.graph import ServingGraph
from kedro_servecheck.analysis.persisted_writes import inference_look_alikes, persisted_writes
from kedro_servecheck.catalog.resolve import display_path
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE, PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext

_ALTERNATIVES_SHOWN = 3  # SC002's hint spells out `--output NAME` for this many outputs at most
_PREDICTIONS_TABLE = """\
predictions:
  type: pandas.CSVDataset
  filepath: data/07_model_output/predictions.csv
"""
_METRICS = """\
metrics:
  type: json.JSONDataset
  filepath: data/08_reporting/metrics.json
"""


class EmptyPipeline(Rule):
    """Fires when the serving pipeline has no node.

    ## What it does
    Checks that the serving pipeline has at least one node.

    ## Why it matters
    An empty pipeline serves nothing: MLflow would load a model whose predict returns no
    output. It usually means `create_pipeline()` returned `Pipeline([])` or that a filter
    (tags, namespaces) removed every node.

    ## How to fix
    Register the inference nodes under this pipeline name, or check another pipeline.
    """

    code = "SC001"
    name = "empty-pipeline"
    severity = Severity.ERROR
    valid = (Example("predict(features) -> predictions"),)
    invalid = (Example("", expect_message="pipeline 'inference' has no node"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        if not analysis.pipeline.nodes:
            yield self.finding(
                ctx,
                f"pipeline '{analysis.name}' has no node",
                location=analysis.project.registry_location,
            )


class OutputCount(Rule):
    """Fires when the serving pipeline does not have exactly one output.

    ## What it does
    Checks that the serving pipeline has exactly one output (a dataset that no node
    consumes): the prediction. It names the node that returns each output. It does not
    choose one: no output of a pipeline is derived from another (a node that read one
    would make it an intermediate), so nothing in the graph tells the prediction from a
    summary that the same node returns.

    ## Why it matters
    An MLflow pyfunc model returns one object. kedro-mlflow refuses a pipeline with several
    outputs: `pipeline_ml_factory` when the registry builds the PipelineML, and
    `KedroPipelineModel` (`kedro mlflow modelify`) when it wraps the pipeline.

    ## How to fix
    Choose the prediction with `--output NAME` (or `output = "NAME"` in
    [tool.servecheck.pipelines.<pipeline>]), or remove the extra outputs.
    """

    code = "SC002"
    name = "output-count"
    severity = Severity.ERROR
    valid = (
        Example("predict(features) -> predictions"),
        Example(
            "predict(features) -> predictions\nexplain(features) -> report", output="predictions"
        ),
        Example("predict(features) -> predictions, summary", output="predictions"),
    )
    invalid = (
        Example(
            "predict(features) -> predictions\nexplain(features) -> report",
            expect_message="has 2 outputs (predictions from node 'predict', report from node",
        ),
        Example(
            "predict(features) -> predictions, summary",
            expect_message="has 2 outputs (predictions, summary, both returned by node 'predict')",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        outputs = analysis.outputs
        if not analysis.pipeline.nodes or len(outputs) == 1:
            return
        hint = None
        if 1 < len(outputs) <= _ALTERNATIVES_SHOWN:
            hint = (
                f"serve one of them: {' or '.join(f'`--output {name}`' for name in outputs)} (or"
                f' `output = "NAME"` in [tool.servecheck.pipelines.{analysis.name}]), or remove'
                " the others"
            )
        yield self.finding(
            ctx,
            f"pipeline '{analysis.name}' has {len(outputs)} outputs "
            f"({_with_producers(analysis.graph, outputs)}); a served model returns exactly one",
            location=analysis.project.registry_location,
            hint=hint,
        )


class OutputPruned(Rule):
    """Fires when `--output` leaves outputs of the pipeline unserved.

    ## What it does
    With `--output NAME` (or `output` in [tool.servecheck.pipelines.<pipeline>]) the
    pipeline is pruned to the nodes that output needs. This names what is not served: the
    outputs whose nodes no longer run, and the other outputs of the nodes kept (a node that
    returns `predictions` and `summary`), which are computed, then dropped.

    ## Why it matters
    The served model returns only the chosen output, and the nodes that only the others need
    do not run. A kept node still computes all its outputs: serving one output of a node
    that returns several is what `--output` is for. kedro-mlflow cannot do that:
    `KedroPipelineModel` and `pipeline_ml_factory` refuse a pipeline whose node returns two
    outputs that nothing reads, even after `pipeline.to_outputs(NAME)`.

    ## How to fix
    Nothing to do. When a dropped output is costly, return it from a node of its own.
    """

    code = "SC003"
    name = "output-pruned"
    severity = Severity.INFO
    valid = (Example("predict(features) -> predictions", output="predictions"),)
    invalid = (
        Example(
            "predict(features) -> predictions\nexplain(features) -> report",
            output="predictions",
            expect_message="not served: report (its node does not run)",
        ),
        Example(
            "predict(features) -> predictions, summary",
            output="predictions",
            expect_message="not served: summary (computed by node 'predict', then dropped)",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        graph = analysis.graph
        if not analysis.pipeline.nodes or analysis.pruned_outputs is None:
            return
        unserved = [
            f"{name} (computed by node '{_producer_name(graph, name)}', then dropped)"
            for name in graph.dropped_outputs
        ] + [
            f"{name} (its node does not run)"
            for name in analysis.pruned_outputs
            if graph.producer(name) is None
        ]
        if unserved:
            kept = len(analysis.pipeline.nodes)
            yield self.finding(
                ctx,
                f"pipeline pruned to the output '{analysis.spec.output}' ({kept} "
                f"{'node' if kept == 1 else 'nodes'} kept); not served: {', '.join(unserved)}",
                dataset=analysis.spec.output,
                location=None,
            )


class PipelineWritesDatasets(Rule):
    """Fires when the nodes of the serving pipeline save persisted datasets.

    ## What it does
    Lists the datasets that the nodes of the serving pipeline write to persisted catalog
    entries: the intermediate ones too (a model that a later node evaluates). The output the
    model serves counts too, unless it is saved as a table: batch scoring saves its
    predictions as a table, while training and reporting save models, metrics and plots. The
    fix names the registered pipelines that load what this one saves and save nothing: the
    inference pipeline, most likely.

    ## Why it matters
    A pipeline that saves datasets trains, reports or prepares data. Served, its nodes run
    on every request: a model would be fitted again on each request's rows. Nothing is
    saved: the served model (servecheck's, and kedro-mlflow's `KedroPipelineModel`) keeps
    every dataset in memory.

    ## How to fix
    Serve the inference pipeline instead (`--pipeline NAME`): the one that loads what this
    pipeline saves. If this is the inference pipeline, keep its intermediate datasets in
    memory (remove their catalog entries), or ignore this finding for them.
    """

    code = "SC004"
    name = "pipeline-writes-datasets"
    severity = Severity.WARNING
    valid = (
        Example(
            PREDICT,
            MODEL + _PREDICTIONS_TABLE,
            files=MODEL_FILE,
            input="features",
        ),
        Example("clean(raw) -> features\n" + PREDICT, MODEL, files=MODEL_FILE, input="raw"),
    )
    invalid = (
        Example(
            "train(table) -> model\nevaluate(model, table) -> metrics",
            MODEL + _METRICS,
            input="table",
            expect_message=(
                "saves model (node 'train', data/06_models/model.pkl) and metrics (node"
                " 'evaluate', data/08_reporting/metrics.json), as training, reporting and"
            ),
            expect_line=1,
        ),
        Example(
            "train(table) -> model",
            MODEL,
            input="table",
            expect_message="saves model (node 'train', data/06_models/model.pkl)",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        writes = persisted_writes(analysis.pipeline, analysis.catalog, analysis.outputs)
        if not writes:
            return
        root = analysis.project.root
        saved = _and(
            f"{write.dataset} (node '{write.node}', "
            f"{display_path(write.spec, root) or write.spec.type_label})"
            for write in writes
        )
        look_alikes = inference_look_alikes(
            analysis.project.pipelines, analysis.catalog, writes, analysis.name
        )
        hint = None
        if look_alikes:
            hint = "serve the pipeline that loads what this one saves and saves nothing: " + (
                " or ".join(
                    f"`--pipeline {other.pipeline}` (it reads {', '.join(other.reads)})"
                    for other in look_alikes
                )
            )
        first = writes[0]
        yield self.finding(
            ctx,
            f"pipeline '{analysis.name}' saves {saved}, as training, reporting and data"
            " processing pipelines do: served, its nodes would run on every request and save"
            " nothing",
            dataset=first.dataset,
            node=first.node,
            hint=hint,
        )


def _with_producers(graph: ServingGraph, outputs: list[str]) -> str:
    """`a, b, both returned by node 'n'`, or `a from node 'm', b from node 'n'`."""
    producers = [_producer_name(graph, name) for name in outputs]
    if len(outputs) > 1 and len(set(producers)) == 1:
        every = "both" if len(outputs) == 2 else "all"
        return f"{', '.join(outputs)}, {every} returned by node '{producers[0]}'"
    return (
        ", ".join(
            f"{name} from node '{node}'" for name, node in zip(outputs, producers, strict=True)
        )
        or "none"
    )


def _producer_name(graph: ServingGraph, dataset: str) -> str:
    producer = graph.producer(dataset)
    return producer.name if producer else "none"


def _and(items: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    listed = list(items)
    return ", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else listed[0]
