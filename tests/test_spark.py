"""Spark, for real (a local JVM): a spark data input served, and batch scoring with spark_udf.

- fixtures/spaceflights_pyspark: its data input `new_shuttles` is a `spark.SparkDataset` (a CSV
  folder Spark wrote); the check says the export will convert (SC105, info), the export
  verifies against Kedro's run on a spark DataFrame, and the model, loaded by MLflow in a
  fresh process, prices the rows as `kedro run --pipelines inference` does;
- the README's "Score a large table with Spark" recipe: `mlflow.pyfunc.spark_udf` over a few
  thousand rows in several partitions predicts what `model.predict` does, parameters included.

Light on purpose (two CPUs): one export of each model for the module, `local[2]`, no UI.
"""

from __future__ import annotations

import importlib.util
import json
import shutil

import pandas as pd
import pytest

from conftest import FIXTURES, edit, kedro, python, servecheck


def _missing() -> str | None:
    """What this machine lacks to run Spark, or None."""
    if shutil.which("java") is None:
        return "no JVM: `java` is not on PATH (Spark needs Java 17+; .ci/run installs one)"
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[test]')"
    return None


MISSING = _missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"Spark tests skipped: {MISSING}")

LIGHT_SPARK = (
    "--spark-master", "local[2]",
    "--spark-conf", "spark.ui.enabled=false",
    "--spark-conf", "spark.sql.shuffle.partitions=2",
)  # fmt: skip
AS_A_USER = {"PYTHONPATH": "", "PYTHONWARNINGS": "ignore"}
NEW_SHUTTLES = "data/05_model_input/new_shuttles.csv"  # a folder of part files
NATIVE_PREDICTIONS = "data/07_model_output/price_predictions.csv"


@pytest.fixture(scope="module")
def pyspark_project(tmp_path_factory):
    project = tmp_path_factory.mktemp("spark") / "spaceflights_pyspark"
    shutil.copytree(
        FIXTURES / "spaceflights_pyspark",
        project,
        ignore=shutil.ignore_patterns("__pycache__", "07_model_output"),
    )
    return project


@pytest.fixture(scope="module")
def spark_model(pyspark_project):
    model = pyspark_project.parent / "model"
    run = servecheck(
        "export", pyspark_project, "--pipeline", "inference", "--model-dir", model, "--verify",
        *LIGHT_SPARK, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "verified against Kedro's own run" in run.stderr
    assert "DataFrameQueryContextLogger" not in run.stderr  # the column probes stay quiet
    return model


def test_the_check_says_the_export_will_turn_requests_into_spark():
    run = servecheck(
        "check", FIXTURES / "spaceflights_pyspark", "--pipeline", "inference", "--format", "json"
    )
    assert run.returncode == 0, run.stdout
    (finding,) = [f for f in run.json()["findings"] if f["code"] == "SC105"]
    assert finding["severity"] == "info"
    assert "the exported model turns each request (pandas) into one" in finding["message"]
    assert finding["location"] == {"path": "conf/base/catalog.yml", "line": 10}


def test_the_model_keeps_its_spark_session_settings_and_pins_pyspark(spark_model):
    spec = json.loads((spark_model / "artifacts/serving/pipeline.json").read_text())
    spark = spec["spark"]
    assert spark["master"] == "local[2]"
    assert spark["conf"] == {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"}
    # the schema Spark infers from the CSV folder, as the native run loads it
    types = {f["name"]: f["type"] for f in spark["schema"]["fields"]}
    assert types["engines"] == "integer"
    assert types["company_rating"] == "string"
    requirements = (spark_model / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("pyspark==") for line in requirements)
    example = pd.read_json(spark_model / "input_example.json", orient="split")
    assert "price" not in example.columns  # read from the part files
    assert len(example) == 5


_PREDICT_IN_A_FRESH_PROCESS = """
import json, pathlib, sys
import mlflow.pyfunc, pandas as pd
parts = sorted(pathlib.Path({folder!r}).glob("part-*.csv"))
rows = pd.concat([pd.read_csv(part) for part in parts], ignore_index=True)
model = mlflow.pyfunc.load_model({model!r})
assert "pyspark" in sys.modules
plain = model.predict(rows)
doubled = model.predict(rows, params={{"inference.currency_rate": 2.0}})
print(json.dumps({{"plain": plain.to_dict("list"), "doubled": doubled.to_dict("list")}}))
"""


def test_the_served_model_prices_the_rows_as_kedro_run_does(pyspark_project, spark_model):
    """`kedro run --pipelines inference` (Spark reads the folder) and the model, loaded by
    MLflow in a fresh process from pandas rows of the same folder, give the same prices; a
    request's `currency_rate` reaches the node."""
    native = kedro("run", "--pipelines", "inference", cwd=pyspark_project, env=AS_A_USER)
    assert native.returncode == 0, native.stderr[-3000:]
    expected = pd.read_csv(pyspark_project / NATIVE_PREDICTIONS)
    script = _PREDICT_IN_A_FRESH_PROCESS.format(
        folder=str(pyspark_project / NEW_SHUTTLES), model=str(spark_model)
    )
    run = python(script, cwd=spark_model.parent, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    predicted = json.loads(run.stdout.strip().splitlines()[-1])
    pd.testing.assert_frame_equal(pd.DataFrame(predicted["plain"]), expected)
    doubled = pd.DataFrame(predicted["doubled"])
    assert doubled["predicted_price"].tolist() == pytest.approx(
        (2 * expected["predicted_price"]).tolist(), abs=0.011
    )


# Batch scoring with spark_udf (the README's recipe, on the pandas spaceflights model)


@pytest.fixture(scope="module")
def pandas_model(tmp_path_factory):
    """fixtures/spaceflights' inference, returning only `price_predictions` (`id`,
    `predicted_price`; not the summary), exported."""
    project = tmp_path_factory.mktemp("udf") / "spaceflights"
    shutil.copytree(
        FIXTURES / "spaceflights", project, ignore=shutil.ignore_patterns("__pycache__")
    )
    inference = "src/spaceflights/pipelines/inference"
    edit(
        project,
        f"{inference}/nodes.py",
        "    return predictions, summary\n",
        "    return predictions\n",
    )
    edit(
        project,
        f"{inference}/pipeline.py",
        'outputs=["price_predictions", "prediction_summary"],',
        'outputs="price_predictions",',
    )
    model = project.parent / "model"
    run = servecheck("export", project, "--pipeline", "inference", "--model-dir", model)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    return model


_SPARK_UDF = """
import json, os, sys
os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers' Python: this one
import mlflow.pyfunc, pandas as pd
from pyspark.sql import SparkSession
model_uri = {model!r}
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.shuffle.partitions", "2")
    .getOrCreate()
)
rows = pd.read_csv({rows!r})
rows = pd.concat([rows] * 150, ignore_index=True).assign(id=lambda frame: frame.index)
table = spark.createDataFrame(rows).repartition(4)
{recipe}
mine = scored.select("id", "prediction.predicted_price").toPandas()
model = mlflow.pyfunc.load_model(model_uri)
reference = model.predict(rows, params={{"inference.decimals": 1}})
default = model.predict(rows)
print(json.dumps({{
    "partitions": table.rdd.getNumPartitions(),
    "udf": mine.sort_values("id").to_dict("list"),
    "predict": reference.sort_values("id").to_dict("list"),
    "default": default.sort_values("id").to_dict("list"),
}}))
"""


def test_spark_udf_scores_a_table_as_model_predict_does_with_parameters(pandas_model):
    """3,000 rows in 4 partitions, `inference.decimals` overridden: spark_udf predicts what
    model.predict does with the same parameter, not what it does without."""
    script = _SPARK_UDF.format(
        model=str(pandas_model),
        rows=str(FIXTURES / "spaceflights/data/01_raw/new_shuttles.csv"),
        recipe=readme_recipe(),
    )
    run = python(script, cwd=pandas_model.parent, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["partitions"] == 4
    assert len(result["udf"]["id"]) == 3000
    assert result["udf"] == result["predict"]
    prices = result["udf"]["predicted_price"]
    assert prices == [round(price, 1) for price in prices]  # `inference.decimals` reached it
    assert prices != result["default"]["predicted_price"]  # (2 decimals by default)


def readme_recipe() -> str:
    """The code of the README's "Score a large table with Spark" recipe, between its marks."""
    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Score a large table with Spark", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    return "# score" + code.split("# score", 1)[1]
