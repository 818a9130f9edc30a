"""The input example: from `--sample`, else a few rows of the data input's own dataset, else
none (the data input is not a file in the catalog: it only ever comes with requests).

A spark data input's file (a CSV, JSON or Parquet file, or the folder of part files Spark
writes) is read with pandas: a served model receives pandas, and its signature comes from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.catalog.resolve import DatasetSpec
from kedro_servecheck.errors import UsageError
from kedro_servecheck.exporter.failures import explained

EXAMPLE_ROWS = 5


def input_example(analysis: Analysis, data_input: str, sample: Path | None) -> Any | None:
    """A small DataFrame to predict on, for the signature, the saved example and verification;
    None when there is neither a `--sample` nor a data input file."""
    import pandas as pd

    if sample is not None:
        return _read_sample(Path(sample)).head(EXAMPLE_ROWS)
    spec = analysis.catalog.spec(data_input)
    if not (spec.is_local and spec.exists):
        return None
    from kedro.io import AbstractDataset

    with explained(
        f"Cannot read the data input '{data_input}' for the input example",
        (),
        analysis.project.root,
        hint="fix the data input's file or catalog entry, or pass --sample FILE",
    ):
        if analysis.declared_loads is Loads.SPARK:
            return _read_spark_files(spec)
        data = AbstractDataset.from_config(spec.name, dict(spec.config)).load()
    return data.head(EXAMPLE_ROWS) if isinstance(data, pd.DataFrame) else data


def _read_spark_files(spec: DatasetSpec) -> Any:
    """The first rows of a spark dataset's file or folder of part files, read with pandas."""
    import pandas as pd

    path = Path(str(spec.load_path))
    file_format = str(spec.config.get("file_format", "parquet")).lower()
    if file_format == "parquet":
        import pyarrow.dataset

        return pyarrow.dataset.dataset(path).head(EXAMPLE_ROWS).to_pandas()
    if file_format not in ("csv", "json"):
        raise UsageError(
            f"The data input '{spec.name}' is a {file_format} file, which pandas does not read",
            hint="pass --sample FILE (a CSV, Parquet or JSON file of rows to predict on)",
        )
    parts = sorted(path.glob("part-*")) if path.is_dir() else [path]
    options = spec.config.get("load_args") or {}
    header = str(options.get("header", False)).lower() == "true"
    frames = []
    for part in (part for part in parts if part.stat().st_size):
        if file_format == "json":  # Spark reads and writes JSON lines
            frame = pd.read_json(part, lines=True, nrows=EXAMPLE_ROWS)
        else:
            separator = options.get("sep", options.get("delimiter", ","))
            frame = pd.read_csv(
                part, sep=separator, header=0 if header else None, nrows=EXAMPLE_ROWS
            )
            if not header:  # Spark's names for the columns of a CSV without a header
                frame.columns = [f"_c{index}" for index in range(len(frame.columns))]
        frames.append(frame)
        if sum(map(len, frames)) >= EXAMPLE_ROWS:
            break
    return pd.concat(frames, ignore_index=True).head(EXAMPLE_ROWS)


def _read_sample(path: Path) -> Any:
    import pandas as pd

    readers = {
        ".csv": pd.read_csv,
        ".parquet": pd.read_parquet,
        ".pq": pd.read_parquet,
        ".json": _read_json_rows,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise UsageError(
            f"--sample {path}: unknown file type", hint="use a .csv, .parquet or .json file"
        )
    try:
        return reader(path)
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"Cannot read --sample {path}: {exc}", hint="give a CSV, Parquet or JSON (records) file"
        ) from exc


def _read_json_rows(path: Path) -> Any:
    import pandas as pd

    return pd.read_json(path, orient="records")
