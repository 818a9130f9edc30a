"""Rules about the data input: the data sent with each prediction request (SC1xx)."""

from __future__ import annotations

import difflib

from kedro.io.core import is_parameter

from kedro_servecheck.analysis.classify import data_input_candidates, is_persisted
from kedro_servecheck.analysis.targets import InputOrigin
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules.base import Example, Rule

_MODEL = """\
model:
  type: pickle.PickleDataset
  filepath: data/06_models/model.pkl
"""
_MODEL_FILE = ("data/06_models/model.pkl",)


def _input_location(analysis):
    """Where the requested data input was configured, when that was pyproject.toml."""
    if analysis.spec.input_origin == InputOrigin.SETTINGS:
        return analysis.project.settings_location("pipelines", analysis.name)
    return analysis.project.registry_location


def _data_spec(analysis):
    """The catalog spec of the data input, when it is declared in the catalog."""
    if analysis.data_input is None:
        return None
    spec = analysis.project.catalog.spec(analysis.data_input)
    return spec if spec.declared or is_persisted(spec) else None


class DataInputUnknown(Rule):
    code = "SC101"
    name = "data-input-unknown"
    severity = Severity.ERROR
    summary = "the data input asked for is not a free input of the pipeline"
    what = (
        "Checks that the data input given by `--input`, by [tool.servecheck] or by a\n"
        "PipelineML's `input_name` is a free input of the serving pipeline."
    )
    why = (
        "The served model fills the data input with each request. A name that no node reads,\n"
        "or that a node produces, would leave the request unused and the real input missing."
    )
    fix = "Give the name of a free input (the message lists the closest ones)."
    valid = (
        Example(
            "predict(features, model) -> predictions", _MODEL, files=_MODEL_FILE, input="features"
        ),
    )
    invalid = (
        Example(
            "predict(features, model) -> predictions", _MODEL, files=_MODEL_FILE, input="feature"
        ),
    )

    def check(self, analysis):
        requested = analysis.spec.input
        if not requested or analysis.data_input is not None or not analysis.pipeline.nodes:
            return
        free = [n for n in analysis.graph.free_inputs if not is_parameter(n)]
        close = difflib.get_close_matches(requested, free, n=3, cutoff=0.5)
        produced = requested in analysis.pipeline.all_outputs()
        reason = "is produced by a node of the pipeline" if produced else "is not read by any node"
        yield self.finding(
            analysis,
            f"data input '{requested}' ({analysis.spec.input_origin}) {reason}; "
            f"free inputs: {', '.join(free) or 'none'}",
            dataset=requested,
            location=_input_location(analysis),
            hint=f"did you mean '{close[0]}'?" if close else None,
        )


class DataInputUndetermined(Rule):
    code = "SC102"
    name = "data-input-undetermined"
    severity = Severity.ERROR
    summary = "no data input given, and zero or several free inputs could be it"
    what = (
        "When no data input is given, infers it: the one free input that is neither a\n"
        "parameter nor persisted in the catalog. Fires when there is no such input, or several."
    )
    why = (
        "A served pipeline takes exactly one input from the request. With several candidates\n"
        "the others would have no value at predict time; with none, the request has nowhere to go."
    )
    fix = (
        'Name the data input: `--input NAME`, or `input = "NAME"` in '
        "[tool.servecheck.pipelines.<pipeline>]."
    )
    valid = (Example("predict(features, model) -> predictions", _MODEL, files=_MODEL_FILE),)
    invalid = (
        Example("predict(features, extra) -> predictions"),
        Example(
            "predict(features, model) -> predictions",
            _MODEL + "features:\n  type: pandas.CSVDataset\n  filepath: data/features.csv\n",
            files=_MODEL_FILE + ("data/features.csv",),
        ),
    )

    def check(self, analysis):
        if analysis.spec.input or analysis.data_input or not analysis.pipeline.nodes:
            return
        catalog = analysis.project.catalog
        candidates = data_input_candidates(analysis.graph.free_inputs, catalog)
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
                and free.spec.inner_type.info.loads in (Loads.PANDAS, Loads.SPARK, Loads.NUMPY)
            ]
            message = "no free input can be the data input: every one is persisted or a parameter"
            hint = (
                f"pass --input {tabular[0]} to serve with it as the data input" if tabular else None
            )
        yield self.finding(
            analysis, message, location=analysis.project.registry_location, hint=hint
        )


class DataInputType(Rule):
    code = "SC103"
    name = "data-input-type"
    severity = Severity.ERROR
    summary = "the data input's dataset type cannot load a DataFrame or an array"
    what = (
        "Checks that the data input's catalog type loads a pandas DataFrame, a spark DataFrame\n"
        "or a numpy array. JSON, YAML, text, images, partitions and the like do not."
    )
    why = (
        "MLflow hands the served model a DataFrame (or an array) built from the request. A node\n"
        "written for a dict or a string fails on the first request, after deployment."
    )
    fix = (
        "Point the data input at a tabular dataset (pandas.CSVDataset, pandas.ParquetDataset…),\n"
        "or add a node that turns the DataFrame into what the pipeline expects."
    )
    valid = (
        Example(
            "predict(features, model) -> predictions",
            _MODEL + "features:\n  type: pandas.CSVDataset\n  filepath: data/f.csv\n",
            files=_MODEL_FILE,
            input="features",
        ),
    )
    invalid = (
        Example(
            "predict(request, model) -> predictions",
            _MODEL + "request:\n  type: json.JSONDataset\n  filepath: data/r.json\n",
            files=_MODEL_FILE,
            input="request",
        ),
    )

    def check(self, analysis):
        spec = _data_spec(analysis)
        info = spec.inner_type.info if spec else None
        if info and info.loads is Loads.OTHER:
            yield self.finding(
                analysis,
                f"data input '{spec.name}' is a {spec.type.short}, which does not load a "
                "DataFrame or an array",
                dataset=spec.name,
            )


class DataInputTypeUnknown(Rule):
    code = "SC104"
    name = "data-input-type-unknown"
    severity = Severity.WARNING
    summary = "the data input's type is unknown until loaded (pickle, custom class)"
    what = (
        "Warns when the data input's catalog type can hold anything (a pickle) or is a custom\n"
        "class: what it loads is only known at run time."
    )
    why = (
        "If it is not a DataFrame or an array in training, the served model will see a\n"
        "different type than the pipeline was written for."
    )
    fix = "Declare the data input as a tabular dataset type, or leave it out of the catalog."
    valid = (Example("predict(features, model) -> predictions", _MODEL, files=_MODEL_FILE),)
    invalid = (
        Example(
            "predict(features, model) -> predictions",
            _MODEL + "features:\n  type: pickle.PickleDataset\n  filepath: data/f.pkl\n",
            files=_MODEL_FILE,
            input="features",
        ),
    )

    def check(self, analysis):
        spec = _data_spec(analysis)
        if spec is None or spec.is_memory:
            return
        info = spec.inner_type.info
        if info is None or info.loads is Loads.ANY:
            yield self.finding(
                analysis,
                f"data input '{spec.name}' is a {spec.type.short}: whether it loads a DataFrame "
                "or an array is only known at run time",
                dataset=spec.name,
            )


class DataInputSpark(Rule):
    code = "SC105"
    name = "data-input-spark"
    severity = Severity.WARNING
    summary = "the data input is a spark DataFrame; served requests arrive as pandas"
    what = "Warns when the data input's catalog type loads a spark DataFrame."
    why = (
        "MLflow's pyfunc server passes a pandas DataFrame to predict. Nodes that call spark\n"
        "methods on their input fail unless the model converts it (or runs as a spark_udf)."
    )
    fix = (
        "Make the inference nodes accept pandas (transcode the input, `x@pandas`), or convert\n"
        "the request to spark in a first node."
    )
    valid = (
        Example(
            "predict(features@pandas, model) -> predictions",
            _MODEL + "features@pandas:\n  type: pandas.ParquetDataset\n"
            "  filepath: data/f.parquet\n",
            files=_MODEL_FILE,
            input="features@pandas",
        ),
    )
    invalid = (
        Example(
            "predict(features, model) -> predictions",
            _MODEL + "features:\n  type: spark.SparkDataset\n  filepath: data/f.parquet\n",
            files=_MODEL_FILE,
            input="features",
        ),
    )

    def check(self, analysis):
        spec = _data_spec(analysis)
        info = spec.inner_type.info if spec else None
        if info and info.loads is Loads.SPARK:
            yield self.finding(
                analysis,
                f"data input '{spec.name}' is a {spec.type.short}: served requests arrive as a "
                "pandas DataFrame",
                dataset=spec.name,
            )


RULES = (
    DataInputUnknown(),
    DataInputUndetermined(),
    DataInputType(),
    DataInputTypeUnknown(),
    DataInputSpark(),
)
