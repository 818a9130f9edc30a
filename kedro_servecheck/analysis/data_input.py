"""Which free input is the data input when none is named.

First the free inputs left out of the catalog (neither parameters nor persisted): the request
fills what nothing else provides. When every free input is persisted or a parameter (a batch
input declared in the catalog, `new_shuttles: pandas.CSVDataset`), the raw tables among the
persisted ones: a dataset whose type loads a DataFrame or an array and that no registered
pipeline produces (raw data, not an artifact). Either way, a single candidate is the data
input; zero or several leave it undetermined.
"""

from __future__ import annotations

from dataclasses import dataclass

from kedro.io.core import is_parameter

from kedro_servecheck.analysis.classify import data_input_candidates, is_persisted
from kedro_servecheck.analysis.producers import Producers
from kedro_servecheck.catalog.dataset_types import Loads
from kedro_servecheck.catalog.resolve import Catalog, DatasetSpec

TABULAR = (Loads.PANDAS, Loads.SPARK, Loads.NUMPY)


@dataclass(frozen=True)
class Inference:
    """How the data input was looked for, none being named: what could be it, in name order.

    `from_catalog`: no free input is left out of the catalog, so the candidates are the raw
    tables among the persisted inputs.
    """

    candidates: tuple[str, ...]
    from_catalog: bool = False

    @property
    def chosen(self) -> str | None:
        """The data input: the one candidate, else None."""
        return self.candidates[0] if len(self.candidates) == 1 else None


def loads_table(spec: DatasetSpec) -> bool:
    """Whether the spec's type (the wrapped one, for a wrapper) loads a DataFrame or an array."""
    info = spec.inner_type.info
    return info is not None and info.loads in TABULAR


def infer_data_input(free_inputs: list[str], catalog: Catalog, producers: Producers) -> Inference:
    """The candidates for the data input among `free_inputs`, none being named.

    Registered pipelines are only built (to find what produces the persisted tables) when no
    free input is left out of the catalog.
    """
    undeclared = data_input_candidates(free_inputs, catalog)
    if undeclared:
        return Inference(tuple(undeclared))
    raw = [spec.name for spec in persisted_tables(free_inputs, catalog) if not producers.of(spec)]
    return Inference(tuple(raw), from_catalog=True)


def persisted_tables(free_inputs: list[str], catalog: Catalog) -> list[DatasetSpec]:
    """The specs of the persisted free inputs whose type loads a DataFrame or an array."""
    specs = (catalog.spec(name) for name in free_inputs if not is_parameter(name))
    return [spec for spec in specs if is_persisted(spec) and loads_table(spec)]
