"""Rules about the data input: the data sent with each prediction request (SC1xx)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import replace

from kedro.io.core import is_parameter

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.data_input import persisted_tables
from kedro_servecheck.analysis.targets import InputOrigin
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.findings import Finding, Location, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE, PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext
from kedro_servecheck.load.installed import is_installed

_FEATURES_CSV = "features:\n  type: pandas.CSVDataset\n  filepath: data/features.csv\n"
_PICKLED_FEATURES = "features:\n  type: pickle.PickleDataset\n  filepath: data/f.pkl\n"
_SPARK_SERVED_HINT = (
    "Nothing to fix. Where the model serves, install its requirements (pyspark is pinned) and"
    " a JVM; `servecheck export --spark-master URL --spark-conf KEY=VALUE` sets its session."
)


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


def _pin(analysis: Analysis, name: str = "NAME") -> str:
    """How to name the data input of `analysis`: the flag, or its settings table."""
    table = f"[tool.servecheck.pipelines.{analysis.name}]"
    return f'`--input {name}`, or `input = "{name}"` in {table}'


def _data_input_loading(
    rule: Rule, ctx: RuleContext, loads: Loads, says: str, node_says: str | None = None
) -> Iterator[Finding]:
    """`rule`'s findings when the data input loads `loads`: its catalog type says so (at its
    entry), or, when the type does not say, a node that reads it is annotated so (at the
    node's function). `says` ends the message (`node_says`, when given, about a node)."""
    analysis = ctx.analysis
    spec = analysis.data_spec
    if spec and analysis.declared_loads is loads:
        yield rule.finding(
            ctx, f"data input '{spec.name}' is a {spec.type_label}{says}", dataset=spec.name
        )
    for read in analysis.data_input_read_as:
        if read.loads is loads:
            yield rule.finding(
                ctx,
                f"data input '{analysis.data_input}' is read by node '{read.node.name}' as "
                f"`{read.annotation}` (parameter '{read.parameter}'){node_says or says}",
                dataset=analysis.data_input,
                node=read.node.name,
                location=analysis.node_location(read.node),
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
    When no data input is given, infers it: the one free input that is neither a parameter
    nor persisted in the catalog; when every free input is persisted or a parameter, the one
    persisted input whose type loads a DataFrame or an array and that no registered pipeline
    produces (raw data, such as a batch to score, not an artifact). Fires when there is no
    such input, or several: it lists them all (the ones left out of the catalog are not
    reported as SC201 on top).

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
    valid = (
        Example(PREDICT, MODEL, files=MODEL_FILE),
        Example(PREDICT, MODEL + _FEATURES_CSV, files=MODEL_FILE),
    )
    invalid = (
        Example(
            "predict(features, extra) -> predictions",
            expect_message="2 free inputs could be the data input: extra, features",
        ),
        Example(
            "predict(features, history, model) -> predictions",
            MODEL + _FEATURES_CSV + _FEATURES_CSV.replace("features", "history"),
            files=MODEL_FILE,
            expect_message="2 persisted inputs could be the data input (each loads a DataFrame",
        ),
        Example(
            PREDICT,
            MODEL + "features:\n  type: pickle.PickleDataset\n  filepath: data/features.pkl\n",
            files=MODEL_FILE,
            expect_message="no free input can be the data input",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        inference = analysis.inference
        if inference is None or analysis.data_input or not analysis.pipeline.nodes:
            return
        candidates = ", ".join(inference.candidates)
        count = len(inference.candidates)
        hint: str | None = f"name the data input, one of {candidates}: {_pin(analysis)}"
        if inference.candidates and inference.from_catalog:
            message = (
                f"{count} persisted inputs could be the data input (each loads a DataFrame or an "
                f"array, and no registered pipeline produces it): {candidates}"
            )
        elif inference.candidates:
            message = f"{count} free inputs could be the data input: {candidates}"
            hint = f"{hint}; declare the others in the catalog as persisted datasets"
        else:
            message, hint = self._none_can_be(analysis)
        yield self.finding(ctx, message, location=analysis.project.registry_location, hint=hint)

    @staticmethod
    def _none_can_be(analysis: Analysis) -> tuple[str, str | None]:
        """The message and hint when every free input is a parameter or an artifact: the
        tables among them are produced by a registered pipeline (if any is a table at all)."""
        message = "no free input can be the data input: every one is persisted or a parameter"
        tables = persisted_tables(analysis.graph.free_inputs, analysis.catalog)
        if not tables:
            return message, None
        made = ", ".join(
            f"{spec.name} by pipeline '{analysis.producers.of(spec)[0].pipeline}'"
            for spec in tables
        )
        message += (
            f", and those that load a DataFrame or an array are produced, not raw data ({made})"
        )
        names = [spec.name for spec in tables]
        which = names[0] if len(names) == 1 else f"NAME (one of {', '.join(names)})"
        return message, f"pass --input {which} to serve with it as the data input"


class DataInputInferred(Rule):
    """Fires when the data input is inferred from the catalog: a raw table no pipeline makes.

    ## What it does
    Reports the data input it inferred when every free input is persisted or a parameter:
    the one persisted input whose type loads a DataFrame or an array and that no registered
    pipeline produces (a batch to score, such as `new_shuttles: pandas.CSVDataset` under
    data/01_raw). Served, the request takes its place: its file is only read for the input
    example of an export.

    ## Why it matters
    The inference depends on the other pipelines: a pipeline that starts producing that
    dataset, or a second raw table read by the serving pipeline, would make the data input
    undetermined (SC102). Naming it keeps the check stable, and spares building every
    registered pipeline to look for producers.

    ## How to fix
    Nothing to fix. Pin it: `--input NAME`, or `input = "NAME"` in
    [tool.servecheck.pipelines.<pipeline>].
    """

    code = "SC106"
    name = "data-input-inferred"
    severity = Severity.INFO
    valid = (
        Example(PREDICT, MODEL + _FEATURES_CSV, files=MODEL_FILE, input="features"),
        Example(PREDICT, MODEL, files=MODEL_FILE),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL + _FEATURES_CSV,
            files=MODEL_FILE,
            expect_message="data input 'features' inferred from the catalog",
            expect_line=4,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        inference, name, spec = analysis.inference, analysis.data_input, analysis.data_spec
        if inference is None or not inference.from_catalog or name is None or spec is None:
            return
        yield self.finding(
            ctx,
            f"data input '{name}' inferred from the catalog: every free input is declared in "
            f"it or a parameter, and '{name}' is the only one that loads a DataFrame or an "
            f"array ({spec.type_label}) and that no registered pipeline produces; served, each "
            "request takes its place",
            dataset=name,
            hint=f"pin it: {_pin(analysis, name)}",
        )


class DataInputType(Rule):
    """Fires when the data input's type, or a node's annotation of it, is no DataFrame or array.

    ## What it does
    Checks that the data input's catalog type loads a pandas DataFrame, a spark DataFrame
    or a numpy array. JSON, YAML, text, images, partitions and the like do not. When the type
    does not say (the data input is not in the catalog, a MemoryDataset, a pickle), reads the
    type annotation of the parameter each node that reads it binds it to: `dict`,
    `dict[str, Any]`, a TypedDict, `list`, `str`, a number or a polars frame cannot be a
    request; a pandas DataFrame or a numpy array confirms it; no annotation (or `Any`, or a
    class of the project's own) says nothing.

    ## Why it matters
    MLflow hands the served model a DataFrame (or an array) built from the request. A node
    written for a dict or a string fails on the first request, after deployment, although
    the pipeline runs when Kedro (or an application) hands it the dict.

    ## How to fix
    Point the data input at a tabular dataset (pandas.CSVDataset, pandas.ParquetDataset…),
    or add a node that turns the DataFrame into what the pipeline expects (for a dict:
    `frame.to_dict(orient="records")[0]`).
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
        Example("predict(request: pd.DataFrame, model) -> predictions", MODEL, files=MODEL_FILE),
        Example("predict(request: Any, model) -> predictions", MODEL, files=MODEL_FILE),
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
        Example(
            "predict(request: dict[str, Any], model) -> predictions",
            MODEL,
            files=MODEL_FILE,
            expect_message="is read by node 'predict' as `dict[str, Any]` (parameter 'request')",
            expect_line=10,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from _data_input_loading(
            self,
            ctx,
            Loads.OTHER,
            ", which does not load a DataFrame or an array",
            ", which is not a DataFrame or an array: served, it arrives as a pandas DataFrame"
            " built from the request",
        )


class DataInputTypeUnknown(Rule):
    """Fires when the data input's type is unknown until loaded (pickle, custom class).

    ## What it does
    Warns when the data input's catalog type can hold anything (a pickle) or is a custom
    class, and no node that reads it annotates it: what it loads is only known at run time.

    ## Why it matters
    If it is not a DataFrame or an array in training, the served model will see a
    different type than the pipeline was written for.

    ## How to fix
    Declare the data input as a tabular dataset type, leave it out of the catalog, or
    annotate the node parameter that reads it (`pd.DataFrame`).
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
        Example(
            "predict(features: pd.DataFrame, model) -> predictions",
            MODEL + _PICKLED_FEATURES,
            files=MODEL_FILE,
            input="features",
        ),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL + _PICKLED_FEATURES,
            files=MODEL_FILE,
            input="features",
            expect_message="whether it loads a DataFrame or an array is only known at run time",
            expect_line=4,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        spec = analysis.data_spec
        if spec is None or spec.is_memory or analysis.data_input_read_as:
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
    Notes when the data input's catalog type loads a spark DataFrame or, when the type does
    not say, a node that reads it is annotated `pyspark.sql.DataFrame`. When pyspark is
    installed here, it is an info: the exported model turns each request into a spark
    DataFrame of the input schema, through a SparkSession it starts at load. When pyspark is
    not installed, it is a warning that names the nodes that would get pandas.

    ## Why it matters
    MLflow's pyfunc server passes a pandas DataFrame to predict: a node that calls spark
    methods on it (`.select`, `.withColumn`, `.toPandas()`) would fail on the first request.
    servecheck's model converts the request, which needs pyspark where it exports and a JVM
    where it serves; `servecheck export` refuses the pipeline when pyspark is missing.

    ## How to fix
    Install pyspark where you export (and a JVM where the model serves), or make the
    inference nodes accept pandas (read the data input as `x@pandas`, transcoded to a pandas
    dataset of the same file).
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
            stubbed=("pyspark",),
            expect_message="pyspark is not installed here: served, node 'predict' gets a pandas",
            expect_line=4,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        if analysis.data_input is None:
            return
        if is_installed("pyspark") and "pyspark" not in analysis.project.stubbed_packages:
            says = (
                ", a spark DataFrame: the exported model turns each request (pandas) into one"
                " with the input schema, through a local SparkSession (a JVM is needed where"
                " it serves)"
            )
            for finding in _data_input_loading(self, ctx, Loads.SPARK, says):
                yield replace(finding, severity=Severity.INFO, hint=_SPARK_SERVED_HINT)
            return
        readers = [node.name for node in analysis.graph.consumers(analysis.data_input)]
        nodes = "node" + "s" * (len(readers) > 1) + " " + ", ".join(f"'{n}'" for n in readers)
        yield from _data_input_loading(
            self,
            ctx,
            Loads.SPARK,
            f", a spark DataFrame, and pyspark is not installed here: served, {nodes}"
            f" {'gets' if len(readers) == 1 else 'get'} a pandas DataFrame built from the"
            " request, not a spark one",
        )
