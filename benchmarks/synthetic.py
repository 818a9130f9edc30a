"""Synthetic Kedro projects of any size, for the scale benchmark (generated, never committed).

The `inference` pipeline has one branch of `STEPS` nodes per namespace `b<i>`, all reading the
data input `raw`, and a final node that combines the branches into `predictions`. Every
dataset has a catalog entry or a factory-pattern match; every branch reads its own namespaced
parameter and its own model artifact. One model in ten has an explicit catalog entry (which
wins over the pattern) and one in ten is missing on disk, so the check reports SC202 errors
(with the training pipeline that produces them) as well as SC303 infos: real per-finding work.
"""

from __future__ import annotations

from pathlib import Path

STEPS = 25  # nodes per branch

_PYPROJECT = """\
[tool.kedro]
package_name = "synth"
project_name = "synth"
kedro_init_version = "{kedro_version}"
source_dir = "src"

[tool.servecheck.pipelines.inference]
input = "raw"
"""

_NODES = '''\
"""Node functions of the synthetic project (never run by the benchmark)."""


def fit(history, scale):
    return scale


def prepare(raw, model, scale):
    return raw


def transform(step):
    return step


def score(step):
    return step


def combine(threshold, *scores):
    return scores
'''

_PIPELINES = '''\
"""The synthetic pipelines: {branches} namespaced branches of {steps} nodes."""

from kedro.pipeline import Node, Pipeline, pipeline

from .nodes import combine, fit, prepare, score, transform

BRANCHES = {branches}
STEPS = {steps}


def _branch() -> Pipeline:
    nodes = [Node(prepare, ["raw", "model", "params:scale"], "step_0", name="prepare")]
    nodes += [Node(transform, f"step_{{k - 1}}", f"step_{{k}}", name=f"transform_{{k}}")
              for k in range(1, STEPS - 1)]
    nodes.append(Node(score, f"step_{{STEPS - 2}}", "score", name="score"))
    return Pipeline(nodes)


def create_inference_pipeline() -> Pipeline:
    branches = [pipeline(_branch(), namespace=f"b{{i}}", inputs={{"raw"}}) for i in range(BRANCHES)]
    scores = [f"b{{i}}.score" for i in range(BRANCHES)]
    return Pipeline([*branches, Node(combine, ["params:threshold", *scores], "predictions",
                                     name="combine")])


def create_training_pipeline() -> Pipeline:
    fits = Pipeline([Node(fit, ["history", "params:scale"], "model", name="fit")])
    return Pipeline([pipeline(fits, namespace=f"b{{i}}", inputs={{"history"}})
                     for i in range(BRANCHES)])
'''

_REGISTRY = '''\
"""Project pipelines."""

from .pipelines import create_inference_pipeline, create_training_pipeline


def register_pipelines():
    inference = create_inference_pipeline()
    training = create_training_pipeline()
    return {"inference": inference, "training": training, "__default__": training + inference}
'''

_SETTINGS = """\
from kedro.config import OmegaConfigLoader

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}
"""

_CATALOG = """\
raw:
  type: pandas.CSVDataset
  filepath: data/01_raw/raw.csv

history:
  type: pandas.CSVDataset
  filepath: data/01_raw/history.csv

predictions:
  type: pandas.ParquetDataset
  filepath: data/07_model_output/predictions.parquet

"{namespace}.model":
  type: pickle.PickleDataset
  filepath: data/06_models/{namespace}/model.pkl

"{namespace}.step_{n}":
  type: pandas.ParquetDataset
  filepath: data/02_intermediate/{namespace}/step_{n}.parquet

"{namespace}.score":
  type: MemoryDataset
"""


def branches_for(nodes: int) -> int:
    """The number of branches that makes a pipeline of about `nodes` nodes."""
    return max(2, nodes // STEPS)


def write_synthetic_project(root: Path, nodes: int) -> Path:
    """Write a synthetic project of about `nodes` inference nodes into `root`; return `root`."""
    from kedro import __version__ as kedro_version

    branches = branches_for(nodes)
    files = {
        "pyproject.toml": _PYPROJECT.format(kedro_version=kedro_version),
        "src/synth/__init__.py": "",
        "src/synth/settings.py": _SETTINGS,
        "src/synth/nodes.py": _NODES,
        "src/synth/pipelines.py": _PIPELINES.format(branches=branches, steps=STEPS),
        "src/synth/pipeline_registry.py": _REGISTRY,
        "conf/base/catalog.yml": _CATALOG
        + "".join(
            f"\nb{i}.model:\n  type: pickle.PickleDataset\n  filepath: {_model_file(i)}\n"
            for i in range(0, branches, 10)
        ),
        "conf/base/parameters.yml": "threshold: 0.5\n"
        + "".join(f"b{i}:\n  scale: {1 + i % 7}\n" for i in range(branches)),
        "conf/local/.gitkeep": "",
        "data/01_raw/raw.csv": "x\n1\n",
        "data/01_raw/history.csv": "x\n1\n",
    }
    for i in range(branches):
        if i % 10 != 5:  # one model in ten is missing: SC202
            files[_model_file(i)] = ""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _model_file(branch: int) -> str:
    """Where branch `branch`'s model is: an explicit entry's file for one branch in ten, else
    the file of the `{namespace}.model` pattern."""
    if branch % 10 == 0:
        return f"data/06_models/explicit/b{branch}.pkl"
    return f"data/06_models/b{branch}/model.pkl"
