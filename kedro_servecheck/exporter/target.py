"""The folder an export writes its model to: what may be replaced, and the claim on it.

Without `force` the folder must not exist. With it, only an MLflow model folder (one with an
`MLmodel` file) or an empty folder is replaced. Never, with or without it: a folder that holds
the project, one inside the project's configuration (`conf/`) or `src/` (the package), one that
holds an artifact of the export or lies inside one. Paths are compared resolved: a symlink
stands for what it points at.

The target is claimed before anything is written: a scratch folder next to it, named after it
and locked by this process (see scratch.py), in which the model is built and from which it is
moved into place. A second export to the same folder finds it locked and stops; a folder that
appears at the target during the export is not replaced without `force`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kedro.io.core import get_protocol_and_path

from kedro_servecheck.analysis.analysis import Analysis
from kedro_servecheck.catalog.resolve import display_path
from kedro_servecheck.errors import ExportError, UsageError
from kedro_servecheck.exporter.scratch import (
    EXPORT_PREFIX,
    LOCK_FILE,
    REPLACED,
    Lock,
    lock_contents,
    new_locked_folder,
    remove_locked,
    remove_stale,
    restore_replaced,
    try_lock,
)

T = TypeVar("T")
_ELSEWHERE = "choose another --model-dir"
_REPLACE_HINT = "choose another --model-dir, or pass --force to replace the MLflow model there"


@dataclass(frozen=True)
class Protected:
    """What an export must never write into or replace (resolved paths)."""

    root: Path
    conf: Path
    src: tuple[Path, ...]  # src/ and the package's own folder
    artifacts: tuple[tuple[str, str, Path], ...]  # (dataset, as shown, path)

    @classmethod
    def of(cls, analysis: Analysis) -> Protected:
        project = analysis.project
        conf_source = getattr(project.config_loader, "conf_source", None)
        artifacts = []
        for spec in analysis.persisted_specs():
            if not (spec.is_local and spec.filepath):
                continue
            shown = display_path(spec, project.root) or spec.filepath
            configured = Path(get_protocol_and_path(spec.filepath)[1])
            for path in {configured, spec.load_path or configured}:
                artifacts.append((spec.name, shown, _resolved(path)))
        return cls(
            root=_resolved(project.root),
            conf=_resolved(Path(conf_source) if conf_source else project.root / "conf"),
            src=(_resolved(project.root / "src"), _resolved(project.package_dir)),
            artifacts=tuple(artifacts),
        )


@dataclass(frozen=True)
class Claim:
    """The target, claimed: the locked scratch folder next to it holds the model until the end."""

    target: Path  # resolved
    given: Path  # as the user wrote it, for messages
    force: bool
    stage: Path


def check_target(given: Path, force: bool, protected: Protected) -> Path:
    """The resolved target folder of an export.

    Raises:
        UsageError: The folder cannot be written, or must not be replaced (says why).
    """
    try:
        target = given.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise UsageError(f"--model-dir {given} cannot be resolved: {exc}", hint=_ELSEWHERE) from exc
    _check_not_protected(target, given, protected)
    if os.path.lexists(target):
        if not force:
            raise UsageError(f"{given} already exists", hint=_REPLACE_HINT)
        _check_replaceable(target, given)
    return target


@contextlib.contextmanager
def claimed(target: Path, given: Path, force: bool) -> Iterator[Claim]:
    """Claim `target` for the block: its parent folders made, its scratch folder locked (and
    removed afterwards, with the parents made for a model that did not arrive).

    Raises:
        UsageError: The folder cannot be written to, or another export is writing it.
    """
    made = _make_parents(target, given)
    try:
        stage, lock = _claim_stage(target, given)
    except BaseException:
        _remove_made(made)
        raise
    remove_stale(target.parent, EXPORT_PREFIX, keep=stage)
    arrived = False
    try:
        yield Claim(target, given, force, stage)
        arrived = True
    finally:
        remove_locked(stage, lock)
        if not arrived:
            _remove_made(made)


def move_into_place(model: Path, claim: Claim, protected: Protected) -> None:
    """Move the built `model` to the claimed target; with `force`, replace the model there
    (checked again: it may have changed during the export). The old model is only removed
    once the new one is in place.

    Raises:
        UsageError: A folder appeared at the target (without force), or it is no longer an
            MLflow model.
        ExportError: The file system refused the move.
    """
    target, given = claim.target, claim.given
    replaced = None
    if os.path.lexists(target):
        if not claim.force:
            raise _appeared(given)
        _check_not_protected(target, given, protected)
        _check_replaceable(target, given)
        replaced = claim.stage / REPLACED
        _renamed(target, replaced, given)
    try:
        model.rename(target)
    except OSError as exc:
        if replaced is not None:
            replaced.rename(target)
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
            raise _appeared(given) from exc
        raise ExportError(
            f"Cannot move the model into {given}: {exc.strerror}", hint=_ELSEWHERE
        ) from exc


def _check_not_protected(target: Path, given: Path, protected: Protected) -> None:
    """Refuse a target that holds the project, lies in its conf/ or src/, or meets an artifact."""
    root = protected.root
    if _within(root, target):
        what = "is the project's own folder" if target == root else f"holds the project {root}"
        raise UsageError(
            f"--model-dir {given} {what}: the export would replace it",
            hint="choose a --model-dir outside the project, or a new folder inside it",
        )
    for folder, what in ((protected.conf, "configuration"), *((s, "code") for s in protected.src)):
        if _within(target, folder):
            raise UsageError(
                f"--model-dir {given} is inside the project's {what} "
                f"({_relative(folder, root)}/): the model must not be written there",
                hint="choose a --model-dir outside conf/ and src/",
            )
    for name, shown, path in protected.artifacts:
        if _within(path, target) or _within(target, path):
            holds = _within(path, target)
            how, harm = ("holds", "replace it") if holds else ("is inside", "write into it")
            raise UsageError(
                f"--model-dir {given} {how} '{name}' ({shown}), an artifact this export "
                f"packages: the export would {harm}",
                hint=_ELSEWHERE,
            )


def _check_replaceable(target: Path, given: Path) -> None:
    """What --force may replace: a folder with an MLmodel file (or an empty folder)."""
    if not target.is_dir():
        raise UsageError(
            f"{given} is a file: --force replaces only an MLflow model folder", hint=_ELSEWHERE
        )
    if not (target / "MLmodel").is_file() and any(target.iterdir()):
        raise UsageError(
            f"{given} is not an MLflow model (it has no MLmodel file): --force replaces only "
            "an MLflow model folder",
            hint=f"{_ELSEWHERE}, or empty {given} yourself if nothing in it is needed",
        )


def _claim_stage(target: Path, given: Path) -> tuple[Path, Lock]:
    """Lock the scratch folder of `target`, taking over one a killed export left there."""
    stage = target.parent / f"{EXPORT_PREFIX}for-{_short(target.name)}"
    fresh, lock = _writable(
        lambda: new_locked_folder(EXPORT_PREFIX, target.parent, target.name), given
    )
    try:
        fresh.rename(stage)  # atomic; refused when the stage exists (it holds a lock file)
        return stage, lock
    except OSError:
        remove_locked(fresh, lock)
    taken = try_lock(stage, target.name) if stage.is_dir() else None
    if taken is None:
        pid = lock_contents(stage).get("pid")
        by = f" (pid {pid})" if isinstance(pid, int) else ""
        raise UsageError(
            f"Another servecheck export{by} is writing {given}",
            where=str(stage),
            hint="wait until it ends, or choose another --model-dir",
        )
    restore_replaced(stage)  # a stale claim: its export was killed
    for entry in stage.iterdir():
        if entry.name == LOCK_FILE:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return stage, taken


def _make_parents(target: Path, given: Path) -> list[Path]:
    """Create the missing parent folders of `target`; the ones made, outermost first."""
    missing = []
    folder = target.parent
    while not folder.exists() and not folder.is_symlink():
        missing.append(folder)
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(
            f"Cannot write the model to {given}: {folder} is a file, not a folder",
            hint="choose a --model-dir whose parents are folders",
        )
    made: list[Path] = []
    for folder in reversed(missing):
        try:
            _writable(folder.mkdir, given)
        except BaseException:
            _remove_made(made)
            raise
        made.append(folder)
    return made


def _remove_made(made: list[Path]) -> None:
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _writable(make: Callable[[], T], given: Path) -> T:
    """`make()`; a file system that refuses is the user's to fix (exit 2)."""
    try:
        return make()
    except OSError as exc:
        raise UsageError(
            f"Cannot write the model to {given}: {exc.strerror}",
            where=str(exc.filename) if exc.filename else None,
            hint="choose a --model-dir in a folder you can write to",
        ) from exc


def _renamed(source: Path, destination: Path, given: Path) -> None:
    try:
        source.rename(destination)
    except OSError as exc:
        raise ExportError(
            f"Cannot move the previous model out of {given}: {exc.strerror}", hint=_ELSEWHERE
        ) from exc


def _appeared(given: Path) -> UsageError:
    return UsageError(
        f"{given} appeared while the model was being exported: nothing was replaced",
        hint=_REPLACE_HINT,
    )


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if _within(path, root) else str(path)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _short(name: str) -> str:
    """A target's name as part of a file name (a long one shortened, keeping it unique)."""
    if len(name) <= 100:
        return name
    return f"{name[:80]}-{hashlib.sha256(name.encode()).hexdigest()[:16]}"
