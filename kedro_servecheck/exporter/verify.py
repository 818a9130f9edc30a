"""Load the saved model in a fresh Python process, predict, and compare with Kedro's own run.

The process starts outside the project, without the project's source on `sys.path`: if the
model only works here because the project happens to be importable, verification fails.
"""

from __future__ import annotations

import itertools
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from kedro_servecheck.errors import VerificationError
from kedro_servecheck.exporter.compare import differences
from kedro_servecheck.exporter.scratch import VERIFY_PREFIX, scratch_folder

_DIFF_LINES = 5  # differences shown when a prediction does not match
_PREDICT_SCRIPT = """
import pickle, sys
import mlflow.pyfunc
model_dir, example_file, result_file = sys.argv[1:4]
with open(example_file, "rb") as stream:
    data, params = pickle.load(stream)
model = mlflow.pyfunc.load_model(model_dir)
prediction = model.predict(data, params=params)
package = sys.modules[model.metadata.metadata["servecheck"]["package"]].__file__
leaked = sorted(m for m in sys.modules if m.split(".")[0] == "kedro_servecheck")
with open(result_file, "wb") as stream:
    pickle.dump((prediction, package, leaked), stream)
"""


def predict_in_fresh_process(
    model_dir: Path, data: Any, params: dict[str, Any] | None, project_source: Path
) -> Any:
    """The model's prediction, made by a new interpreter that cannot see the project."""
    with scratch_folder(VERIFY_PREFIX, Path(tempfile.gettempdir())) as scratch:
        example, result = scratch / "example.pkl", scratch / "result.pkl"
        with example.open("wb") as stream:
            pickle.dump((data, params), stream)
        completed = subprocess.run(
            [sys.executable, "-c", _PREDICT_SCRIPT, str(model_dir), str(example), str(result)],
            cwd=scratch,
            env=_isolated_env(project_source),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if completed.returncode != 0:
            last = (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise VerificationError(
                f"The exported model failed to load or predict in a fresh process: {last}",
                hint="run with --debug to see the whole output",
            )
        with result.open("rb") as stream:
            prediction, package_file, leaked = pickle.load(stream)
    if not Path(package_file).resolve().is_relative_to(model_dir.resolve()):
        raise VerificationError(
            f"The model imported the project from {package_file}, not from its own code/ folder"
        )
    if leaked:
        raise VerificationError(f"The model imported kedro_servecheck ({', '.join(leaked)})")
    return prediction


def compare(prediction: Any, expected: Any) -> None:
    """Raise VerificationError with a short diff unless both predictions are equal."""
    found = list(itertools.islice(differences(prediction, expected), _DIFF_LINES + 1))
    if found:
        more = "\n  …" if len(found) > _DIFF_LINES else ""
        diff = "\n".join(f"  {line}" for line in found[:_DIFF_LINES])
        raise VerificationError(
            f"The exported model's prediction differs from Kedro's own run "
            f"(model != Kedro):\n{diff}{more}",
            hint="a node depends on state the model does not carry (files, globals, hooks)",
        )


def _isolated_env(project_source: Path) -> dict[str, str]:
    """The environment without the project's source on PYTHONPATH (bootstrap put it there),
    and writing no bytecode cache into the model's code (it would name this machine's paths)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    kept = [
        p
        for p in env.get("PYTHONPATH", "").split(os.pathsep)
        if p and Path(p).resolve() != project_source.resolve()
    ]
    env["PYTHONPATH"] = os.pathsep.join(kept)
    return env
