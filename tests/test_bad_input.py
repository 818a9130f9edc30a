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
import signal
import subprocess
import sys
import time
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


# Issue 13 (hardening). Each test below failed before the fix it guards.

REGISTRY = "src/churn/pipeline_registry.py"
SETTINGS = "src/churn/settings.py"
CATALOG = "conf/base/catalog.yml"
PARAMETERS = "conf/base/parameters.yml"
SERVED_INPUT = """
customers_to_score:
  type: pandas.CSVDataset
  filepath: data/01_raw/customers_sample.csv
"""


def append(project: Path, file: str, text: str) -> int:
    """Append `text` to a project file; the 1-based line where it starts."""
    path = project / file
    before = path.read_text(encoding="utf-8")
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


# 4. The project's code calling sys.exit(): exit 2 at its line, whatever its exit code.


@pytest.mark.parametrize(
    ("file", "before", "indent", "code"),
    [
        (REGISTRY, "    training_pipeline =", "    ", "0"),
        (SETTINGS, "CONFIG_LOADER_CLASS =", "", "3"),
        (INFERENCE, "def create_pipeline", "", "'bye'"),
    ],
    ids=["register_pipelines", "settings", "pipeline-module"],
)
def test_sys_exit_in_the_project_is_an_error_at_its_line(churn, file, before, indent, code):
    exits = f"{indent}import sys\n{indent}sys.exit({code})\n"
    line = edit(churn, file, before, exits + before) + 1

    run = servecheck("check", churn, "--strict")  # sys.exit(0): exit 0, a CI gate passed

    assert_load_error(
        run, f"sys.exit({code})", f"{file}:{line}", "raise an exception", project=churn
    )


def test_sys_exit_in_a_node_at_export_is_an_error_at_its_line(churn, tmp_path):
    append(churn, CATALOG, SERVED_INPUT)
    line = edit(
        churn,
        INFERENCE_NODES,
        '    """Return only the scaled feature columns (same names, same index)."""\n',
        '    """Return only the scaled feature columns (same names, same index)."""\n'
        "    raise SystemExit(0)\n",
    )

    run = servecheck(
        "export",
        churn,
        "--pipeline",
        "inference",
        "--input",
        "customers_to_score",
        "--model-dir",
        tmp_path / "model",
    )  # exit 0 and no model before

    assert_load_error(run, "sys.exit(0)", f"{INFERENCE_NODES}:{line + 1}", project=churn)
    assert not (tmp_path / "model").exists()


def test_ctrl_c_is_exit_130_in_one_line(churn):
    started = churn / "started"
    append(
        churn,
        SETTINGS,
        f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(60)\n",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "kedro_servecheck", "check", str(churn)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr  # click's "Aborted!" and exit 1 before
    assert stderr == "servecheck: interrupted\n"
    assert stdout == ""


# 11. Ordinary mistakes, never an "internal error".


@pytest.mark.parametrize("command", ["check", "graph"])
def test_output_file_in_a_missing_folder_is_a_usage_error(churn, command):
    run = servecheck(command, churn, "-o", churn / "no" / "such" / "report.txt")

    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr
    assert "no/such' does not exist: create the folder" in run.stderr, run.stderr


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('"training": training_pipeline,', '"training": 42,', "registers 42 (an int) as the"),
        ('"training": training_pipeline,', '"training": None,', "registers None as the"),
        ("    return {", "    return None\n    return {", "returned None, not a dict"),
    ],
    ids=["int", "None-value", "None"],
)
def test_a_registry_value_that_is_not_a_pipeline_is_an_error_at_its_line(churn, old, new, says):
    line = edit(churn, REGISTRY, old, new)
    expected = line if "42" in new or "None," in new else line_of(churn, REGISTRY, "def register")

    run = servecheck("check", churn)

    assert_load_error(run, says, f"{REGISTRY}:{expected}", project=churn)


def test_a_lone_surrogate_in_a_dataset_name_is_an_error_at_its_line(churn):
    line = edit(churn, INFERENCE, '"params:threshold"', '"params:thr\\udcff"')

    run = servecheck("check", churn, "-o", churn / "report.txt")  # UnicodeEncodeError before

    assert_load_error(run, "lone surrogate", f"{INFERENCE}:{line}", project=churn)


def test_a_lone_surrogate_escape_in_the_catalog_is_an_error_at_its_line(churn):
    line = edit(churn, CATALOG, "scaler:\n", '"scaler\\udcff":\n')

    run = servecheck("check", churn)  # "invalid YAML" at another line before

    assert_load_error(
        run, "invalid Unicode character escape", f"{CATALOG}:{line}", "lone surrogate"
    )


# 12. [tool.servecheck] and its tables must be tables.


@pytest.mark.parametrize("value", ['""', "42", "[1]", '"strict"'])
def test_tool_servecheck_that_is_not_a_table_is_an_error_at_its_line(churn, value):
    line = edit(
        churn, "pyproject.toml", "[tool.kedro]", f"[tool]\nservecheck = {value}\n\n[tool.kedro]"
    )

    run = servecheck("check", churn)

    assert_load_error(run, "[tool.servecheck] must be a table", f"pyproject.toml:{line + 1}")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("[tool.servecheck]\nrules = 3", "`rules` in [tool.servecheck] must be a table"),
        ("[tool.servecheck.rules]\nartifact-missing = 3", "rules.artifact-missing] must be a"),
        ("[tool.servecheck]\npipelines = 'x'", "`pipelines` in [tool.servecheck] must be a"),
    ],
    ids=["rules", "a-rule", "pipelines"],
)
def test_servecheck_tables_that_are_not_tables_are_errors_at_their_line(churn, table, says):
    line = append(churn, "pyproject.toml", f"\n{table}\n")

    run = servecheck("check", churn)

    assert_load_error(run, says, f"pyproject.toml:{line + 2}")


# 13. Load errors that say which file, which line and what is wrong.


@pytest.mark.parametrize(
    ("file", "text", "offset", "says"),
    [
        (CATALOG, "\nscaler:\n  type: pickle.PickleDataset\n", 1, "Duplicate key 'scaler'"),
        (CATALOG, "\n42:\n  type: pickle.PickleDataset\n", 1, "dataset name 42 in the catalog"),
        (PARAMETERS, "\nthreshold: 0.7\n", 1, "Duplicate key 'threshold'"),
    ],
    ids=["duplicate-dataset", "integer-name", "duplicate-parameter"],
)
def test_a_bad_config_key_is_an_error_at_its_line(churn, file, text, offset, says):
    line = append(churn, file, text) + offset

    run = servecheck("check", churn)  # "<file>" or no file at all before

    assert_load_error(run, says, f"{file}:{line}", project=churn)
    assert "interpolation" not in run.stderr


@pytest.mark.parametrize("file", [CATALOG, PARAMETERS])
def test_a_config_file_that_is_a_list_is_an_error_naming_it(churn, file):
    (churn / file).write_text("- a\n- b\n", encoding="utf-8")

    run = servecheck("check", churn)

    assert_load_error(run, "is a list, not a mapping", f"{file}:1", project=churn)
    assert "interpolation" not in run.stderr


@pytest.mark.parametrize("file", [CATALOG, "pyproject.toml"])
def test_a_latin_1_byte_is_an_error_at_its_line(churn, file):
    path = churn / file
    data = path.read_bytes()
    path.write_bytes(data + b"# caf\xe9\n")

    run = servecheck("check", churn)  # "No Kedro project found" for pyproject.toml before

    line = data.count(b"\n") + 1
    assert_load_error(run, "is not UTF-8", "0xe9", f"{file}:{line}", "save the file as UTF-8")


def test_package_name_that_is_not_a_string_is_an_error_at_its_line(churn):
    line = edit(churn, "pyproject.toml", 'package_name = "churn"', "package_name = 42")

    run = servecheck("check", churn)  # Kedro's "Unable to configure logger 42" before

    assert_load_error(
        run, "`package_name` in [tool.kedro] must be a string", f"pyproject.toml:{line}"
    )
    assert 'package_name = "churn"' in run.stderr  # the hint names the package under src/


def test_config_loader_class_that_is_not_a_class_is_an_error_at_its_line(churn):
    line = append(churn, SETTINGS, "CONFIG_LOADER_CLASS = 42\n")

    run = servecheck("check", churn)  # Kedro's "'int' object has no attribute 'mro'" before

    assert_load_error(run, "`CONFIG_LOADER_CLASS` in settings.py", f"{SETTINGS}:{line}")
    assert "from kedro.config import OmegaConfigLoader" in run.stderr


# 2. Kedro's error text that echoes a dataset's arguments is redacted.


def test_a_secret_in_load_args_is_redacted_from_kedro_error_text(churn, tmp_path):
    canary = "CANARY-0f3a9c"
    append(churn, CATALOG, SERVED_INPUT + f"  load_args:\n    password: {canary}\n")

    run = servecheck(  # read_csv() refuses `password`; Kedro's DatasetError shows load_args
        "export",
        churn,
        "--pipeline",
        "inference",
        "--input",
        "customers_to_score",
        "--model-dir",
        tmp_path / "m",
        "--debug",
    )

    assert run.returncode == 2, run.stderr
    assert "load_args={'password': '***'}" in run.stderr  # the canary itself before
    assert canary not in run.stdout + run.stderr
