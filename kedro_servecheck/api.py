"""The public Python API: `check()` and `export()`, the same paths the CLI takes."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kedro_servecheck.analysis.analysis import analyze
from kedro_servecheck.analysis.producers import Producers
from kedro_servecheck.analysis.targets import ServingSpec, select_serving_specs
from kedro_servecheck.catalog.resolve import Catalog
from kedro_servecheck.exporter.backend import ExportOptions, ExportResult, export_report
from kedro_servecheck.exporter.requirements import Pin
from kedro_servecheck.exporter.user_requirements import RequirementsValue, user_requirements
from kedro_servecheck.lint.engine import review
from kedro_servecheck.lint.settings import Overrides, Settings
from kedro_servecheck.load.project import Project, load_project
from kedro_servecheck.quiet_logging import stdout_reserved
from kedro_servecheck.report.report import Report


def check(
    path: str | Path = ".",
    pipelines: Sequence[str] = (),
    *,
    input: str | None = None,
    output: str | None = None,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    load_versions: Mapping[str, str] | None = None,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    strict: bool | None = None,
    require_artifacts: bool | None = None,
    stub_missing: bool | None = None,
) -> Report:
    """Check that the serving pipelines of the Kedro project at `path` can be served.

    Loads the project once (no node runs, no dataset is loaded, mlflow is not imported),
    then analyses each serving pipeline, runs the selected rules and applies the settings of
    `[tool.servecheck]` and the suppression comments.

    Args:
        path: The project folder (or a folder inside it).
        pipelines: Registered pipelines to check; by default those of `[tool.servecheck]`,
            else every kedro-mlflow PipelineML, else the pipeline named `inference`.
        input: The data input (the data to predict on); inferred when not given.
        output: The output to serve; the pipeline is pruned to what it needs.
        env: The Kedro configuration environment.
        params: Runtime parameters, as `kedro run --params` gives them.
        load_versions: Versions to load of versioned datasets (`--load-versions`), dataset
            name -> version; by default the newest on disk.
        select: Rule codes or prefixes to run, instead of `select` in `[tool.servecheck]`
            (default `ALL`).
        extend_select: Rule codes or prefixes to run on top of `select`.
        ignore: Rule codes or prefixes to skip, on top of `ignore` in `[tool.servecheck]`.
        strict: Make warnings fail the check (`Report.exit_code`); None: as the file says.
        require_artifacts: The check runs after training: an artifact that a pipeline would
            produce must be on disk (SC202/SC203, not SC208); None: as the file says.
        stub_missing: Stand stubs in for third-party packages the project imports that are
            not installed here (SC402), instead of failing to load; None: as the file says.

    Raises:
        ServecheckError: The project cannot be loaded, the settings are invalid, or the
            request is impossible.
    """
    overrides = Overrides(
        select=None if select is None else tuple(select),
        extend_select=tuple(extend_select),
        ignore=tuple(ignore),
        strict=strict,
        require_artifacts=require_artifacts,
        stub_missing=stub_missing,
    )
    project, settings = _load(
        path, env=env, params=params, load_versions=load_versions, overrides=overrides
    )
    return _run(project, settings, pipelines, input=input, output=output)


def export(
    path: str | Path = ".",
    pipeline: str | None = None,
    *,
    model_dir: str | Path | None = None,
    input: str | None = None,
    output: str | None = None,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    load_versions: Mapping[str, str] | None = None,
    sample: str | Path | None = None,
    verify: bool = False,
    force: bool = False,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    run_name: str | None = None,
    register: str | None = None,
    alias: str | None = None,
    pip_requirements: RequirementsValue | None = None,
    extra_pip_requirements: RequirementsValue | None = None,
    pin: Pin | None = None,
    stub_missing: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExportResult:
    """Check the serving pipeline of the project at `path`, then export it as an MLflow model.

    Args:
        path: The Kedro project folder.
        pipeline: The registered pipeline to export (default: the one `check` would pick).
        model_dir: The folder to write the model to (must not exist unless `force`).
        input: The data input; inferred when not given.
        output: The output to serve; the pipeline is pruned to what it needs.
        env: The Kedro configuration environment.
        params: Runtime parameters, as `kedro run --params` gives them.
        load_versions: Versions of versioned artifacts to package (`--load-versions`).
        sample: A CSV, Parquet or JSON file of rows to predict on (the input example).
        verify: Load the model in a fresh process and compare with Kedro's own run.
        force: Replace an existing `output` folder.
        tracking_uri: Log the model to this MLflow tracking server; by default
            `MLFLOW_TRACKING_URI`, else kedro-mlflow's mlflow.yml, when the model is logged
            (any tracking argument given, or no `model_dir`).
        experiment: The experiment to log into (default: mlflow.yml's, else MLflow's).
        run_name: The name of the run that logs the model.
        register: Register the logged model under this name.
        alias: Set this alias on the registered version (`models:/name@alias`).
        pip_requirements: The model's requirements instead of the inferred ones, as MLflow's
            `pip_requirements`: a requirements file (a `Path`, or a string naming an existing
            file), a comma-separated string, or a list of requirement strings.
        extra_pip_requirements: Requirements added to the inferred ones (same forms).
        pin: How the inferred requirements are pinned: "exact" (`name==1.2.3`, the default)
            or "compatible" (`name~=1.2`).
        stub_missing: Stand stubs in for missing third-party packages that only unserved
            code imports; None: as `stub-missing` in [tool.servecheck] says.
        progress: Called with the name of each step.

    Raises:
        ExportBlocked: The check has an error finding (`.findings` are those that block it).
        ServecheckError: Anything else that stops the export; nothing is left behind.
    """
    options = ExportOptions(
        model_dir=Path(model_dir) if model_dir else None,
        sample=Path(sample) if sample else None,
        verify=verify,
        force=force,
        tracking_uri=tracking_uri,
        experiment=experiment,
        run_name=run_name,
        register=register,
        alias=alias,
        pip_requirements=user_requirements(pip_requirements, "pip_requirements"),
        extra_pip_requirements=user_requirements(extra_pip_requirements, "extra_pip_requirements"),
        pin=pin,
        progress=progress or (lambda step: None),
    )
    options.progress("load and check")
    report = _check_for_export(
        path,
        pipeline,
        input=input,
        output=output,
        env=env,
        params=params,
        load_versions=load_versions,
        stub_missing=stub_missing,
    )
    return export_report(report, options)


def _check_for_export(
    path: str | Path,
    pipeline: str | None,
    *,
    input: str | None = None,
    output: str | None = None,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    load_versions: Mapping[str, str] | None = None,
    stub_missing: bool | None = None,
) -> Report:
    """The check an export starts with: one pipeline, its artifacts required on disk."""
    return check(
        path,
        [pipeline] if pipeline else (),
        input=input,
        output=output,
        env=env,
        params=params,
        load_versions=load_versions,
        require_artifacts=True,
        stub_missing=stub_missing,
    )


def _load(
    path: str | Path,
    *,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    load_versions: Mapping[str, str] | None = None,
    overrides: Overrides | None = None,
) -> tuple[Project, Settings]:
    """The project at `path` and its effective settings (no rule runs)."""
    overrides = overrides or Overrides()
    with stdout_reserved():  # user code may print, and Kedro log, while the project loads
        project = load_project(
            path,
            env,
            runtime_params=params,
            load_versions=load_versions,
            stub_missing=overrides.stub_missing,
        )
    return project, Settings.resolve(project, overrides)


def _targets(
    project: Project,
    settings: Settings,
    pipelines: Sequence[str] = (),
    input: str | None = None,
    output: str | None = None,
) -> list[ServingSpec]:
    """The serving pipelines to check, with their data input and output."""
    return select_serving_specs(project, settings.pipelines, pipelines, input, output)


def _run(
    project: Project,
    settings: Settings,
    pipelines: Sequence[str] = (),
    *,
    input: str | None = None,
    output: str | None = None,
) -> Report:
    """Analyse the serving pipelines of `project` and review them under `settings`."""
    with _collector_paused():
        catalog = Catalog.of(project)
        producers = Producers(project.pipelines, catalog)
        analyses = [
            analyze(project, catalog, producers, spec)
            for spec in _targets(project, settings, pipelines, input, output)
        ]
        review(analyses, settings)
        return Report(project.root, project.package, project.env, analyses, strict=settings.strict)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (if it runs) for the analysis.

    The analysis allocates many small objects (dataset specs, findings) and frees almost none
    before it ends: every pass of the collector would walk the whole loaded project again and
    find no garbage. On the scale benchmark's projects the passes took a quarter to two fifths
    of the analysis (docs/benchmarks.md). Garbage left in cycles is collected once the
    collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
