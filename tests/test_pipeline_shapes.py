"""Pipelines that are not serving pipelines (SC004), and one output of a multi-output node
(`--output`, SC002, SC003), on fixtures/spaceflights.

Each verdict is set against what really happens, on a copy of the fixture in tmp_path:
`kedro run` (kedro-mlflow's hook active, its runs in a sqlite store in tmp_path), a
`KedroSession` run, kedro-mlflow's `KedroPipelineModel`, and the exported model loaded by MLflow
in a fresh process.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import Run, kedro, servecheck
from export_helpers import read_json

SPACEFLIGHTS = "spaceflights"
BATCH = ("--pipeline", "inference")  # the data input, new_shuttles, is inferred (SC106)
TRAINING = ("--pipeline", "data_science", "--input", "model_input_table")
NEW_SHUTTLES = "data/01_raw/new_shuttles.csv"
MODEL_INPUT_TABLE = "data/03_primary/model_input_table.parquet"
REGRESSOR, METRICS = "data/06_models/regressor.pickle", "data/08_reporting/metrics.json"

_SESSION_RUN = """
import json, logging, sys, warnings
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
from pathlib import Path
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
project, result = Path(sys.argv[1]), sys.argv[2]
bootstrap_project(project)
with KedroSession.create(project_path=project) as session:
    outputs = session.run(pipeline_names=["inference"])
outputs["price_predictions"].load().to_pickle(result)
print(json.dumps(sorted(outputs)))
"""
_KEDRO_PIPELINE_MODEL = """
import logging, sys, warnings
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
from pathlib import Path
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro_mlflow.mlflow.kedro_pipeline_model import KedroPipelineModel
project = Path(sys.argv[1])
bootstrap_project(project)
with KedroSession.create(project_path=project) as session:
    catalog = session.load_context().catalog
pruned = pipelines["inference"].to_outputs("price_predictions")
print(len(pruned.nodes), sorted(pruned.outputs()))
KedroPipelineModel(pipeline=pruned, catalog=catalog, input_name="new_shuttles")
"""
_PREDICT = """
import pickle, sys, warnings
warnings.simplefilter("ignore")
import mlflow.pyfunc, pandas as pd
model_dir, result = sys.argv[1], sys.argv[-1]
model = mlflow.pyfunc.load_model(model_dir)
predictions = [model.predict(pd.read_parquet(sample) if sample.endswith(".parquet")
                             else pd.read_csv(sample)) for sample in sys.argv[2:-1]]
with open(result, "wb") as stream:
    pickle.dump(predictions, stream)
"""


def _python(script: str, *args: object, cwd: Path, env: dict | None = None) -> Run:
    """`script` in a fresh interpreter that cannot import kedro_servecheck from this tree."""
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": "", **(env or {})},
    )
    return Run(done.returncode, done.stdout, done.stderr)


def _tracking(tmp_path: Path) -> dict:
    """kedro-mlflow's hook logs `kedro run` into a sqlite store in tmp_path, not the network."""
    return {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}


def _kedro_run(project: Path, pipelines: str, tmp_path: Path) -> None:
    env = {**_tracking(tmp_path), "PYTHONWARNINGS": "ignore"}
    done = kedro("run", "--pipelines", pipelines, cwd=project, env=env)
    assert done.returncode == 0, done.stderr[-3000:]


def _predictions(model: Path, samples: list[Path], scratch: Path) -> list:
    """The exported model, loaded by MLflow in a fresh process, predicting on each sample."""
    result = scratch / "predictions.pkl"
    run = _python(_PREDICT, model, *samples, result, cwd=scratch)
    assert run.returncode == 0, run.stderr[-3000:]
    return pd.read_pickle(result)


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _findings(report: dict, code: str) -> list[dict]:
    return [finding for finding in report["findings"] if finding["code"] == code]


# -- one output of a multi-output node ---------------------------------------------------------


def test_without_output_sc002_names_the_node_that_returns_both():
    run = servecheck("check", f"fixtures/{SPACEFLIGHTS}", *BATCH)
    assert run.returncode == 1
    assert (
        "pipeline 'inference' has 2 outputs (prediction_summary, price_predictions, both returned"
        " by node 'predict_prices_node')" in run.stdout
    )
    assert (
        "fix: serve one of them: `--output prediction_summary` or `--output price_predictions`"
        in run.stdout
    )


def test_output_serves_one_output_of_a_multi_output_node():
    run = servecheck(
        "check", f"fixtures/{SPACEFLIGHTS}", *BATCH, "--output", "price_predictions", "-f", "json"
    )
    assert run.returncode == 0, run.stdout
    report = run.json()
    (pipeline,) = report["pipelines"]
    assert pipeline["outputs"] == ["price_predictions"]
    assert pipeline["status"] == "pass"
    assert _findings(report, "SC002") == []
    (pruned,) = _findings(report, "SC003")
    assert pruned["message"] == (
        "pipeline pruned to the output 'price_predictions' (3 nodes kept); not served:"
        " prediction_summary (computed by node 'predict_prices_node', then dropped)"
    )


def test_the_graph_marks_only_the_served_output():
    run = servecheck(
        "graph", f"fixtures/{SPACEFLIGHTS}", *BATCH, "--output", "price_predictions", "-f", "json"
    )
    assert run.returncode == 0, run.stderr
    outputs = {
        vertex["label"]: vertex["output"]
        for vertex in json.loads(run.stdout)["vertices"]
        if vertex["label"] in ("price_predictions", "prediction_summary")
    }
    assert outputs == {"price_predictions": True, "prediction_summary": False}


def test_the_exported_model_returns_the_chosen_output_as_kedro_runs_it(project_copy, tmp_path):
    """The model serves price_predictions: its prediction on the whole batch equals what a
    KedroSession run of the inference pipeline returns as price_predictions."""
    project = project_copy(SPACEFLIGHTS)
    model = tmp_path / "model"
    run = servecheck(
        "export", project, *BATCH, "--output", "price_predictions", "--model-dir", model, "--verify"
    )
    assert run.returncode == 0, run.stderr
    assert "verified against Kedro's own run" in run.stderr
    assert read_json(model / "artifacts/serving/pipeline.json")["output"] == "price_predictions"

    native = _python(
        _SESSION_RUN, project, tmp_path / "native.pkl", cwd=tmp_path, env=_tracking(tmp_path)
    )
    assert native.returncode == 0, native.stderr[-3000:]
    assert json.loads(native.stdout) == ["prediction_summary", "price_predictions"]
    (predicted,) = _predictions(model, [project / NEW_SHUTTLES], tmp_path)
    expected = pd.read_pickle(tmp_path / "native.pkl")
    assert list(predicted.columns) == ["id", "predicted_price"]
    assert len(predicted) == 20
    pd.testing.assert_frame_equal(predicted, expected)


def test_kedro_mlflow_cannot_serve_one_output_of_the_node(project_copy, tmp_path):
    """As SC003 says: pruning keeps the node, and KedroPipelineModel refuses its 2 outputs."""
    project = project_copy(SPACEFLIGHTS)
    run = _python(_KEDRO_PIPELINE_MODEL, project, cwd=tmp_path, env=_tracking(tmp_path))
    assert run.returncode == 1
    assert run.stdout.strip() == "3 ['prediction_summary', 'price_predictions']"
    refusal = run.stderr.rpartition("ValueError: ")[2]
    head, *listed = refusal.strip().split("\n - ")  # kedro-mlflow lists them in set order
    assert head == "Pipeline must have one and only one output, got '2' outputs: "
    assert sorted(listed) == ["prediction_summary", "price_predictions"]


# -- a training pipeline checked as if it served -----------------------------------------------


def test_sc004_names_what_the_training_pipeline_saves_and_the_inference_pipeline():
    run = servecheck("check", f"fixtures/{SPACEFLIGHTS}", *TRAINING)
    assert run.returncode == 0, run.stdout  # a warning
    assert (
        "conf/base/catalog/models.yml:2: SC004 pipeline-writes-datasets (warning)\n"
        "    pipeline 'data_science' saves regressor (node 'train_model_node',"
        " data/06_models/regressor.pickle) and metrics (node 'evaluate_model_node',"
        " data/08_reporting/metrics.json)" in run.stdout
    )
    assert (
        "fix: serve the pipeline that loads what this one saves and saves nothing:"
        " `--pipeline inference` (it reads regressor)" in run.stdout
    )
    strict = servecheck("check", f"fixtures/{SPACEFLIGHTS}", *TRAINING, "--strict", "-f", "json")
    assert strict.returncode == 1
    (finding,) = _findings(strict.json(), "SC004")
    assert (finding["dataset"], finding["node"]) == ("regressor", "train_model_node")


def test_the_inference_pipeline_saves_nothing():
    run = servecheck(
        "check", f"fixtures/{SPACEFLIGHTS}", *BATCH, "--output", "price_predictions", "-f", "json"
    )
    assert _findings(run.json(), "SC004") == []


def test_the_training_pipeline_saves_natively_and_retrains_per_request_served(
    project_copy, tmp_path
):
    """What SC004 says: `kedro run` saves regressor and metrics; the exported model fits a
    new regressor on each request's rows and saves nothing."""
    project = project_copy(SPACEFLIGHTS)
    for saved in (REGRESSOR, METRICS):
        (project / saved).unlink()
    _kedro_run(project, "data_science", tmp_path)
    assert (project / REGRESSOR).is_file()
    assert (project / METRICS).is_file()

    model = tmp_path / "model"
    sample = project / MODEL_INPUT_TABLE
    run = servecheck("export", project, *TRAINING, "--model-dir", model, "--sample", sample)
    assert run.returncode == 0, run.stderr
    table = pd.read_parquet(sample)
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    table.iloc[:100].to_parquet(first)
    table.iloc[100:].to_parquet(second)
    before = _digests(project / "data")
    on_first, on_second = _predictions(model, [first, second], tmp_path)
    assert sorted(on_first) == ["mae", "max_error", "r2_score"]
    assert on_first != on_second  # fitted again on each request's rows
    assert _digests(project / "data") == before  # and nothing saved


# -- pipelines built lazily: the producers of a missing artifact ------------------------------


def test_on_a_fresh_clone_the_training_pipeline_is_found(project_copy, tmp_path):
    """With the template's find_pipelines(), building `inference` alone must not hide
    `data_science`: it trains the missing regressor (SC208, not SC202), as `kedro run` shows."""
    project = project_copy(SPACEFLIGHTS)
    (project / REGRESSOR).unlink()
    args = ("check", project, *BATCH, "--output", "price_predictions", "-f", "json")
    fresh = servecheck(*args)
    assert fresh.returncode == 0, fresh.stdout
    (not_trained,) = _findings(fresh.json(), "SC208")
    assert not_trained["message"] == (
        "'regressor' is not on disk yet (data/06_models/regressor.pickle): pipeline"
        " 'data_science' makes it"
    )
    _kedro_run(project, "data_science", tmp_path)
    assert (project / REGRESSOR).is_file()
    trained = servecheck(*args)
    assert _findings(trained.json(), "SC208") == []


@pytest.mark.parametrize(
    ("pipeline", "saved"),
    [
        (
            "data_processing",
            (
                "saves preprocessed_companies (node 'preprocess_companies_node',"
                " data/02_intermediate/preprocessed_companies.parquet) and preprocessed_shuttles"
            ),
        ),
        (
            "reporting",
            (
                "saves price_by_shuttle_type_plot (node 'plot_price_by_shuttle_type_node',"
                " data/08_reporting/price_by_shuttle_type.png)"
            ),
        ),
    ],
)
def test_sc004_for_the_other_pipelines_that_save(pipeline, saved):
    """data_processing saves its intermediate tables (not model_input_table: that table is its
    output); reporting saves a plot, its output. No pipeline that saves nothing loads them."""
    run = servecheck("check", f"fixtures/{SPACEFLIGHTS}", "--pipeline", pipeline)
    assert saved in run.stdout
    assert "saves model_input_table" not in run.stdout
    assert "fix: Serve the inference pipeline instead (`--pipeline NAME`)" in run.stdout
