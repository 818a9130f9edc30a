"""Every rule's own examples through the real analysis (RuleTester), and the catalogue itself."""

from __future__ import annotations

import inspect
import pkgutil
import re
from importlib import import_module

import pytest
from example_project import analyze_example

from kedro_servecheck.findings import Severity
from kedro_servecheck.lint import rules as rules_package
from kedro_servecheck.lint.docs import rule_markdown, rules_table
from kedro_servecheck.lint.registry import ALL_RULES, FAMILIES, RULES_BY_CODE
from kedro_servecheck.lint.rules.base import SECTIONS, Rule
from kedro_servecheck.lint.settings import Settings

from conftest import REPO


def _cases(kind: str) -> list:
    return [
        pytest.param(rule, index, example, id=f"{rule.code}-{kind}-{index}")
        for rule in ALL_RULES
        for index, example in enumerate(getattr(rule, kind))
    ]


def _shown(finding, root) -> str:
    """A finding as the snapshot holds it: where, code, severity, message, fix."""
    where = str(finding.location) if finding.location else "(no location)"
    head = f"{where}: {finding.code} [{finding.severity.value}] {finding.message}"
    return f"{head}\n  fix: {finding.hint}\n"


@pytest.mark.parametrize(("rule", "index", "example"), _cases("invalid"))
def test_invalid_example(rule, index, example, tmp_path, snapshot):
    """The rule fires, at its own severity, with the message and line the example states;
    every finding it makes is pinned in tests/snapshots/test_rule_examples/."""
    findings = [f for f in analyze_example(rule, example, tmp_path).findings if f.code == rule.code]
    assert findings, f"{rule.code} did not fire on its invalid example"
    first = findings[0]
    assert first.severity is rule.severity
    assert example.expect_message, f"{rule.code} invalid[{index}] states no expected message"
    assert example.expect_message in first.message
    assert (first.location.line if first.location else None) == example.expect_line
    snapshot.snapshot_dir = REPO / "tests/snapshots/test_rule_examples"
    snapshot.assert_match(
        "".join(_shown(f, tmp_path) for f in findings), f"{rule.code}-{index}.txt"
    )


@pytest.mark.parametrize(("rule", "index", "example"), _cases("valid"))
def test_valid_example_does_not_fire(rule, index, example, tmp_path):
    findings = analyze_example(rule, example, tmp_path).findings
    assert [f.message for f in findings if f.code == rule.code] == []


def _rule_classes() -> list[tuple[str, type[Rule]]]:
    """(module name, class) for every concrete Rule subclass defined under lint/rules/."""
    found = []
    for module_info in pkgutil.iter_modules(rules_package.__path__):
        module = import_module(f"{rules_package.__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            defined_here = cls.__module__ == module.__name__
            if issubclass(cls, Rule) and defined_here and not inspect.isabstract(cls):
                found.append((module_info.name, cls))
    return found


def test_every_rule_class_is_registered_once():
    registered = [type(rule) for rule in ALL_RULES]
    assert sorted(cls.__name__ for _, cls in _rule_classes()) == sorted(
        cls.__name__ for cls in registered
    )
    assert len(set(registered)) == len(registered)


def test_codes_and_names_are_unique_and_sorted():
    codes = [rule.code for rule in ALL_RULES]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert len({rule.name for rule in ALL_RULES}) == len(ALL_RULES)
    assert all(re.fullmatch(r"SC\d{3}", code) for code in codes)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_each_code_lives_in_the_module_of_its_family(rule):
    assert type(rule).__module__ == FAMILIES[rule.code[:3]].__name__


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_docstring_has_ruffs_parts(rule):
    """The source text, not what is made of it: a summary line, then each section, in order,
    each with words in it; a name in kebab case; examples of both kinds."""
    source = inspect.getdoc(type(rule)) or ""
    first, _, rest = source.partition("\n")
    assert re.fullmatch(r"Fires when [a-z`].+\.", first), first
    headings = re.findall(r"^## (.+)$", rest, flags=re.M)
    assert headings == list(SECTIONS)
    for body in re.split(r"^## .+$", rest, flags=re.M)[1:]:
        assert len(body.split()) >= 5, body
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.name)
    assert rule.valid
    assert rule.invalid


def test_rule_markdown_shows_the_first_examples_as_example_and_use_instead():
    rule = RULES_BY_CODE["SC202"]
    text = rule_markdown(rule)
    example, _, use_instead = text.partition("Use instead:")
    assert "Files on disk: none." in example
    assert "Files on disk: data/06_models/model.pkl." in use_instead.split("## How to fix")[0]
    assert rule.docs().why in text


def test_readme_rule_table_is_the_catalogue():
    """The README's table is `servecheck rules --format markdown`, row for row."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = re.search(r"^\| code \| name \|.*?\n(?=\n)", readme, flags=re.M | re.S)
    assert table, "README.md has no rule table"
    assert table.group(0) == rules_table()


def test_the_pruning_note_is_an_info_of_its_own_whatever_sc002_is_set_to(tmp_path):
    """SC003 is its own rule: making SC002 a warning does not make `--output` fail --strict."""
    pruned = RULES_BY_CODE["SC003"].invalid[0]
    settings = Settings(severity={"SC002": Severity.WARNING})
    findings = analyze_example(RULES_BY_CODE["SC003"], pruned, tmp_path, settings).findings
    assert [(f.code, f.severity) for f in findings] == [("SC003", Severity.INFO)]
