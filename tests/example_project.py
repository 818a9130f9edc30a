"""Turn a rule's `Example` into a small project on disk, analyse it and review it as `check` does.

The example's node functions are written to a real module of the project (`src/example/
nodes.py`) and imported from there, so that findings about nodes point at real lines.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import re
import sys
from pathlib import Path

import yaml
from kedro.pipeline import Node, Pipeline

from kedro_servecheck.analysis.analysis import Analysis, analyze
from kedro_servecheck.analysis.producers import Producers
from kedro_servecheck.analysis.targets import InputOrigin, ServingSpec
from kedro_servecheck.catalog.resolve import Catalog
from kedro_servecheck.lint.engine import review
from kedro_servecheck.lint.rules.base import Example, Rule
from kedro_servecheck.lint.settings import Settings
from kedro_servecheck.load import kedro_mlflow_stand_in
from kedro_servecheck.load.imports import STAND_INS
from kedro_servecheck.load.locations import ConfLocations
from kedro_servecheck.load.project import Project

_NODE_LINE = re.compile(r"^\s*(?P<name>[\w.]+)\((?P<inputs>[^)]*)\)\s*->\s*(?P<outputs>.+)$")
_MODULES = itertools.count()
NODES_FILE = "src/example/nodes.py"


class ExamplePipelineML(Pipeline):
    """A kedro-mlflow-style PipelineML: training nodes, an inference pipeline, an input name,
    kedro-mlflow's default `log_model_kwargs`; none of its construction checks."""

    def __init__(self, nodes: list[Node], *, inference: Pipeline, input_name: str | None):
        super().__init__(nodes)
        self.inference = inference
        self.input_name = input_name
        self.log_model_kwargs = dict(kedro_mlflow_stand_in.PipelineML.LOG_MODEL_KWARGS_DEFAULT)


def analyze_example(
    rule: Rule, example: Example, root: Path, settings: Settings | None = None
) -> Analysis:
    """Write `example` of `rule` under `root` (an empty folder), analyse it and review it as
    `check` does: every rule (`rule` with the example's options), then the suppression
    comments of its catalog. `settings` default to none but those options."""
    conf = root / "conf" / "base"
    conf.mkdir(parents=True)
    (conf / "catalog.yml").write_text(example.catalog, encoding="utf-8")
    (conf / "parameters.yml").write_text(example.parameters, encoding="utf-8")
    for relative in example.files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    lines = [*_node_lines(example.pipeline), *_node_lines(example.training or "")]
    functions = _write_functions(root, {match["name"]: _inputs(match) for match in lines})
    inference = _pipeline(_node_lines(example.pipeline), functions)
    registered: Pipeline = inference
    stood_in = [name for name in example.stubbed if name in STAND_INS]
    if example.training:
        training = _pipeline(_node_lines(example.training), functions)
        make = kedro_mlflow_stand_in.PipelineML if stood_in else ExamplePipelineML
        registered = make(list(training.nodes), inference=inference, input_name=example.input)
    project = Project(
        root=root,
        package="example",
        env="base",
        pipelines={"inference": registered},
        catalog_config=yaml.safe_load(example.catalog) or {},
        catalog_locations=ConfLocations.scan(root, root / "conf", ["base"], ["catalog*"]),
        parameters=yaml.safe_load(example.parameters) or {},
        parameter_locations=ConfLocations.scan(root, root / "conf", ["base"], ["parameters*"]),
        stubbed_packages=dict.fromkeys(n for n in example.stubbed if n not in stood_in),
        stood_in_packages=dict.fromkeys(stood_in),
    )
    origin = None  # a PipelineML's input_name, else --input
    if example.input:
        origin = InputOrigin.PIPELINE_ML if example.training else InputOrigin.CLI
    spec = ServingSpec("inference", example.input, origin, example.output)
    catalog = Catalog.of(project)
    analysis = analyze(project, catalog, Producers(project.pipelines, catalog), spec)
    settings = settings or Settings()
    options = {**settings.rule_options, rule.code: example.options}
    review([analysis], dataclasses.replace(settings, rule_options=options))
    return analysis


def _node_lines(text: str) -> list[re.Match[str]]:
    """The node lines `name(input, …) -> output, …` of an example pipeline."""
    matches = []
    for line in filter(str.strip, text.splitlines()):
        match = _NODE_LINE.match(line)
        if not match:
            raise ValueError(f"not a node line: {line!r}")
        matches.append(match)
    return matches


def _write_functions(root: Path, nodes: dict[str, list[tuple[str, str]]]) -> dict[str, object]:
    """Write one function per node name to the example's nodes module and import it.

    Each returns its first input; the function of a node named `lambda` is a lambda. A node
    whose inputs are annotated (`predict(request: dict, model)`) gets a parameter per input,
    named after it and annotated as written, in a module with `from __future__ import
    annotations` that imports `Any` and pandas as `pd`.
    """
    source = ['"""The node functions of a rule example."""', ""]
    if any(annotation for inputs in nodes.values() for _, annotation in inputs):
        source += ["from __future__ import annotations", "", "from typing import Any", ""]
        source += ["import pandas as pd", ""]
    for name, inputs in nodes.items():
        identifier = _identifier(name)
        if name == "lambda":
            source += ["", f"{identifier} = lambda *inputs: inputs[0] if inputs else None", ""]
        elif any(annotation for _, annotation in inputs):
            names = [re.sub(r"\W", "_", name) for name, _ in inputs]
            parameters = [
                f"{name}: {annotation}" if annotation else name
                for name, (_, annotation) in zip(names, inputs, strict=True)
            ]
            source += ["", f"def {identifier}({', '.join(parameters)}):", f"    return {names[0]}"]
            source += [""]
        else:
            source += [
                "",
                f"def {identifier}(*inputs):",
                "    return inputs[0] if inputs else None",
                "",
            ]
    path = root / NODES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(source) + "\n", encoding="utf-8")
    module_name = f"servecheck_example_{next(_MODULES)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return {name: getattr(module, _identifier(name)) for name in nodes}


def _pipeline(lines: list[re.Match[str]], functions: dict[str, object]) -> Pipeline:
    return Pipeline(
        [
            Node(
                functions[line["name"]],  # type: ignore[arg-type]
                [name for name, _ in _inputs(line)] or None,
                _names(line["outputs"]),
                name=line["name"],
            )
            for line in lines
        ]
    )


def _identifier(name: str) -> str:
    return "node_" + re.sub(r"\W", "_", name)


def _inputs(line: re.Match[str]) -> list[tuple[str, str]]:
    """The inputs of a node line, each with its annotation (`request: dict[str, Any]`) or ""."""
    inputs, depth, current = [], 0, ""
    for char in line["inputs"] + ",":
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            if current.strip():
                name, _, annotation = current.partition(": ")
                inputs.append((name.strip(), annotation.strip()))
            current = ""
        else:
            current += char
    return inputs


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]
