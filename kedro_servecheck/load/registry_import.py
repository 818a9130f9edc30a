"""The project's registered pipelines, built when they are first asked for.

Building a pipeline imports its modules, as Kedro does. With the template's `find_pipelines()`,
Kedro builds only the pipelines it is asked for (`kedro run --pipelines inference` imports no
reporting module): servecheck asks for the pipelines it checks, and for every pipeline only
when it needs them all (to find PipelineMLs, the pipelines that produce a missing artifact, the
names to suggest). A module that `find_pipelines()` cannot import is an error at its line (Kedro
would only warn and leave the pipeline out), so a pipeline that exists is never "not
registered". What the registry returns must be a dict of names to Pipelines, and the names in
them valid text (servecheck prints them, and writes them into the model's files).
"""

from __future__ import annotations

import operator
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path

from kedro.pipeline import Pipeline

from kedro_servecheck.errors import ProjectLoadError
from kedro_servecheck.findings import Location
from kedro_servecheck.load.diagnose import described
from kedro_servecheck.load.imports import ProjectImports
from kedro_servecheck.load.locations import function_location, literal_location
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

        def build() -> object:
            pipelines.configure(f"{package}.pipeline_registry")
            pipelines.set_requested(requested)
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=_IMPORT_FAILED)
                # what register_pipelines() returned, as it is (dict(pipelines) would fail
                # on a None or a list inside Kedro, saying neither where nor what)
                return pipelines._load_data()

        registered = self._imports.run(build, f"Cannot load the pipeline registry of '{package}'")
        built = self._checked(registered)
        # The template's registry adds `__default__`, the sum of what find_pipelines() built:
        # only a registry that returns other pipelines than those asked for built them all.
        others = set(built) - set(requested or ()) - {"__default__"}
        complete = requested is None or bool(others)
        for name, pipeline in built.items():  # the objects first built stay (analyses hold them)
            if complete or name in (requested or ()):
                self._built.setdefault(name, pipeline)
        self._complete = complete

    def _checked(self, registered: object) -> dict[str, Pipeline]:
        """What the registry returned, if it is a dict of names to Pipelines whose names are
        valid text."""
        if not isinstance(registered, Mapping):
            raise self._error(
                f"register_pipelines() returned {described(registered)}, not a dict of pipelines",
                hint='return a dict of each name and its Pipeline: {"inference": pipeline(...)}',
            )
        made_by_stub = [name for name, value in registered.items() if is_stub(value)]
        if made_by_stub:
            raise self._error(
                f"the pipeline '{made_by_stub[0]}' is made by a package that is not installed"
                f" here (servecheck stubbed {', '.join(self._imports.all_stood_in)})",
                hint="install that package where servecheck runs",
            )
        for name, value in registered.items():
            if not isinstance(name, str):
                raise self._error(
                    f"register_pipelines() registers a pipeline under {described(name)}:"
                    " a pipeline's name is a string",
                    where=self._literal(partial(operator.eq, name)),
                    hint=f'quote the name: "{name}"',
                )
            if not isinstance(value, Pipeline):
                raise self._error(
                    f"register_pipelines() registers {described(value)} as the pipeline"
                    f" '{name}', not a Pipeline",
                    where=self._literal(partial(operator.eq, name)),
                    hint=f"register a Pipeline under '{name}' (what pipeline([...]) or"
                    " create_pipeline() returns), or remove it",
                )
            self._check_text(name, value)
        return dict(registered)

    def _check_text(self, name: str, pipeline: Pipeline) -> None:
        """Dataset and node names must be text: a lone surrogate (a `\\udcff` escape, a
        file name that is not UTF-8) cannot be printed or written to a file."""
        names = [name, *sorted(pipeline.datasets()), *(node.name for node in pipeline.nodes)]
        for text in names:
            bad = next((char for char in text if "\ud800" <= char <= "\udfff"), None)
            if bad is None:
                continue
            raise self._error(
                f"the name {text!r} in the pipeline {name!r} is not valid text: it holds a lone"
                f" surrogate ({bad!r}), no character: it cannot be written as UTF-8 (a report, the"
                " model's files)",
                where=self._literal(partial(_holds, bad), everywhere=True),
                hint="write the character itself: a \\udcXX escape is not a character",
            )

    def _error(self, what: str, hint: str, where: Location | None = None) -> ProjectLoadError:
        imports = self._imports
        where = where or registry_location(imports.root, imports.package)
        return ProjectLoadError(
            f"Cannot load the pipeline registry of '{imports.package}': {what}",
            where=str(where) if where else None,
            hint=hint,
        )

    def _literal(
        self, matches: Callable[[object], bool], everywhere: bool = False
    ) -> Location | None:
        """The first string literal of the registry module (of the whole package when
        `everywhere`) that `matches`."""
        package = sys.modules[self._imports.package]
        registry = sys.modules.get(f"{self._imports.package}.pipeline_registry")
        if everywhere:
            files = sorted(Path(str(package.__file__)).parent.rglob("*.py"))
        else:
            files = [Path(str(registry.__file__))] if registry else []
        return literal_location(files, self._imports.root, matches)


def registry_location(root: Path, package: str) -> Location | None:
    """Where the project's `register_pipelines` is defined (once the registry is imported)."""
    module = sys.modules.get(f"{package}.pipeline_registry")
    register = getattr(module, "register_pipelines", None)
    return function_location(register, root) if register else None


def _holds(char: str, literal: object) -> bool:
    return isinstance(literal, str) and char in literal
