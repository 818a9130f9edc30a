"""Rules about the data input: the data sent with each prediction request (SC1xx)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from kedro.io.core import is_parameter

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.classify import data_input_candidates, is_persisted
from kedro_servecheck.analysis.targets import InputOrigin
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.catalog.resolve import DatasetSpec
from kedro_servecheck.findings import Finding, Location, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE, PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext

_TABULAR = (Loads.PANDAS, Loads.SPARK, Loads.NUMPY)


def _wrapped_by_mlflow(name: str, type_: str, filepath: str) -> str:
    """A catalog entry of `type_` wrapped by kedro-mlflow's MlflowArtifactDataset."""
    return (
        f"{name}:\n  type: kedro_mlflow.io.artifacts.MlflowArtifactDataset\n"
        f"  dataset:\n    type: {type_}\n    filepath: {filepath}\n"
    )


def _input_location(analysis: Analysis) -> Location | None:
    """Where the requested data input was configured, when that was pyproject.toml."""
    if analysis.spec.input_origin is InputOrigin.SETTINGS:
        return analysis.project.pyproject.locate("pipelines", analysis.name)
    return analysis.project.registry_location


def _data_spec(analysis: Analysis) -> DatasetSpec | None:
    """The catalog spec of the data input, when it is declared in the catalog."""
    if analysis.data_input is None:
        return None
    spec = analysis.catalog.spec(analysis.data_input)
    return spec if spec.declared or is_persisted(spec) else None


def _data_input_loading(rule: Rule, ctx: RuleContext, loads: Loads, says: str) -> Iterator[Finding]:
    """`rule`'s finding when the data input's declared type is known to load `loads`."""
    spec = _data_spec(ctx.analysis)
    info = spec.inner_type.info if spec else None
    if spec and info and info.loads is loads:
        yield rule.finding(
            ctx, f"data input '{spec.name}' is a {spec.type_label}{says}", dataset=spec.name
        )


class DataInputUnknown(Rule):
    """Fires when the data input asked for is not a free input of the pipeline.

    ## What it does
    Checks that the data input given by `--input`, by [tool.servecheck] or by a
    PipelineML's `input_name` is a free input of the serving pipeline.

    ## Why it matters
    The served model fills the data input with each request. A name that no node reads,
    or that a node produces, would leave the request unused and the real input missing.

    ## How to fix
    Give the name of a free input (the message lists the closest ones).
    """

    code = "SC101"
    name = "data-input-unknown"
    severity = Severity.ERROR
    valid = (Example(PREDICT, MODEL, files=MODEL_FILE, input="features"),)
    invalid = (
        Example(
            PREDICT,
            MODEL,
            files=MODEL_FILE,
            input="feature",
            expect_message="data input 'feature' (--input) is not read by any node",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        requested = analysis.spec.input
        if not requested or analysis.data_input is not None or not analysis.pipeline.nodes:
            return
        free = [n for n in analysis.graph.free_inputs if not is_parameter(n)]
        close = difflib.get_close_matches(requested, free, n=3, cutoff=0.5)
        produced = requested in analysis.pipeline.all_outputs()
        reason = "is produced by a node of the pipeline" if produced else "is not read by any node"
        origin = analysis.spec.input_origin.value if analysis.spec.input_origin else "asked for"
        yield self.finding(
            ctx,
            f"data input '{requested}' ({origin}) {reason}; "
            f"free inputs: {', '.join(free) or 'none'}",
            dataset=requested,
            location=_input_location(analysis),
            hint=f"did you mean '{close[0]}'?" if close else None,
        )


class DataInputUndetermined(Rule):
    """Fires when no data input is given, and zero or several free inputs could be it.

    ## What it does
    When no data input is given, infers it: the one free input that is neither a
    parameter nor persisted in the catalog. Fires when there is no such input, or several.

    ## Why it matters
    A served pipeline takes exactly one input from the request. With several candidates
    the others would have no value at predict time; with none, the request has nowhere to go.

    ## How to fix
    Name the data input: `--input NAME`, or `input = "NAME"` in
    [tool.servecheck.pipelines.<pipeline>].
    """

    code = "SC102"
    name = "data-input-undetermined"
    severity = Severity.ERROR
    valid = (Example(PREDICT, MODEL, files=MODEL_FILE),)
    invalid = (
        Example(
            "predict(features, extra) -> predictions",
            expect_message="2 free inputs could be the data input: extra, features",
        ),
        Example(
            PREDICT,
            MODEL + "features:\n  type: pandas.CSVDataset\n  filepath: data/features.csv\n",
            files=(*MODEL_FILE, "data/features.csv"),
            expect_message="no free input can be the data input",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        if analysis.spec.input or analysis.data_input or not analysis.pipeline.nodes:
            return
        candidates = data_input_candidates(analysis.graph.free_inputs, analysis.catalog)
        hint: str | None
        if candidates:
            message = (
                f"{len(candidates)} free inputs could be the data input: {', '.join(candidates)}"
            )
            hint = f"pass --input {candidates[0]} (or another of them) and persist the rest"
        else:
            tabular = [
                free.name
                for free in analysis.inputs
                if free.spec
                and free.spec.inner_type.info
                and free.spec.inner_type.info.loads in _TABULAR
            ]
            message = "no free input can be the data input: every one is persisted or a parameter"
            hint = (
                f"pass --input {tabular[0]} to serve with it as the data input" if tabular else None
            )
        yield self.finding(ctx, message, location=analysis.project.registry_location, hint=hint)


class DataInputType(Rule):
    """Fires when the data input's dataset type cannot load a DataFrame or an array.

    ## What it does
    Checks that the data input's catalog type loads a pandas DataFrame, a spark DataFrame
    or a numpy array. JSON, YAML, text, images, partitions and the like do not.

    ## Why it matters
    MLflow hands the served model a DataFrame (or an array) built from the request. A node
    written for a dict or a string fails on the first request, after deployment.

    ## How to fix
    Point the data input at a tabular dataset (pandas.CSVDataset, pandas.ParquetDataset…),
    or add a node that turns the DataFrame into what the pipeline expects.
    """

    code = "SC103"
    name = "data-input-type"
    severity = Severity.ERROR
    valid = (
        Example(
            PREDICT,
            MODEL + "features:\n  type: pandas.CSVDataset\n  filepath: data/f.csv\n",
            files=MODEL_FILE,
            input="features",
        ),
    )
    invalid = (
        Example(
            "predict(request, model) -> predictions",
            MODEL + "request:\n  type: json.JSONDataset\n  filepath: data/r.json\n",
            files=MODEL_FILE,
            input="request",
            expect_message="does not load a DataFrame or an array",
            expect_line=4,
        ),
        Example(
            "predict(request, model) -> predictions",
            MODEL + _wrapped_by_mlflow("request", "json.JSONDataset", "data/r.json"),
            files=MODEL_FILE,
            input="request",
            expect_message="is a json.JSONDataset (wrapped by kedro_mlflow.io.artifacts.",
            expect_line=4,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from _data_input_loading(
            self, ctx, Loads.OTHER, ", which does not load a DataFrame or an array"
        )


class DataInputTypeUnknown(Rule):
    """Fires when the data input's type is unknown until loaded (pickle, custom class).

    ## What it does
    Warns when the data input's catalog type can hold anything (a pickle) or is a custom
    class: what it loads is only known at run time.

    ## Why it matters
    If it is not a DataFrame or an array in training, the served model will see a
    different type than the pipeline was written for.

    ## How to fix
    Declare the data input as a tabular dataset type, or leave it out of the catalog.
    """

    code = "SC104"
    name = "data-input-type-unknown"
    severity = Severity.WARNING
    valid = (
        Example(PREDICT, MODEL, files=MODEL_FILE),
        Example(
            PREDICT,
            MODEL + _wrapped_by_mlflow("features", "pandas.CSVDataset", "data/f.csv"),
            files=MODEL_FILE,
            input="features",
        ),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL + "features:\n  type: pickle.PickleDataset\n  filepath: data/f.pkl\n",
            files=MODEL_FILE,
            input="features",
            expect_message="whether it loads a DataFrame or an array is only known at run time",
            expect_line=4,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        spec = _data_spec(ctx.analysis)
        if spec is None or spec.is_memory:
            return
        info = spec.inner_type.info
        if info is None or info.loads is Loads.ANY:
            yield self.finding(
                ctx,
                f"data input '{spec.name}' is a {spec.type_label}: whether it loads a DataFrame "
                "or an array is only known at run time",
                dataset=spec.name,
            )


class DataInputSpark(Rule):
    """Fires when the data input is a spark DataFrame; served requests arrive as pandas.

    ## What it does
    Warns when the data input's catalog type loads a spark DataFrame.

    ## Why it matters
    MLflow's pyfunc server passes a pandas DataFrame to predict. Nodes that call spark
    methods on their input fail unless the model converts it (or runs as a spark_udf).

    ## How to fix
    Make the inference nodes accept pandas (transcode the input, `x@pandas`), or convert
    the request to spark in a first node.
    """

    code = "SC105"
    name = "data-input-spark"
    severity = Severity.WARNING
    valid = (
        Example(
            "predict(features@pandas, model) -> predictions",
            MODEL + "features@pandas:\n  type: pandas.ParquetDataset\n  filepath: data/f.parquet\n",
            files=MODEL_FILE,
            input="features@pandas",
        ),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL + "features:\n  type: spark.SparkDataset\n  filepath: data/f.parquet\n",
            files=MODEL_FILE,
            input="features",
            expect_message="served requests arrive as a pandas DataFrame",
            expect_line=4,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from _data_input_loading(
            self, ctx, Loads.SPARK, ": served requests arrive as a pandas DataFrame"
        )
