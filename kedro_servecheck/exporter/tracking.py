"""Where an exported model is logged, as MLflow and kedro-mlflow users expect, and the run that
records it.

The tracking URI is `--tracking-uri`, else `MLFLOW_TRACKING_URI`, else kedro-mlflow's
`conf/<env>/mlflow.yml` (`server.mlflow_tracking_uri`, a relative path being relative to the
project root, as kedro-mlflow resolves it). The experiment is `--experiment`, else
`tracking.experiment.name` of mlflow.yml, else MLflow's default. The model is logged in a run
that carries the pipeline's parameters as run params, the check report as a run artifact and
the provenance as tags (a tag whose value is unknown is left out).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

from kedro.config import MissingConfigException

from kedro_servecheck.errors import ExportError, UsageError
from kedro_servecheck.exporter.machine_paths import name_code_by_file_name
from kedro_servecheck.load.project import Project

MLFLOW_YML_PATTERNS = ["mlflow*", "mlflow*/**", "**/mlflow*"]  # kedro-mlflow's own
_MAX_PARAM_VALUE = 6000  # characters: MLflow refuses longer run params


@dataclass(frozen=True)
class Tracking:
    """Where to log the model, and under which names."""

    uri: str
    experiment: str | None = None
    run_name: str | None = None
    register: str | None = None
    alias: str | None = None


def tracking_for(
    project: Project,
    uri: str | None,
    experiment: str | None,
    run_name: str | None,
    register: str | None,
    alias: str | None,
) -> Tracking:
    """The tracking of an export, from the options given and the project's mlflow.yml.

    Raises:
        UsageError: There is no tracking server to log to, or mlflow.yml cannot be read.
    """
    settings = _mlflow_yml(project)
    server = settings.get("server") or {}
    experiment_table = (settings.get("tracking") or {}).get("experiment") or {}
    configured = server.get("mlflow_tracking_uri") if settings else None
    if settings and configured is None:  # kedro-mlflow's default: <project>/mlruns
        configured = "mlruns"
    chosen = uri or os.environ.get("MLFLOW_TRACKING_URI") or configured
    if not chosen:
        raise UsageError(
            "No MLflow tracking server to log the model to",
            hint="pass --tracking-uri URI, set MLFLOW_TRACKING_URI, or set "
            "server.mlflow_tracking_uri in conf/<env>/mlflow.yml (kedro mlflow init)",
        )
    return Tracking(
        uri=kedro_mlflow_uri(project.root, chosen),
        experiment=experiment or experiment_table.get("name") or None,
        run_name=run_name,
        register=register,
        alias=alias,
    )


def kedro_mlflow_uri(root: Path, uri: str) -> str:
    """`uri` as kedro-mlflow resolves it: a path without a scheme is a folder of the project
    (`mlruns` -> file:///…/project/mlruns); other URIs (sqlite:///…, http://…) are kept."""
    if uri in ("databricks", "databricks-uc"):
        return uri
    if PurePath(uri).is_absolute():
        return PurePath(uri).as_uri()
    if urlparse(uri).scheme == "":
        return (root / uri).resolve().as_uri()
    return uri


def log_model(
    tracking: Tracking,
    name: str,
    save_args: dict[str, Any],
    parameters: Mapping[str, Any],
    tags: Mapping[str, str],
    report_file: Path,
) -> str:
    """Log the model in a new run of the experiment; register it (and alias it) if asked.

    Returns the model's URI. Raises ExportError when the tracking server refuses.
    """
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    try:
        if tracking.experiment:
            mlflow.set_experiment(tracking.experiment)
        with mlflow.start_run(run_name=tracking.run_name):
            mlflow.log_params(_run_params(parameters))
            mlflow.set_tags(dict(tags))
            mlflow.log_artifact(str(report_file), artifact_path="servecheck")
            info = Model.log(
                artifact_path=None,
                flavor=_pyfunc_naming_code_by_file(),
                name=name,
                registered_model_name=tracking.register,
                tags=dict(tags),
                **save_args,
            )
        if tracking.register and tracking.alias:
            mlflow.MlflowClient().set_registered_model_alias(
                tracking.register, tracking.alias, str(info.registered_model_version)
            )
    except MlflowException as exc:
        raise ExportError(
            f"The tracking server {tracking.uri} refused the model: {exc.message}",
            hint="check the tracking URI and that the server is reachable",
        ) from exc
    return str(info.model_uri)


def _pyfunc_naming_code_by_file() -> Any:
    """`mlflow.pyfunc` as the flavor that saves the logged model, but its MLmodel names the
    model's code file by name, not by the path of the export's scratch folder."""
    import mlflow

    def save_model(path: str, mlflow_model: Any, **kwargs: Any) -> None:
        mlflow.pyfunc.save_model(path=path, mlflow_model=mlflow_model, **kwargs)
        name_code_by_file_name(mlflow_model)
        mlflow_model.save(os.path.join(path, "MLmodel"))

    return SimpleNamespace(__name__="mlflow.pyfunc", save_model=save_model)


def start(tracking: Tracking) -> None:
    """Point MLflow at the tracking server, from the working directory of the export.

    The store resolves its default artifact root (./mlruns) against the working directory
    when it is first used: here, not in the temp folder the model is saved from.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(tracking.uri)
    try:
        mlflow.MlflowClient().search_experiments(max_results=1)
    except MlflowException as exc:
        raise ExportError(
            f"Cannot use the MLflow tracking server {tracking.uri}: {exc.message}",
            hint="pass --tracking-uri (a database URI such as sqlite:///mlflow.db), or fix "
            "server.mlflow_tracking_uri in conf/<env>/mlflow.yml",
        ) from exc


def _mlflow_yml(project: Project) -> dict[str, Any]:
    """kedro-mlflow's settings of the project's env ({} without an mlflow.yml)."""
    loader = project.config_loader
    if loader is None:
        return {}
    patterns = getattr(loader, "config_patterns", None)
    if isinstance(patterns, dict):
        patterns.setdefault("mlflow", MLFLOW_YML_PATTERNS)
    try:
        return dict(loader["mlflow"])
    except MissingConfigException:
        return {}
    except Exception as exc:  # the config loader's own errors: YAML, interpolation
        raise UsageError(
            f"Cannot read kedro-mlflow's mlflow.yml: {' '.join(str(exc).split())}",
            where=f"conf/{project.env}/mlflow.yml",
            hint="fix mlflow.yml, or pass --tracking-uri to log elsewhere",
        ) from exc


def _run_params(parameters: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested parameters as MLflow run params: `model.alpha`, values as text."""
    flat: dict[str, str] = {}
    for key, value in parameters.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_run_params(value, f"{name}."))
        else:
            flat[name] = str(value)[:_MAX_PARAM_VALUE]
    return flat
