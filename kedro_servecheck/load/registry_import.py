"""The project's registered pipelines, built when they are first asked for.

Building a pipeline imports its modules, as Kedro does. With the template's `find_pipelines()`,
Kedro builds only the pipelines it is asked for (`kedro run --pipelines inference` imports no
reporting module): servecheck asks for the pipelines it checks, and for every pipeline only
when it needs them all (to find PipelineMLs, the pipelines that produce a missing artifact, the
names to suggest). A module that `find_pipelines()` cannot import is an error at its line (Kedro
would only warn and leave the pipeline out), so a pipeline that exists is never "not
registered".
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from kedro.pipeline import Pipeline

from kedro_servecheck.errors import ProjectLoadError
from kedro_servecheck.findings import Location
from kedro_servecheck.load.imports import ProjectImports
from kedro_servecheck.load.locations import function_location
from kedro_servecheck.load.stubs import is_stub

# find_pipelines() warns, with the traceback, when it cannot import a pipeline's module
_IMPORT_FAILED = (
    r"(?s)An error occurred while importing the '.*' module\. Nothing defined therein will be"
    r" returned by 'find_pipelines'\.\n\n"
)


class RegisteredPipelines(Mapping[str, Pipeline]):
    """The pipelines `register_pipelines()` returns, built as they are asked for."""

    def __init__(self, imports: ProjectImports):
        self._imports = imports
        self._built: dict[str, Pipeline] = {}
        self._complete = False

    def require(self, names: Iterable[str]) -> None:
        """Build the pipelines `names` (with Kedro's lazy registry, only those), and every
        pipeline when the registry does not build them alone (it refers to others)."""
        wanted = [name for name in names if name not in self._built]
        if not wanted or self._complete:
            return
        try:
            self._build(wanted)
        except ProjectLoadError:
            self._build(None)  # as Kedro does when the requested pipelines are not all built
        if not all(name in self._built for name in wanted):
            self._build(None)

    def __getitem__(self, name: str) -> Pipeline:
        self.require([name])
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        self._build(None)
        return iter(self._built)

    def __len__(self) -> int:
        self._build(None)
        return len(self._built)

    def _build(self, requested: list[str] | None) -> None:
        """Run the registry, asking Kedro for `requested` pipelines (None: all of them)."""
        if self._complete:
            return
        from kedro.framework.project import pipelines

        package = self._imports.package

        def build() -> dict[str, Pipeline]:
            pipelines.configure(f"{package}.pipeline_registry")
            pipelines.set_requested(requested)
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=_IMPORT_FAILED)
                return dict(pipelines)

        built = self._imports.run(build, f"Cannot load the pipeline registry of '{package}'")
        self._check_not_made_by_stubs(built)
        # The template's registry adds `__default__`, the sum of what find_pipelines() built:
        # only a registry that returns other pipelines than those asked for built them all.
        others = set(built) - set(requested or ()) - {"__default__"}
        complete = requested is None or bool(others)
        for name, pipeline in built.items():  # the objects first built stay (analyses hold them)
            if complete or name in (requested or ()):
                self._built.setdefault(name, pipeline)
        self._complete = complete

    def _check_not_made_by_stubs(self, built: Mapping[str, Pipeline]) -> None:
        made_by_stub = [name for name, registered in built.items() if is_stub(registered)]
        if made_by_stub:
            imports = self._imports
            registry = registry_location(imports.root, imports.package)
            raise ProjectLoadError(
                f"Cannot load the pipeline registry of '{imports.package}': the pipeline"
                f" '{made_by_stub[0]}' is made by a package that is not installed here"
                f" (servecheck stubbed {', '.join(imports.all_stood_in)})",
                where=str(registry) if registry else None,
                hint="install that package where servecheck runs",
            )


def registry_location(root: Path, package: str) -> Location | None:
    """Where the project's `register_pipelines` is defined (once the registry is imported)."""
    module = sys.modules.get(f"{package}.pipeline_registry")
    register = getattr(module, "register_pipelines", None)
    return function_location(register, root) if register else None
