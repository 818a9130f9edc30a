"""The benchmarks (`python benchmarks/run.py`) run end to end at a tiny size.

Nothing is timed here: the figures of a `--quick` run mean nothing. The test proves that the
documented command still works and writes every section of docs/benchmarks.md.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

SECTIONS = (
    "## Machine",
    "## Targets",
    "## Check overhead on a real project",
    "## Scale",
    "## Served model latency",
    "## Serving throughput",
    "## Spark batch scoring",
    "## Pre-commit hook end to end",
    "## Export time",
    "## Profiles and optimisations",
)
TARGETS = (
    "check / bare bootstrap",
    "check / `kedro registry describe`",
    "analysis / Kedro",
    "analysis time growth",
    "servecheck runtime overhead / direct calls, inference",
    "servecheck runtime overhead / direct calls, chain",
    "servecheck runtime overhead / kedro-mlflow's, inference",
    "servecheck runtime overhead / kedro-mlflow's, chain",
    "served requests/s, servecheck / kedro-mlflow, 1 row",
    "served requests/s, servecheck / kedro-mlflow, 1,000 rows",
    "pre-commit hook, warm / `kedro registry describe`",
)
RETIRED = (  # capped by the node functions, or by importing mlflow: see docs/benchmarks.md
    "kedro-mlflow raw / servecheck raw",
    "kedro-mlflow / servecheck through MLflow",
    "`servecheck export` / `kedro mlflow modelify`",
)


def test_quick_run_writes_every_section(tmp_path):
    document = tmp_path / "benchmarks.md"
    published = (REPO / "docs/benchmarks.md").read_bytes()
    before = _top_entries()

    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--output", document],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,  # pre-commit builds the hook's virtualenv once
    )

    assert done.returncode == 0, done.stderr[-3000:]
    text = document.read_text()
    assert [section for section in SECTIONS if section not in text] == []
    targets = text.split("## Targets")[1].split("\n## ")[0].splitlines()[4:]
    assert all(row.endswith(("| met |", "| **not met** |")) for row in targets)
    for measured in TARGETS:
        assert any(measured in row for row in targets), measured
    for retired in RETIRED:
        assert not any(retired in row for row in targets), retired
    assert "**mlflow is not imported**" in text
    assert (REPO / "docs/benchmarks.md").read_bytes() == published  # --output, not the doc
    assert _top_entries() == before  # no MLflow run, model or project left in the repository


def _top_entries() -> set[str]:
    """What the repository and benchmarks/ hold at their top, but Python's caches."""
    return {
        str(path.relative_to(REPO))
        for folder in (REPO, REPO / "benchmarks")
        for path in folder.iterdir()
        if path.name != "__pycache__"
    }
