"""Reference runs for export tests, each in a fresh process: the exported model loaded by
MLflow where kedro-servecheck cannot be imported, and the pipeline run natively by Kedro; and
a model server on 127.0.0.1, for the serving tests."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

_MODEL_PREDICT = """
import importlib.abc, pickle, sys
model_dir, sample, params, blocked, result = sys.argv[1:6]
params, blocked = eval(params), {"kedro_servecheck", *blocked.split(",")}
class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named '{name}'")
sys.meta_path.insert(0, NotInstalled())
import mlflow.pyfunc, pandas as pd
model = mlflow.pyfunc.load_model(model_dir)
prediction = model.predict(pd.read_csv(sample), params=params)
with open(result, "wb") as stream:
    pickle.dump(prediction, stream)
"""

_NATIVE_RUN = """
import os, pickle, sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
from kedro.framework.startup import bootstrap_project
from kedro.framework.project import pipelines, settings
from kedro.framework.context.context import _convert_paths_to_absolute_posix
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
project, name, data_input, sample, params, result = sys.argv[1:7]
params = eval(params) or {}
bootstrap_project(project)
loader = settings.CONFIG_LOADER_CLASS(conf_source=os.path.join(project, "conf"),
                                      env="base", **settings.CONFIG_LOADER_ARGS)
registered = pipelines[name]
pipeline = getattr(registered, "inference", registered)
from pathlib import Path
config = _convert_paths_to_absolute_posix(Path(project), loader["catalog"])
catalog = DataCatalog.from_config(config)
values = loader["parameters"]
for free in pipeline.inputs():
    if free.startswith("params:"):
        key = free[len("params:"):]
        value = values
        for part in key.split("."):
            value = value[part]
        catalog[free] = MemoryDataset(params.get(key, value))
for out in pipeline.all_outputs():
    catalog[out] = MemoryDataset()
catalog[data_input] = MemoryDataset(pd.read_csv(sample))
(output,) = pipeline.outputs()
prediction = SequentialRunner().run(pipeline, catalog)[output].load()
with open(result, "wb") as stream:
    pickle.dump(prediction, stream)
"""


def _run(script: str, args: list, cwd: Path, result: Path, interpreter: str = sys.executable):
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run(
        [interpreter, "-c", script, *map(str, args), str(result)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with result.open("rb") as stream:
        return pickle.load(stream)


def native_run_error(
    project: Path, pipeline: str, data_input: str, sample: Path, scratch: Path
) -> str | None:
    """The last line of the error of a native Kedro run, or None when it succeeds."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _NATIVE_RUN,
            str(project.resolve()),
            pipeline,
            data_input,
            str(sample.resolve()),
            "None",
            str(scratch / "out.pkl"),
        ],
        cwd=scratch,
        env={**os.environ, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stderr.strip().splitlines()[-1] if done.returncode else None


def model_prediction(
    model_dir: Path,
    sample: Path,
    scratch: Path,
    params: dict | None = None,
    not_installed: tuple[str, ...] = (),
    interpreter: str = sys.executable,
):
    """Load the model in a fresh process of `interpreter` (cwd outside the project) and predict
    on `sample`, where kedro-servecheck and the `not_installed` packages cannot be imported."""
    return _run(
        _MODEL_PREDICT,
        [model_dir, sample.resolve(), repr(params), ",".join(not_installed)],
        scratch,
        scratch / "model_prediction.pkl",
        interpreter,
    )


def native_prediction(
    project: Path,
    pipeline: str,
    data_input: str,
    sample: Path,
    scratch: Path,
    params: dict | None = None,
):
    """Run the pipeline with Kedro's SequentialRunner on `sample`, in a fresh process."""
    return _run(
        _NATIVE_RUN,
        [project.resolve(), pipeline, data_input, sample.resolve(), repr(params)],
        scratch,
        scratch / "native_prediction.pkl",
    )


def read_json(path: Path):
    return json.loads(path.read_text())


def free_port() -> int:
    """A TCP port nothing listens on, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_json(url: str, payload: dict):
    """POST `payload` as JSON to `url`: the decoded answer."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def running_server(args: Sequence[str | Path], ready: str, cwd: Path, env: dict) -> Iterator[None]:
    """Start `args` as a process group, wait until GET `ready` answers 200; after the block,
    stop the server and check that none of its processes survived."""
    server = subprocess.Popen(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"{args[0]} exited"
            try:
                with urllib.request.urlopen(ready, timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, f"the server did not answer {ready}"
                time.sleep(0.5)
        yield
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        deadline = time.monotonic() + 30
        while True:
            try:
                os.killpg(server.pid, 0)
            except ProcessLookupError:
                break
            assert time.monotonic() < deadline, "the server's process group survived"
            time.sleep(0.2)
