"""Resolve dataset names to the spec Kedro would build, without importing a dataset class.

Resolution follows Kedro's own `CatalogConfigResolver`: an explicit entry, else the best
dataset factory pattern, else the user's catch-all pattern, else the `{default}` memory
dataset. Kedro's resolver validates the configuration and resolves explicit entries and the
catch-all pattern (which it warns about); dataset factory patterns and `{default}` are matched
and filled in by `FactoryPatterns`, which compiles each pattern once. Credentials are never
read: each `credentials: name` stays the name.
"""

from __future__ import annotations

import copy
import difflib
import glob
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.framework.context.context import _convert_paths_to_absolute_posix
from kedro.io import CatalogConfigResolver, DataCatalog
from kedro.io.core import DatasetError, get_protocol_and_path

from kedro_servecheck.catalog.dataset_types import DatasetType, dataset_type
from kedro_servecheck.catalog.factory_patterns import FactoryPatterns, is_catch_all
from kedro_servecheck.catalog.on_disk import OnDisk, on_disk
from kedro_servecheck.errors import ProjectLoadError, UsageError
from kedro_servecheck.load.locations import ConfLocations, Declaration, relative_path
from kedro_servecheck.load.project import Project


class Source(str, Enum):
    """How a dataset name got its configuration."""

    EXPLICIT = "explicit"
    PATTERN = "pattern"
    DEFAULT = "default"


@dataclass(frozen=True)
class DatasetSpec:
    """What Kedro would build for one dataset name, and where `load()` would read from."""

    name: str
    source: Source
    type: DatasetType
    inner_type: DatasetType  # the wrapped dataset's type for a wrapper (see WRAPPER_TYPES)
    config: dict[str, Any] = field(repr=False)
    pattern: str | None = None
    filepath: str | None = None  # as configured; local paths made absolute like Kedro does
    protocol: str | None = None
    versioned: bool = False
    version: str | None = None  # the version `load()` would read (local files only)
    load_path: Path | None = None  # the local file or folder `load()` would read
    credentials: str | None = None
    declared: Declaration | None = None

    @property
    def inner_config(self) -> dict[str, Any]:
        """The wrapped dataset's configuration for a wrapper, else the entry's."""
        wrapped = wrapped_entry(self.type, self.config)
        return wrapped[1] if wrapped else self.config

    @property
    def type_label(self) -> str:
        """The type as reports name it: `json.JSONDataset`, and for a wrapper
        `json.JSONDataset (wrapped by CachedDataset)`."""
        if self.inner_type == self.type:
            return self.type.short
        return f"{self.inner_type.short} (wrapped by {self.type.short})"

    @property
    def is_memory(self) -> bool:
        return self.inner_type.is_memory

    @property
    def is_local(self) -> bool:
        return self.protocol == "file"

    @property
    def exists(self) -> bool | None:
        """Whether the data to load is on disk; None when it cannot be told statically."""
        if not self.is_local:
            return None
        return self.load_path is not None and self.load_path.exists()

    @cached_property
    def on_disk(self) -> OnDisk | None:
        """What a copy of the local data to load would hold, walked once by stat alone; None
        when nothing is on disk."""
        return on_disk(self.load_path) if self.is_local and self.load_path else None

    @property
    def local_path(self) -> Path | None:
        """The configured local path (made absolute): for a versioned dataset, the folder of
        its versions."""
        if not self.is_local or self.filepath is None:
            return None
        return Path(get_protocol_and_path(self.filepath)[1])

    def look_alike(self) -> Path | None:
        """An existing path one typo away from the configured local one, if any: each part of
        the path that does not exist replaced by the closest name in its folder."""
        wanted = self.local_path
        if wanted is None:
            return None
        found = Path(wanted.anchor)
        for part in wanted.parts[1:]:
            if not (found / part).exists():
                try:
                    names = [entry.name for entry in found.iterdir()]
                except OSError:  # not a folder, or not readable
                    return None
                close = difflib.get_close_matches(part, names, n=1, cutoff=0.8)
                if not close:
                    return None
                part = close[0]
            found = found / part
        return found if found != wanted else None


class CredentialNames(dict[str, Any]):
    """Stands in for credentials.yml: every `credentials: name` resolves to the name itself."""

    def __bool__(self) -> bool:
        return True

    def __missing__(self, key: str) -> str:
        return key


class Catalog:
    """The catalog configuration of a project, resolved one dataset name at a time."""

    def __init__(
        self,
        config: dict[str, Any],
        project_root: Path,
        locations: ConfLocations | None = None,
        load_versions: Mapping[str, str] | None = None,
    ):
        self.project_root = project_root
        self._locations = locations or ConfLocations()
        self._load_versions = load_versions or {}
        self._absolute = _convert_paths_to_absolute_posix(project_root, copy.deepcopy(config))
        try:
            self._resolver = CatalogConfigResolver(
                copy.deepcopy(self._absolute),
                credentials=CredentialNames(),
                default_runtime_patterns=DataCatalog.default_runtime_patterns,
            )
        except DatasetError as exc:
            raise ProjectLoadError(
                f"The catalog configuration is invalid: {exc}",
                hint="fix the entry named above in conf/*/catalog*.yml (each entry needs a `type`)",
            ) from exc
        user_patterns = [p for p in self._resolver.list_patterns() if p in self._absolute]
        self._patterns = FactoryPatterns(
            [p for p in user_patterns if not is_catch_all(p)], self._absolute
        )
        self._defaults = FactoryPatterns(
            DataCatalog.default_runtime_patterns, DataCatalog.default_runtime_patterns
        )
        self._specs: dict[str, DatasetSpec] = {}

    @classmethod
    def of(cls, project: Project) -> Catalog:
        """The catalog of a loaded project, with the versions it pins (`--load-versions`).

        Raises:
            UsageError: A pinned dataset is not a versioned dataset of the catalog.
        """
        catalog = cls(
            project.catalog_config,
            project.root,
            project.catalog_locations,
            load_versions=project.load_versions,
        )
        for name in project.load_versions:
            if not catalog.spec(name).versioned:
                raise UsageError(
                    f"--load-versions pins '{name}', which is not a versioned dataset of the"
                    " catalog",
                    hint="name a dataset whose catalog entry has `versioned: true`",
                )
        return catalog

    @property
    def config(self) -> dict[str, Any]:
        """The catalog configuration with local paths made absolute (credentials by name)."""
        return self._absolute

    def spec(self, name: str) -> DatasetSpec:
        """The spec of the dataset `name` (parameters are not datasets: never pass them)."""
        if name not in self._specs:
            self._specs[name] = self._resolve(name)
        return self._specs[name]

    def _resolve(self, name: str) -> DatasetSpec:
        resolver = self._resolver
        pattern = None
        try:
            if name in resolver.config:
                source, config = Source.EXPLICIT, copy.deepcopy(resolver.resolve_pattern(name))
            elif matched := self._patterns.resolve(name):
                source, (pattern, config) = Source.PATTERN, matched
            elif pattern := resolver.match_user_catch_all_pattern(name):
                source, config = Source.PATTERN, copy.deepcopy(resolver.resolve_pattern(name))
            elif default := self._defaults.resolve(name):  # `{default}` matches every name
                source, (_, config) = Source.DEFAULT, default
            else:
                raise KeyError(f"no pattern matches '{name}'")
        except (DatasetError, KeyError, ValueError) as exc:
            raise ProjectLoadError(
                f"Cannot resolve dataset '{name}' from the catalog: {exc}",
                hint="check the dataset factory pattern that matches this name",
            ) from exc
        declared = self._locations.find(pattern or name) if source is not Source.DEFAULT else None
        return _spec_from_config(name, config, source, pattern, declared, self._load_versions)


def _spec_from_config(
    name: str,
    config: dict[str, Any],
    source: Source,
    pattern: str | None,
    declared: Declaration | None,
    load_versions: Mapping[str, str],
) -> DatasetSpec:
    declared_type = dataset_type(config.get("type", ""))
    wrapped = wrapped_entry(declared_type, config)
    inner = wrapped[1] if wrapped else config
    raw_path = inner.get("filepath") or inner.get("path")
    versioned = bool(config.get("versioned") or inner.get("versioned"))
    location = _load_location(raw_path, versioned, load_versions.get(name))
    return DatasetSpec(
        name=name,
        source=source,
        type=declared_type,
        inner_type=dataset_type(inner.get("type", "")),
        config=config,
        pattern=pattern,
        filepath=str(raw_path) if raw_path is not None else None,
        versioned=versioned,
        credentials=_credentials_name(config),
        declared=declared,
        **location,
    )


def wrapped_entry(type_: DatasetType, config: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The key and configuration of the dataset a wrapper (CachedDataset,
    MlflowArtifactDataset) wraps: `dataset:` (`data_set:` in kedro-mlflow 0.x), a mapping or
    a type name; None for a dataset that wraps none."""
    if not type_.is_wrapper:
        return None
    for key in ("dataset", "data_set"):
        wrapped = config.get(key)
        if isinstance(wrapped, dict):
            return key, wrapped
        if isinstance(wrapped, str):
            return key, {"type": wrapped}
    return None


def _load_location(raw_path: Any, versioned: bool, pinned: str | None) -> dict[str, Any]:
    """Protocol, version and local load path, as `AbstractVersionedDataset` would find them."""
    if raw_path is None:
        return {}
    protocol, path = get_protocol_and_path(str(raw_path))
    if protocol != "file":
        return {"protocol": protocol, "version": pinned}
    if not versioned:
        return {"protocol": protocol, "load_path": Path(path)}
    base = PurePosixPath(path)
    if pinned:
        candidates = [str(base / pinned / base.name)]
    else:
        candidates = sorted(glob.iglob(str(base / "*" / base.name)), reverse=True)
    existing = next((c for c in candidates if Path(c).exists()), None)
    if existing is None:
        return {"protocol": protocol, "version": pinned}
    return {
        "protocol": protocol,
        "version": PurePosixPath(existing).parent.name,
        "load_path": Path(existing),
    }


def _credentials_name(config: dict[str, Any]) -> str | None:
    for candidate in (config, config.get("dataset")):
        name = candidate.get("credentials") if isinstance(candidate, dict) else None
        if isinstance(name, str):
            return name
    return None


def display_path(spec: DatasetSpec, project_root: Path) -> str | None:
    """The spec's file path as shown in reports: relative to the project for local files."""
    if spec.filepath is None:
        return None
    if spec.local_path is not None:
        return relative_path(spec.local_path, project_root)
    return spec.filepath
