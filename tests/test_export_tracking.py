"""Tracking and registry as MLflow users expect them: where the model is logged, the run that
records it, the registered model and its alias (a sqlite store in a temp folder)."""

from __future__ import annotations

import json

import pytest

from kedro_servecheck.exporter.tracking import kedro_mlflow_uri

from conftest import FIXTURES, python, servecheck

CHURN_SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"


def _logged(uri: str, cwd, model_uri: str) -> dict:
    """The run and logged model behind `model_uri`, read with MLflow in a fresh process."""
    code = f"""
import json, mlflow, pandas as pd
mlflow.set_tracking_uri({uri!r})
model = mlflow.pyfunc.load_model({model_uri!r})
logged = mlflow.get_logged_model(model.metadata.model_id)
run = mlflow.get_run(logged.source_run_id)
experiment = mlflow.get_experiment(run.info.experiment_id)
artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "servecheck")]
rows = len(model.predict(pd.read_csv({str(CHURN_SAMPLE)!r})))
print(json.dumps({{"params": run.data.params, "tags": run.data.tags, "run_name": run.info.run_name,
                   "experiment": experiment.name, "artifacts": artifacts, "rows": rows}}))
"""
    loaded = python(code, cwd=cwd)
    assert loaded.returncode == 0, loaded.stderr
    return json.loads(loaded.stdout.splitlines()[-1])


def _export(project, *args, cwd, env=None):
    return servecheck(
        "export",
        project,
        "--pipeline",
        "inference",
        "--sample",
        CHURN_SAMPLE,
        *args,
        cwd=cwd,
        env={"MLFLOW_TRACKING_URI": "", **(env or {})},
    )


def test_the_model_is_logged_in_a_run_with_params_report_and_tags(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = _export(
        FIXTURES / "churn",
        "--tracking-uri",
        uri,
        "--experiment",
        "churn",
        "--run-name",
        "nightly",
        "--register",
        "churn-model",
        "--alias",
        "champion",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    logged = _logged(uri, tmp_path, "models:/churn-model@champion")
    assert logged["rows"] == 5
    assert logged["experiment"] == "churn"
    assert logged["run_name"] == "nightly"
    assert logged["params"]["threshold"] == "0.5"
    assert logged["params"]["features"] == "['tenure', 'monthly_charges', 'is_monthly']"
    assert logged["artifacts"] == ["servecheck/report.json"]
    assert logged["tags"]["servecheck.pipeline"] == "inference"
    assert logged["tags"]["servecheck.env"] == "local"


def test_tags_that_are_unknown_are_left_out(project_copy, tmp_path):
    """Outside git there is no sha: no `git.sha` tag (it used to be the string 'None')."""
    project = project_copy("churn")  # a temp folder, outside any git repository
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = _export(project, "--tracking-uri", uri, "--register", "m", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    tags = _logged(uri, tmp_path, "models:/m/1")["tags"]
    assert "git.sha" not in tags
    assert "git.dirty" not in tags
    assert "None" not in tags.values()


def test_the_tracking_uri_comes_from_the_environment(tmp_path):
    uri = f"sqlite:///{tmp_path / 'env.db'}"
    run = _export(
        FIXTURES / "churn",
        "--register",
        "from-env",
        cwd=tmp_path,
        env={"MLFLOW_TRACKING_URI": uri},
    )
    assert run.returncode == 0, run.stderr
    assert _logged(uri, tmp_path, "models:/from-env/1")["rows"] == 5


def test_the_tracking_uri_and_experiment_come_from_kedro_mlflows_mlflow_yml(project_copy, tmp_path):
    project = project_copy("churn")
    (project / "conf/local/mlflow.yml").write_text(
        "server:\n  mlflow_tracking_uri: sqlite:///"
        f"{tmp_path / 'yml.db'}\ntracking:\n  experiment:\n    name: churn-yml\n"
    )
    run = _export(project, cwd=tmp_path)  # no --model-dir, no tracking flag: it is logged
    assert run.returncode == 0, run.stderr
    assert "Logged model: models:/" in run.stderr
    model_uri = run.stderr.split("Logged model: ")[1].split()[0]
    logged = _logged(f"sqlite:///{tmp_path / 'yml.db'}", tmp_path, model_uri)
    assert logged["experiment"] == "churn-yml"


def test_the_flag_wins_over_the_environment(tmp_path):
    flag, environment = (f"sqlite:///{tmp_path / name}" for name in ("flag.db", "env.db"))
    run = _export(
        FIXTURES / "churn",
        "--tracking-uri",
        flag,
        "--register",
        "m",
        cwd=tmp_path,
        env={"MLFLOW_TRACKING_URI": environment},
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "flag.db").exists()
    assert not (tmp_path / "env.db").exists()


@pytest.mark.parametrize(
    ("uri", "resolved"),
    [
        ("mlruns", "file:///project/mlruns"),
        ("sqlite:///m.db", "sqlite:///m.db"),
        ("/abs/mlruns", "file:///abs/mlruns"),
        ("databricks", "databricks"),
    ],
)
def test_uris_are_resolved_as_kedro_mlflow_resolves_them(uri, resolved, tmp_path):
    from kedro_mlflow.config.kedro_mlflow_config import _validate_uri

    project = tmp_path / "project"
    project.mkdir()
    expected = resolved.replace("file:///project", project.as_uri())
    assert kedro_mlflow_uri(project, uri) == expected == _validate_uri(str(project), uri)


def test_nothing_to_log_to_says_where_a_uri_comes_from(tmp_path):
    run = _export(FIXTURES / "churn", "--register", "m", cwd=tmp_path)
    assert run.returncode == 2
    assert "No MLflow tracking server to log the model to" in run.stderr
    assert "MLFLOW_TRACKING_URI" in run.stderr


def test_an_alias_needs_a_registered_model(tmp_path):
    run = _export(FIXTURES / "churn", "--model-dir", tmp_path / "m", "--alias", "x", cwd=tmp_path)
    assert run.returncode == 2
    assert "--alias needs --register" in run.stderr
