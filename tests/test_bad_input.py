"""Bad input gives exit 2 and one clear, actionable message, never a traceback.

The contract (README, "Exit codes"): exit 2 for a usage error or a project that cannot be
loaded, with one message on stderr

    servecheck: error: <what failed>
      in <file[:line]>            (relative to the project)
      hint: <what to do>

and no traceback unless `--debug` is passed. Each test breaks a copy of a fixture project.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, Run, edit, servecheck

INFERENCE = "src/churn/pipelines/inference/pipeline.py"
INFERENCE_NODES = "src/churn/pipelines/inference/nodes.py"


def line_of(project: Path, file: str, fragment: str) -> int:
    """The 1-based line of the first occurrence of `fragment` in a project file."""
    text = (project / file).read_text(encoding="utf-8")
    return text[: text.index(fragment)].count("\n") + 1


def assert_load_error(run: Run, *fragments: str, project: Path | None = None) -> None:
    """Exit 2, one `servecheck: error:` message holding every fragment, and no traceback."""
    stderr = run.stderr
    assert run.returncode == 2, f"exit {run.returncode}, expected 2\nstderr:\n{stderr}"
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("servecheck: error: "), stderr
    assert stderr.count("servecheck: error:") == 1, stderr
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in stderr:\n{stderr}"
    if project is not None:  # paths are relative to the project, never the machine's
        assert str(project) not in stderr, stderr
        assert str(project.resolve()) not in stderr, stderr


@pytest.fixture
def churn(project_copy) -> Path:
    return project_copy("churn")


# 1, 2. Malformed YAML: the file and the line where the fix goes.


def test_malformed_catalog_yaml_names_file_and_line_of_the_unclosed_bracket(churn):
    line = edit(
        churn,
        "conf/base/catalog.yml",
        "filepath: data/06_models/scaler.pkl",
        "filepath: [data/06_models/scaler.pkl",
    )

    run = servecheck("check", churn)

    assert_load_error(run, "conf/base/catalog.yml", "YAML", project=churn)
    # The unclosed `[` is on `line`; PyYAML only notices it on a later line.
    assert f"conf/base/catalog.yml:{line}" in run.stderr or f"line {line}" in run.stderr, (
        f"the message should point at line {line}, where the `[` is left open:\n{run.stderr}"
    )


@pytest.mark.parametrize(
    ("old", "new", "bad_line"),
    [
        # a key indented by one space instead of two: the bad line is the key itself
        ("  max_iter: 200", " max_iter: 200", "max_iter"),
        # a quote never closed: the bad line is the one that opens it
        ("threshold: 0.5", 'threshold: "0.5', "threshold"),
    ],
    ids=["bad-indentation", "unclosed-quote"],
)
def test_malformed_parameters_yaml_names_file_and_line(churn, old, new, bad_line):
    edit(churn, "conf/base/parameters.yml", old, new)
    line = line_of(churn, "conf/base/parameters.yml", bad_line)

    run = servecheck("check", churn)

    assert_load_error(run, "conf/base/parameters.yml", "YAML", project=churn)
    assert f"conf/base/parameters.yml:{line}" in run.stderr or f"line {line}" in run.stderr, (
        f"the message should point at line {line} ({new.strip()!r}):\n{run.stderr}"
    )


# 3. No conf/ folder.


def test_missing_conf_folder(churn):
    shutil.rmtree(churn / "conf")

    run = servecheck("check", churn)

    assert_load_error(run, "conf", project=churn)
    assert re.search(r"conf/?\b.*(does not exist|missing|not found)", run.stderr), run.stderr
    assert "  hint: " in run.stderr


# 4. A Kedro 0.19 project.


def test_kedro_019_project_is_refused_with_pointer_to_pyproject(churn):
    edit(churn, "pyproject.toml", 'kedro_init_version = "1.7.0"', 'kedro_init_version = "0.19.9"')

    run = servecheck("check", churn)

    assert_load_error(run, "0.19", "Kedro 1.x", "  in pyproject.toml", project=churn)
    assert "  hint: " in run.stderr


# 5, 6. Import errors in the project's code.


def test_broken_registry_names_file_line_and_missing_name():
    run = servecheck("check", FIXTURES / "broken_registry")

    assert_load_error(
        run,
        "src/broken_registry/pipelines/scoring/pipeline.py:3",
        "score_ordres",
        project=FIXTURES / "broken_registry",
    )
    assert str(REPO) not in run.stderr, run.stderr
    assert "site-packages" not in run.stderr, run.stderr
    assert not re.search(r"(^|[\s'\"(])/(work|root|home|tmp|usr)/", run.stderr), run.stderr


def test_missing_module_of_an_installed_package_hints_to_install_it(churn):
    # A package that is not installed at all is stubbed (SC402, tests/test_stubs.py); a module
    # missing from an installed package cannot be, and stops the check with a clear message.
    line = edit(
        churn,
        INFERENCE_NODES,
        "import pandas as pd",
        "import pandas.not_a_real_module_xyz\nimport pandas as pd",
    )

    run = servecheck("check", churn)

    assert_load_error(
        run, "pandas.not_a_real_module_xyz", f"{INFERENCE_NODES}:{line}", project=churn
    )
    (hint,) = [row for row in run.stderr.splitlines() if row.startswith("  hint: ")]
    assert "install" in hint, run.stderr
    assert "pandas" in hint, run.stderr


# 7. Pipelines that Kedro refuses to build: the user's pipeline.py line and Kedro's error.


def make_cycle(project: Path) -> None:
    # preprocess now reads `scaled`, which scale_features makes from preprocess's output
    edit(project, INFERENCE, 'inputs="customers_to_score",', 'inputs="scaled",')


def make_duplicate_output(project: Path) -> None:
    # scale_features and predict both output `predictions`
    edit(project, INFERENCE, 'outputs="scaled",', 'outputs="predictions",')


@pytest.mark.parametrize(
    ("mutate", "kedro_error"),
    [(make_cycle, "CircularDependencyError"), (make_duplicate_output, "OutputNotUniqueError")],
    ids=["circular", "duplicate-output"],
)
def test_invalid_pipeline_carries_kedro_error_and_user_line(churn, mutate, kedro_error):
    mutate(churn)
    line = line_of(churn, INFERENCE, "return Pipeline(")

    run = servecheck("check", churn, "--pipeline", "inference")

    assert_load_error(run, kedro_error, f"  in {INFERENCE}:{line}", project=churn)


# 8, 9. Unknown pipeline or environment: list what exists.


@pytest.mark.parametrize(
    ("name", "suggestion"), [("nope", None), ("inferenc", "inference")], ids=["unknown", "typo"]
)
def test_unknown_pipeline_lists_registered_pipelines(churn, name, suggestion):
    run = servecheck("check", churn, "--pipeline", name)

    assert_load_error(run, f"'{name}'", "inference", "training", project=churn)
    if suggestion:
        assert re.search(rf"did you mean '?{suggestion}'?", run.stderr), run.stderr
    else:
        assert "did you mean" not in run.stderr, run.stderr


def test_unknown_env_names_the_folder_and_lists_envs(churn):
    run = servecheck("check", churn, "--env", "qa")

    assert_load_error(run, "qa", "conf/qa", project=churn)
    (hint,) = [row for row in run.stderr.splitlines() if row.startswith("  hint: ")]
    assert "base" in hint, run.stderr
    assert "local" in hint, run.stderr


# 10. Interpolation errors in parameters.


@pytest.mark.parametrize(
    ("value", "says"),
    [("${oops:1}", "oops"), ("${globals:missing}", "missing")],
    ids=["unknown-resolver", "missing-global"],
)
def test_parameter_interpolation_error_names_file_line(churn, value, says):
    line = edit(churn, "conf/base/parameters.yml", "threshold: 0.5", f"threshold: {value}")

    run = servecheck("check", churn)

    assert_load_error(run, says, f"conf/base/parameters.yml:{line}", project=churn)


# 11. Not a Kedro project.


def test_empty_folder_is_not_a_kedro_project(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()

    run = servecheck("check", empty)

    assert_load_error(run, "No Kedro project found")
    assert "  hint: " in run.stderr


# 12. --debug adds the traceback.


def test_debug_shows_the_traceback(churn):
    edit(
        churn,
        "conf/base/catalog.yml",
        "filepath: data/06_models/scaler.pkl",
        "filepath: [data/06_models/scaler.pkl",
    )

    run = servecheck("check", churn, "--debug")

    assert run.returncode == 2, run.stderr
    assert "Traceback" in run.stderr
    assert "servecheck: error: " in run.stderr
    assert "conf/base/catalog.yml" in run.stderr


# 13. Syntax error in a node module.


def test_syntax_error_in_node_module_names_file_and_line(churn):
    line = edit(churn, INFERENCE_NODES, "def predict(", "def f(:\n    pass\n\n\ndef predict(")

    run = servecheck("check", churn)

    assert_load_error(run, "SyntaxError", f"{INFERENCE_NODES}:{line}", project=churn)


# 14, 15. Usage errors.


def test_unknown_rule_code_suggests_or_points_to_rules(churn):
    run = servecheck("check", churn, "--select", "SC999")

    assert_load_error(run, "SC999", project=churn)
    assert "did you mean" in run.stderr or "servecheck rules" in run.stderr, run.stderr


def test_params_without_value_is_a_usage_error(churn):
    run = servecheck("check", churn, "--params", "novalue")

    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert "--params" in run.stderr, run.stderr
    assert "novalue" in run.stderr, run.stderr
