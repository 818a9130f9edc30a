"""`servecheck export`: package a servable pipeline as a portable MLflow pyfunc model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kedro_servecheck.errors import UsageError
from kedro_servecheck.exporter.backend import (
    ExportBlocked,
    ExportOptions,
    ExportResult,
    export_analysis,
)
from kedro_servecheck.report import Report


def export(
    path: str | Path = ".",
    pipeline: str | None = None,
    *,
    output: str | Path | None = None,
    input: str | None = None,
    env: str | None = None,
    params: dict[str, Any] | None = None,
    sample: str | Path | None = None,
    verify: bool = False,
    force: bool = False,
    tracking_uri: str | None = None,
    register: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExportResult:
    """Check the serving pipeline of the project at `path`, then export it as an MLflow model.

    Args:
        path: The Kedro project folder.
        pipeline: The registered pipeline to export (default: the one `check` would pick).
        output: The folder to write the model to (must not exist unless `force`).
        input: The data input; inferred when not given.
        env: The Kedro configuration environment.
        params: Runtime parameters, as `kedro run --params` gives them.
        sample: A CSV, Parquet or JSON file of rows to predict on (the input example).
        verify: Load the model in a fresh process and compare with Kedro's own run.
        force: Replace an existing `output` folder.
        tracking_uri: Log the model to this MLflow tracking server.
        register: Register the logged model under this name (needs `tracking_uri`).
        progress: Called with the name of each step.

    Raises:
        ExportBlocked: The check has an error finding (`.report` holds the report).
        ServecheckError: Anything else that stops the export; nothing is left behind.
    """
    from kedro_servecheck.api import check

    if register and not tracking_uri:
        raise UsageError("--register needs --tracking-uri", hint="pass the tracking server URI")
    options = ExportOptions(
        output=Path(output) if output else None,
        sample=Path(sample) if sample else None,
        verify=verify,
        force=force,
        tracking_uri=tracking_uri,
        register=register,
        progress=progress or (lambda step: None),
    )
    options.progress("load and check")
    report = check(path, [pipeline] if pipeline else (), input=input, env=env, params=params)
    return export_report(report, options)


def export_report(report: Report, options: ExportOptions) -> ExportResult:
    """Export the one pipeline `report` checked (the analysis the check made, not a new one)."""
    if len(report.analyses) != 1:
        names = ", ".join(analysis.name for analysis in report.analyses)
        raise UsageError(
            f"Export takes one pipeline; the check selected {names}", hint="pass --pipeline NAME"
        )
    try:
        return export_analysis(report.analyses[0], report, options)
    except ExportBlocked as blocked:
        blocked.report = report
        raise


__all__ = [
    "ExportBlocked",
    "ExportOptions",
    "ExportResult",
    "export",
    "export_analysis",
    "export_report",
]
