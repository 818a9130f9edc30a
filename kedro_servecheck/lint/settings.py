"""Settings: `[tool.servecheck]` in the project's pyproject.toml, the command line on top.

Rule selection works like ruff's: the command line's `select` (else the file's, else `ALL`)
is the base, `extend-select` (file and command line) adds rules, `ignore` (file and command
line) removes them. `--strict`/`--no-strict` and `--exit-zero` win over the file. The
`pipelines` tables name the pipelines to check (`analysis.targets` chooses them), and
`[tool.servecheck.rules.<rule-name>]` tables set the options a rule declares.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kedro_servecheck.analysis.targets import PipelineTable, ServingSpec
from kedro_servecheck.errors import UsageError
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.registry import RULES_BY_NAME
from kedro_servecheck.lint.rules.base import Option, Rule
from kedro_servecheck.lint.selection import (
    RuleSelection,
    check_code,
    check_selectors,
    matches,
    parse_codes,
)
from kedro_servecheck.load.project import Project

_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "strict",
    "exit-zero",
    "require-artifacts",
    "stub-missing",
    "severity",
    "ignore-findings",
    "pipelines",
    "rules",
)
_PIPELINE_KEYS = ("input", "output", "frozen")
_IGNORE_FINDINGS_KEYS = ("codes", "dataset", "pipeline", "reason")
_SEVERITIES = ", ".join(f'"{severity.value}"' for severity in Severity)


@dataclass(frozen=True)
class Overrides:
    """Settings given on the command line (or to `check()`); None means "from the file".

    Codes are normalised (comma-separated values split, upper case) and checked on creation,
    before the project is loaded.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool | None = None
    exit_zero: bool | None = None
    require_artifacts: bool | None = None
    stub_missing: bool | None = None

    def __post_init__(self) -> None:
        for name in ("select", "extend_select", "ignore"):
            value = getattr(self, name)
            if value is not None:
                codes = parse_codes([value] if isinstance(value, str) else value)
                check_selectors(codes, f"--{name.replace('_', '-')}")
                object.__setattr__(self, name, codes)


@dataclass(frozen=True)
class IgnoredFindings:
    """An `[[tool.servecheck.ignore-findings]]` entry: findings dropped, and why."""

    codes: tuple[str, ...]
    reason: str
    dataset: str | None = None  # a glob
    pipeline: str | None = None  # a glob

    def matches(self, finding: Finding) -> bool:
        """Whether `finding` is one of those this entry drops."""
        return (
            matches(finding.code, self.codes)
            and _glob_matches(finding.dataset, self.dataset)
            and _glob_matches(finding.pipeline, self.pipeline)
        )

    def to_dict(self) -> dict[str, Any]:
        entry = {
            "codes": list(self.codes),
            "dataset": self.dataset,
            "pipeline": self.pipeline,
            "reason": self.reason,
        }
        return {key: value for key, value in entry.items() if value is not None}


@dataclass(frozen=True)
class Settings:
    """The effective settings of one check."""

    selection: RuleSelection = field(default_factory=RuleSelection)
    strict: bool = False
    exit_zero: bool = False
    require_artifacts: bool = False  # a gate after training: artifacts must be on disk
    stub_missing: bool = False  # stubs for missing third-party packages (load/imports.py)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    ignore_findings: tuple[IgnoredFindings, ...] = ()
    pipelines: Mapping[str, PipelineTable] = field(default_factory=dict)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # by code

    @classmethod
    def resolve(cls, project: Project, overrides: Overrides | None = None) -> Settings:
        """The file's settings with `overrides` on top.

        Raises:
            UsageError: `[tool.servecheck]` has an unknown key or a value of the wrong type.
        """
        overrides = overrides or Overrides()
        table = _FileSettings(project)
        return cls(
            selection=RuleSelection(
                select=_first(overrides.select, table.codes("select"), ("ALL",)),
                extend_select=(*(table.codes("extend-select") or ()), *overrides.extend_select),
                ignore=(*(table.codes("ignore") or ()), *overrides.ignore),
            ),
            strict=_first(overrides.strict, table.flag("strict"), False),
            exit_zero=_first(overrides.exit_zero, table.flag("exit-zero"), False),
            require_artifacts=_first(
                overrides.require_artifacts, table.flag("require-artifacts"), False
            ),
            stub_missing=_first(overrides.stub_missing, table.flag("stub-missing"), False),
            severity=table.severity(),
            ignore_findings=table.ignore_findings(),
            pipelines=table.pipelines(),
            rule_options=table.rule_options(),
        )

    def options_for(self, rule: Rule) -> dict[str, Any]:
        """The value of each option of `rule`: as set in `[tool.servecheck.rules]`, else its
        default."""
        chosen = self.rule_options.get(rule.code, {})
        return {option.name: chosen.get(option.name, option.default) for option in rule.options}

    def adjust(self, finding: Finding) -> Finding:
        """`finding` with its severity overridden by `[tool.servecheck.severity]`, if any."""
        severity = self.severity.get(finding.code)
        return replace(finding, severity=severity) if severity else finding

    def ignores(self, finding: Finding) -> bool:
        """Whether an `ignore-findings` entry drops `finding`."""
        return any(entry.matches(finding) for entry in self.ignore_findings)

    def to_dict(self, env: str, specs: Iterable[ServingSpec]) -> dict[str, Any]:
        """What `--show-settings` prints: the rules that run, and what else applies."""
        rules = self.selection.rules()
        shown: dict[str, Any] = {
            "env": env,
            "select": [rule.code for rule in rules],
            "ignore": list(self.selection.ignore),
            "strict": self.strict,
            "exit-zero": self.exit_zero,
            "require-artifacts": self.require_artifacts,
            "stub-missing": self.stub_missing,
            "severity": {code: severity.value for code, severity in self.severity.items()},
            "ignore-findings": [entry.to_dict() for entry in self.ignore_findings],
            "pipelines": {
                spec.name: {
                    key: value
                    for key, value in (
                        ("input", spec.input),
                        ("output", spec.output),
                        ("frozen", list(spec.frozen)),
                    )
                    if value
                }
                for spec in specs
            },
        }
        options = {rule.name: self.options_for(rule) for rule in rules if rule.options}
        if options:
            shown["rules"] = options
        return shown


def render_settings(settings: dict[str, Any], as_json: bool = False) -> str:
    """`Settings.to_dict()` as JSON, or as the `[tool.servecheck]` TOML it amounts to."""
    if as_json:
        return json.dumps(settings, indent=2) + "\n"
    table = dict(settings)
    lines = [f"# effective settings (env {table.pop('env')})", "[tool.servecheck]"]
    tables = []
    for key, value in table.items():
        if isinstance(value, dict):
            tables += _toml_tables(f"tool.servecheck.{key}", value)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for entry in value:
                tables += ["", f"[[tool.servecheck.{key}]]", *_toml_pairs(entry)]
        else:
            lines += _toml_pairs({key: value})
    return "\n".join(lines + tables) + "\n"


def _toml_tables(name: str, table: dict[str, Any]) -> list[str]:
    """`[name]` with its plain values, then `[name.key]` for each table inside it."""
    pairs = {key: value for key, value in table.items() if not isinstance(value, dict)}
    lines = ["", f"[{name}]", *_toml_pairs(pairs)] if pairs or not table else []
    for key, value in table.items():
        if isinstance(value, dict):
            lines += _toml_tables(f"{name}.{_toml_key(key)}", value)
    return lines


def _toml_pairs(pairs: dict[str, Any]) -> list[str]:
    return [f"{_toml_key(key)} = {json.dumps(value)}" for key, value in pairs.items()]


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


class _FileSettings:
    """The `[tool.servecheck]` table, each value checked as it is read."""

    def __init__(self, project: Project):
        self._table = project.servecheck_table
        self._lines = project.pyproject
        for key in self._table:
            if key not in _KEYS:
                raise _unknown_key(key, "[tool.servecheck]", _KEYS, self._where(key=key))

    def _where(self, *table: str, key: str | None = None, index: int = 0) -> str:
        return self._lines.where(*table, key=key, index=index)

    def codes(self, key: str) -> tuple[str, ...] | None:
        """A list of rule codes or prefixes (None when absent)."""
        if key not in self._table:
            return None
        value = self._table[key]
        where = self._where(key=key)
        _expect(
            _is_strings(value),
            f"`{key}` in [tool.servecheck] must be a list of rule codes",
            where,
            f'{key} = ["SC2", "SC301"]',
        )
        codes = parse_codes(value)
        check_selectors(codes, f"`{key}` of [tool.servecheck]", where)
        return codes

    def flag(self, key: str) -> bool | None:
        """A boolean (None when absent)."""
        value = self._table.get(key)
        _expect(
            value is None or isinstance(value, bool),
            f"`{key}` in [tool.servecheck] must be true or false, not {value!r}",
            self._where(key=key),
            f"{key} = true",
        )
        return value

    def severity(self) -> dict[str, Severity]:
        """`[tool.servecheck.severity]`: rule code -> severity."""
        table = self._table.get("severity", {})
        _expect(
            isinstance(table, dict),
            "`severity` in [tool.servecheck] must be a table",
            self._where(key="severity"),
            '[tool.servecheck.severity] then SC205 = "error"',
        )
        overrides = {}
        for code, value in table.items():
            where = self._where("severity", key=code)
            check_code(code, "[tool.servecheck.severity]", where)
            _expect(
                value in {severity.value for severity in Severity},
                f"the severity of {code} in [tool.servecheck.severity] must be one of"
                f" {_SEVERITIES}, not {value!r}",
                where,
                f'{code} = "error"',
            )
            overrides[code] = Severity(value)
        return overrides

    def ignore_findings(self) -> tuple[IgnoredFindings, ...]:
        """`[[tool.servecheck.ignore-findings]]`: each entry needs `codes` and a `reason`."""
        entries = self._table.get("ignore-findings", [])
        example = '[[tool.servecheck.ignore-findings]] with codes = ["SC202"], reason = "…"'
        _expect(
            isinstance(entries, list) and all(isinstance(e, dict) for e in entries),
            "`ignore-findings` in [tool.servecheck] must be an array of tables",
            self._where(key="ignore-findings"),
            example,
        )
        return tuple(self._ignored(entry, index) for index, entry in enumerate(entries))

    def _ignored(self, entry: dict[str, Any], index: int) -> IgnoredFindings:
        name = "[[tool.servecheck.ignore-findings]]"
        where = self._where("ignore-findings", index=index)
        for key in entry:
            if key not in _IGNORE_FINDINGS_KEYS:
                raise _unknown_key(key, name, _IGNORE_FINDINGS_KEYS, where)
        reason = entry.get("reason")
        _expect(
            isinstance(reason, str) and bool(reason.strip()),
            f"an entry of {name} has no `reason`: say why these findings do not matter",
            where,
            'reason = "trained in CI before export"',
        )
        _expect(
            _is_strings(entry.get("codes")) and bool(entry["codes"]),
            f"an entry of {name} needs `codes`, a list of rule codes or prefixes",
            where,
            'codes = ["SC202"]',
        )
        codes = parse_codes(entry["codes"])
        check_selectors(codes, f"`codes` of {name}", where)
        for key in ("dataset", "pipeline"):
            _expect(
                isinstance(entry.get(key, ""), str),
                f"`{key}` in {name} must be a name or a glob, not {entry.get(key)!r}",
                where,
                f'{key} = "model*"',
            )
        return IgnoredFindings(
            codes, str(reason).strip(), entry.get("dataset"), entry.get("pipeline")
        )

    def pipelines(self) -> dict[str, PipelineTable]:
        """`[tool.servecheck.pipelines.<name>]`: the data input and output of each pipeline."""
        tables = self._tables(
            "pipelines",
            'write [tool.servecheck.pipelines.inference] with input = "…" and output = "…"',
        )
        for name, table in tables.items():
            for key, value in table.items():
                fits = _is_strings(value) if key == "frozen" else isinstance(value, str)
                if key in _PIPELINE_KEYS and fits:
                    continue
                close = difflib.get_close_matches(key, _PIPELINE_KEYS, n=1)
                raise UsageError(
                    f"[tool.servecheck.pipelines.{name}] has `{key} = {value!r}`: it accepts only"
                    " `input` and `output`, each a dataset name, and `frozen`, a list of"
                    " parameter names"
                    + (f" (did you mean `{close[0]}`?)" if close and close[0] != key else ""),
                    where=self._where("pipelines", name, key=key),
                    hint='for example: input = "customers_to_score", frozen = ["features"]',
                )
        return {
            name: PipelineTable(
                table.get("input"), table.get("output"), tuple(table.get("frozen", ()))
            )
            for name, table in tables.items()
        }

    def _tables(self, key: str, hint: str) -> dict[str, dict[str, Any]]:
        """`[tool.servecheck.<key>]`, a table of tables ({} when absent)."""
        tables = self._table.get(key, {})
        if not isinstance(tables, dict):
            raise UsageError(
                f"`{key}` in [tool.servecheck] must be a table of tables, not {tables!r:.60}",
                where=self._where(key=key),
                hint=hint,
            )
        for name, table in tables.items():
            if not isinstance(table, dict):
                found = self._lines.locate(key, key=name)
                raise UsageError(
                    f"[tool.servecheck.{key}.{name}] must be a table, not {table!r:.60}",
                    where=str(found) if found else self._where(key=key),
                    hint=hint,
                )
        return tables

    def rule_options(self) -> dict[str, dict[str, Any]]:
        """`[tool.servecheck.rules.<rule-name>]`: rule code -> the options set for it."""
        tables = self._tables(
            "rules", "write [tool.servecheck.rules.<rule-name>] with the rule's options"
        )
        chosen = {}
        for name, table in tables.items():
            rule = RULES_BY_NAME.get(name)
            if rule is None:
                raise _unknown_key(
                    name, "[tool.servecheck.rules]", RULES_BY_NAME, self._where("rules", name)
                )
            chosen[rule.code] = {
                key: self._option(rule, key, value) for key, value in table.items()
            }
        return chosen

    def _option(self, rule: Rule, key: str, value: Any) -> Any:
        table = f"[tool.servecheck.rules.{rule.name}]"
        where = self._where("rules", rule.name, key=key)
        options = {option.name: option for option in rule.options}
        option: Option | None = options.get(key)
        if option is None:
            if not options:
                raise UsageError(
                    f"Unknown key `{key}` in {table}: {rule.code} has no options",
                    where=where,
                    hint=f"remove the table; `servecheck rule {rule.code}` documents the rule",
                )
            raise _unknown_key(key, table, options, where)
        _expect(
            option.accepts(value),
            f"`{key}` in {table} must be {option.expected}, not {value!r}",
            where,
            f"{key} = {json.dumps(option.default)}",
        )
        try:
            if option.check:
                option.check(value)
        except ValueError as exc:
            raise UsageError(
                f"`{key}` in {table}: {exc}",
                where=where,
                hint=f"for example: {key} = {json.dumps(option.default)}",
            ) from exc
        return value


def _unknown_key(key: str, table: str, known: Iterable[str], where: str) -> UsageError:
    close = difflib.get_close_matches(key, list(known), n=1)
    return UsageError(
        f"Unknown key `{key}` in {table}" + (f" (did you mean `{close[0]}`?)" if close else ""),
        where=where,
        hint=f"valid keys: {', '.join(known)}",
    )


def _expect(ok: bool, what: str, where: str, example: str) -> None:
    if not ok:
        raise UsageError(what, where=where, hint=f"for example: {example}")


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _first(*values: Any) -> Any:
    """The first value given (not None): the command line's, the file's, the default."""
    return next(value for value in values if value is not None)


def _glob_matches(value: str | None, pattern: str | None) -> bool:
    return pattern is None or (value is not None and fnmatch.fnmatchcase(value, pattern))
