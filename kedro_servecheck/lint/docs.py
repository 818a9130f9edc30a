"""A rule's documentation as Markdown and as data, and the rule table of the README.

Everything here is made from the rule classes: their docstrings (ruff's parts), their options
and their examples (the first invalid one as the example, the first valid one as "use
instead").
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from kedro_servecheck.catalog.sizes import format_size
from kedro_servecheck.lint.registry import ALL_RULES
from kedro_servecheck.lint.rules.base import Example, Rule


def rule_markdown(rule: Rule) -> str:
    """`servecheck rule CODE`: what it does, why it matters, example, how to fix, options."""
    docs = rule.docs()
    parts = [
        f"# {rule.name} ({rule.code})",
        f"Default severity: {rule.severity.value}. Fires when {docs.summary}.",
        "## What it does",
        docs.what,
        "## Why it matters",
        docs.why,
        "## Example",
        example_markdown(rule.invalid[0]),
        "Use instead:",
        example_markdown(rule.valid[0]),
        "## How to fix",
        docs.fix,
    ]
    if rule.options:
        parts += ["## Options", _options_markdown(rule)]
    return "\n\n".join(parts) + "\n"


def rule_dict(rule: Rule) -> dict[str, Any]:
    """`servecheck rule CODE --format json`: the same documentation, as data."""
    docs = rule.docs()

    def example(item: Example) -> dict[str, Any]:
        return {key: value for key, value in dataclasses.asdict(item).items() if value}

    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "summary": docs.summary,
        "what": docs.what,
        "why": docs.why,
        "fix": docs.fix,
        "options": [
            {"name": o.name, "type": o.type_name, "default": o.default, "doc": o.doc}
            for o in rule.options
        ],
        "examples": {
            "valid": [example(e) for e in rule.valid],
            "invalid": [example(e) for e in rule.invalid],
        },
    }


def rules_table() -> str:
    """The README's rule table (`servecheck rules --format markdown`)."""
    rows = [
        "| code | name | severity | fires when |",
        "|---|---|---|---|",
        *(
            f"| {rule.code} | {rule.name} | {rule.severity.value} | {rule.summary} |"
            for rule in ALL_RULES
        ),
    ]
    return "\n".join(rows) + "\n"


def example_markdown(example: Example) -> str:
    """An example as the files a user would write."""
    blocks = [("text", "pipeline", example.pipeline or "(no node)")]
    if example.training:
        blocks.append(("text", "training pipeline (kedro-mlflow PipelineML)", example.training))
    if example.catalog:
        blocks.append(("yaml", "conf/base/catalog.yml", example.catalog.rstrip()))
    if example.parameters:
        blocks.append(("yaml", "conf/base/parameters.yml", example.parameters.rstrip()))
    lines = []
    for language, title, body in blocks:
        lines += [f"{title}:", f"```{language}", body, "```"]
    flags = [f"--input {example.input}"] * bool(example.input and not example.training)
    flags += [f"--output {example.output}"] * bool(example.output)
    if example.stubbed:
        lines.append(
            f"Not installed here: {', '.join(example.stubbed)} (imported by the project's code)."
        )
    if example.options:
        settings = ", ".join(
            f"{key} = {json.dumps(value)}" for key, value in example.options.items()
        )
        lines.append(f"Options: {settings}.")
    if example.training and example.input:
        lines.append(f"The PipelineML's input_name: {example.input}.")
    existing = ", ".join(example.files) if example.files else "none"
    if example.files and example.file_size:
        existing += f" ({format_size(example.file_size)} each)"
    checked = f" Checked with {' '.join(flags)}." if flags else ""
    lines.append(f"Files on disk: {existing}.{checked}")
    return "\n".join(lines)


def _options_markdown(rule: Rule) -> str:
    lines = [f"Set in `[tool.servecheck.rules.{rule.name}]` of pyproject.toml:", ""]
    lines += [
        f"- `{option.name}` ({option.type_name}, default `{json.dumps(option.default)}`):"
        f" {option.doc}"
        for option in rule.options
    ]
    return "\n".join(lines)
