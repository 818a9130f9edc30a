"""Dataset type normalisation (kedro_servecheck.dataset_types), checked against kedro-datasets.

Where it can, each test compares with the installed kedro-datasets (its real classes and
package metadata) or with Kedro's own class resolution (`parse_dataset_definition`).
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from kedro.io import AbstractDataset, CachedDataset, MemoryDataset, SharedMemoryDataset
from kedro.io.core import DatasetError, parse_dataset_definition

from kedro_servecheck.catalog.dataset_types import (
    _KEDRO_MLFLOW,
    _KEDRO_MLFLOW_RENAMED,
    _KNOWN,
    KEDRO_IO_TYPES,
    DatasetType,
    Loads,
    Storage,
    dataset_type,
)

KEDRO_DATASETS = Path(importlib.util.find_spec("kedro_datasets").submodule_search_locations[0])


def family_exports() -> list[tuple[str, str, str]]:
    """(family, class, submodule) of every class a kedro-datasets family exports.

    Read from each family's `__init__.py` by its own `from .submodule import Class` lines,
    independently of the lazy-loader table that servecheck reads.
    """
    exports = []
    for init in sorted(KEDRO_DATASETS.glob("*/__init__.py")):
        family = init.parent.name
        if family.startswith("_"):
            continue
        for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                exports += [
                    (family, alias.asname or alias.name, node.module) for alias in node.names
                ]
    return sorted(set(exports))


EXPORTS = family_exports()


class LocalDataset(AbstractDataset):
    """A custom dataset class, as catalogs built in code may hold."""

    def _load(self):
        return None

    def _save(self, data):
        pass

    def _describe(self):
        return {}


# -- normalisation ---------------------------------------------------------------------------------

CSV = (
    "pandas.CSVDataset",
    "kedro_datasets.pandas.CSVDataset",
    "kedro_datasets.pandas.csv_dataset.CSVDataset",
)
MEMORY = ("MemoryDataset", "kedro.io.MemoryDataset", "kedro.io.memory_dataset.MemoryDataset")


@pytest.mark.parametrize(
    ("spelling", "short", "full", "module"),
    [
        *[(s, *CSV) for s in CSV],
        *[(s, "MemoryDataset", *MEMORY[1:]) for s in MEMORY],
        (MemoryDataset, "MemoryDataset", *MEMORY[1:]),
        (
            "SharedMemoryDataset",
            "SharedMemoryDataset",
            "kedro.io.SharedMemoryDataset",
            "kedro.io.shared_memory_dataset.SharedMemoryDataset",
        ),
        (
            "kedro.io.CachedDataset",
            "CachedDataset",
            "kedro.io.CachedDataset",
            "kedro.io.cached_dataset.CachedDataset",
        ),
        (
            CachedDataset,
            "CachedDataset",
            "kedro.io.CachedDataset",
            "kedro.io.cached_dataset.CachedDataset",
        ),
        (
            "pandas.SQLTableDataset",
            "pandas.SQLTableDataset",
            "kedro_datasets.pandas.SQLTableDataset",
            "kedro_datasets.pandas.sql_dataset.SQLTableDataset",
        ),
        (
            "my_pkg.datasets.FooDataset",
            "my_pkg.datasets.FooDataset",
            "my_pkg.datasets.FooDataset",
            None,
        ),
        # a class named like a kedro.io one, outside kedro.io, is custom
        ("my_pkg.MemoryDataset", "my_pkg.MemoryDataset", "my_pkg.MemoryDataset", None),
        (
            "kedro_datasets_experimental.langfuse.TraceDataset",
            "kedro_datasets_experimental.langfuse.TraceDataset",
            "kedro_datasets_experimental.langfuse.TraceDataset",
            None,
        ),
    ],
    ids=str,
)
def test_dataset_type_normalises_every_spelling(spelling, short, full, module):
    normalised = dataset_type(spelling)
    assert (normalised.short, normalised.full, normalised.module) == (short, full, module)
    raw = spelling if isinstance(spelling, str) else f"{spelling.__module__}.{spelling.__name__}"
    assert normalised.raw == raw


def test_dataset_type_of_a_kedro_datasets_class_object():
    from kedro_datasets.pandas import CSVDataset

    normalised = dataset_type(CSVDataset)
    assert normalised.short == "pandas.CSVDataset"
    assert normalised.module == f"{CSVDataset.__module__}.{CSVDataset.__qualname__}"


def test_dataset_type_of_a_custom_class_object():
    normalised = dataset_type(LocalDataset)
    assert normalised.raw == normalised.short == f"{__name__}.LocalDataset"
    assert normalised.module is None
    assert normalised.info is None
    assert normalised.resolution_problem() is None  # its module is importable


@pytest.mark.parametrize(
    ("spelling", "real"),
    [
        ("MemoryDataset", MemoryDataset),
        ("SharedMemoryDataset", SharedMemoryDataset),
        ("CachedDataset", CachedDataset),
    ],
)
def test_kedro_io_module_is_the_real_class(spelling, real):
    assert dataset_type(spelling).module == f"{real.__module__}.{real.__qualname__}"
    assert dataset_type(spelling).resolution_problem() is None


def test_memory_and_wrapper_flags():
    for spelling in (*MEMORY, "SharedMemoryDataset", SharedMemoryDataset):
        assert dataset_type(spelling).is_memory
        assert dataset_type(spelling).info.storage is Storage.MEMORY
    for spelling in (*CSV, "CachedDataset", "my_pkg.MemoryDataset"):
        assert not dataset_type(spelling).is_memory
    assert dataset_type("CachedDataset").is_wrapper
    assert dataset_type("kedro.io.cached_dataset.CachedDataset").is_wrapper
    assert not dataset_type("MemoryDataset").is_wrapper
    assert dataset_type("kedro_datasets.pandas.csv_dataset.CSVDataset").info.loads is Loads.PANDAS
    assert dataset_type("my_pkg.datasets.FooDataset").info is None


def test_dataset_type_is_a_frozen_value():
    assert dataset_type("pandas.CSVDataset") == dataset_type("pandas.CSVDataset")
    assert isinstance(dataset_type(""), DatasetType)
    with pytest.raises(AttributeError):
        dataset_type("pandas.CSVDataset").short = "x"


# -- `module` from the lazy-loader table, against the real classes ---------------------------------


@pytest.mark.parametrize(
    "short",
    [
        "pandas.CSVDataset",
        "pandas.ParquetDataset",
        "pandas.SQLTableDataset",
        "pandas.SQLQueryDataset",
        "pandas.GenericDataset",
        "pickle.PickleDataset",
        "json.JSONDataset",
        "yaml.YAMLDataset",
        "text.TextDataset",
        "partitions.PartitionedDataset",
        "partitions.IncrementalDataset",
        "email.EmailMessageDataset",
    ],
)
def test_module_matches_the_real_class(short):
    family, cls = short.split(".")
    real = getattr(importlib.import_module(f"kedro_datasets.{family}"), cls)
    expected = f"{real.__module__}.{real.__qualname__}"
    for spelling in (short, f"kedro_datasets.{short}", expected):
        assert dataset_type(spelling).module == expected
    # and Kedro resolves the short spelling to that very class
    assert parse_dataset_definition({"type": short})[0] is real


def test_module_of_the_brief_example():
    import kedro_datasets.pandas

    assert dataset_type("pandas.CSVDataset").module == (
        f"{kedro_datasets.pandas.CSVDataset.__module__}.CSVDataset"
    )


@pytest.mark.parametrize(
    ("family", "cls", "submodule"), EXPORTS, ids=[f"{f}.{c}" for f, c, _ in EXPORTS]
)
def test_every_exported_kedro_datasets_class_is_known(family, cls, submodule):
    """Every class a family exports has its module and no resolution problem.

    Also for classes whose dependencies are not installed here (spark, polars...): the class
    exists in kedro-datasets, only its requirements are missing.
    """
    source = (KEDRO_DATASETS / family / f"{submodule}.py").read_text(encoding="utf-8")
    assert f"class {cls}(" in source  # sanity: the export is real
    normalised = dataset_type(f"{family}.{cls}")
    assert normalised.module == f"kedro_datasets.{family}.{submodule}.{cls}"
    assert normalised.resolution_problem() is None


def test_every_known_kedro_datasets_type_exists():
    exported = {f"{family}.{cls}" for family, cls, _ in EXPORTS}
    known = {short for short in _KNOWN if short not in KEDRO_IO_TYPES}
    assert known <= exported, sorted(known - exported)


# -- resolution problems ---------------------------------------------------------------------------


def kedro_can_import(type_: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parse_dataset_definition({"type": type_})
        except DatasetError:
            return False
    return True


@pytest.mark.parametrize(
    ("spelling", "fragment"),
    [
        ("pandas.CSVDataSet", "use 'pandas.CSVDataset'"),
        ("kedro_datasets.pandas.CSVDataSet", "use 'pandas.CSVDataset'"),
        ("pickle.PickleDataSet", "use 'pickle.PickleDataset'"),
        ("pandas.ParquetDataSet", "renamed the `DataSet` classes to `Dataset`"),
        ("matplotlib.MatplotlibWriter", "renamed 'matplotlib.MatplotlibWriter' to"),
    ],
)
def test_resolution_problem_suggests_the_dataset_spelling(spelling, fragment):
    problem = dataset_type(spelling).resolution_problem()
    assert problem is not None
    assert fragment in problem
    assert not kedro_can_import(spelling)


@pytest.mark.parametrize(
    ("spelling", "fragment"),
    [
        ("pandas.NopeDataset", "'pandas' family has no class 'NopeDataset'"),
        ("kedro_datasets.pandas.NopeDataset", "has no class 'NopeDataset'"),
        ("Nope", "give the full dotted path"),
        ("not_a_module_xyz.FooDataset", "no module 'not_a_module_xyz'"),
        ("not_a_module_xyz.sub.FooDataset", "no module 'not_a_module_xyz.sub'"),
        ("kedro_datasets.nofamily.FooDataset", "nofamily"),
    ],
)
def test_resolution_problem_of_unknown_types(spelling, fragment):
    problem = dataset_type(spelling).resolution_problem()
    assert problem is not None
    assert fragment in problem
    assert not kedro_can_import(spelling)


@pytest.mark.parametrize(
    "spelling",
    [
        # no such kedro-datasets family, although a top-level module of that name exists
        "kedro_datasets.numpy.NumpyDataset",
        "kedro_datasets.requests.APIDataset",
        "kedro_datasets.sklearn.ModelDataset",
    ],
)
def test_unknown_kedro_datasets_family_is_a_problem(spelling):
    assert not kedro_can_import(spelling)  # Kedro: "No module named 'kedro_datasets.<family>'"
    assert dataset_type(spelling).resolution_problem() is not None


@pytest.mark.parametrize(
    "spelling",
    [
        *CSV,
        *MEMORY,
        MemoryDataset,
        "CachedDataset",
        "SharedMemoryDataset",
        "pickle.PickleDataset",
        "pandas.SQLTableDataset",
        "partitions.PartitionedDataset",
        f"{__name__}.LocalDataset",
    ],
    ids=str,
)
def test_no_resolution_problem_when_kedro_can_import(spelling):
    assert dataset_type(spelling).resolution_problem() is None
    raw = spelling if isinstance(spelling, str) else dataset_type(spelling).raw
    assert kedro_can_import(raw)


# -- kedro-mlflow's datasets, from the table alone -------------------------------------------------

KEDRO_MLFLOW = Path(importlib.util.find_spec("kedro_mlflow").submodule_search_locations[0])


def kedro_mlflow_exports() -> set[str]:
    """`kedro_mlflow.io.<family>.<class>` of every name in a family's `__all__`."""
    exports = set()
    for init in KEDRO_MLFLOW.glob("io/*/__init__.py"):
        for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
                names = ast.literal_eval(node.value)
                exports |= {f"kedro_mlflow.io.{init.parent.name}.{name}" for name in names}
    return exports


def test_the_kedro_mlflow_table_is_the_installed_kedro_mlflow():
    assert set(_KEDRO_MLFLOW) == kedro_mlflow_exports()
    for short, (submodule, _) in _KEDRO_MLFLOW.items():
        family, cls = short.removeprefix("kedro_mlflow.io.").split(".")
        source = (KEDRO_MLFLOW / "io" / family / f"{submodule}.py").read_text(encoding="utf-8")
        assert f"class {cls}(" in source
        full = f"kedro_mlflow.io.{family}.{submodule}.{cls}"
        for spelling in (short, full):
            normalised = dataset_type(spelling)
            assert (normalised.short, normalised.module) == (short, full)
            assert normalised.resolution_problem() is None
    assert set(_KEDRO_MLFLOW_RENAMED.values()) <= set(_KEDRO_MLFLOW)


def test_kedro_mlflows_datasets_are_classified():
    artifact = dataset_type("kedro_mlflow.io.artifacts.MlflowArtifactDataset")
    assert artifact.is_wrapper
    local = dataset_type("kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset").info
    assert (local.loads, local.storage) == (Loads.OTHER, Storage.FILE)
    for no_file in ("models.MlflowModelTrackingDataset", "models.MlflowModelRegistryDataset"):
        info = dataset_type(f"kedro_mlflow.io.{no_file}").info
        assert info.storage is Storage.NONE
        assert "MlflowModelLocalFileSystemDataset" in info.file_instead
        assert "pickle.PickleDataset" in info.file_instead
    for metric in (
        "MlflowMetricDataset",
        "MlflowMetricHistoryDataset",
        "MlflowMetricsHistoryDataset",
    ):
        assert dataset_type(f"kedro_mlflow.io.metrics.{metric}").info.storage is Storage.NONE


@pytest.mark.parametrize(("old", "new"), sorted(_KEDRO_MLFLOW_RENAMED.items()))
def test_a_kedro_mlflow_0x_class_gets_its_new_name(old, new):
    normalised = dataset_type(old)
    old_class, new_class = old.rpartition(".")[2], new.rpartition(".")[2]
    assert normalised.resolution_problem() == (
        f"kedro-mlflow 0.12 renamed '{old_class}' to '{new_class}': use '{new}'"
    )
    assert normalised.current == dataset_type(new)
    assert normalised.info == dataset_type(new).info
    assert normalised.is_wrapper == dataset_type(new).is_wrapper


TYPO = "kedro_mlflow.io.artifacts.MlflowArtefactDataset"
UNKNOWN_KEDRO_MLFLOW = {
    TYPO: "has no class 'MlflowArtefactDataset'",
    # 0.x name with its submodule: no import of that submodule (it would import mlflow)
    "kedro_mlflow.io.artifacts.mlflow_artifact_dataset.MlflowArtifactDataSet": (
        "'kedro_mlflow.io.artifacts.mlflow_artifact_dataset' has no class 'MlflowArtifactDataSet'"
    ),
    "kedro_mlflow.io.nofamily.MlflowArtifactDataset": "no module 'kedro_mlflow.io.nofamily'",
}


def test_kedro_resolves_the_new_kedro_mlflow_names_and_not_the_old_ones():
    """Kedro imports every current name and none of the others (in a fresh process:
    kedro-mlflow's datasets import mlflow)."""
    names = sorted({*_KEDRO_MLFLOW, *_KEDRO_MLFLOW_RENAMED, *UNKNOWN_KEDRO_MLFLOW})
    code = f"""
import json, warnings
warnings.simplefilter("ignore")
from kedro.io.core import parse_dataset_definition
resolved = {{}}
for name in {names!r}:
    try:
        parse_dataset_definition({{"type": name}})
        resolved[name] = True
    except Exception:
        resolved[name] = False
print(json.dumps(resolved))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    resolved = json.loads(done.stdout.strip().splitlines()[-1])
    assert resolved == {name: name in _KEDRO_MLFLOW for name in names}


@pytest.mark.parametrize(("spelling", "fragment"), sorted(UNKNOWN_KEDRO_MLFLOW.items()))
def test_unknown_kedro_mlflow_types_are_problems(spelling, fragment):
    assert fragment in dataset_type(spelling).resolution_problem()


def test_an_unknown_kedro_mlflow_class_is_a_problem_with_a_suggestion():
    problem = dataset_type(TYPO).resolution_problem()
    assert problem == (
        "kedro-mlflow's 'kedro_mlflow.io.artifacts' has no class 'MlflowArtefactDataset'"
        " (did you mean 'kedro_mlflow.io.artifacts.MlflowArtifactDataset'?)"
    )  # and Kedro cannot import it: see the test above


def test_kedro_mlflow_types_import_neither_mlflow_nor_kedro_mlflow_io():
    code = f"""
import json, sys
from kedro_servecheck.catalog.dataset_types import dataset_type
for name in {sorted({*_KEDRO_MLFLOW, *_KEDRO_MLFLOW_RENAMED, *UNKNOWN_KEDRO_MLFLOW})!r}:
    t = dataset_type(name)
    _ = t.info, t.is_wrapper, t.resolution_problem(), t.old_argument("run_id")
print(json.dumps(sorted(m for m in sys.modules
                        if m.split(".")[0] == "mlflow" or m.startswith("kedro_mlflow.io."))))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


# -- extra -----------------------------------------------------------------------------------------

EXTRAS = set(importlib.metadata.metadata("kedro-datasets").get_all("Provides-Extra") or ())


@pytest.mark.parametrize(
    ("spelling", "extra"),
    [
        ("pandas.CSVDataset", "pandas-csvdataset"),
        ("kedro_datasets.pandas.CSVDataset", "pandas-csvdataset"),
        ("kedro_datasets.pandas.parquet_dataset.ParquetDataset", "pandas-parquetdataset"),
        ("spark.SparkDataset", "spark-sparkdataset"),
        ("pickle.PickleDataset", "pickle-pickledataset"),
        ("MemoryDataset", None),
        ("kedro.io.CachedDataset", None),
        ("my_pkg.datasets.FooDataset", None),
    ],
)
def test_extra(spelling, extra):
    assert dataset_type(spelling).extra == extra
    assert extra is None or extra in EXTRAS


@pytest.mark.parametrize(
    "short", sorted(short for short, info in _KNOWN.items() if info.requires and "." in short)
)
def test_extra_is_one_kedro_datasets_provides(short):
    """The hint `pip install kedro-datasets[<extra>]` must name an extra that exists.

    (When there is none, `extra` is None and the hint falls back to the missing module.)
    """
    extra = dataset_type(short).extra
    assert extra is None or extra in EXTRAS, f"kedro-datasets has no extra '{extra}'"


def test_missing_requirements():
    assert dataset_type("pandas.CSVDataset").missing_requirements() == []
    assert dataset_type("my_pkg.datasets.FooDataset").missing_requirements() == []
    missing = dataset_type("spark.SparkDataset").missing_requirements()
    assert missing == ([] if importlib.util.find_spec("pyspark") else ["pyspark"])


# -- no import of dataset modules ------------------------------------------------------------------


def all_spellings() -> list[str]:
    spellings = []
    for family, cls, submodule in EXPORTS:
        spellings += [
            f"{family}.{cls}",
            f"kedro_datasets.{family}.{cls}",
            f"kedro_datasets.{family}.{submodule}.{cls}",
            f"{family}.{cls}Typo",
            f"{family}.{cls.replace('Dataset', 'DataSet')}",
        ]
    return spellings + list(_KNOWN)


def exercise(spelling: str) -> None:
    normalised = dataset_type(spelling)
    _ = normalised.module, normalised.extra, normalised.info, normalised.is_memory
    normalised.resolution_problem()


def test_dataset_type_does_not_import_dataset_modules():
    before = set(sys.modules)
    for spelling in all_spellings():
        exercise(spelling)
    imported = sorted(
        name for name in set(sys.modules) - before if name.startswith("kedro_datasets.")
    )
    assert imported == []
    assert "kedro_datasets.spark.spark_dataset" not in sys.modules
    assert "kedro_datasets.spark" not in sys.modules


def test_dataset_type_does_not_import_dataset_modules_in_a_fresh_process():
    code = f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_dataset_types import all_spellings, exercise
# importing the test module imports kedro (for its fixtures), not any dataset module
before = sorted(n for n in sys.modules if n.startswith("kedro_datasets."))
for spelling in all_spellings():
    exercise(spelling)
after = sorted(n for n in sys.modules if n.startswith("kedro_datasets."))
print(json.dumps([before, after]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == []
    assert after == []


@pytest.fixture(autouse=True)
def _quiet_kedro_logs():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)
