"""The environment of the exported model: requirements from what is served, stubs of unserved
packages, and the requirement options (`--pip-requirements`, `--extra-pip-requirements`,
`--pin`). Each export runs in its own process on a copy of a fixture."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, REPO, edit, python, servecheck
from export_helpers import model_prediction, native_prediction

INFERENCE = "src/spaceflights/pipelines/inference"
NEW_SHUTTLES = "data/01_raw/new_shuttles.csv"
CHURN_SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"


def requirement_names(model: Path) -> dict[str, str]:
    """name -> the rest of the line, for each line of the model's requirements.txt."""
    found = {}
    for line in (model / "requirements.txt").read_text().splitlines():
        name = line.split("[")[0].split("=")[0].split("~")[0].split("<")[0].strip()
        found[name.lower().replace("_", "-")] = line
    return found


@pytest.fixture
def spaceflights(project_copy) -> Path:
    """spaceflights whose inference serves one output, `price_predictions` (the fixture's
    node also returns a summary, which `--output` cannot prune from one node yet)."""
    project = project_copy("spaceflights")
    edit(
        project,
        f"{INFERENCE}/pipeline.py",
        'outputs=["price_predictions", "prediction_summary"]',
        'outputs="price_predictions"',
    )
    edit(project, f"{INFERENCE}/nodes.py", "return predictions, summary", "return predictions")
    return project


def export_spaceflights(project: Path, model: Path, *extra: str):
    return servecheck(
        "export",
        project,
        "--pipeline",
        "inference",
        "--input",
        "new_shuttles",
        "--sample",
        project / NEW_SHUTTLES,
        "--model-dir",
        model,
        *extra,
    )


def test_reporting_code_is_not_pinned(spaceflights, tmp_path):
    """The reporting pipeline imports matplotlib, and the registry (find_pipelines) imports
    every pipeline; no served module does, so the model does not pin it."""
    model = tmp_path / "model"
    run = export_spaceflights(spaceflights, model)
    assert run.returncode == 0, run.stderr
    names = requirement_names(model)
    assert {"mlflow", "kedro", "kedro-datasets", "pandas", "numpy", "scikit-learn"} <= set(names)
    assert not {"matplotlib", "kedro-mlflow", "pillow", "spaceflights"} & set(names)
    assert names["kedro-datasets"].startswith("kedro-datasets[pickle-pickledataset]==")


REPORTING = {
    "src/churn/pipelines/reporting/__init__.py": "from .pipeline import create_pipeline\n",
    "src/churn/pipelines/reporting/pipeline.py": """\
from kedro.pipeline import Node, Pipeline

from .nodes import plot_churn_by_contract


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([Node(plot_churn_by_contract, "model_input", "churn_by_contract")])
""",
    "src/churn/pipelines/reporting/nodes.py": """\
import kedro_mlflow  # noqa: F401  (the reporting runs are tracked)
import matplotlib.pyplot as plt


def plot_churn_by_contract(model_input):
    figure, axes = plt.subplots()
    model_input.groupby("contract")["churned"].mean().plot.bar(ax=axes)
    return figure
""",
}


def with_pipeline(project: Path, name: str, files: dict[str, str]) -> Path:
    """Add the pipeline package `files` to a churn copy, registered as `name`."""
    for path, source in files.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(source)
    edit(
        project,
        "src/churn/pipeline_registry.py",
        "from churn.pipelines import inference, training",
        f"from churn.pipelines import inference, training, {name}",
    )
    edit(
        project,
        "src/churn/pipeline_registry.py",
        '"inference": inference_pipeline,',
        f'"inference": inference_pipeline,\n        "{name}": {name}.create_pipeline(),',
    )
    return project


def test_the_model_serves_where_unserved_imports_are_not_installed(project_copy, tmp_path):
    """churn with a reporting pipeline that imports matplotlib and kedro-mlflow: neither is
    pinned, and the model predicts what Kedro predicts where neither can be imported."""
    project = with_pipeline(project_copy("churn"), "reporting", REPORTING)
    model = tmp_path / "model"
    args = ["--pipeline", "inference", "--model-dir", model, "--sample", CHURN_SAMPLE]
    run = servecheck("export", project, *args, "--verify")
    assert run.returncode == 0, run.stderr
    assert not {"matplotlib", "kedro-mlflow"} & set(requirement_names(model))
    served = model_prediction(
        model, CHURN_SAMPLE, tmp_path, not_installed=("matplotlib", "kedro_mlflow")
    )
    native = native_prediction(project, "inference", "customers_to_score", CHURN_SAMPLE, tmp_path)
    pd.testing.assert_frame_equal(pd.DataFrame(served), native, check_dtype=False)


def test_what_a_served_node_imports_lazily_is_pinned(spaceflights, tmp_path):
    edit(
        spaceflights,
        f"{INFERENCE}/nodes.py",
        '    """Predict the price of each shuttle, and summarise the batch.',
        "    import kedro_mlflow  # noqa: F401\n"
        "    from matplotlib import colors  # noqa: F401\n\n"
        '    """Predict the price of each shuttle, and summarise the batch.',
    )
    model = tmp_path / "model"
    run = export_spaceflights(spaceflights, model)
    assert run.returncode == 0, run.stderr
    names = requirement_names(model)
    for distribution in ("matplotlib", "kedro-mlflow"):
        version = importlib.metadata.version(distribution)
        assert names[distribution].endswith(f"=={version}"), names


# -- stubs --------------------------------------------------------------------------------------

TUNING = {
    "src/churn/pipelines/tuning/__init__.py": "from .pipeline import create_pipeline\n",
    "src/churn/pipelines/tuning/pipeline.py": """\
from kedro.pipeline import Node, Pipeline

from .nodes import tune


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([Node(tune, ["model_input", "params:model_options"], "best_options")])
""",
    "src/churn/pipelines/tuning/nodes.py": """\
import hyperopt_not_installed_xyz as hyperopt


def tune(model_input, model_options):
    return hyperopt.fmin(model_input, model_options)
""",
}


def test_a_stub_that_only_an_unserved_pipeline_imports_does_not_block(project_copy, tmp_path):
    """The explicit registry imports a tuning pipeline whose module imports a package that is
    not installed: with --stub-missing the inference model exports, without that package."""
    project = with_pipeline(project_copy("churn"), "tuning", TUNING)
    model = tmp_path / "model"
    args = ["--pipeline", "inference", "--model-dir", model, "--sample", CHURN_SAMPLE]
    run = servecheck("export", project, *args, "--verify", "--stub-missing")
    assert run.returncode == 0, run.stderr
    assert "hyperopt" not in (model / "requirements.txt").read_text()
    without = servecheck("export", project, *args, "--force")
    assert without.returncode == 2  # without stubs, a missing package fails the load
    assert "hyperopt_not_installed_xyz" in without.stderr


def test_a_stub_the_served_nodes_import_blocks(tmp_path):
    model = tmp_path / "model"
    run = servecheck("export", FIXTURES / "heavy_deps", "--model-dir", model, "--stub-missing")
    assert run.returncode == 1, run.stderr
    nodes = "heavy_deps.pipelines.inference.nodes"
    assert (
        "Cannot export with stand-ins for missing packages the model needs: "
        f"catboost_not_installed_xyz (needed by {nodes}), "
        f"lightgbm_not_installed_xyz (needed by {nodes})"
    ) in run.stderr
    assert "Traceback" not in run.stderr
    assert not model.exists()


# -- the requirement options --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--pip-requirements", "reqs/missing.txt"],
            "--pip-requirements reqs/missing.txt: no such",
        ),
        (["--extra-pip-requirements", "extra.txt"], "--extra-pip-requirements extra.txt: no such"),
        (["--pip-requirements", "pandas,scikit learn"], "'scikit learn' is not a requirement"),
        (["--pip-requirements", " , "], "--pip-requirements is empty"),
        (
            ["--pip-requirements", "pandas", "--extra-pip-requirements", "numpy"],
            "--pip-requirements and --extra-pip-requirements cannot be used together",
        ),
        (["--pip-requirements", "pandas", "--pin", "compatible"], "--pin has nothing to pin"),
        (["--extra-pip-requirements", "pandas<1"], "excludes pandas"),
        (["--pin", "loose"], "'loose' is not one of 'exact', 'compatible'"),
    ],
)
def test_bad_requirement_options_are_usage_errors(args, message, tmp_path):
    model = tmp_path / "model"
    run = servecheck("export", FIXTURES / "churn", "--model-dir", model, *args, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr
    assert not model.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no half-written model, no temp folder


def test_pip_requirements_file_replaces_the_list_and_the_result_reads_the_model(tmp_path):
    """A requirements file goes to MLflow by its absolute path (the save runs elsewhere), and
    MLflow's parser expands its `-r`; MLflow adds mlflow. ExportResult.requirements is the
    model's requirements.txt."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf/serving.txt").write_text(
        "# served environment\nscikit-learn>=1.4\n-r common.txt\n"
    )
    (tmp_path / "conf/common.txt").write_text("pandas>=2\nkedro-datasets[pickle-pickledataset]\n")
    code = f"""
import json
from kedro_servecheck import export
result = export({str(FIXTURES / "churn")!r}, "inference", model_dir="model",
                pip_requirements="conf/serving.txt")
print(json.dumps(result.requirements))
"""
    run = python(code, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    expected = [
        f"mlflow=={importlib.metadata.version('mlflow')}",
        "scikit-learn>=1.4",
        "pandas>=2",
        "kedro-datasets[pickle-pickledataset]",
    ]
    assert json.loads(run.stdout.splitlines()[-1]) == expected
    assert (tmp_path / "model/requirements.txt").read_text().splitlines() == expected


def test_extra_requirements_and_compatible_pins(tmp_path):
    model = tmp_path / "model"
    run = servecheck(
        "export",
        FIXTURES / "churn",
        "--model-dir",
        model,
        "--pin",
        "compatible",
        "--extra-pip-requirements",
        "pandas[performance]<99,gunicorn>=21",
    )
    assert run.returncode == 0, run.stderr
    lines = (model / "requirements.txt").read_text().splitlines()
    major, minor = importlib.metadata.version("pandas").split(".")[:2]
    assert f"pandas[performance]<99,~={major}.{minor}" in lines
    assert "gunicorn>=21" in lines
    sklearn = importlib.metadata.version("scikit-learn").split(".")
    assert f"scikit-learn~={sklearn[0]}.{sklearn[1]}" in lines
    assert not [line for line in lines if "==" in line]
    assert f"{len(lines)} requirements" in run.stderr


def test_export_help_says_what_each_requirement_option_writes():
    run = servecheck("export", "--help")
    text = " ".join(run.stdout.split())
    for fragment in (
        "--pip-requirements FILE|LIST",
        "comma-separated list",
        "--extra-pip-requirements FILE|LIST",
        "exact writes name==1.2.3; compatible writes name~=1.2",
        "Local version labels (+cpu) are dropped",
        "--stub-missing",
    ):
        assert fragment in text, fragment
    assert str(REPO) not in text


# -- portable -----------------------------------------------------------------------------------


def clean_machine_env() -> dict[str, str]:
    """This environment without this machine's pip setup (its config files' local wheels and
    extra indexes, PIP_* variables) nor PYTHONPATH: pip reaches PyPI alone, as elsewhere."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PIP_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    trust = _certificates()  # the machine's CA bundle is no package source: keep it
    return {
        **kept,
        **({"PIP_CERT": trust} if trust else {}),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def _certificates() -> str | None:
    """The CA bundle this machine's pip trusts (a proxy's own CA, say), if it sets one."""
    if os.environ.get("PIP_CERT"):
        return os.environ["PIP_CERT"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    )
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        if key == "global.cert":
            return value.strip("'\"")
    return os.environ.get("SSL_CERT_FILE")


def test_the_model_installs_from_its_requirements_alone_and_predicts(tmp_path):
    """A plain venv (no system site-packages) gets the model's requirements.txt and nothing
    else, from PyPI; there, without kedro-servecheck, the model predicts what the verified
    export and Kedro's own run predict. Needs the network (PyPI); a minute or more."""
    model = tmp_path / "model"
    args = ["--pipeline", "inference", "--model-dir", model, "--sample", CHURN_SAMPLE]
    run = servecheck("export", FIXTURES / "churn", *args, "--verify")
    assert run.returncode == 0, run.stderr
    venv, env = tmp_path / "venv", clean_machine_env()
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, env=env, timeout=300)
    interpreter = str(venv / "bin/python")
    install = subprocess.run(
        [interpreter, "-m", "pip", "install", "--quiet", "-r", model / "requirements.txt"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    installed = subprocess.run(
        [interpreter, "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    names = {package["name"].lower() for package in json.loads(installed.stdout)}
    assert {"mlflow", "kedro", "scikit-learn"} <= names
    assert "kedro-servecheck" not in names
    served = model_prediction(model, CHURN_SAMPLE, tmp_path, interpreter=interpreter)
    native = native_prediction(
        FIXTURES / "churn", "inference", "customers_to_score", CHURN_SAMPLE, tmp_path
    )
    pd.testing.assert_frame_equal(pd.DataFrame(served), native, check_dtype=False)
