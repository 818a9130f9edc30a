"""The rule catalogue: every rule, by code."""

from __future__ import annotations

from collections.abc import Iterable

from kedro_servecheck.findings import Finding
from kedro_servecheck.lint.rules import (
    artifacts,
    data_input,
    environment,
    nodes,
    parameters,
    pipeline,
    pipelineml,
)
from kedro_servecheck.lint.rules import meta as suppressions
from kedro_servecheck.lint.rules.base import Example, Rule

ALL_RULES: tuple[Rule, ...] = (
    *pipeline.RULES,
    *data_input.RULES,
    *artifacts.RULES,
    *parameters.RULES,
    *nodes.RULES,
    *environment.RULES,
    *pipelineml.RULES,
    *suppressions.RULES,
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}


def run_rules(analysis, rules: Iterable[Rule] = ALL_RULES) -> list[Finding]:
    """Every finding of `rules` on `analysis`, in catalogue order."""
    return [finding for rule in rules for finding in rule.check(analysis)]


__all__ = ["ALL_RULES", "RULES_BY_CODE", "Example", "Rule", "run_rules"]
