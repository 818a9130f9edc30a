"""The requirements a user gives the model, as MLflow's `pip_requirements` and
`extra_pip_requirements` take them: a requirements file, or a list of requirements.

On the command line one value is either: an existing file (MLflow's own parser expands it,
`-r` and `-c` lines included), or a comma-separated list, each item a PEP 508 requirement
(whose own specifiers may be comma-separated too: `pandas>=2,<3,scikit-learn`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from kedro_servecheck.errors import UsageError

RequirementsValue = str | os.PathLike[str] | Sequence[str]


@dataclass(frozen=True)
class UserRequirements:
    """A requirements file (absolute), or requirement strings."""

    file: Path | None = None
    items: tuple[str, ...] = ()

    def for_mlflow(self) -> list[str]:
        """As MLflow's `pip_requirements` takes them; a file by its absolute path, since the
        model is saved from another working directory."""
        return [f"-r {self.file}"] if self.file else list(self.items)


def user_requirements(value: RequirementsValue | None, flag: str) -> UserRequirements | None:
    """Parse what `flag` (`--pip-requirements`…) was given; None when it was not.

    Raises:
        UsageError: A file that does not exist, or an item that is not a requirement.
    """
    if value is None:
        return None
    if isinstance(value, os.PathLike) or (isinstance(value, str) and _looks_like_a_file(value)):
        path = Path(value).expanduser()
        if not path.is_file():
            what = "is a folder, not a requirements file" if path.is_dir() else "no such file"
            raise UsageError(
                f"{flag} {value}: {what}",
                hint="give a requirements file, or a comma-separated list (a==1.0,b>=2)",
            )
        return UserRequirements(file=path.resolve())
    items = _split(value) if isinstance(value, str) else [item.strip() for item in value]
    requirements = tuple(item for item in items if item)
    if not requirements:
        raise UsageError(f"{flag} is empty", hint="give a requirements file, or a list a,b==1.0")
    for item in requirements:
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            reason = str(exc).splitlines()[0]
            raise UsageError(
                f"{flag}: '{item}' is not a requirement ({reason})",
                hint="write each as pip does: name, name==1.2, name[extra]>=1,<2",
            ) from exc
    return UserRequirements(items=requirements)


def with_extra(inferred: list[str], extra: UserRequirements) -> list[str]:
    """The inferred lines with the user's extra requirements appended. An extra item naming an
    inferred distribution narrows its line; the version installed here, which the export runs
    with, must satisfy it.

    Raises:
        UsageError: The installed version of a distribution does not satisfy its extra item.
    """
    if extra.file:
        return [*inferred, *extra.for_mlflow()]
    lines = {canonicalize_name(Requirement(line).name): line for line in inferred}
    appended = []
    for item in extra.items:
        wanted = Requirement(item)
        name = canonicalize_name(wanted.name)
        if name not in lines or wanted.marker is not None:
            appended.append(item)
            continue
        installed = metadata.version(name)
        if not wanted.specifier.contains(installed, prereleases=True):
            raise UsageError(
                f"--extra-pip-requirements '{item}' excludes {name} {installed}, the version "
                "installed here, which the export runs and verifies the model with",
                hint=f"install {item} here, or pass --pip-requirements to write the list",
            )
        ours = Requirement(lines[name])
        ours.extras |= wanted.extras
        ours.specifier = SpecifierSet(f"{ours.specifier},{wanted.specifier}".strip(","))
        lines[name] = str(ours)
    return [*lines.values(), *appended]


def _split(value: str) -> list[str]:
    """The items of a comma-separated list; an item that starts with a version operator goes
    on with the previous one's specifiers (`pandas>=2,<3` is one requirement)."""
    items: list[str] = []
    for part in filter(None, (part.strip() for part in value.split(","))):
        if items and part[0] in "<>=!~":
            items[-1] = f"{items[-1]},{part}"
        else:
            items.append(part)
    return items


def _looks_like_a_file(value: str) -> bool:
    """An existing file, or a value with a `/` (but not a `name @ URL` requirement) or ending
    in `.txt`: a requirements file, even if it does not exist."""
    slash = ("/" in value or os.sep in value) and "@" not in value
    return slash or value.endswith(".txt") or Path(value).expanduser().is_file()
