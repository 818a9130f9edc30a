"""Rules for kedro-mlflow's PipelineML (SC5xx)."""

from __future__ import annotations

from collections.abc import Iterator

from kedro.io.core import is_parameter
from kedro.pipeline import Pipeline

from kedro_servecheck.analysis.classify import is_persisted
from kedro_servecheck.catalog.resolve import DatasetSpec, Source
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE, PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext
from kedro_servecheck.load import kedro_mlflow_stand_in

_FEATURES = "features:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/features.csv\n"
_NOT_SAVED = '"Data for MemoryDataset has not been saved yet"'


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


class PipelineMLInputName(Rule):
    """Fires when kedro-mlflow must load a PipelineML's `input_name` and it is not persisted.

    ## What it does
    Checks a kedro-mlflow PipelineML's `input_name` as kedro-mlflow uses it. When the
    `signature` in its `log_model_kwargs` is "auto" (kedro-mlflow's default), the hook loads
    `input_name` from the catalog after the last training node, to infer the model's
    signature: it must then be persisted (a catalog entry or pattern, not a MemoryDataset) or
    a free output of training (the runner keeps those). With `signature` None or a
    ModelSignature the hook never loads it. Whatever the signature, an `input_name` that
    training reads must be in the catalog, or training cannot start. A persisted `input_name`
    that training does not read passes: the hook logs the model, though
    `kedro mlflow modelify --pipeline <the PipelineML>` accepts only an input of training.

    ## Why it matters
    kedro-mlflow accepts any inference input as `input_name` when it builds the PipelineML,
    and the hook fails at the very end of the training run: "DatasetError: <name>: Data for
    MemoryDataset has not been saved yet." for an in-memory intermediate of training (the
    runner released it), "DatasetNotFoundError: Dataset '<name>' not found in the catalog" for
    a name that training does not make and the catalog does not declare. No model is logged,
    `kedro run` exits 1, and the MLflow run is still marked FINISHED.

    ## How to fix
    Make `input_name` the catalog dataset the training pipeline starts from (the served model
    then takes the data training takes, and `modelify` accepts it), or declare it as a
    persisted catalog entry; or pass `log_model_kwargs={"signature": None}` (or a
    ModelSignature) to `pipeline_ml_factory`, so that the hook does not load it.
    """

    code = "SC502"
    name = "pipelineml-input-name"
    severity = Severity.ERROR
    valid = (
        Example(
            "predict(features, model) -> predictions",
            MODEL + _FEATURES,
            files=(*MODEL_FILE, "data/01_raw/features.csv"),
            input="features",
            training="train(features) -> model",
        ),
        Example(  # a free output of training: the runner does not release it
            "predict(scaled, model) -> predictions",
            MODEL + _FEATURES,
            files=(*MODEL_FILE, "data/01_raw/features.csv"),
            input="scaled",
            training="scale(features) -> scaled\ntrain(features) -> model",
        ),
    )
    invalid = (
        Example(
            "predict(scaled, model) -> predictions",
            MODEL + _FEATURES,
            files=(*MODEL_FILE, "data/01_raw/features.csv"),
            input="scaled",
            training="scale(features) -> scaled\ntrain(scaled) -> model",
            expect_message="input_name 'scaled' is an in-memory intermediate of the training",
        ),
        Example(
            PREDICT,
            MODEL,
            files=MODEL_FILE,
            input="features",
            training="train(history) -> model",
            expect_message="fails with \"Dataset 'features' not found in the catalog\"",
        ),
        Example(
            PREDICT,
            MODEL,
            files=MODEL_FILE,
            input="features",
            training="train(features) -> model",
            expect_message="`kedro run` of the training fails before its first node",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        logged, training = analysis.model_logging, analysis.training
        if logged is None or training is None or not logged.input_name:
            return
        name = logged.input_name
        spec = analysis.catalog.spec(name)
        if is_persisted(spec):
            return
        location = spec.declared.location if spec.declared else analysis.project.registry_location
        if name in training.inputs():  # training itself cannot run, whatever the signature
            yield self.finding(
                ctx,
                f"input_name '{name}' is {_training_input_failure(name, spec)}",
                dataset=name,
                location=location,
                hint=f"declare '{name}' in the catalog as the file training reads",
            )
            return
        failure = _hook_failure(name, spec, training) if logged.infers_signature else None
        if failure:
            yield self.finding(
                ctx, f"input_name '{name}' is {failure}", dataset=name, location=location
            )


def _training_input_failure(name: str, spec: DatasetSpec) -> str:
    """How `kedro run` of the training fails on an unpersisted input that it reads."""
    if spec.source is Source.DEFAULT:
        return (
            "an input of the training pipeline that is not in the catalog: `kedro run` of the"
            f" training fails before its first node with \"Pipeline input(s) {{'{name}'}} not"
            ' found in the DataCatalog"'
        )
    return f"a MemoryDataset that the training pipeline reads: training fails with {_NOT_SAVED}"


def _hook_failure(name: str, spec: DatasetSpec, training: Pipeline) -> str | None:
    """How kedro-mlflow's hook fails to load an unpersisted `input_name` that training does
    not read, to infer the signature (None: it loads it)."""
    if name in training.outputs():
        return None
    hook = (
        "kedro-mlflow's hook loads it after the last training node, to infer the model"
        " signature, and fails with"
    )
    if name in training.all_outputs():
        return (
            "an in-memory intermediate of the training pipeline, released once read:"
            f" {hook} {_NOT_SAVED} (no model is logged)"
        )
    if spec.source is Source.DEFAULT:
        return (
            "neither in the catalog nor made by the training pipeline:"
            f" {hook} \"Dataset '{name}' not found in the catalog\" (no model is logged)"
        )
    return f"a MemoryDataset that training does not write: {hook} {_NOT_SAVED}"


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
