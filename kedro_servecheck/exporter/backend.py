"""The one export backend: an analysed, servable pipeline → a verified MLflow pyfunc model.

Steps: stage artifacts, pin requirements, build the signature from a run on the input
example, save (models-from-code), optionally log and register, verify in a fresh process,
then move the model into place. Everything happens in a temp folder next to the target, so
a failure leaves nothing behind and an existing model is only replaced with `force`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kedro_servecheck._version import __version__
from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.errors import ExportBlocked, UsageError
from kedro_servecheck.exporter.example import input_example
from kedro_servecheck.exporter.failures import explained
from kedro_servecheck.exporter.native import run_natively
from kedro_servecheck.exporter.requirements import pinned_requirements
from kedro_servecheck.exporter.signature import model_signature
from kedro_servecheck.exporter.staging import (
    StagedArtifact,
    stage_serving,
    write_json,
)
from kedro_servecheck.exporter.tracking import Tracking, log_model, tracking_for
from kedro_servecheck.exporter.tracking import start as start_tracking
from kedro_servecheck.exporter.verify import compare, predict_in_fresh_process
from kedro_servecheck.findings import Severity
from kedro_servecheck.report import Report

RUNTIME_FILE = "servecheck_model.py"
_RUN_HINT = "fix that node, or pass a --sample of rows the pipeline can score"
_LOAD_HINT = "export where the artifacts' packages are installed, as the model will serve"


@dataclass
class ExportOptions:
    """What to do with the model: where to save it, whether to verify, log and register it."""

    model_dir: Path | None = None
    sample: Path | None = None
    verify: bool = False
    force: bool = False
    tracking_uri: str | None = None
    experiment: str | None = None
    run_name: str | None = None
    register: str | None = None
    alias: str | None = None
    progress: Callable[[str], None] = field(default=lambda step: None)

    def __post_init__(self) -> None:
        if self.alias and not self.register:
            raise UsageError("--alias needs --register", hint="pass --register NAME --alias NAME")

    @property
    def logs(self) -> bool:
        """Whether the model is logged to a tracking server (not only saved to --model-dir)."""
        asked = (self.tracking_uri, self.experiment, self.run_name, self.register, self.alias)
        return any(asked) or self.model_dir is None


@dataclass
class ExportResult:
    """Where the model went and what it holds."""

    pipeline: str
    path: Path | None
    model_uri: str | None
    artifacts: list[StagedArtifact]
    requirements: list[str]
    verified: bool
    warnings: list[str] = field(default_factory=list)  # what the model lacks, and how to add it


def export_report(report: Report, options: ExportOptions) -> ExportResult:
    """Export the one pipeline `report` checked (the analysis the check made, not a new one).

    Raises:
        ExportBlocked: The check has an error finding (`.findings` are those that block it).
        ServecheckError: Anything else that stops the export; nothing is left behind.
    """
    if len(report.analyses) != 1:
        names = ", ".join(analysis.name for analysis in report.analyses)
        raise UsageError(
            f"Export takes one pipeline; the check selected {names}", hint="pass --pipeline NAME"
        )
    return export_analysis(report.analyses[0], report, options)


def export_analysis(analysis: Analysis, report: Report, options: ExportOptions) -> ExportResult:
    """Export one analysed pipeline; refuse when its check has an error finding."""
    errors = [f for f in analysis.findings if f.severity is Severity.ERROR]
    data_input = analysis.data_input
    if errors or data_input is None:
        codes = ", ".join(sorted({f.code for f in errors})) or "no data input"
        raise ExportBlocked(
            f"Pipeline '{analysis.name}' is not servable ({codes})",
            hint="fix the findings above, then export again",
            findings=errors,
        )
    if importlib.util.find_spec("mlflow") is None:
        raise UsageError(
            "servecheck export needs mlflow, which is not installed here",
            hint="pip install 'kedro-servecheck[export]'",
        )
    if analysis.data_input_is(Loads.SPARK):
        raise ExportBlocked(
            f"Cannot export '{analysis.name}': its data input '{data_input}' is a spark "
            "DataFrame, and the exported model hands its nodes the pandas DataFrame MLflow "
            "builds from each request (SC105)",
            hint="serve a pipeline whose nodes read the data input as pandas (a transcoded "
            f"'{data_input}@pandas' entry of the same file, or a first node that converts it)",
        )
    stubbed = analysis.project.stubbed_packages
    if stubbed:
        raise ExportBlocked(
            f"Cannot export with stand-ins for missing packages ({', '.join(sorted(stubbed))})",
            hint="install them here: the model's requirements are read from this environment",
        )
    tracking = None
    if options.logs:
        tracking = tracking_for(
            analysis.project,
            options.tracking_uri,
            options.experiment,
            options.run_name,
            options.register,
            options.alias,
        )
    target = options.model_dir.resolve() if options.model_dir else None
    if target is not None and target.exists() and not options.force:
        raise UsageError(
            f"{options.model_dir} already exists",
            hint="choose another --model-dir, or pass --force to replace it",
        )
    parent = target.parent if target else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix=".servecheck-export-", dir=parent) as stage,
        _quiet_mlflow(),
    ):
        return _export(analysis, data_input, report, options, tracking, Path(stage), target)


def _export(
    analysis: Analysis,
    data_input: str,
    report: Report,
    options: ExportOptions,
    tracking: Tracking | None,
    stage: Path,
    target: Path | None,
) -> ExportResult:
    """Every step of the export, in the temp folder `stage`."""
    import mlflow

    from kedro_servecheck.exporter.runtime import ServedPipeline

    project = analysis.project
    options.progress("stage artifacts")
    serving = stage / "serving"
    artifacts = stage_serving(analysis, serving, project.credentials())
    provenance = _provenance(analysis, artifacts)
    write_json(serving / "report.json", {"check": report.to_dict(), "provenance": provenance})

    options.progress("requirements")
    data_types = [
        free.spec.inner_type
        for free in analysis.inputs
        if free.spec and free.role in (Role.PERSISTED, Role.DATA)
    ]
    requirements = pinned_requirements(
        project.package_dir, data_types, [serving / a.path for a in artifacts]
    )

    options.progress("signature")
    example = input_example(analysis, data_input, options.sample)
    warned = []
    if example is None:
        if options.verify:
            raise UsageError(
                f"--verify needs an input example: the data input '{data_input}' is not a file"
                " in the catalog",
                hint="pass --sample FILE (a CSV, Parquet or JSON file of rows to predict on)",
            )
        warned.append(
            f"no input example for '{data_input}' (not a file in the catalog, no --sample): the "
            "model checks no request's columns; --sample FILE adds the input schema and example"
        )
    served = ServedPipeline()
    with explained("The packaged artifacts cannot be loaded", (), project.root, _LOAD_HINT):
        served.load(serving)
    params = {
        key: value
        for key, value in analysis.frozen_parameters().items()
        if analysis.overridable(key)
    }
    nodes = analysis.pipeline.nodes
    with explained("The pipeline fails on the input example", nodes, project.root, _RUN_HINT):
        signature = model_signature(served.run, example, params)

    options.progress("save")
    shutil.copy2(Path(__file__).with_name("runtime.py"), stage / RUNTIME_FILE)
    save_args = {
        "python_model": RUNTIME_FILE,
        "artifacts": {"serving": "serving"},
        "code_paths": [str(project.package_dir)],
        "signature": signature,
        "input_example": example,
        "pip_requirements": requirements,
        "metadata": {"servecheck": provenance},
    }
    if tracking is not None:
        start_tracking(tracking)
    with _inside(stage), _env(MLFLOW_UV_AUTO_DETECT="false"):
        mlflow.pyfunc.save_model(path="model", **save_args)
        model_uri = None
        if tracking is not None:
            options.progress("log")
            model_uri = log_model(
                tracking,
                analysis.name,
                save_args,
                analysis.frozen_parameters(),
                _tags(provenance),
                serving / "report.json",
            )
    _scrub_absolute_paths(stage / "model", [stage, project.root])

    verified = False
    if options.verify:
        options.progress("verify")
        prediction = predict_in_fresh_process(
            stage / "model", example, None, project.package_dir.parent
        )
        with explained(
            "Kedro's own run fails on the input example", nodes, project.root, _RUN_HINT
        ):
            expected = run_natively(analysis, data_input, example)
        compare(prediction, expected)
        verified = True
    if target is not None:
        _move_into_place(stage / "model", target)
    return ExportResult(analysis.name, target, model_uri, artifacts, requirements, verified, warned)


def _tags(provenance: dict[str, Any]) -> dict[str, str]:
    """The provenance as MLflow tags; what is unknown (no git) is left out."""
    dirty = provenance["git_dirty"]
    tags = {
        "servecheck.pipeline": provenance["pipeline"],
        "servecheck.version": provenance["servecheck_version"],
        "servecheck.env": provenance["env"],
        "kedro.version": provenance["kedro_version"],
        "git.sha": provenance["git_sha"],
        "git.dirty": None if dirty is None else str(dirty).lower(),
    }
    return {key: value for key, value in tags.items() if value is not None}


def _provenance(analysis: Analysis, artifacts: list[StagedArtifact]) -> dict[str, Any]:
    from importlib import metadata

    sha, dirty = _git_state(analysis.project.root)
    return {
        "pipeline": analysis.name,
        "package": analysis.project.package,
        "env": analysis.project.env,
        "data_input": analysis.data_input,
        "output": analysis.outputs[0],
        "git_sha": sha,
        "git_dirty": dirty,
        "servecheck_version": __version__,
        "kedro_version": metadata.version("kedro"),
        "artifacts": {
            a.name: {"source": a.source, "version": a.version, "sha256": a.sha256}
            for a in artifacts
        },
    }


def _git_state(root: Path) -> tuple[str | None, bool | None]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    sha = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--", ".")
    return sha, (bool(status) if status is not None and sha else None)


def _scrub_absolute_paths(model: Path, roots: list[Path]) -> None:
    """MLflow records source paths in MLmodel; keep the exporting machine's paths out."""
    mlmodel = model / "MLmodel"
    text = mlmodel.read_text(encoding="utf-8")
    for root in roots:
        text = text.replace(f"{root.resolve()}/", "").replace(str(root.resolve()), ".")
    mlmodel.write_text(text, encoding="utf-8")


def _move_into_place(model: Path, target: Path) -> None:
    """Replace `target` by `model`; an existing target is only removed once the move worked."""
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.servecheck-old")
        shutil.rmtree(backup, ignore_errors=True)
        target.rename(backup)
    try:
        model.rename(target)
    except OSError:
        if backup is not None:
            backup.rename(target)
        raise
    if backup is not None:
        shutil.rmtree(backup)


@contextlib.contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow's own advice and INFO lines would bury the export's output."""
    import mlflow  # noqa: F401  (configures its loggers on import: quiet them afterwards)

    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """Save with relative paths, so MLmodel records no absolute source path."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
