"""`kedro servecheck`: the `servecheck check` command as a Kedro project command.

Each test runs the real Kedro CLI (`python -m kedro`, with the entry points of the installed
kedro-servecheck) in a copy of a fixture project, stdin closed: nothing may prompt.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, kedro, servecheck

QUIET_LOGGING = REPO / "kedro_servecheck" / "quiet_logging.yml"


@pytest.fixture
def churn(project_copy) -> Path:
    return project_copy("churn")


def test_kedro_servecheck_reports_what_servecheck_check_does(churn):
    pyproject = (churn / "pyproject.toml").read_text()
    expected = servecheck("check", "--format", "json", cwd=churn)

    to_file = kedro("servecheck", "--format", "json", "--output-file", "report.json", cwd=churn)
    # Kedro logs its logging setup on stdout before any command runs: quiet it for a pure report.
    to_stdout = kedro(
        "servecheck",
        "--format",
        "json",
        cwd=churn,
        env={"KEDRO_LOGGING_CONFIG": str(QUIET_LOGGING)},
    )

    assert expected.returncode == to_file.returncode == to_stdout.returncode == 0
    assert json.loads((churn / "report.json").read_text()) == expected.json()
    assert to_stdout.json() == expected.json()
    # kedro-telemetry is off (DO_NOT_TRACK): no notice, and no project_id written to pyproject
    assert "telemetry" not in to_file.stdout + to_file.stderr
    assert (churn / "pyproject.toml").read_text() == pyproject


def test_kedro_servecheck_passes_options_and_exit_codes_through(project_copy):
    broken = project_copy("broken")

    failing = kedro("servecheck", "--format", "json", "-o", "all.json", cwd=broken)
    selected = kedro(
        "servecheck", "--select", "SC205", "--format", "json", "-o", "one.json", cwd=broken / "src"
    )  # from a folder inside the project

    assert failing.returncode == 1, failing.stderr
    assert json.loads((broken / "all.json").read_text())["summary"]["errors"] > 0
    assert selected.returncode == 0, selected.stderr
    assert {f["code"] for f in json.loads((broken / "src/one.json").read_text())["findings"]} == {
        "SC205"
    }


def test_kedro_servecheck_help_lists_the_check_options(churn):
    run = kedro("servecheck", "--help", cwd=churn)

    assert run.returncode == 0, run.stderr
    assert "kedro servecheck [OPTIONS] [PATH]" in run.stdout
    for option in (
        "--pipeline",
        "--input",
        "--output",
        "--env",
        "--params",
        "--strict",
        "--format",
        "--output-file",
        "--select",
        "--ignore",
    ):
        assert option in run.stdout


def test_no_session_no_hook_no_mlflow(churn):
    marker = churn / "hook_ran.txt"
    settings = churn / "src/churn/settings.py"
    settings.write_text(
        settings.read_text()
        + (
            "\n\nfrom pathlib import Path\n\nfrom kedro.framework.hooks import hook_impl\n\n\n"
            "class RecordingHooks:\n"
            "    @hook_impl\n"
            "    def after_context_created(self, context):\n"
            f"        Path({str(marker)!r}).write_text('context')\n\n"
            "    @hook_impl\n"
            "    def after_catalog_created(self, catalog):\n"
            f"        Path({str(marker)!r}).write_text('catalog')\n\n\n"
            "HOOKS = (RecordingHooks(),)\n"
        )
    )

    run = kedro("servecheck", cwd=churn, python=("-X", "importtime"))
    # The Kedro CLI imports every installed plugin's commands before any command runs
    # (kedro-mlflow's import mlflow): servecheck must import nothing of mlflow beyond those.
    plugins_only = kedro("--help", cwd=churn, python=("-X", "importtime"))

    assert run.returncode == 0, run.stderr
    assert not marker.exists()  # project hooks (and kedro-mlflow's, registered alike) never run
    assert _mlflow_modules(run.stderr) <= _mlflow_modules(plugins_only.stderr)
    assert not (churn / "mlruns").exists()


def _mlflow_modules(importtime: str) -> set[str]:
    """The mlflow and kedro_mlflow modules in `python -X importtime` output."""
    imported = {line.rpartition("|")[2].strip() for line in importtime.splitlines()}
    return {name for name in imported if name.split(".")[0] in ("mlflow", "kedro_mlflow")}
