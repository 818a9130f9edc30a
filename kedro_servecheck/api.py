"""The Python API: `check(path, …) -> Report`, the same path the CLI takes."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kedro_servecheck.analysis.analysis import Analysis, analyze
from kedro_servecheck.analysis.targets import select_serving_specs
from kedro_servecheck.lint.noqa import Suppressions
from kedro_servecheck.lint.rules import run_rules
from kedro_servecheck.lint.rules.meta import UNUSED_SUPPRESSION
from kedro_servecheck.lint.settings import Overrides, Settings
from kedro_servecheck.load.project import Project, load_project
from kedro_servecheck.report import Report


def check(
    path: str | Path = ".",
    pipelines: Sequence[str] = (),
    *,
    input: str | None = None,
    output: str | None = None,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    strict: bool | None = None,
) -> Report:
    """Check that the serving pipelines of the Kedro project at `path` can be served.

    Loads the project once (no node runs, no dataset is loaded, mlflow is not imported),
    then analyses each serving pipeline, runs the selected rules and applies the settings of
    `[tool.servecheck]` and the suppression comments.

    Args:
        path: The project folder (or a folder inside it).
        pipelines: Registered pipelines to check; by default those of `[tool.servecheck]`,
            else every kedro-mlflow PipelineML, else the pipeline named `inference`.
        input: The data input (the data to predict on); inferred when not given.
        output: The output to serve; the pipeline is pruned to what it needs.
        env: The Kedro configuration environment.
        params: Runtime parameters, as `kedro run --params` gives them.
        select: Rule codes or prefixes to run, instead of `select` in `[tool.servecheck]`
            (default `ALL`).
        extend_select: Rule codes or prefixes to run on top of `select`.
        ignore: Rule codes or prefixes to skip, on top of `ignore` in `[tool.servecheck]`.
        strict: Make warnings fail the check (`Report.exit_code`); None: as the file says.

    Raises:
        ServecheckError: The project cannot be loaded, the settings are invalid, or the
            request is impossible.
    """
    overrides = Overrides(
        select=None if select is None else tuple(select),
        extend_select=tuple(extend_select),
        ignore=tuple(ignore),
        strict=strict,
    )
    project, settings = load(path, env=env, params=params, overrides=overrides)
    return run(project, settings, pipelines, input=input, output=output)


def load(
    path: str | Path,
    *,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    overrides: Overrides = Overrides(),
) -> tuple[Project, Settings]:
    """The project at `path` and its effective settings (no rule runs)."""
    with contextlib.redirect_stdout(sys.stderr):  # user code may print while it is imported
        project = load_project(path, env=env, runtime_params=params)
    return project, Settings.resolve(project, overrides)


def run(
    project: Project,
    settings: Settings,
    pipelines: Sequence[str] = (),
    *,
    input: str | None = None,
    output: str | None = None,
) -> Report:
    """Analyse the serving pipelines of `project` and review them under `settings`."""
    with _collector_paused():
        analyses = [
            analyze(project, spec)
            for spec in select_serving_specs(project, pipelines, input, output)
        ]
        review(analyses, settings)
        return Report(project.root, project.package, project.env, analyses, strict=settings.strict)


def review(analyses: list[Analysis], settings: Settings) -> None:
    """Set the findings of `analyses` (of one project): what the selected rules report.

    In order: the selected rules run, severities are overridden, suppression comments drop
    what they cover, unused suppressions are reported (SC901, on the first pipeline), and
    `ignore-findings` entries drop what they match. The rule examples go through here too.
    """
    rules = settings.selection.rules()
    for analysis in analyses:
        analysis.findings = [settings.adjust(finding) for finding in run_rules(analysis, rules)]
    if not analyses:
        return
    found = [finding for analysis in analyses for finding in analysis.findings]
    suppressions = Suppressions.scan(analyses[0].project, found)
    for analysis in analyses:
        analysis.findings = [f for f in analysis.findings if not suppressions.suppresses(f)]
    if settings.selection.selects(UNUSED_SUPPRESSION.code):
        analyses[0].findings += [
            settings.adjust(UNUSED_SUPPRESSION.report(analyses[0], suppression, problems))
            for suppression, problems in suppressions.unused({rule.code for rule in rules})
        ]
    for analysis in analyses:
        analysis.findings = [f for f in analysis.findings if not settings.ignores(f)]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (if it runs) for the analysis.

    The analysis allocates many small objects (dataset specs, findings) and frees almost none
    before it ends: every pass of the collector would walk the whole loaded project again and
    find no garbage. On the scale benchmark's projects the passes took a quarter to two fifths
    of the analysis (docs/benchmarks.md). Garbage left in cycles is collected once the
    collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
