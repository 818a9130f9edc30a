"""Dataset factory patterns matched and filled in as Kedro 1.x does, each compiled once.

Kedro's `CatalogConfigResolver` compiles a pattern (`parse.parse`) again for every name it
tries it on and for every value it fills in, so resolving each dataset of a pipeline of
10,000 nodes took longer than Kedro takes to build the pipeline (docs/benchmarks.md). This
matches in Kedro's order, the most specific pattern first (`list_patterns()`), and fills in
as Kedro does: every string value with a `}`, through dicts, lists and tuples, is formatted
with the values of the placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import parse

_PLACEHOLDERS = re.compile(r"\{.*?\}")  # Kedro's own definition of a placeholder


class FactoryPatterns:
    """Patterns in matching order, each with its configuration and its compiled parser."""

    def __init__(self, patterns: Iterable[str], configs: Mapping[str, dict[str, Any]]):
        self._parsers = {pattern: parse.compile(pattern) for pattern in patterns}
        self._configs = configs

    def resolve(self, name: str) -> tuple[str, dict[str, Any]] | None:
        """The first pattern `name` matches and its configuration filled in, or None."""
        for pattern, parser in self._parsers.items():
            found = parser.parse(name)
            if found is not None:
                return pattern, _fill(self._configs[pattern], found.named)
        return None


def _fill(config: Any, values: dict[str, Any]) -> Any:
    """A copy of `config` with its placeholders filled in (Kedro's `_resolve_dataset_config`)."""
    if isinstance(config, dict):
        return {key: _fill(value, values) for key, value in config.items()}
    if type(config) in (list, tuple):
        return [_fill(value, values) for value in config]
    if isinstance(config, str) and "}" in config:
        return config.format_map(values)
    return config


def is_catch_all(pattern: str) -> bool:
    """Whether `pattern` has no character outside its placeholders (`{name}`): Kedro's
    catch-all pattern, tried after every other pattern."""
    return not _PLACEHOLDERS.sub("", pattern)
