"""Rules for kedro-mlflow's PipelineML (SC5xx)."""

from __future__ import annotations

from collections.abc import Iterator

from kedro.io.core import is_parameter

from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE, PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext


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
