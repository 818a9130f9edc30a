"""What the CI formats share: where a finding points, its title and text, its severity's names.

CI systems read paths relative to where servecheck runs (the repository root), so locations are
prefixed with the project path; and they need a file for every finding, so a finding without a
location points at the project's `pyproject.toml`, line 1.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from kedro_servecheck.findings import Finding, Location, Severity
from kedro_servecheck.printable import printable

FALLBACK = Location("pyproject.toml", 1)


@dataclass(frozen=True)
class Levels:
    """How each CI format names a severity."""

    sarif: str  # result and rule `level`
    sarif_problem: str  # rule property `problem.severity`
    github: str  # workflow command
    gitlab: str  # Code Quality `severity`


LEVELS: dict[Severity, Levels] = {
    Severity.ERROR: Levels(sarif="error", sarif_problem="error", github="error", gitlab="major"),
    Severity.WARNING: Levels(
        sarif="warning", sarif_problem="warning", github="warning", gitlab="minor"
    ),
    Severity.INFO: Levels(
        sarif="note", sarif_problem="recommendation", github="notice", gitlab="info"
    ),
}


def display_location(finding: Finding, project_path: str) -> Location:
    """Where `finding` points, relative to where servecheck runs (`project_path` is the prefix)."""
    location = finding.location or FALLBACK
    if project_path == ".":
        return location
    return Location(PurePosixPath(project_path, location.path).as_posix(), location.line)


def title(finding: Finding) -> str:
    """`SC202 artifact-missing`."""
    return f"{finding.code} {finding.rule}"


def finding_text(finding: Finding) -> str:
    """The message, then the fix on a second line, each printable (the only line break)."""
    message = printable(finding.message)
    return f"{message}\nfix: {printable(finding.hint)}" if finding.hint else message


def unique(names: Iterable[str]) -> list[str]:
    """`names` in order, a repeated one suffixed ` (2)`, ` (3)`… so that all differ."""
    used: set[str] = set()
    result = []
    for name in names:
        candidate, count = name, 1
        while candidate in used:
            count += 1
            candidate = f"{name} ({count})"
        used.add(candidate)
        result.append(candidate)
    return result


def fingerprints(findings: Iterable[Finding], project_path: str) -> list[str]:
    """A stable id per finding, unique in the list: a hash of what it is about, not of its line.

    The identity is (code, pipeline, dataset, node, path), so an edit above a finding keeps
    its fingerprint; findings with the same identity are told apart by their order.
    """
    identities = [
        json.dumps([f.code, f.pipeline, f.dataset, f.node, display_location(f, project_path).path])
        for f in findings
    ]
    return [hashlib.sha256(identity.encode()).hexdigest() for identity in unique(identities)]
