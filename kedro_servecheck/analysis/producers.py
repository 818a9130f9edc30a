"""Which registered pipelines produce an artifact, into the very entry the served pipeline reads.

On a fresh clone (`data/` is git-ignored) no trained artifact is on disk: what matters before
training is whether a registered pipeline (or a PipelineML's own training) saves it. A pipeline
counts when one of its nodes writes the artifact's name, or a transcoded twin of it
(`model@pickle` for `model`), to a persisted catalog entry with the same file: a node that writes
a MemoryDataset of that name makes nothing the served model can load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from kedro.pipeline import Pipeline

from kedro_servecheck.analysis.classify import is_persisted
from kedro_servecheck.analysis.graph import untranscoded
from kedro_servecheck.catalog.resolve import Catalog, DatasetSpec

DEFAULT_PIPELINE = "__default__"


@dataclass(frozen=True)
class Producer:
    """A registered pipeline that saves an artifact, and the name its node writes."""

    pipeline: str
    writes: str

    @property
    def command(self) -> str:
        """The command that runs it: `kedro run --pipelines training`."""
        if self.pipeline == DEFAULT_PIPELINE:
            return "kedro run"
        return f"kedro run --pipelines {self.pipeline}"


class Producers:
    """The producers of the datasets of one project's registered pipelines.

    Registered pipelines are walked the first time a producer is asked for: a check whose
    artifacts are all on disk never walks them.
    """

    def __init__(self, pipelines: Mapping[str, Pipeline], catalog: Catalog):
        self._pipelines = pipelines
        self._catalog = catalog

    def of(self, spec: DatasetSpec) -> list[Producer]:
        """The pipelines that save `spec`'s data, by name, `__default__` last."""
        return [
            producer
            for producer in self._written.get(untranscoded(spec.name), ())
            if self.same_entry(self._catalog.spec(producer.writes), spec)
        ]

    @cached_property
    def _written(self) -> dict[str, list[Producer]]:
        """Dataset (without transcoding) -> each pipeline that writes it, and the name used.

        A PipelineML is a pipeline of its training nodes: its outputs are its training's.
        """
        found: dict[str, list[Producer]] = {}
        names = sorted(self._pipelines, key=lambda name: (name == DEFAULT_PIPELINE, name))
        for name in names:
            for written in sorted(self._pipelines[name].all_outputs()):
                found.setdefault(untranscoded(written), []).append(Producer(name, written))
        return found

    @staticmethod
    def same_entry(written: DatasetSpec, read: DatasetSpec) -> bool:
        """Whether what a node saves as `written` is what loading `read` reads."""
        if not is_persisted(written):
            return False
        same_file = written.filepath is not None and written.filepath == read.filepath
        return written.name == read.name or same_file
