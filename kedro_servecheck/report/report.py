"""The result of a check: every analysed pipeline and its findings, as data.

Every report format is a view of it (`to_dict()` is the JSON report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kedro_servecheck._version import __version__
from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.catalog.resolve import display_path
from kedro_servecheck.findings import Finding, Severity

SCHEMA_VERSION = 1


@dataclass
class Report:
    """What `check` found: one entry per serving pipeline, findings in a stable order."""

    project_root: Path
    package: str
    env: str
    analyses: list[Analysis]
    strict: bool = False
    findings: list[Finding] = field(init=False)

    def __post_init__(self) -> None:
        order = {analysis.name: index for index, analysis in enumerate(self.analyses)}
        self.findings = sorted(
            (finding for analysis in self.analyses for finding in analysis.findings),
            key=lambda f: (
                order.get(f.pipeline or "", len(order)),
                f.severity.rank,
                f.code,
                (0, f.location.path, f.location.line) if f.location else (1, "", 0),
                f.dataset or "",
                f.node or "",
            ),
        )

    def counts(self, analysis: Analysis | None = None) -> dict[str, int]:
        """How many findings of each severity, of one pipeline or of all: `{"error": 2, …}`."""
        findings = self.findings if analysis is None else self.findings_of(analysis)
        return {
            severity.value: sum(f.severity is severity for f in findings) for severity in Severity
        }

    def findings_of(self, analysis: Analysis) -> list[Finding]:
        """The findings of one pipeline, in report order."""
        return [finding for finding in self.findings if finding.pipeline == analysis.name]

    @property
    def failing_severities(self) -> set[Severity]:
        return {Severity.ERROR, Severity.WARNING} if self.strict else {Severity.ERROR}

    @property
    def failed(self) -> bool:
        """True when the gate fails: an error, or a warning with `strict`."""
        return any(finding.severity in self.failing_severities for finding in self.findings)

    def status(self, analysis: Analysis) -> str:
        """ "fail" when the pipeline has a finding that fails the gate, else "pass"."""
        failing = self.failing_severities
        return "fail" if any(f.severity in failing for f in analysis.findings) else "pass"

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def project_path(self) -> str:
        """The project folder as shown: relative to the working directory when inside it."""
        try:
            return self.project_root.relative_to(Path.cwd()).as_posix() or "."
        except ValueError:
            return self.project_root.as_posix()

    def to_dict(self) -> dict[str, Any]:
        """The JSON report, schema_version 1 (README: "JSON report")."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "kedro-servecheck", "version": __version__},
            "project": {"path": self.project_path(), "package": self.package, "env": self.env},
            "pipelines": [self._pipeline_dict(analysis) for analysis in self.analyses],
            "findings": [finding.to_dict() for finding in self.findings],
            "summary": {f"{severity}s": count for severity, count in self.counts().items()},
        }

    def _pipeline_dict(self, analysis: Analysis) -> dict[str, Any]:
        return {
            "name": analysis.name,
            "data_input": analysis.data_input,
            "outputs": analysis.outputs,
            "inputs": [
                {
                    "name": free.name,
                    "role": free.role.value,
                    "dataset_type": free.spec.type.short if free.spec else None,
                    "filepath": display_path(free.spec, self.project_root) if free.spec else None,
                }
                for free in analysis.inputs
            ],
            "status": self.status(analysis),
        }
