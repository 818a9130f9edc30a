"""`servecheck export`: round trips against Kedro's own run, serving, safety, tracking."""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, REPO, edit, python, servecheck
from export_helpers import (
    free_port,
    model_prediction,
    native_prediction,
    post_json,
    read_json,
    running_server,
)

SERVABLE = [
    # fixture, pipeline, data input, sample
    ("churn", "inference", "customers_to_score", "data/01_raw/customers_sample.csv"),
    ("namespaced", "eu_inference", "orders", "data/01_raw/orders_sample.csv"),
    ("pipelineml", "training_ml", "raw_text", "data/01_raw/reviews_sample.csv"),
    # kedro-mlflow's MlflowArtifactDataset and MlflowModelLocalFileSystemDataset
    ("mlflow_tutorial", "training_ml", "instances", "data/01_raw/instances_sample.csv"),
]
CHURN_SAMPLE = FIXTURES / "churn/data/01_raw/customers_sample.csv"


def _export(fixture: str, pipeline: str, sample: str, target: Path, *extra: str):
    return servecheck(
        "export",
        f"fixtures/{fixture}",
        "--pipeline",
        pipeline,
        "--model-dir",
        target,
        "--sample",
        f"fixtures/{fixture}/{sample}",
        *extra,
    )


@pytest.fixture(scope="module")
def churn_model(tmp_path_factory):
    target = tmp_path_factory.mktemp("export") / "churn-model"
    run = _export("churn", "inference", "data/01_raw/customers_sample.csv", target)
    assert run.returncode == 0, run.stderr
    return target


@pytest.mark.parametrize(
    ("fixture", "pipeline", "data_input", "sample"), SERVABLE, ids=[case[0] for case in SERVABLE]
)
def test_round_trip_equals_the_native_kedro_run(fixture, pipeline, data_input, sample, tmp_path):
    target = tmp_path / "model"
    run = _export(fixture, pipeline, sample, target, "--verify")
    assert run.returncode == 0, run.stderr
    assert "verified against Kedro's own run" in run.stderr
    predicted = model_prediction(target, FIXTURES / fixture / sample, tmp_path)
    native = native_prediction(
        FIXTURES / fixture, pipeline, data_input, FIXTURES / fixture / sample, tmp_path
    )
    pd.testing.assert_frame_equal(pd.DataFrame(predicted), native, check_dtype=False)


def test_model_layout(churn_model):
    files = {p.relative_to(churn_model).as_posix() for p in churn_model.rglob("*") if p.is_file()}
    expected = {
        "MLmodel",
        "requirements.txt",
        "python_env.yaml",
        "conda.yaml",
        "input_example.json",
        "servecheck_model.py",
        "artifacts/serving/pipeline.json",
        "artifacts/serving/catalog.yml",
        "artifacts/serving/parameters.yml",
        "artifacts/serving/report.json",
        "artifacts/serving/data/scaler/scaler.pkl",
        "artifacts/serving/data/classifier/classifier.pkl",
        "code/churn/pipelines/inference/nodes.py",
    }
    assert expected <= files
    assert not [f for f in files if f.endswith(".pkl") and "artifacts/serving/data" not in f]
    mlmodel = (churn_model / "MLmodel").read_text()
    assert "loader_module: mlflow.pyfunc.loaders.code_model" in mlmodel
    assert "python_model.pkl" not in files  # models-from-code, no pickled Python model
    pipeline = read_json(churn_model / "artifacts/serving/pipeline.json")
    assert [n["func"] for n in pipeline["nodes"]] == [
        "churn.pipelines.training.nodes:preprocess",
        "churn.pipelines.inference.nodes:scale_features",
        "churn.pipelines.inference.nodes:predict",
    ]
    assert read_json(churn_model / "artifacts/serving/parameters.yml") == {
        "features": ["tenure", "monthly_charges", "is_monthly"],
        "threshold": 0.5,
    }
    catalog = read_json(churn_model / "artifacts/serving/catalog.yml")
    assert catalog["scaler"] == {
        "type": "kedro_datasets.pickle.PickleDataset",
        "filepath": "data/scaler/scaler.pkl",
    }


def test_artifact_hashes_and_provenance(churn_model):
    report = read_json(churn_model / "artifacts/serving/report.json")
    source = FIXTURES / "churn/data/06_models/classifier.pkl"
    recorded = report["provenance"]["artifacts"]["classifier"]
    assert recorded["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert recorded["source"] == "data/06_models/classifier.pkl"
    assert report["provenance"]["kedro_version"]
    assert report["check"]["summary"]["errors"] == 0
    assert len(report["provenance"]["git_sha"] or "x" * 40) == 40


def test_no_absolute_path_of_the_exporting_machine(churn_model):
    needles = [str(REPO), str(churn_model.parent), os.path.expanduser("~") + "/"]
    for path in churn_model.rglob("*"):
        if path.is_file() and path.suffix not in (".pkl",):
            text = path.read_text(errors="ignore")
            assert not [n for n in needles if n in text], path


def test_requirements_are_pinned_and_exclude_the_project(churn_model):
    lines = (churn_model / "requirements.txt").read_text().split()
    names = {line.split("==")[0].split("[")[0] for line in lines}
    assert all("==" in line for line in lines)
    assert {"mlflow", "kedro", "kedro-datasets", "pandas", "numpy", "scikit-learn"} <= names
    assert "churn" not in names
    assert any(line.startswith("kedro-datasets[pickle-pickledataset]==") for line in lines)


def test_kedro_mlflow_artifacts_are_packaged_as_what_they_store(tmp_path):
    """The MlflowArtifactDataset is packaged as the dataset it wraps (loading it needs no
    kedro-mlflow); the MlflowModelLocalFileSystemDataset as its model folder, with its
    flavour's packages pinned: scikit-learn, and skops (the format the folder was saved in;
    the project's code does not import skops)."""
    target = tmp_path / "model"
    run = _export("mlflow_tutorial", "training_ml", "data/01_raw/instances_sample.csv", target)
    assert run.returncode == 0, run.stderr
    catalog = read_json(target / "artifacts/serving/catalog.yml")
    assert catalog["tfidf_vectorizer"] == {
        "type": "kedro_datasets.pickle.PickleDataset",
        "filepath": "data/tfidf_vectorizer/tfidf_vectorizer.pkl",
    }
    assert catalog["sentiment_model"] == {
        "type": "kedro_mlflow.io.models.MlflowModelLocalFileSystemDataset",
        "flavor": "mlflow.sklearn",
        "filepath": "data/sentiment_model/sentiment_model",
    }
    source = FIXTURES / "mlflow_tutorial/data/06_models/tfidf_vectorizer.pkl"
    copied = target / "artifacts/serving/data/tfidf_vectorizer/tfidf_vectorizer.pkl"
    assert copied.read_bytes() == source.read_bytes()
    assert (target / "artifacts/serving/data/sentiment_model/sentiment_model/MLmodel").is_file()
    pins = {
        name.lower().replace("_", "-"): version
        for name, version in (
            line.split("==") for line in (target / "requirements.txt").read_text().split()
        )
    }
    for distribution in ("scikit-learn", "skops", "kedro-mlflow"):
        assert pins[distribution] == importlib.metadata.version(distribution)


def _top_level_imports(tree: ast.AST) -> set[str]:
    tops = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            tops.add(node.module.split(".")[0])
    return tops - set(sys.stdlib_module_names)


def test_runtime_imports_only_mlflow_kedro_and_the_standard_library():
    """And pyspark, only inside `SparkInput`: the model of a spark data input alone needs it."""
    tree = ast.parse((REPO / "kedro_servecheck/exporter/runtime.py").read_text())
    (spark_input,) = [
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "SparkInput"
    ]
    assert _top_level_imports(tree) == {"mlflow", "kedro", "pyspark"}
    tree.body.remove(spark_input)
    assert _top_level_imports(tree) == {"mlflow", "kedro"}


def test_params_override_applies_to_that_call_only(churn_model, tmp_path):
    frozen = model_prediction(churn_model, CHURN_SAMPLE, tmp_path)
    strict = model_prediction(churn_model, CHURN_SAMPLE, tmp_path, params={"threshold": 0.99})
    native = native_prediction(
        FIXTURES / "churn",
        "inference",
        "customers_to_score",
        CHURN_SAMPLE,
        tmp_path,
        params={"threshold": 0.99},
    )
    pd.testing.assert_frame_equal(pd.DataFrame(strict), native, check_dtype=False)
    assert strict["churn"].sum() < frozen["churn"].sum() or frozen["churn"].sum() == 0
    assert (frozen["churn_probability"] == strict["churn_probability"]).all()


def test_concurrent_predictions_each_get_their_own_params(churn_model):
    code = f"""
import json
from concurrent.futures import ThreadPoolExecutor
import mlflow.pyfunc, pandas as pd
model = mlflow.pyfunc.load_model({str(churn_model)!r})
data = pd.read_csv({str(CHURN_SAMPLE)!r})
thresholds = [0.0, 1.01, 0.0, 1.01] * 25
def call(t):
    return int(model.predict(data, params={{"threshold": t}})["churn"].sum())
with ThreadPoolExecutor(8) as pool:
    print(json.dumps(list(zip(thresholds, pool.map(call, thresholds)))))
"""
    run = python(code, cwd=churn_model.parent)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    rows = len(pd.read_csv(CHURN_SAMPLE))
    assert all(count == (rows if threshold == 0.0 else 0) for threshold, count in results)


def test_loads_without_pickle_deserialization(churn_model, tmp_path):
    code = f"""
import mlflow.pyfunc, pandas as pd
model = mlflow.pyfunc.load_model({str(churn_model)!r})
print(len(model.predict(pd.read_csv({str(CHURN_SAMPLE)!r}))))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "false"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(len(pd.read_csv(CHURN_SAMPLE)))]


def test_versioned_artifact_only_the_resolved_version(tmp_path):
    target = tmp_path / "eu"
    run = _export("namespaced", "eu_inference", "data/01_raw/orders_sample.csv", target)
    assert run.returncode == 0, run.stderr
    versions = sorted((FIXTURES / "namespaced/data/06_models/eu/model.pkl").iterdir())
    assert len(versions) == 2
    packaged = list((target / "artifacts/serving/data/eu.model").rglob("*"))
    assert [p.name for p in packaged] == ["model.pkl"]
    assert packaged[0].read_bytes() == (versions[-1] / "model.pkl").read_bytes()
    provenance = read_json(target / "artifacts/serving/report.json")["provenance"]
    assert provenance["artifacts"]["eu.model"]["version"] == versions[-1].name


def test_blocked_export_leaves_nothing(tmp_path):
    target = tmp_path / "model"
    run = servecheck("export", "fixtures/broken", "--model-dir", target)
    assert run.returncode == 1
    assert "SC202 artifact-missing" in run.stdout
    assert "not servable" in run.stderr
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_existing_target_survives_without_force(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    run = _export("churn", "inference", "data/01_raw/customers_sample.csv", target)
    assert run.returncode == 2
    assert "--force" in run.stderr
    assert [p.name for p in target.iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no scratch left
    # --force replaces only an MLflow model: tests/test_export_safety.py


def test_failed_verification_leaves_nothing(project_copy, tmp_path):
    project = project_copy("churn")
    nodes = project / "src/churn/pipelines/inference/nodes.py"
    # A node that depends on state outside the model: a file next to the working directory.
    nodes.write_text(
        nodes.read_text() + "\n\nimport os\n_ORIGINAL_PREDICT = predict\n\n"
        "def predict(scaled, classifier, threshold):\n"
        "    out = _ORIGINAL_PREDICT(scaled, classifier, threshold)\n"
        "    return out.assign(cwd_has_conf=int(os.path.isdir('conf')))\n"
    )
    target = tmp_path / "model"
    run = servecheck(
        "export",
        ".",
        "--pipeline",
        "inference",
        "--model-dir",
        target,
        "--sample",
        CHURN_SAMPLE,
        "--verify",
        cwd=project,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "differs from Kedro's own run" in run.stderr
    assert "cwd_has_conf" in run.stderr
    assert not target.exists()


def test_tracking_and_registry_with_sqlite(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = servecheck(
        "export",
        FIXTURES / "churn",
        "--pipeline",
        "inference",
        "--sample",
        CHURN_SAMPLE,
        "--tracking-uri",
        uri,
        "--register",
        "churn-model",
        cwd=tmp_path,
        env={"MLFLOW_TRACKING_URI": ""},
    )
    assert run.returncode == 0, run.stderr
    assert "Logged model: models:/" in run.stderr
    code = f"""
import mlflow, pandas as pd
mlflow.set_tracking_uri({uri!r})
model = mlflow.pyfunc.load_model("models:/churn-model/1")
info = mlflow.get_logged_model(model.metadata.model_id)
print(len(model.predict(pd.read_csv({str(CHURN_SAMPLE)!r}))), info.tags["servecheck.pipeline"])
"""
    loaded = python(code, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split()[-2:] == [str(len(pd.read_csv(CHURN_SAMPLE))), "inference"]


def test_mlflow_models_serve(churn_model, tmp_path):
    port = free_port()
    mlflow_cli = Path(sys.executable).with_name("mlflow")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    serve = [mlflow_cli, "models", "serve", "-m", churn_model, "-h", "127.0.0.1", "-p", port]
    with running_server(
        [*serve, "--env-manager", "local", "-w", "1"],
        f"http://127.0.0.1:{port}/ping",
        tmp_path,
        env,
    ):
        data = pd.read_csv(CHURN_SAMPLE)
        split = {"columns": list(data.columns), "data": data.values.tolist()}
        invocations = f"http://127.0.0.1:{port}/invocations"
        frozen = post_json(invocations, {"dataframe_split": split})["predictions"]
        strict = post_json(invocations, {"dataframe_split": split, "params": {"threshold": 1.01}})[
            "predictions"
        ]
        assert len(frozen) == len(data)
        assert all(row["churn"] == 0 for row in strict)
        assert [row["churn_probability"] for row in frozen] == pytest.approx(
            [row["churn_probability"] for row in strict]
        )


def test_input_example_from_the_data_input_catalog_entry(project_copy, tmp_path):
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
        "--verify",
    )
    assert run.returncode == 0, run.stderr
    example = read_json(target / "input_example.json")
    assert len(example["data"]) == 5  # a few rows, not the whole file
    assert "churned" in example["columns"]  # read from the catalog entry's file


def test_remote_artifact_is_fetched_through_fsspec(project_copy, tmp_path):
    """s3 cannot be reached here: fsspec's real in-memory filesystem stands in for it."""
    project = project_copy("churn")
    catalog = project / "conf/base/catalog.yml"
    catalog.write_text(
        catalog.read_text().replace(
            "data/06_models/classifier.pkl", "s3://bucket/models/classifier.pkl"
        )
    )
    target = tmp_path / "model"
    code = f"""
import fsspec
from fsspec.implementations.memory import MemoryFileSystem
from kedro_servecheck import export
fsspec.register_implementation("s3", MemoryFileSystem, clobber=True)
source = {str(FIXTURES / "churn/data/06_models/classifier.pkl")!r}
fsspec.filesystem("s3").pipe("bucket/models/classifier.pkl", open(source, "rb").read())
result = export({str(project)!r}, "inference", model_dir={str(target)!r},
                sample={str(CHURN_SAMPLE)!r}, verify=True)
print(result.verified, [a.source for a in result.artifacts])
"""
    run = python(code, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[0] == "True"
    assert "s3://bucket/models/classifier.pkl" in run.stdout
    packaged = target / "artifacts/serving/data/classifier/classifier.pkl"
    assert packaged.read_bytes() == (FIXTURES / "churn/data/06_models/classifier.pkl").read_bytes()


def test_check_exports_only_when_it_passes(tmp_path):
    passing = servecheck(
        "check",
        "fixtures/churn",
        "--pipeline",
        "inference",
        "--format",
        "json",
        "--export",
        tmp_path / "churn",
        "--sample",
        CHURN_SAMPLE,
    )
    assert passing.returncode == 0, passing.stderr
    assert passing.json()["summary"]["errors"] == 0  # stdout stays the report
    assert (tmp_path / "churn/MLmodel").exists()
    assert "verified" in passing.stderr
    failing = servecheck("check", "fixtures/broken", "--export", tmp_path / "broken")
    assert failing.returncode == 1
    assert "not exporting" in failing.stderr
    assert not (tmp_path / "broken").exists()


def test_output_names_the_dataset_to_serve_and_model_dir_the_folder(project_copy, tmp_path):
    """`--output` means the same in export as in check: the dataset served."""
    project = project_copy("churn")
    edit(
        project,
        "src/churn/pipelines/inference/pipeline.py",
        '                name="predict",\n            ),\n',
        '                name="predict",\n            ),\n'
        '            Node(func=len, inputs="scaled", outputs="scored_rows", name="count"),\n',
    )
    target = tmp_path / "model"
    args = ("export", project, "--pipeline", "inference", "--sample", CHURN_SAMPLE)
    two_outputs = servecheck(*args, "--model-dir", target)
    assert two_outputs.returncode == 1
    assert "SC002" in two_outputs.stdout
    served = servecheck(*args, "--output", "predictions", "--model-dir", target, "--verify")
    assert served.returncode == 0, served.stderr
    spec = read_json(target / "artifacts/serving/pipeline.json")
    assert spec["output"] == "predictions"
    assert "count" not in {node["name"] for node in spec["nodes"]}
    assert not (tmp_path / "predictions").exists()
