"""`servecheck check` on every shipped fixture: what its README says, in text and JSON."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, servecheck

SERVABLE = {"churn": "inference", "namespaced": None, "pipelineml": None}


def _readme_codes(fixture: str, section: str | None = None) -> set[str]:
    """The rule codes a fixture's README tables expect (those of the `## {section}` only,
    when given)."""
    text = (FIXTURES / fixture / "README.md").read_text()
    if section is not None:
        text = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| (SC\d{3}) \|", text, re.M))


REPORTED = [
    "churn",
    "broken",
    "namespaced",
    "pipelineml",
    "mlflow_tutorial",
    "spaceflights",
    "risk_profile",
]


@pytest.mark.parametrize("fixture", REPORTED)
def test_text_report(fixture, snapshot):
    run = servecheck("check", f"fixtures/{fixture}")
    assert "Traceback" not in run.stderr
    snapshot.assert_match(run.stdout, f"{fixture}.txt")


@pytest.mark.parametrize("fixture", REPORTED)
def test_json_report(fixture, snapshot):
    run = servecheck("check", f"fixtures/{fixture}", "--format", "json")
    snapshot.assert_match(run.stdout, f"{fixture}.json")


def test_churn_is_servable():
    run = servecheck("check", "fixtures/churn", "--pipeline", "inference", "--format", "json")
    assert run.returncode == 0
    (pipeline,) = run.json()["pipelines"]
    roles = {i["name"]: i["role"] for i in pipeline["inputs"]}
    assert roles == {
        "customers_to_score": "data",
        "scaler": "persisted",
        "classifier": "persisted",
        "params:features": "parameter",
        "params:threshold": "parameter",
    }
    assert pipeline["data_input"] == "customers_to_score"
    assert pipeline["outputs"] == ["predictions"]
    assert pipeline["status"] == "pass"
    assert {f["code"] for f in run.json()["findings"]} == {"SC303"}


def test_broken_reports_what_its_readme_lists():
    run = servecheck("check", "fixtures/broken", "--format", "json")
    assert run.returncode == 1
    report = run.json()
    assert {f["code"] for f in report["findings"]} - {"SC303"} == _readme_codes("broken")
    assert report["pipelines"][0]["status"] == "fail"
    assert report["pipelines"][0]["data_input"] == "request"  # from [tool.servecheck]
    roles = {i["name"]: i["role"] for i in report["pipelines"][0]["inputs"]}
    assert roles["lookup_table"] == "unresolved"
    assert roles["parameters"] == "parameter"
    assert report["summary"] == {
        "errors": sum(f["severity"] == "error" for f in report["findings"]),
        "warnings": sum(f["severity"] == "warning" for f in report["findings"]),
        "infos": sum(f["severity"] == "info" for f in report["findings"]),
    }


def test_broken_empty_pipeline():
    run = servecheck("check", "fixtures/broken", "--pipeline", "empty", "--format", "json")
    assert run.returncode == 1
    assert [f["code"] for f in run.json()["findings"]] == ["SC001"]


def test_namespaced_uses_settings_versions_and_base_env_fallback():
    run = servecheck("check", "fixtures/namespaced", "--format", "json")
    assert run.returncode == 0
    report = run.json()
    assert report["project"]["env"] == "base"  # no conf/local in this fixture
    assert [p["name"] for p in report["pipelines"]] == ["eu_inference", "us_inference"]
    eu_versions = sorted(
        p.name for p in (FIXTURES / "namespaced/data/06_models/eu/model.pkl").iterdir()
    )
    (eu_version,) = [
        f for f in report["findings"] if f["code"] == "SC207" and f["dataset"] == "eu.model"
    ]
    assert eu_versions[-1] in eu_version["message"]
    assert eu_versions[0] not in eu_version["message"]
    inputs = {i["name"]: i for i in report["pipelines"][0]["inputs"]}
    assert inputs["holidays@pandas"]["dataset_type"] == "pandas.CSVDataset"
    assert inputs["eu.model"]["filepath"] == "data/06_models/eu/model.pkl"


def test_namespaced_prod_env_points_at_the_prod_catalog():
    """The prod encoders are not trained yet, and training (run in prod) makes them: SC208;
    a gate after training requires them (SC202), at the prod catalog's pattern."""
    before = servecheck("check", "fixtures/namespaced", "--env", "prod", "--format", "json")
    assert before.returncode == 0
    not_trained = [f for f in before.json()["findings"] if f["code"] == "SC208"]
    assert {f["dataset"] for f in not_trained} == {"eu.encoder", "us.encoder"}
    after = servecheck(
        "check", "fixtures/namespaced", "--env", "prod", "--require-artifacts", "--format", "json"
    )
    assert after.returncode == 1
    missing = [f for f in after.json()["findings"] if f["code"] == "SC202"]
    assert {f["dataset"] for f in missing} == {"eu.encoder", "us.encoder"}
    assert all(f["location"]["path"] == "conf/prod/catalog.yml" for f in missing)


def test_pipelineml_is_checked_through_its_inference_pipeline():
    run = servecheck("check", "fixtures/pipelineml", "--format", "json")
    assert run.returncode == 0
    (pipeline,) = run.json()["pipelines"]
    assert pipeline["name"] == "training_ml"
    assert pipeline["data_input"] == "raw_text"
    assert pipeline["outputs"] == ["sentiment"]


def test_pipelineml_input_can_be_overridden():
    run = servecheck("check", "fixtures/pipelineml", "--input", "stopwords", "--format", "json")
    codes = {f["code"] for f in run.json()["findings"]}
    assert run.returncode == 1
    assert "SC103" in codes  # a YAML list is no DataFrame
    (pipeline,) = run.json()["pipelines"]
    assert pipeline["data_input"] == "stopwords"
    roles = {i["name"]: i["role"] for i in pipeline["inputs"]}
    assert roles["raw_text"] == "persisted"  # the PipelineML's input_name, now an artifact


def test_mlflow_tutorial_is_checked_through_kedro_mlflows_datasets():
    """kedro-mlflow's datasets, known statically: the MlflowArtifactDataset is the file of the
    pickle.PickleDataset it wraps, the MlflowModelLocalFileSystemDataset its model folder."""
    run = servecheck("check", "fixtures/mlflow_tutorial", "--format", "json")
    assert run.returncode == 0, run.stdout
    report = run.json()
    (pipeline,) = report["pipelines"]
    assert (pipeline["name"], pipeline["data_input"]) == ("training_ml", "instances")
    inputs = {i["name"]: (i["role"], i["dataset_type"], i["filepath"]) for i in pipeline["inputs"]}
    assert inputs == {
        "instances": ("data", "pandas.CSVDataset", "data/01_raw/instances.csv"),
        "english_stopwords": ("persisted", "yaml.YAMLDataset", "data/01_raw/stopwords.yml"),
        "label_encoder": (
            "persisted",
            "pickle.PickleDataset",
            "data/06_models/label_encoder.pkl",
        ),
        "sentiment_model": (
            "persisted",
            "kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset",
            "data/06_models/sentiment_model",
        ),
        "tfidf_vectorizer": (
            "persisted",
            "kedro_mlflow.io.artifacts.MlflowArtifactDataset",
            "data/06_models/tfidf_vectorizer.pkl",
        ),
    }
    assert {f["code"] for f in report["findings"]} == _readme_codes("mlflow_tutorial") == set()


@pytest.mark.parametrize(("fixture", "exit_code"), [("spaceflights", 1), ("risk_profile", 1)])
def test_the_inference_pipeline_reports_what_its_readme_expects(fixture, exit_code):
    run = servecheck("check", f"fixtures/{fixture}", "--pipeline", "inference", "--format", "json")
    assert run.returncode == exit_code
    expected = _readme_codes(fixture, "Expected `servecheck check --pipeline inference`")
    assert {f["code"] for f in run.json()["findings"]} == expected
