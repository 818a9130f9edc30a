"""Shared test helpers: fixture projects, and servecheck run in a fresh process.

Kedro caches a project's package by name, so every test that loads a project runs
servecheck in its own subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.graph import ServingGraph
from kedro_servecheck.analysis.producers import Producers
from kedro_servecheck.analysis.targets import ServingSpec
from kedro_servecheck.catalog.resolve import Catalog
from kedro_servecheck.load.project import Project

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

os.environ.update(DO_NOT_TRACK="1", KEDRO_DISABLE_TELEMETRY="1")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def servecheck(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: int = 180) -> Run:
    """Run `python -m kedro_servecheck ARGS` in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-m", "kedro_servecheck", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def python(code: str, cwd: Path = REPO, env: dict | None = None, timeout: int = 180) -> Run:
    """Run a Python snippet in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def kedro(
    *args: str, cwd: Path, env: dict | None = None, python: tuple = (), timeout: int = 300
) -> Run:
    """Run `python [PYTHON] -m kedro ARGS` in the project `cwd`; stdin closed, nothing prompts."""
    completed = subprocess.run(
        [sys.executable, *python, "-m", "kedro", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def edit(project: Path, file: str, old: str, new: str) -> int:
    """Replace `old` (which must occur once) by `new` in a project file.

    Returns the 1-based line where `new` starts.
    """
    path = project / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


@pytest.fixture
def project_copy(tmp_path):
    """Copy a fixture project into a temp dir, to break it there."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(
            FIXTURES / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        return target

    return copy


def analysis_of(
    root: Path, pipeline, inputs, data_input: str, findings, name: str = "inference"
) -> Analysis:
    """An analysis of `pipeline` (registered as `name`) with the roles `inputs` and the
    `findings` given, in a project of that one pipeline (nothing loaded from disk): for
    format tests."""
    project = Project(root=root, package="pkg", env="local", pipelines={name: pipeline})
    catalog = Catalog.of(project)
    return Analysis(
        spec=ServingSpec(name),
        project=project,
        catalog=catalog,
        producers=Producers(project.pipelines, catalog),
        graph=ServingGraph(pipeline),
        inputs=inputs,
        data_input=data_input,
        findings=list(findings),
    )
