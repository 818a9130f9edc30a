"""kedro-mlflow's PipelineML as kedro-mlflow really behaves: its construction errors whole.

What servecheck reports is set against what really happens with kedro-mlflow installed:
`kedro registry list` on a copy of the fixture in tmp_path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Run, edit, servecheck

GOOD = "pipelineml"
GOOD_REGISTRY = "src/review_sentiment/pipeline_registry.py"
PLAIN_LOGGING = """\
version: 1
disable_existing_loggers: False
formatters: {plain: {format: "%(levelname)s %(name)s: %(message)s"}}
handlers: {console: {class: logging.StreamHandler, formatter: plain, stream: ext://sys.stdout}}
root: {handlers: [console], level: INFO}
"""


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
