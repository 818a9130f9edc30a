"""kedro-mlflow's PipelineML as kedro-mlflow really behaves: its `input_name` (SC502), its
construction errors whole, and the stand-in where kedro-mlflow is not installed (SC503).

Each verdict is set against what really happens with kedro-mlflow installed, on a copy of the
fixture in tmp_path: `kedro registry list` (a refused PipelineML), `kedro run` of the PipelineML
with kedro-mlflow's hook (it logs a model, or fails; `conf/local/mlflow.yml` puts the runs in a
sqlite database in the copy). The stand-in is tested
in this environment with kedro-mlflow hidden (tests/without_kedro_mlflow), and in pre-commit's
isolated environment, where it is not installed (tests/test_precommit.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, Run, edit, kedro, servecheck

GOOD, BAD = "pipelineml", "pipelineml_bad_input"
GOOD_REGISTRY = "src/review_sentiment/pipeline_registry.py"
BAD_REGISTRY = "src/pipelineml_bad_input/pipeline_registry.py"
BAD_PIPELINE = "src/pipelineml_bad_input/pipelines/ml_app/pipeline.py"
RAW_TEXT_ENTRY = """raw_text:
  type: pandas.CSVDataset
  filepath: data/01_raw/reviews.csv
"""
PLAIN_LOGGING = """\
version: 1
disable_existing_loggers: False
formatters: {plain: {format: "%(levelname)s %(name)s: %(message)s"}}
handlers: {console: {class: logging.StreamHandler, formatter: plain, stream: ext://sys.stdout}}
root: {handlers: [console], level: INFO}
"""
SIGNATURE_NONE = [
    (
        BAD_REGISTRY,
        'input_name="cleaned_text",',
        'input_name="cleaned_text",\n        log_model_kwargs={"signature": None},',
    )
]
WITHOUT_KEDRO_MLFLOW = {
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO / "tests/without_kedro_mlflow"), os.environ.get("PYTHONPATH")])
    )
}
_LOGGED_MODELS = """
import json, sys, warnings
warnings.simplefilter("ignore")
import mlflow, pandas as pd
mlflow.set_tracking_uri(sys.argv[1])
experiments = [e.experiment_id for e in mlflow.search_experiments()]
models = mlflow.search_logged_models(experiment_ids=experiments, output_format="list")
found = []
for logged in models:
    model = mlflow.pyfunc.load_model(logged.model_uri)
    prediction = model.predict(pd.read_csv(sys.argv[2]).head(5))
    schema = model.metadata.get_input_schema()  # None: logged without a signature
    found.append({"inputs": schema.input_names() if schema else None,
                  "columns": list(prediction.columns), "rows": len(prediction)})
print(json.dumps(found))
"""


def kedro_run(project: Path, *args: str) -> Run:
    """`kedro ARGS` in `project`, kedro-mlflow's hook active, plain log lines."""
    logging = project / "plain_logging.yml"
    logging.write_text(PLAIN_LOGGING)
    env = {"KEDRO_LOGGING_CONFIG": str(logging), "PYTHONWARNINGS": "ignore"}
    return kedro(*args, cwd=project, env=env)


def logged_models(project: Path, sample: str) -> list[dict]:
    """The models logged in the project's sqlite store, each loaded and predicting on `sample`."""
    done = subprocess.run(
        [sys.executable, "-c", _LOGGED_MODELS, f"sqlite:///{project}/mlflow.db", sample],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(project / "src")},  # cloudpickle: nodes by name
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def sc502(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == "SC502"]


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
    listed = kedro_run(project, "registry", "list")

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


@pytest.mark.parametrize(
    ("fixture", "edits"),
    [(GOOD, []), (BAD, []), (BAD, SIGNATURE_NONE)],
    ids=["pipelineml", "bad-input", "bad-input-signature-none"],
)
def test_the_stand_in_reports_what_kedro_mlflow_reports(project_copy, fixture, edits):
    project = project_copy(fixture)
    for file, old, new in edits:
        edit(project, file, old, new)

    args = ("check", project, "--stub-missing", "--format", "json")
    installed = servecheck(*args)
    stood_in = servecheck(*args, env=WITHOUT_KEDRO_MLFLOW)

    assert stood_in.returncode == installed.returncode, stood_in.stderr
    with_stand_in, without = stood_in.json(), installed.json()
    (info,) = [f for f in with_stand_in["findings"] if f["code"] == "SC503"]
    assert info["severity"] == "info"
    assert "kedro-mlflow is not installed here" in info["message"]
    registry = GOOD_REGISTRY if fixture == GOOD else BAD_REGISTRY
    assert info["location"] == {"path": registry, "line": 4 if fixture == BAD else 8}
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

    installed = servecheck("check", project, "--stub-missing", env=same_sets)
    stood_in = servecheck(
        "check", project, "--stub-missing", env={**same_sets, **WITHOUT_KEDRO_MLFLOW}
    )

    assert installed.returncode == stood_in.returncode == 2
    assert "KedroMlflowPipelineMLError" in stood_in.stderr
    assert stood_in.stderr == installed.stderr


# SC502: the verdict, and what kedro-mlflow's hook does with the same PipelineML

AGREEMENT = [
    pytest.param(GOOD, [], None, "", id="training-input-persisted"),
    pytest.param(
        BAD,
        [],
        "is an in-memory intermediate of the training pipeline",
        "Data for MemoryDataset has not been saved yet",
        id="in-memory-intermediate",
    ),
    pytest.param(BAD, SIGNATURE_NONE, None, "", id="in-memory-intermediate-signature-none"),
    pytest.param(
        BAD,
        [
            (
                BAD_PIPELINE,
                '"label_encoder", "cleaned_text"], "predictions"',
                '"label_encoder", "new_text"], "predictions"',
            ),
            (BAD_REGISTRY, 'input_name="cleaned_text"', 'input_name="new_text"'),
        ],
        "is neither in the catalog nor made by the training pipeline",
        "Dataset 'new_text' not found in the catalog",
        id="absent-from-training",
    ),
    pytest.param(
        GOOD,
        [("conf/base/catalog.yml", RAW_TEXT_ENTRY, "")],
        "fails before its first node",
        "Pipeline input(s) {'raw_text'} not found in the DataCatalog",
        id="training-input-undeclared",
    ),
]


@pytest.mark.parametrize(("fixture", "edits", "verdict", "quoted"), AGREEMENT)
def test_sc502_agrees_with_kedro_mlflow_s_hook(project_copy, fixture, edits, verdict, quoted):
    """No SC502: `kedro run` logs a model that loads and predicts. SC502: the run fails with
    the error that the finding quotes (`quoted`), and no model is logged."""
    project = project_copy(fixture)
    for file, old, new in edits:
        edit(project, file, old, new)

    checked = servecheck("check", project, "--format", "json")
    trained = kedro_run(project, "run", "--pipelines", "training_ml")

    found = sc502(checked.json())
    output = trained.stdout + trained.stderr
    good = fixture == GOOD
    sample = "data/01_raw/reviews_sample.csv" if good else "data/01_raw/instances.csv"
    if verdict is None:
        assert checked.returncode == 0, checked.stdout
        assert found == []
        assert trained.returncode == 0, output[-3000:]
        (model,) = logged_models(project, sample)
        assert model["inputs"] == (["text"] if good else None)  # signature: auto | None
        assert model["columns"] == (["label", "probability"] if good else ["prediction"])
        assert model["rows"] == 5
    else:
        assert checked.returncode == 1
        (finding,) = found
        assert verdict in finding["message"]
        assert quoted in finding["message"]
        assert finding["severity"] == "error"
        assert trained.returncode == 1
        assert quoted in output
        assert logged_models(project, sample) == []


def test_sc502_points_at_the_registry_and_the_bad_fixture_reports_only_it():
    run = servecheck("check", FIXTURES / BAD, "--format", "json")

    assert run.returncode == 1
    report = run.json()
    (finding,) = report["findings"]
    assert finding["code"] == "SC502"
    assert finding["rule"] == "pipelineml-input-name"
    assert finding["dataset"] == "cleaned_text"
    assert finding["location"] == {"path": BAD_REGISTRY, "line": 9}  # def register_pipelines
    (pipeline,) = report["pipelines"]
    assert pipeline["name"] == "training_ml"
    assert pipeline["data_input"] == "cleaned_text"


def test_the_good_fixture_serves_the_data_training_starts_from():
    run = servecheck("check", FIXTURES / GOOD, "--format", "json")

    assert run.returncode == 0, run.stdout
    (pipeline,) = run.json()["pipelines"]
    inputs = {i["name"]: i for i in pipeline["inputs"]}
    assert inputs["raw_text"]["role"] == "data"
    assert inputs["raw_text"]["filepath"] == "data/01_raw/reviews.csv"
    assert run.json()["findings"] == []


def test_without_stubs_a_missing_kedro_mlflow_is_a_load_error(project_copy):
    """In the project's own environment (CI), a registry that needs kedro-mlflow where it is
    not installed fails, as `kedro run` would: the stand-in is only for --stub-missing."""
    run = servecheck("check", FIXTURES / GOOD, env=WITHOUT_KEDRO_MLFLOW)
    assert run.returncode == 2
    assert "No module named 'kedro_mlflow'" in run.stderr
    assert "--stub-missing" in run.stderr
