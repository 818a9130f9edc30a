"""Errors that stop servecheck before or instead of a report, each with its exit code.

Exit code 2: the request or the project is at fault (usage, settings, loading, an export that
cannot be made from what is there). Exit code 1: the check ran and the pipeline is not
servable as it is (an export blocked by findings, a model that fails verification). Exit code
130: interrupted (Ctrl-C). The text of an error is redacted (`redaction`): it may quote
Kedro's, which echoes a dataset's arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

from kedro_servecheck.findings import Finding
from kedro_servecheck.redaction import redact

INTERRUPTED = "servecheck: interrupted"
INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, as a shell reports a command Ctrl-C stopped


class ServecheckError(Exception):
    """The root of servecheck's errors; raise one of its subclasses.

    Args:
        what: What failed, in one sentence.
        where: The file (and line) at fault, relative to the project when possible.
        hint: What to do about it.
    """

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None):
        what = redact(what)
        super().__init__(what)
        self.what = what
        self.where = redact(where) if where else where
        self.hint = redact(hint) if hint else hint

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


class ExportError(ServecheckError):
    """The model cannot be made from what is there (an artifact, the input example…)."""


class ExportBlocked(ExportError):
    """The check found errors: the pipeline is not servable as it is.

    `findings` are the error findings that block the export (none when something else does,
    such as a stubbed package).
    """

    exit_code = 1

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        findings: Sequence[Finding] = (),
    ):
        super().__init__(what, where=where, hint=hint)
        self.findings = tuple(findings)


class VerificationError(ExportError):
    """The exported model does not load, or does not predict what Kedro predicts."""

    exit_code = 1


class KedroMlflowPipelineMLError(Exception):
    """kedro-mlflow's error for a PipelineML it refuses, as servecheck's stand-in raises it
    where kedro-mlflow is not installed (load/kedro_mlflow_stand_in.py).

    Not a ServecheckError: the project's code raises it, and loading the project reports it
    (exit 2) as it reports kedro-mlflow's own.
    """
