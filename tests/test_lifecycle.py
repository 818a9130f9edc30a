"""Verdicts that hold through the lifecycle: a fresh clone before training, after training,
at export; and the environment as Kedro resolves it (`--env` > `KEDRO_ENV` > the run env)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, edit, servecheck

CHURN_SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"


def _findings(run, code: str) -> list[dict]:
    return [f for f in run.json()["findings"] if f["code"] == code]


def _kedro_run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A native `kedro run` of the project, in its own process (kedro-mlflow's hook, which the
    test extra installs, tracks into a sqlite store inside the copy)."""
    tracking = f"sqlite:///{project / 'mlflow.db'}"
    return subprocess.run(
        [sys.executable, "-m", "kedro", "run", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": "", "MLFLOW_TRACKING_URI": tracking},
    )


@pytest.fixture
def fresh_churn(project_copy) -> Path:
    """fixtures/churn as a fresh clone has it: the trained pickles are git-ignored."""
    project = project_copy("churn")
    for pickle in (project / "data/06_models").glob("*.pkl"):
        pickle.unlink()
    return project


# Before training


def test_a_fresh_clone_passes_the_strict_gate_with_what_to_train(fresh_churn):
    run = servecheck("--strict", fresh_churn, "--pipeline", "inference", "--format", "json")
    assert run.returncode == 0, run.stdout
    not_trained = _findings(run, "SC208")
    assert sorted(f["dataset"] for f in not_trained) == ["classifier", "scaler"]
    assert all(f["severity"] == "info" for f in not_trained)
    assert all("pipeline 'training' makes it" in f["message"] for f in not_trained)
    assert not _findings(run, "SC202")


def test_the_fix_line_names_the_command_that_trains_it(fresh_churn):
    run = servecheck("check", fresh_churn, "--pipeline", "inference")
    assert "run `kedro run --pipelines training` before `servecheck export`" in run.stdout


def test_export_needs_the_files_and_names_them(fresh_churn, tmp_path):
    target = tmp_path / "model"
    run = servecheck("export", fresh_churn, "--pipeline", "inference", "--model-dir", target)
    assert run.returncode == 1, run.stderr
    assert "SC202 artifact-missing" in run.stdout
    assert "data/06_models/scaler.pkl (pipeline 'training' makes it)" in run.stdout
    assert "data/06_models/classifier.pkl (pipeline 'training' makes it)" in run.stdout
    assert "not servable" in run.stderr
    assert not target.exists()


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_a_gate_after_training_requires_the_files(fresh_churn, how):
    args = ["check", fresh_churn, "--pipeline", "inference", "--format", "json"]
    if how == "flag":
        args.append("--require-artifacts")
    else:
        with (fresh_churn / "pyproject.toml").open("a") as pyproject:
            pyproject.write("\n[tool.servecheck]\nrequire-artifacts = true\n")
    run = servecheck(*args)
    assert run.returncode == 1
    assert sorted(f["dataset"] for f in _findings(run, "SC202")) == ["classifier", "scaler"]
    assert not _findings(run, "SC208")
    (hint,) = {f["message"] for f in _findings(run, "SC202") if f["dataset"] == "scaler"}
    assert "pipeline 'training' makes it" in hint


def test_the_verdict_holds_once_the_named_pipeline_has_run(fresh_churn):
    """What really happens: `kedro run --pipelines training` makes the very files the
    inference pipeline reads, and the gate after training then passes."""
    trained = _kedro_run(fresh_churn, "--pipelines", "training")
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert sorted(p.name for p in (fresh_churn / "data/06_models").iterdir()) == [
        "classifier.pkl",
        "scaler.pkl",
    ]
    run = servecheck("--strict", "--require-artifacts", fresh_churn, "--pipeline", "inference")
    assert run.returncode == 0, run.stdout


def test_an_artifact_nobody_trains_stays_an_error_with_a_did_you_mean(project_copy):
    """A typo in the filepath of an artifact no registered pipeline makes: the trained file is
    there under its real name."""
    project = project_copy("churn")
    edit(
        project,
        "conf/base/catalog.yml",
        "filepath: data/06_models/classifier.pkl",
        "filepath: data/06_models/clasifier.pkl",
    )
    registry = "src/churn/pipeline_registry.py"
    edit(project, registry, '"training": training_pipeline,\n', "")
    edit(project, registry, "training_pipeline + inference_pipeline", "inference_pipeline")
    run = servecheck("check", project, "--pipeline", "inference", "--format", "json")
    assert run.returncode == 1
    (missing,) = _findings(run, "SC202")
    assert missing["message"] == (
        "'classifier' has no file at data/06_models/clasifier.pkl, and no registered pipeline "
        "produces it"
    )
    text = servecheck("check", project, "--pipeline", "inference").stdout
    assert "did you mean data/06_models/classifier.pkl?" in text


def test_a_transcoded_twin_is_a_producer_and_a_memory_twin_is_not(project_copy):
    project = project_copy("churn")
    for pickle in (project / "data/06_models").glob("*.pkl"):
        pickle.unlink()
    edit(
        project,
        "src/churn/pipelines/training/pipeline.py",
        'outputs="classifier"',
        'outputs="classifier@pickle"',
    )
    # Kedro refuses `classifier@pickle` and `classifier` in one pipeline: no combined default
    registry = "src/churn/pipeline_registry.py"
    edit(project, registry, "training_pipeline + inference_pipeline", "training_pipeline")
    with (project / "conf/base/catalog.yml").open("a") as catalog:
        catalog.write(
            "\nclassifier@pickle:\n  type: pickle.PickleDataset\n"
            "  filepath: data/06_models/classifier.pkl\n"
        )
    run = servecheck("check", project, "--pipeline", "inference", "--format", "json")
    assert sorted(f["dataset"] for f in _findings(run, "SC208")) == ["classifier", "scaler"]

    catalog = project / "conf/base/catalog.yml"
    catalog.write_text(
        catalog.read_text().replace(
            "classifier@pickle:\n  type: pickle.PickleDataset\n"
            "  filepath: data/06_models/classifier.pkl\n",
            "classifier@pickle:\n  type: MemoryDataset\n",
        )
    )
    run = servecheck("check", project, "--pipeline", "inference", "--format", "json")
    assert [f["dataset"] for f in _findings(run, "SC208")] == ["scaler"]
    assert [f["dataset"] for f in _findings(run, "SC202")] == ["classifier"]


def test_a_namespaced_producer_counts(project_copy):
    project = project_copy("namespaced")
    for version in (project / "data/06_models/eu/model.pkl").iterdir():
        for file in version.iterdir():
            file.unlink()
        version.rmdir()
    run = servecheck("check", project, "--pipeline", "eu_inference", "--format", "json")
    assert run.returncode == 0, run.stdout
    (not_trained,) = _findings(run, "SC208")
    assert not_trained["dataset"] == "eu.model"
    assert "pipeline 'training' makes it" in not_trained["message"]
    assert not _findings(run, "SC203")


def test_a_pipelineml_training_is_the_producer_of_its_inference_artifacts(project_copy):
    project = project_copy("pipelineml")
    for pickle in (project / "data/06_models").glob("*.pkl"):
        pickle.unlink()
    run = servecheck("check", project, "--format", "json")
    assert run.returncode == 0, run.stdout
    not_trained = _findings(run, "SC208")
    assert sorted(f["dataset"] for f in not_trained) == ["classifier", "vectorizer"]
    assert all("pipeline 'training_ml' makes it" in f["message"] for f in not_trained)


# Environments


def _threshold(run) -> str:
    (frozen,) = [f for f in _findings(run, "SC303") if f["dataset"] == "params:threshold"]
    return frozen["message"]


def test_kedro_env_chooses_the_environment():
    run = servecheck("check", "fixtures/churn", "--format", "json", env={"KEDRO_ENV": "staging"})
    assert run.json()["project"]["env"] == "staging"
    assert "'params:threshold' = 0.7" in _threshold(run)


def test_the_env_flag_wins_over_kedro_env():
    run = servecheck(
        "check",
        "fixtures/churn",
        "--env",
        "local",
        "--format",
        "json",
        env={"KEDRO_ENV": "staging"},
    )
    assert run.json()["project"]["env"] == "local"
    assert "'params:threshold' = 0.5" in _threshold(run)


@pytest.mark.parametrize("command", ["check", "graph", "export"])
def test_an_unknown_kedro_env_is_a_load_error_listing_the_envs(command):
    run = servecheck(command, "fixtures/churn", env={"KEDRO_ENV": "prod"})
    assert run.returncode == 2
    assert "Environment 'prod' (KEDRO_ENV) does not exist" in run.stderr
    assert "available environments: base, local, staging" in run.stderr
    assert "Traceback" not in run.stderr


def test_kedro_servecheck_follows_kedro_env(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "kedro",
            "servecheck",
            "--format",
            "json",
            "--output-file",
            str(tmp_path / "report.json"),
        ],
        cwd=FIXTURES / "churn",
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KEDRO_ENV": "staging"},
    )
    assert run.returncode == 0, run.stderr
    assert '"env": "staging"' in (tmp_path / "report.json").read_text()


def test_export_packages_the_kedro_env_and_says_so(tmp_path):
    target = tmp_path / "model"
    run = servecheck(
        "export",
        "fixtures/churn",
        "--pipeline",
        "inference",
        "--model-dir",
        target,
        "--sample",
        CHURN_SAMPLE,
        env={"KEDRO_ENV": "staging"},
    )
    assert run.returncode == 0, run.stderr
    assert '"threshold": 0.7' in (target / "artifacts/serving/parameters.yml").read_text()
    assert "env: staging" in (target / "MLmodel").read_text()
