"""Suppression comments where the object lives: `# servecheck: ignore[SC202,SC207] reason`.

A comment after code (a catalog or parameter key, a node function's `def`) applies to its
own line; a comment alone on its line applies to the line below. A finding is suppressed
when it points at that line and its code is named. Only files under the project's conf/
and src/ are read, each once and without importing anything: those the findings point at,
and the catalog files of the environment, so that a suppression on an entry without any
finding is reported as unused (SC901).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kedro_servecheck.findings import Finding, Location
from kedro_servecheck.lint.registry import did_you_mean, is_rule_code
from kedro_servecheck.lint.rules.base import SuppressionInVain
from kedro_servecheck.lint.selection import parse_codes
from kedro_servecheck.load.project import Project

_DIRECTIVE = re.compile(r"(?:^|(?<=\s))#\s*servecheck:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?")
_SCANNED_FOLDERS = ("conf", "src")


@dataclass(frozen=True)
class Suppression:
    """One suppression comment: where it is, the line it applies to, the codes it names."""

    location: Location
    target: int
    codes: tuple[str, ...]

    def covers(self, finding: Finding) -> bool:
        """Whether this comment suppresses `finding`."""
        return (
            finding.location is not None
            and finding.location.path == self.location.path
            and finding.location.line == self.target
            and finding.code in self.codes
        )

    @property
    def comment(self) -> str:
        """The directive as it would be written (without the reason)."""
        return f"# servecheck: ignore[{','.join(self.codes)}]"


def parse_suppressions(text: str, path: str) -> list[Suppression]:
    """The suppression comments in `text`, the content of the file shown as `path`."""
    found = []
    for number, before, comment in _comments(text, path):
        directive = _DIRECTIVE.search(comment)
        if directive:
            target = number if before.strip() else number + 1
            found.append(
                Suppression(
                    Location(path, number),
                    target,
                    parse_codes([directive["codes"] or ""]),
                )
            )
    return found


class Suppressions:
    """The suppression comments of a project's scanned files, and the codes each one used."""

    def __init__(self, suppressions: Iterable[Suppression]):
        self.suppressions = list(suppressions)
        self._used: set[tuple[Suppression, str]] = set()

    @classmethod
    def scan(cls, project: Project, findings: Iterable[Finding]) -> Suppressions:
        """The comments of the files `findings` point at and of the env's catalog files."""
        paths = {finding.location.path for finding in findings if finding.location}
        paths.update(project.catalog_locations.files)
        scanned = sorted(path for path in paths if _is_scanned(path))
        return cls(
            suppression
            for path in scanned
            for suppression in parse_suppressions(_read(project.root / path), path)
        )

    def suppresses(self, finding: Finding) -> bool:
        """Whether a comment suppresses `finding` (each comment that does is marked used)."""
        covering = [s for s in self.suppressions if s.covers(finding)]
        self._used.update((suppression, finding.code) for suppression in covering)
        return bool(covering)

    def in_vain(self, ran: Collection[str]) -> Iterator[SuppressionInVain]:
        """Each comment that names a code in vain, with why, in file order.

        A code in vain is unknown, or belongs to a rule that ran (`ran`) and suppressed
        nothing here; codes of rules that did not run are not judged.
        """
        for suppression in self.suppressions:
            problems = [] if suppression.codes else ["it names no rule code"]
            for code in suppression.codes:
                if not is_rule_code(code):
                    problems.append(f"unknown code {code}{did_you_mean(code)}")
                elif code in ran and (suppression, code) not in self._used:
                    problems.append(f"no {code} finding on line {suppression.target} to suppress")
            if problems:
                yield SuppressionInVain(suppression.location, suppression.comment, tuple(problems))


def _comments(text: str, path: str) -> Iterator[tuple[int, str, str]]:
    """(line number, code before the comment, comment) for each comment of a file."""
    if path.endswith(".py"):
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.COMMENT:
                    row, column = token.start
                    yield row, token.line[:column], token.string
        except (tokenize.TokenError, SyntaxError):
            return  # a file Python cannot read: the project would not have loaded
    else:  # YAML: a `#` that starts the line or follows a space
        for number, line in enumerate(text.splitlines(), 1):
            directive = _DIRECTIVE.search(line)
            if directive:
                yield number, line[: directive.start()], line[directive.start() :]


def _is_scanned(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return not PurePosixPath(path).is_absolute() and bool(parts) and parts[0] in _SCANNED_FOLDERS


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
