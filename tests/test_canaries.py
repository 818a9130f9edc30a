"""Secrets never leave the machine (issue 13, item 2): canaries in `credentials.yml`, in an
environment variable the credentials read (`${oc.env:...}`), and in an artifact's `fs_args`,
`load_args` and `save_args` appear in no report format, no `--show-settings`, no `--debug`
traceback, and no file of the exported model, which still loads the artifact with them.

`load_args` are how the model reads its artifact: they are packaged, but for their
`storage_options` and `credentials` (left out as secrets). So the `load_args` canary is kept
apart: in no output, and in the model only in the artifact's catalog entry."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import FIXTURES, servecheck

CANARY = "CANARY-5be1c2"
LOAD_OPTION = "LOAD-OPTION-5be1c2"  # a load_args value the model needs to read its artifact
ENV = {"SERVECHECK_TEST_SECRET": f"{CANARY}-environment"}
CHURN_SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"
CHECK_FORMATS = [
    "text",
    "concise",
    "json",
    "sarif",
    "github",
    "gitlab",
    "junit",
    "markdown",
    "html",
]
GRAPH_FORMATS = ["mermaid", "dot", "json", "html"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The churn project, its classifier read with credentials and options holding canaries."""
    root = tmp_path_factory.mktemp("canaries") / "churn"
    shutil.copytree(FIXTURES / "churn", root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "conf/local").mkdir(exist_ok=True)
    (root / "conf/local/credentials.yml").write_text(
        "model_store:\n"
        f"  token: {CANARY}-credentials\n"
        "  client_kwargs:\n"
        "    secret: ${oc.env:SERVECHECK_TEST_SECRET}\n"
    )
    catalog = root / "conf/base/catalog.yml"
    catalog.write_text(
        catalog.read_text().replace(
            "  filepath: data/06_models/classifier.pkl\n",
            "  filepath: data/06_models/classifier.pkl\n"
            "  credentials: model_store\n"
            f"  fs_args:\n    open_args_load:\n      mode: rb\n    key: {CANARY}-fs-args\n"
            f"  load_args:\n    errors: {LOAD_OPTION}\n"
            f"  save_args:\n    protocol: 4\n    comment: {CANARY}-save-args\n",
        )
    )
    return root


def _assert_no_canary(*texts: str) -> None:
    for text in texts:
        for canary in (CANARY, LOAD_OPTION):
            assert canary not in text, text[text.index(canary) - 300 : text.index(canary) + 100]


@pytest.mark.parametrize("fmt", CHECK_FORMATS)
def test_no_report_format_holds_a_secret(project, fmt):
    run = servecheck("check", project, "--pipeline", "inference", "--format", fmt, env=ENV)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip()
    _assert_no_canary(run.stdout, run.stderr)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_no_graph_format_holds_a_secret(project, fmt):
    run = servecheck("graph", project, "--pipeline", "inference", "--format", fmt, env=ENV)
    assert run.returncode == 0, run.stdout + run.stderr
    _assert_no_canary(run.stdout, run.stderr)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_show_settings_holds_no_secret(project, fmt):
    run = servecheck("check", project, "--show-settings", "--format", fmt, env=ENV)
    assert run.returncode == 0, run.stderr
    _assert_no_canary(run.stdout, run.stderr)


def test_a_debug_traceback_holds_no_secret(project, tmp_path):
    sample = tmp_path / "no_tenure.csv"
    pd.read_csv(CHURN_SAMPLE).drop(columns=["tenure"]).to_csv(sample, index=False)
    run = servecheck(
        "export",
        project,
        "--pipeline",
        "inference",
        "--model-dir",
        tmp_path / "model",
        "--sample",
        sample,
        "--debug",
        env=ENV,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" in run.stderr
    _assert_no_canary(run.stdout, run.stderr)


def test_no_file_of_the_exported_model_holds_a_secret(project, tmp_path):
    target = tmp_path / "model"
    run = servecheck(
        "export",
        project,
        "--pipeline",
        "inference",
        "--model-dir",
        target,
        "--sample",
        CHURN_SAMPLE,
        "--verify",  # Kedro's own run reads the classifier with its credentials and options
        env=ENV,
    )
    assert run.returncode == 0, run.stderr
    assert "verified against Kedro's own run" in run.stderr
    _assert_no_canary(run.stdout, run.stderr)
    files = [path for path in target.rglob("*") if path.is_file()]
    assert files
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), path
    holding_the_load_option = [p for p in files if LOAD_OPTION.encode() in p.read_bytes()]
    assert holding_the_load_option == [target / "artifacts/serving/catalog.yml"]
