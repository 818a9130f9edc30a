"""The model's signature: what a request must send, what it gets back, what it may override.

The input schema comes from the input example; a column the pipeline does not read (the label
of a training table used as the example) is optional, so that requests without it are not
rejected. A column is unread when the pipeline, run on the example without it, runs and
predicts the same. Without an example the signature has only the params schema: requests are
not schema-checked, but per-request parameters still work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kedro_servecheck.exporter.compare import differences

if TYPE_CHECKING:
    from mlflow.models import ModelSignature

MAX_PROBED_COLUMNS = 200  # beyond this, every column of the example stays required


def model_signature(
    predict: Callable[[Any], Any], example: Any | None, params: dict[str, Any]
) -> ModelSignature:
    """The signature of a model that predicts with `predict`, frozen parameters `params`."""
    from mlflow.models import infer_signature

    if example is None:
        return infer_signature(params=params or None)
    output = predict(example)
    signature = infer_signature(example, output, params=params or None)
    unread = unread_columns(predict, example, output)
    return _with_optional(signature, unread) if unread else signature


def unread_columns(predict: Callable[[Any], Any], example: Any, output: Any) -> list[str]:
    """The columns of a DataFrame example without which the prediction stays the same."""
    import pandas as pd

    if not isinstance(example, pd.DataFrame) or len(example.columns) > MAX_PROBED_COLUMNS:
        return []
    return [
        str(column)
        for column in example.columns
        if _predicts_the_same(predict, example.drop(columns=[column]), output)
    ]


def _predicts_the_same(predict: Callable[[Any], Any], data: Any, output: Any) -> bool:
    try:
        return next(differences(predict(data), output), None) is None
    except Exception:  # the pipeline needs that column (a KeyError, most often)
        return False


def _with_optional(signature: ModelSignature, optional: list[str]) -> ModelSignature:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    inputs = Schema(
        [
            ColSpec(spec.type, spec.name, required=spec.name not in optional)
            for spec in signature.inputs.inputs
        ]
    )
    return ModelSignature(inputs=inputs, outputs=signature.outputs, params=signature.params)
