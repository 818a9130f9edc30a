"""Pinned pip requirements for the exported model.

kedro, kedro-datasets (with the extras of the datasets the model loads), mlflow, pandas and
numpy, plus every third-party distribution that the project's code imports, that provides a
dataset class the model loads (kedro-mlflow's model dataset) or that such a class needs
(pyspark for a spark data input, which the model turns each request into), that a pickled artifact
references, or that an MLflow model folder's flavours load it with (scikit-learn, skops…),
mapped from import names to distributions with `importlib.metadata`. The project's own
distribution is never listed: its code travels with the model.
"""

from __future__ import annotations

import ast
import functools
import pickletools
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from kedro_servecheck.catalog.dataset_types import DatasetType

_ALWAYS = ("mlflow", "kedro", "pandas", "numpy")
# MLflow flavours whose import name is not the flavour's name (`flavors:` of an MLmodel file)
_FLAVOUR_IMPORTS = {"pytorch": ("torch",), "spark": ("pyspark",), "onnx": ("onnx", "onnxruntime")}


def pinned_requirements(
    package_dir: Path, dataset_types: Iterable[DatasetType], artifact_files: Iterable[Path]
) -> list[str]:
    """`name==version` lines, sorted; kedro-datasets carries the extras the model needs."""
    import_names = set(_ALWAYS)
    import_names |= source_imports(package_dir)
    import_names |= {type_.full.split(".")[0] for type_ in dataset_types}
    import_names |= {
        name for type_ in dataset_types for name in getattr(type_.info, "requires", ())
    }
    for path in artifact_files:
        import_names |= pickle_modules(path) | mlflow_model_modules(path)
    own = _distributions_of(package_dir.name) | {package_dir.name}
    distributions = (
        {dist for name in import_names for dist in _distributions_of(name)}
        - own
        - {"kedro-datasets", "kedro_datasets"}
    )
    lines = {f"{dist}=={metadata.version(dist)}" for dist in distributions}
    extras = sorted({t.extra for t in dataset_types if t.extra})
    suffix = f"[{','.join(extras)}]" if extras else ""
    lines.add(f"kedro-datasets{suffix}=={metadata.version('kedro-datasets')}")
    return sorted(lines, key=str.lower)


def source_imports(package_dir: Path) -> set[str]:
    """Top-level names of the absolute imports in every module of the package."""
    names: set[str] = set()
    for path in package_dir.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return _third_party(names)


def pickle_modules(path: Path) -> set[str]:
    """Top-level modules a pickle file references, read from its opcodes (nothing unpickled)."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    names: set[str] = set()
    for file in files:
        try:
            with file.open("rb") as stream:
                strings: list[str] = []
                for opcode, arg, _ in pickletools.genops(stream):
                    if opcode.name == "GLOBAL":
                        names.add(str(arg).split(" ")[0].split(".")[0])
                    elif opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                        strings.append(str(arg))
                    elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                        names.add(strings[-2].split(".")[0])
        except Exception:  # not a pickle, or a pickle followed by raw data (joblib)
            continue
    return _third_party(names)


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
    return _third_party(names)


def _third_party(names: set[str]) -> set[str]:
    return {
        name
        for name in names
        if name and name not in sys.stdlib_module_names and name != "__main__"
    }


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
