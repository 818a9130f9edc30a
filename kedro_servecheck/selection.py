"""Which rules run: `select` / `ignore` with codes, prefixes (`SC2`) and `ALL`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import UsageError
from .rules import ALL_RULES, Rule


@dataclass(frozen=True)
class RuleSelection:
    """Rule codes or prefixes to run (`select`, default all) minus those to skip (`ignore`)."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for selector in (*self.select, *self.ignore):
            _validate(selector)

    def rules(self) -> list[Rule]:
        return [
            rule for rule in ALL_RULES
            if _matches(rule.code, self.select) and not _matches(rule.code, self.ignore)
        ]


def parse_codes(values: Iterable[str]) -> tuple[str, ...]:
    """`--select SC2,SC301 --select SC4` → ("SC2", "SC301", "SC4")."""
    return tuple(
        code.strip().upper() for value in values for code in value.split(",") if code.strip()
    )


def _matches(code: str, selectors: Iterable[str]) -> bool:
    return any(selector == "ALL" or code.startswith(selector) for selector in selectors)


def _validate(selector: str) -> None:
    codes = [rule.code for rule in ALL_RULES]
    if selector == "ALL" or any(code.startswith(selector) for code in codes):
        return
    close = difflib.get_close_matches(selector, codes, n=1)
    raise UsageError(
        f"Unknown rule code or prefix '{selector}'" + (f" (did you mean {close[0]}?)" if close else ""),
        hint="`servecheck rules` lists the codes",
    )
