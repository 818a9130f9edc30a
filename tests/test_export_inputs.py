"""What export needs from the user: no example, an example with extra columns, a pipeline that
fails on it, credentials; and what `--verify` compares."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from kedro_servecheck.errors import VerificationError
from kedro_servecheck.exporter.verify import compare

from conftest import FIXTURES, servecheck
from export_helpers import model_prediction, native_prediction

CHURN_SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"
EXPORT = ("export", "fixtures/churn", "--pipeline", "inference")


def _signature(model) -> dict:
    return yaml.safe_load((model / "MLmodel").read_text())["signature"]


def test_export_without_any_example_has_a_params_only_signature(tmp_path):
    """customers_to_score is not in the catalog and no --sample is given: the model is
    exported anyway, and still takes per-request parameters."""
    target = tmp_path / "model"
    run = servecheck(*EXPORT, "--model-dir", target)
    assert run.returncode == 0, run.stderr
    assert "warning: no input example for 'customers_to_score'" in run.stderr
    assert "--sample FILE adds the input schema" in run.stderr
    signature = _signature(target)
    assert signature["inputs"] is None
    assert {p["name"] for p in json.loads(signature["params"])} == {"features", "threshold"}
    assert not (target / "input_example.json").exists()
    params = {"threshold": 0.9}
    served = model_prediction(target, CHURN_SAMPLE, tmp_path, params=params)
    native = native_prediction(
        FIXTURES / "churn", "inference", "customers_to_score", CHURN_SAMPLE, tmp_path, params
    )
    pd.testing.assert_frame_equal(served, native)


def test_verify_without_an_example_says_why(tmp_path):
    target = tmp_path / "model"
    run = servecheck(*EXPORT, "--model-dir", target, "--verify")
    assert run.returncode == 2
    assert "--verify needs an input example" in run.stderr
    assert "pass --sample FILE" in run.stderr
    assert not target.exists()


def test_columns_the_pipeline_does_not_read_are_optional(project_copy, tmp_path):
    """The data input's own file is the training table, with the label: requests without the
    label are accepted by the served model, which enforces its schema."""
    project = project_copy("churn")
    with (project / "conf/base/catalog.yml").open("a") as catalog:
        catalog.write(
            "\ncustomers_to_score:\n  type: pandas.CSVDataset\n"
            "  filepath: data/01_raw/customers.csv\n"
        )
    target = tmp_path / "model"
    run = servecheck(
        "export",
        project,
        "--pipeline",
        "inference",
        "--input",
        "customers_to_score",
        "--model-dir",
        target,
    )
    assert run.returncode == 0, run.stderr
    required = {c["name"]: c["required"] for c in json.loads(_signature(target)["inputs"])}
    assert required["churned"] is False
    assert required["tenure"] is True
    assert required["monthly_charges"] is True
    served = model_prediction(target, CHURN_SAMPLE, tmp_path)  # no `churned` column
    native = native_prediction(project, "inference", "customers_to_score", CHURN_SAMPLE, tmp_path)
    pd.testing.assert_frame_equal(served, native)


@pytest.mark.parametrize("debug", [False, True])
def test_a_node_failing_on_the_sample_is_the_users_error(tmp_path, debug):
    sample = tmp_path / "no_tenure.csv"
    pd.read_csv(CHURN_SAMPLE).drop(columns=["tenure"]).to_csv(sample, index=False)
    target = tmp_path / "model"
    run = servecheck(*EXPORT, "--model-dir", target, "--sample", sample, *["--debug"] * debug)
    assert run.returncode == 2
    assert "The pipeline fails on the input example: node '" in run.stderr
    assert "KeyError" in run.stderr
    assert "in src/churn/pipelines/inference/nodes.py:" in run.stderr
    assert "internal error" not in run.stderr
    assert ("Traceback" in run.stderr) is debug
    assert not target.exists()


def test_credentials_are_read_used_and_never_packaged(project_copy, tmp_path):
    """The artifact's credentials reach its dataset in Kedro's own run (--verify), and no
    secret of the catalog (credentials, fs_args, save_args) is written into the model."""
    canary = "CANARY-7d41f0"
    project = project_copy("churn")
    (project / "conf/local/credentials.yml").write_text(
        f"model_store:\n  client_kwargs:\n    token: {canary}-credentials\n"
    )
    catalog = project / "conf/base/catalog.yml"
    catalog.write_text(
        catalog.read_text().replace(
            "  filepath: data/06_models/classifier.pkl\n",
            "  filepath: data/06_models/classifier.pkl\n  credentials: model_store\n"
            f"  fs_args:\n    open_args_load:\n      mode: rb\n    token: {canary}-fs-args\n"
            f"  save_args:\n    protocol: 4\n    fix_imports: true\n    comment: {canary}-save\n",
        )
    )
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
        "--verify",
    )
    assert run.returncode == 0, run.stderr
    assert "verified against Kedro's own run" in run.stderr
    for path in target.rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path


def test_verify_compares_any_prediction_and_shows_where_it_differs():
    labels = pd.DataFrame({"label": ["churn", "stay"], "p": [0.9, 0.1]})
    compare(labels.copy(), labels)
    compare(
        {"scores": [0.5, float("nan")], "label": "yes"},
        {"scores": [0.5, float("nan")], "label": "yes"},
    )
    compare(pd.Series(pd.Categorical(["a", "b"])), pd.Series(pd.Categorical(["a", "b"])))
    with pytest.raises(VerificationError) as raised:
        compare(labels.assign(label=["churn", "churn"]), labels)
    assert "prediction['label'][1]: 'churn' != 'stay'" in raised.value.what
    assert raised.value.exit_code == 1


def _frozen_churn(project_copy, frozen: str):
    project = project_copy("churn")
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write(f"\n[tool.servecheck.pipelines.inference]\nfrozen = {frozen}\n")
    return project


def test_frozen_parameters_stay_out_of_the_params_schema(project_copy, tmp_path):
    project = _frozen_churn(project_copy, '["features"]')
    check = servecheck("check", project, "--format", "json")
    (features,) = [f for f in check.json()["findings"] if f["dataset"] == "params:features"]
    assert "kept frozen by [tool.servecheck.pipelines]" in features["message"]
    target = tmp_path / "model"
    run = servecheck("export", project, "--model-dir", target, "--sample", CHURN_SAMPLE)
    assert run.returncode == 0, run.stderr
    assert {p["name"] for p in json.loads(_signature(target)["params"])} == {"threshold"}
    frozen = model_prediction(target, CHURN_SAMPLE, tmp_path)
    asked = model_prediction(target, CHURN_SAMPLE, tmp_path, params={"features": ["tenure"]})
    pd.testing.assert_frame_equal(asked, frozen)  # MLflow drops a param outside the schema


def test_freezing_a_name_that_is_not_a_parameter_input_says_so(project_copy):
    project = _frozen_churn(project_copy, '["feature"]')
    run = servecheck("check", project)
    assert run.returncode == 2
    assert "freezes 'feature', which is not a parameter input of the pipeline" in run.stderr
    assert "(did you mean 'features'?)" in run.stderr
    assert "pyproject.toml:" in run.stderr
