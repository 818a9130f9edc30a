"""Rules about what the served model imports: node functions by name, the packages they need
(SC4xx)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext

_PREDICT = "predict(features) -> predictions"


def import_problem(func: Callable[..., Any]) -> str | None:
    """Why `func` cannot be imported back as `module:qualname`, or None when it can."""
    module_name = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not module_name or not qualname:
        return f"a {type(func).__name__} has no importable name"
    if "<lambda>" in qualname:
        return "it is a lambda"
    if "<locals>" in qualname:
        return f"'{qualname}' is defined inside another function (a nested function or closure)"
    if module_name == "__main__":
        return "it is defined in __main__, which the served model cannot import"
    found: Any = sys.modules.get(module_name)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if found is not func:
        return f"'{module_name}.{qualname}' does not name this function"
    return None


class NodeFunctionNotImportable(Rule):
    """Fires when a node's function is a lambda, closure, nested or `__main__` function.

    ## What it does
    Checks that every node function of the serving pipeline can be imported by its module
    and qualified name, as the exported model does when it loads.

    ## Why it matters
    The exported model records each node as `module:qualname` and imports it at load time
    (no pickled code). A lambda or a nested function has no such name.

    ## How to fix
    Define the function at the top level of a module of the project package.
    """

    code = "SC401"
    name = "node-function-not-importable"
    severity = Severity.ERROR
    valid = (Example(_PREDICT),)
    invalid = (
        Example(
            "lambda(features) -> predictions",
            expect_message="node 'lambda' cannot be exported: it is a lambda",
            expect_line=4,  # the lambda's line
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        for node in analysis.pipeline.nodes:
            problem = import_problem(node.func)
            if problem:
                yield self.finding(
                    ctx,
                    f"node '{node.name}' cannot be exported: {problem}",
                    node=node.name,
                    location=analysis.node_location(node),
                )


class DependencyStubbed(Rule):
    """Fires when a package the project imports is not installed here: servecheck stubbed it.

    ## What it does
    Names the third-party packages that the project's modules import but that are not
    installed where servecheck runs. servecheck stands a stub in for each, so that the
    pipelines can still be built, and points at the first import of the first one.

    ## Why it matters
    A stub is enough to define, decorate and wire node functions, not to inspect them:
    checks about the node functions of the modules that import these packages may be
    incomplete. The exported model imports them for real.

    ## How to fix
    Nothing to fix for the check. For a complete check, run servecheck where the packages
    are installed (the `servecheck-system` pre-commit hook, or `additional_dependencies`
    of the `servecheck` hook); install them before `servecheck export`.
    """

    code = "SC402"
    name = "dependency-stubbed"
    severity = Severity.INFO
    valid = (Example(_PREDICT),)
    invalid = (
        Example(
            _PREDICT,
            stubbed=("lightgbm",),
            expect_message="not installed here, stubbed to build the pipelines: lightgbm",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        stubbed = ctx.analysis.project.stubbed_packages
        if stubbed:
            listing = ", ".join(
                f"{name} ({where})" if where else name for name, where in stubbed.items()
            )
            yield self.finding(
                ctx,
                f"not installed here, stubbed to build the pipelines: {listing}. Checks about"
                " the node functions of modules that import them may be incomplete; an export"
                " whose served code imports them needs them installed",
                location=next(iter(stubbed.values())),
            )
