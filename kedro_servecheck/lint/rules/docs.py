"""A rule's documentation as Markdown, in ruff's four parts, with its first example."""

from __future__ import annotations

import dataclasses

from kedro_servecheck.lint.rules.base import Example, Rule


def rule_markdown(rule: Rule) -> str:
    """`servecheck rule CODE`: what it does, why it matters, example, how to fix."""
    parts = [
        f"# {rule.name} ({rule.code})",
        f"Default severity: {rule.severity.value}. Fires when {rule.summary}.",
        "## What it does",
        _paragraph(rule.what),
        "## Why it matters",
        _paragraph(rule.why),
        "## Example",
        example_markdown(rule.invalid[0]),
        "## How to fix",
        _paragraph(rule.fix),
    ]
    return "\n\n".join(parts) + "\n"


def rule_dict(rule: Rule) -> dict:
    """`servecheck rule CODE --format json`: the same documentation, as data."""

    def example(item: Example) -> dict:
        return {key: value for key, value in dataclasses.asdict(item).items() if value}

    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "summary": rule.summary,
        "what": _paragraph(rule.what),
        "why": _paragraph(rule.why),
        "fix": _paragraph(rule.fix),
        "examples": {
            "valid": [example(e) for e in rule.valid],
            "invalid": [example(e) for e in rule.invalid],
        },
    }


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
    flags = [f"--input {example.input}"] * bool(example.input)
    flags += [f"--output {example.output}"] * bool(example.output)
    if example.stubbed:
        lines.append(
            f"Not installed here: {', '.join(example.stubbed)} (imported by the project's code)."
        )
    existing = ", ".join(example.files) if example.files else "none"
    lines.append(
        f"Files on disk: {existing}." + (f" Checked with {' '.join(flags)}." if flags else "")
    )
    return "\n".join(lines)


def _paragraph(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines())
