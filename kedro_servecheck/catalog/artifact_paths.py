"""Where an artifact's local path leads, judged against its project.

Two judgements, each a list of phrases that follow the dataset's name in a message:
`unsafe_paths`, what no model may package (the project root or a folder holding it, the
project's configuration, and what a copy cannot take: see `on_disk`); and `outside_paths`,
where the path leaves the project (an absolute path, `../`, a symlink to elsewhere), so that
export would take it from wherever it is on this machine. Remote paths (s3://…) are neither.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kedro_servecheck.catalog.on_disk import Symlink
from kedro_servecheck.catalog.resolve import DatasetSpec
from kedro_servecheck.errors import ExportError
from kedro_servecheck.load.locations import relative_path
from kedro_servecheck.load.project import Project

_CREDENTIALS = "export would package it, credentials included"
_WHOLE_PROJECT = "export would package the whole project, its credentials and .env included"


@dataclass(frozen=True)
class ProjectPlaces:
    """The real paths of a project's root and of its configuration folder, and the root as
    the project names it (its symlinks unresolved)."""

    root: Path
    conf: Path
    named_root: Path

    @classmethod
    def of(cls, project: Project) -> ProjectPlaces:
        conf = project.conf_source or project.root / "conf"
        return cls(_real(project.root), _real(conf), Path(os.path.abspath(project.root)))

    def shown(self, path: Path) -> str:
        """`path` as messages show it (symlinks unresolved): relative to the root when inside,
        else absolute."""
        normal = Path(os.path.normpath(path))
        for root in (self.named_root, self.root):
            if normal.is_relative_to(root):
                return normal.relative_to(root).as_posix()
        return str(normal)

    def inside(self, path: Path) -> bool:
        """Whether `path`, its symlinks unresolved, names a place inside the project."""
        normal = Path(os.path.normpath(path))
        return normal.is_relative_to(self.named_root) or normal.is_relative_to(self.root)

    def protected(self, real: Path) -> str | None:
        """What of the project the real path `real` is or holds that no model may package
        (with what export would do), if anything."""
        conf = f"the project's configuration ({relative_path(self.conf, self.root)}/)"
        if real == self.root:
            return f"the project root: {_WHOLE_PROJECT}"
        if self.root.is_relative_to(real):
            return f"a folder that holds the whole project: {_WHOLE_PROJECT}"
        if self.conf.is_relative_to(real):
            return f"a folder that holds {conf}: {_CREDENTIALS}"
        if real.is_relative_to(self.conf):
            return f"a path inside {conf}: {_CREDENTIALS}"
        return None

    def allows(self, real: Path, allowed: Iterable[Path]) -> bool:
        """Whether `real` is inside the project or inside one of the `allowed` folders."""
        return any(real.is_relative_to(folder) for folder in (self.root, *allowed))

    def allowed_folders(self, entries: Iterable[str]) -> list[Path]:
        """The real paths of the folders `entries` name (relative ones to the root, `~` for
        the home folder)."""
        return [_real(self.root / Path(entry).expanduser()) for entry in entries]


def unsafe_paths(spec: DatasetSpec, places: ProjectPlaces) -> list[str]:
    """Why no model may package `spec`'s local data, each reason a phrase after its name:
    `(.) is the project root: …`, `holds a named pipe (FIFO), data/m/f: …`."""
    reasons = [
        f"({places.shown(top)}) is {protected}"
        for top in _tops(spec)
        if (protected := places.protected(_real(top)))
    ]
    for link in _inner_symlinks(spec):
        if protected := places.protected(link.target):
            reasons.append(f"holds a symlink, {places.shown(link.path)}, to {protected}")
    tops = _tops(spec)
    for entry in spec.on_disk.uncopyable if spec.on_disk else ():
        shown = places.shown(entry.path)
        if entry.path in tops:
            reasons.append(f"({shown}) is {entry.what}: export cannot copy it")
        else:
            reasons.append(f"holds {entry.what}, {shown}: export cannot copy it")
    return list(dict.fromkeys(reasons))


@dataclass(frozen=True)
class Outside:
    """A way out of the project: a phrase after the dataset's name, and where it leads."""

    reason: str  # `(/mnt/m.pkl) is outside the project`
    target: Path  # the real path it leads to


def outside_paths(spec: DatasetSpec, places: ProjectPlaces, allowed: list[Path]) -> list[Outside]:
    """Where `spec`'s local path, or a symlink under it, leaves the project and every one of
    the `allowed` folders."""
    found = []
    for top in _tops(spec):
        real = _real(top)
        if not places.allows(real, allowed):
            shown = places.shown(top)
            if places.inside(top):
                found.append(Outside(f"({shown}) resolves to {real}, outside the project", real))
            else:
                found.append(Outside(f"({shown}) is outside the project", real))
    for link in _inner_symlinks(spec):
        if not places.allows(link.target, allowed):
            shown = places.shown(link.path)
            reason = f"holds a symlink, {shown}, to {link.target}, outside the project"
            found.append(Outside(reason, link.target))
    return found


def refuse_unsafe(spec: DatasetSpec, project: Project) -> None:
    """Stop an export that would package `spec`'s local data when no model may hold it,
    whatever rules the check ran.

    Raises:
        ExportError: `spec`'s local path is unsafe (`unsafe_paths`).
    """
    reasons = unsafe_paths(spec, ProjectPlaces.of(project))
    if reasons:
        raise ExportError(
            f"'{spec.name}' {reasons[0]}",
            hint="point its filepath at the artifact's own file or folder (servecheck rule SC211)",
        )


def _tops(spec: DatasetSpec) -> list[Path]:
    """The paths the catalog entry names: its configured path and, for a versioned dataset,
    the version it loads."""
    configured = spec.local_path
    if configured is None:
        return []
    found = spec.on_disk
    return list(dict.fromkeys([configured, *([found.path] if found else [])]))


def _inner_symlinks(spec: DatasetSpec) -> list[Symlink]:
    """The symlinks met inside the data to load (the top paths are judged by their real
    paths)."""
    found = spec.on_disk
    tops = set(_tops(spec))
    return [link for link in found.symlinks if link.path not in tops] if found else []


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))
