"""Find and load a Kedro project without a session: settings, config, parameters, pipelines.

No node runs and no dataset is loaded. Loading the pipeline registry imports the project's
code (that is how Kedro builds pipelines), so one process loads one project: Kedro caches the
project package by name. A third-party package that the project's code imports but that is not
installed here is stubbed (see `stubs`), and the project records which.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from kedro.config import MissingConfigException
from kedro.framework.startup import _get_project_metadata, bootstrap_project
from kedro.pipeline import Pipeline
from kedro.utils import is_kedro_project

from kedro_servecheck.catalog.resolve import Catalog
from kedro_servecheck.errors import ProjectLoadError, UsageError
from kedro_servecheck.findings import Location
from kedro_servecheck.load.locations import ConfLocations, relative_path
from kedro_servecheck.load.source import function_location
from kedro_servecheck.load.stubs import StubFinder, is_stub

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

_DEFAULT_PATTERNS = {
    "catalog": ["catalog*", "catalog*/**", "**/catalog*"],
    "parameters": ["parameters*", "parameters*/**", "**/parameters*"],
}
_MAX_STUBBED = 50  # each stubbed package costs one more import of the project's modules
_loaded_root: Path | None = None


@dataclass
class Project:
    """A loaded Kedro project: what servecheck needs to know, nothing executed."""

    root: Path
    package: str
    env: str
    pipelines: Mapping[str, Pipeline]
    catalog: Catalog
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_locations: ConfLocations = field(default_factory=ConfLocations)
    settings: dict[str, Any] = field(default_factory=dict)  # [tool.servecheck]
    registry_location: Location | None = None
    # missing third-party packages stubbed to build the pipelines -> where first imported
    stubbed_packages: dict[str, Location | None] = field(default_factory=dict)
    config_loader: Any = field(default=None, repr=False)

    def credentials(self) -> dict[str, Any]:
        """The real credentials (export and native runs only; the check never reads them)."""
        try:
            return dict(self.config_loader["credentials"]) if self.config_loader else {}
        except MissingConfigException:
            return {}

    @property
    def package_dir(self) -> Path:
        """The folder of the project's package (what an exported model ships as code)."""
        return Path(sys.modules[self.package].__file__).parent

    def settings_location(self, *table: str) -> Location | None:
        """The line of a `[tool.servecheck…]` table (or key) in pyproject.toml."""
        pyproject = self.root / "pyproject.toml"
        if not pyproject.is_file():
            return None
        wanted = ".".join(("tool", "servecheck", *table))
        for number, line in enumerate(pyproject.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip().strip("[]").strip() == wanted:
                return Location("pyproject.toml", number)
        return None


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
    path: Path | str, env: str | None = None, runtime_params: dict[str, Any] | None = None
) -> Project:
    """Load the Kedro project at (or above) `path`.

    Args:
        path: The project folder or any folder inside it.
        env: The configuration environment; by default Kedro's default run env, or the base
            env when that folder does not exist (as in a fresh clone without `conf/local`).
        runtime_params: Values that override parameters, as `kedro run --params` gives them.

    Raises:
        ProjectLoadError: The project cannot be found or loaded; the message says why and where.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Kedro's and the project's deprecation noise
        return _load(Path(path), env, runtime_params)


def _load(path: Path, env: str | None, runtime_params: dict[str, Any] | None) -> Project:
    global _loaded_root
    root = find_project_root(path)
    if _loaded_root is not None and _loaded_root != root:
        raise UsageError(
            f"servecheck already loaded {_loaded_root} in this process",
            hint="Kedro caches a project's package: check each project in its own process",
        )
    metadata = _bootstrap(root)
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
    pipelines, stubbed = _load_pipelines(root, metadata.package_name)
    return Project(
        root=root,
        package=metadata.package_name,
        env=env,
        pipelines=pipelines,
        catalog=Catalog(catalog_config, root, catalog_locations),
        parameters=parameters,
        parameter_locations=parameter_locations,
        settings=_servecheck_settings(root),
        registry_location=_registry_location(root, metadata.package_name),
        stubbed_packages=stubbed,
        config_loader=loader,
    )


def _bootstrap(root: Path):
    try:
        _get_project_metadata(root)
    except ValueError as exc:
        if "does not match" in str(exc):
            found = re.search(r"version ([\w.]+) does not match", str(exc))
            raise ProjectLoadError(
                f"This project was made with Kedro {found.group(1) if found else 'another version'}"
                f" and this environment has Kedro {_kedro_version()}: servecheck needs a Kedro 1.x"
                " project",
                where="pyproject.toml",
                hint="migrate the project to Kedro 1.x and update `kedro_init_version`",
            ) from exc
        raise ProjectLoadError(
            f"Invalid [tool.kedro] table: {exc}", where="pyproject.toml"
        ) from exc
    except Exception as exc:
        raise ProjectLoadError(
            f"Invalid [tool.kedro] table: {exc}", where="pyproject.toml"
        ) from exc
    try:
        metadata = bootstrap_project(root)
        from kedro.framework.project import validate_settings

        validate_settings()
    except Exception as exc:
        raise _user_code_error("Cannot load the project settings", exc, root) from exc
    return metadata


def _choose_env(conf_source: Path, root: Path, env: str | None, base: str, default: str | None):
    if env is None:
        return default if default and (conf_source / default).is_dir() else base
    if not (conf_source / env).is_dir():
        available = sorted(p.name for p in conf_source.iterdir() if p.is_dir())
        raise ProjectLoadError(
            f"Environment '{env}' does not exist",
            where=relative_path(conf_source / env, root),
            hint=f"available environments: {', '.join(available) or 'none'}",
        )
    return env


def _read_config(loader, key: str, root: Path, locations: ConfLocations) -> dict[str, Any]:
    try:
        return dict(loader[key])
    except MissingConfigException:
        return {}
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, key, root) from exc
    except Exception as exc:
        full_key = re.search(r"full_key: ([^\s]+)", str(exc))
        declared = locations.find(*full_key.group(1).split(".")) if full_key else None
        message = str(exc).splitlines()[0]
        raise ProjectLoadError(
            f"Cannot read the {key} configuration: {message}",
            where=str(declared.location) if declared else None,
            hint="fix the value or the interpolation (`${...}`) at that key",
        ) from exc


def _yaml_error(exc: yaml.YAMLError, key: str, root: Path) -> ProjectLoadError:
    """Name the malformed file and the line of the problem, as PyYAML reports it."""
    found = re.search(r"file (.+?), unable to read line (\d+)", str(exc))
    if not found:
        return ProjectLoadError(f"Malformed {key} configuration: {exc}")
    path, line, problem = Path(found.group(1)), int(found.group(2)), "invalid YAML"
    try:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as parsed:
        mark = parsed.problem_mark or parsed.context_mark
        line = mark.line + 1 if mark else line
        problem = parsed.problem or parsed.context or problem
        opened = parsed.context_mark
        if parsed.context and opened and opened.line + 1 != line:
            problem += f" ({parsed.context} started at line {opened.line + 1})"
    except (yaml.YAMLError, OSError):
        pass
    return ProjectLoadError(
        f"Malformed YAML in the {key} configuration: {problem}",
        where=f"{relative_path(path, root)}:{line}",
        hint="fix the YAML syntax at that line (indentation, quotes, brackets)",
    )


def _load_pipelines(
    root: Path, package: str
) -> tuple[dict[str, Pipeline], dict[str, Location | None]]:
    """The registered pipelines, and the missing packages stubbed to build them.

    When the registry fails because the project's code imports a third-party package that is
    not installed, a stub stands in for that package, the project's modules are imported
    afresh and the registry is loaded again: once for each missing package.
    """
    from kedro.framework.project import pipelines

    what = f"Cannot load the pipeline registry of '{package}'"
    finder = StubFinder()
    stubbed: dict[str, Location | None] = {}
    while True:
        try:
            loaded = dict(pipelines)
            break
        except Exception as exc:
            cause = _cause_chain(exc)[-1]
            missing = _missing_package(cause, root, finder.packages)
            if missing is None or len(stubbed) == _MAX_STUBBED:
                raise _user_code_error(what, exc, root, stubbed) from exc
            finder.add(missing)
            stubbed[missing] = _user_frame(cause, root)
            _forget_modules(package)
            pipelines.configure(f"{package}.pipeline_registry")
    made_by_stub = [name for name, registered in loaded.items() if is_stub(registered)]
    if made_by_stub:
        registry = _registry_location(root, package)
        raise ProjectLoadError(
            f"{what}: the pipeline '{made_by_stub[0]}' is made by a package that is not"
            f" installed here (servecheck stubbed {', '.join(stubbed)})",
            where=str(registry) if registry else None,
            hint="install that package where servecheck runs",
        )
    return loaded, stubbed


def _missing_package(cause: BaseException, root: Path, stubbed: list[str]) -> str | None:
    """The top-level package to stub for `cause`, or None.

    Only a third-party package that is not installed, imported by the project's own code.
    """
    if not isinstance(cause, ModuleNotFoundError) or not cause.name:
        return None
    top = cause.name.partition(".")[0]
    if top in stubbed or top == "kedro" or top in sys.stdlib_module_names or _found(top):
        return None  # already stubbed, or installed: a missing submodule is a real error
    frames = [  # the frame of the import statement, below the import machinery
        frame
        for frame in traceback.extract_tb(cause.__traceback__)
        if not frame.filename.startswith("<frozen importlib")
        and Path(frame.filename).parent != Path(importlib.util.__file__).parent
    ]
    return top if frames and _inside(Path(frames[-1].filename), root) else None


def _forget_modules(package: str) -> None:
    """Drop the project's modules (but the package itself), to import them afresh."""
    for name in [name for name in sys.modules if name.startswith(f"{package}.")]:
        del sys.modules[name]


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _user_code_error(
    what: str, exc: BaseException, root: Path, stubbed: Mapping[str, object] | None = None
) -> ProjectLoadError:
    """Explain an exception raised while running the project's code, at the project's line.

    Of the chain of causes, the deepest one raised through the project's own code is shown:
    the real import error under Kedro's "error while importing" wrapper, but Kedro's
    CircularDependencyError rather than the graphlib error it wraps. `stubbed` names the
    packages stubbed so far: they may be what failed.
    """
    chain = _cause_chain(exc)
    located = [(error, _user_frame(error, root)) for error in chain]
    shown, where = next(
        ((error, frame) for error, frame in reversed(located) if frame), (chain[-1], None)
    )
    detail = str(shown).splitlines()[0].replace(f"{root}/", "") if str(shown) else ""
    hint = (
        "fix the error at that line, then run servecheck again"
        if where
        else "fix the error in the project's code; `kedro registry list` reproduces it"
    )
    if isinstance(shown, ModuleNotFoundError) and shown.name:
        top = shown.name.partition(".")[0]
        if not _found(top):
            hint = (
                f"install '{top}' in this environment, or run servecheck in the environment"
                " where the project runs"
            )
        elif _inside(Path(importlib.util.find_spec(top).origin or root), root):
            hint = f"'{top}' has no module '{shown.name}': fix the import"
        else:
            hint = (
                f"the installed '{top}' has no module '{shown.name}': fix the import, or "
                f"install the version of '{top}' the project needs"
            )
    elif isinstance(shown, ImportError):
        missing = re.search(r"cannot import name '([^']+)'", detail)
        if missing:
            hint = f"'{missing.group(1)}' is not defined where it is imported from: fix the import"
    if stubbed and not isinstance(shown, ImportError):
        hint += (
            f" (servecheck stubbed {', '.join(stubbed)}, not installed here: if a stub caused"
            " this, install them)"
        )
    return ProjectLoadError(
        f"{what}: {type(shown).__name__}: {detail}", where=str(where) if where else None, hint=hint
    )


def _cause_chain(exc: BaseException) -> list[BaseException]:
    """`exc`, what caused it, what caused that…: the last one is what failed first."""
    chain = [exc]
    while chain[-1].__cause__ is not None or (
        chain[-1].__context__ is not None and not chain[-1].__suppress_context__
    ):
        chain.append(chain[-1].__cause__ or chain[-1].__context__)
    return chain


def _user_frame(exc: BaseException, root: Path) -> Location | None:
    """The innermost line of `exc` in the project's files, if any."""
    if isinstance(exc, SyntaxError) and exc.filename and _inside(Path(exc.filename), root):
        return Location(relative_path(Path(exc.filename), root), exc.lineno or 0)
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if _inside(Path(frame.filename), root)
    ]
    if not frames:
        return None
    frame = frames[-1]
    return Location(relative_path(Path(frame.filename), root), frame.lineno or 0)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _registry_location(root: Path, package: str) -> Location | None:
    module = sys.modules.get(f"{package}.pipeline_registry")
    register = getattr(module, "register_pipelines", None)
    return function_location(register, root) if register else None


def _servecheck_settings(root: Path) -> dict[str, Any]:
    try:
        with (root / "pyproject.toml").open("rb") as file:
            return tomllib.load(file).get("tool", {}).get("servecheck", {})
    except tomllib.TOMLDecodeError as exc:
        raise ProjectLoadError(f"pyproject.toml is not valid TOML: {exc}", where="pyproject.toml")


def _kedro_version() -> str:
    from kedro import __version__

    return __version__
