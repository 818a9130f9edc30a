"""Which pipelines to check, and their data input and output.

Precedence: `--pipeline` on the command line, then `[tool.servecheck.pipelines]` in the
project's pyproject.toml, then every registered kedro-mlflow `PipelineML`, then a pipeline
named `inference`. For each: `--input`/`--output`, then the settings table, then (for a
`PipelineML`) its `input_name`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from kedro.pipeline import Pipeline

from kedro_servecheck.errors import UsageError
from kedro_servecheck.load.project import Project


class InputOrigin:
    """Where the requested data input came from (shown in findings about it)."""

    CLI = "--input"
    SETTINGS = "[tool.servecheck]"
    PIPELINE_ML = "PipelineML.input_name"


@dataclass(frozen=True)
class ServingSpec:
    """One registered pipeline to check, with the data input and output asked for."""

    name: str
    input: str | None = None
    input_origin: str | None = None
    output: str | None = None


def is_pipeline_ml(pipeline: Any) -> bool:
    """A kedro-mlflow `PipelineML` (duck-typed: kedro_mlflow is never imported)."""
    return hasattr(pipeline, "inference") and hasattr(pipeline, "input_name")


def serving_pipeline(pipeline: Pipeline) -> Pipeline:
    """The pipeline that is served: a `PipelineML`'s inference pipeline, else itself."""
    return pipeline.inference if is_pipeline_ml(pipeline) else pipeline


def training_pipeline(pipeline: Pipeline) -> Pipeline | None:
    """A `PipelineML`'s training pipeline, else None."""
    if not is_pipeline_ml(pipeline):
        return None
    return getattr(pipeline, "training", None) or Pipeline(pipeline.nodes)


def select_serving_specs(
    project: Project,
    pipelines: list[str] | tuple[str, ...] = (),
    input: str | None = None,
    output: str | None = None,
) -> list[ServingSpec]:
    """The serving pipelines to check, in the order given (or registered)."""
    registered = project.pipelines
    configured = configured_pipelines(project)
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
        _spec(name, registered[name], configured.get(name, {}), input, output) for name in names
    ]


def _spec(name: str, pipeline: Pipeline, settings: dict, input: str | None, output: str | None):
    if input:
        chosen, origin = input, InputOrigin.CLI
    elif settings.get("input"):
        chosen, origin = settings["input"], InputOrigin.SETTINGS
    elif is_pipeline_ml(pipeline):
        chosen, origin = pipeline.input_name, InputOrigin.PIPELINE_ML
    else:
        chosen, origin = None, None
    return ServingSpec(name, chosen, origin, output or settings.get("output"))


def configured_pipelines(project: Project) -> dict[str, dict[str, str]]:
    """`[tool.servecheck.pipelines.<name>]` tables: pipeline name -> `input` and `output`."""
    table = project.settings.get("pipelines", {})
    if not isinstance(table, dict) or not all(isinstance(s, dict) for s in table.values()):
        raise UsageError(
            "[tool.servecheck] `pipelines` must be a table of tables",
            where=str(project.settings_location() or "pyproject.toml"),
            hint='write [tool.servecheck.pipelines.inference] with input = "…" and output = "…"',
        )
    for name, settings in table.items():
        for key, value in settings.items():
            if key in ("input", "output") and isinstance(value, str):
                continue
            close = difflib.get_close_matches(key, ["input", "output"], n=1)
            raise UsageError(
                f"[tool.servecheck.pipelines.{name}] has `{key} = {value!r}`: it accepts only"
                " `input` and `output`, each a dataset name"
                + (f" (did you mean `{close[0]}`?)" if close and close[0] != key else ""),
                where=str(project.settings_location("pipelines", name) or "pyproject.toml"),
                hint='for example: input = "customers_to_score"',
            )
    return table


def _listing(registered) -> str:
    return ", ".join(sorted(registered)) or "none"
