"""Rules for kedro-mlflow's PipelineML (SC5xx)."""

from __future__ import annotations

from kedro.io.core import is_parameter

from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules.base import Example, Rule

_MODEL = "model:\n  type: pickle.PickleDataset\n  filepath: data/06_models/model.pkl\n"
_MODEL_FILE = ("data/06_models/model.pkl",)


class PipelineMLFreeInput(Rule):
    code = "SC501"
    name = "pipelineml-free-input"
    severity = Severity.ERROR
    summary = "a PipelineML inference input is neither produced nor used by training"
    what = (
        "For a kedro-mlflow PipelineML, applies kedro-mlflow's own consistency rule: every free\n"
        "input of the inference pipeline other than the data input and the parameters is an\n"
        "output or an input of the training pipeline."
    )
    why = (
        "kedro-mlflow logs the model at the end of the training run from that run's artifacts:\n"
        "an input training neither makes nor reads is not there, and the run fails at its end."
    )
    fix = "Produce the input in the training pipeline (or read it there), or rename it."
    valid = (
        Example(
            "predict(features, model) -> predictions",
            _MODEL,
            files=_MODEL_FILE,
            input="features",
            training="train(history) -> model",
        ),
    )
    invalid = (
        Example(
            "predict(features, model) -> predictions",
            _MODEL,
            files=_MODEL_FILE,
            input="features",
            training="train(history) -> estimator",
        ),
    )

    def check(self, analysis):
        if analysis.training is None:
            return
        training = analysis.training
        known = training.all_outputs() | training.inputs()
        for name in analysis.graph.free_inputs:
            if name == analysis.data_input or is_parameter(name) or name in known:
                continue
            yield self.finding(
                analysis,
                f"'{name}' is an inference input that the training pipeline neither produces "
                "nor reads",
                dataset=name,
            )


RULES = (PipelineMLFreeInput(),)
