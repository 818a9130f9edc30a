"""Score orders: clean them, build the feature matrix, apply the model, post-process.

Small pandas and numpy steps, as in an inference pipeline whose heavy lifting happened in
training: the benchmark measures what serving adds around them.
"""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression


def clean(orders: pd.DataFrame) -> pd.DataFrame:
    return orders.fillna({"items": 1})


def add_features(cleaned: pd.DataFrame, amount_scale: float) -> np.ndarray:
    """The model's features: the scaled amount, the number of items, a web-order flag."""
    return np.column_stack([cleaned["amount"].to_numpy() * amount_scale,
                            cleaned["items"].to_numpy(), (cleaned["channel"] == "web").to_numpy()])


def predict(features: np.ndarray, model: LogisticRegression) -> np.ndarray:
    return model.predict_proba(features)[:, 1]


def postprocess(scores: np.ndarray, threshold: float) -> pd.DataFrame:
    return pd.DataFrame({"score": scores, "flagged": scores >= threshold})


def step(frame: pd.DataFrame) -> pd.DataFrame:
    """One link of the 50-node chain: a small column operation."""
    return frame.assign(amount=frame["amount"] + 1.0)
