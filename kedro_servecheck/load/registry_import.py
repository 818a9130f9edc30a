"""Import the pipeline registry, standing stubs in for missing third-party packages.

Loading the registry imports the project's code, as Kedro does to build the pipelines. When it
fails because that code imports a third-party package that is not installed here, a stub
stands in for that package (see `stubs`), the project's modules are imported afresh and the
registry is loaded again: once for each missing package. For kedro-mlflow, whose
`pipeline_ml_factory` makes pipelines, its modules are stubs but for a stand-in of its
PipelineML (see `kedro_mlflow_stand_in`).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

from kedro.pipeline import Pipeline

from kedro_servecheck.errors import KedroMlflowPipelineMLError, ProjectLoadError
from kedro_servecheck.findings import Location
from kedro_servecheck.load import kedro_mlflow_stand_in
from kedro_servecheck.load.diagnose import cause_chain, is_inside, user_code_error, user_frame
from kedro_servecheck.load.installed import is_installed
from kedro_servecheck.load.locations import function_location
from kedro_servecheck.load.stubs import StubFinder, is_stub

MAX_STUBBED = 50  # each stubbed package costs one more import of the project's modules
STAND_INS = {kedro_mlflow_stand_in.PACKAGE: kedro_mlflow_stand_in.MODULES}


def load_pipelines(
    root: Path, package: str
) -> tuple[dict[str, Pipeline], dict[str, Location | None], dict[str, Location | None]]:
    """The registered pipelines; the missing packages stubbed to build them, and those of
    them given stand-ins (each with the line of the project's code that first imports it)."""
    from kedro.framework.project import pipelines

    what = f"Cannot load the pipeline registry of '{package}'"
    finder = StubFinder()
    stubbed: dict[str, Location | None] = {}
    stood_in: dict[str, Location | None] = {}
    while True:
        try:
            loaded = dict(pipelines)
            break
        except Exception as exc:
            cause = cause_chain(exc)[-1]
            missing = _missing_package(cause, root, finder.packages)
            if missing is None or len(stubbed) + len(stood_in) == MAX_STUBBED:
                suspects = stubbed if _refused_by_stand_in(exc) else {**stubbed, **stood_in}
                raise user_code_error(what, exc, root, suspects) from exc
            finder.add(missing, STAND_INS.get(missing))
            (stood_in if missing in STAND_INS else stubbed)[missing] = user_frame(cause, root)
            _forget_modules(package)
            pipelines.configure(f"{package}.pipeline_registry")
    made_by_stub = [name for name, registered in loaded.items() if is_stub(registered)]
    if made_by_stub:
        registry = registry_location(root, package)
        raise ProjectLoadError(
            f"{what}: the pipeline '{made_by_stub[0]}' is made by a package that is not"
            f" installed here (servecheck stubbed {', '.join([*stubbed, *stood_in])})",
            where=str(registry) if registry else None,
            hint="install that package where servecheck runs",
        )
    return loaded, stubbed, stood_in


def registry_location(root: Path, package: str) -> Location | None:
    """Where the project's `register_pipelines` is defined (once the registry is imported)."""
    module = sys.modules.get(f"{package}.pipeline_registry")
    register = getattr(module, "register_pipelines", None)
    return function_location(register, root) if register else None


def _missing_package(cause: BaseException, root: Path, stubbed: list[str]) -> str | None:
    """The top-level package to stub for `cause`, or None.

    Only a third-party package that is not installed, imported by the project's own code.
    """
    if not isinstance(cause, ModuleNotFoundError) or not cause.name:
        return None
    top = cause.name.partition(".")[0]
    if top in stubbed or top == "kedro" or top in sys.stdlib_module_names or is_installed(top):
        return None  # already stubbed, or installed: a missing submodule is a real error
    frames = [  # the frame of the import statement, below the import machinery
        frame
        for frame in traceback.extract_tb(cause.__traceback__)
        if not frame.filename.startswith("<frozen importlib")
        and Path(frame.filename).parent != Path(importlib.util.__file__).parent
    ]
    return top if frames and is_inside(Path(frames[-1].filename), root) else None


def _refused_by_stand_in(exc: BaseException) -> bool:
    """Whether the kedro-mlflow stand-in refused a PipelineML, as kedro-mlflow would: not an
    error a stub caused."""
    return any(isinstance(error, KedroMlflowPipelineMLError) for error in cause_chain(exc))


def _forget_modules(package: str) -> None:
    """Drop the project's modules (but the package itself), to import them afresh."""
    for name in [name for name in sys.modules if name.startswith(f"{package}.")]:
        del sys.modules[name]
