"""Stand-ins for third-party packages that the project imports but that are not installed here.

Loading the pipeline registry imports every node module, and node modules import what their
functions need (scikit-learn, torch…). To build the pipelines where those packages are missing
(pre-commit's isolated environment), servecheck puts a `StubFinder` on `sys.meta_path` that
answers for exactly the missing top-level names: every module, attribute, call result and base
class of such a package is then a stub. Stubs are enough to define, decorate and wire node
functions; no node runs, so no stub is ever used for real. A package may come with stand-ins:
real objects that some of its modules define instead of stubs (kedro-mlflow's PipelineML, which
makes pipelines). Stubs stay for the life of the process, which loads one project (Kedro caches
a project's package).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import inspect
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import Any


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


class Stub:
    """Any object of a stubbed package: each attribute, item and call result is a stub too.

    Called with a single function or class (`@package.decorator`), a stub returns it unchanged,
    so decorated node functions stay themselves. As a base class (`class A(package.Base)`), it
    stands for an empty class. Dunder attributes are missing, as on an ordinary object, so
    protocol checks (`__wrapped__`, `__fspath__`…) see nothing.
    """

    def __init__(self, module: str, qualname: str):
        self.__module__ = module
        self.__qualname__ = qualname
        self.__name__ = qualname.rpartition(".")[2]

    def __getattr__(self, name: str) -> Stub:
        if _is_dunder(name):
            raise AttributeError(name)
        child = Stub(self.__module__, f"{self.__qualname__}.{name}")
        setattr(self, name, child)  # the same object on every access: `x.y is x.y`
        return child

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if (
            len(args) == 1
            and not kwargs
            and (inspect.isfunction(args[0]) or inspect.isclass(args[0]))
        ):
            return args[0]
        return Stub(self.__module__, f"{self.__qualname__}()")

    def __getitem__(self, key: Any) -> Stub:
        return Stub(self.__module__, f"{self.__qualname__}[]")

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __or__(self, other: Any) -> Stub:  # `package.Type | None` in an annotation
        return self

    __ror__ = __or__

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type]:
        return (
            type(
                self.__name__,
                (StubBase,),
                {"__module__": self.__module__, "__qualname__": self.__qualname__},
            ),
        )

    def __repr__(self) -> str:
        return f"<stub {self.__module__}.{self.__qualname__}>"


class StubBase:
    """What a stubbed base class stands for: accepts any arguments, defines nothing."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass


class StubModule(types.ModuleType):
    """A module of a stubbed package: every attribute is a `Stub`."""

    def __getattr__(self, name: str) -> Stub:
        if _is_dunder(name):
            raise AttributeError(name)
        stub = Stub(self.__name__, name)
        setattr(self, name, stub)
        return stub


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a `StubModule` for the packages in `packages` and their submodules, nothing else."""

    def __init__(self) -> None:
        self.packages: list[str] = []
        self._stand_ins: dict[str, Mapping[str, Any]] = {}

    def add(self, package: str, stand_ins: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """Stub the top-level package `package` from now on; `stand_ins` maps modules of it to
        the real objects they define (every other attribute is a stub)."""
        if self not in sys.meta_path:
            sys.meta_path.append(self)  # last: only what no real finder finds
        self.packages.append(package)
        self._stand_ins.update(stand_ins or {})

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in self.packages:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> StubModule:
        return StubModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        vars(module).update(self._stand_ins.get(module.__name__, {}))


def is_stub(value: Any) -> bool:
    """Whether `value` is a stub (or a stub module) standing for a missing package."""
    return isinstance(value, (Stub, StubModule))
