"""Rules about the environment servecheck runs in (SC402)."""

from __future__ import annotations

from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules.base import Example, Rule

_PREDICT = "predict(features) -> predictions"


class DependencyStubbed(Rule):
    code = "SC402"
    name = "dependency-stubbed"
    severity = Severity.INFO
    summary = "a package the project imports is not installed here: servecheck stubbed it"
    what = (
        "Names the third-party packages that the project's modules import but that are not\n"
        "installed where servecheck runs. servecheck stands a stub in for each, so that the\n"
        "pipelines can still be built, and points at the first import of the first one."
    )
    why = (
        "A stub is enough to define, decorate and wire node functions, not to inspect them:\n"
        "checks about the node functions of the modules that import these packages may be\n"
        "incomplete. The exported model imports them for real."
    )
    fix = (
        "Nothing to fix for the check. For a complete check, run servecheck where the packages\n"
        "are installed (the `servecheck-system` pre-commit hook, or `additional_dependencies`\n"
        "of the `servecheck` hook); install them before `servecheck export`."
    )
    valid = (Example(_PREDICT),)
    invalid = (Example(_PREDICT, stubbed=("lightgbm",)),)

    def check(self, analysis):
        stubbed = analysis.project.stubbed_packages
        if stubbed:
            listing = ", ".join(
                f"{name} ({where})" if where else name for name, where in stubbed.items()
            )
            yield self.finding(
                analysis,
                f"not installed here, stubbed to build the pipelines: {listing}. Checks about"
                " the node functions of modules that import them may be incomplete; export"
                " needs them installed",
                location=next(iter(stubbed.values())),
            )


RULES = (DependencyStubbed(),)
