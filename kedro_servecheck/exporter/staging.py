"""Stage what the served model needs: the pipeline, its artifacts, catalog and parameters.

Everything lands in one `serving/` folder that becomes the model's single MLflow artifact:
`pipeline.json` (with the `spark` settings of a spark data input), `catalog.yml` (the
artifacts' catalog entries re-pointed at the copies, no credentials), `parameters.yml` (frozen
values), `data/` (the copied files) and `report.json`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.io.core import get_protocol_and_path
from kedro.pipeline import Node

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.catalog.artifact_paths import refuse_unsafe
from kedro_servecheck.catalog.resolve import DatasetSpec, display_path
from kedro_servecheck.errors import ExportError
from kedro_servecheck.exporter.copying import CopyProgress, copy_artifact

# Never written into the model: secrets (credentials, the filesystem's and the saver's
# options), and what means nothing for a local copy that is only loaded.
_DROPPED_KEYS = ("credentials", "versioned", "fs_args", "save_args", "metadata")
_DROPPED_LOAD_ARGS = ("storage_options", "credentials")


@dataclass(frozen=True)
class StagedArtifact:
    """A persisted input copied into the model."""

    name: str
    source: str  # as shown in reports: relative to the project, or the remote URL
    path: str  # relative to serving/
    version: str | None
    sha256: str


def write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )


def stage_serving(
    analysis: Analysis,
    serving: Path,
    credentials: dict[str, Any],
    progress: CopyProgress,
    spark: dict[str, Any] | None = None,
) -> list[StagedArtifact]:
    """Write the serving folder for `analysis`; return the artifacts it copied (`progress`
    hears how far each local copy has got)."""
    serving.mkdir(parents=True)
    staged, catalog = [], {}
    for spec in analysis.persisted_specs():
        refuse_unsafe(spec, analysis.project)  # even when the check did not run SC211
        artifact, entry = _stage_artifact(
            spec, serving, analysis.project.root, credentials, progress
        )
        staged.append(artifact)
        catalog[spec.name] = entry
    write_json(serving / "catalog.yml", catalog)
    write_json(serving / "parameters.yml", analysis.frozen_parameters())
    write_json(serving / "pipeline.json", pipeline_spec(analysis, spark))
    return staged


def pipeline_spec(analysis: Analysis, spark: dict[str, Any] | None = None) -> dict[str, Any]:
    """The nodes (function by import path), the data input and the output; `spark`, the
    SparkSession settings and input schema of a spark data input (`exporter/spark.py`).

    A node's inputs and outputs are written as it was built (a list, or a dict of argument
    names): Kedro keeps that form only in `Node._inputs` / `_outputs`, and the model
    rebuilds each node from it.
    """
    return {
        **({"spark": spark} if spark else {}),
        "pipeline": analysis.name,
        "data_input": analysis.data_input,
        "output": analysis.outputs[0],
        "nodes": [
            {
                "name": node.name,
                "func": function_path(node),
                "inputs": node._inputs,
                "outputs": node._outputs,
            }
            for node in analysis.pipeline.nodes
        ],
    }


def function_path(node: Node) -> str:
    """`module:qualname` of a node's function, by which the model imports it."""
    return f"{node.func.__module__}:{node.func.__qualname__}"


def _stage_artifact(
    spec: DatasetSpec,
    serving: Path,
    root: Path,
    credentials: dict[str, Any],
    progress: CopyProgress,
) -> tuple[StagedArtifact, dict[str, Any]]:
    """Copy (or fetch) one artifact into `serving/data/`; its catalog entry, re-pointed."""
    if spec.filepath is None:
        raise ExportError(f"'{spec.name}' has no file to package")
    inner = copy.deepcopy(spec.inner_config)  # a wrapper's copy is its wrapped dataset
    path_key = "filepath" if "filepath" in inner else "path"
    source = spec.load_path if spec.is_local else None
    if source is None and spec.is_local:
        raise ExportError(
            f"'{spec.name}' has nothing on disk to package",
            hint=f"run `servecheck check` and fix the findings about '{spec.name}'",
        )
    name = PurePosixPath(get_protocol_and_path(spec.filepath)[1]).name
    relative = PurePosixPath("data", _safe(spec.name), name)
    target = serving / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shown = display_path(spec, root) or spec.filepath
    if source is not None:
        _copy(spec.name, shown, source, target, progress)
    else:
        _fetch(spec, target, credentials)
    entry = {key: value for key, value in inner.items() if key not in _DROPPED_KEYS}
    if isinstance(entry.get("load_args"), dict):
        entry["load_args"] = {
            key: value for key, value in entry["load_args"].items() if key not in _DROPPED_LOAD_ARGS
        }
    entry["type"] = spec.inner_type.full
    entry[path_key] = relative.as_posix()
    artifact = StagedArtifact(spec.name, shown, relative.as_posix(), spec.version, sha256(target))
    return artifact, entry


def _copy(name: str, shown: str, source: Path, target: Path, progress: CopyProgress) -> None:
    try:
        copy_artifact(name, source, target, progress)
    except OSError as exc:  # unreadable, or no room left for the copy
        raise ExportError(
            f"Cannot copy '{name}' ({shown}) into the model: {exc.strerror or exc}",
            hint="check that the artifact can be read, and that the model's folder has room for it",
        ) from exc


def _fetch(spec: DatasetSpec, target: Path, credentials: dict[str, Any]) -> None:
    """Download a remote artifact through the dataset's own filesystem (fsspec)."""
    import fsspec

    options = credentials.get(spec.credentials, {}) if spec.credentials else {}
    options = {**options, **(spec.config.get("fs_args") or {})}
    protocol, path = get_protocol_and_path(str(spec.filepath))
    try:
        filesystem = fsspec.filesystem(protocol, **options)
        if spec.versioned:
            path = _latest_remote_version(filesystem, path)
        filesystem.get(path, str(target), recursive=filesystem.isdir(path))
    except Exception as exc:  # fsspec backends raise their own errors
        raise ExportError(
            f"Cannot fetch '{spec.name}' from {spec.filepath}: {type(exc).__name__}: {exc}",
            hint=(f"check the credentials '{spec.credentials}', " if spec.credentials else "check ")
            + f"the path, and that the fsspec package for '{protocol}' is installed here",
        ) from exc


def _latest_remote_version(filesystem: Any, path: str) -> str:
    """The newest `<path>/<version>/<name>` on a remote (fsspec) filesystem."""
    base = PurePosixPath(path)
    versions = sorted(filesystem.glob(f"{base}/*/{base.name}"), reverse=True)
    if not versions:
        raise FileNotFoundError(f"no version under {path}")
    return str(versions[0])


def sha256(path: Path) -> str:
    """The sha256 of a file, or of a folder's files (sorted relative paths and contents)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode())
        with file.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
