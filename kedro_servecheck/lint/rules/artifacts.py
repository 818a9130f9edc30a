"""Rules about catalog datasets and persisted inputs: the artifacts packaged with the model
(SC2xx)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.analysis.producers import Producer
from kedro_servecheck.catalog.dataset_types import DatasetType, Storage
from kedro_servecheck.catalog.resolve import DatasetSpec, Source, display_path, wrapped_entry
from kedro_servecheck.catalog.signatures import check_arguments
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE, PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext
from kedro_servecheck.load.locations import relative_path

_VERSIONED = MODEL + "  versioned: true\n"
_MLFLOW_ARTIFACT = """\
model:
  type: kedro_mlflow.io.artifacts.MlflowArtifactDataset
  dataset:
    type: pickle.PickleDataset
    filepath: data/06_models/model.pkl
"""
_CSV_FEATURES = """\
features:
  type: pandas.CSVDataset
  filepath: data/f.csv
  {key}:
    sep: ;
"""
_MLFLOW_MODEL = """\
model:
  type: kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset
  flavor: mlflow.sklearn
  filepath: data/06_models/model
"""
_VERSION = "2026-01-01T00.00.00.000Z"


def _is_file_backed(spec: DatasetSpec) -> bool:
    """Whether export can copy the spec's data: a file or folder, not a table or an API."""
    info = spec.inner_type.info
    return spec.filepath is not None and not (info and info.storage is Storage.NONE)


@dataclass(frozen=True)
class _Absent:
    """A local persisted input with nothing on disk to load, and the pipelines that make it."""

    spec: DatasetSpec
    path: str  # as reports show it
    producers: list[Producer]

    @property
    def made_by(self) -> str:
        """`, and no registered pipeline produces it`, or ` (pipeline 'training' makes it)`."""
        if not self.producers:
            return ", and no registered pipeline produces it"
        return f" (pipeline '{self.producers[0].pipeline}' makes it)"


def _absent(ctx: RuleContext, versioned: bool) -> Iterator[_Absent]:
    """The local persisted inputs, versioned or not, that have nothing on disk to load."""
    analysis = ctx.analysis
    for spec in analysis.persisted_specs():
        if spec.is_local and spec.versioned is versioned and not spec.exists:
            shown = str(display_path(spec, analysis.project.root))
            yield _Absent(spec, shown, analysis.producers.of(spec))


def _before_training(ctx: RuleContext, absent: _Absent) -> bool:
    """Whether `absent` is only not trained yet: a pipeline makes it, the check runs before
    training, and no version is pinned (training saves a new version, never the pinned one)."""
    pinned = absent.spec.versioned and absent.spec.version is not None
    return bool(absent.producers) and not ctx.artifacts_required and not pinned


def _missing(rule: Rule, ctx: RuleContext, absent: _Absent, message: str) -> Finding:
    """`rule`'s finding for an artifact export cannot find, with the likeliest fix."""
    root = ctx.analysis.project.root
    if absent.producers:
        hint = f"run `{absent.producers[0].command}` to produce it, or fix its filepath"
    elif (close := absent.spec.look_alike()) is not None:
        hint = f"did you mean {relative_path(close, root)}? (fix its filepath in the catalog)"
    else:
        hint = "fix its filepath in the catalog, or register the pipeline that trains it"
    return rule.finding(ctx, message + absent.made_by, dataset=absent.spec.name, hint=hint)


class ArtifactNotPersisted(Rule):
    """Fires when a free input other than the data input is undeclared or a memory dataset.

    ## What it does
    Checks that every free input other than the data input and the parameters is declared
    in the catalog (an entry or a dataset factory pattern) as a dataset that is saved:
    not a MemoryDataset, and not left to Kedro's `{default}` memory dataset. While no
    data input is named and several undeclared inputs could be it, SC102 lists them instead.

    ## Why it matters
    A served model gets nothing but the request: every other input must be loaded from a
    file packaged with it. kedro-mlflow only reports this at the end of a training run.

    ## How to fix
    Declare the input in conf/base/catalog.yml with a type that saves it (for a model:
    pickle.PickleDataset at data/06_models/<name>.pkl) and produce it in training.
    """

    code = "SC201"
    name = "artifact-not-persisted"
    severity = Severity.ERROR
    valid = (Example(PREDICT, MODEL, files=MODEL_FILE),)
    invalid = (
        Example(
            PREDICT,
            input="features",
            expect_message="'model' is not in the catalog",
            expect_line=4,  # the `def` of the node that reads it
        ),
        Example(
            PREDICT,
            "model:\n  type: MemoryDataset\n",
            input="features",
            expect_message="'model' is declared as a MemoryDataset",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        inference = analysis.inference
        undetermined = inference.candidates if inference and analysis.data_input is None else ()
        for free in analysis.with_role(Role.UNRESOLVED):
            if free.name in undetermined:  # one of them is the data input: SC102 lists them
                continue
            if free.spec is None or free.spec.source is Source.DEFAULT:
                message = f"'{free.name}' is not in the catalog: serving would have no value for it"
            else:
                message = (
                    f"'{free.name}' is declared as a {free.spec.inner_type.short}, which "
                    "does not outlive a run"
                )
            yield self.finding(ctx, message, dataset=free.name)


class ArtifactMissing(Rule):
    """Fires when a persisted input's local file or folder does not exist.

    ## What it does
    Checks that each persisted input's local file (or folder) exists.

    ## Why it matters
    Export copies the file into the model; serving loads it. A missing file means the
    pipeline that produces it has not run here, or the filepath is wrong.

    ## How to fix
    Run the pipeline that produces it (train first), or fix its filepath in the catalog.
    """

    code = "SC202"
    name = "artifact-missing"
    severity = Severity.ERROR
    valid = (Example(PREDICT, MODEL, files=MODEL_FILE),)
    invalid = (
        Example(
            PREDICT,
            MODEL,
            expect_message="'model' has no file at data/06_models/model.pkl",
            expect_line=1,
        ),
        Example(
            PREDICT,
            _MLFLOW_ARTIFACT,
            expect_message="'model' has no file at data/06_models/model.pkl",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for absent in _absent(ctx, versioned=False):
            if not _before_training(ctx, absent):
                message = f"'{absent.spec.name}' has no file at {absent.path}"
                yield _missing(self, ctx, absent, message)


class ArtifactVersionMissing(Rule):
    """Fires when a versioned input has no version on disk (or not the pinned one).

    ## What it does
    For a versioned persisted input, checks that a version exists on disk
    (`<filepath>/<version>/<file name>`), or the pinned one when a version is pinned.

    ## Why it matters
    Kedro raises VersionNotFoundError when it loads a versioned dataset with no version.

    ## How to fix
    Run the pipeline that saves it, or pin a version that exists.
    """

    code = "SC203"
    name = "artifact-version-missing"
    severity = Severity.ERROR
    valid = (
        Example(PREDICT, _VERSIONED, files=(f"data/06_models/model.pkl/{_VERSION}/model.pkl",)),
    )
    invalid = (
        Example(
            PREDICT,
            _VERSIONED,
            expect_message="'model' is versioned and it has no version under",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for absent in _absent(ctx, versioned=True):
            if not _before_training(ctx, absent):
                spec = absent.spec
                missing = (
                    f"its pinned version {spec.version} is missing"
                    if spec.version
                    else ("it has no version")
                )
                message = f"'{spec.name}' is versioned and {missing} under {absent.path}/"
                yield _missing(self, ctx, absent, message)


class ArtifactNotFileBacked(Rule):
    """Fires when a persisted input has no file (SQL table, API, …).

    ## What it does
    Checks that each persisted input keeps its data in a file or folder (`filepath` or
    `path`), so that export can copy it into the model.

    ## Why it matters
    A model that reads a database table or an API at predict time is not portable: it
    needs the network, credentials, and the table as it was at training time. A model
    kept by kedro-mlflow's MlflowModelTrackingDataset or MlflowModelRegistryDataset lives on
    the tracking server and their `filepath` is empty: kedro-mlflow packages the whole
    working directory in its place, and the served model still loads the model from the
    tracking server (it fails where that server is not reachable).

    ## How to fix
    Save what the model needs to a file in training (a pickle or a parquet file), and read
    that file in the inference pipeline.
    """

    code = "SC204"
    name = "artifact-not-file-backed"
    severity = Severity.ERROR
    valid = (
        Example(PREDICT, MODEL, files=MODEL_FILE),
        Example(PREDICT, _MLFLOW_MODEL, files=("data/06_models/model/MLmodel",)),
        Example(PREDICT, _MLFLOW_ARTIFACT, files=MODEL_FILE),
    )
    invalid = (
        Example(
            PREDICT,
            "model:\n  type: pandas.SQLTableDataset\n  table_name: models\n  credentials: db\n",
            input="features",
            expect_message="'model' is a pandas.SQLTableDataset with no file to package",
            expect_line=1,
        ),
        Example(
            PREDICT,
            "model:\n  type: kedro_mlflow.io.models.MlflowModelTrackingDataset\n"
            "  flavor: mlflow.sklearn\n",
            input="features",
            expect_message="is a kedro_mlflow.io.models.MlflowModelTrackingDataset with no file",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for spec in ctx.analysis.persisted_specs():
            if not _is_file_backed(spec):
                info = spec.inner_type.info
                yield self.finding(
                    ctx,
                    f"'{spec.name}' is a {spec.inner_type.short} with no file to package",
                    dataset=spec.name,
                    hint=info.file_instead if info else None,
                )


class ArtifactRemote(Rule):
    """Fires when a persisted input is remote (s3://…): export must fetch it.

    ## What it does
    Warns when a persisted input lives on a remote filesystem (s3, gcs, abfs, http…).

    ## Why it matters
    Export must download it (with its credentials and the fsspec package for the
    protocol), and servecheck cannot tell statically whether it exists.

    ## How to fix
    Make sure the exporting machine can read it, or copy it locally before export.
    """

    code = "SC205"
    name = "artifact-remote"
    severity = Severity.WARNING
    valid = (Example(PREDICT, MODEL, files=MODEL_FILE),)
    invalid = (
        Example(
            PREDICT,
            "model:\n  type: pickle.PickleDataset\n  filepath: s3://bucket/model.pkl\n",
            input="features",
            expect_message="'model' is read from s3://bucket/model.pkl: export must fetch it",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for spec in ctx.analysis.persisted_specs():
            if spec.protocol and not spec.is_local:
                creds = f" with credentials '{spec.credentials}'" if spec.credentials else ""
                yield self.finding(
                    ctx,
                    f"'{spec.name}' is read from {spec.filepath}: export must fetch it{creds}",
                    dataset=spec.name,
                )


class DatasetTypeUnknown(Rule):
    """Fires when a dataset type does not resolve in Kedro 1.x (or its dependencies are missing).

    ## What it does
    Checks, without importing it, that every catalog type the serving pipeline (and a
    PipelineML's training pipeline) uses names a class Kedro 1.x can import, and that a
    file-backed persisted input's type (which export loads) has its dependencies installed.
    kedro-mlflow's 0.x class names get their new name.

    ## Why it matters
    Kedro resolves types only when it builds the dataset: a 0.19 spelling (`CSVDataSet`,
    kedro-mlflow's `MlflowArtifactDataSet`) or a missing extra fails the run, the export or
    the server.

    ## How to fix
    Use the class name the message gives (kedro-datasets and kedro-mlflow renamed classes
    for Kedro 1.x: `DataSet` became `Dataset`), or install the package or kedro-datasets
    extra it names.
    """

    code = "SC206"
    name = "dataset-type-unknown"
    severity = Severity.ERROR
    valid = (Example(PREDICT, MODEL, files=MODEL_FILE),)
    invalid = (
        Example(
            PREDICT,
            "model:\n  type: pickle.PickleDataSet\n  filepath: data/06_models/model.pkl\n",
            files=MODEL_FILE,
            input="features",
            expect_message="use 'pickle.PickleDataset'",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        packaged = {spec.name for spec in analysis.persisted_specs() if _is_file_backed(spec)}
        for name, spec in analysis.dataset_specs().items():
            if spec.source is Source.DEFAULT:
                continue
            for declared in dict.fromkeys((spec.type, spec.inner_type)):
                problem = declared.resolution_problem()
                if problem:
                    yield self.finding(ctx, f"'{name}': {problem}", dataset=name)
                elif name in packaged and (missing := declared.missing_requirements()):
                    extra = f"kedro-datasets[{declared.extra}]" if declared.extra else missing[0]
                    yield self.finding(
                        ctx,
                        f"'{name}': '{declared.short}' needs {', '.join(missing)},"
                        " not installed here",
                        dataset=name,
                        hint=f"pip install '{extra}'",
                    )


class ArtifactVersioned(Rule):
    """Fires when a versioned input will be packaged, naming the exact version.

    ## What it does
    For each versioned persisted input, names the version that would load (and export).

    ## Why it matters
    The newest version on disk is packaged, not the version history: check it is the one.

    ## How to fix
    Nothing to fix. To check and export another version, pin it as `kedro run` does:
    `--load-versions <dataset>:<version>`.
    """

    code = "SC207"
    name = "artifact-versioned"
    severity = Severity.INFO
    valid = (Example(PREDICT, MODEL, files=MODEL_FILE),)
    invalid = (
        Example(
            PREDICT,
            _VERSIONED,
            files=(f"data/06_models/model.pkl/{_VERSION}/model.pkl",),
            expect_message=f"'model' will be packaged at version {_VERSION}",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        for spec in analysis.persisted_specs():
            if spec.versioned and spec.version and spec.load_path is not None:
                pinned = spec.name in analysis.project.load_versions
                how = "pinned with --load-versions" if pinned else "the newest on disk"
                yield self.finding(
                    ctx,
                    f"'{spec.name}' will be packaged at version {spec.version}, {how} "
                    f"({display_path(spec, analysis.project.root)}/{spec.version})",
                    dataset=spec.name,
                    hint=f"to package another version: --load-versions {spec.name}:VERSION",
                )


class ArtifactNotTrained(Rule):
    """Fires when an artifact is not on disk yet, but a registered pipeline produces it.

    ## What it does
    For a persisted input with nothing on disk (no file, or a versioned one with no
    version), names the registered pipeline that saves it into that very catalog entry
    (its own name, a transcoded twin such as `model@pickle`, or a PipelineML's training).
    Checks that run after training (`require-artifacts = true`, `--require-artifacts`, and
    every export) report such an artifact as SC202 or SC203 instead.

    ## Why it matters
    On a fresh clone or in CI, `data/` is git-ignored and nothing is trained yet: the
    pipeline is servable once its training has run. Export needs the file, so train first.

    ## How to fix
    Nothing to fix before training: run the pipeline it names (`kedro run --pipelines
    training`) before `servecheck export`.
    """

    code = "SC208"
    name = "artifact-not-trained"
    severity = Severity.INFO
    valid = (
        Example(PREDICT, MODEL, files=MODEL_FILE, input="features", training="train(x) -> model"),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL,
            input="features",
            training="train(history) -> model",
            expect_message="'model' is not on disk yet (data/06_models/model.pkl): pipeline",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for versioned in (False, True):
            for absent in _absent(ctx, versioned):
                if _before_training(ctx, absent):
                    producer = absent.producers[0]
                    yield self.finding(
                        ctx,
                        f"'{absent.spec.name}' is not on disk yet ({absent.path}): pipeline "
                        f"'{producer.pipeline}' makes it",
                        dataset=absent.spec.name,
                        hint=f"run `{producer.command}` before `servecheck export`",
                    )


class DatasetArgumentsInvalid(Rule):
    """Fires when a catalog entry has an argument its class does not take, or lacks one it needs.

    ## What it does
    Reads the constructor of each dataset class from its source (kedro-datasets,
    kedro-mlflow, Kedro: nothing is imported) and checks against it every catalog entry of
    the serving pipeline and, for a kedro-mlflow PipelineML, of its training pipeline:
    each argument must be one the class takes (`versioned: true` passes `version`), and
    each argument it needs must be given. A wrapper (MlflowArtifactDataset, CachedDataset)
    is checked, and so is the dataset it wraps. kedro-mlflow's renamed and removed arguments
    (`data_set`, `run_id`, `artifact_path`) get their exact replacement. A class whose source
    is not found (a custom dataset) is not checked.

    ## Why it matters
    Kedro builds a dataset as `Class(**arguments)`: an argument the class does not take
    fails with "got an unexpected keyword argument" before any node runs. kedro-mlflow's
    hook builds every catalog entry at the start of every run, so with it one bad entry
    breaks every `kedro run`.

    ## How to fix
    Rename the argument to one the class takes (the message lists them), remove it, or add
    the arguments the class needs.
    """

    code = "SC209"
    name = "dataset-arguments-invalid"
    severity = Severity.ERROR
    valid = (
        Example(
            PREDICT,
            MODEL + _CSV_FEATURES.format(key="load_args"),
            files=MODEL_FILE,
            input="features",
        ),
        Example(PREDICT, _MLFLOW_ARTIFACT + "  artifact_path: models\n", files=MODEL_FILE),
    )
    invalid = (
        Example(
            PREDICT,
            MODEL + _CSV_FEATURES.format(key="load_arg"),
            files=MODEL_FILE,
            input="features",
            expect_message="pandas.CSVDataset does not take 'load_arg' (did you mean 'load_args'?)",
            expect_line=7,
        ),
        Example(
            PREDICT,
            _MLFLOW_ARTIFACT.replace("filepath:", "file_path:"),
            files=MODEL_FILE,
            expect_message="does not take 'file_path' (did you mean 'filepath'?)",
            expect_line=5,
        ),
        Example(
            PREDICT,
            _MLFLOW_ARTIFACT.replace("dataset:", "data_set:"),
            files=MODEL_FILE,
            expect_message="kedro-mlflow 0.12 renamed `data_set` to `dataset`",
            expect_line=3,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for name, spec in ctx.analysis.dataset_specs().items():
            if spec.source is Source.DEFAULT:
                continue
            entry = (spec.pattern or name,)
            yield from self._arguments(ctx, name, spec.type, spec.config, entry, None)
            wrapped = wrapped_entry(spec.type, spec.config)
            if wrapped:
                key, config = wrapped
                yield from self._arguments(
                    ctx, name, spec.inner_type, config, (*entry, key), spec.type
                )

    def _arguments(
        self,
        ctx: RuleContext,
        name: str,
        type_: DatasetType,
        config: dict[str, Any],
        entry: tuple[str, ...],
        wrapper: DatasetType | None,
    ) -> Iterator[Finding]:
        """The findings about the arguments of one class of the entry `entry` (the key path of
        its configuration): each argument it does not take, and those it lacks."""
        checked = check_arguments(type_, config)
        if checked is None:
            return
        accepted = checked.signature.accepted
        what = type_.current.short
        if wrapper is not None:
            what = f"{what} (wrapped by {wrapper.current.short})"
        suggested = set()
        locations = ctx.analysis.project.catalog_locations
        for argument in checked.unexpected:
            old = type_.old_argument(argument)
            close = difflib.get_close_matches(argument, accepted, n=1)
            if argument == "version":  # only `versioned: true` passes it (Kedro drops `version`)
                key, says = "versioned", "is versioned (`versioned: true`) but takes no 'version'"
            elif old:
                key, says = argument, f"does not take '{argument}': {old}"
            else:
                maybe = f" (did you mean '{close[0]}'?)" if close else ""
                key, says = argument, f"does not take '{argument}'{maybe}"
            suggested.update(close)
            declared = locations.find(*entry, key)
            yield self.finding(
                ctx,
                f"'{name}': {what} {says}; it takes {', '.join(accepted)}",
                dataset=name,
                location=declared.location if declared else None,
                hint=old,
            )
        missing = [argument for argument in checked.missing if argument not in suggested]
        if missing:
            declared = locations.find(*entry)
            yield self.finding(
                ctx,
                f"'{name}': {what} needs {', '.join(repr(arg) for arg in missing)}",
                dataset=name,
                location=declared.location if declared else None,
            )
