"""Export time: `servecheck export` against kedro-mlflow's `kedro mlflow modelify`.

The same pipeline (the scoring project's `inference`), the same artifacts and parameters,
each tool with a signature and an input example inferred from the data input's own file.
modelify logs to the SQLite tracking store of the project's `mlflow.yml`; servecheck writes a
model folder, and is also measured logging to the same store (`--tracking-uri`). Whole
processes; in the full run a first, unmeasured run of each creates the store and warms the
disk cache.
"""

from __future__ import annotations

from pathlib import Path

import generate
from document import Section, ms, ratio, table
from timing import Plan, command, measure, script


def run(workdir: Path, plan: Plan) -> Section:
    """Alternate the three exports, each a whole process."""
    root = generate.scoring(workdir)
    export = [script("servecheck"), "export", root, "--pipeline", "inference", "--force"]
    cases = {  # MLflow puts a logged model's artifacts under ./mlruns: run where they may go
        "servecheck export": command([*export, "--model-dir", workdir / "model"], cwd=workdir),
        "servecheck export --tracking-uri": command(
            [*export, "--tracking-uri", generate.tracking_uri(workdir)], cwd=workdir
        ),
        "kedro mlflow modelify": command(
            [
                script("kedro"),
                "mlflow",
                "modelify",
                "--pipeline",
                "inference",
                "--input-name",
                "orders",
                "--infer-signature",
                "--infer-input-example",
                "--copy-mode",
                "assign",
            ],
            cwd=root,
        ),
    }
    times = measure(cases, plan.process_rounds, warmup=plan.warmup)
    modelify = times["kedro mlflow modelify"]
    rows = [
        [f"`{name}`", ms(timing.median), ratio(timing / modelify)] for name, timing in times.items()
    ]
    body = (
        f"Whole-process wall time, median of {plan.process_rounds} round(s), for the"
        " scoring project's `inference` pipeline (4 nodes, a pickled scikit-learn model, two"
        " parameters). `servecheck export` runs the whole check first, pins requirements, runs"
        " the pipeline on the example for the output schema and saves a models-from-code model"
        " (no `--verify`); `--tracking-uri` also logs it to the same SQLite store modelify"
        " logs to. `kedro mlflow modelify --infer-signature --infer-input-example --copy-mode"
        " assign` opens a Kedro session (kedro-mlflow's hooks set up the tracking store) and"
        " logs a pickled `KedroPipelineModel`.\n\n"
        + table(["command", "wall time", "/ modelify"], rows)
        + "\n\nNo target: the former `servecheck export` / modelify ≤ 0.5× is retired, as"
        " loading the project and importing mlflow alone take more than half of modelify's"
        " time (see *Retired targets* below)."
    )
    return Section("Export time", body)
