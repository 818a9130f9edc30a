"""What a rule is: a code, a name, a default severity, its documentation, options and examples.

A rule's documentation is its class docstring, written once in ruff's parts: a first line
"Fires when …." (the summary), then `## What it does`, `## Why it matters` and `## How to fix`.
`servecheck rule CODE`, the SARIF rule help and the README's rule table are made from it; the
example and the "use instead" come from the rule's first invalid and valid examples.
"""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, ClassVar

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.findings import Finding, Location, Severity

SECTIONS = ("What it does", "Why it matters", "How to fix")
_SUMMARY = re.compile(r"Fires when (?P<summary>.+)\.")
_OPTION_KINDS: dict[type, tuple[str, str]] = {  # type -> its name, and "must be …" words
    bool: ("boolean", "true or false"),
    int: ("integer", "an integer"),
    float: ("number", "a number"),
    str: ("string", "a string"),
    list: ("list of strings", "a list of strings"),
}


@dataclass(frozen=True)
class Option:
    """A setting of one rule, set in `[tool.servecheck.rules.<rule-name>]`.

    `type` is bool, int, float, str, or list (a list of strings). `check`, if given, is
    called on a value of that type and raises ValueError, saying what is wrong, when the value
    is not one the rule can use (a size that does not parse).
    """

    name: str  # kebab-case, as written in pyproject.toml
    type: type
    default: Any
    doc: str
    check: Callable[[Any], object] | None = None

    def __post_init__(self) -> None:
        if self.type not in _OPTION_KINDS:
            raise TypeError(f"option '{self.name}': type must be one of {list(_OPTION_KINDS)}")
        if not self.accepts(self.default):
            raise TypeError(f"option '{self.name}': the default is not {self.expected}")
        if self.check:
            self.check(self.default)

    @property
    def type_name(self) -> str:
        """How the documentation names the type: `integer`, `list of strings`…"""
        return _OPTION_KINDS[self.type][0]

    @property
    def expected(self) -> str:
        """What a value must be, in words: `an integer`, `true or false`…"""
        return _OPTION_KINDS[self.type][1]

    def accepts(self, value: Any) -> bool:
        """Whether `value`, as read from TOML, is of this option's type."""
        if self.type is list:
            return isinstance(value, list) and all(isinstance(item, str) for item in value)
        if self.type is float:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.type is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, self.type)


@dataclass(frozen=True)
class Example:
    """A tiny project a rule is tested on, written the way its documentation shows it.

    `pipeline` (and `training`, which makes the pipeline a kedro-mlflow PipelineML) has one
    node a line: `name(input, …) -> output, …`; a node named `lambda` is built from a lambda.
    `catalog` and `parameters` are YAML; `files` are created under the project root, each
    `file_size` bytes long (of zeros; empty by default).
    `stubbed` names packages the project imports that are not installed (servecheck stubs
    them). `options` set the rule's own options. An invalid example states a fragment of the
    message it expects (`expect_message`) and the line its first finding points at
    (`expect_line`, None when the finding has no location).
    """

    pipeline: str
    catalog: str = ""
    parameters: str = ""
    files: tuple[str, ...] = ()
    file_size: int = 0
    input: str | None = None
    output: str | None = None
    training: str | None = None
    stubbed: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    expect_message: str | None = None
    expect_line: int | None = None


@dataclass(frozen=True)
class SuppressionInVain:
    """A suppression comment that suppressed nothing (or names an unknown code), and why."""

    location: Location
    comment: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class RuleContext:
    """What a rule's `check` sees: the analysed pipeline and the rule's options.

    `artifacts_required`: the check runs after training (`require-artifacts`, or before an
    export), so an artifact that a pipeline would produce must be on disk already.
    `suppressions_in_vain` is filled only for rules that run after the suppression pass.
    """

    analysis: Analysis
    options: Mapping[str, Any] = field(default_factory=dict)
    artifacts_required: bool = False
    suppressions_in_vain: tuple[SuppressionInVain, ...] = ()


class At(Enum):
    """Where a finding points by default."""

    DATASET = "where the finding's dataset is declared, else the first node that reads it"


@dataclass(frozen=True)
class RuleDocs:
    """A rule's documentation, parsed from its class docstring (paragraphs: blank lines)."""

    summary: str  # when it fires, as in "Fires when <summary>."
    what: str
    why: str
    fix: str


class Rule(ABC):
    """A check of one serving pipeline; subclasses set the class attributes and `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    options: ClassVar[tuple[Option, ...]] = ()
    valid: ClassVar[tuple[Example, ...]]
    invalid: ClassVar[tuple[Example, ...]]
    after_suppressions: ClassVar[bool] = False  # runs once, on what the other rules left

    @abstractmethod
    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """The findings of this rule about `ctx.analysis`."""

    @classmethod
    def docs(cls) -> RuleDocs:
        """The documentation of this rule, from its docstring."""
        return _parse_docs(cls)

    @property
    def summary(self) -> str:
        return self.docs().summary

    def finding(
        self,
        ctx: RuleContext,
        message: str,
        *,
        dataset: str | None = None,
        node: str | None = None,
        location: Location | At | None = At.DATASET,
        hint: str | None = None,
    ) -> Finding:
        """A finding of this rule about `ctx`'s pipeline; the hint defaults to the rule's fix."""
        analysis = ctx.analysis
        if location is At.DATASET:
            location = analysis.dataset_location(dataset) if dataset else None
        return Finding(
            code=self.code,
            rule=self.name,
            severity=self.severity,
            message=message,
            pipeline=analysis.name,
            dataset=dataset,
            node=node,
            location=location,
            hint=hint or " ".join(self.docs().fix.split()),
        )


@cache
def _parse_docs(rule: type[Rule]) -> RuleDocs:
    """Split a rule's docstring into its summary and its sections, each one paragraph."""
    text = inspect.cleandoc(rule.__doc__ or "")
    first, _, rest = text.partition("\n")
    summary = _SUMMARY.fullmatch(first.strip())
    if summary is None:
        raise ValueError(f"{rule.__name__}: the docstring must start with 'Fires when ….'")
    sections: dict[str, str] = {}
    for block in re.split(r"^## ", rest, flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        paragraphs = (" ".join(part.split()) for part in re.split(r"\n\s*\n", body))
        sections[heading.strip()] = "\n\n".join(filter(None, paragraphs))
    missing = [heading for heading in SECTIONS if not sections.get(heading)]
    if missing or len(sections) != len(SECTIONS):
        raise ValueError(
            f"{rule.__name__}: the docstring needs exactly the sections {', '.join(SECTIONS)}"
        )
    return RuleDocs(summary["summary"], *(sections[heading] for heading in SECTIONS))
