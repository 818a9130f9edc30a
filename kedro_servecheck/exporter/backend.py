"""The one export backend: an analysed, servable pipeline → a verified MLflow pyfunc model.

Steps: claim the target, start Spark (for a spark data input), stage artifacts, pin
requirements, build the signature from a run on the input example, save (models-from-code),
optionally log and register, verify in a fresh process, then move the model into place.
Everything happens in a scratch folder next to the target, so a failure leaves nothing behind,
and only an MLflow model is ever replaced, with `force` (target.py says what never is).
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
from typing import TYPE_CHECKING, Any

from kedro_servecheck._version import __version__
from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.errors import ExportBlocked, UsageError
from kedro_servecheck.exporter.copying import CopyProgress
from kedro_servecheck.exporter.example import input_example
from kedro_servecheck.exporter.failures import explained
from kedro_servecheck.exporter.machine_paths import MachinePaths, name_code_by_file_name
from kedro_servecheck.exporter.native import run_natively
from kedro_servecheck.exporter.requirements import Pin, model_code, pinned_requirements
from kedro_servecheck.exporter.scratch import (
    EXPORT_PREFIX,
    VERIFY_PREFIX,
    remove_stale,
    scratch_folder,
)
from kedro_servecheck.exporter.served_code import ServedCode
from kedro_servecheck.exporter.signature import model_signature
from kedro_servecheck.exporter.spark import SparkOptions, spark_settings
from kedro_servecheck.exporter.staging import (
    StagedArtifact,
    function_path,
    stage_serving,
    write_json,
)
from kedro_servecheck.exporter.target import (
    Claim,
    Protected,
    check_target,
    claimed,
    move_into_place,
)
from kedro_servecheck.exporter.tracking import Tracking, log_model, tracking_for
from kedro_servecheck.exporter.tracking import start as start_tracking
from kedro_servecheck.exporter.user_requirements import UserRequirements, with_extra
from kedro_servecheck.exporter.verify import compare, predict_in_fresh_process
from kedro_servecheck.findings import Severity
from kedro_servecheck.report import Report

if TYPE_CHECKING:
    from kedro_servecheck.exporter.runtime import ServedPipeline

RUNTIME_FILE = "servecheck_model.py"
_SAVED_SERVING = "artifacts/serving"  # where MLflow saves the "serving" artifact in a model
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
    pip_requirements: UserRequirements | None = None  # instead of the inferred requirements
    extra_pip_requirements: UserRequirements | None = None  # on top of them
    pin: Pin | None = None  # how the inferred requirements are pinned (None: exact)
    spark: SparkOptions = field(default_factory=SparkOptions)
    progress: Callable[[str], None] = field(default=lambda step: None)
    copying: CopyProgress = field(default=lambda dataset, done, total: None)  # bytes copied

    def __post_init__(self) -> None:
        if self.alias and not self.register:
            raise UsageError("--alias needs --register", hint="pass --register NAME --alias NAME")
        if self.pip_requirements and self.extra_pip_requirements:
            raise UsageError(
                "--pip-requirements and --extra-pip-requirements cannot be used together "
                "(as in MLflow)",
                hint="--pip-requirements replaces the inferred list; --extra-pip-requirements "
                "adds to it: choose one",
            )
        if self.pip_requirements and self.pin:
            raise UsageError(
                "--pin has nothing to pin with --pip-requirements: the model gets your list "
                "as it is",
                hint="pin versions in your list, or drop --pip-requirements",
            )

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
    requirements: list[str]  # the lines of the model's requirements.txt
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
    protected = Protected.of(analysis)
    given = options.model_dir
    target = check_target(given, options.force, protected) if given else None
    for prefix in (EXPORT_PREFIX, VERIFY_PREFIX):  # what killed exports left in the temp folder
        remove_stale(Path(tempfile.gettempdir()), prefix)
    with _workspace(given, target, options.force) as (stage, claim), _quiet_mlflow():
        result = _export(analysis, data_input, report, options, tracking, stage, target)
        if claim is not None:
            move_into_place(stage / "model", claim, protected)
        return result


@contextlib.contextmanager
def _workspace(
    given: Path | None, target: Path | None, force: bool
) -> Iterator[tuple[Path, Claim | None]]:
    """The scratch folder the model is built in: the target's claim, or a temp folder for a
    model that is only logged."""
    if given is None or target is None:
        with scratch_folder(EXPORT_PREFIX, Path(tempfile.gettempdir())) as stage:
            yield stage, None
    else:
        with claimed(target, given, force) as claim:
            yield claim.stage, claim


def _export(
    analysis: Analysis,
    data_input: str,
    report: Report,
    options: ExportOptions,
    tracking: Tracking | None,
    stage: Path,
    target: Path | None,
) -> ExportResult:
    """Every step of the export but the move into place, in the scratch folder `stage`."""
    from kedro_servecheck.exporter.runtime import ServedPipeline

    project = analysis.project
    spark = spark_settings(analysis, data_input, options.spark)
    options.progress("stage artifacts")
    serving = stage / "serving"
    artifacts = stage_serving(analysis, serving, project.credentials(), options.copying, spark)
    provenance = _provenance(analysis, artifacts, spark)
    write_json(serving / "report.json", {"check": report.to_dict(), "provenance": provenance})
    machine = MachinePaths.of(project.root, stage)
    machine.scrub_file(serving / "report.json")

    options.progress("requirements")
    loaded_types = [spec.inner_type for spec in analysis.persisted_specs()]
    node_modules = [function_path(node).partition(":")[0] for node in analysis.pipeline.nodes]
    if spark:  # the model turns each request into a spark DataFrame
        node_modules.append("pyspark")
    code = model_code(
        project.package_dir, node_modules, loaded_types, [serving / a.path for a in artifacts]
    )
    _refuse_stubs(code, analysis)
    inferred = pinned_requirements(code, project.package, loaded_types, options.pin or "exact")
    requirements = inferred.lines
    if options.pip_requirements:
        requirements = options.pip_requirements.for_mlflow()
    elif options.extra_pip_requirements:
        requirements = with_extra(requirements, options.extra_pip_requirements)

    options.progress("signature")
    example = input_example(analysis, data_input, options.sample)
    warned = [] if options.pip_requirements else list(inferred.warnings)
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
        "code_paths": [str(_source_only(project.package_dir, stage / "package"))],
        "signature": signature,
        "input_example": example,
        "pip_requirements": requirements,
        "metadata": {"servecheck": provenance},
    }
    if tracking is not None:
        start_tracking(tracking)
    with _inside(stage), _env(MLFLOW_UV_AUTO_DETECT="false"):
        _save_model(Path("model"), serving.relative_to(stage), save_args)
        model_uri = None
        if tracking is not None:
            options.progress("log")
            model_uri = log_model(
                tracking,
                analysis.name,
                {**save_args, "artifacts": {"serving": f"model/{_SAVED_SERVING}"}},
                analysis.frozen_parameters(),
                _tags(provenance),
                stage / "model" / _SAVED_SERVING / "report.json",
            )
    carriers = machine.carriers(stage / "model")
    if carriers:
        warned.append(
            f"{', '.join(carriers)} in the model hold(s) an absolute path of this machine "
            "(the project's, or one in the home folder): the project's own code, values or "
            "artifacts, copied as they are"
        )
    written = (stage / "model/requirements.txt").read_text(encoding="utf-8").splitlines()

    verified = False
    if options.verify:
        options.progress("verify")
        prediction = predict_in_fresh_process(
            stage / "model", example, None, project.package_dir.parent
        )
        with explained(
            "Kedro's own run fails on the input example", nodes, project.root, _RUN_HINT
        ):
            expected = _run_natively(analysis, data_input, example, served)
        compare(prediction, expected)
        verified = True
    held = [line.strip() for line in written if line.strip()]
    return ExportResult(analysis.name, target, model_uri, artifacts, held, verified, warned)


def _refuse_stubs(code: ServedCode, analysis: Analysis) -> None:
    """A stub stands in for a missing package only to build the pipelines: refuse to export
    when the served code needs one (a stub that only unserved code imports is fine)."""
    project = analysis.project
    stubbed = {**project.stubbed_packages, **project.stood_in_packages}
    needed = sorted(name for name in code.imports if name in stubbed)
    if needed:
        listing = ", ".join(f"{name} (needed by {code.imports[name]})" for name in needed)
        raise ExportBlocked(
            f"Cannot export with stand-ins for missing packages the model needs: {listing}",
            hint="install them here: the model's requirements are read from this environment",
        )


def _run_natively(analysis: Analysis, data_input: str, example: Any, served: ServedPipeline) -> Any:
    """Kedro's own run on the example: for a spark data input, on a spark DataFrame of the
    same rows (built as the model builds it), its spark output as pandas."""
    spark = served.spark
    if spark is None:
        return run_natively(analysis, data_input, example)
    return spark.to_pandas(run_natively(analysis, data_input, spark.to_spark(example)))


def _source_only(package_dir: Path, folder: Path) -> Path:
    """A copy of the project's package in `folder` without its bytecode caches, which are this
    machine's (they name its absolute paths) and which the serving Python writes anew."""
    copy = folder / package_dir.name
    shutil.copytree(package_dir, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    return copy


def _save_model(model: Path, serving: Path, save_args: dict[str, Any]) -> None:
    """`mlflow.pyfunc.save_model`, the copied artifacts moved in afterwards: MLflow would copy
    them again, through the temp folder and with their holes filled."""
    import mlflow
    from mlflow.models import Model

    data, held = serving / "data", serving.with_name("held-data")
    if data.exists():
        data.rename(held)
    mlflow.pyfunc.save_model(path=str(model), **save_args)
    saved = Model.load(str(model))
    name_code_by_file_name(saved)
    if held.exists():
        held.rename(model / _SAVED_SERVING / "data")
        if saved.model_size_bytes is not None:
            saved.model_size_bytes += _size(model / _SAVED_SERVING / "data")
    saved.save(str(model / "MLmodel"))


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


def _provenance(
    analysis: Analysis, artifacts: list[StagedArtifact], spark: dict[str, Any] | None
) -> dict[str, Any]:
    from importlib import metadata

    sha, dirty = _git_state(analysis.project.root)
    spark_session = {"spark": {key: spark[key] for key in ("master", "conf")}} if spark else {}
    return {
        **spark_session,
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


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


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
