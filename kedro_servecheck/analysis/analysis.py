"""One serving pipeline carried through the flow: graph, roles of inputs, findings.

`check` stops after the rules; `export` continues with the same `Analysis` object.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kedro.io.core import is_parameter
from kedro.pipeline import Node, Pipeline

from kedro_servecheck.analysis.annotations import ReadAs, read_as
from kedro_servecheck.analysis.classify import (
    FreeInput,
    Role,
    classify,
    is_persisted,
    match_free_input,
)
from kedro_servecheck.analysis.data_input import Inference, infer_data_input
from kedro_servecheck.analysis.graph import ServingGraph
from kedro_servecheck.analysis.params_schema import unrepresentable
from kedro_servecheck.analysis.producers import Producers
from kedro_servecheck.analysis.targets import (
    ModelLogging,
    ServingSpec,
    model_logging,
    serving_pipeline,
    training_pipeline,
)
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.catalog.resolve import Catalog, DatasetSpec
from kedro_servecheck.errors import UsageError
from kedro_servecheck.findings import Finding, Location
from kedro_servecheck.load.locations import function_location
from kedro_servecheck.load.project import Project


@dataclass
class Analysis:
    """Everything servecheck knows about one serving pipeline."""

    spec: ServingSpec
    project: Project
    catalog: Catalog
    producers: Producers
    graph: ServingGraph
    inputs: list[FreeInput]
    data_input: str | None
    inference: Inference | None = None  # how the data input was looked for, none being named
    training: Pipeline | None = None
    model_logging: ModelLogging | None = None  # how kedro-mlflow logs a PipelineML's model
    pruned_outputs: list[str] | None = None  # the outputs before `--output` pruned the pipeline
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pipeline(self) -> Pipeline:
        return self.graph.pipeline

    @property
    def outputs(self) -> list[str]:
        return self.graph.outputs

    @property
    def is_pipeline_ml(self) -> bool:
        return self.training is not None

    def with_role(self, role: Role) -> list[FreeInput]:
        """The free inputs of `role`, in name order."""
        return [free for free in self.inputs if free.role is role]

    def persisted_specs(self) -> list[DatasetSpec]:
        """The catalog specs of the persisted inputs: the artifacts export packages."""
        return [free.spec for free in self.with_role(Role.PERSISTED) if free.spec]

    @cached_property
    def data_spec(self) -> DatasetSpec | None:
        """The catalog spec of the data input, when the catalog declares it."""
        if self.data_input is None:
            return None
        spec = self.catalog.spec(self.data_input)
        return spec if spec.declared or is_persisted(spec) else None

    @property
    def declared_loads(self) -> Loads | None:
        """What the data input's catalog type loads; None when the type does not say (the
        data input is not in the catalog, a memory dataset, a pickle, a custom class)."""
        info = self.data_spec.inner_type.info if self.data_spec else None
        return info.loads if info and info.loads is not Loads.ANY else None

    @cached_property
    def data_input_read_as(self) -> list[ReadAs]:
        """How the nodes that read the data input annotate it, when its catalog type does not
        say what it loads (annotations that say nothing left out)."""
        if self.data_input is None or self.declared_loads is not None:
            return []
        return read_as(self.graph.consumers(self.data_input), self.data_input)

    def data_input_is(self, loads: Loads) -> bool:
        """Whether the data input loads `loads`: its catalog type says so or, when the type
        does not say, a node that reads it is annotated so."""
        if self.declared_loads is not None:
            return self.declared_loads is loads
        return any(read.loads is loads for read in self.data_input_read_as)

    def dataset_specs(self) -> dict[str, DatasetSpec]:
        """The spec of every dataset Kedro builds to run the serving pipeline and, for a
        PipelineML, its training pipeline (not parameters), by name."""
        return self._dataset_specs

    @cached_property
    def _dataset_specs(self) -> dict[str, DatasetSpec]:
        """`dataset_specs()`, listed once for the rules that ask (SC206, SC209)."""
        names = self.pipeline.datasets() | (self.training.datasets() if self.training else set())
        return {name: self.catalog.spec(name) for name in sorted(names) if not is_parameter(name)}

    @cached_property
    def _parameters(self) -> dict[str, Any]:
        """The names Kedro registers for the parameters, and their values: `parameters`,
        `params:a`, `params:a.b`… as Kedro's feed dict has them (a key `a.b` is one name)."""
        values: dict[str, Any] = {"parameters": self.project.parameters}

        def add(prefix: str, value: Any) -> None:
            values[f"params:{prefix}"] = value
            if isinstance(value, dict):
                for key, inner in value.items():
                    add(f"{prefix}.{key}", inner)

        for key, value in self.project.parameters.items():
            add(str(key), value)
        return values

    @property
    def parameter_names(self) -> set[str]:
        """The names Kedro registers for the parameters: `parameters`, `params:a`, `params:a.b`…"""
        return set(self._parameters)

    def parameter_value(self, name: str) -> Any:
        """The value of `params:a.b` (or of `parameters`)."""
        return self._parameters[name]

    def frozen_parameters(self) -> dict[str, Any]:
        """`{"threshold": 0.5, "eu.horizon": 7}`: every parameter input's value, frozen at
        export."""
        return {
            free.name.removeprefix("params:"): self.parameter_value(free.name)
            for free in self.with_role(Role.PARAMETER)
            if free.name in self.parameter_names and free.name != "parameters"
        }

    def overridable(self, name: str) -> bool:
        """Whether a request may override the parameter `name` (`threshold`): its value fits
        an MLflow params schema, and `frozen` in [tool.servecheck.pipelines] does not keep it."""
        value = self.parameter_value(f"params:{name}")
        return name not in self.spec.frozen and unrepresentable(value) is None

    def node_location(self, node: Node) -> Location | None:
        """Where the node's function is defined."""
        return function_location(node.func, self.project.root)

    def dataset_location(self, name: str) -> Location | None:
        """The catalog entry (or pattern) of `name`, else the first node that reads it."""
        if not is_parameter(name):
            declared = self.catalog.spec(name).declared
            if declared:
                return declared.location
        consumers = self.graph.consumers(name)
        return self.node_location(consumers[0]) if consumers else None

    def parameter_location(self, name: str) -> Location | None:
        """The line of `params:a.b` in the parameters files."""
        key = name.removeprefix("params:").split(".")
        declared = self.project.parameter_locations.find(*key)
        return declared.location if declared else self.dataset_location(name)


def analyze(
    project: Project, catalog: Catalog, producers: Producers, spec: ServingSpec
) -> Analysis:
    """Build the graph of `spec`'s pipeline and classify its free inputs (no rule runs here)."""
    registered = project.pipelines[spec.name]
    graph = ServingGraph(serving_pipeline(registered))
    pruned_outputs = None
    if spec.output and graph.pipeline.nodes:
        pruned_outputs = graph.outputs
        graph = graph.pruned_to(spec.output)
    free_inputs = graph.free_inputs
    _check_frozen(project, spec, free_inputs)
    inference = None
    if spec.input:
        data_input = match_free_input(spec.input, free_inputs)
    else:
        inference = infer_data_input(free_inputs, catalog, producers)
        data_input = inference.chosen
    return Analysis(
        spec=spec,
        project=project,
        catalog=catalog,
        producers=producers,
        graph=graph,
        inputs=classify(free_inputs, catalog, data_input),
        data_input=data_input,
        inference=inference,
        training=training_pipeline(registered),
        model_logging=model_logging(registered),
        pruned_outputs=pruned_outputs,
    )


def _check_frozen(project: Project, spec: ServingSpec, free_inputs: list[str]) -> None:
    """Each parameter `frozen` names must be a parameter input of the pipeline."""
    parameters = sorted(
        name.removeprefix("params:") for name in free_inputs if name.startswith("params:")
    )
    for name in spec.frozen:
        if name not in parameters:
            close = difflib.get_close_matches(name, parameters, n=1)
            raise UsageError(
                f"[tool.servecheck.pipelines.{spec.name}] freezes '{name}', which is not a "
                "parameter input of the pipeline"
                + (f" (did you mean '{close[0]}'?)" if close else ""),
                where=project.pyproject.where("pipelines", spec.name, key="frozen"),
                hint=f"its parameter inputs: {', '.join(parameters) or 'none'}",
            )
