"""Errors that stop servecheck before it can report findings (exit code 2)."""

from __future__ import annotations


class ServecheckError(Exception):
    """A problem the user must fix before servecheck can run.

    Args:
        what: What failed, in one sentence.
        where: The file (and line) at fault, relative to the project when possible.
        hint: What to do about it.
    """

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(what)
        self.what = what
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        lines = [self.what]
        if self.where:
            lines.append(f"  in {self.where}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class UsageError(ServecheckError):
    """The command line or the `[tool.servecheck]` settings ask for something impossible."""


class ProjectLoadError(ServecheckError):
    """The Kedro project cannot be found or loaded."""
