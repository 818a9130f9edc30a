"""`servecheck` and `python -m kedro_servecheck`: the command line."""

from __future__ import annotations

from kedro_servecheck.quiet_logging import quiet_kedro_logging, stdout_reserved


def main() -> None:
    """The console script: Kedro stays quiet and writes no log file, unless the user's
    `KEDRO_LOGGING_CONFIG` says otherwise; even then its records stay off stdout."""
    quiet_kedro_logging()
    with stdout_reserved():  # Kedro configures its logging, and logs, while it is imported
        from kedro_servecheck.cli import cli
    cli(prog_name="servecheck")


if __name__ == "__main__":
    main()
