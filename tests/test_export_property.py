"""Property: over random small pipelines and catalogs, the check's verdict tells the truth.

When the check passes, the exported model predicts in a fresh process what Kedro's own run
predicts; when the check reports an artifact error, Kedro's own run really fails.
"""

from __future__ import annotations

import json
import pickle
import textwrap
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import servecheck
from export_helpers import model_prediction, native_prediction, native_run_error

NODES = """
def add(frame, amount):
    return frame + amount


def scale(frame, factors):
    return frame * factors["factor"]


def combine(left, right):
    return left + right
"""

REGISTRY = """
import json
from pathlib import Path

from kedro.pipeline import Node, Pipeline

from genproj import nodes


def register_pipelines():
    spec = json.loads((Path(__file__).parent / "spec.json").read_text())
    built = Pipeline([Node(getattr(nodes, n["func"]), n["inputs"], n["output"], name=n["name"])
                      for n in spec])
    return {"inference": built, "__default__": built}
"""


@st.composite
def projects(draw):
    """A chain of 1-4 nodes over the data input `x`: add a parameter, scale by an artifact
    (present on disk or not, versioned or not), or combine with an earlier dataset."""
    spec, catalog, parameters, artifacts = [], {}, {}, {}
    current, produced = "x", ["x"]
    for index in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["add", "scale", "combine"]))
        output = f"d{index}"
        if op == "add":
            parameters[f"p{index}"] = draw(st.integers(-5, 5))
            inputs = [current, f"params:p{index}"]
        elif op == "scale":
            name = f"a{index}"
            versioned = draw(st.booleans())
            catalog[name] = {
                "type": "pickle.PickleDataset",
                "filepath": f"data/{name}.pkl",
                **({"versioned": True} if versioned else {}),
            }
            artifacts[name] = (draw(st.integers(1, 4)), versioned, draw(st.booleans()))
            inputs = [current, name]
        else:
            inputs = [current, draw(st.sampled_from(produced))]
        spec.append({"func": op, "inputs": inputs, "output": output, "name": f"n{index}"})
        produced.append(output)
        current = output
    return spec, catalog, parameters, artifacts


def _write_project(root: Path, spec, catalog, parameters, artifacts) -> None:
    package = root / "src/genproj"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent("""
        [tool.kedro]
        package_name = "genproj"
        project_name = "genproj"
        kedro_init_version = "1.7.0"
        source_dir = "src"
    """)
    )
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("")
    (package / "nodes.py").write_text(NODES)
    (package / "pipeline_registry.py").write_text(REGISTRY)
    (package / "spec.json").write_text(json.dumps(spec))
    conf = root / "conf/base"
    conf.mkdir(parents=True)
    (root / "conf/local").mkdir()
    (conf / "catalog.yml").write_text(json.dumps(catalog))
    (conf / "parameters.yml").write_text(json.dumps(parameters))
    for name, (factor, versioned, present) in artifacts.items():
        if not present:
            continue
        path = root / "data" / f"{name}.pkl"
        if versioned:
            path = path / "2026-01-01T00.00.00.000Z" / f"{name}.pkl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps({"factor": factor}))


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(projects())
def test_the_check_verdict_matches_what_kedro_and_the_model_do(tmp_path_factory, project):
    root = tmp_path_factory.mktemp("generated")
    _write_project(root, *project)
    sample = root / "sample.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.5, -1.0, 4.0]}).to_csv(sample, index=False)
    report = servecheck("check", root, "--format", "json")
    assert report.returncode in (0, 1), report.stderr
    codes = {f["code"] for f in report.json()["findings"] if f["severity"] == "error"}
    assert codes <= {"SC202", "SC203"}, codes  # generated pipelines only break artifacts
    event("check fails" if codes else "check passes")
    if codes:
        assert native_run_error(root, "inference", "x", sample, root) is not None
        return
    model = root / "model"
    export = servecheck("export", root, "--model-dir", model, "--sample", sample)
    assert export.returncode == 0, export.stderr
    predicted = model_prediction(model, sample, root)
    native = native_prediction(root, "inference", "x", sample, root)
    pd.testing.assert_frame_equal(pd.DataFrame(predicted), native, check_dtype=False)
