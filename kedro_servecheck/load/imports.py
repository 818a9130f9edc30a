"""Import the project's code (its settings, its pipeline registry), and, when asked, stand stubs
in for the third-party packages it imports that are not installed here.

By default a missing package is a load error, as it is for `kedro run` and for the served
model. With `--stub-missing` (pre-commit's isolated hook), a stub stands in for it (see
`stubs`), the project's modules are imported afresh and the import is tried again: once for
each missing package. kedro-mlflow, whose `pipeline_ml_factory` makes pipelines, gets a
faithful stand-in for its PipelineML instead (see `kedro_mlflow_stand_in`).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kedro_servecheck.errors import KedroMlflowPipelineMLError
from kedro_servecheck.findings import Location
from kedro_servecheck.load import kedro_mlflow_stand_in
from kedro_servecheck.load.diagnose import (
    cause_chain,
    exit_error,
    is_inside,
    user_code_error,
    user_frame,
)
from kedro_servecheck.load.installed import is_installed
from kedro_servecheck.load.stubs import StubFinder

MAX_STUBBED = 50  # each stubbed package costs one more import of the project's modules
STAND_INS = {kedro_mlflow_stand_in.PACKAGE: kedro_mlflow_stand_in.MODULES}

T = TypeVar("T")


class ProjectImports:
    """The imports of one project's code, and the missing packages stood in for so far (each
    with the line of the project's code that first imports it)."""

    def __init__(self, root: Path, package: str, stub_missing: bool):
        self.root = root
        self.package = package
        self.stub_missing = stub_missing
        self.stubbed: dict[str, Location | None] = {}
        self.stood_in: dict[str, Location | None] = {}
        self._finder = StubFinder()

    def run(self, action: Callable[[], T], what: str) -> T:
        """The result of `action`, which imports the project's code; tried again with a stub
        for each missing third-party package when stubs are allowed.

        Raises:
            ProjectLoadError: `action` failed (`what` failed), or the project's code called
                `sys.exit()`, at the project's line.
        """
        while True:
            try:
                return action()
            except (Exception, SystemExit) as exc:  # SystemExit: the project's code exits
                cause = cause_chain(exc)[-1]
                missing = self._missing_package(cause)
                if missing is None or len(self.stubbed) + len(self.stood_in) == MAX_STUBBED:
                    if isinstance(exc, SystemExit):
                        raise exit_error(what, exc, self.root) from exc
                    suspects = self.stubbed if _refused_by_stand_in(exc) else self.all_stood_in
                    raise user_code_error(what, exc, self.root, suspects) from exc
                self._finder.add(missing, STAND_INS.get(missing))
                record = self.stood_in if missing in STAND_INS else self.stubbed
                record[missing] = user_frame(cause, self.root)
                self._forget_modules()

    @property
    def all_stood_in(self) -> dict[str, Location | None]:
        """Every missing package given a stub or a stand-in."""
        return {**self.stubbed, **self.stood_in}

    def _missing_package(self, cause: BaseException) -> str | None:
        """The top-level package to stub for `cause`, or None: only a third-party package that
        is not installed, imported by the project's own code, and only with `stub_missing`."""
        if not self.stub_missing or not isinstance(cause, ModuleNotFoundError) or not cause.name:
            return None
        top = cause.name.partition(".")[0]
        known = top in self._finder.packages or top == "kedro" or top in sys.stdlib_module_names
        if known or is_installed(top):
            return None  # already stubbed, or installed: a missing submodule is a real error
        frames = [  # the frame of the import statement, below the import machinery
            frame
            for frame in traceback.extract_tb(cause.__traceback__)
            if not frame.filename.startswith("<frozen importlib")
            and Path(frame.filename).parent != Path(importlib.util.__file__).parent
        ]
        return top if frames and is_inside(Path(frames[-1].filename), self.root) else None

    def _forget_modules(self) -> None:
        """Drop the project's modules (but the package itself), to import them afresh."""
        for name in [name for name in sys.modules if name.startswith(f"{self.package}.")]:
            del sys.modules[name]


def _refused_by_stand_in(exc: BaseException) -> bool:
    """Whether the kedro-mlflow stand-in refused a PipelineML, as kedro-mlflow would: not an
    error a stub caused."""
    return any(isinstance(error, KedroMlflowPipelineMLError) for error in cause_chain(exc))
