"""`kedro servecheck`: `servecheck check` as a Kedro project command.

Registered in the `kedro.project_commands` entry point group: inside a Kedro project,
`kedro servecheck [OPTIONS]` is `servecheck check [OPTIONS]` on that project (PATH defaults to
the current folder, and any folder inside a project finds its root). Like `servecheck`, it
creates no session: no hook of the project or of a plugin (kedro-mlflow…) runs.
"""

from __future__ import annotations

import click

from kedro_servecheck.cli import check


@click.group(name="servecheck")
def commands() -> None:
    """Project commands of kedro-servecheck."""


commands.add_command(check, name="servecheck")
