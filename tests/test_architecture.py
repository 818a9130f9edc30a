"""The house rules: the public API and its types, one error hierarchy, rule options."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from kedro.pipeline import Pipeline, node

import kedro_servecheck
from kedro_servecheck import errors
from kedro_servecheck.analysis.classify import FreeInput, Role
from kedro_servecheck.errors import UsageError
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.docs import rule_dict, rule_markdown
from kedro_servecheck.lint.engine import run_rules
from kedro_servecheck.lint.registry import RULES_BY_CODE
from kedro_servecheck.lint.rules.base import Example, Option, Rule, RuleContext
from kedro_servecheck.lint.settings import Settings
from kedro_servecheck.load.project import Project

from conftest import REPO, analysis_of

# The public API


def test_everything_in_all_is_importable_and_export_stays_the_function():
    for name in kedro_servecheck.__all__:
        assert getattr(kedro_servecheck, name) is not None
    importlib.import_module("kedro_servecheck.exporter.backend")  # the backend, imported
    assert inspect.isfunction(kedro_servecheck.export)
    assert kedro_servecheck.ExportResult.__name__ == "ExportResult"


def test_the_public_api_is_typed_for_a_type_checker(tmp_path):
    """mypy sees `check` and `export` with their signatures, not `Any` (py.typed ships)."""
    user_code = tmp_path / "user.py"
    user_code.write_text(
        "from kedro_servecheck import ExportResult, Report, check, export\n"
        "reveal_type(check)\nreveal_type(export)\n"
        "report: Report = check('.')\nreveal_type(report.findings)\n"
        "result: ExportResult = export('.')\n"
    )
    done = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--strict", "--no-incremental"),
            "--follow-imports=silent",  # as mypy treats an installed package
            str(user_code),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(REPO)},  # an editable install hides it from mypy
        timeout=600,
    )
    assert done.returncode == 0, done.stdout
    revealed = [line for line in done.stdout.splitlines() if "Revealed type" in line]
    assert "-> kedro_servecheck.report.report.Report" in revealed[0]
    assert "-> kedro_servecheck.exporter.backend.ExportResult" in revealed[1]
    assert "list[kedro_servecheck.findings.Finding]" in revealed[2]
    assert (REPO / "kedro_servecheck/py.typed").is_file()


# One error hierarchy


def test_each_error_class_has_its_exit_code():
    codes = {
        cls.__name__: cls.exit_code
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ServecheckError)
    }
    assert codes == {
        "ServecheckError": 2,
        "UsageError": 2,
        "ProjectLoadError": 2,
        "ExportError": 2,
        "ExportBlocked": 1,
        "VerificationError": 1,
    }


def test_no_module_raises_the_bare_root_error_or_defines_its_own():
    """Every error servecheck raises is one of errors.py's subclasses, defined there."""
    for path in (REPO / "kedro_servecheck").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for found in ast.walk(tree):
            if isinstance(found, ast.Raise) and isinstance(found.exc, ast.Call):
                name = getattr(found.exc.func, "id", None)
                assert name != "ServecheckError", f"{path}:{found.lineno}"
            if isinstance(found, ast.ClassDef) and path.name != "errors.py":
                bases = {getattr(base, "id", None) for base in found.bases}
                assert not bases & {"Exception", "ServecheckError"}, f"{path}:{found.lineno}"


# Rule options


class LongParameterName(Rule):
    """Fires when a parameter's name is longer than `max-length` characters.

    ## What it does
    A throw-away rule of this test: it shows an option reaching a rule's check.

    ## Why it matters
    It does not: it only proves that options are declared, validated and passed.

    ## How to fix
    Nothing to fix: this rule is never registered in the catalogue.
    """

    code = "SC399"
    name = "long-parameter-name"
    severity = Severity.WARNING
    options = (Option("max-length", int, 10, "The longest name that passes."),)
    valid = (Example("predict(features, params:short) -> predictions"),)
    invalid = (Example("predict(features, params:a_long_name) -> predictions"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        limit = ctx.options["max-length"]
        for free in ctx.analysis.with_role(Role.PARAMETER):
            if len(free.name) > limit:
                yield self.finding(ctx, f"'{free.name}' is longer than {limit}", location=None)


def _parameters_analysis(tmp_path):
    pipeline = Pipeline([node(min, ["x", "params:a_long_name"], "y", name="predict")])
    inputs = [
        FreeInput("x", Role.DATA, None),
        FreeInput("params:a_long_name", Role.PARAMETER, None),
    ]
    return analysis_of(tmp_path, pipeline, inputs, "x", [])


def test_a_rule_sees_its_options_default_and_set(tmp_path):
    analysis = _parameters_analysis(tmp_path)
    rule = LongParameterName()
    by_default = run_rules(analysis, [rule], Settings())
    assert [f.message for f in by_default] == ["'params:a_long_name' is longer than 10"]
    relaxed = Settings(rule_options={"SC399": {"max-length": 40}})
    assert run_rules(analysis, [rule], relaxed) == []


def _settings_of(tmp_path, pyproject: str) -> Settings:
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    import tomllib

    table = tomllib.loads(pyproject)["tool"]["servecheck"]
    project = Project(tmp_path, "pkg", "base", {}, servecheck_table=table)
    return Settings.resolve(project)


@pytest.fixture
def remote_rule_with_an_option(monkeypatch):
    """SC205 given an option for the length of one test."""
    option = Option("allowed-protocols", list, [], "Protocols that raise no warning.")
    monkeypatch.setattr(type(RULES_BY_CODE["SC205"]), "options", (option,))
    return RULES_BY_CODE["SC205"]


def test_rule_options_are_read_validated_and_shown(tmp_path, remote_rule_with_an_option):
    settings = _settings_of(
        tmp_path,
        '[tool.servecheck.rules.artifact-remote]\nallowed-protocols = ["s3"]\n',
    )
    assert settings.options_for(remote_rule_with_an_option) == {"allowed-protocols": ["s3"]}
    shown = settings.to_dict("base", [])
    assert shown["rules"]["artifact-remote"] == {"allowed-protocols": ["s3"]}
    text = rule_markdown(remote_rule_with_an_option)
    assert "## Options" in text
    assert "`allowed-protocols` (list of strings, default `[]`)" in text
    assert rule_dict(remote_rule_with_an_option)["options"][0]["name"] == "allowed-protocols"


@pytest.mark.parametrize(
    ("table", "message", "line"),
    [
        (
            "[tool.servecheck.rules.artifact-remote]\nallowed-protocols = 3\n",
            (
                "`allowed-protocols` in [tool.servecheck.rules.artifact-remote] must be a list of"
                " strings, not 3"
            ),
            2,
        ),
        (
            "[tool.servecheck.rules.artifact-remote]\nallowed-protocol = []\n",
            (
                "Unknown key `allowed-protocol` in [tool.servecheck.rules.artifact-remote]"
                " (did you mean `allowed-protocols`?)"
            ),
            2,
        ),
        (
            "[tool.servecheck.rules.artifact-remot]\nallowed-protocols = []\n",
            (
                "Unknown key `artifact-remot` in [tool.servecheck.rules] (did you mean"
                " `artifact-remote`?)"
            ),
            1,
        ),
        (
            "[tool.servecheck.rules.artifact-missing]\nanything = 1\n",
            (
                "Unknown key `anything` in [tool.servecheck.rules.artifact-missing]: SC202 has no"
                " options"
            ),
            2,
        ),
    ],
)
def test_bad_rule_options_say_what_and_where(
    tmp_path, remote_rule_with_an_option, table, message, line
):
    with pytest.raises(UsageError) as raised:
        _settings_of(tmp_path, table)
    assert raised.value.what == message
    assert raised.value.where == f"pyproject.toml:{line}"


def test_an_option_default_must_be_of_its_type():
    with pytest.raises(TypeError, match="the default is not an integer"):
        Option("max-length", int, "10", "…")
