"""The Python API: `check(path, …) -> Report`, the same path the CLI takes."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

from .analysis import analyze
from .project import load_project
from .report import Report
from .rules import run_rules
from .selection import RuleSelection
from .serving import select_serving_specs


def check(
    path: str | Path = ".",
    pipelines: list[str] | tuple[str, ...] = (),
    *,
    input: str | None = None,
    output: str | None = None,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    select: tuple[str, ...] = ("ALL",),
    ignore: tuple[str, ...] = (),
    strict: bool = False,
) -> Report:
    """Check that the serving pipelines of the Kedro project at `path` can be served.

    Loads the project once (no node runs, no dataset is loaded, mlflow is not imported),
    then analyses each serving pipeline and runs the selected rules.

    Args:
        path: The project folder (or a folder inside it).
        pipelines: Registered pipelines to check; by default those of `[tool.servecheck]`,
            else every kedro-mlflow PipelineML, else the pipeline named `inference`.
        input: The data input (the data to predict on); inferred when not given.
        output: The output to serve; the pipeline is pruned to what it needs.
        env: The Kedro configuration environment.
        params: Runtime parameters, as `kedro run --params` gives them.
        select: Rule codes or prefixes to run (`ALL` by default).
        ignore: Rule codes or prefixes to skip.
        strict: Make warnings fail the check (`Report.exit_code`).

    Raises:
        ServecheckError: The project cannot be loaded or the request is impossible.
    """
    selection = RuleSelection(select, ignore)
    with contextlib.redirect_stdout(sys.stderr):  # user code may print while it is imported
        project = load_project(path, env=env, runtime_params=params)
    specs = select_serving_specs(project, pipelines, input, output)
    analyses = []
    for spec in specs:
        analysis = analyze(project, spec)
        analysis.findings = run_rules(analysis, selection.rules())
        analyses.append(analysis)
    return Report(project.root, project.package, project.env, analyses, strict=strict)
