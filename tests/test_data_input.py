"""The data input as users declare it, and what really happens to it when it is served.

- a batch input declared in the catalog (fixtures/spaceflights' `new_shuttles`) is inferred,
  and the exported model, fed its rows, predicts what Kedro's own run predicts;
- a data input its node annotates as a dict (fixtures/risk_profile) is SC103, and the node
  fails on the DataFrame MLflow hands the model;
- a spark data input where pyspark is not installed is SC105 (a warning naming what its nodes
  get), and export refuses it (with pyspark: tests/test_spark.py).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
import pytest
from example_project import analyze_example
from kedro.pipeline import Node

from kedro_servecheck.analysis.annotations import read_as
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.lint.registry import RULES_BY_CODE

from conftest import FIXTURES, REPO, edit, python, servecheck
from export_helpers import model_prediction, native_prediction, read_json

SPACEFLIGHTS_INPUT = FIXTURES / "spaceflights/data/01_raw/new_shuttles.csv"
PREDICT_NODE = "src/spaceflights/pipelines/inference/nodes.py"
PREDICT_PIPELINE = "src/spaceflights/pipelines/inference/pipeline.py"
WITHOUT_PYSPARK = {
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO / "tests/without_kedro_mlflow"), os.environ.get("PYTHONPATH")])
    ),
    "SERVECHECK_TEST_HIDE": "pyspark",
}
RISK_NODES = "src/risk_profile/pipelines/inference/nodes.py"
RISK_PIPELINE = "src/risk_profile/pipelines/inference/pipeline.py"
INFERENCE_JSON = ("--pipeline", "inference", "--format", "json")


def _findings(run, code: str) -> list[dict]:
    return [f for f in run.json()["findings"] if f["code"] == code]


def _roles(run) -> dict[str, str]:
    (pipeline,) = run.json()["pipelines"]
    return {free["name"]: free["role"] for free in pipeline["inputs"]}


@pytest.fixture
def one_output_spaceflights(project_copy) -> Path:
    """fixtures/spaceflights whose inference returns only `price_predictions` (no summary)."""
    project = project_copy("spaceflights")
    edit(project, PREDICT_NODE, "    return predictions, summary\n", "    return predictions\n")
    edit(
        project,
        PREDICT_PIPELINE,
        'outputs=["price_predictions", "prediction_summary"],',
        'outputs="price_predictions",',
    )
    return project


# A batch input declared in the catalog


def test_the_catalog_batch_input_is_the_data_input_and_the_inference_is_reported():
    run = servecheck(
        "check", "fixtures/spaceflights", "--pipeline", "inference", "--format", "json"
    )
    (pipeline,) = run.json()["pipelines"]
    assert pipeline["data_input"] == "new_shuttles"
    assert _roles(run) == {
        "new_shuttles": "data",
        "regressor": "persisted",
        "params:inference.decimals": "parameter",
        "params:inference.features": "parameter",
    }
    (inferred,) = _findings(run, "SC106")
    assert inferred["severity"] == "info"
    assert inferred["dataset"] == "new_shuttles"
    assert inferred["location"] == {"path": "conf/base/catalog/raw.yml", "line": 16}
    assert "pandas.CSVDataset" in inferred["message"]
    assert not _findings(run, "SC102")
    assert [f["code"] for f in run.json()["findings"] if f["severity"] == "error"] == ["SC002"]


def test_pinning_the_inferred_input_gives_the_same_roles_without_the_info():
    inferred = servecheck(
        "check", "fixtures/spaceflights", "--pipeline", "inference", "--format", "json"
    )
    pinned = servecheck(
        "check", "fixtures/spaceflights", "--pipeline", "inference", "--input", "new_shuttles",
        "--format", "json",
    )  # fmt: skip
    assert _roles(pinned) == _roles(inferred)
    assert not _findings(pinned, "SC106")
    assert (
        "pin it: `--input new_shuttles`"
        in servecheck("check", "fixtures/spaceflights", "--pipeline", "inference").stdout
    )


def test_an_artifact_a_pipeline_produces_is_never_inferred_as_raw_data():
    """data_science's only table, model_input_table, is data_processing's output: SC102, and
    its message says which pipeline makes it."""
    run = servecheck(
        "check", "fixtures/spaceflights", "--pipeline", "data_science", "--format", "json"
    )
    assert run.returncode == 1
    (undetermined,) = _findings(run, "SC102")
    assert "model_input_table by pipeline 'data_processing'" in undetermined["message"]
    assert undetermined["message"].startswith("no free input can be the data input")
    text = servecheck("check", "fixtures/spaceflights", "--pipeline", "data_science").stdout
    assert "pass --input model_input_table to serve with it as the data input" in text


def test_on_a_fresh_clone_the_batch_input_is_data_and_the_model_is_not_trained_yet(
    project_copy,
):
    """data/ is git-ignored: neither the batch nor the regressor is on disk. The batch is still
    the data input (no SC202 for it); the regressor is SC208, naming the pipeline that makes
    it, and that pipeline really writes it."""
    project = project_copy("spaceflights")
    (project / "data/01_raw/new_shuttles.csv").unlink()
    (project / "data/06_models/regressor.pickle").unlink()
    run = servecheck("check", project, "--pipeline", "inference", "--format", "json")
    assert run.json()["pipelines"][0]["data_input"] == "new_shuttles"
    assert [f["dataset"] for f in _findings(run, "SC106")] == ["new_shuttles"]
    assert not _findings(run, "SC202")
    (not_trained,) = _findings(run, "SC208")
    assert not_trained["dataset"] == "regressor"
    assert "pipeline 'data_science' makes it" in not_trained["message"]
    tracking = f"sqlite:///{project / 'mlflow.db'}"
    trained = subprocess.run(
        [sys.executable, "-m", "kedro", "run", "--pipelines", "data_science"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": "", "MLFLOW_TRACKING_URI": tracking},
    )
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert (project / "data/06_models/regressor.pickle").exists()


def test_export_takes_the_example_from_the_inferred_input_and_predicts_as_kedro(
    one_output_spaceflights, tmp_path
):
    """No --input, no --sample: the example is rows of new_shuttles.csv as the catalog reads
    them, the batch itself is not packaged, and the model predicts what Kedro's runner does."""
    model = tmp_path / "model"
    run = servecheck(
        "export", one_output_spaceflights, "--pipeline", "inference", "--model-dir", model,
        "--verify",
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verified against Kedro's own run" in run.stderr
    assert set(read_json(model / "artifacts/serving/catalog.yml")) == {"regressor"}
    example = pd.read_json(model / "input_example.json", orient="split")
    raw = pd.read_csv(SPACEFLIGHTS_INPUT)
    assert list(example.columns) == list(raw.columns)
    assert list(example["company_rating"]) == list(raw["company_rating"][: len(example)])  # "61%"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    served = model_prediction(model, SPACEFLIGHTS_INPUT, scratch)
    native = native_prediction(
        one_output_spaceflights, "inference", "new_shuttles", SPACEFLIGHTS_INPUT, scratch
    )
    pd.testing.assert_frame_equal(served, native)
    assert len(served) == len(raw)


def test_the_model_leaves_the_callers_data_as_it_was(one_output_spaceflights, tmp_path):
    """spaceflights' nodes change their input in place; the model hands them a copy, as
    Kedro's MemoryDataset does, so the caller's DataFrame is unchanged."""
    model = tmp_path / "model"
    exported = servecheck(
        "export", one_output_spaceflights, "--pipeline", "inference", "--model-dir", model
    )
    assert exported.returncode == 0, exported.stderr
    run = python(
        "import mlflow.pyfunc, pandas as pd\n"
        f"frame = pd.read_csv({str(SPACEFLIGHTS_INPUT)!r})\n"
        "before = frame.copy()\n"
        f"mlflow.pyfunc.load_model({str(model)!r}).predict(frame)\n"
        "pd.testing.assert_frame_equal(frame, before)\n"
        "print(frame['company_rating'].iloc[0])\n",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "61%"


def test_several_undeclared_candidates_are_one_sc102_not_an_sc201_each(tmp_path):
    example = RULES_BY_CODE["SC102"].invalid[0]  # predict(features, extra): neither declared
    findings = analyze_example(RULES_BY_CODE["SC102"], example, tmp_path).findings
    assert [f.code for f in findings] == ["SC102"]
    assert "extra, features" in findings[0].hint
    assert "--input NAME" in findings[0].hint


# A data input its node annotates as a dict


def test_a_dict_annotated_data_input_is_sc103_at_the_node_and_really_fails_served(project_copy):
    run = servecheck("check", "fixtures/risk_profile", "--format", "json")
    assert run.returncode == 1
    (wrong_type,) = _findings(run, "SC103")
    assert wrong_type["node"] == "applicant_features"
    assert wrong_type["dataset"] == "applicant"
    assert wrong_type["location"] == {"path": RISK_NODES, "line": 9}
    assert "as `dict[str, Any]` (parameter 'applicant')" in wrong_type["message"]
    assert "pandas DataFrame" in wrong_type["message"]
    # what MLflow hands the model: the node called on a one-row DataFrame of the sample
    called = python(
        "import runpy; runpy.run_path('scripts/call_with_dataframe.py', run_name='__main__')",
        cwd=project_copy("risk_profile"),
    )
    assert called.returncode == 1
    assert "The truth value of a Series is ambiguous" in called.stderr


def test_export_refuses_the_dict_annotated_data_input(tmp_path):
    run = servecheck(
        "export", "fixtures/risk_profile", "--pipeline", "inference", "--model-dir",
        tmp_path / "model",
    )  # fmt: skip
    assert run.returncode == 1
    assert "SC103" in run.stderr
    assert not (tmp_path / "model").exists()


def test_keyword_inputs_bind_to_the_annotated_parameter(project_copy):
    project = project_copy("risk_profile")
    edit(
        project,
        RISK_PIPELINE,
        'inputs=["applicant", "params:features"],',
        'inputs={"features": "params:features", "applicant": "applicant"},',
    )
    run = servecheck("check", project, "--format", "json")
    assert [f["node"] for f in _findings(run, "SC103")] == ["applicant_features"]


@pytest.mark.parametrize(
    ("annotation", "verdict"),
    [("pd.DataFrame", 0), ("", 0), ("Any", 0), ("list[dict[str, Any]]", 1)],
)
def test_what_the_annotation_says_decides(project_copy, annotation, verdict):
    """A DataFrame confirms it, no annotation or `Any` says nothing (the check passes, as it
    did before annotations were read); any other container is SC103."""
    project = project_copy("risk_profile")
    written = f"applicant: {annotation}" if annotation else "applicant"
    edit(project, RISK_NODES, "applicant: dict[str, Any]", written)
    run = servecheck("check", project, "--format", "json")
    assert run.returncode == verdict, run.stdout
    assert len(_findings(run, "SC103")) == verdict


# A spark data input


def test_without_pyspark_a_spark_data_input_warns_what_its_node_gets_and_export_refuses_it(
    one_output_spaceflights, tmp_path
):
    """With pyspark hidden (tests/without_kedro_mlflow, SERVECHECK_TEST_HIDE), the model could
    not turn requests into spark DataFrames: SC105 warns what the node would get, and the export
    refuses before staging, saying why. With pyspark, tests/test_spark.py exports one."""
    edit(
        one_output_spaceflights,
        "conf/base/catalog/raw.yml",
        "new_shuttles:\n  type: pandas.CSVDataset\n",
        "new_shuttles:\n  type: spark.SparkDataset\n  file_format: csv\n",
    )
    run = servecheck(
        "check", one_output_spaceflights, "--pipeline", "inference", "--format", "json",
        env=WITHOUT_PYSPARK,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout
    (spark,) = _findings(run, "SC105")
    assert spark["severity"] == "warning"
    assert spark["location"] == {"path": "conf/base/catalog/raw.yml", "line": 16}
    assert (
        "and pyspark is not installed here: served, node 'preprocess_new_shuttles_node' gets a"
        " pandas DataFrame" in (spark["message"])
    )
    model = tmp_path / "model"
    refused = servecheck(
        "export", one_output_spaceflights, "--pipeline", "inference", "--model-dir", model,
        env=WITHOUT_PYSPARK,
    )  # fmt: skip
    assert refused.returncode == 1
    assert (
        "its data input 'new_shuttles' is a spark DataFrame, and pyspark is not installed here"
        in refused.stderr
    )
    assert "Traceback" not in refused.stderr
    assert not model.exists()
    assert not list(tmp_path.glob(".servecheck-export-*"))


# How annotations are read (the node functions, in this process)


class Applicant(TypedDict):
    age: int


def _dict_reader(applicant: dict[str, Any], features: list[str]) -> pd.DataFrame:
    return pd.DataFrame([applicant], columns=features)


def _frame_reader(frame: pd.DataFrame, *others: dict) -> pd.DataFrame:
    return frame


def _typed(applicant: Applicant) -> int:
    return applicant["age"]


def _optional(applicant: dict[str, Applicant], other: Applicant | None) -> None:
    """An optional TypedDict is no table either."""


def _unresolvable(applicant: dict[str, NotImported], row: NotImported) -> None:  # noqa: F821
    """Names that exist only for type checkers: the outer type still says a dict."""


@functools.wraps(_dict_reader)
def _decorated(*args, **kwargs):
    return _dict_reader(*args, **kwargs)


def _loads(node: Node, dataset: str) -> list[tuple[str, Loads]]:
    return [(read.parameter, read.loads) for read in read_as([node], dataset)]


def test_positional_keyword_and_variadic_inputs_bind_as_kedro_binds_them():
    listed = Node(_dict_reader, ["applicant", "params:features"], "row", name="listed")
    keyed = Node(_dict_reader, {"features": "params:f", "applicant": "x"}, "row", name="keyed")
    variadic = Node(_frame_reader, ["frame", "a", "b"], "row", name="variadic")
    assert _loads(listed, "applicant") == [("applicant", Loads.OTHER)]
    assert _loads(listed, "params:features") == [("features", Loads.OTHER)]
    assert _loads(keyed, "x") == [("applicant", Loads.OTHER)]
    assert _loads(variadic, "frame") == [("frame", Loads.PANDAS)]
    assert _loads(variadic, "b") == [("others", Loads.OTHER)]
    assert _loads(Node(_frame_reader, "frame@pandas", "row", name="one"), "frame") == [
        ("frame", Loads.PANDAS)
    ]


def test_string_annotations_typeddicts_wrappers_and_partials_are_read():
    """This module has `from __future__ import annotations`: every annotation is a string,
    evaluated in the function's module; one that cannot be is judged by its outer type."""
    assert _loads(Node(_typed, "a", "b", name="typed"), "a") == [("applicant", Loads.OTHER)]
    assert _loads(Node(_decorated, ["a", "f"], "b", name="wrapped"), "a") == [
        ("applicant", Loads.OTHER)
    ]
    partial = functools.partial(_dict_reader, features=["age"])
    assert _loads(Node(partial, "a", "b", name="partial"), "a") == [("applicant", Loads.OTHER)]
    unresolvable = Node(_unresolvable, ["a", "r"], "b", name="unresolvable")
    assert _loads(unresolvable, "a") == [("applicant", Loads.OTHER)]
    assert _loads(unresolvable, "r") == []  # a name that does not resolve says nothing
    optional = Node(_optional, ["a", "o"], "b", name="optional")
    assert _loads(optional, "o") == [("other", Loads.OTHER)]  # `Applicant | None`


def test_no_annotation_and_builtins_say_nothing():
    assert read_as([Node(lambda x: x, "a", "b", name="bare")], "a") == []
    assert read_as([Node(len, "a", "b", name="builtin")], "a") == []
