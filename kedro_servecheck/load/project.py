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
from kedro.framework.startup import ProjectMetadata, _get_project_metadata, bootstrap_project
from kedro.pipeline import Pipeline
from kedro.utils import is_kedro_project

from kedro_servecheck.errors import ProjectLoadError, UsageError
from kedro_servecheck.findings import Location
from kedro_servecheck.load.diagnose import yaml_error
from kedro_servecheck.load.imports import ProjectImports
from kedro_servecheck.load.locations import ConfLocations, PyprojectLines, relative_path
from kedro_servecheck.load.registry_import import RegisteredPipelines, registry_location

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

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
        check never reads them). A config loader with nothing loaded yet is falsy: compare
        it with None."""
        if self.config_loader is None:
            return {}
        try:
            return dict(self.config_loader["credentials"])
        except MissingConfigException:
            return {}

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


def find_project_root(path: Path) -> Path:
    """The nearest folder at or above `path` whose pyproject.toml has a `[tool.kedro]` table."""
    path = Path(path).resolve()
    if not path.exists():
        raise ProjectLoadError(f"{path} does not exist", hint="pass the path of a Kedro project")
    for candidate in (path, *path.parents):
        if is_kedro_project(candidate):
            return candidate
    raise ProjectLoadError(
        f"No Kedro project found at {path} or in a folder above it",
        hint="pass the folder whose pyproject.toml has a [tool.kedro] table",
    )


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
    table = _servecheck_table(root)
    metadata = _metadata(root)
    imports = ProjectImports(root, metadata.package_name, _stubs_allowed(root, table, stub_missing))
    imports.run(lambda: _configure(root), "Cannot load the project settings")
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


def _metadata(root: Path) -> ProjectMetadata:
    """The `[tool.kedro]` table, or why servecheck cannot load this project."""
    try:
        return _get_project_metadata(root)
    except ValueError as exc:
        if "does not match" in str(exc):
            found = re.search(r"version ([\w.]+) does not match", str(exc))
            raise _other_kedro(found.group(1) if found else "another version") from exc
        raise ProjectLoadError(
            f"Invalid [tool.kedro] table: {exc}", where="pyproject.toml"
        ) from exc
    except Exception as exc:
        old = _kedro_table(root).get("project_version")  # Kedro 0.18 and before
        if "kedro_init_version" in str(exc) and old:
            raise _other_kedro(str(old)) from exc
        raise ProjectLoadError(
            f"Invalid [tool.kedro] table: {exc}", where="pyproject.toml"
        ) from exc


def _other_kedro(version: str) -> ProjectLoadError:
    return ProjectLoadError(
        f"This project was made with Kedro {version} and this environment has Kedro"
        f" {_kedro_version()}: servecheck needs a Kedro 1.x project",
        where="pyproject.toml",
        hint="migrate the project to Kedro 1.x and update `kedro_init_version`",
    )


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
    except yaml.YAMLError as exc:
        raise yaml_error(exc, key, root) from exc
    except Exception as exc:
        full_key = re.search(r"full_key: ([^\s]+)", str(exc))
        declared = locations.find(*full_key.group(1).split(".")) if full_key else None
        message = str(exc).splitlines()[0]
        raise ProjectLoadError(
            f"Cannot read the {key} configuration: {message}",
            where=str(declared.location) if declared else None,
            hint="fix the value or the interpolation (`${...}`) at that key",
        ) from exc


def _servecheck_table(root: Path) -> dict[str, Any]:
    return _tool_table(root, "servecheck")


def _kedro_table(root: Path) -> dict[str, Any]:
    return _tool_table(root, "kedro")


def _tool_table(root: Path, name: str) -> dict[str, Any]:
    """`[tool.<name>]` of the project's pyproject.toml ({} when absent)."""
    try:
        with (root / "pyproject.toml").open("rb") as file:
            table: dict[str, Any] = tomllib.load(file).get("tool", {}).get(name, {})
            return table
    except tomllib.TOMLDecodeError as exc:
        raise ProjectLoadError(
            f"pyproject.toml is not valid TOML: {exc}", where="pyproject.toml"
        ) from exc


def _kedro_version() -> str:
    from kedro import __version__

    return __version__
