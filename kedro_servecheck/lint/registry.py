"""The rule catalogue: the one place that lists the rules, in code order.

Adding a rule: write its class in the module of its family, then add one line below.
Nothing here imports the engine (selection, suppressions, settings): they import it.
"""

from __future__ import annotations

import difflib
from types import ModuleType

from kedro_servecheck.lint.rules import (
    artifacts,
    data_input,
    imports,
    meta,
    parameters,
    pipeline,
    pipelineml,
)
from kedro_servecheck.lint.rules.base import Rule

FAMILIES: dict[str, ModuleType] = {  # code prefix -> the module of that family's rules
    "SC0": pipeline,  # the shape of the serving pipeline
    "SC1": data_input,  # the data input
    "SC2": artifacts,  # catalog datasets and persisted inputs
    "SC3": parameters,  # parameters
    "SC4": imports,  # what the served model imports
    "SC5": pipelineml,  # kedro-mlflow's PipelineML
    "SC9": meta,  # servecheck's own directives
}

ALL_RULES: tuple[Rule, ...] = (
    pipeline.EmptyPipeline(),
    pipeline.OutputCount(),
    pipeline.OutputPruned(),
    data_input.DataInputUnknown(),
    data_input.DataInputUndetermined(),
    data_input.DataInputType(),
    data_input.DataInputTypeUnknown(),
    data_input.DataInputSpark(),
    data_input.DataInputInferred(),
    artifacts.ArtifactNotPersisted(),
    artifacts.ArtifactMissing(),
    artifacts.ArtifactVersionMissing(),
    artifacts.ArtifactNotFileBacked(),
    artifacts.ArtifactRemote(),
    artifacts.DatasetTypeUnknown(),
    artifacts.ArtifactVersioned(),
    artifacts.ArtifactNotTrained(),
    artifacts.DatasetArgumentsInvalid(),
    parameters.ParametersDict(),
    parameters.ParameterUndefined(),
    parameters.ParameterFrozen(),
    parameters.ParameterUnrepresentable(),
    imports.NodeFunctionNotImportable(),
    imports.DependencyStubbed(),
    pipelineml.PipelineMLFreeInput(),
    pipelineml.PipelineMLInputName(),
    pipelineml.KedroMlflowStandIn(),
    meta.UnusedSuppression(),
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in ALL_RULES}


def is_rule_code(code: str) -> bool:
    """Whether `code` is the full code of a rule of the catalogue."""
    return code in RULES_BY_CODE


def did_you_mean(code: str) -> str:
    """` (did you mean SC202?)` for the closest rule code, or ``."""
    close = difflib.get_close_matches(code.upper(), list(RULES_BY_CODE), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""
