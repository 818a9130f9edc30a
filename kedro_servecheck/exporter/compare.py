"""Whether two predictions are equal, whatever they are, and a short diff when they are not.

A served pipeline may return a DataFrame, a Series, an ndarray, a dict of those, a list, a
string label… `--verify` compares the exported model's prediction with Kedro's own run by
walking both: numbers within floating-point tolerance, everything else by equality, pandas
objects column by column, and it names the first place they differ.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_SHOWN = 60  # characters of a value shown in a difference


def differences(actual: Any, expected: Any, where: str = "prediction") -> Iterator[str]:
    """Where `actual` differs from `expected`, one line each, the first ones first."""
    import numpy as np
    import pandas as pd

    if isinstance(expected, pd.DataFrame) or isinstance(actual, pd.DataFrame):
        yield from _frames(actual, expected, where)
    elif isinstance(expected, pd.Series) or isinstance(actual, pd.Series):
        yield from _sequences(_listed(actual), _listed(expected), where)
    elif isinstance(expected, np.ndarray) or isinstance(actual, np.ndarray):
        actual_array, expected_array = np.asarray(actual), np.asarray(expected)
        if actual_array.shape != expected_array.shape:
            yield f"{where}: shape {actual_array.shape} != {expected_array.shape}"
        else:
            yield from _sequences(actual_array.tolist(), expected_array.tolist(), where)
    elif isinstance(expected, Mapping) and isinstance(actual, Mapping):
        if set(actual) != set(expected):
            yield f"{where}: keys {sorted(map(str, actual))} != {sorted(map(str, expected))}"
            return
        for key in expected:
            yield from differences(actual[key], expected[key], f"{where}[{key!r}]")
    elif _is_sequence(expected) and _is_sequence(actual):
        yield from _sequences(list(actual), list(expected), where)
    elif not _scalars_equal(actual, expected):
        yield f"{where}: {_shown(actual)} != {_shown(expected)}"


def _frames(actual: Any, expected: Any, where: str) -> Iterator[str]:
    import pandas as pd

    if not (isinstance(actual, pd.DataFrame) and isinstance(expected, pd.DataFrame)):
        yield f"{where}: a {type(actual).__name__} != a {type(expected).__name__}"
        return
    if list(actual.columns) != list(expected.columns):
        yield f"{where}: columns {list(actual.columns)} != {list(expected.columns)}"
        return
    if len(actual) != len(expected):
        yield f"{where}: {len(actual)} rows != {len(expected)} rows"
        return
    for column in expected.columns:
        yield from _sequences(
            _listed(actual[column]), _listed(expected[column]), f"{where}[{column!r}]"
        )


def _sequences(actual: Sequence[Any], expected: Sequence[Any], where: str) -> Iterator[str]:
    if len(actual) != len(expected):
        yield f"{where}: {len(actual)} items != {len(expected)} items"
        return
    for index, (one, other) in enumerate(zip(actual, expected, strict=True)):
        yield from differences(one, other, f"{where}[{index}]")


def _listed(values: Any) -> list[Any]:
    """A pandas column as plain Python values (categoricals as their values)."""
    import pandas as pd

    return list(pd.Series(values).astype(object))


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _scalars_equal(actual: Any, expected: Any) -> bool:
    import numpy as np

    if isinstance(actual, np.generic):
        actual = actual.item()
    if isinstance(expected, np.generic):
        expected = expected.item()
    if _is_number(actual) and _is_number(expected):
        if math.isnan(actual) and math.isnan(expected):
            return True
        return math.isclose(actual, expected, rel_tol=1e-7, abs_tol=1e-9)
    if _is_missing(actual) and _is_missing(expected):
        return True
    try:
        return bool(actual == expected)
    except (TypeError, ValueError):  # objects whose == is not a bool
        return repr(actual) == repr(expected)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
