"""Turn a rule's `Example` into a small project on disk and analyse it.

The same harness serves the parametrized rule test and `servecheck rule CODE`, so the
examples a rule documents are the ones it is tested on.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from kedro.pipeline import Node, Pipeline

from kedro_servecheck.analysis.analysis import Analysis, analyze
from kedro_servecheck.analysis.targets import ServingSpec
from kedro_servecheck.api import review
from kedro_servecheck.catalog.resolve import Catalog
from kedro_servecheck.lint.rules.base import Example
from kedro_servecheck.lint.settings import Settings
from kedro_servecheck.load.locations import ConfLocations
from kedro_servecheck.load.project import Project

_NODE_LINE = re.compile(r"^\s*(?P<name>[\w.]+)\((?P<inputs>[^)]*)\)\s*->\s*(?P<outputs>.+)$")


def example_function(*inputs):
    """The function of every example node: returns its first input."""
    return inputs[0] if inputs else None


class ExamplePipelineML(Pipeline):
    """A kedro-mlflow-style PipelineML: training nodes, an inference pipeline, an input name."""

    def __init__(self, nodes, inference: Pipeline, input_name: str):
        super().__init__(nodes)
        self.inference = inference
        self.input_name = input_name


def parse_pipeline(text: str) -> Pipeline:
    """Build a pipeline from lines of `name(input, …) -> output, …`."""
    nodes = []
    for line in filter(str.strip, text.splitlines()):
        match = _NODE_LINE.match(line)
        if not match:
            raise ValueError(f"not a node line: {line!r}")
        name = match["name"]
        func = (lambda *inputs: inputs[0]) if name == "lambda" else example_function
        nodes.append(
            Node(func, _names(match["inputs"]) or None, _names(match["outputs"]), name=name)
        )
    return Pipeline(nodes)


def analyze_example(example: Example, root: Path) -> Analysis:
    """Write `example` under `root` (an empty folder), analyse it and review it as `check`
    does: every rule, then the suppression comments of its catalog."""
    conf = root / "conf" / "base"
    conf.mkdir(parents=True)
    (conf / "catalog.yml").write_text(example.catalog, encoding="utf-8")
    (conf / "parameters.yml").write_text(example.parameters, encoding="utf-8")
    for relative in example.files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    inference = parse_pipeline(example.pipeline)
    registered = inference
    if example.training:
        registered = ExamplePipelineML(
            parse_pipeline(example.training).nodes, inference, example.input
        )
    project = Project(
        root=root,
        package="example",
        env="base",
        pipelines={"inference": registered},
        catalog=Catalog(
            yaml.safe_load(example.catalog) or {},
            root,
            ConfLocations.scan(root, root / "conf", ["base"], ["catalog*"]),
        ),
        parameters=yaml.safe_load(example.parameters) or {},
        parameter_locations=ConfLocations.scan(root, root / "conf", ["base"], ["parameters*"]),
        stubbed_packages=dict.fromkeys(example.stubbed),
    )
    analysis = analyze(
        project,
        ServingSpec(
            "inference", example.input, "--input" if example.input else None, example.output
        ),
    )
    review([analysis], Settings())
    return analysis


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]
