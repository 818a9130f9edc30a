"""Constructor signatures read statically (kedro_servecheck.catalog.signatures), checked against
`inspect.signature` of the real classes, and on small packages written for the purpose."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from kedro_servecheck.catalog.dataset_types import _KEDRO_MLFLOW, DatasetType, dataset_type
from kedro_servecheck.catalog.signatures import check_arguments, entry_arguments, signature

from conftest import python

TESTS = Path(__file__).parent
KEDRO_IO = ["MemoryDataset", "CachedDataset", "SharedMemoryDataset"]


def test_every_importable_class_reads_as_inspect_sees_it():
    """For every kedro-datasets, kedro-mlflow and kedro.io class this environment can import,
    the static reading equals the real constructor's keyword arguments and required ones."""
    code = f"""
import importlib, inspect, json, logging, sys, warnings
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
sys.path.insert(0, {str(TESTS)!r})
from test_dataset_types import EXPORTS
from kedro_servecheck.catalog.dataset_types import dataset_type
from kedro_servecheck.catalog.signatures import signature
names = [f"{{f}}.{{c}}" for f, c, _ in EXPORTS] + {sorted(_KEDRO_MLFLOW) + KEDRO_IO!r}
compared = {{}}
for name in names:
    static = signature(dataset_type(name))  # read before anything is imported
    module, _, cls = dataset_type(name).module.rpartition(".")
    try:
        real = getattr(importlib.import_module(module), cls)
    except Exception:
        continue  # its dependencies are not installed here
    constructor = real.__new__ if "__new__" in vars(real) else real.__init__
    parameters = list(inspect.signature(constructor).parameters.values())[1:]
    keyword = [p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    compared[name] = [
        [sorted(static.accepted), sorted(static.required)] if static else None,
        [sorted(p.name for p in keyword), sorted(p.name for p in keyword if p.default is p.empty)],
    ]
print(json.dumps(compared))
"""
    run = python(code)
    assert run.returncode == 0, run.stderr
    compared = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(compared) >= 30
    assert {"pandas.CSVDataset", "kedro_mlflow.io.artifacts.MlflowArtifactDataset"} <= set(compared)
    differ = {name: pair for name, pair in compared.items() if pair[0] != pair[1]}
    assert differ == {}


def test_reading_signatures_imports_no_dataset_module():
    code = f"""
import json, sys
sys.path.insert(0, {str(TESTS)!r})
from test_dataset_types import EXPORTS
from kedro_servecheck.catalog.dataset_types import dataset_type
from kedro_servecheck.catalog.signatures import signature
names = [f"{{f}}.{{c}}" for f, c, _ in EXPORTS] + {sorted(_KEDRO_MLFLOW) + KEDRO_IO!r}
known = sum(signature(dataset_type(name)) is not None for name in names)
loaded = sorted(m for m in sys.modules
                if m.startswith(("kedro_datasets.", "kedro_mlflow")) or m.split(".")[0] == "mlflow")
print(json.dumps([known, len(names), loaded]))
"""
    run = python(code)
    assert run.returncode == 0, run.stderr
    known, total, loaded = json.loads(run.stdout.strip().splitlines()[-1])
    assert known == total  # every one of them read from its source
    assert loaded == []


def test_entry_arguments_are_what_kedro_passes_to_the_constructor():
    config = {"type": "pandas.CSVDataset", "filepath": "x", "versioned": True, "load_args": {}}
    assert entry_arguments(config) == {"filepath", "load_args", "version"}
    assert entry_arguments({"type": "x", "version": "pinned", "validator": "v"}) == set()
    checked = check_arguments(dataset_type("pandas.CSVDataset"), {"type": "x", "fs_arg": {}})
    assert checked is not None
    assert (checked.unexpected, checked.missing) == (("fs_arg",), ("filepath",))
    assert check_arguments(dataset_type("my_pkg.datasets.FooDataset"), {"any": 1}) is None


def test_a_kedro_mlflow_0x_name_is_read_as_its_current_class():
    old = signature(dataset_type("kedro_mlflow.io.models.MlflowModelLoggerDataSet"))
    assert old == signature(dataset_type("kedro_mlflow.io.models.MlflowModelTrackingDataset"))
    assert old is not None
    assert "run_id" not in old.accepted


# -- base classes, followed through the imports of each module ------------------------------------

PACKAGE = {
    "__init__.py": "from .base import Base as ReExported\n",
    "base.py": """
        import abc
        from typing import Generic, TypeVar
        from kedro.io import AbstractVersionedDataset
        T = TypeVar("T")

        class Base(AbstractVersionedDataset, Generic[T]):
            def __init__(self, filepath, *, version=None, metadata=None, strict):
                super().__init__(filepath, version)

        class NoArguments(abc.ABC):
            pass
    """,
    "datasets.py": """
        from kedro.io import AbstractVersionedDataset
        from . import base
        from .base import Base, NoArguments
        from not_installed_anywhere import Foreign

        class Inherits(base.Base):
            pass

        class PassesOn(Base):
            def __init__(self, extra=1, **kwargs):
                super().__init__(**kwargs)

        class KeepsKwargs(Base):
            def __init__(self, extra=1, **kwargs):
                super().__init__("x", strict=True)
                self.options = kwargs

        class FromForeign(Foreign):
            pass

        class Nothing(NoArguments):
            pass

        class Versioned(AbstractVersionedDataset):
            pass
    """,
}


@pytest.fixture
def package(tmp_path, monkeypatch) -> str:
    """A package on sys.path (found as an installed one is), named for this test only."""
    name = f"sigpkg_{tmp_path.name.replace('-', '_')}"
    folder = tmp_path / name
    folder.mkdir()
    for file, source in PACKAGE.items():
        (folder / file).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    assert not [m for m in sys.modules if m.startswith(name)]  # read, never imported


def _of(package: str, module: str, cls: str):
    return signature(DatasetType(cls, cls, cls, f"{package}.{module}.{cls}"))


def test_a_class_without_a_constructor_takes_its_bases_arguments(package):
    inherited = _of(package, "datasets", "Inherits")
    assert inherited is not None
    assert inherited.accepted == ("filepath", "version", "metadata", "strict")
    assert inherited.required == {"filepath", "strict"}  # keyword-only without a default
    assert _of(package, "datasets", "Nothing").accepted == ()  # abc.ABC takes nothing
    versioned = _of(package, "datasets", "Versioned")  # kedro's own base, read from kedro
    assert versioned is not None
    assert versioned.accepted[:2] == ("filepath", "version")


def test_kwargs_passed_on_to_super_add_the_bases_arguments(package):
    passes_on = _of(package, "datasets", "PassesOn")
    assert passes_on is not None
    assert passes_on.accepted == ("extra", "filepath", "version", "metadata", "strict")
    assert passes_on.required == frozenset()  # the subclass may fill them itself


def test_unknown_when_kwargs_are_kept_or_a_base_cannot_be_read(package):
    assert _of(package, "datasets", "KeepsKwargs") is None  # takes any keyword
    assert _of(package, "datasets", "FromForeign") is None
    assert _of(package, "datasets", "Missing") is None
    reexported = signature(DatasetType("x", "x", "x", f"{package}.ReExported"))
    assert reexported is not None
    assert reexported.where == f"{package}.base.Base.__init__"
