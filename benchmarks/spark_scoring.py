"""Spark batch scoring: `mlflow.pyfunc.spark_udf` over servecheck's exported model against
`model.predict` on the same rows in pandas.

The scoring project's `inference` model (4 nodes, a scikit-learn model), exported by
`servecheck export`. 200,000 orders (the quick run: 2,000) are cached in a spark DataFrame of 4
partitions on local Spark (`local[2]`: this machine's 2 cores) and scored with the README's
recipe (`env_manager="local"`), the scores summed (which runs the UDF over every row);
the pandas case is one `model.predict` of the same rows. Both run in one worker process,
rounds alternating, after one unmeasured run each (Spark's Python workers start, and each
loads the model, on the first use).

    python benchmarks/spark_scoring.py MODEL ROWS ROUNDS RESULT   # one run, as JSON
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import generate
import models
from document import Section, ms, ratio, table
from timing import Plan, in_fresh_process, measure

ROWS = {True: 2_000, False: 200_000}  # by "quick run"
RESULT_TYPE = "score double, flagged boolean"  # the inference pipeline's output columns


def run(workdir: Path, plan: Plan) -> Section:
    """Export the model, then time both ways of scoring the rows in one worker process."""
    missing = _missing()
    if missing:
        return Section("Spark batch scoring", f"Not measured: {missing}.")
    model = workdir / "model"
    root = generate.scoring(workdir)
    models.export(root, "inference", model)
    rows = ROWS[plan.latency_rounds < 5]
    figures = in_fresh_process(__file__, model, rows, plan.latency_rounds)
    return _section(figures, rows, plan)


def _missing() -> str | None:
    """Why local Spark cannot run here, if it cannot."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (`pip install -e '.[test]'` installs it)"
    if shutil.which("java") is None:
        return "no `java` on PATH (Spark needs a JVM: Debian's default-jre-headless)"
    return None


def _section(figures: dict, rows: int, plan: Plan) -> Section:
    udf, pandas, job = figures["spark_udf"], figures["predict"], figures["spark job"]
    batches = figures["predict per batch"]
    table_rows = [
        [
            "`spark_udf` (summing the scores), 4 partitions, `local[2]`",
            ms(udf),
            _per_second(rows, udf),
        ],
        ["`model.predict`, one pandas DataFrame", ms(pandas), _per_second(rows, pandas)],
    ]
    where = [
        ["the Spark job alone (summing a column of the cached rows, no UDF)", ms(job)],
        [f"`model.predict` once per Arrow batch ({figures['batches']} batches)", ms(batches)],
    ]
    body = (
        f"Scoring {rows:,} rows, median of {plan.latency_rounds} round(s) (the module's"
        " docstring says how).\n\n"
        + table(["scoring", "wall time", "rows/s"], table_rows)
        + f"\n\nspark_udf / model.predict: {ratio(udf / pandas)}. Where spark_udf's time goes,"
        " each part timed on its own in the same rounds; in spark_udf they overlap (the JVM"
        " scans one batch while the two Python workers predict others), so they need not add"
        " up to its time:\n\n"
        + table(["part", "time"], where)
        + "\n\nNo target: on one machine spark_udf can only add to `model.predict` (the"
        " Spark job, and the transfer of every batch between the JVM and Python); it is the"
        " way to score a table that does not fit one machine, where executors add cores."
    )
    return Section("Spark batch scoring", body)


def _per_second(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}"


def main(model: str, rows: str, rounds: str, result: str) -> None:
    """Time spark_udf and model.predict over the same rows; write the medians to `result`."""
    os.environ["PYSPARK_PYTHON"] = sys.executable  # Spark's Python workers: this interpreter
    import mlflow.pyfunc
    from pyspark.sql import SparkSession, functions

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    frame = generate.orders(int(rows))
    spark_table = spark.createDataFrame(frame).repartition(4).cache()
    spark_table.count()
    predict = mlflow.pyfunc.spark_udf(spark, model, env_manager="local", result_type=RESULT_TYPE)
    scored = spark_table.withColumn("prediction", predict(functions.struct(*spark_table.columns)))
    total = scored.select(functions.sum("prediction.score"))  # a count would prune the UDF
    loaded = mlflow.pyfunc.load_model(model)
    batch_rows = int(spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch") or 10_000)
    partition = -(-len(frame) // 4)  # the rows of each of the 4 partitions, as Spark cuts them
    parts = [frame.iloc[start : start + partition] for start in range(0, len(frame), partition)]
    batches = [
        part.iloc[start : start + batch_rows]
        for part in parts
        for start in range(0, len(part), batch_rows)
    ]
    times = measure(
        {
            "spark_udf": total.collect,
            "predict": lambda: loaded.predict(frame),
            "spark job": spark_table.select(functions.sum("amount")).collect,
            "predict per batch": lambda: [loaded.predict(batch) for batch in batches],
        },
        int(rounds),
        warmup=1,
    )
    figures = {name: timing.median for name, timing in times.items()}
    figures["batches"] = len(batches)
    Path(result).write_text(json.dumps(figures))
    spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
