"""The input example: from `--sample`, else a few rows of the data input's own dataset, else
none (the data input is not a file in the catalog: it only ever comes with requests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro_servecheck.analysis.analysis import Analysis
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
        data = AbstractDataset.from_config(spec.name, dict(spec.config)).load()
    return data.head(EXAMPLE_ROWS) if isinstance(data, pd.DataFrame) else data


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
