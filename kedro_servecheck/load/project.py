"""Find and load a Kedro project without a session: settings, config, parameters, pipelines.

No node runs and no dataset is loaded. Loading the pipeline registry imports the project's
code (that is how Kedro builds pipelines), so one process loads one project: Kedro caches the
project package by name. A third-party package that the project's code imports but that is not
installed here is stubbed when asked (see `imports`), and the project records which.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from kedro.config import AbstractConfigLoader, MissingConfigException
from kedro.framework.startup import bootstrap_project
from kedro.pipeline import Pipeline

from kedro_servecheck.errors import ProjectLoadError, UsageError
from kedro_servecheck.findings import Location
from kedro_servecheck.load.diagnose import config_file_error
from kedro_servecheck.load.imports import ProjectImports
from kedro_servecheck.load.locations import ConfLocations, PyprojectLines, relative_path
from kedro_servecheck.load.project_settings import settings_error
from kedro_servecheck.load.pyproject import find_project_root, project_metadata, servecheck_table
from kedro_servecheck.load.registry_import import RegisteredPipelines, registry_location
from kedro_servecheck.redaction import remember_config, remember_credentials

_DEFAULT_PATTERNS = {
    "catalog": ["catalog*", "catalog*/**", "**/catalog*"],
    "parameters": ["parameters*", "parameters*/**", "**/parameters*"],
}
_loaded_root: Path | None = None


@dataclass
class Project:
    """A loaded Kedro project: what servecheck needs to know, nothing executed."""

    root: Path
    package: str
    env: str
    pipelines: Mapping[str, Pipeline]
    catalog_config: dict[str, Any] = field(default_factory=dict)
    catalog_locations: ConfLocations = field(default_factory=ConfLocations)
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_locations: ConfLocations = field(default_factory=ConfLocations)
    servecheck_table: dict[str, Any] = field(default_factory=dict)  # [tool.servecheck], raw
    # missing third-party packages stubbed to build the pipelines -> where first imported
    # (filled in as pipelines are built: the pipelines are built when first asked for)
    stubbed_packages: dict[str, Location | None] = field(default_factory=dict)
    # missing packages given a stand-in instead (kedro_mlflow) -> where first imported
    stood_in_packages: dict[str, Location | None] = field(default_factory=dict)
    load_versions: dict[str, str] = field(default_factory=dict)  # --load-versions
    config_loader: AbstractConfigLoader | None = field(default=None, repr=False)
    conf_source: Path | None = None  # settings.CONF_SOURCE; None: conf/ under the root

    def credentials(self) -> dict[str, Any]:
        """The real credentials, read as Kedro reads them (export and native runs only; the
        check never reads them), each value then kept out of error messages (`redaction`).
        A config loader with nothing loaded yet is falsy: compare it with None."""
        if self.config_loader is None:
            return {}
        try:
            credentials = dict(self.config_loader["credentials"])
        except MissingConfigException:
            return {}
        remember_credentials(credentials)
        return credentials

    @property
    def package_dir(self) -> Path:
        """The folder of the project's package (what an exported model ships as code)."""
        return Path(str(sys.modules[self.package].__file__)).parent

    @property
    def registry_location(self) -> Location | None:
        """Where `register_pipelines` is defined (None until the registry is imported)."""
        return registry_location(self.root, self.package)

    @cached_property
    def pyproject(self) -> PyprojectLines:
        """Where the `[tool.servecheck…]` tables and keys are, line by line."""
        return PyprojectLines(self.root)


def loaded_root() -> Path | None:
    """The root of the project this process loaded (one project a process), if any."""
    return _loaded_root


def load_project(
    path: Path | str,
    env: str | None = None,
    runtime_params: dict[str, Any] | None = None,
    load_versions: Mapping[str, str] | None = None,
    stub_missing: bool | None = None,
) -> Project:
    """Load the Kedro project at (or above) `path`.

    Args:
        path: The project folder or any folder inside it.
        env: The configuration environment; by default `KEDRO_ENV`, else Kedro's default run
            env, or the base env when that folder does not exist (as in a fresh clone without
            `conf/local`).
        runtime_params: Values that override parameters, as `kedro run --params` gives them.
        load_versions: The version to load of versioned datasets, as `kedro run
            --load-versions` gives them (dataset name -> version).
        stub_missing: Stand stubs in for third-party packages the project imports that are
            not installed here; None: as `stub-missing` in [tool.servecheck] says.

    Raises:
        ProjectLoadError: The project cannot be found or loaded; the message says why and where.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Kedro's and the project's deprecation noise
        project = _load(Path(path), env, runtime_params, stub_missing)
    project.load_versions = dict(load_versions or {})
    return project


def _load(
    path: Path, env: str | None, runtime_params: dict[str, Any] | None, stub_missing: bool | None
) -> Project:
    global _loaded_root
    root = find_project_root(path)
    if _loaded_root is not None and _loaded_root != root:
        raise UsageError(
            f"servecheck already loaded {_loaded_root} in this process",
            hint="Kedro caches a project's package: check each project in its own process",
        )
    table = servecheck_table(root)
    metadata = project_metadata(root)
    imports = ProjectImports(root, metadata.package_name, _stubs_allowed(root, table, stub_missing))
    try:
        imports.run(lambda: _configure(root), "Cannot load the project settings")
    except ProjectLoadError as exc:  # Kedro's validators fail on a setting of the wrong type
        wrong = settings_error(root, metadata.package_name)
        if wrong is None:
            raise
        raise wrong from exc
    error = settings_error(root, metadata.package_name)  # what Kedro checks only when used
    if error:
        raise error
    _loaded_root = root

    from kedro.framework.project import settings  # configured by bootstrap_project

    conf_source = root / settings.CONF_SOURCE
    if not conf_source.is_dir():
        raise ProjectLoadError(
            f"The configuration folder {settings.CONF_SOURCE}/ does not exist",
            where=relative_path(conf_source, root) + "/",
            hint="create conf/base/ with catalog.yml and parameters.yml (see `kedro new`)",
        )
    loader_args = dict(settings.CONFIG_LOADER_ARGS)
    base_env = loader_args.get("base_env") or "base"
    env = _choose_env(conf_source, root, env, base_env, loader_args.get("default_run_env"))
    try:
        loader = settings.CONFIG_LOADER_CLASS(
            conf_source=str(conf_source), env=env, runtime_params=runtime_params, **loader_args
        )
    except Exception as exc:  # a custom loader class may raise anything
        raise ProjectLoadError(f"Cannot create the config loader: {exc}") from exc
    patterns = {**_DEFAULT_PATTERNS, **getattr(loader, "config_patterns", {})}
    envs = [base_env] if env == base_env else [base_env, env]
    catalog_locations = ConfLocations.scan(root, conf_source, envs, patterns["catalog"])
    parameter_locations = ConfLocations.scan(root, conf_source, envs, patterns["parameters"])
    catalog_config = _read_config(loader, "catalog", root, catalog_locations)
    parameters = _read_config(loader, "parameters", root, parameter_locations)
    remember_config(catalog_config)  # the secrets Kedro's errors may echo (load_args…)
    remember_config(parameters)
    return Project(
        root=root,
        package=metadata.package_name,
        env=env,
        pipelines=RegisteredPipelines(imports),
        catalog_config=catalog_config,
        catalog_locations=catalog_locations,
        parameters=parameters,
        parameter_locations=parameter_locations,
        servecheck_table=table,
        stubbed_packages=imports.stubbed,
        stood_in_packages=imports.stood_in,
        config_loader=loader,
        conf_source=conf_source,
    )


def _stubs_allowed(root: Path, table: Mapping[str, Any], flag: bool | None) -> bool:
    """`--stub-missing`, else `stub-missing` in [tool.servecheck], else False."""
    if flag is not None:
        return flag
    value = table.get("stub-missing", False)
    if not isinstance(value, bool):
        raise UsageError(
            f"`stub-missing` in [tool.servecheck] must be true or false, not {value!r}",
            where=PyprojectLines(root).where(key="stub-missing"),
            hint="for example: stub-missing = true",
        )
    return value


def _configure(root: Path) -> None:
    """Kedro's bootstrap: the project's settings imported and validated."""
    bootstrap_project(root)
    from kedro.framework.project import validate_settings

    validate_settings()


def _choose_env(
    conf_source: Path, root: Path, env: str | None, base: str, default: str | None
) -> str:
    """The env Kedro would run: `--env`, else `KEDRO_ENV`, else the default run env (the base
    env when that folder is missing, as on a fresh clone without `conf/local`)."""
    origin = "--env"
    if not env:
        env, origin = os.environ.get("KEDRO_ENV") or None, "KEDRO_ENV"
    if env is None:
        return default if default and (conf_source / default).is_dir() else base
    if not (conf_source / env).is_dir():
        available = sorted(p.name for p in conf_source.iterdir() if p.is_dir())
        raise ProjectLoadError(
            f"Environment '{env}' ({origin}) does not exist",
            where=relative_path(conf_source / env, root),
            hint=f"available environments: {', '.join(available) or 'none'}",
        )
    return env


def _read_config(
    loader: AbstractConfigLoader, key: str, root: Path, locations: ConfLocations
) -> dict[str, Any]:
    try:
        return dict(loader[key])
    except MissingConfigException:
        return {}
    except Exception as exc:
        in_file = config_file_error(key, (root / file for file in locations.files), root)
        if in_file:
            raise in_file from exc
        full_key = re.search(r"full_key: ([^\s]+)", str(exc))
        declared = locations.find(*full_key.group(1).split(".")) if full_key else None
        message = str(exc).splitlines()[0]
        raise ProjectLoadError(
            f"Cannot read the {key} configuration: {message}",
            where=str(declared.location) if declared else None,
            hint="fix the YAML syntax at that key"
            if isinstance(exc, yaml.YAMLError)
            else "fix the value or the interpolation (`${...}`) at that key",
        ) from exc
