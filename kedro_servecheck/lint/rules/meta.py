"""Rules about suppression comments themselves (SC9xx)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules.base import Example, Rule

if TYPE_CHECKING:
    from kedro_servecheck.analysis.analysis import Analysis
    from kedro_servecheck.lint.noqa import Suppression

_PREDICT = "predict(features, model) -> predictions"
_MODEL_FILE = ("data/06_models/model.pkl",)


def _model(comment: str, above: bool = False) -> str:
    entry = "model:\n  type: pickle.PickleDataset\n  filepath: data/06_models/model.pkl\n"
    if above:
        return f"# {comment}\n{entry}"
    return entry.replace("model:", f"model:  # {comment}", 1)


class UnusedSuppression(Rule):
    code = "SC901"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "a suppression comment suppressed nothing, or names an unknown code"
    what = (
        "Checks every `# servecheck: ignore[CODE] reason` comment in the catalog files of the\n"
        "environment and in the files the findings point at: each code it names must be a rule\n"
        "code, and must have suppressed a finding of that rule on the comment's line (or, for a\n"
        "comment alone on its line, on the line below). Codes of rules that did not run are\n"
        "not judged. Unlike the other rules, it runs after them, on what they found."
    )
    why = (
        "A suppression outlives the problem it hid: once the model is trained or the entry is\n"
        "fixed, the comment would silently hide the next, real problem at that line. A\n"
        "misspelt code suppresses nothing at all."
    )
    fix = (
        "Remove the comment (or the codes in it that suppress nothing), or fix the misspelt\n"
        "code; `servecheck rules` lists the codes."
    )
    valid = (
        Example(_PREDICT, _model("servecheck: ignore[SC202] trained in CI"), input="features"),
        Example(_PREDICT, _model("servecheck: ignore[SC202]", above=True), input="features"),
    )
    invalid = (
        Example(
            _PREDICT,
            _model("servecheck: ignore[SC202] trained in CI"),
            files=_MODEL_FILE,
            input="features",
        ),
        Example(_PREDICT, _model("servecheck: ignore[SC2002]"), input="features"),
    )

    def check(self, analysis: Analysis) -> Iterator[Finding]:
        """Nothing per pipeline: see `report`, called once the other rules have run."""
        return iter(())

    def report(self, analysis: Analysis, suppression: Suppression, problems: list[str]) -> Finding:
        """The finding for a suppression comment in vain, attached to `analysis`'s pipeline."""
        return self.finding(
            analysis,
            f"unused suppression `{suppression.comment}`: {'; '.join(problems)}",
            location=suppression.location,
        )


UNUSED_SUPPRESSION = UnusedSuppression()
RULES = (UNUSED_SUPPRESSION,)
