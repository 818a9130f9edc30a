"""Rules about the shape of the serving pipeline (SC0xx)."""

from __future__ import annotations

from collections.abc import Iterator

from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext


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
    consumes): the prediction.

    ## Why it matters
    An MLflow pyfunc model returns one object. kedro-mlflow refuses a PipelineML whose
    inference pipeline has several outputs, but only when the training run starts.

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
    )
    invalid = (
        Example(
            "predict(features) -> predictions\nexplain(features) -> report",
            expect_message="has 2 outputs (predictions, report)",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        outputs = analysis.outputs
        if analysis.pipeline.nodes and len(outputs) != 1:
            yield self.finding(
                ctx,
                f"pipeline '{analysis.name}' has {len(outputs)} outputs "
                f"({', '.join(outputs) or 'none'}); a served model returns exactly one",
                location=analysis.project.registry_location,
            )


class OutputPruned(Rule):
    """Fires when `--output` pruned a pipeline of several outputs to the one it serves.

    ## What it does
    With `--output NAME` (or `output` in [tool.servecheck.pipelines.<pipeline>]) the
    pipeline is pruned to the nodes that output needs; this names the outputs left out.

    ## Why it matters
    The served model computes and returns only the chosen output: the others are not
    served, and the nodes that only they need do not run.

    ## How to fix
    Nothing to do: remove `--output` once the pipeline has a single output.
    """

    code = "SC003"
    name = "output-pruned"
    severity = Severity.INFO
    valid = (Example("predict(features) -> predictions", output="predictions"),)
    invalid = (
        Example(
            "predict(features) -> predictions\nexplain(features) -> report",
            output="predictions",
            expect_message="not served: report",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        before = analysis.pruned_outputs
        if analysis.pipeline.nodes and before and len(before) > 1:
            dropped = sorted(set(before) - set(analysis.outputs))
            yield self.finding(
                ctx,
                f"pipeline pruned to the output '{analysis.spec.output}' "
                f"({len(analysis.pipeline.nodes)} nodes kept); not served: {', '.join(dropped)}",
                dataset=analysis.spec.output,
                location=None,
            )
