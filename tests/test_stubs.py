"""Missing third-party packages are stubbed to build the pipelines, and reported (SC402).

Only a package that the project's own code imports and that is not installed is stubbed:
never the project's modules, a missing submodule of an installed package, nor what an
installed package imports. Each check runs in its own process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, edit, servecheck

NODES = "src/heavy_deps/pipelines/inference/nodes.py"
REGISTRY = "src/heavy_deps/pipeline_registry.py"


def sc402(report: dict) -> dict:
    (finding,) = [f for f in report["findings"] if f["code"] == "SC402"]
    return finding


@pytest.fixture
def heavy(project_copy) -> Path:
    return project_copy("heavy_deps")


def test_heavy_deps_is_checked_with_both_packages_stubbed():
    run = servecheck(
        "check", "--stub-missing", FIXTURES / "heavy_deps", "--strict", "--format", "json"
    )

    assert run.returncode == 0, run.stderr
    report = run.json()
    (pipeline,) = report["pipelines"]
    assert pipeline["status"] == "pass"
    assert pipeline["data_input"] == "applications_to_score"
    assert {i["name"]: i["role"] for i in pipeline["inputs"]} == {
        "applications_to_score": "data",
        "model": "persisted",
        "params:features": "parameter",
        "params:threshold": "parameter",
    }
    assert pipeline["outputs"] == ["predictions"]
    finding = sc402(report)
    assert finding["severity"] == "info"
    assert finding["rule"] == "dependency-stubbed"
    assert f"lightgbm_not_installed_xyz ({NODES}:8)" in finding["message"]
    assert f"catboost_not_installed_xyz ({NODES}:10)" in finding["message"]
    assert "export needs them installed" in finding["message"]
    assert finding["location"] == {"path": NODES, "line": 8}
    assert report["summary"] == {"errors": 0, "warnings": 0, "infos": 3}


def test_stubs_serve_decorators_base_classes_aliases_and_annotations(heavy):
    edit(
        heavy,
        NODES,
        "from catboost_not_installed_xyz.core import Pool\n",
        (
            "from catboost_not_installed_xyz.core import Pool\n"
            "from torch_not_installed_xyz import nn as torch_nn\n"
            "import mlops_not_installed_xyz.registry.tracking as tracking\n"
            "\n\n"
            "class Calibrator(torch_nn.Module, tag='calibration'):\n"
            "    scale: float = 1.0\n"
            "\n\n"
            "CALIBRATOR = Calibrator(dim=2)\n"
            "PLUGINS = [*tracking.plugins]\n"
            "Rows = Pool['rows']\n"
            "\n\n"
            "@tracking.traced\n"
            "@tracking.timed(unit='ms')\n"
        ),
    )
    edit(
        heavy,
        NODES,
        "def predict(features: pd.DataFrame, model, threshold: float)",
        "def predict(features: pd.DataFrame, model: lgb.Booster | None, threshold: float)",
    )

    run = servecheck("check", "--stub-missing", heavy, "--format", "json")

    assert run.returncode == 0, run.stderr
    report = run.json()
    message = sc402(report)["message"]
    for package in ("lightgbm", "catboost", "torch", "mlops"):
        assert f"{package}_not_installed_xyz" in message
    assert "SC401" not in {f["code"] for f in report["findings"]}  # `predict` is still itself


def test_explicit_registry_imports_are_stubbed_too(heavy):
    (heavy / REGISTRY).write_text(
        "from kedro.pipeline import Pipeline\n\n"
        "from heavy_deps.pipelines import inference\n\n\n"
        "def register_pipelines() -> dict[str, Pipeline]:\n"
        "    return {'inference': inference.create_pipeline()}\n",
        encoding="utf-8",
    )

    run = servecheck("check", "--stub-missing", heavy, "--format", "json")

    assert run.returncode == 0, run.stderr
    assert "catboost_not_installed_xyz" in sc402(run.json())["message"]


def test_a_missing_module_of_the_project_is_not_stubbed(heavy):
    edit(
        heavy,
        NODES,
        "import pandas as pd\n",
        "import pandas as pd\nfrom heavy_deps.missing_module import helper\n",
    )

    run = servecheck("check", "--stub-missing", heavy)

    assert run.returncode == 2, run.stdout
    assert run.stderr.startswith("servecheck: error: Cannot load the pipeline registry")
    assert "No module named 'heavy_deps.missing_module'" in run.stderr
    assert f"in {NODES}:10" in run.stderr
    assert "'heavy_deps' has no module 'heavy_deps.missing_module': fix the import" in run.stderr
    assert "the installed" not in run.stderr  # the project's own module: nothing to install
    assert "Traceback" not in run.stderr


def test_a_missing_submodule_of_an_installed_package_is_not_stubbed(heavy):
    edit(
        heavy,
        NODES,
        "import pandas as pd\n",
        "import pandas as pd\nimport pandas.not_a_module_xyz\n",
    )

    run = servecheck("check", "--stub-missing", heavy)

    assert run.returncode == 2, run.stdout
    assert "No module named 'pandas.not_a_module_xyz'" in run.stderr
    assert "the installed 'pandas' has no module 'pandas.not_a_module_xyz'" in run.stderr


def test_what_an_installed_package_imports_is_not_stubbed(heavy, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "vendor_lib_xyz.py").write_text("import vendor_dep_not_installed_xyz\n")
    edit(heavy, NODES, "import pandas as pd\n", "import pandas as pd\nimport vendor_lib_xyz\n")

    run = servecheck("check", "--stub-missing", heavy, env={"PYTHONPATH": str(site)})

    assert run.returncode == 2, run.stdout
    assert "No module named 'vendor_dep_not_installed_xyz'" in run.stderr
    assert "install 'vendor_dep_not_installed_xyz'" in run.stderr


def test_a_pipeline_made_by_a_stubbed_package_is_a_clear_error(heavy):
    (heavy / REGISTRY).write_text(
        "from kedro_mlflow_not_installed_xyz.pipeline import pipeline_ml_factory\n\n"
        "from heavy_deps.pipelines import inference\n\n\n"
        "def register_pipelines():\n"
        "    serving = inference.create_pipeline()\n"
        "    return {'inference': pipeline_ml_factory(training=serving, inference=serving,\n"
        "                                             input_name='applications_to_score')}\n",
        encoding="utf-8",
    )

    run = servecheck("check", "--stub-missing", heavy)

    assert run.returncode == 2, run.stdout
    assert "the pipeline 'inference' is made by a package that is not installed" in run.stderr
    assert "kedro_mlflow_not_installed_xyz" in run.stderr
    assert f"in {REGISTRY}:" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_error_a_stub_causes_names_the_stubbed_packages(heavy):
    edit(
        heavy,
        NODES,
        "import pandas as pd\n",
        "import pandas as pd\n\nif lgb.VERSION > (4, 0):\n    pass\n",
    )

    run = servecheck("check", "--stub-missing", heavy)

    assert run.returncode == 2, run.stdout
    assert "TypeError" in run.stderr
    assert f"in {NODES}:11" in run.stderr
    assert "servecheck stubbed lightgbm_not_installed_xyz" in run.stderr
    assert "Traceback" not in run.stderr


def test_without_stub_missing_a_missing_package_is_a_load_error():
    """In the project's own environment, a package its requirements miss fails the gate: neither
    training nor the served model could import it."""
    run = servecheck("check", FIXTURES / "heavy_deps", "--strict")
    assert run.returncode == 2
    assert "No module named 'lightgbm_not_installed_xyz'" in run.stderr
    assert f"in {NODES}:8" in run.stderr
    assert "--stub-missing" in run.stderr


def test_stub_missing_can_be_set_in_pyproject(heavy):
    with (heavy / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n[tool.servecheck]\nstub-missing = true\n")
    run = servecheck("check", heavy, "--format", "json")
    assert run.returncode == 0, run.stderr
    assert sc402(run.json())["severity"] == "info"
