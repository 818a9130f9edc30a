"""The values of the project's settings.py, checked at the line that sets them.

Kedro validates its class settings as it imports settings.py, and fails inside its
validators on a value that is not a class ("'int' object has no attribute 'mro'"); it does not
check `CONFIG_LOADER_ARGS` or `CONF_SOURCE` until it uses them. Here each setting servecheck
or Kedro relies on is checked for what it must be, and a wrong one is an error at its line.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kedro_servecheck.errors import ProjectLoadError
from kedro_servecheck.load.diagnose import described
from kedro_servecheck.load.locations import assignment_location, relative_path


@dataclass(frozen=True)
class _Setting:
    must_be: str  # what the value must be, for the message
    hint: str
    base: str | None = None  # "module:Class" it must subclass; None: any class
    kind: type | None = None  # the type of a value that is not a class


_LOADER = (
    "for example: from kedro.config import OmegaConfigLoader, then"
    " CONFIG_LOADER_CLASS = OmegaConfigLoader"
)
_SETTINGS = {
    "CONFIG_LOADER_CLASS": _Setting(
        "a config loader class (a subclass of kedro.config.AbstractConfigLoader)",
        _LOADER,
        base="kedro.config:AbstractConfigLoader",
    ),
    "CONFIG_LOADER_ARGS": _Setting(
        "a dict of the config loader's arguments",
        'for example: CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}',
        kind=Mapping,
    ),
    "CONF_SOURCE": _Setting(
        "the path of the configuration folder, a string",
        'for example: CONF_SOURCE = "conf"',
        kind=str,
    ),
    "CONTEXT_CLASS": _Setting(
        "a subclass of kedro.framework.context.KedroContext",
        "remove the line to use Kedro's KedroContext",
        base="kedro.framework.context:KedroContext",
    ),
    "SESSION_STORE_CLASS": _Setting(
        "a subclass of kedro.framework.session.store.BaseSessionStore",
        "remove the line to use Kedro's BaseSessionStore",
        base="kedro.framework.session.store:BaseSessionStore",
    ),
    "SESSION_STORE_ARGS": _Setting("a dict", "for example: SESSION_STORE_ARGS = {}", kind=Mapping),
    "SESSION_CLASS": _Setting("a class", "remove the line to use Kedro's KedroSession"),
    "DATA_CATALOG_CLASS": _Setting(
        "a catalog class",
        "for example: from kedro.io import DataCatalog, then DATA_CATALOG_CLASS = DataCatalog",
    ),
}


def settings_error(root: Path, package: str) -> ProjectLoadError | None:
    """The first setting of the project's imported settings.py that is not what it must be;
    None when they all are (or settings.py was not imported: it failed, or there is none)."""
    module = sys.modules.get(f"{package}.settings")
    if module is None or not module.__file__:
        return None
    for name, setting in _SETTINGS.items():
        if name not in vars(module):
            continue
        value = vars(module)[name]
        if _fits(value, setting):
            continue
        path = Path(module.__file__)
        where = assignment_location(path, root, name)
        return ProjectLoadError(
            f"`{name}` in settings.py must be {setting.must_be}, not {described(value)}",
            where=str(where) if where else relative_path(path, root),
            hint=setting.hint,
        )
    return None


def _fits(value: object, setting: _Setting) -> bool:
    if setting.kind is not None:
        return isinstance(value, setting.kind)
    if not isinstance(value, type):
        return False
    if setting.base is None:
        return True
    module, _, name = setting.base.partition(":")
    return issubclass(value, getattr(importlib.import_module(module), name))
