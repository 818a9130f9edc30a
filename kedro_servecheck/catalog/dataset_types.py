"""What servecheck knows about dataset types, without importing a dataset class.

This is the one table of dataset knowledge: what each type's `load()` returns (a pandas
DataFrame, a spark DataFrame, a numpy array, anything, or something else), where it keeps its
data (a file, a folder, memory, or no file at all: a database, an API), and which import names
it needs; for kedro-datasets, kedro.io and kedro-mlflow, with kedro-mlflow's 0.x names and
arguments. Everything else in servecheck asks this module. kedro-mlflow is known from this
table alone: it may not be installed where the check runs (pre-commit's isolated hook), and
importing its datasets would import mlflow.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from dataclasses import dataclass
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import Any

from kedro_servecheck.load.installed import is_installed, package_folder


class Loads(str, Enum):
    """What a dataset's `load()` returns."""

    PANDAS = "pandas"
    SPARK = "spark"
    NUMPY = "numpy"
    ANY = "any"  # unknown until loaded: pickle, custom classes
    OTHER = "other"  # known not to be a DataFrame or an array: dicts, text, images, models…


class Storage(str, Enum):
    """Where a dataset keeps its data."""

    FILE = "file"  # `filepath` (or `path`) names a file or a folder
    NONE = "none"  # a database table, an API, a queue: nothing to copy
    MEMORY = "memory"  # lives for one run only


@dataclass(frozen=True)
class TypeInfo:
    """The facts about one dataset type; `file_instead` says, for a type with no file, what
    to save the same data with so that a served model can package it."""

    loads: Loads
    storage: Storage = Storage.FILE
    requires: tuple[str, ...] = ()
    file_instead: str | None = None


_P, _S, _A, _O = Loads.PANDAS, Loads.SPARK, Loads.ANY, Loads.OTHER
_NONE, _MEM = Storage.NONE, Storage.MEMORY

KEDRO_IO_TYPES = {"MemoryDataset", "SharedMemoryDataset", "CachedDataset"}
_ARTIFACT = "kedro_mlflow.io.artifacts.MlflowArtifactDataset"
WRAPPER_TYPES = {"CachedDataset", _ARTIFACT}  # the wrapped dataset is under `dataset:`

_KNOWN: dict[str, TypeInfo] = {
    "MemoryDataset": TypeInfo(_A, _MEM),
    "SharedMemoryDataset": TypeInfo(_A, _MEM),
    # pandas
    "pandas.CSVDataset": TypeInfo(_P, requires=("pandas",)),
    "pandas.ParquetDataset": TypeInfo(_P, requires=("pandas", "pyarrow")),
    "pandas.FeatherDataset": TypeInfo(_P, requires=("pandas", "pyarrow")),
    "pandas.JSONDataset": TypeInfo(_P, requires=("pandas",)),
    "pandas.ExcelDataset": TypeInfo(_P, requires=("pandas", "openpyxl")),
    "pandas.HDFDataset": TypeInfo(_P, requires=("pandas", "tables")),
    "pandas.XMLDataset": TypeInfo(_P, requires=("pandas", "lxml")),
    "pandas.GenericDataset": TypeInfo(_P, requires=("pandas",)),
    "pandas.DeltaTableDataset": TypeInfo(_P, requires=("pandas", "deltalake")),
    "pandas.SQLTableDataset": TypeInfo(_P, _NONE, ("pandas", "sqlalchemy")),
    "pandas.SQLQueryDataset": TypeInfo(_P, _NONE, ("pandas", "sqlalchemy")),
    "pandas.GBQQueryDataset": TypeInfo(_P, _NONE, ("pandas_gbq",)),
    "pandas.GBQTableDataset": TypeInfo(_P, _NONE, ("pandas_gbq",)),
    "databricks.ManagedTableDataset": TypeInfo(_S, _NONE, ("pyspark",)),
    # spark
    "spark.SparkDataset": TypeInfo(_S, requires=("pyspark",)),
    "spark.SparkDatasetV2": TypeInfo(_S, requires=("pyspark",)),
    "spark.SparkStreamingDataset": TypeInfo(_S, requires=("pyspark",)),
    "spark.SparkHiveDataset": TypeInfo(_S, _NONE, ("pyspark",)),
    "spark.SparkJDBCDataset": TypeInfo(_S, _NONE, ("pyspark",)),
    "spark.GBQQueryDataset": TypeInfo(_S, _NONE, ("pyspark",)),
    "spark.DeltaTableDataset": TypeInfo(_O, requires=("pyspark", "delta")),
    # numpy-like: kedro-datasets has no dataset that loads a bare ndarray; MatlabDataset
    # declares one but returns scipy's dict, and SVMLight returns a (matrix, array) tuple.
    "matlab.MatlabDataset": TypeInfo(_A, requires=("scipy",)),
    "svmlight.SVMLightDataset": TypeInfo(_O, requires=("sklearn",)),
    # anything, unknown until loaded
    "pickle.PickleDataset": TypeInfo(_A),
    "redis.PickleDataset": TypeInfo(_A, _NONE, ("redis",)),
    # structured, non-tabular
    "json.JSONDataset": TypeInfo(_O),
    "yaml.YAMLDataset": TypeInfo(_O, requires=("yaml",)),
    "text.TextDataset": TypeInfo(_O),
    "partitions.PartitionedDataset": TypeInfo(_O),
    "partitions.IncrementalDataset": TypeInfo(_O),
    "pillow.ImageDataset": TypeInfo(_O, requires=("PIL",)),
    "matplotlib.MatplotlibDataset": TypeInfo(_O, requires=("matplotlib",)),
    "plotly.PlotlyDataset": TypeInfo(_O, requires=("plotly",)),
    "plotly.JSONDataset": TypeInfo(_O, requires=("plotly",)),
    "plotly.HTMLDataset": TypeInfo(_O, requires=("plotly",)),
    "holoviews.HoloviewsWriter": TypeInfo(_O, requires=("holoviews",)),
    "networkx.JSONDataset": TypeInfo(_O, requires=("networkx",)),
    "networkx.GMLDataset": TypeInfo(_O, requires=("networkx",)),
    "networkx.GraphMLDataset": TypeInfo(_O, requires=("networkx",)),
    "tensorflow.TensorFlowModelDataset": TypeInfo(_O, requires=("tensorflow",)),
    "email.EmailMessageDataset": TypeInfo(_O),
    "biosequence.BioSequenceDataset": TypeInfo(_O, requires=("Bio",)),
    "openxml.DocxDataset": TypeInfo(_O, requires=("docx",)),
    "openxml.PptxDataset": TypeInfo(_O, requires=("pptx",)),
    "api.APIDataset": TypeInfo(_O, _NONE, ("requests",)),
    "polars.CSVDataset": TypeInfo(_O, requires=("polars",)),
    "polars.EagerPolarsDataset": TypeInfo(_O, requires=("polars",)),
    "polars.LazyPolarsDataset": TypeInfo(_O, requires=("polars",)),
    "dask.CSVDataset": TypeInfo(_O, requires=("dask",)),
    "dask.ParquetDataset": TypeInfo(_O, requires=("dask",)),
    "ibis.TableDataset": TypeInfo(_O, _NONE, ("ibis",)),
    "ibis.FileDataset": TypeInfo(_O, requires=("ibis",)),
    "snowflake.SnowparkTableDataset": TypeInfo(_O, _NONE, ("snowflake",)),
    "geopandas.GenericDataset": TypeInfo(_P, requires=("geopandas",)),
}

_MODEL_FILE = (
    "save the model to a folder with kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset"
    " (`flavor` and `filepath`) or to a file with pickle.PickleDataset, and read that entry"
    " in the inference pipeline"
)
# kedro-mlflow's datasets: `kedro_mlflow.io.<family>.<class>` -> (its submodule, its facts)
_KEDRO_MLFLOW: dict[str, tuple[str, TypeInfo]] = {
    _ARTIFACT: ("mlflow_artifact_dataset", TypeInfo(_A)),  # a wrapper: see its `dataset`
    "kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset": (
        "mlflow_model_local_filesystem_dataset",
        TypeInfo(_O),  # an MLflow model folder
    ),
    "kedro_mlflow.io.models.MlflowModelTrackingDataset": (
        "mlflow_model_tracking_dataset",
        TypeInfo(_O, _NONE, file_instead=_MODEL_FILE),  # a model logged to the tracking server
    ),
    "kedro_mlflow.io.models.MlflowModelRegistryDataset": (
        "mlflow_model_registry_dataset",
        TypeInfo(_O, _NONE, file_instead=_MODEL_FILE),  # a model of the model registry
    ),
    "kedro_mlflow.io.metrics.MlflowMetricDataset": ("mlflow_metric_dataset", TypeInfo(_O, _NONE)),
    "kedro_mlflow.io.metrics.MlflowMetricHistoryDataset": (
        "mlflow_metric_history_dataset",
        TypeInfo(_O, _NONE),
    ),
    "kedro_mlflow.io.metrics.MlflowMetricsHistoryDataset": (
        "mlflow_metrics_history_dataset",
        TypeInfo(_O, _NONE),
    ),
}
# classes kedro-datasets renamed, other than `DataSet` -> `Dataset`
_KEDRO_DATASETS_RENAMED = {"matplotlib.MatplotlibWriter": "matplotlib.MatplotlibDataset"}
# kedro-mlflow 0.12 (its Kedro 0.19 release) renamed these classes
_KEDRO_MLFLOW_RENAMED = {
    "kedro_mlflow.io.artifacts.MlflowArtifactDataSet": _ARTIFACT,
    "kedro_mlflow.io.models.MlflowModelSaverDataSet": (
        "kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset"
    ),
    "kedro_mlflow.io.models.MlflowModelLoggerDataSet": (
        "kedro_mlflow.io.models.MlflowModelTrackingDataset"
    ),
    "kedro_mlflow.io.models.MlflowModelRegistryDataSet": (
        "kedro_mlflow.io.models.MlflowModelRegistryDataset"
    ),
    "kedro_mlflow.io.metrics.MlflowMetricDataSet": "kedro_mlflow.io.metrics.MlflowMetricDataset",
    "kedro_mlflow.io.metrics.MlflowMetricHistoryDataSet": (
        "kedro_mlflow.io.metrics.MlflowMetricHistoryDataset"
    ),
    "kedro_mlflow.io.metrics.MlflowMetricsDataSet": (
        "kedro_mlflow.io.metrics.MlflowMetricsHistoryDataset"
    ),
}
_NO_RUN_ID = (
    "kedro-mlflow 2.0 dropped `run_id` (MLflow 3 models are not tied to a run): load a given"
    " model with `load_args: {model_uri: ...}`"
)
_NO_ARTIFACT_PATH = (
    "kedro-mlflow 2.0 dropped `artifact_path` (MLflow 3 calls it `name`): set"
    " `save_args: {name: ...}`"
)
_NOT_A_RUN = (
    "MlflowModelLocalFileSystemDataset never took `{arg}`: it reads the MLflow model folder at"
    " `filepath` (kedro-mlflow 0.x's `run_id`/`artifact_path` belonged to"
    " MlflowModelLoggerDataSet, now MlflowModelTrackingDataset)"
)
# arguments kedro-mlflow renamed or removed: type -> {argument: what to write instead}
_OLD_ARGUMENTS: dict[str, dict[str, str]] = {
    _ARTIFACT: {"data_set": "kedro-mlflow 0.12 renamed `data_set` to `dataset`"},
    "kedro_mlflow.io.models.MlflowModelTrackingDataset": {
        "run_id": _NO_RUN_ID,
        "artifact_path": _NO_ARTIFACT_PATH,
    },
    "kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset": {
        arg: _NOT_A_RUN.format(arg=arg) for arg in ("run_id", "artifact_path")
    },
}


@dataclass(frozen=True)
class DatasetType:
    """A catalog `type`, normalised the way Kedro resolves it: `kedro.io.`, `kedro_datasets.`
    or no prefix."""

    raw: str
    short: str  # pandas.CSVDataset, MemoryDataset, kedro_mlflow.io.models.X, or the custom path
    full: str  # kedro_datasets.pandas.CSVDataset, kedro.io.MemoryDataset, custom path
    module: str | None  # kedro_datasets.pandas.csv_dataset.CSVDataset when known
    renamed: str | None = None  # the current name of a kedro-mlflow 0.x class

    @property
    def current(self) -> DatasetType:
        """This type under its current name: itself, or the class a 0.x name became."""
        return _dataset_type(self.renamed) if self.renamed else self

    @property
    def info(self) -> TypeInfo | None:
        """The table's facts about this type (under its current name), or None for a custom
        or unknown type."""
        short = self.current.short
        known = _KEDRO_MLFLOW.get(short)
        return known[1] if known else _KNOWN.get(short)

    @property
    def is_memory(self) -> bool:
        return self.info is not None and self.info.storage is Storage.MEMORY

    @property
    def is_wrapper(self) -> bool:
        return self.current.short in WRAPPER_TYPES

    def old_argument(self, argument: str) -> str | None:
        """What to write instead of `argument`, when kedro-mlflow renamed or removed it."""
        return _OLD_ARGUMENTS.get(self.current.short, {}).get(argument)

    def resolution_problem(self) -> str | None:
        """Why Kedro 1.x could not import this type, or None when it can (as far as is known)."""
        if self.renamed:
            old, new = self.short.rpartition(".")[2], self.renamed.rpartition(".")[2]
            return f"kedro-mlflow 0.12 renamed '{old}' to '{new}': use '{self.renamed}'"
        known = self.short in KEDRO_IO_TYPES or self.short in _KEDRO_MLFLOW
        if known or (self.short in _KNOWN and self.module):
            return None
        family, _, cls = self.short.rpartition(".")
        if not family:
            return f"'{self.raw}' is not a type Kedro knows: give the full dotted path of the class"
        if self.short.startswith("kedro_mlflow."):
            return self._kedro_mlflow_problem(family, cls)
        datasets = _kedro_datasets_family(family)
        if datasets is None and self.raw.startswith("kedro_datasets."):
            return f"kedro-datasets has no '{family}' family of datasets"
        if datasets is not None:
            if cls in datasets:
                return None
            renamed = _KEDRO_DATASETS_RENAMED.get(self.short)
            if renamed and renamed.partition(".")[2] in datasets:
                return f"kedro-datasets renamed '{self.short}' to '{renamed}': use '{renamed}'"
            suggestion = _renamed_class(cls, datasets)
            if suggestion:
                return (
                    f"kedro-datasets has no '{family}.{cls}'; Kedro 0.19 renamed the "
                    f"`DataSet` classes to `Dataset`: use '{family}.{suggestion}'"
                )
            return f"kedro-datasets' '{family}' family has no class '{cls}'"
        if is_installed(family):
            return None
        return f"no module '{family}' can be imported for type '{self.raw}'"

    def _kedro_mlflow_problem(self, module: str, cls: str) -> str | None:
        """Why a kedro-mlflow class the table does not know cannot be imported, read from
        kedro-mlflow's files (importing `kedro_mlflow.io.*` would import mlflow)."""
        if package_folder("kedro_mlflow") is None:
            return "kedro-mlflow is not installed here: pip install kedro-mlflow"
        exported = _kedro_mlflow_module(module)
        if exported is None:
            return f"kedro-mlflow has no module '{module}'"
        if cls in exported:
            return None
        close = difflib.get_close_matches(cls, list(exported), n=1)
        maybe = f" (did you mean '{module}.{close[0]}'?)" if close else ""
        return f"kedro-mlflow's '{module}' has no class '{cls}'{maybe}"

    def missing_requirements(self) -> list[str]:
        """Import names this type needs that are not installed here."""
        info = self.info
        return [name for name in (info.requires if info else ()) if not is_installed(name)]

    @property
    def extra(self) -> str | None:
        """The kedro-datasets extra that installs this type's dependencies, if it has one."""
        if self.full.startswith("kedro_datasets.") and "." in self.short:
            family, cls = self.short.split(".")
            extra = f"{family}-{cls.lower()}"
            return extra if extra in _kedro_datasets_extras() else None
        return None


def dataset_type(type_: Any) -> DatasetType:
    """Normalise a catalog `type` value (a string, or a class in catalogs built in code)."""
    if isinstance(type_, type):
        type_ = f"{type_.__module__}.{type_.__qualname__}"
    return _dataset_type(str(type_))


@functools.cache
def _dataset_type(raw: str) -> DatasetType:
    """One `DatasetType` per type string, shared by every dataset of that type."""
    parts = raw.split(".")
    cls = parts[-1]
    if parts[0] == "kedro_mlflow":
        return _kedro_mlflow_type(raw, parts)
    if cls in KEDRO_IO_TYPES and (len(parts) == 1 or parts[:2] == ["kedro", "io"]):
        io_module = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.removesuffix("Dataset")).lower()
        return DatasetType(raw, cls, f"kedro.io.{cls}", f"kedro.io.{io_module}_dataset.{cls}")
    if parts[0] == "kedro_datasets" and len(parts) >= 3:
        short = f"{parts[1]}.{cls}"
    elif len(parts) == 2 and _kedro_datasets_family(parts[0]) is not None:
        short = raw
    else:  # a custom class, or no class at all
        return DatasetType(raw, raw, raw, None)
    family = short.split(".")[0]
    module = (_kedro_datasets_family(family) or {}).get(cls)
    full_module = f"kedro_datasets.{family}.{module}.{cls}" if module else None
    return DatasetType(raw, short, f"kedro_datasets.{short}", full_module)


def _kedro_mlflow_type(raw: str, parts: list[str]) -> DatasetType:
    """A kedro-mlflow type, written `kedro_mlflow.io.<family>.<class>` (as its docs do) or
    with the class's submodule; a 0.x name knows its current one."""
    short = ".".join([*parts[:3], parts[-1]]) if len(parts) == 5 else raw
    known = _KEDRO_MLFLOW.get(short)
    if known is None or (len(parts) == 5 and parts[3] != known[0]):
        return DatasetType(raw, raw, raw, None, _KEDRO_MLFLOW_RENAMED.get(raw))
    family, _, cls = short.rpartition(".")
    return DatasetType(raw, short, short, f"{family}.{known[0]}.{cls}")


@functools.cache
def _kedro_datasets_family(family: str) -> dict[str, str] | None:
    """`{class name: submodule}` of a kedro-datasets family, read from its lazy-loader table."""
    root = package_folder("kedro_datasets")
    return _exported_classes(root / family / "__init__.py") if root else None


@functools.cache
def _kedro_mlflow_module(module: str) -> dict[str, str] | None:
    """`{name: where}` of what an installed kedro-mlflow package exports (`kedro_mlflow.io.x`),
    or the classes a module of it defines; None when there is no such module."""
    root = package_folder("kedro_mlflow")
    path = root.joinpath(*module.split(".")[1:]) if root else None
    if path is None:
        return None
    if (path / "__init__.py").is_file():
        return _exported_classes(path / "__init__.py")
    source = path.with_suffix(".py")
    if not source.is_file():
        return None
    tree = ast.parse(source.read_text(encoding="utf-8"))
    return {node.name: path.name for node in tree.body if isinstance(node, ast.ClassDef)}


def _exported_classes(init: Path) -> dict[str, str] | None:
    """`{name: submodule}` of what a package's `__init__.py` exports (`from .x import Name`, or
    the table of kedro-datasets' lazy loader); None when there is no such file."""
    if not init.is_file():
        return None
    classes: dict[str, str] = {}
    for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            classes.update({alias.name: node.module for alias in node.names})
        elif isinstance(node, ast.keyword) and node.arg == "submod_attrs":
            try:
                table = ast.literal_eval(node.value)
            except ValueError:
                continue
            for submodule, names in table.items():
                classes.update(dict.fromkeys(names, submodule))
    return classes


@functools.cache
def _kedro_datasets_extras() -> frozenset[str]:
    try:
        return frozenset(metadata.metadata("kedro-datasets").get_all("Provides-Extra") or ())
    except metadata.PackageNotFoundError:
        return frozenset()


def _renamed_class(cls: str, available: dict[str, str]) -> str | None:
    if "DataSet" in cls:
        renamed = cls.replace("DataSet", "Dataset")
        if renamed in available:
            return renamed
    return None
