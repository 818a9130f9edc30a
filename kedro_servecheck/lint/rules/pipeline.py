"""Rules about the shape of the serving pipeline (SC0xx)."""

from __future__ import annotations

from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules.base import Example, Rule


class EmptyPipeline(Rule):
    code = "SC001"
    name = "empty-pipeline"
    severity = Severity.ERROR
    summary = "the serving pipeline has no node"
    what = "Checks that the serving pipeline has at least one node."
    why = (
        "An empty pipeline serves nothing: MLflow would load a model whose predict returns no\n"
        "output. It usually means `create_pipeline()` returned `Pipeline([])` or that a filter\n"
        "(tags, namespaces) removed every node."
    )
    fix = "Register the inference nodes under this pipeline name, or check another pipeline."
    valid = (Example("predict(features) -> predictions"),)
    invalid = (Example(""),)

    def check(self, analysis):
        if not analysis.pipeline.nodes:
            yield self.finding(
                analysis,
                f"pipeline '{analysis.name}' has no node",
                location=analysis.project.registry_location,
            )


class OutputCount(Rule):
    code = "SC002"
    name = "output-count"
    severity = Severity.ERROR
    summary = "the serving pipeline does not have exactly one output"
    what = (
        "Checks that the serving pipeline has exactly one output (a dataset that no node\n"
        "consumes): the prediction. With `--output NAME` the pipeline is pruned to the nodes\n"
        "that output needs, and the rule reports what was dropped as info."
    )
    why = (
        "An MLflow pyfunc model returns one object. kedro-mlflow refuses a PipelineML whose\n"
        "inference pipeline has several outputs, but only when the training run starts."
    )
    fix = (
        'Choose the prediction with `--output NAME` (or `output = "NAME"` in '
        "[tool.servecheck.pipelines.<pipeline>]), or remove the extra outputs."
    )
    valid = (
        Example("predict(features) -> predictions"),
        Example(
            "predict(features) -> predictions\nexplain(features) -> report", output="predictions"
        ),
    )
    invalid = (Example("predict(features) -> predictions\nexplain(features) -> report"),)

    def check(self, analysis):
        if not analysis.pipeline.nodes:
            return
        outputs = analysis.outputs
        if analysis.pruned_outputs and len(analysis.pruned_outputs) > 1:
            dropped = sorted(set(analysis.pruned_outputs) - set(outputs))
            yield self.finding(
                analysis,
                f"pipeline pruned to the output '{analysis.spec.output}' "
                f"({len(analysis.pipeline.nodes)} nodes kept); not served: {', '.join(dropped)}",
                dataset=analysis.spec.output,
                location=None,
                severity=Severity.INFO,
                hint="nothing to do: remove --output once the pipeline has a single output",
            )
        if len(outputs) != 1:
            yield self.finding(
                analysis,
                f"pipeline '{analysis.name}' has {len(outputs)} outputs "
                f"({', '.join(outputs) or 'none'}); a served model returns exactly one",
                location=analysis.project.registry_location,
            )


RULES = (EmptyPipeline(), OutputCount())
