"""The scoring project's models as each tool saves them, for the latency and serving benchmarks.

servecheck's: `servecheck export` of each pipeline. kedro-mlflow's: a `KedroPipelineModel` of
the same pipeline (copy_mode "assign", the project's artifacts and parameters), saved with
`mlflow.pyfunc.save_model` and the signature of servecheck's model, in a fresh process (Kedro
caches a project's package). Its pickle refers to the project's package: a process that loads
it needs `src/` on its path, as the project installed in the serving environment would be.

    python benchmarks/models.py PROJECT FOLDER PIPELINES RESULT   # kedro-mlflow's models
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import generate
from timing import in_fresh_process, script

PIPELINES = ("inference", "chain")
DATA_INPUT = "orders"


@dataclass(frozen=True)
class Models:
    """Where both tools' models of the scoring project's pipelines are."""

    root: Path  # the scoring project
    folder: Path

    def servecheck(self, pipeline: str) -> Path:
        return self.folder / f"servecheck_{pipeline}"

    def kedro_mlflow(self, pipeline: str) -> Path:
        return self.folder / f"kedro_mlflow_{pipeline}"


def build(workdir: Path, pipelines: tuple[str, ...] = PIPELINES) -> Models:
    """The scoring project in `workdir`, and both tools' models of each of `pipelines`."""
    models = Models(generate.scoring(workdir), workdir / "models")
    for pipeline in pipelines:
        export(models.root, pipeline, models.servecheck(pipeline))
    in_fresh_process(__file__, models.root, models.folder, ",".join(pipelines))
    return models


def export(root: Path, pipeline: str, model_dir: Path) -> None:
    """`servecheck export` of the project's `pipeline` into `model_dir`."""
    subprocess.run(
        [script("servecheck"), "export", root, "--pipeline", pipeline, "--model-dir", model_dir],
        check=True,
        capture_output=True,
    )


def save_kedro_mlflow_models(models: Models, pipelines: list[str]) -> None:
    """kedro-mlflow's model of each pipeline, saved with servecheck's model's signature."""
    import mlflow.pyfunc
    from kedro_mlflow.mlflow import KedroPipelineModel
    from mlflow.models import Model

    sys.path.insert(0, str(models.root / "src"))
    from scoring.pipeline_registry import register_pipelines

    registered = register_pipelines()
    for pipeline in pipelines:
        model = KedroPipelineModel(
            registered[pipeline], _catalog(models.root), input_name=DATA_INPUT, copy_mode="assign"
        )
        parameters = models.folder / f"parameters_{pipeline}"
        parameters.mkdir(parents=True)
        mlflow.pyfunc.save_model(
            str(models.kedro_mlflow(pipeline)),
            python_model=model,
            artifacts=model.extract_pipeline_artifacts(parameters),
            signature=Model.load(str(models.servecheck(pipeline))).signature,
            pip_requirements=["mlflow", "kedro-mlflow"],
        )


def _catalog(root: Path):
    """The project's catalog with its parameters, as a Kedro session builds it."""
    from kedro.config import OmegaConfigLoader
    from kedro.framework.context.context import _convert_paths_to_absolute_posix
    from kedro.io import DataCatalog, MemoryDataset

    loader = OmegaConfigLoader(str(root / "conf"), base_env="base", default_run_env="local")
    catalog = DataCatalog.from_config(_convert_paths_to_absolute_posix(root, loader["catalog"]))
    for key, value in loader["parameters"].items():
        catalog[f"params:{key}"] = MemoryDataset(value)
    return catalog


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    root, folder, names, result = sys.argv[1:]
    save_kedro_mlflow_models(Models(Path(root), Path(folder)), names.split(","))
    Path(result).write_text(json.dumps({}))
