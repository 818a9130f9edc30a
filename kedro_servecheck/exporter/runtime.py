"""A Kedro pipeline served as an MLflow pyfunc model (models-from-code).

Written by kedro-servecheck and copied into every exported model. It imports only mlflow,
kedro and the standard library, so the model loads where kedro-servecheck is not installed.

At load, the artifacts listed in `serving/catalog.yml` are loaded once through Kedro's own
datasets. At predict, the nodes run in topological order through Kedro's `Node.run`: no runner,
no catalog copy, and no state shared between calls, so concurrent calls are safe. The nodes get
a copy of the request's data, as Kedro's MemoryDataset would hand it. A call keeps each value
only until the last node that reads it has run. Parameters are frozen at export; a
request may override any of them for that call only.

When the data input loads a spark DataFrame (`pipeline.json` has a `spark` entry), a local
SparkSession is created once at load, with the master and config chosen at export; each
request becomes a spark DataFrame of the input schema, and a spark output goes back to
pandas. Only such a model imports pyspark.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any, NamedTuple

from kedro.io import AbstractDataset
from kedro.pipeline import Node
from mlflow.models import set_model
from mlflow.pyfunc.model import PythonModel

SERVING_ARTIFACT = "serving"


class ServedPipeline(PythonModel):
    """Runs the exported pipeline on each request."""

    # `predict` has no type hints: the data input may be a DataFrame or an array, and the saved
    # signature validates requests. This tells MLflow not to ask for hints on every load.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        self.load(Path(context.artifacts[SERVING_ARTIFACT]))

    def load(self, serving: Path) -> None:
        """Read the pipeline, load the artifacts once and keep the frozen parameters."""
        spec = _read(serving / "pipeline.json")
        self.data_input = _untranscoded(spec["data_input"])
        self.output = _untranscoded(spec["output"])
        # Before the artifacts: a spark dataset among them uses the session made here.
        self.spark = SparkInput(spec["spark"]) if spec.get("spark") else None
        self.steps = _steps([_node(entry) for entry in spec["nodes"]], self.output)
        self.parameters: dict[str, Any] = _read(serving / "parameters.yml")
        self.artifacts = {
            _untranscoded(name): _dataset(name, config, serving).load()
            for name, config in _read(serving / "catalog.yml").items()
        }

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return self.run(model_input, params)

    def run(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """The pipeline's output for `data`; `params` override frozen parameters for this call."""
        values = dict(self.artifacts)
        overrides = params or {}
        for key, frozen in self.parameters.items():
            values[f"params:{key}"] = overrides.get(key, frozen)
        # A copy, as Kedro's MemoryDataset hands a DataFrame or an array to a node: a node that
        # changes its input in place (`df["x"] = …`) leaves the caller's data as it was. A
        # spark DataFrame is built anew from the request (and cannot be changed in place).
        spark = self.spark
        values[self.data_input] = spark.to_spark(data) if spark else copy.deepcopy(data)
        for node, inputs, outputs, released in self.steps:
            for name, value in node.run({name: values[key] for name, key in inputs}).items():
                values[outputs[name]] = value
            for key in released:
                del values[key]
        output = values[self.output]
        return spark.to_pandas(output) if spark else output


class SparkInput:
    """The spark side of a model whose data input is a spark DataFrame.

    `settings` (from `pipeline.json`): the session's `master` and `conf`, and the data input's
    `schema` (Spark's JSON form) when it was known at export.
    """

    def __init__(self, settings: dict[str, Any]) -> None:
        from pyspark.sql import DataFrame, SparkSession
        from pyspark.sql.types import StructType

        builder = SparkSession.builder.master(settings["master"])
        for key, value in settings["conf"].items():
            builder = builder.config(key, value)
        self.session = builder.getOrCreate()
        self.frame_type = DataFrame
        schema = settings.get("schema")
        self.schema = StructType.fromJson(schema) if schema else None

    def to_spark(self, data: Any) -> Any:
        """A spark DataFrame of the rows of `data` (pandas), with the input schema's types.

        Spark infers each column's type from pandas, then casts it to the type the data input
        has when Kedro loads it: a CSV Spark reads without `inferSchema` is all strings, say.
        Columns of the schema the request lacks (optional ones) are left out.
        """
        frame = self.session.createDataFrame(data)
        if self.schema is None:
            return frame
        sent = set(frame.columns)
        return frame.select(
            *(
                frame[f.name].cast(f.dataType).alias(f.name)
                for f in self.schema.fields
                if f.name in sent
            )
        )

    def to_pandas(self, output: Any) -> Any:
        """The output as a served model returns it: a spark DataFrame becomes pandas."""
        return output.toPandas() if isinstance(output, self.frame_type) else output


class _Step(NamedTuple):
    """A node, the keys of its inputs and outputs in a call's values, and what it releases."""

    node: Node
    inputs: tuple[tuple[str, str], ...]  # (input name, key of its value)
    outputs: dict[str, str]  # output name -> key of its value
    released: tuple[str, ...]  # keys of the values no later node reads


def _steps(nodes: list[Node], output: str) -> list[_Step]:
    """The nodes in order; transcoded names (`x@pandas`) share the key of `x`."""
    last_reader = {
        _untranscoded(name): index for index, node in enumerate(nodes) for name in node.inputs
    }
    released: dict[int, list[str]] = {}
    for key, index in last_reader.items():
        if key != output:
            released.setdefault(index, []).append(key)
    return [
        _Step(
            node,
            tuple((name, _untranscoded(name)) for name in node.inputs),
            {name: _untranscoded(name) for name in node.outputs},
            tuple(released.get(index, ())),
        )
        for index, node in enumerate(nodes)
    ]


def _untranscoded(name: str) -> str:
    """`x` for `x@pandas`: transcoded names share one value."""
    return name.partition("@")[0]


def _read(path: Path) -> Any:
    """The serving files are JSON (which is also YAML), so the standard library reads them."""
    return json.loads(path.read_text(encoding="utf-8"))


def _node(entry: dict[str, Any]) -> Node:
    module, _, qualname = entry["func"].partition(":")
    func: Any = importlib.import_module(module)
    for part in qualname.split("."):
        func = getattr(func, part)
    return Node(func, entry["inputs"], entry["outputs"], name=entry["name"])


def _dataset(name: str, config: dict[str, Any], serving: Path) -> AbstractDataset[Any, Any]:
    config = dict(config)
    for key in ("filepath", "path"):
        if key in config:
            config[key] = str(serving / config[key])
    return AbstractDataset.from_config(name, config)


set_model(ServedPipeline())
