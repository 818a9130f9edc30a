"""Side-by-side timing: every case runs once per round, rounds rotate the order, medians win.

The machines are shared and noisy, so a figure is only compared with figures measured in the
same rounds: a ratio of two medians from one `measure` call.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The environment of every measured process: kedro-telemetry off (it would also write into the
# projects' pyproject.toml), and Python's bytecode caches on, as by default (an empty value
# unsets PYTHONDONTWRITEBYTECODE, which some environments set).
BENCH_ENV = {"DO_NOT_TRACK": "1", "KEDRO_DISABLE_TELEMETRY": "1", "PYTHONDONTWRITEBYTECODE": ""}


@dataclass(frozen=True)
class Plan:
    """How much to measure: rounds of each comparison, sizes, calls per round."""

    process_rounds: int  # whole-process runs (check, export) per case
    warmup: int  # unmeasured runs of each whole-process case first
    scale_sizes: tuple[int, ...]
    scale_rounds: int
    latency_rounds: int
    latency_calls: int  # predictions per round and case
    serving_rounds: int
    serving_requests: tuple[int, int]  # per round and server: of one row, of 1,000 rows


FULL = Plan(
    process_rounds=10,
    warmup=1,
    scale_sizes=(1_000, 10_000, 50_000),
    scale_rounds=5,
    latency_rounds=15,
    latency_calls=20,
    serving_rounds=5,
    serving_requests=(400, 100),
)
QUICK = Plan(
    process_rounds=1,
    warmup=0,
    scale_sizes=(50, 500),
    scale_rounds=1,
    latency_rounds=2,
    latency_calls=2,
    serving_rounds=1,
    serving_requests=(8, 4),
)


@dataclass(frozen=True)
class Timing:
    """The seconds per call of one case, one sample per round."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def __truediv__(self, other: Timing) -> float:
        """The ratio of the two medians."""
        return self.median / other.median

    def __sub__(self, other: Timing) -> Timing:
        """What this case costs beyond `other`, round by round (both timed in the same rounds)."""
        return Timing(tuple(a - b for a, b in zip(self.samples, other.samples, strict=True)))


def measure(
    cases: Mapping[str, Callable[[], object]], rounds: int, calls: int = 1, warmup: int = 0
) -> dict[str, Timing]:
    """Time each case `calls` times a round, for `rounds` rounds, after `warmup` calls each.

    The order of the cases rotates from one round to the next, so that a slow moment of the
    machine does not fall on one case only.
    """
    names = list(cases)
    for name in names:
        for _ in range(warmup):
            cases[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            case = cases[name]
            start = time.perf_counter()
            for _ in range(calls):
                case()
            samples[name].append((time.perf_counter() - start) / calls)
    return {name: Timing(tuple(values)) for name, values in samples.items()}


def command(
    args: Sequence[str | Path], cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Callable[[], None]:
    """A case that runs `args` as a whole process (output discarded; it must exit 0)."""
    full_env = {**os.environ, **BENCH_ENV, **(env or {})}

    def run() -> None:
        done = subprocess.run(
            [str(arg) for arg in args],
            cwd=cwd,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{done.stderr[-2000:]}")

    return run


def in_fresh_process(script: str | Path, *args: str | Path) -> dict:
    """Run `python SCRIPT ARGS RESULT`; the script writes its figures as JSON to RESULT.

    One Kedro project per process (Kedro caches a project's package), and a file rather than
    standard output, where Kedro and its plugins log.
    """
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result.json"
        done = subprocess.run(
            [sys.executable, str(script), *map(str, args), str(result)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(script).name} failed:\n{done.stderr[-3000:]}")
        return json.loads(result.read_text())


def script(name: str) -> Path:
    """A console script of this Python environment (servecheck, kedro)."""
    return Path(sys.executable).with_name(name)
