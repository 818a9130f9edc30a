"""Every rule's own valid and invalid examples, run through the real analysis (RuleTester)."""

from __future__ import annotations

import re

import pytest

from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules import ALL_RULES, RULES_BY_CODE
from kedro_servecheck.lint.rules.docs import rule_markdown
from kedro_servecheck.lint.rules.example_project import analyze_example

CATALOGUE = [
    "SC001",
    "SC002",
    "SC101",
    "SC102",
    "SC103",
    "SC104",
    "SC105",
    "SC201",
    "SC202",
    "SC203",
    "SC204",
    "SC205",
    "SC206",
    "SC207",
    "SC301",
    "SC302",
    "SC303",
    "SC304",
    "SC401",
    "SC402",
    "SC501",
    "SC901",
]


def _cases(kind):
    return [
        pytest.param(rule, example, id=f"{rule.code}-{kind}-{index}")
        for rule in ALL_RULES
        for index, example in enumerate(getattr(rule, kind))
    ]


@pytest.mark.parametrize(("rule", "example"), _cases("invalid"))
def test_invalid_example_fires_the_rule(rule, example, tmp_path):
    findings = [f for f in analyze_example(example, tmp_path).findings if f.code == rule.code]
    assert findings, f"{rule.code} did not fire on its invalid example"
    assert all(f.rule == rule.name and f.pipeline == "inference" for f in findings)
    assert any(f.severity is rule.severity for f in findings)


@pytest.mark.parametrize(("rule", "example"), _cases("valid"))
def test_valid_example_does_not_fire_the_rule(rule, example, tmp_path):
    findings = analyze_example(example, tmp_path).findings
    assert not [f for f in findings if f.code == rule.code and f.severity is rule.severity]


def test_catalogue_is_the_designed_one():
    assert [rule.code for rule in ALL_RULES] == CATALOGUE
    assert len({rule.name for rule in ALL_RULES}) == len(ALL_RULES)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_is_documented_in_four_parts(rule):
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.name)
    assert rule.valid
    assert rule.invalid
    text = rule_markdown(rule)
    for heading in ("## What it does", "## Why it matters", "## Example", "## How to fix"):
        assert heading in text
    assert text.startswith(f"# {rule.name} ({rule.code})")


def test_findings_point_at_the_catalog_line(tmp_path):
    rule = RULES_BY_CODE["SC202"]
    (finding,) = [
        f for f in analyze_example(rule.invalid[0], tmp_path).findings if f.code == "SC202"
    ]
    assert (finding.location.path, finding.location.line) == ("conf/base/catalog.yml", 1)
    assert finding.dataset == "model"
    assert finding.severity is Severity.ERROR
