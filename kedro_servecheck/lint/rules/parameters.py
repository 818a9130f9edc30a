"""Rules about parameter inputs: frozen into the model at export (SC3xx)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.analysis.params_schema import unrepresentable
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.rules._examples import MODEL, MODEL_FILE
from kedro_servecheck.lint.rules.base import Example, Rule, RuleContext

_THRESHOLD = "predict(features, model, params:threshold) -> predictions"


def _defined(analysis: Analysis) -> list[str]:
    return [
        free.name
        for free in analysis.with_role(Role.PARAMETER)
        if free.name != "parameters" and free.name in analysis.parameter_names
    ]


class ParametersDict(Rule):
    """Fires when the whole `parameters` dict is an input of the serving pipeline.

    ## What it does
    Checks that no node of the serving pipeline takes the whole `parameters` dict.

    ## Why it matters
    The served model would freeze every parameter of the project (training settings,
    paths, secrets passed as parameters) and could not type them in a params schema.
    kedro-mlflow fails on it at the end of training.

    ## How to fix
    Pass the parameters the node needs one by one: `params:threshold`, `params:model`.
    """

    code = "SC301"
    name = "parameters-dict"
    severity = Severity.ERROR
    valid = (Example(_THRESHOLD, MODEL, "threshold: 0.5\n", MODEL_FILE),)
    invalid = (
        Example(
            "predict(features, model, parameters) -> predictions",
            MODEL,
            "threshold: 0.5\n",
            MODEL_FILE,
            expect_message="node predict takes the whole `parameters` dict",
            expect_line=4,  # the `def` of the node
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        if "parameters" in analysis.graph.free_inputs:
            nodes = [node.name for node in analysis.graph.consumers("parameters")]
            yield self.finding(
                ctx,
                f"node {', '.join(nodes)} takes the whole `parameters` dict",
                dataset="parameters",
                node=nodes[0],
            )


class ParameterUndefined(Rule):
    """Fires when a `params:x` input is absent from the parameters configuration.

    ## What it does
    Checks that every `params:x` input is defined in conf/<env>/parameters*.yml.

    ## Why it matters
    Kedro fails the run when a parameter is missing; export has no value to freeze.

    ## How to fix
    Define it in conf/base/parameters.yml (or fix the name in the node's inputs).
    """

    code = "SC302"
    name = "parameter-undefined"
    severity = Severity.ERROR
    valid = (Example(_THRESHOLD, MODEL, "threshold: 0.5\n", MODEL_FILE),)
    invalid = (
        Example(
            _THRESHOLD,
            MODEL,
            "treshold: 0.5\n",
            MODEL_FILE,
            expect_message="'params:threshold' is not defined in the parameters of env 'base'",
            expect_line=4,  # the `def` of the node that reads it
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        known = sorted(n.removeprefix("params:") for n in analysis.parameter_names - {"parameters"})
        for free in analysis.with_role(Role.PARAMETER):
            if free.name in analysis.parameter_names:
                continue
            close = difflib.get_close_matches(free.name.removeprefix("params:"), known, n=1)
            yield self.finding(
                ctx,
                f"'{free.name}' is not defined in the parameters of env '{analysis.project.env}'",
                dataset=free.name,
                hint=f"did you mean 'params:{close[0]}'?" if close else None,
            )


class ParameterFrozen(Rule):
    """Fires when a parameter is frozen at export and overridable per request.

    ## What it does
    Names each parameter input and the value export will freeze into the model.

    ## Why it matters
    The served model uses this value unless a request overrides it through MLflow's
    params (`predict(data, params={...})`, or `params` in an /invocations payload).

    ## How to fix
    Nothing to fix: change the value in parameters.yml, or override it per request.
    """

    code = "SC303"
    name = "parameter-frozen"
    severity = Severity.INFO
    valid = (Example("predict(features, model) -> predictions", MODEL, files=MODEL_FILE),)
    invalid = (
        Example(
            _THRESHOLD,
            MODEL,
            "threshold: 0.5\n",
            MODEL_FILE,
            expect_message="'params:threshold' = 0.5 is frozen at export; a request may",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        for name in _defined(analysis):
            value = analysis.parameter_value(name)
            key = name.removeprefix("params:")
            if key in analysis.spec.frozen:
                override = "; kept frozen by [tool.servecheck.pipelines] (no request overrides it)"
            else:
                override = "; a request may override it" if analysis.overridable(key) else ""
            yield self.finding(
                ctx,
                f"'{name}' = {_short(value)} is frozen at export{override}",
                dataset=name,
                location=analysis.parameter_location(name),
            )


class ParameterUnrepresentable(Rule):
    """Fires when a parameter's value cannot be typed in an MLflow params schema.

    ## What it does
    Checks that each parameter's value can be typed in an MLflow params schema: a scalar
    (string, number, boolean, date), a list of scalars of one type, or a mapping of those.

    ## Why it matters
    MLflow cannot infer a schema for null values, empty lists, nested lists or mixed
    lists: such a parameter stays frozen, and no request can override it.

    ## How to fix
    Give it a typed value (no null, no nested list), or split it into simpler parameters.
    """

    code = "SC304"
    name = "parameter-unrepresentable"
    severity = Severity.WARNING
    valid = (Example(_THRESHOLD, MODEL, "threshold: 0.5\n", MODEL_FILE),)
    invalid = (
        Example(
            _THRESHOLD,
            MODEL,
            "threshold: [[0.2, 0.5], [0.5, 0.9]]\n",
            MODEL_FILE,
            expect_message="a list may only hold scalars",
            expect_line=1,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        analysis = ctx.analysis
        for name in _defined(analysis):
            problem = unrepresentable(analysis.parameter_value(name))
            if problem and name.removeprefix("params:") not in analysis.spec.frozen:
                yield self.finding(
                    ctx,
                    f"'{name}' cannot be overridden per request: {problem}",
                    dataset=name,
                    location=analysis.parameter_location(name),
                )


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
