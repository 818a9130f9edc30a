"""`[tool.servecheck]` settings and the command line on top of them (ruff's model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import python, servecheck

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def configure(project: Path, toml: str) -> Path:
    """Append `toml` (a `[tool.servecheck]` table and its sub-tables) to pyproject.toml."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "\n" + toml, encoding="utf-8")
    return project


def codes(project: Path, *args: str) -> set[str]:
    run = servecheck("check", project, "--format", "json", *args)
    assert run.returncode in (0, 1), run.stderr
    return {finding["code"] for finding in run.json()["findings"]}


def test_select_and_ignore_come_from_the_file_and_the_command_line(project_copy):
    broken = configure(
        project_copy("broken"), '[tool.servecheck]\nselect = ["SC2"]\nignore = ["SC205"]\n'
    )
    assert codes(broken) == {"SC201", "SC202", "SC203", "SC204", "SC206"}
    # --select replaces the file's select; the file's ignore still applies
    assert codes(broken, "--select", "SC205,SC3") == {"SC301", "SC302", "SC303", "SC304"}
    # --extend-select adds to the file's select, --ignore removes on top of the file's ignore
    assert codes(broken, "--extend-select", "SC401", "--ignore", "SC206") == {
        "SC201",
        "SC202",
        "SC203",
        "SC204",
        "SC401",
    }


def test_extend_select_of_the_file_adds_to_the_command_line_select(project_copy):
    broken = configure(project_copy("broken"), '[tool.servecheck]\nextend-select = ["SC401"]\n')
    assert codes(broken, "--select", "SC103") == {"SC103", "SC401"}


def test_select_all_with_prefixes_ignored(project_copy):
    broken = configure(
        project_copy("broken"), '[tool.servecheck]\nselect = ["ALL"]\nignore = ["SC2", "SC30"]\n'
    )
    assert codes(broken) == {"SC002", "SC103", "SC401"}


def test_strict_and_exit_zero_from_the_file_and_overridden(project_copy):
    broken = configure(
        project_copy("broken"), '[tool.servecheck]\nselect = ["SC205"]\nstrict = true\n'
    )
    strict = servecheck("check", broken, "--format", "json")
    assert strict.returncode == 1
    assert strict.json()["pipelines"][0]["status"] == "fail"
    assert servecheck("check", broken, "--no-strict").returncode == 0
    configure(broken, "exit-zero = true\n")  # still in [tool.servecheck]
    assert servecheck("check", broken).returncode == 0


def test_severity_override_applies_before_the_gate(project_copy):
    broken = configure(
        project_copy("broken"),
        '[tool.servecheck]\nselect = ["SC202", "SC205"]\n'
        '[tool.servecheck.severity]\nSC205 = "error"\n'
        'SC202 = "info"\n',
    )
    run = servecheck("check", broken, "--format", "json")
    assert run.returncode == 1  # SC205 is an error now, without --strict
    severities = {f["code"]: f["severity"] for f in run.json()["findings"]}
    assert severities == {"SC205": "error", "SC202": "info"}
    assert run.json()["summary"] == {"errors": 1, "warnings": 0, "infos": 1}


def test_ignore_findings_by_dataset_glob_and_pipeline(project_copy):
    broken = configure(
        project_copy("broken"),
        """
[[tool.servecheck.ignore-findings]]
codes = ["SC2"]
dataset = "calib*"
reason = "calibration is refit at serving time"

[[tool.servecheck.ignore-findings]]
codes = ["SC202"]
pipeline = "inference"
reason = "trained in CI before export"

[[tool.servecheck.ignore-findings]]
codes = ["SC204"]
pipeline = "training"
reason = "another pipeline: does not apply"
""",
    )
    found = codes(broken, "--select", "SC2")
    assert found == {"SC201", "SC204", "SC205"}  # SC203, SC206 (calib*) and SC202 dropped


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[tool.servecheck]\nselct = ["SC2"]\n',
            "Unknown key `selct` in [tool.servecheck] (did you mean `select`?)",
        ),
        ('[tool.servecheck]\nstrict = "yes"\n', "`strict` in [tool.servecheck] must be true or"),
        ('[tool.servecheck]\nignore = "SC205"\n', "`ignore` in [tool.servecheck] must be a list"),
        (
            '[tool.servecheck]\nselect = ["SC2X"]\n',
            "Unknown rule code or prefix 'SC2X' in `select` of [tool.servecheck]",
        ),
        ('[tool.servecheck.severity]\nSC205 = "fatal"\n', 'must be one of "error", "warning",'),
        (
            '[tool.servecheck.severity]\nSC2 = "error"\n',
            "'SC2' in [tool.servecheck.severity] is a prefix",
        ),
        ('[[tool.servecheck.ignore-findings]]\ncodes = ["SC202"]\n', "has no `reason`"),
        (
            '[[tool.servecheck.ignore-findings]]\ncodes = ["SC202"]\nreason = "r"\ndatset = "m"\n',
            "Unknown key `datset` in [[tool.servecheck.ignore-findings]] (did you mean `dataset`?)",
        ),
        ('[tool.servecheck.pipelines.inference]\ninptu = "request"\n', "(did you mean `input`?)"),
    ],
    ids=[
        "unknown-key",
        "not-a-bool",
        "not-a-list",
        "unknown-code",
        "bad-severity",
        "severity-prefix",
        "missing-reason",
        "unknown-entry-key",
        "unknown-pipeline-key",
    ],
)
def test_invalid_settings_exit_2_naming_the_file_and_key(project_copy, toml, expected):
    project = configure(project_copy("churn"), toml)
    run = servecheck("check", project)
    assert run.returncode == 2
    assert run.stdout == ""
    assert expected in run.stderr
    assert "in pyproject.toml:" in run.stderr
    assert "Traceback" not in run.stderr


def test_error_points_at_the_line_of_the_key(project_copy):
    project = configure(project_copy("churn"), "[tool.servecheck]\nstrict = true\nselct = []\n")
    lines = (project / "pyproject.toml").read_text().splitlines()
    run = servecheck("check", project)
    assert f"in pyproject.toml:{lines.index('selct = []') + 1}\n" in run.stderr


def test_show_settings_prints_the_effective_settings_without_checking(project_copy):
    broken = configure(
        project_copy("broken"),
        """
[tool.servecheck]
select = ["SC2"]
ignore = ["SC205"]
strict = true

[tool.servecheck.severity]
SC202 = "warning"

[[tool.servecheck.ignore-findings]]
codes = ["SC206"]
dataset = "calibration"
reason = "renamed in the next release"
""",
    )
    args = (
        "check",
        broken,
        "--show-settings",
        "--extend-select",
        "SC401",
        "--no-strict",
        "--output",
        "report_table",
    )
    shown = servecheck(*args, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert shown.json() == {
        "env": "local",
        "select": [
            *("SC201", "SC202", "SC203", "SC204", "SC206", "SC207", "SC208", "SC209"),
            *("SC210", "SC211", "SC212", "SC401"),
        ],
        "ignore": ["SC205"],
        "strict": False,
        "exit-zero": False,
        "require-artifacts": False,
        "stub-missing": False,
        "severity": {"SC202": "warning"},
        "ignore-findings": [
            {"codes": ["SC206"], "dataset": "calibration", "reason": "renamed in the next release"}
        ],
        "pipelines": {"inference": {"input": "request", "output": "report_table"}},
        "rules": {
            "artifact-too-large": {"max-size": "1 GiB"},
            "artifact-outside-project": {"allowed-paths": []},
        },
    }
    as_toml = servecheck(*args)
    assert as_toml.returncode == 0
    assert as_toml.stdout.startswith("# effective settings (env local)")
    table = tomllib.loads(as_toml.stdout)["tool"]["servecheck"]
    assert {key: table[key] for key in shown.json() if key != "env"} == {
        key: value for key, value in shown.json().items() if key != "env"
    }


def test_the_api_reads_the_file_and_takes_overrides(project_copy):
    broken = configure(
        project_copy("broken"), '[tool.servecheck]\nselect = ["SC205"]\nstrict = true\n'
    )
    code = (
        "import json\n"
        "from kedro_servecheck import check\n"
        f"strict = check({str(broken)!r})\n"
        f"lenient = check({str(broken)!r}, strict=False, extend_select=['SC304'])\n"
        "print(json.dumps([strict.exit_code, lenient.exit_code,"
        " sorted({f.code for f in lenient.findings})]))\n"
    )
    run = python(code)
    assert json.loads(run.stdout) == [1, 0, ["SC205", "SC304"]], run.stderr
