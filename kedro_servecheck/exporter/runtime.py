"""A Kedro pipeline served as an MLflow pyfunc model (models-from-code).

Written by kedro-servecheck and copied into every exported model. It imports only mlflow,
kedro and the standard library, so the model loads where kedro-servecheck is not installed.

At load, the artifacts listed in `serving/catalog.yml` are loaded once through Kedro's own
datasets. At predict, the nodes run in topological order through Kedro's `Node.run`: no runner,
no catalog copy, and no state shared between calls, so concurrent calls are safe. The nodes get
a copy of the request's data, as Kedro's MemoryDataset would hand it. A call keeps each value
only until the last node that reads it has run. Parameters are frozen at export; a
request may override any of them for that call only.
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
        # changes its input in place (`df["x"] = …`) leaves the caller's data as it was.
        values[self.data_input] = copy.deepcopy(data)
        for node, inputs, outputs, released in self.steps:
            for name, value in node.run({name: values[key] for name, key in inputs}).items():
                values[outputs[name]] = value
            for key in released:
                del values[key]
        return values[self.output]


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
