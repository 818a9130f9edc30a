"""SARIF 2.1.0 for GitHub code scanning: the rule catalogue, and one result per finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from kedro_servecheck._version import __version__
from kedro_servecheck.findings import Finding
from kedro_servecheck.lint.docs import rule_markdown
from kedro_servecheck.lint.registry import ALL_RULES
from kedro_servecheck.lint.rules.base import Rule
from kedro_servecheck.printable import printable
from kedro_servecheck.report.ci import LEVELS, display_location, finding_text, fingerprints
from kedro_servecheck.report.json_format import dumps
from kedro_servecheck.report.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/kedro-servecheck/"
SRCROOT = "%SRCROOT%"  # where servecheck runs: the repository root in CI


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log: one run, its driver's rules, and the results."""
    project = report.project_path()
    index = {rule.code: position for position, rule in enumerate(ALL_RULES)}
    results = [
        _result(finding, fingerprint, index, project)
        for finding, fingerprint in zip(
            report.findings, fingerprints(report.findings, project), strict=True
        )
    ]
    driver = {
        "name": "kedro-servecheck",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(rule) for rule in ALL_RULES],
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def render(report: Report, color: bool = False) -> str:
    return dumps(sarif_log(report))


def _rule(rule: Rule) -> dict[str, Any]:
    docs = rule_markdown(rule)
    levels = LEVELS[rule.severity]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.docs().what},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": levels.sarif},
        "properties": {
            "tags": ["kedro", "mlflow", "serving"],
            "precision": "very-high",
            "problem.severity": levels.sarif_problem,
        },
    }


def _result(
    finding: Finding, fingerprint: str, index: dict[str, int], project: str
) -> dict[str, Any]:
    where = display_location(finding, project)
    try:
        artifact = _artifact(where.path)
    except UnicodeEncodeError:  # a lone surrogate that no file name decodes to
        artifact = _artifact(printable(where.path))
    return {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": LEVELS[finding.severity].sarif,
        "message": {"text": finding_text(finding)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": where.line},
                }
            }
        ],
        "fingerprints": {"servecheck/v1": fingerprint},
        "properties": {
            key: value
            for key, value in (
                ("pipeline", finding.pipeline),
                ("dataset", finding.dataset),
                ("node", finding.node),
            )
            if value
        },
    }


def _artifact(path: str) -> dict[str, str]:
    """The artifact location of `path`, percent-encoded; a file name that is not UTF-8 (a
    byte Python decodes as a lone surrogate) as the bytes the file system has."""
    if Path(path).is_absolute():  # the project is outside the working directory
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, errors="surrogateescape"), "uriBaseId": SRCROOT}
