"""kedro-mlflow's PipelineML as kedro-mlflow really behaves: its construction errors whole,
and the stand-in where kedro-mlflow is not installed (SC503).

What servecheck reports is set against what really happens with kedro-mlflow installed
(`kedro registry list` on a copy of the fixture in tmp_path). The stand-in is tested in this
environment with kedro-mlflow hidden (tests/without_kedro_mlflow), and in pre-commit's
isolated environment, where it is not installed (tests/test_precommit.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, Run, edit, servecheck

GOOD = "pipelineml"
GOOD_REGISTRY = "src/review_sentiment/pipeline_registry.py"
PLAIN_LOGGING = """\
version: 1
disable_existing_loggers: False
formatters: {plain: {format: "%(levelname)s %(name)s: %(message)s"}}
handlers: {console: {class: logging.StreamHandler, formatter: plain, stream: ext://sys.stdout}}
root: {handlers: [console], level: INFO}
"""
WITHOUT_KEDRO_MLFLOW = {
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO / "tests/without_kedro_mlflow"), os.environ.get("PYTHONPATH")])
    )
}


def kedro(project: Path, *args: str) -> Run:
    """`kedro ARGS` in `project`, kedro-mlflow's hook active, plain log lines."""
    logging = project / "plain_logging.yml"
    logging.write_text(PLAIN_LOGGING)
    done = subprocess.run(
        [sys.executable, "-m", "kedro", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KEDRO_LOGGING_CONFIG": str(logging), "PYTHONWARNINGS": "ignore"},
    )
    return Run(done.returncode, done.stdout, done.stderr)


# kedro-mlflow's construction errors, whole

INFERENCE = "        inference=inference_pipeline,\n"
TWO_OUTPUTS = (
    INFERENCE,
    INFERENCE.replace(
        ",\n", " + Pipeline([Node(len, 'raw_text', 'n_reviews', name='count_reviews')]),\n"
    ),
)
FREE_INPUT = (
    INFERENCE,
    INFERENCE.replace(
        ",\n",
        " + Pipeline([Node(lambda sentiment, encoder: sentiment, ['sentiment', 'encoder'],"
        " 'final', name='final')]),\n",
    ),
)
IMPORT_NODE = (
    "from kedro.pipeline import Pipeline\n",
    "from kedro.pipeline import Node, Pipeline\n",
)
CONSTRUCTION = [
    pytest.param(
        TWO_OUTPUTS,
        [
            (
                "KedroMlflowPipelineMLError: The inference pipeline must have one and only one"
                " output. You are trying to set a inference pipeline with '2' output(s):"
            ),
            "\n - sentiment",
            "\n - n_reviews",
        ],
        id="two-outputs",
    ),
    pytest.param(
        FREE_INPUT,
        [
            (
                "KedroMlflowPipelineMLError: The following inputs are free for the inference"
                " pipeline:\n    - encoder.\nNo free input is allowed."
            ),
            "except 'input_name' and parameters which starts with 'params:'.",
        ],
        id="free-input",
    ),
]


def _words(text: str) -> str:
    return " ".join(text.split())


def _broken_registry(project: Path, change: tuple[str, str]) -> None:
    edit(project, GOOD_REGISTRY, *IMPORT_NODE)
    edit(project, GOOD_REGISTRY, *change)


@pytest.mark.parametrize(("change", "lines"), CONSTRUCTION)
def test_kedro_mlflow_s_construction_errors_are_shown_whole(project_copy, change, lines):
    project = project_copy(GOOD)
    _broken_registry(project, change)

    checked = servecheck("check", project)
    listed = kedro(project, "registry", "list")

    assert checked.returncode == 2, checked.stdout
    assert "Traceback" not in checked.stderr
    assert f"in {GOOD_REGISTRY}:" in checked.stderr
    assert listed.returncode == 1
    for line in lines:
        assert line in checked.stderr
        assert _words(line) in _words(listed.stderr)  # kedro-mlflow's, with trailing blanks


# The stand-in, where kedro-mlflow is not installed


_WHAT_IS_INSTALLED = """
import importlib.metadata as metadata, importlib.util
print(importlib.util.find_spec("kedro_mlflow"),
      "kedro-mlflow" in {d.metadata["Name"] for d in metadata.distributions()},
      [e.name for e in metadata.entry_points(group="kedro.hooks")].count("mlflow_hook"))
"""


def test_kedro_mlflow_is_hidden_by_the_test_helper():
    done = subprocess.run(
        [sys.executable, "-c", _WHAT_IS_INSTALLED],
        capture_output=True,
        text=True,
        env={**os.environ, **WITHOUT_KEDRO_MLFLOW},
        timeout=60,
    )
    assert done.stdout.split() == ["None", "False", "0"], done.stderr


@pytest.mark.parametrize(("fixture", "edits"), [(GOOD, [])], ids=["pipelineml"])
def test_the_stand_in_reports_what_kedro_mlflow_reports(project_copy, fixture, edits):
    project = project_copy(fixture)
    for file, old, new in edits:
        edit(project, file, old, new)

    installed = servecheck("check", project, "--format", "json")
    stood_in = servecheck("check", project, "--format", "json", env=WITHOUT_KEDRO_MLFLOW)

    assert stood_in.returncode == installed.returncode, stood_in.stderr
    with_stand_in, without = stood_in.json(), installed.json()
    (info,) = [f for f in with_stand_in["findings"] if f["code"] == "SC503"]
    assert info["severity"] == "info"
    assert "kedro-mlflow is not installed here" in info["message"]
    assert info["location"] == {"path": GOOD_REGISTRY, "line": 8}
    assert [f["code"] for f in with_stand_in["findings"]].count("SC402") == 0
    assert not any(f["code"] == "SC503" for f in without["findings"])
    assert with_stand_in["pipelines"] == without["pipelines"]
    assert [f for f in with_stand_in["findings"] if f["code"] != "SC503"] == without["findings"]
    infos = without["summary"]["infos"] + 1
    assert with_stand_in["summary"] == {**without["summary"], "infos": infos}


@pytest.mark.parametrize("change", [TWO_OUTPUTS, FREE_INPUT], ids=["two-outputs", "free-input"])
def test_the_stand_in_refuses_a_pipelineml_as_kedro_mlflow_does(project_copy, change):
    project = project_copy(GOOD)
    _broken_registry(project, change)
    same_sets = {"PYTHONHASHSEED": "0"}  # kedro-mlflow lists the names in set order

    installed = servecheck("check", project, env=same_sets)
    stood_in = servecheck("check", project, env={**same_sets, **WITHOUT_KEDRO_MLFLOW})

    assert installed.returncode == stood_in.returncode == 2
    assert "KedroMlflowPipelineMLError" in stood_in.stderr
    assert stood_in.stderr == installed.stderr
