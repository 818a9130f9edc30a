"""MLServer, the inference server of KServe and Seldon, serves the exported model: the V2
protocol's `/v2/models/<name>/infer` answers what `model.predict` answers, parameters included.

MLflow 3.13 removed `mlflow models serve --enable-mlserver` (MLServer is no longer maintained),
so the model is served as KServe's MLServer runtime serves it: `mlserver start` with
mlserver-mlflow's `MLflowRuntime`. MLServer pins fastapi<0.116, which would downgrade the
fastapi `mlflow models serve` runs on in the test environment: it has an environment of its
own (the `mlserver` extra), made by `.ci/run`, which names it in SERVECHECK_MLSERVER_ENV.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, servecheck
from export_helpers import free_port, model_prediction, post_json, running_server

SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"
V2_TYPES = {"int64": "INT64", "float64": "FP64", "object": "BYTES", "str": "BYTES"}


@pytest.fixture
def mlserver() -> Path:
    """The `mlserver` script of MLServer's own environment."""
    environment = os.environ.get("SERVECHECK_MLSERVER_ENV")
    if not environment:
        pytest.skip(
            "MLServer has an environment of its own (it pins fastapi<0.116): .ci/run makes it"
            ' (pip install -e ".[mlserver]") and sets SERVECHECK_MLSERVER_ENV'
        )
    return Path(environment) / "bin" / "mlserver"


def v2_request(data: pd.DataFrame, **params: object) -> dict:
    """A V2 inference request of `data`, one input per column, decoded as a DataFrame."""
    inputs = [
        {
            "name": column,
            "shape": [len(data)],
            "datatype": V2_TYPES[str(data[column].dtype)],
            "data": data[column].tolist(),
        }
        for column in data.columns
    ]
    return {"parameters": {"content_type": "pd", **params}, "inputs": inputs}


def test_mlserver_v2_infer_answers_model_predict(mlserver, tmp_path):
    model = tmp_path / "churn-model"
    exported = servecheck(
        "export", "fixtures/churn", "--pipeline", "inference", "--model-dir", model,
        "--sample", SAMPLE,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    folder = tmp_path / "mlserver"
    folder.mkdir()
    port = free_port()
    (folder / "settings.json").write_text(
        json.dumps(
            {
                "host": "127.0.0.1",
                "http_port": port,
                "grpc_port": free_port(),
                "metrics_port": free_port(),
            }
        )
    )
    (folder / "model-settings.json").write_text(
        json.dumps(
            {
                "name": "churn",
                "implementation": "mlserver_mlflow.MLflowRuntime",
                "parameters": {"uri": str(model)},
            }
        )
    )
    data = pd.read_csv(SAMPLE)
    expected = model_prediction(model, SAMPLE, tmp_path)
    strict = model_prediction(model, SAMPLE, tmp_path, {"threshold": 1.01})
    env = {**os.environ, "PATH": f"{mlserver.parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)  # MLServer's environment alone, as in a serving image

    infer = f"http://127.0.0.1:{port}/v2/models/churn/infer"
    with running_server(
        [mlserver, "start", folder], f"http://127.0.0.1:{port}/v2/models/churn/ready", tmp_path, env
    ):
        answer = post_json(infer, v2_request(data))
        overridden = post_json(infer, v2_request(data, threshold=1.01))

    def frame(response: dict) -> pd.DataFrame:
        return pd.DataFrame({out["name"]: out["data"] for out in response["outputs"]})

    assert answer["model_name"] == "churn"
    pd.testing.assert_frame_equal(frame(answer), expected, check_dtype=False)
    pd.testing.assert_frame_equal(frame(overridden), strict, check_dtype=False)
    assert set(expected["churn"]) == {0, 1}  # the override changes the answer
    assert set(strict["churn"]) == {0}
