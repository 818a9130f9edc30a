"""`servecheck` and `python -m kedro_servecheck`: the command line."""

from __future__ import annotations

import sys

from kedro_servecheck.errors import INTERRUPTED, INTERRUPTED_EXIT_CODE
from kedro_servecheck.quiet_logging import quiet_kedro_logging, stdout_reserved


def main() -> None:
    """The console script: Kedro stays quiet and writes no log file, unless the user's
    `KEDRO_LOGGING_CONFIG` says otherwise; even then its records stay off stdout. Ctrl-C
    is exit 130 in one line (the commands say so themselves once click runs them)."""
    quiet_kedro_logging()
    try:
        with stdout_reserved():  # Kedro configures its logging, and logs, while it is imported
            from kedro_servecheck.cli import cli
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT_CODE)
    cli(prog_name="servecheck")


if __name__ == "__main__":
    main()
