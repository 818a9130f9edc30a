"""The benchmark projects, made in a temp folder from the templates under `projects/`.

Each project is copied out of the repository first, so that nothing a run writes (Python
caches, MLflow runs, models) lands in it. The data and artifacts are made here, from a fixed
seed: the spaceflights project gets placeholders (the check never reads an artifact), the
scoring project a fitted scikit-learn model and a few orders to predict on.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

TEMPLATES = Path(__file__).resolve().parent / "projects"
REGRESSOR_VERSION = "2026-01-01T00.00.00.000Z"
EXAMPLE_ORDERS = 10  # rows of the data input's own file, read for signatures and examples


def spaceflights(parent: Path) -> Path:
    """The spaceflights tutorial project with an inference pipeline; it imports scikit-learn."""
    root = _copy("spaceflights", parent)
    for placeholder in (
        "data/02_intermediate/preprocessed_companies.parquet",
        f"data/06_models/regressor.pickle/{REGRESSOR_VERSION}/regressor.pickle",
    ):
        (root / placeholder).parent.mkdir(parents=True, exist_ok=True)
        (root / placeholder).touch()
    return root


def scoring(parent: Path) -> Path:
    """The scoring project: orders to predict on, a fitted model, kedro-mlflow's mlflow.yml.

    kedro-mlflow's `modelify` logs to the tracking server of `conf/local/mlflow.yml`: a SQLite
    store in `parent` (MLflow's file store is in maintenance mode).
    """
    root = _copy("scoring", parent)
    raw = root / "data/01_raw/orders.csv"
    raw.parent.mkdir(parents=True)
    orders(EXAMPLE_ORDERS).to_csv(raw, index=False)
    model = root / "data/06_models/model.pkl"
    model.parent.mkdir(parents=True)
    model.write_bytes(pickle.dumps(_fitted_model()))
    (root / "conf/local/mlflow.yml").write_text(
        f"server:\n  mlflow_tracking_uri: {tracking_uri(parent)}\n"
    )
    return root


def tracking_uri(parent: Path) -> str:
    """The SQLite tracking store of the scoring project made in `parent`."""
    return f"sqlite:///{(parent / 'mlflow.db').resolve()}"


def orders(rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` orders to score: id, amount, number of items, channel."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "order_id": np.arange(rows, dtype="int64"),
            "amount": rng.gamma(2.0, 50.0, rows).round(2),
            "items": rng.integers(1, 6, rows).astype("int64"),
            "channel": rng.choice(["web", "store"], rows),
        }
    )


def _fitted_model():
    """A logistic regression on the scoring project's features (amount scaled, items, web)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    features = np.column_stack(
        [rng.gamma(2.0, 0.5, 500), rng.integers(1, 6, 500), rng.integers(0, 2, 500)]
    )
    target = features[:, 0] + 0.3 * features[:, 2] + rng.normal(0.0, 0.5, 500) > 1.2
    return LogisticRegression().fit(features, target.astype(int))


def _copy(name: str, parent: Path) -> Path:
    target = parent / name
    shutil.copytree(TEMPLATES / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
