"""The result of a check: every analysed pipeline and its findings, and the formats to show it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from kedro_servecheck import __version__
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
                order.get(f.pipeline, len(order)),
                f.severity.rank,
                f.code,
                (0, f.location.path, f.location.line) if f.location else (1, "", 0),
                f.dataset or "",
                f.node or "",
            ),
        )

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)

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

    def to_dict(self) -> dict:
        """The JSON report, schema_version 1 (README: "JSON report")."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "kedro-servecheck", "version": __version__},
            "project": {"path": self.project_path(), "package": self.package, "env": self.env},
            "pipelines": [self._pipeline_dict(analysis) for analysis in self.analyses],
            "findings": [finding.to_dict() for finding in self.findings],
            "summary": {
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "infos": self.count(Severity.INFO),
            },
        }

    def _pipeline_dict(self, analysis: Analysis) -> dict:
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


_MODULES = {  # format name: the module (in this package) whose `render` draws it
    "text": "text",
    "concise": "concise",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    "markdown": "markdown",
    "html": "html",
}
FORMATS = tuple(_MODULES)


def formatter(name: str) -> Callable[[Report, bool], str]:
    """The function that renders a report in the format `name` (colour: a terminal is shown)."""
    return import_module(f".{_MODULES[name]}", __name__).render


__all__ = ["FORMATS", "Report", "formatter"]
