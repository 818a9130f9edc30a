"""The lint pass: the selected rules run on each analysed pipeline, then the settings and the
suppression comments decide what is reported."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.findings import Finding
from kedro_servecheck.lint.noqa import Suppressions
from kedro_servecheck.lint.rules.base import Rule, RuleContext
from kedro_servecheck.lint.settings import Settings


def run_rules(analysis: Analysis, rules: Iterable[Rule], settings: Settings) -> list[Finding]:
    """Every finding of `rules` on `analysis`, in catalogue order, severities overridden."""
    return [
        settings.adjust(finding)
        for rule in rules
        for finding in rule.check(_context(analysis, rule, settings))
    ]


def review(analyses: list[Analysis], settings: Settings) -> None:
    """Set the findings of `analyses` (of one project): what the selected rules report.

    In order: the selected rules run and their severities are overridden; suppression
    comments drop what they cover; the rules that judge the suppressions themselves (SC901)
    run once, on the first pipeline; `ignore-findings` entries drop what they match.
    """
    rules = settings.selection.rules()
    for analysis in analyses:
        analysis.findings = run_rules(
            analysis, [rule for rule in rules if not rule.after_suppressions], settings
        )
    if not analyses:
        return
    found = [finding for analysis in analyses for finding in analysis.findings]
    suppressions = Suppressions.scan(analyses[0].project, found)
    for analysis in analyses:
        analysis.findings = [f for f in analysis.findings if not suppressions.suppresses(f)]
    in_vain = tuple(suppressions.in_vain({rule.code for rule in rules}))
    for rule in (rule for rule in rules if rule.after_suppressions):
        context = replace(_context(analyses[0], rule, settings), suppressions_in_vain=in_vain)
        analyses[0].findings += [settings.adjust(finding) for finding in rule.check(context)]
    for analysis in analyses:
        analysis.findings = [f for f in analysis.findings if not settings.ignores(f)]


def _context(analysis: Analysis, rule: Rule, settings: Settings) -> RuleContext:
    """What `rule` sees of `analysis` under `settings`."""
    return RuleContext(
        analysis, settings.options_for(rule), artifacts_required=settings.require_artifacts
    )
