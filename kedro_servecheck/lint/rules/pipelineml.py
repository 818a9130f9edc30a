"""Rules for kedro-mlflow's PipelineML (SC5xx)."""

from __future__ import annotations

from collections.abc import Iterator

from kedro.io.core import is_parameter

from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE, PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext
from kedro_servecheck.load import kedro_mlflow_stand_in


class PipelineMLFreeInput(Rule):
    """Fires when a PipelineML inference input is neither produced nor used by training.

    ## What it does
    For a kedro-mlflow PipelineML, applies kedro-mlflow's own consistency rule: every free
    input of the inference pipeline other than the data input and the parameters is an
    output or an input of the training pipeline.

    ## Why it matters
    kedro-mlflow logs the model at the end of the training run from that run's artifacts:
    an input training neither makes nor reads is not there, and the run fails at its end.

    ## How to fix
    Produce the input in the training pipeline (or read it there), or rename it.
    """

    code = "SC501"
    name = "pipelineml-free-input"
    severity = Severity.ERROR
    valid = (
        Example(
            PREDICT, MODEL, files=MODEL_FILE, input="features", training="train(history) -> model"
        ),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL,
            files=MODEL_FILE,
            input="features",
            training="train(history) -> estimator",
            expect_message="'model' is an inference input that the training pipeline neither",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        training = analysis.training
        if training is None:
            return
        known = training.all_outputs() | training.inputs()
        for name in analysis.graph.free_inputs:
            if name == analysis.data_input or is_parameter(name) or name in known:
                continue
            yield self.finding(
                ctx,
                f"'{name}' is an inference input that the training pipeline neither produces "
                "nor reads",
                dataset=name,
            )


class KedroMlflowStandIn(Rule):
    """Fires when kedro-mlflow is not installed here: servecheck stood in its PipelineML.

    ## What it does
    Says that this PipelineML was built by servecheck's stand-in for kedro-mlflow's
    `pipeline_ml_factory` and `PipelineML`, because the project imports `kedro_mlflow` and it
    is not installed where servecheck runs (pre-commit's isolated environment, say). The
    stand-in keeps kedro-mlflow 2.0's defaults and construction checks, with its messages:
    the pipelines, and the verdicts about them, are those of a check with kedro-mlflow
    installed. kedro-mlflow's other modules (its datasets, its hook) are stubs.

    ## Why it matters
    Without the stand-in the PipelineML would be a stub, not a pipeline, and nothing could
    be checked. With it the check is complete, but it is the stand-in's reading of
    kedro-mlflow: a release of kedro-mlflow that changes its checks would not be seen.

    ## How to fix
    Nothing to fix. To check with kedro-mlflow itself, run servecheck where it is installed
    (the `servecheck-system` pre-commit hook, or `additional_dependencies: [kedro-mlflow]`).
    """

    code = "SC503"
    name = "kedro-mlflow-stand-in"
    severity = Severity.INFO
    valid = (
        Example(
            PREDICT, MODEL, files=MODEL_FILE, input="features", training="train(features) -> model"
        ),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL,
            files=MODEL_FILE,
            input="features",
            training="train(features) -> model",
            stubbed=(kedro_mlflow_stand_in.PACKAGE,),
            expect_message="kedro-mlflow is not installed here: servecheck built this PipelineML",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        project = ctx.analysis.project
        if isinstance(project.pipelines[ctx.analysis.name], kedro_mlflow_stand_in.PipelineML):
            yield self.finding(
                ctx,
                "kedro-mlflow is not installed here: servecheck built this PipelineML with its"
                " stand-in for kedro_mlflow.pipeline (kedro-mlflow 2.0's checks and defaults);"
                " kedro-mlflow's other modules are stubs",
                location=project.stood_in_packages.get(kedro_mlflow_stand_in.PACKAGE),
            )
