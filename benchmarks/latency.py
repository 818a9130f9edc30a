"""Served model latency: servecheck's exported model against the node functions called
directly, and against kedro-mlflow's `KedroPipelineModel`, per prediction.

Both pipelines of the scoring project (`inference`: 4 nodes with a model artifact and two
parameters; `chain`: 50 nodes) are exported with `servecheck export`. The worker builds
kedro-mlflow's model of the same pipeline (copy_mode "assign", the project's artifacts and
parameters), saves it with the signature of servecheck's model, and loads both the same way,
with `mlflow.pyfunc.load_model`. Then, on 10 and 10,000 rows, rounds alternate five cases:

- *direct*: the node functions called in order (the model unpickled once);
- *servecheck raw*: the exported runtime, `unwrap_python_model().predict`;
- *kedro-mlflow raw*: `KedroPipelineModel.predict`;
- *servecheck MLflow*, *kedro-mlflow MLflow*: the pyfunc models' `predict` (schema enforced).

    python benchmarks/latency.py PROJECT MODELS ROUNDS CALLS RESULT   # one run, as JSON
"""

from __future__ import annotations

import functools
import json
import logging
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import generate
from document import Section, Target, ms, ratio, table
from timing import Plan, in_fresh_process, measure, script

PIPELINES = ("inference", "chain")
ROWS = (10, 10_000)
CASES = ("direct", "servecheck raw", "kedro-mlflow raw", "servecheck MLflow", "kedro-mlflow MLflow")


def run(workdir: Path, plan: Plan) -> Section:
    """Export both pipelines, measure them in one worker process, compare."""
    root = generate.scoring(workdir)
    models = workdir / "models"
    for pipeline in PIPELINES:
        subprocess.run(
            [
                script("servecheck"),
                "export",
                root,
                "--pipeline",
                pipeline,
                "--model-dir",
                models / f"servecheck_{pipeline}",
            ],
            check=True,
            capture_output=True,
        )
    return _section(
        in_fresh_process(__file__, root, models, plan.latency_rounds, plan.latency_calls), plan
    )


def _section(results: dict, plan: Plan) -> Section:
    rows, overhead, targets = [], [], []
    for key, times in results.items():
        pipeline, row_count = key.split(":")
        label = f"{pipeline}, {int(row_count):,} rows"
        rows.append(
            [
                label,
                *(ms(times[case]) for case in CASES),
                ratio(times["servecheck raw"] / times["direct"]),
                ratio(times["kedro-mlflow raw"] / times["servecheck raw"]),
                ratio(times["kedro-mlflow raw"] / times["direct"]),
                ratio(times["kedro-mlflow MLflow"] / times["servecheck MLflow"]),
            ]
        )
        overhead.append(
            [
                label,
                ms(times["servecheck MLflow"] - times["servecheck raw"]),
                ms(times["kedro-mlflow MLflow"] - times["kedro-mlflow raw"]),
            ]
        )
        targets.append(
            Target(
                f"servecheck raw / direct calls, {label}",
                times["servecheck raw"] / times["direct"],
                1.2,
            )
        )
        if int(row_count) == min(ROWS):
            targets += [
                Target(
                    f"kedro-mlflow / servecheck through MLflow, {label}",
                    times["kedro-mlflow MLflow"] / times["servecheck MLflow"],
                    3.0,
                    False,
                ),
                Target(
                    f"kedro-mlflow raw / servecheck raw, {label}",
                    times["kedro-mlflow raw"] / times["servecheck raw"],
                    5.0,
                    False,
                ),
            ]
    body = (
        "Per prediction, median of"
        f" {plan.latency_rounds} round(s) of {plan.latency_calls} call(s) per case; every case"
        " returns the same predictions (checked). *inference*: clean, features (a parameter),"
        " a scikit-learn model artifact, post-processing (a parameter); *chain*: 50 nodes."
        ' kedro-mlflow\'s model is a `KedroPipelineModel` (copy_mode "assign") saved with'
        " servecheck's signature (inputs and params schema). *ceiling*: how much faster than"
        " kedro-mlflow's model a runtime that cost nothing at all would be, since the node"
        " functions themselves take the *direct* time.\n\n"
        + table(
            [
                "pipeline, input",
                *CASES,
                "servecheck raw / direct",
                "kedro-mlflow raw / servecheck raw",
                "kedro-mlflow raw / direct (ceiling)",
                "kedro-mlflow / servecheck (MLflow)",
            ],
            rows,
        )
        + "\n\nMLflow's own cost per call (pyfunc `predict` minus the raw `predict` of the same"
        " model): input schema enforcement (a copy and a type check of every column), params"
        " schema enforcement (defaults filled in for every parameter), and the pyfunc wrapper."
        " It is not ours to remove.\n\n"
        + table(["pipeline, input", "servecheck model", "kedro-mlflow model"], overhead)
    )
    return Section("Served model latency", body, targets)


def measure_models(root: Path, models: Path, rounds: int, calls: int) -> dict:
    """Build kedro-mlflow's models next to servecheck's, then time the five cases.

    No Kedro session and no `bootstrap_project`: a serving process has neither. Importing
    kedro-mlflow sets Kedro's loggers to INFO, which would log every node of both models on
    every call; they are set back to WARNING, as in a process where Kedro is not configured
    (which spares kedro-mlflow's model the cost of its own logging).
    """
    import mlflow.pyfunc
    import pandas as pd

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(root / "src"))
    from scoring.pipeline_registry import register_pipelines

    registered = register_pipelines()
    results = {}
    for pipeline in PIPELINES:
        servecheck = mlflow.pyfunc.load_model(str(models / f"servecheck_{pipeline}"))
        kedro_mlflow = _kedro_mlflow_model(root, registered[pipeline], servecheck, models, pipeline)
        logging.getLogger("kedro").setLevel(logging.WARNING)
        direct = _direct(root, pipeline)
        servecheck_raw = servecheck.unwrap_python_model()
        kedro_mlflow_raw = kedro_mlflow.unwrap_python_model()
        for rows in ROWS:
            data = generate.orders(rows, seed=2)
            cases = dict(
                zip(
                    CASES,
                    (
                        functools.partial(direct, data),
                        functools.partial(servecheck_raw.predict, None, data),
                        functools.partial(kedro_mlflow_raw.predict, None, data),
                        functools.partial(servecheck.predict, data),
                        functools.partial(kedro_mlflow.predict, data),
                    ),
                    strict=True,
                )
            )
            expected = direct(data)
            for name, case in cases.items():
                pd.testing.assert_frame_equal(case(), expected, obj=name)
            times = measure(cases, rounds, calls, warmup=2)
            results[f"{pipeline}:{rows}"] = {name: times[name].median for name in CASES}
    return results


def _kedro_mlflow_model(root: Path, pipeline, servecheck, models: Path, name: str):
    """kedro-mlflow's model of `pipeline`, saved with `servecheck`'s signature, then loaded."""
    import mlflow.pyfunc
    from kedro_mlflow.mlflow import KedroPipelineModel

    model = KedroPipelineModel(pipeline, _catalog(root), input_name="orders", copy_mode="assign")
    artifacts = model.extract_pipeline_artifacts(_empty(models / f"parameters_{name}"))
    path = models / f"kedro_mlflow_{name}"
    mlflow.pyfunc.save_model(
        str(path),
        python_model=model,
        artifacts=artifacts,
        signature=servecheck.metadata.signature,
        pip_requirements=["mlflow", "kedro-mlflow"],
    )
    return mlflow.pyfunc.load_model(str(path))


def _catalog(root: Path):
    """The project's catalog with its parameters, as a Kedro session builds it."""
    from kedro.config import OmegaConfigLoader
    from kedro.framework.context.context import _convert_paths_to_absolute_posix
    from kedro.io import DataCatalog, MemoryDataset

    loader = OmegaConfigLoader(str(root / "conf"), base_env="base", default_run_env="local")
    catalog = DataCatalog.from_config(_convert_paths_to_absolute_posix(root, loader["catalog"]))
    for key, value in loader["parameters"].items():
        catalog[f"params:{key}"] = MemoryDataset(value)
    return catalog


def _direct(root: Path, pipeline: str):
    """The pipeline's node functions, called in order, with the artifact and parameters."""
    from kedro.config import OmegaConfigLoader
    from scoring.nodes import add_features, clean, postprocess, predict, step
    from scoring.pipeline_registry import CHAIN_LENGTH

    parameters = OmegaConfigLoader(str(root / "conf"), base_env="base", default_run_env="local")[
        "parameters"
    ]
    model = pickle.loads((root / "data/06_models/model.pkl").read_bytes())

    def inference(data):
        features = add_features(clean(data), parameters["amount_scale"])
        return postprocess(predict(features, model), parameters["threshold"])

    def chain(data):
        frame = clean(data)
        for _ in range(CHAIN_LENGTH - 1):
            frame = step(frame)
        return frame

    return inference if pipeline == "inference" else chain


def _empty(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


if __name__ == "__main__":
    root, models, rounds, calls, result = sys.argv[1:]
    figures = measure_models(Path(root), Path(models), int(rounds), int(calls))
    Path(result).write_text(json.dumps(figures))
