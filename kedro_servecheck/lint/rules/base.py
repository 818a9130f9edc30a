"""What a rule is: a code, a name, a default severity, its documentation and examples."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from kedro_servecheck.findings import Finding, Location, Severity

if TYPE_CHECKING:
    from kedro_servecheck.analysis.analysis import Analysis


@dataclass(frozen=True)
class Example:
    """A tiny project a rule is tested on, written the way its documentation shows it.

    `pipeline` (and `training`, which makes the pipeline a kedro-mlflow PipelineML) has one
    node a line: `name(input, …) -> output, …`; a node named `lambda` is built from a lambda.
    `catalog` and `parameters` are YAML; `files` are created (empty) under the project root.
    `stubbed` names packages the project imports that are not installed (servecheck stubs them).
    """

    pipeline: str
    catalog: str = ""
    parameters: str = ""
    files: tuple[str, ...] = ()
    input: str | None = None
    output: str | None = None
    training: str | None = None
    stubbed: tuple[str, ...] = ()


class Rule:
    """A check of one serving pipeline; subclasses set the class attributes and `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line: when it fires
    what: ClassVar[str]  # what it does
    why: ClassVar[str]  # why it matters
    fix: ClassVar[str]  # how to fix it
    valid: ClassVar[tuple[Example, ...]]
    invalid: ClassVar[tuple[Example, ...]]

    def check(self, analysis: Analysis) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(
        self,
        analysis: Analysis,
        message: str,
        *,
        dataset: str | None = None,
        node: str | None = None,
        location: Location | None = ...,  # default: where `dataset` is declared or read
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule about `analysis`'s pipeline."""
        if location is ...:
            location = analysis.dataset_location(dataset) if dataset else None
        return Finding(
            code=self.code,
            rule=self.name,
            severity=severity or self.severity,
            message=message,
            pipeline=analysis.name,
            dataset=dataset,
            node=node,
            location=location,
            hint=hint or " ".join(self.fix.split()),
        )
