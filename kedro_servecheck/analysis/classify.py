"""The role of each free input of a serving pipeline: data, persisted, parameter, unresolved."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kedro.io.core import is_parameter

from kedro_servecheck.analysis.graph import untranscoded
from kedro_servecheck.catalog.resolve import Catalog, DatasetSpec, Source


class Role(str, Enum):
    """What a free input is for when the pipeline is served."""

    DATA = "data"  # the data to predict on, sent with each request
    PERSISTED = "persisted"  # an artifact on disk, packaged with the model
    PARAMETER = "parameter"  # frozen into the model, overridable per request
    UNRESOLVED = "unresolved"  # none of the above: serving cannot provide it

    @property
    def label(self) -> str:
        """How reports name the role: `data input`, `persisted`…"""
        return "data input" if self is Role.DATA else self.value


@dataclass(frozen=True)
class FreeInput:
    """A free input of the serving pipeline and its role; `spec` is None for parameters."""

    name: str
    role: Role
    spec: DatasetSpec | None


def is_persisted(spec: DatasetSpec) -> bool:
    """Declared in the catalog (entry or pattern) as something that outlives a run."""
    return spec.source is not Source.DEFAULT and not spec.is_memory


def data_input_candidates(free_inputs: list[str], catalog: Catalog) -> list[str]:
    """Free inputs that could be the data input: neither parameters nor persisted."""
    return [
        name
        for name in free_inputs
        if not is_parameter(name) and not is_persisted(catalog.spec(name))
    ]


def match_free_input(requested: str, free_inputs: list[str]) -> str | None:
    """The free input named `requested`, also when it is given without its transcoding suffix."""
    if requested in free_inputs:
        return requested
    same_base = [name for name in free_inputs if untranscoded(name) == requested]
    return same_base[0] if len(same_base) == 1 else None


def classify(free_inputs: list[str], catalog: Catalog, data_input: str | None) -> list[FreeInput]:
    """Give every free input its role, the chosen `data_input` (if any) being the data."""
    classified = []
    for name in free_inputs:
        if is_parameter(name):
            classified.append(FreeInput(name, Role.PARAMETER, None))
            continue
        spec = catalog.spec(name)
        if name == data_input:
            role = Role.DATA
        elif is_persisted(spec):
            role = Role.PERSISTED
        else:
            role = Role.UNRESOLVED
        classified.append(FreeInput(name, role, spec))
    return classified
