"""What servecheck knows about dataset types, without importing a dataset class.

This is the one table of dataset knowledge: what each type's `load()` returns (a pandas
DataFrame, a spark DataFrame, a numpy array, anything, or something else), where it keeps its
data (a file, a folder, memory, or no file at all: a database, an API), and which import names
it needs. Everything else in servecheck asks this module.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from dataclasses import dataclass
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import Any

from kedro_servecheck.load.installed import is_installed


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
    """The facts about one dataset type."""

    loads: Loads
    storage: Storage = Storage.FILE
    requires: tuple[str, ...] = ()


_P, _S, _A, _O = Loads.PANDAS, Loads.SPARK, Loads.ANY, Loads.OTHER
_NONE, _MEM = Storage.NONE, Storage.MEMORY

KEDRO_IO_TYPES = {"MemoryDataset", "SharedMemoryDataset", "CachedDataset"}
WRAPPER_TYPES = {"CachedDataset"}

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


@dataclass(frozen=True)
class DatasetType:
    """A catalog `type`, normalised the way Kedro resolves it: `kedro.io.`, `kedro_datasets.`
    or no prefix."""

    raw: str
    short: str  # pandas.CSVDataset, MemoryDataset, or the custom dotted path
    full: str  # kedro_datasets.pandas.CSVDataset, kedro.io.MemoryDataset, custom path
    module: str | None  # kedro_datasets.pandas.csv_dataset.CSVDataset when known

    @property
    def info(self) -> TypeInfo | None:
        """The table's facts about this type, or None for a custom or unknown type."""
        return _KNOWN.get(self.short)

    @property
    def is_memory(self) -> bool:
        return self.info is not None and self.info.storage is Storage.MEMORY

    @property
    def is_wrapper(self) -> bool:
        return self.short in WRAPPER_TYPES

    def resolution_problem(self) -> str | None:
        """Why Kedro 1.x could not import this type, or None when it can (as far as is known)."""
        if self.short in KEDRO_IO_TYPES or (self.short in _KNOWN and self.module):
            return None
        family, _, cls = self.short.rpartition(".")
        if not family:
            return f"'{self.raw}' is not a type Kedro knows: give the full dotted path of the class"
        datasets = _kedro_datasets_family(family)
        if datasets is None and self.raw.startswith("kedro_datasets."):
            return f"kedro-datasets has no '{family}' family of datasets"
        if datasets is not None:
            if cls in datasets:
                return None
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


@functools.cache
def _kedro_datasets_root() -> Path | None:
    spec = importlib.util.find_spec("kedro_datasets")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _kedro_datasets_family(family: str) -> dict[str, str] | None:
    """`{class name: submodule}` of a kedro-datasets family, read from its lazy-loader table."""
    root = _kedro_datasets_root()
    init = root / family / "__init__.py" if root else None
    if init is None or not init.is_file():
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
