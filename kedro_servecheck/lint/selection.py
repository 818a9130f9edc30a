"""Which rules run: `select`, `extend-select` and `ignore` with codes, prefixes (`SC2`) and `ALL`.

The one place where a rule code is matched against selectors, and where selectors are checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kedro_servecheck.errors import UsageError
from kedro_servecheck.lint.registry import ALL_RULES, RULES_BY_CODE, did_you_mean, is_rule_code
from kedro_servecheck.lint.rules.base import Rule


@dataclass(frozen=True)
class RuleSelection:
    """`select` (default all) plus `extend_select`, minus `ignore`: ignore always wins."""

    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def selects(self, code: str) -> bool:
        """Whether the rule `code` runs."""
        return matches(code, (*self.select, *self.extend_select)) and not matches(code, self.ignore)

    def rules(self) -> list[Rule]:
        """The rules that run, in catalogue order."""
        return [rule for rule in ALL_RULES if self.selects(rule.code)]


def matches(code: str, selectors: Iterable[str]) -> bool:
    """Whether `code` is named by one of `selectors`: itself, a prefix of it, or `ALL`."""
    return any(selector == "ALL" or code.startswith(selector) for selector in selectors)


def parse_codes(values: Iterable[str]) -> tuple[str, ...]:
    """`--select SC2,SC301 --select sc4` → ("SC2", "SC301", "SC4")."""
    return tuple(
        code.strip().upper() for value in values for code in value.split(",") if code.strip()
    )


def check_selectors(selectors: Iterable[str], source: str, where: str | None = None) -> None:
    """Raise a UsageError naming `source` (and `where`) for a selector that names no rule."""
    for selector in selectors:
        if selector != "ALL" and not any(code.startswith(selector) for code in RULES_BY_CODE):
            raise UsageError(
                f"Unknown rule code or prefix '{selector}' in {source}{did_you_mean(selector)}",
                where=where,
                hint="`servecheck rules` lists the codes; prefixes (SC2) and ALL work too",
            )


def check_code(code: str, source: str, where: str | None = None) -> None:
    """Raise a UsageError naming `source` (and `where`) unless `code` is a rule's full code."""
    if not is_rule_code(code):
        prefix = any(known.startswith(code) for known in RULES_BY_CODE)
        raise UsageError(
            f"'{code}' in {source} is "
            + (
                "a prefix: name each rule by its code"
                if prefix
                else f"not a rule code{did_you_mean(code)}"
            ),
            where=where,
            hint="write a full code such as SC205; `servecheck rules` lists them",
        )
