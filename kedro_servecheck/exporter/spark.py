"""The spark side of an export: where the model's SparkSession runs, and the input schema.

A pipeline whose data input loads a spark DataFrame is exported with a `spark` entry in
`pipeline.json`: the session's master and config (chosen at export), and the data input's
schema as Kedro loads it, so that the model (`runtime.SparkInput`) turns each request into a
spark DataFrame of the same types. The export's own runs use the same conversion.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.errors import ExportBlocked
from kedro_servecheck.exporter.failures import explained
from kedro_servecheck.load.installed import is_installed

DEFAULT_MASTER = "local[*]"
_QUIET = {"spark.ui.showConsoleProgress": "false"}
_QUERY_ERRORS_LOGGER = "DataFrameQueryContextLogger"  # pyspark's log of each failed query


@dataclass(frozen=True)
class SparkOptions:
    """The served model's SparkSession: `--spark-master` (None: DEFAULT_MASTER) and each
    `--spark-conf KEY=VALUE`."""

    master: str | None = None
    conf: Mapping[str, str] = field(default_factory=dict)


def spark_settings(
    analysis: Analysis, data_input: str, options: SparkOptions
) -> dict[str, Any] | None:
    """`pipeline.json`'s `spark` entry; None unless the data input loads a spark DataFrame.

    Starts the export's SparkSession (the model's settings), which every later step shares.

    Raises:
        ExportBlocked: pyspark is not installed here.
    """
    if not analysis.data_input_is(Loads.SPARK):
        return None
    if not is_installed("pyspark"):
        raise ExportBlocked(
            f"Cannot export '{analysis.name}': its data input '{data_input}' is a spark "
            "DataFrame, and pyspark is not installed here to turn each request into one (SC105)",
            hint="pip install pyspark (and have a JVM), or read the data input as pandas "
            f"(a transcoded '{data_input}@pandas' entry of the same file)",
        )
    from kedro_servecheck.exporter.runtime import SparkInput

    settings: dict[str, Any] = {
        "master": options.master or DEFAULT_MASTER,
        "conf": dict(options.conf),
    }
    # The export's own session shows no progress bars, and does not log the errors of the
    # runs that probe which columns the pipeline reads (signature.py): they are expected.
    SparkInput({**settings, "conf": {**_QUIET, **settings["conf"]}})
    logging.getLogger(_QUERY_ERRORS_LOGGER).setLevel(logging.CRITICAL)
    settings["schema"] = _data_input_schema(analysis, data_input)
    return settings


def _data_input_schema(analysis: Analysis, data_input: str) -> dict[str, Any] | None:
    """The schema (Spark's JSON form) of the data input loaded by its own dataset; None when
    it is not a local file (a table, or no catalog entry): the model then keeps the types
    Spark infers from each request."""
    spec = analysis.catalog.spec(data_input)
    if not (spec.declared and spec.is_local and spec.exists):
        return None
    from kedro.io import AbstractDataset

    with explained(
        f"Cannot read the data input '{data_input}' with Spark for its schema",
        (),
        analysis.project.root,
        hint="fix the data input's file or catalog entry",
    ):
        frame = AbstractDataset.from_config(spec.name, dict(spec.config)).load()
        schema: dict[str, Any] = frame.schema.jsonValue()
    return schema
