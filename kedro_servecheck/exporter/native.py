"""The pipeline run natively by Kedro, the reference an exported model must match."""

from __future__ import annotations

from typing import Any

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.catalog.resolve import CredentialNames


def run_natively(
    analysis: Analysis, data_input: str, data: Any, params: dict[str, Any] | None = None
) -> Any:
    """Run the serving pipeline with Kedro's SequentialRunner over the project's catalog.

    The data input is injected; every dataset the pipeline writes is kept in memory, so the
    run never writes into the project.
    """
    from kedro.io import DataCatalog, MemoryDataset
    from kedro.runner import SequentialRunner

    project = analysis.project
    credentials = CredentialNames(project.credentials())
    catalog = DataCatalog.from_config(
        analysis.catalog.config, credentials, load_versions=project.load_versions
    )
    for name in analysis.pipeline.all_outputs():
        catalog[name] = MemoryDataset()
    overrides = params or {}
    for free in analysis.with_role(Role.PARAMETER):
        key = free.name.removeprefix("params:")
        catalog[free.name] = MemoryDataset(overrides.get(key, analysis.parameter_value(free.name)))
    catalog[data_input] = MemoryDataset(data)  # copies it: nodes may change their input in place
    outputs = SequentialRunner().run(analysis.pipeline, catalog)
    return outputs[analysis.outputs[0]].load()
