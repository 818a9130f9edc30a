"""Rules about the shape of the serving pipeline (SC0xx)."""

from __future__ import annotations

from collections.abc import Iterator

from kedro_servecheck.analysis.graph import ServingGraph
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext

_ALTERNATIVES_SHOWN = 3  # SC002's hint spells out `--output NAME` for this many outputs at most


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
