"""Rules about persisted inputs: the artifacts packaged with the model (SC2xx)."""

from __future__ import annotations

from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.catalog.dataset_types import Storage
from kedro_servecheck.catalog.resolve import DatasetSpec, Source, display_path
from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules.base import Example, Rule

_MODEL = """\
model:
  type: pickle.PickleDataset
  filepath: data/06_models/model.pkl
"""
_VERSIONED = _MODEL + "  versioned: true\n"
_PREDICT = "predict(features, model) -> predictions"
_MODEL_FILE = ("data/06_models/model.pkl",)
_VERSION = "2026-01-01T00.00.00.000Z"


def _persisted(analysis) -> list[DatasetSpec]:
    return [free.spec for free in analysis.with_role(Role.PERSISTED)]


def _is_file_backed(spec: DatasetSpec) -> bool:
    """Whether export can copy the spec's data: a file or folder, not a table or an API."""
    info = spec.inner_type.info
    return spec.filepath is not None and not (info and info.storage is Storage.NONE)


def _train_hint(analysis, dataset: str) -> str:
    producers = analysis.producers(dataset)
    if analysis.is_pipeline_ml:
        producers = [analysis.name]
    if producers:
        return f"run `kedro run --pipelines {producers[0]}` to produce it, or fix its filepath"
    return "produce it (train first), or fix its filepath in the catalog"


class ArtifactNotPersisted(Rule):
    code = "SC201"
    name = "artifact-not-persisted"
    severity = Severity.ERROR
    summary = "a free input other than the data input is undeclared or a memory dataset"
    what = (
        "Checks that every free input other than the data input and the parameters is declared\n"
        "in the catalog (an entry or a dataset factory pattern) as a dataset that is saved:\n"
        "not a MemoryDataset, and not left to Kedro's `{default}` memory dataset."
    )
    why = (
        "A served model gets nothing but the request: every other input must be loaded from a\n"
        "file packaged with it. kedro-mlflow only reports this at the end of a training run."
    )
    fix = (
        "Declare the input in conf/base/catalog.yml with a type that saves it (for a model:\n"
        "pickle.PickleDataset at data/06_models/<name>.pkl) and produce it in training."
    )
    valid = (Example(_PREDICT, _MODEL, files=_MODEL_FILE),)
    invalid = (
        Example(_PREDICT, input="features"),
        Example(_PREDICT, "model:\n  type: MemoryDataset\n", input="features"),
    )

    def check(self, analysis):
        for free in analysis.with_role(Role.UNRESOLVED):
            if free.spec.source is Source.DEFAULT:
                message = f"'{free.name}' is not in the catalog: serving would have no value for it"
            else:
                message = (
                    f"'{free.name}' is declared as a {free.spec.inner_type.short}, which "
                    "does not outlive a run"
                )
            yield self.finding(analysis, message, dataset=free.name)


class ArtifactMissing(Rule):
    code = "SC202"
    name = "artifact-missing"
    severity = Severity.ERROR
    summary = "a persisted input's local file or folder does not exist"
    what = "Checks that each persisted input's local file (or folder) exists."
    why = (
        "Export copies the file into the model; serving loads it. A missing file means the\n"
        "pipeline that produces it has not run here, or the filepath is wrong."
    )
    fix = "Run the pipeline that produces it (train first), or fix its filepath in the catalog."
    valid = (Example(_PREDICT, _MODEL, files=_MODEL_FILE),)
    invalid = (Example(_PREDICT, _MODEL),)

    def check(self, analysis):
        for spec in _persisted(analysis):
            if spec.is_local and not spec.versioned and spec.exists is False:
                path = display_path(spec, analysis.project.root)
                yield self.finding(
                    analysis,
                    f"'{spec.name}' has no file at {path}",
                    dataset=spec.name,
                    hint=_train_hint(analysis, spec.name),
                )


class ArtifactVersionMissing(Rule):
    code = "SC203"
    name = "artifact-version-missing"
    severity = Severity.ERROR
    summary = "a versioned input has no version on disk (or not the pinned one)"
    what = (
        "For a versioned persisted input, checks that a version exists on disk\n"
        "(`<filepath>/<version>/<file name>`), or the pinned one when a version is pinned."
    )
    why = "Kedro raises VersionNotFoundError when it loads a versioned dataset with no version."
    fix = "Run the pipeline that saves it, or pin a version that exists."
    valid = (
        Example(_PREDICT, _VERSIONED, files=(f"data/06_models/model.pkl/{_VERSION}/model.pkl",)),
    )
    invalid = (Example(_PREDICT, _VERSIONED),)

    def check(self, analysis):
        for spec in _persisted(analysis):
            if spec.is_local and spec.versioned and spec.load_path is None:
                path = display_path(spec, analysis.project.root)
                missing = (
                    f"its pinned version {spec.version} is missing"
                    if spec.version
                    else "it has no version"
                )
                yield self.finding(
                    analysis,
                    f"'{spec.name}' is versioned and {missing} under {path}/",
                    dataset=spec.name,
                    hint=_train_hint(analysis, spec.name),
                )


class ArtifactNotFileBacked(Rule):
    code = "SC204"
    name = "artifact-not-file-backed"
    severity = Severity.ERROR
    summary = "a persisted input has no file (SQL table, API, …)"
    what = (
        "Checks that each persisted input keeps its data in a file or folder (`filepath` or\n"
        "`path`), so that export can copy it into the model."
    )
    why = (
        "A model that reads a database table or an API at predict time is not portable: it\n"
        "needs the network, credentials, and the table as it was at training time."
    )
    fix = (
        "Save what the model needs to a file in training (a pickle or a parquet file), and read\n"
        "that file in the inference pipeline."
    )
    valid = (Example(_PREDICT, _MODEL, files=_MODEL_FILE),)
    invalid = (
        Example(
            _PREDICT,
            "model:\n  type: pandas.SQLTableDataset\n  table_name: models\n  credentials: db\n",
            input="features",
        ),
    )

    def check(self, analysis):
        for spec in _persisted(analysis):
            if not _is_file_backed(spec):
                yield self.finding(
                    analysis,
                    f"'{spec.name}' is a {spec.inner_type.short} with no file to package",
                    dataset=spec.name,
                )


class ArtifactRemote(Rule):
    code = "SC205"
    name = "artifact-remote"
    severity = Severity.WARNING
    summary = "a persisted input is remote (s3://…): export must fetch it"
    what = "Warns when a persisted input lives on a remote filesystem (s3, gcs, abfs, http…)."
    why = (
        "Export must download it (with its credentials and the fsspec package for the\n"
        "protocol), and servecheck cannot tell statically whether it exists."
    )
    fix = "Make sure the exporting machine can read it, or copy it locally before export."
    valid = (Example(_PREDICT, _MODEL, files=_MODEL_FILE),)
    invalid = (
        Example(
            _PREDICT,
            "model:\n  type: pickle.PickleDataset\n  filepath: s3://bucket/model.pkl\n",
            input="features",
        ),
    )

    def check(self, analysis):
        for spec in _persisted(analysis):
            if spec.protocol and not spec.is_local:
                creds = f" with credentials '{spec.credentials}'" if spec.credentials else ""
                yield self.finding(
                    analysis,
                    f"'{spec.name}' is read from {spec.filepath}: export must fetch it{creds}",
                    dataset=spec.name,
                )


class DatasetTypeUnknown(Rule):
    code = "SC206"
    name = "dataset-type-unknown"
    severity = Severity.ERROR
    summary = "a dataset type does not resolve in Kedro 1.x (or its dependencies are missing)"
    what = (
        "Checks, without importing it, that every catalog type the serving pipeline uses names a\n"
        "class Kedro 1.x can import, and that a file-backed persisted input's type (which export\n"
        "loads) has its dependencies installed."
    )
    why = (
        "Kedro resolves types only when it builds the dataset: a 0.19 spelling (`CSVDataSet`)\n"
        "or a missing extra fails the run, the export or the server."
    )
    fix = (
        "Use the Kedro 1.x class name (`DataSet` became `Dataset`), or install the kedro-datasets\n"
        "extra the message names."
    )
    valid = (Example(_PREDICT, _MODEL, files=_MODEL_FILE),)
    invalid = (
        Example(
            _PREDICT,
            "model:\n  type: pickle.PickleDataSet\n  filepath: data/06_models/model.pkl\n",
            files=_MODEL_FILE,
            input="features",
        ),
    )

    def check(self, analysis):
        packaged = {spec.name for spec in _persisted(analysis) if _is_file_backed(spec)}
        for name, spec in analysis.dataset_specs().items():
            if spec.source is Source.DEFAULT:
                continue
            for declared in dict.fromkeys((spec.type, spec.inner_type)):
                problem = declared.resolution_problem()
                if problem:
                    yield self._finding(analysis, name, problem)
                elif name in packaged and (missing := declared.missing_requirements()):
                    extra = f"kedro-datasets[{declared.extra}]" if declared.extra else missing[0]
                    yield self._finding(
                        analysis,
                        name,
                        f"'{declared.short}' needs {', '.join(missing)}, not installed here",
                        hint=f"pip install '{extra}'",
                    )

    def _finding(self, analysis, name, message, hint=None):
        return self.finding(analysis, f"'{name}': {message}", dataset=name, hint=hint)


class ArtifactVersioned(Rule):
    code = "SC207"
    name = "artifact-versioned"
    severity = Severity.INFO
    summary = "names the exact version of a versioned input that export will package"
    what = "For each versioned persisted input, names the version that would load (and export)."
    why = "The newest version on disk is packaged, not the version history: check it is the one."
    fix = "Nothing to fix; pin another version in the catalog's load versions to change it."
    valid = (Example(_PREDICT, _MODEL, files=_MODEL_FILE),)
    invalid = (
        Example(_PREDICT, _VERSIONED, files=(f"data/06_models/model.pkl/{_VERSION}/model.pkl",)),
    )

    def check(self, analysis):
        for spec in _persisted(analysis):
            if spec.versioned and spec.version and spec.load_path is not None:
                yield self.finding(
                    analysis,
                    f"'{spec.name}' will be packaged at version {spec.version} "
                    f"({display_path(spec, analysis.project.root)}/{spec.version})",
                    dataset=spec.name,
                )


RULES = (
    ArtifactNotPersisted(),
    ArtifactMissing(),
    ArtifactVersionMissing(),
    ArtifactNotFileBacked(),
    ArtifactRemote(),
    DatasetTypeUnknown(),
    ArtifactVersioned(),
)
