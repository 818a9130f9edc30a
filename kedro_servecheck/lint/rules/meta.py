"""Rules about servecheck's own directives: suppression comments (SC9xx)."""

from __future__ import annotations

from collections.abc import Iterator

from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules._examples import PREDICT
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext


def _model(comment: str, above: bool = False) -> str:
    entry = "model:\n  type: pickle.PickleDataset\n  filepath: data/06_models/model.pkl\n"
    if above:
        return f"# {comment}\n{entry}"
    return entry.replace("model:", f"model:  # {comment}", 1)


class UnusedSuppression(Rule):
    """Fires when a suppression comment suppressed nothing, or names an unknown code.

    ## What it does
    Checks every `# servecheck: ignore[CODE] reason` comment in the catalog files of the
    environment and in the files the findings point at: each code it names must be a rule
    code, and must have suppressed a finding of that rule on the comment's line (or, for a
    comment alone on its line, on the line below). Codes of rules that did not run are
    not judged. Unlike the other rules, it runs after them, on what they found.

    ## Why it matters
    A suppression outlives the problem it hid: once the model is trained or the entry is
    fixed, the comment would silently hide the next, real problem at that line. A
    misspelt code suppresses nothing at all.

    ## How to fix
    Remove the comment (or the codes in it that suppress nothing), or fix the misspelt
    code; `servecheck rules` lists the codes.
    """

    code = "SC901"
    name = "unused-suppression"
    severity = Severity.WARNING
    after_suppressions = True
    valid = (
        Example(PREDICT, _model("servecheck: ignore[SC202] trained in CI"), input="features"),
        Example(PREDICT, _model("servecheck: ignore[SC202]", above=True), input="features"),
    )
    invalid = (
        Example(
            PREDICT,
            _model("servecheck: ignore[SC202] trained in CI"),
            files=("data/06_models/model.pkl",),
            input="features",
            expect_message="no SC202 finding on line 1 to suppress",
            expect_line=1,
        ),
        Example(
            PREDICT,
            _model("servecheck: ignore[SC2002]"),
            input="features",
            expect_message="unknown code SC2002 (did you mean SC202?)",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for in_vain in ctx.suppressions_in_vain:
            yield self.finding(
                ctx,
                f"unused suppression `{in_vain.comment}`: {'; '.join(in_vain.problems)}",
                location=in_vain.location,
            )
