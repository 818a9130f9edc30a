"""Run every benchmark of kedro-servecheck side by side and write docs/benchmarks.md.

    python benchmarks/run.py           # the full run, as published in docs/benchmarks.md
    python benchmarks/run.py --quick   # a tiny run (50-node projects, one round): a smoke test

Needs the `bench` extra (`pip install -e ".[bench]"`: kedro-mlflow, scikit-learn,
pre-commit). The projects are made in a temp folder; nothing is written into the repository
but the document (and Python's bytecode caches, which the measured processes keep, as Python
does by default).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import check_overhead
import export_time
import latency
import precommit_hook
import scale
import serving
import spark_scoring
from document import render
from timing import BENCH_ENV, FULL, QUICK

HERE = Path(__file__).resolve().parent
DOCUMENT = HERE.parent / "docs" / "benchmarks.md"
NOTES = HERE / "profiles.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run, for the smoke test")
    parser.add_argument("--output", type=Path, default=DOCUMENT, help="the document to write")
    args = parser.parse_args(argv)
    os.environ.update(BENCH_ENV)
    plan = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="servecheck-bench-") as temp:
        workdir = Path(temp)
        sections = []
        for name, benchmark in (
            ("check overhead", check_overhead.run),
            ("scale", scale.run),
            ("served latency", latency.run),
            ("serving throughput", serving.run),
            ("spark batch scoring", spark_scoring.run),
            ("pre-commit hook", precommit_hook.run),
            ("export time", export_time.run),
        ):
            started = time.perf_counter()
            folder = workdir / name.replace(" ", "_")
            folder.mkdir()
            sections.append(benchmark(folder, plan))
            print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        render(sections, command, NOTES.read_text(encoding="utf-8")), encoding="utf-8"
    )
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
