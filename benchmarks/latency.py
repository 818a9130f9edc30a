"""Served model latency: servecheck's exported model against the node functions called
directly, and against kedro-mlflow's `KedroPipelineModel`, per prediction.

Both pipelines of the scoring project (`inference`: 4 nodes with a model artifact and two
parameters; `chain`: 50 nodes) are saved by both tools (benchmarks/models.py) and loaded the
same way, with `mlflow.pyfunc.load_model`. Then, on 10 and 10,000 rows, rounds alternate five
cases:

- *direct*: the node functions called in order (the model unpickled once);
- *servecheck raw*: the exported runtime, `unwrap_python_model().predict`;
- *kedro-mlflow raw*: `KedroPipelineModel.predict`;
- *servecheck MLflow*, *kedro-mlflow MLflow*: the pyfunc models' `predict` (schema enforced).

A runtime's overhead is what it costs beyond the node functions: raw minus direct, round by round.

    python benchmarks/latency.py PROJECT MODELS ROUNDS CALLS RESULT   # one run, as JSON
"""

from __future__ import annotations

import functools
import json
import logging
import pickle
import sys
import warnings
from pathlib import Path

import generate
import models
from document import Section, Target, ms, ratio, table
from timing import Plan, in_fresh_process, measure

ROWS = (10, 10_000)
CASES = ("direct", "servecheck raw", "kedro-mlflow raw", "servecheck MLflow", "kedro-mlflow MLflow")
OVERHEADS = ("servecheck overhead", "kedro-mlflow overhead")
OVERHEAD_OF_DIRECT = 0.10  # servecheck's overhead: at most 10 % of the node functions' time
OVERHEAD_OF_KEDRO_MLFLOW = 1 / 20  # and at most 1/20 of kedro-mlflow's overhead


def run(workdir: Path, plan: Plan) -> Section:
    """Save both tools' models of both pipelines, measure them in one worker process, compare."""
    saved = models.build(workdir)
    figures = in_fresh_process(
        __file__, saved.root, saved.folder, plan.latency_rounds, plan.latency_calls
    )
    return _section(figures, plan)


def _section(results: dict, plan: Plan) -> Section:
    rows, overhead, mlflow_cost, targets = [], [], [], []
    for key, times in results.items():
        pipeline, row_count = key.split(":")
        label = f"{pipeline}, {int(row_count):,} rows"
        ours, theirs = times["servecheck overhead"], times["kedro-mlflow overhead"]
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
                ms(ours),
                f"{ours / times['direct']:.1%}",
                ms(theirs),
                f"{theirs / times['direct']:.0%}",
                ratio(ours / theirs),
            ]
        )
        mlflow_cost.append(
            [
                label,
                ms(times["servecheck MLflow"] - times["servecheck raw"]),
                ms(times["kedro-mlflow MLflow"] - times["kedro-mlflow raw"]),
            ]
        )
        targets += [
            Target(
                f"servecheck runtime overhead / direct calls, {label}",
                ours / times["direct"],
                OVERHEAD_OF_DIRECT,
            ),
            Target(
                f"servecheck runtime overhead / kedro-mlflow's, {label}",
                ours / theirs,
                OVERHEAD_OF_KEDRO_MLFLOW,
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
        + "\n\n**Runtime overhead** beyond the node functions: a raw `predict` minus the direct"
        " calls, round by round (median of the differences), for each tool; what a user can"
        " gain by changing runtimes. Targets: servecheck's at most"
        f" {OVERHEAD_OF_DIRECT:.0%} of the direct time, and at most 1/"
        f"{round(1 / OVERHEAD_OF_KEDRO_MLFLOW)} of kedro-mlflow's.\n\n"
        + table(
            [
                "pipeline, input",
                "servecheck overhead",
                "/ direct",
                "kedro-mlflow overhead",
                "/ direct",
                "servecheck / kedro-mlflow",
            ],
            overhead,
        )
        + "\n\nMLflow's own cost per call (pyfunc `predict` minus the raw `predict` of the same"
        " model): input schema enforcement (a copy and a type check of every column), params"
        " schema enforcement (defaults filled in for every parameter), and the pyfunc wrapper."
        " It is not ours to remove.\n\n"
        + table(["pipeline, input", "servecheck model", "kedro-mlflow model"], mlflow_cost)
    )
    return Section("Served model latency", body, targets)


def measure_models(saved: models.Models, rounds: int, calls: int) -> dict:
    """Load both tools' models of each pipeline, then time the five cases.

    No Kedro session and no `bootstrap_project`: a serving process has neither. Importing
    kedro-mlflow sets Kedro's loggers to INFO, which would log every node of both models on
    every call; they are set back to WARNING, as in a process where Kedro is not configured
    (which spares kedro-mlflow's model the cost of its own logging).
    """
    import mlflow.pyfunc
    import pandas as pd

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(saved.root / "src"))  # kedro-mlflow's pickle refers to the package
    results = {}
    for pipeline in models.PIPELINES:
        servecheck = mlflow.pyfunc.load_model(str(saved.servecheck(pipeline)))
        kedro_mlflow = mlflow.pyfunc.load_model(str(saved.kedro_mlflow(pipeline)))
        logging.getLogger("kedro").setLevel(logging.WARNING)
        direct = _direct(saved.root, pipeline)
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
            overheads = (
                times["servecheck raw"] - times["direct"],
                times["kedro-mlflow raw"] - times["direct"],
            )
            results[f"{pipeline}:{rows}"] = {
                **{name: times[name].median for name in CASES},
                **{name: o.median for name, o in zip(OVERHEADS, overheads, strict=True)},
            }
    return results


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


if __name__ == "__main__":
    root, folder, rounds, calls, result = sys.argv[1:]
    figures = measure_models(models.Models(Path(root), Path(folder)), int(rounds), int(calls))
    Path(result).write_text(json.dumps(figures))
