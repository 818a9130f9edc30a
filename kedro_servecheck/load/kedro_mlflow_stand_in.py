"""A stand-in for kedro-mlflow's `PipelineML` and `pipeline_ml_factory`, where it is missing.

pre-commit's isolated environment has no kedro-mlflow. A project whose registry calls
`kedro_mlflow.pipeline.pipeline_ml_factory` would then get a stub, which is not a pipeline;
servecheck stands this module in instead (see `imports`), and only when kedro_mlflow
is not installed. It does what kedro-mlflow 2.0 does when the registry builds a PipelineML,
and nothing it does at run time (no mlflow): the training nodes, `inference`, `input_name`,
`kpm_kwargs` and `log_model_kwargs` with its defaults, the construction checks in the same
order with the same messages, and the composition operators that keep a PipelineML or turn it
into a plain Pipeline. Its code follows kedro-mlflow's `pipeline_ml.py` line for line, quirks
included (`to_outputs` filters with `from_nodes`, `0 + ml` fails), so that a registry builds
the same pipelines, or fails with the same message, with and without kedro-mlflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from kedro.pipeline import Node, Pipeline

from kedro_servecheck.errors import KedroMlflowPipelineMLError

PACKAGE = "kedro_mlflow"


class PipelineML(Pipeline):
    """kedro-mlflow's PipelineML: a training Pipeline bound to the inference pipeline it feeds."""

    KPM_KWARGS_DEFAULT: ClassVar[dict[str, Any]] = {}
    LOG_MODEL_KWARGS_DEFAULT: ClassVar[dict[str, Any]] = {"signature": "auto", "name": "model"}

    def __init__(
        self,
        nodes: Iterable[Node | Pipeline],
        *args: Any,
        tags: str | Iterable[str] | None = None,
        inference: Pipeline,
        input_name: str,
        kpm_kwargs: dict[str, Any] | None = None,
        log_model_kwargs: dict[str, Any] | None = None,
    ):
        super().__init__(nodes, *args, tags=tags)
        self.inference = inference
        self.input_name = input_name
        self.kpm_kwargs = {**self.KPM_KWARGS_DEFAULT, **(kpm_kwargs or {})}
        log_model_kwargs = log_model_kwargs or {}
        if "name" in log_model_kwargs and "artifact_path" in log_model_kwargs:
            raise KedroMlflowPipelineMLError(
                "Both 'artifact_path' (deprecated in MLflow v3) and 'name' "
                "parameters were specified. Please only specify 'name'."
            )
        if "artifact_path" in log_model_kwargs:
            log_model_kwargs["name"] = log_model_kwargs.pop("artifact_path")
        self.log_model_kwargs = {**self.LOG_MODEL_KWARGS_DEFAULT, **log_model_kwargs}
        self._check_consistency()

    @property
    def training(self) -> Pipeline:
        return Pipeline(self.nodes)

    @property
    def inference(self) -> Pipeline:
        return self._inference

    @inference.setter
    def inference(self, inference: Pipeline) -> None:
        outputs = inference.outputs()
        if len(outputs) != 1:
            listing = "\n - ".join(outputs)
            raise KedroMlflowPipelineMLError(
                "The inference pipeline must have one and only one output. You are trying"
                f" to set a inference pipeline with '{len(outputs)}' output(s): \n - {listing} "
            )
        self._inference = inference

    @property
    def input_name(self) -> str:
        return self._input_name

    @input_name.setter
    def input_name(self, name: str) -> None:
        allowed = self.inference.inputs()
        if name not in allowed:
            listing = "\n    - ".join(allowed)
            raise KedroMlflowPipelineMLError(
                f"input_name='{name}' but it must be an input of 'inference'"
                f", i.e. one of: \n    - {listing}"
            )
        self._input_name = name

    def _check_consistency(self) -> None:
        inference_inputs = self.inference.inputs()
        parameters = {name for name in inference_inputs if name.startswith("params:")}
        free = (
            inference_inputs - {self.input_name} - self.all_outputs() - self.inputs() - parameters
        )
        if free:
            listing = "\n     - ".join(free)
            raise KedroMlflowPipelineMLError(
                f"The following inputs are free for the inference pipeline:\n    - {listing}."
                " \nNo free input is allowed. Please make sure that 'inference.inputs()' are"
                " all in 'training.all_outputs() + training.inputs()'except 'input_name' and"
                " parameters which starts with 'params:'."
            )

    def _turn_pipeline_to_ml(self, pipeline: Pipeline) -> PipelineML:
        return PipelineML(
            nodes=pipeline.nodes,
            inference=self.inference,
            input_name=self.input_name,
            kpm_kwargs=self.kpm_kwargs,
            log_model_kwargs=self.log_model_kwargs,
        )

    # What keeps a PipelineML (the training filtered, the checks run again); every other
    # Pipeline operation returns a plain Pipeline, as kedro-mlflow's do.
    def from_inputs(self, *inputs: str) -> PipelineML:
        return self._turn_pipeline_to_ml(self.training.from_inputs(*inputs))

    def to_outputs(self, *outputs: str) -> PipelineML:
        return self._turn_pipeline_to_ml(self.training.from_nodes(*outputs))

    def from_nodes(self, *node_names: str) -> PipelineML:
        return self._turn_pipeline_to_ml(self.training.from_nodes(*node_names))

    def to_nodes(self, *node_names: str) -> PipelineML:
        return self._turn_pipeline_to_ml(self.training.to_nodes(*node_names))

    def only_nodes_with_tags(self, *tags: str) -> PipelineML:
        return self._turn_pipeline_to_ml(self.training.only_nodes_with_tags(*tags))

    def tag(self, tags: str | Iterable[str]) -> PipelineML:
        return self._turn_pipeline_to_ml(super().tag(*tags))

    def filter(
        self,
        tags: Iterable[str] | None = None,
        from_nodes: Iterable[str] | None = None,
        to_nodes: Iterable[str] | None = None,
        node_names: Iterable[str] | None = None,
        from_inputs: Iterable[str] | None = None,
        to_outputs: Iterable[str] | None = None,
        node_namespaces: Iterable[str] | None = None,
    ) -> PipelineML:
        filtered = self.training.filter(
            tags=tags,
            from_nodes=from_nodes,
            to_nodes=to_nodes,
            node_names=node_names,
            from_inputs=from_inputs,
            to_outputs=to_outputs,
            node_namespaces=node_namespaces,
        )
        return self._turn_pipeline_to_ml(filtered)

    def __add__(self, other: Any) -> Pipeline:
        return self if not other.nodes else self.training + other

    def __radd__(self, other: Any) -> Pipeline:  # `0 + ml` (sum) fails, as in kedro-mlflow
        if not other.nodes:
            return self
        combined: Pipeline = other + self.training
        return combined

    def __and__(self, other: Any) -> PipelineML:
        return self._turn_pipeline_to_ml(super().__and__(other))


def pipeline_ml_factory(
    training: Pipeline,
    inference: Pipeline,
    input_name: str | None = None,
    kpm_kwargs: dict[str, Any] | None = None,
    log_model_kwargs: dict[str, Any] | None = None,
) -> PipelineML:
    """kedro-mlflow's factory: the PipelineML of `training`'s nodes and `inference`."""
    return PipelineML(
        nodes=training.nodes,
        inference=inference,
        input_name=input_name,  # type: ignore[arg-type]  # None fails the check, as in kedro-mlflow
        kpm_kwargs=kpm_kwargs,
        log_model_kwargs=log_model_kwargs,
    )


MODULES: dict[str, dict[str, Any]] = {  # module of kedro_mlflow -> what it defines here
    "kedro_mlflow.pipeline": {"pipeline_ml_factory": pipeline_ml_factory},
    "kedro_mlflow.pipeline.pipeline_ml": {
        "PipelineML": PipelineML,
        "KedroMlflowPipelineMLError": KedroMlflowPipelineMLError,
    },
    "kedro_mlflow.pipeline.pipeline_ml_factory": {"pipeline_ml_factory": pipeline_ml_factory},
}
