"""What a pipeline's nodes save to persisted catalog entries: what training and reporting do.

Served, a pipeline's nodes run on every request and nothing they write is saved: the model
keeps every value in memory and returns the served output. A pipeline whose nodes save a
model, metrics or a plot is a training or reporting pipeline. Its inference look-alike is a
registered pipeline that loads what it saves and saves nothing itself.

Batch scoring saves its predictions as a table (`pandas.CSVDataset`...). So an output that
the pipeline returns and saves as a table does not count. Served, the model returns it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from kedro.io.core import is_parameter
from kedro.pipeline import Pipeline

from kedro_servecheck.analysis.classify import is_persisted
from kedro_servecheck.analysis.graph import untranscoded
from kedro_servecheck.analysis.producers import DEFAULT_PIPELINE, Producers
from kedro_servecheck.analysis.targets import serving_pipeline
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.catalog.resolve import Catalog, DatasetSpec

_TABLES = (Loads.PANDAS, Loads.SPARK, Loads.NUMPY)


@dataclass(frozen=True)
class PersistedWrite:
    """A dataset a node saves to a persisted catalog entry."""

    dataset: str  # as the node writes it
    node: str
    spec: DatasetSpec


@dataclass(frozen=True)
class LookAlike:
    """A registered pipeline that loads some of what another saves, and saves nothing."""

    pipeline: str
    reads: list[str]


def persisted_writes(
    pipeline: Pipeline, catalog: Catalog, outputs: Collection[str]
) -> list[PersistedWrite]:
    """What the nodes of `pipeline` save to persisted entries, in node order, except the
    `outputs` it returns when they are saved as tables."""
    return [
        PersistedWrite(name, node.name, spec)
        for node in pipeline.nodes
        for name in node.outputs
        if is_persisted(spec := catalog.spec(name)) and not (name in outputs and _is_table(spec))
    ]


def inference_look_alikes(
    pipelines: Mapping[str, Pipeline], catalog: Catalog, writes: list[PersistedWrite], name: str
) -> list[LookAlike]:
    """The registered pipelines other than `name` (and `__default__`) that read one of
    `writes` and save nothing. A PipelineML counts by its inference pipeline.

    Builds every registered pipeline: ask only when `writes` is not empty.
    """
    found = []
    for other in sorted(pipelines):
        if other in (name, DEFAULT_PIPELINE):
            continue
        serving = serving_pipeline(pipelines[other])
        loaded = [catalog.spec(free) for free in serving.inputs() if not is_parameter(free)]
        read = [write.dataset for write in writes if any(_reads(write, spec) for spec in loaded)]
        if read and not persisted_writes(serving, catalog, serving.outputs()):
            found.append(LookAlike(other, read))
    return found


def _reads(write: PersistedWrite, spec: DatasetSpec) -> bool:
    """Whether loading `spec` reads what `write` saved (a transcoded twin, or the same file)."""
    same_name = untranscoded(write.dataset) == untranscoded(spec.name)
    return same_name or Producers.same_entry(write.spec, spec)


def _is_table(spec: DatasetSpec) -> bool:
    info = spec.inner_type.info
    return info is not None and info.loads in _TABLES
