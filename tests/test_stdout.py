"""stdout carries the report alone: Kedro's logging and the project's prints go to stderr.

Each test runs the real command line in a fresh process on a copy of fixtures/churn whose
registry prints and logs while it is imported, under a `KEDRO_LOGGING_CONFIG` that sends every
record, DEBUG included, to stdout (the way a user debugging their project sets it up).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import kedro, servecheck

LOGGING_TO_STDOUT = """\
version: 1
disable_existing_loggers: false
formatters:
  plain:
    format: "LOG %(name)s %(levelname)s %(message)s"
handlers:
  console:
    class: logging.StreamHandler
    formatter: plain
    stream: ext://sys.stdout
root:
  handlers: [console]
  level: DEBUG
"""
NOISY_REGISTRY = """\
import logging

print("PRINTED by the registry")
logging.getLogger("churn").warning("LOGGED by the registry")
"""
PARSERS = {
    "json": json.loads,
    "sarif": json.loads,
    "gitlab": json.loads,
    "junit": ET.fromstring,
}


@pytest.fixture
def noisy_churn(project_copy, tmp_path) -> tuple[Path, dict[str, str]]:
    """churn whose registry prints and logs, and a logging config that logs to stdout."""
    churn = project_copy("churn")
    registry = churn / "src" / "churn" / "pipeline_registry.py"
    registry.write_text(NOISY_REGISTRY + registry.read_text())
    logging_config = tmp_path / "logging.yml"
    logging_config.write_text(LOGGING_TO_STDOUT)
    return churn, {"KEDRO_LOGGING_CONFIG": str(logging_config)}


@pytest.mark.parametrize("format_", sorted(PARSERS))
def test_servecheck_stdout_is_one_document(noisy_churn, format_):
    churn, env = noisy_churn

    run = servecheck("check", churn, "--format", format_, env=env)

    assert run.returncode == 0, run.stderr
    PARSERS[format_](run.stdout)  # the whole of stdout parses: nothing else is on it
    assert "PRINTED by the registry" in run.stderr
    assert "LOG churn WARNING LOGGED by the registry" in run.stderr
    # the user's config is honoured (DEBUG records of Kedro's imports), on stderr
    assert "LOG kedro.framework.project INFO Using" in run.stderr


def test_kedro_servecheck_writes_nothing_of_its_own_before_the_document(noisy_churn):
    """Under `kedro servecheck`, Kedro's CLI logs (its logging setup, its CLI hooks) before
    and after it hands over to the command; everything in between goes to stderr."""
    churn, env = noisy_churn

    run = kedro("servecheck", "--format", "json", cwd=churn, env=env)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    start, end = lines.index("{"), lines.index("}")
    json.loads("\n".join(lines[start : end + 1]))
    records = [line for line in lines[:start] + lines[end + 1 :] if line.startswith("LOG ")]
    assert records, "Kedro's CLI logs its setup to stdout under this logging config"
    assert [record for record in records if not record.startswith("LOG kedro.framework.")] == []
    assert "PRINTED by the registry" in run.stderr
    assert "LOGGED by the registry" in run.stderr
