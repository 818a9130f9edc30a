"""The model's requirements, piece by piece: the import closure of the served code, the extras
of kedro-datasets read from its installed metadata, the pins, and the user's own lists."""

from __future__ import annotations

import importlib.metadata
import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from kedro_servecheck.catalog.dataset_types import dataset_type
from kedro_servecheck.errors import UsageError
from kedro_servecheck.exporter.dataset_extras import extra_requirements
from kedro_servecheck.exporter.requirements import (
    model_code,
    pickle_modules,
    pinned_requirements,
)
from kedro_servecheck.exporter.served_code import served_code
from kedro_servecheck.exporter.user_requirements import user_requirements, with_extra


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write a package tree under `root`; return the folder of its top-level package."""
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root / next(iter(files)).split("/")[0]


# -- the import closure -------------------------------------------------------------------------


@pytest.fixture
def pkg(tmp_path) -> Path:
    return tree(
        tmp_path,
        {
            "pkg/__init__.py": "import rich  # every served module runs this\n",
            "pkg/pipelines/__init__.py": "",
            "pkg/pipelines/serve/__init__.py": "from .pipeline import create_pipeline\n",
            "pkg/pipelines/serve/pipeline.py": "from .nodes import predict\nimport kedro.io\n",
            "pkg/pipelines/serve/nodes.py": """\
                from __future__ import annotations
                import os, json
                from typing import TYPE_CHECKING
                from ...features import scale
                from .. import shared
                from pkg.util import helpers

                if TYPE_CHECKING:
                    import torch  # a type checker's import: never runs
                else:
                    import numpy

                def predict(x):
                    import sklearn.linear_model  # lazily, inside the node
                    return x
            """,
            "pkg/features.py": "import pandas as pd\nfrom pkg.pipelines.serve import nodes\n",
            "pkg/pipelines/shared.py": "from scipy import stats\n",
            "pkg/util/__init__.py": "",
            "pkg/util/helpers.py": "import yaml\n",
            "pkg/util/unused.py": "import requests\n",
            "pkg/pipelines/report/__init__.py": "",
            "pkg/pipelines/report/nodes.py": "import matplotlib.pyplot as plt\n",
            "pkg/pipeline_registry.py": "import kedro_mlflow\nfrom .pipelines import report\n",
        },
    )


def test_the_closure_follows_the_project_imports_of_the_served_modules(pkg):
    code = served_code(pkg, ["pkg.pipelines.serve.nodes"])
    assert code.modules == {
        "pkg",
        "pkg.features",
        "pkg.pipelines",
        "pkg.pipelines.serve",  # its __init__ runs, and imports .pipeline
        "pkg.pipelines.serve.pipeline",
        "pkg.pipelines.serve.nodes",
        "pkg.pipelines.shared",  # `from .. import shared`: a submodule
        "pkg.util",
        "pkg.util.helpers",  # `from pkg.util import helpers`
    }
    assert set(code.imports) == {"rich", "kedro", "pandas", "scipy", "yaml", "numpy", "sklearn"}
    assert code.imports["sklearn"] == "pkg.pipelines.serve.nodes"  # lazy, inside the node
    assert code.imports["rich"] == "pkg"
    # what only the registry and the reporting pipeline import is not served
    assert not {"matplotlib", "kedro_mlflow", "requests", "torch"} & set(code.imports)


def test_a_module_outside_the_project_brings_its_top_level_package(pkg):
    code = served_code(pkg, ["numpy.linalg", "builtins", "__main__", "kedro.pipeline"])
    assert code.modules == set()
    assert code.imports == {"numpy": "numpy.linalg", "kedro": "kedro.pipeline"}


def test_import_cycles_and_missing_modules_end(tmp_path):
    pkg = tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\nimport pkg.gone\n",
            "pkg/b.py": "from . import a\nfrom .a import *\nfrom .... import nothing\n",
            "pkg/broken.py": "def (:\n",
        },
    )
    code = served_code(pkg, ["pkg.a", "pkg.broken"])
    assert code.modules == {"pkg", "pkg.a", "pkg.b", "pkg.gone", "pkg.broken"}
    assert code.imports == {}


def test_a_namespace_package_has_no_init_to_run(tmp_path):
    pkg = tree(tmp_path, {"pkg/sub/nodes.py": "import attrs\n"})
    assert served_code(pkg, ["pkg.sub.nodes"]).imports == {"attrs": "pkg.sub.nodes"}


def test_artifacts_bring_their_classes_and_the_project_modules_they_pickle(pkg, tmp_path):
    """Unpickling a project class imports its module, and what that module imports."""
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(
        b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x0fpkg.util.unused\x94"
        b"\x8c\x05Scale\x94\x93\x94)\x81\x94."
    )
    types = [dataset_type("pickle.PickleDataset"), dataset_type("spark.SparkDataset")]
    code = model_code(pkg, [], types, [pickled])
    assert {"pkg", "pkg.util", "pkg.util.unused"} == code.modules
    assert code.imports["requests"] == "pkg.util.unused"  # only the pickled class needs it
    assert code.imports["pyspark"] == "pyspark"  # what the spark dataset needs
    assert {"mlflow", "kedro", "pandas", "numpy"} <= set(code.imports)
    protocol_0 = tmp_path / "old.pkl"
    protocol_0.write_bytes(b"cpkg.util.unused\nThing\np0\n.")
    assert pickle_modules(protocol_0) == {"pkg.util.unused"}


# -- kedro-datasets' extras ---------------------------------------------------------------------


def names(requirements: list[Requirement]) -> set[str]:
    return {requirement.name for requirement in requirements}


def test_the_extras_are_read_from_kedro_datasets_metadata():
    declared = importlib.metadata.requires("kedro-datasets")
    assert any('extra == "tensorflow-tensorflowmodeldataset"' in line for line in declared)
    tensorflow = names(extra_requirements(["tensorflow-tensorflowmodeldataset"]))
    assert tensorflow in ({"tensorflow"}, {"tensorflow-macos"})  # the marker chooses
    assert names(extra_requirements(["pickle-pickledataset"])) == {"compress-pickle"}
    # self-references are followed: pandas-parquetdataset -> kedro-datasets[pandas-base]
    assert names(extra_requirements(["pandas-parquetdataset"])) == {"pandas", "pyarrow"}
    assert names(extra_requirements(["spark"])) == {"pyspark", "s3fs"}
    assert extra_requirements(["no-such-extra"]) == []
    # kedro-datasets 9 lets `spark-sparkdataset` install no pyspark (databricks-connect may
    # stand in): the dataset table's `requires` names it for the model
    assert names(extra_requirements(["spark-sparkdataset"])) == set()


# -- pins ---------------------------------------------------------------------------------------


def lines_of(tmp_path: Path, types: list[str], pin="exact") -> list[str]:
    pkg = tree(tmp_path, {"proj/__init__.py": "import sklearn\n"})
    loaded = [dataset_type(type_) for type_ in types]
    code = model_code(pkg, ["proj"], loaded, [])
    return pinned_requirements(code, "proj", loaded, pin).lines


def test_exact_pins_are_the_installed_versions(tmp_path):
    lines = lines_of(tmp_path, ["pickle.PickleDataset", "pandas.ParquetDataset"])
    version = importlib.metadata.version
    assert f"scikit-learn=={version('scikit-learn')}" in lines
    assert f"pyarrow=={version('pyarrow')}" in lines  # the parquet extra's, and the table's
    assert f"compress-pickle[lz4]=={version('compress-pickle')}" in lines  # the pickle extra's
    kedro_datasets = version("kedro-datasets")
    line = f"kedro-datasets[pandas-parquetdataset,pickle-pickledataset]=={kedro_datasets}"
    assert line in lines
    assert not [line for line in lines if line.startswith("proj")]


def test_compatible_pins_allow_later_minor_releases(tmp_path):
    lines = lines_of(tmp_path, [], pin="compatible")
    major, minor = importlib.metadata.version("pandas").split(".")[:2]
    assert f"pandas~={major}.{minor}" in lines
    assert all("~=" in line for line in lines)


def test_a_missing_extra_distribution_is_left_to_pip_with_a_warning(tmp_path, monkeypatch):
    from kedro_servecheck.exporter import requirements

    real = requirements._installed_version
    monkeypatch.setattr(
        requirements,
        "_installed_version",
        lambda dist: None if dist == "compress-pickle" else real(dist),
    )
    pkg = tree(tmp_path, {"proj/__init__.py": ""})
    loaded = [dataset_type("pickle.PickleDataset")]
    result = pinned_requirements(model_code(pkg, [], loaded, []), "proj", loaded)
    assert not [line for line in result.lines if line.startswith("compress-pickle")]
    assert any(line.startswith("kedro-datasets[pickle-pickledataset]==") for line in result.lines)
    (warning,) = result.warnings
    assert "'compress-pickle~=2.1.0', which kedro-datasets[pickle-pickledataset]" in warning
    assert "not pinned" in warning


def test_a_tensorflow_model_pins_tensorflow_or_says_it_cannot(tmp_path):
    """TensorFlowModelDataset's extra installs tensorflow: pinned where it is installed, named
    in a warning where it is not (kedro-datasets[...] still brings it)."""
    pkg = tree(tmp_path, {"proj/__init__.py": ""})
    loaded = [dataset_type("tensorflow.TensorFlowModelDataset")]
    result = pinned_requirements(model_code(pkg, [], loaded, []), "proj", loaded)
    extra = "kedro-datasets[tensorflow-tensorflowmodeldataset]=="
    assert any(line.startswith(extra) for line in result.lines)
    try:
        version = importlib.metadata.version("tensorflow")
    except importlib.metadata.PackageNotFoundError:
        assert not [line for line in result.lines if line.startswith("tensorflow")]
        (warning,) = result.warnings
        assert "'tensorflow" in warning
        assert "is not installed here, so it is not pinned" in warning
    else:
        assert f"tensorflow=={version}" in result.lines
        assert result.warnings == []


def test_a_local_module_without_a_distribution_is_named(tmp_path, monkeypatch):
    """A sibling package importable here but not installed does not travel with the model."""
    tree(tmp_path, {"helpers_here/__init__.py": ""})
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = tree(tmp_path, {"proj/__init__.py": "import helpers_here\n"})
    result = pinned_requirements(model_code(pkg, ["proj"], [], []), "proj", [])
    (warning,) = result.warnings
    assert "'helpers_here' (imported by proj) is not an installed distribution" in warning


# -- the user's requirements --------------------------------------------------------------------


def test_a_list_is_validated_item_by_item():
    given = user_requirements(" pandas==2.2 , scikit-learn>=1.4,", "--pip-requirements")
    assert given is not None
    assert given.for_mlflow() == ["pandas==2.2", "scikit-learn>=1.4"]
    assert user_requirements(None, "--pip-requirements") is None
    specifiers = user_requirements("pandas>=2,<3, ,scikit-learn~=1.4,!=1.4.1", "x")
    assert specifiers.for_mlflow() == ["pandas>=2,<3", "scikit-learn~=1.4,!=1.4.1"]
    assert user_requirements(["a @ https://x.org/a.whl"], "x").for_mlflow() == [
        "a @ https://x.org/a.whl"
    ]
    with pytest.raises(UsageError, match="'pandas=2' is not a requirement"):
        user_requirements("numpy,pandas=2", "--pip-requirements")


def test_a_file_is_passed_by_its_absolute_path(tmp_path, monkeypatch):
    (tmp_path / "reqs").write_text("pandas\n")
    monkeypatch.chdir(tmp_path)
    assert user_requirements("reqs", "--pip-requirements").for_mlflow() == [
        f"-r {tmp_path / 'reqs'}"
    ]
    for missing in ("requirements.txt", "conf/reqs"):
        with pytest.raises(UsageError, match=f"{missing}: no such file"):
            user_requirements(missing, "--pip-requirements")
    with pytest.raises(UsageError, match="is a folder"):
        user_requirements(tmp_path, "pip_requirements")


def test_extra_items_narrow_the_inferred_pins():
    pandas = importlib.metadata.version("pandas")
    major = pandas.split(".")[0]
    inferred = [f"pandas~={major}.0", "numpy==1.0"]
    extra = user_requirements(f"pandas[pyarrow]<{int(major) + 1},requests", "x")
    assert with_extra(inferred, extra) == [
        f"pandas[pyarrow]<{int(major) + 1},~={major}.0",
        "numpy==1.0",
        "requests",
    ]
    with pytest.raises(UsageError, match=f"excludes pandas {pandas}"):
        with_extra(inferred, user_requirements(f"pandas<{major}", "x"))
