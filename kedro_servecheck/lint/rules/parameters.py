"""Rules about parameter inputs: frozen into the model at export (SC3xx)."""

from __future__ import annotations

import datetime
import difflib
from typing import Any

from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.findings import Severity
from kedro_servecheck.lint.rules.base import Example, Rule

_MODEL = "model:\n  type: pickle.PickleDataset\n  filepath: data/06_models/model.pkl\n"
_MODEL_FILE = ("data/06_models/model.pkl",)
_THRESHOLD = "predict(features, model, params:threshold) -> predictions"


def _defined(analysis) -> list[str]:
    return [
        free.name
        for free in analysis.with_role(Role.PARAMETER)
        if free.name != "parameters" and free.name in analysis.parameter_names
    ]


class ParametersDict(Rule):
    code = "SC301"
    name = "parameters-dict"
    severity = Severity.ERROR
    summary = "the whole `parameters` dict is an input of the serving pipeline"
    what = "Checks that no node of the serving pipeline takes the whole `parameters` dict."
    why = (
        "The served model would freeze every parameter of the project (training settings,\n"
        "paths, secrets passed as parameters) and could not type them in a params schema.\n"
        "kedro-mlflow fails on it at the end of training."
    )
    fix = "Pass the parameters the node needs one by one: `params:threshold`, `params:model`."
    valid = (Example(_THRESHOLD, _MODEL, "threshold: 0.5\n", _MODEL_FILE),)
    invalid = (
        Example(
            "predict(features, model, parameters) -> predictions",
            _MODEL,
            "threshold: 0.5\n",
            _MODEL_FILE,
        ),
    )

    def check(self, analysis):
        if "parameters" in analysis.graph.free_inputs:
            nodes = [node.name for node in analysis.graph.consumers("parameters")]
            yield self.finding(
                analysis,
                f"node {', '.join(nodes)} takes the whole `parameters` dict",
                dataset="parameters",
                node=nodes[0],
            )


class ParameterUndefined(Rule):
    code = "SC302"
    name = "parameter-undefined"
    severity = Severity.ERROR
    summary = "a `params:x` input is absent from the parameters configuration"
    what = "Checks that every `params:x` input is defined in conf/<env>/parameters*.yml."
    why = "Kedro fails the run when a parameter is missing; export has no value to freeze."
    fix = "Define it in conf/base/parameters.yml (or fix the name in the node's inputs)."
    valid = (Example(_THRESHOLD, _MODEL, "threshold: 0.5\n", _MODEL_FILE),)
    invalid = (Example(_THRESHOLD, _MODEL, "treshold: 0.5\n", _MODEL_FILE),)

    def check(self, analysis):
        known = sorted(n.removeprefix("params:") for n in analysis.parameter_names - {"parameters"})
        for free in analysis.with_role(Role.PARAMETER):
            if free.name in analysis.parameter_names:
                continue
            close = difflib.get_close_matches(free.name.removeprefix("params:"), known, n=1)
            yield self.finding(
                analysis,
                f"'{free.name}' is not defined in the parameters of env '{analysis.project.env}'",
                dataset=free.name,
                hint=f"did you mean 'params:{close[0]}'?" if close else None,
            )


class ParameterFrozen(Rule):
    code = "SC303"
    name = "parameter-frozen"
    severity = Severity.INFO
    summary = "a parameter is frozen at export and overridable per request"
    what = "Names each parameter input and the value export will freeze into the model."
    why = (
        "The served model uses this value unless a request overrides it through MLflow's\n"
        "params (`predict(data, params={...})`, or `params` in an /invocations payload)."
    )
    fix = "Nothing to fix: change the value in parameters.yml, or override it per request."
    valid = (Example("predict(features, model) -> predictions", _MODEL, files=_MODEL_FILE),)
    invalid = (Example(_THRESHOLD, _MODEL, "threshold: 0.5\n", _MODEL_FILE),)

    def check(self, analysis):
        for name in _defined(analysis):
            value = analysis.parameter_value(name)
            override = "" if unrepresentable(value) else "; a request may override it"
            yield self.finding(
                analysis,
                f"'{name}' = {_short(value)} is frozen at export{override}",
                dataset=name,
                location=analysis.parameter_location(name),
            )


class ParameterUnrepresentable(Rule):
    code = "SC304"
    name = "parameter-unrepresentable"
    severity = Severity.WARNING
    summary = "a parameter's value cannot be typed in an MLflow params schema"
    what = (
        "Checks that each parameter's value can be typed in an MLflow params schema: a scalar\n"
        "(string, number, boolean, date), a list of scalars of one type, or a mapping of those."
    )
    why = (
        "MLflow cannot infer a schema for null values, empty lists, nested lists or mixed\n"
        "lists: such a parameter stays frozen, and no request can override it."
    )
    fix = "Give it a typed value (no null, no nested list), or split it into simpler parameters."
    valid = (Example(_THRESHOLD, _MODEL, "threshold: 0.5\n", _MODEL_FILE),)
    invalid = (Example(_THRESHOLD, _MODEL, "threshold: [[0.2, 0.5], [0.5, 0.9]]\n", _MODEL_FILE),)

    def check(self, analysis):
        for name in _defined(analysis):
            problem = unrepresentable(analysis.parameter_value(name))
            if problem:
                yield self.finding(
                    analysis,
                    f"'{name}' cannot be overridden per request: {problem}",
                    dataset=name,
                    location=analysis.parameter_location(name),
                )


_SCALARS = {
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    datetime.date: "date",
    datetime.datetime: "date",
}


def unrepresentable(value: Any) -> str | None:
    """Why MLflow's params schema cannot type `value`, or None when it can."""
    if value is None:
        return "its value is null"
    if type(value) in _SCALARS:
        return None
    if isinstance(value, dict):
        for key, inner in value.items():
            problem = unrepresentable(inner)
            if problem:
                return f"key '{key}': {problem}"
        return None
    if isinstance(value, list):
        if not value:
            return "an empty list has no element type"
        kinds = {_SCALARS.get(type(item)) for item in value}
        if None in kinds:
            return "a list may only hold scalars (no nested lists, mappings or nulls)"
        if len(kinds) > 1:
            return f"the list mixes {' and '.join(sorted(kinds))} values"
        return None
    return f"a {type(value).__name__} value"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


RULES = (ParametersDict(), ParameterUndefined(), ParameterFrozen(), ParameterUnrepresentable())
