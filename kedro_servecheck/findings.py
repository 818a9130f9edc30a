"""What a rule reports: a finding, its severity and where it points."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """How much a finding matters; errors fail the gate, warnings fail it with `--strict`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=True)
class Location:
    """A line in a file, the path relative to the project root."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Finding:
    """One rule violation (or note) about one serving pipeline."""

    code: str
    rule: str
    severity: Severity
    message: str
    pipeline: str | None = None
    dataset: str | None = None
    node: str | None = None
    location: Location | None = None
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as in the JSON report (schema_version 1)."""
        return {
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "pipeline": self.pipeline,
            "dataset": self.dataset,
            "node": self.node,
            "location": (
                {"path": self.location.path, "line": self.location.line} if self.location else None
            ),
        }
