"""Rules about node functions: they must be importable by name (SC4xx)."""

from __future__ import annotations

import sys
from typing import Any

from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules.base import Example, Rule


def import_problem(func: Any) -> str | None:
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
    code = "SC401"
    name = "node-function-not-importable"
    severity = Severity.ERROR
    summary = "a node's function is a lambda, closure, nested or `__main__` function"
    what = (
        "Checks that every node function of the serving pipeline can be imported by its module\n"
        "and qualified name, as the exported model does when it loads."
    )
    why = (
        "The exported model records each node as `module:qualname` and imports it at load time\n"
        "(no pickled code). A lambda or a nested function has no such name."
    )
    fix = "Define the function at the top level of a module of the project package."
    valid = (Example("predict(features) -> predictions"),)
    invalid = (Example("lambda(features) -> predictions"),)

    def check(self, analysis):
        for node in analysis.pipeline.nodes:
            problem = import_problem(node.func)
            if problem:
                yield self.finding(
                    analysis,
                    f"node '{node.name}' cannot be exported: {problem}",
                    node=node.name,
                    location=analysis.node_location(node),
                )


RULES = (NodeFunctionNotImportable(),)
