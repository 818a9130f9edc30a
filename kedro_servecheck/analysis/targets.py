"""Which pipelines to check, and their data input and output.

Precedence: `--pipeline` on the command line, then `[tool.servecheck.pipelines]` in the
project's pyproject.toml, then every registered kedro-mlflow `PipelineML`, then a pipeline
named `inference`. For each: `--input`/`--output`, then the settings table, then (for a
`PipelineML`) its `input_name`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, TypeGuard

from kedro.pipeline import Node, Pipeline

from kedro_servecheck.errors import UsageError
from kedro_servecheck.load.project import Project


class InputOrigin(str, Enum):
    """Where the requested data input came from (shown in findings about it)."""

    CLI = "--input"
    SETTINGS = "[tool.servecheck]"
    PIPELINE_ML = "PipelineML.input_name"


@dataclass(frozen=True)
class PipelineTable:
    """A `[tool.servecheck.pipelines.<name>]` table: the data input and output it names, and
    the parameters that stay frozen (no request may override them)."""

    input: str | None = None
    output: str | None = None
    frozen: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServingSpec:
    """One registered pipeline to check, with the data input and output asked for."""

    name: str
    input: str | None = None
    input_origin: InputOrigin | None = None
    output: str | None = None
    frozen: tuple[str, ...] = ()  # parameters left out of the params schema


class PipelineML(Protocol):
    """What servecheck reads of a kedro-mlflow `PipelineML` (a Pipeline of training nodes)."""

    inference: Pipeline
    input_name: str | None

    @property
    def nodes(self) -> list[Node]: ...


def is_pipeline_ml(pipeline: object) -> TypeGuard[PipelineML]:
    """A kedro-mlflow `PipelineML` (duck-typed: kedro_mlflow is never imported)."""
    return hasattr(pipeline, "inference") and hasattr(pipeline, "input_name")


def serving_pipeline(pipeline: Pipeline) -> Pipeline:
    """The pipeline that is served: a `PipelineML`'s inference pipeline, else itself."""
    return pipeline.inference if is_pipeline_ml(pipeline) else pipeline


def training_pipeline(pipeline: object) -> Pipeline | None:
    """A `PipelineML`'s training pipeline, else None."""
    if not is_pipeline_ml(pipeline):
        return None
    return getattr(pipeline, "training", None) or Pipeline(pipeline.nodes)


@dataclass(frozen=True)
class ModelLogging:
    """How kedro-mlflow's hook logs a `PipelineML`'s model once its training has run."""

    input_name: str | None
    # The hook loads `input_name` to infer the signature only when the `signature` of
    # `log_model_kwargs` is "auto", kedro-mlflow's default; None or a ModelSignature: never.
    infers_signature: bool


def model_logging(pipeline: object) -> ModelLogging | None:
    """How kedro-mlflow's hook logs `pipeline`'s model (a `PipelineML`), else None.

    Read from the object as the hook reads it: `log_model_kwargs.pop("signature", None)`.
    """
    if not is_pipeline_ml(pipeline):
        return None
    kwargs = getattr(pipeline, "log_model_kwargs", None)
    signature = kwargs.get("signature") if isinstance(kwargs, Mapping) else None
    return ModelLogging(pipeline.input_name, isinstance(signature, str) and signature == "auto")


def select_serving_specs(
    project: Project,
    configured: Mapping[str, PipelineTable],
    pipelines: Sequence[str] = (),
    input: str | None = None,
    output: str | None = None,
) -> list[ServingSpec]:
    """The serving pipelines to check, in the order given (or configured, or registered)."""
    registered = project.pipelines
    if pipelines:
        names = list(dict.fromkeys(pipelines))
    elif configured:
        names = list(configured)
    else:
        names = [n for n, p in registered.items() if is_pipeline_ml(p) and n != "__default__"]
        if not names and "inference" in registered:
            names = ["inference"]
    if not names:
        raise UsageError(
            "No serving pipeline to check: none is named 'inference' and no kedro-mlflow "
            "PipelineML is registered",
            hint="pass --pipeline NAME, or add a [tool.servecheck.pipelines.NAME] table to "
            f"pyproject.toml (registered pipelines: {_listing(registered)})",
        )
    for name in names:
        if name not in registered:
            close = difflib.get_close_matches(name, list(registered), n=1)
            raise UsageError(
                f"Pipeline '{name}' is not registered"
                + (f" (did you mean '{close[0]}'?)" if close else ""),
                where=(str(project.registry_location) if project.registry_location else None),
                hint=f"registered pipelines: {_listing(registered)}",
            )
    return [
        _spec(name, registered[name], configured.get(name, PipelineTable()), input, output)
        for name in names
    ]


def _spec(
    name: str, pipeline: Pipeline, table: PipelineTable, input: str | None, output: str | None
) -> ServingSpec:
    chosen: str | None
    if input:
        chosen, origin = input, InputOrigin.CLI
    elif table.input:
        chosen, origin = table.input, InputOrigin.SETTINGS
    elif is_pipeline_ml(pipeline):
        chosen, origin = pipeline.input_name, InputOrigin.PIPELINE_ML
    else:
        chosen, origin = None, None
    return ServingSpec(name, chosen, origin, output or table.output, table.frozen)


def _listing(registered: Mapping[str, Pipeline]) -> str:
    return ", ".join(sorted(registered)) or "none"
