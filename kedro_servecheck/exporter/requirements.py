"""The pip requirements of the exported model, inferred from what it serves.

What the model imports: the modules of the served node functions and the project's modules
they import (see `served_code`), the classes of the artifacts it loads and the packages their
types need (kedro-datasets' extras read from its metadata, see `dataset_extras`), what a
pickled artifact references (read from its opcodes, nothing unpickled) and what an MLflow model
folder's flavours load it with (scikit-learn, skops…), plus mlflow, kedro, pandas and numpy
(and pyspark for a spark data input, which the model turns each request into).
Import names map to the installed distributions with `importlib.metadata`, pinned to the
versions installed here, which the export runs and verifies with. The project's own
distribution is never listed: its code travels with the model.
"""

from __future__ import annotations

import functools
import pickletools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import yaml
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from kedro_servecheck.catalog.dataset_types import DatasetType
from kedro_servecheck.exporter.dataset_extras import extra_requirements
from kedro_servecheck.exporter.served_code import ServedCode, served_code
from kedro_servecheck.load.installed import is_installed

Pin = Literal["exact", "compatible"]

_ALWAYS = ("mlflow", "kedro", "pandas", "numpy")
_KEDRO_DATASETS = "kedro-datasets"
# MLflow flavours whose import name is not the flavour's name (`flavors:` of an MLmodel file)
_FLAVOUR_IMPORTS = {"pytorch": ("torch",), "spark": ("pyspark",), "onnx": ("onnx", "onnxruntime")}


@dataclass(frozen=True)
class Requirements:
    """The pinned requirement lines, and what could not be pinned."""

    lines: list[str]
    warnings: list[str]


def model_code(
    package_dir: Path,
    node_modules: Iterable[str],
    dataset_types: Sequence[DatasetType],
    artifact_files: Iterable[Path],
) -> ServedCode:
    """What the served model imports, from its node functions' modules, the artifacts' dataset
    types and the artifact files themselves."""
    modules = set(_ALWAYS) | set(node_modules)
    for type_ in dataset_types:
        modules.add(type_.full.rpartition(".")[0] or type_.full)
        modules.update(type_.info.requires if type_.info else ())
    for path in artifact_files:
        modules |= pickle_modules(path) | mlflow_model_modules(path)
    return served_code(package_dir, modules)


def pinned_requirements(
    code: ServedCode, package: str, dataset_types: Sequence[DatasetType], pin: Pin = "exact"
) -> Requirements:
    """One line per distribution `code` needs, sorted; kedro-datasets carries the extras of
    `dataset_types`, and the installed distributions those extras name are pinned too."""
    own = {canonicalize_name(dist) for dist in (*_distributions_of(package), package)}
    pins: dict[str, set[str]] = {}  # distribution (canonical name) -> extras
    warnings = []
    for name, needed_by in sorted(code.imports.items()):
        distributions = {canonicalize_name(dist) for dist in _distributions_of(name)}
        if not distributions and is_installed(name):
            warnings.append(
                f"'{name}' (imported by {needed_by}) is not an installed distribution, so the "
                "model's requirements cannot name it: install it as a package, or move it "
                "into the project's package"
            )
        for dist in distributions - own - {_KEDRO_DATASETS}:
            pins.setdefault(dist, set())
    extras = sorted({type_.extra for type_ in dataset_types if type_.extra})
    for requirement in extra_requirements(extras):
        if _installed_version(requirement.name) is None:
            wanted = f"{requirement.name}{requirement.specifier}"
            warnings.append(
                f"'{wanted}', which {_KEDRO_DATASETS}[{','.join(extras)}] installs, is not "
                "installed here, so it is not pinned: the model's environment gets the newest "
                "release that fits, which this export did not run with"
            )
        else:
            pins.setdefault(canonicalize_name(requirement.name), set()).update(requirement.extras)
    lines = [_pinned(dist, pin, dist_extras) for dist, dist_extras in pins.items()]
    lines.append(_pinned(_KEDRO_DATASETS, pin, set(extras)))
    return Requirements(sorted(set(lines), key=str.lower), warnings)


def _pinned(distribution: str, pin: Pin, extras: set[str]) -> str:
    """`name[extras]==1.2.3`, or `name[extras]~=1.2` for `compatible` (a pre-release, which
    `~=` would exclude, stays exact); local version labels (`+cpu`) are dropped, as MLflow
    drops them: PyPI has no such builds."""
    installed = _installed_version(distribution) or "0"
    named = f"{distribution}[{','.join(sorted(extras))}]" if extras else distribution
    try:
        version = Version(installed)
    except InvalidVersion:
        return f"{named}=={installed}"
    public = version.public
    if pin == "compatible":
        major, minor = (*version.release, 0)[:2]
        compatible = f"~={major}.{minor}"
        if SpecifierSet(compatible).contains(public, prereleases=True):
            return f"{named}{compatible}"
    return f"{named}=={public}"


def pickle_modules(path: Path) -> set[str]:
    """The modules a pickle file references, read from its opcodes (nothing unpickled)."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    names: set[str] = set()
    for file in files:
        try:
            with file.open("rb") as stream:
                strings: list[str] = []
                for opcode, arg, _ in pickletools.genops(stream):
                    if opcode.name == "GLOBAL":
                        names.add(str(arg).split(" ")[0])
                    elif opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                        strings.append(str(arg))
                    elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                        names.add(strings[-2])
        except Exception:  # not a pickle, or a pickle followed by raw data (joblib)
            continue
    return names


def mlflow_model_modules(path: Path) -> set[str]:
    """Top-level modules that load the MLflow model saved in the folder `path` (its `MLmodel`
    flavours: `sklearn` -> sklearn, and skops for a model saved in the skops format)."""
    try:
        mlmodel: Any = yaml.safe_load((path / "MLmodel").read_text(encoding="utf-8"))
        flavours = dict(mlmodel["flavors"])
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return set()  # not an MLflow model folder
    names: set[str] = set()
    for flavour, config in flavours.items():
        if flavour != "python_function":
            names.update(_FLAVOUR_IMPORTS.get(flavour, (flavour,)))
        if isinstance(config, dict) and config.get("serialization_format") == "skops":
            names.add("skops")
    return names


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _distributions_of(import_name: str) -> set[str]:
    """The distributions that provide `import_name`; the eponymous one when there are several."""
    found = set(_packages_distributions().get(import_name, ()))
    eponymous = {dist for dist in found if _normalise(dist) == _normalise(import_name)}
    return eponymous or found


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-")


@functools.cache
def _packages_distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()
