"""docs/benchmarks.md: the machine, the targets met or not, then one section per benchmark."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

VERSIONS = (
    "kedro-servecheck",
    "kedro",
    "kedro-datasets",
    "mlflow",
    "kedro-mlflow",
    "pandas",
    "scikit-learn",
    "networkx",
)


@dataclass(frozen=True)
class Target:
    """A ratio the issue sets a limit on (`at_most`: the ratio must not exceed the limit)."""

    what: str
    ratio: float
    limit: float
    at_most: bool = True

    @property
    def met(self) -> bool:
        return self.ratio <= self.limit if self.at_most else self.ratio >= self.limit

    def row(self) -> str:
        bound = "≤" if self.at_most else "≥"
        return (
            f"| {self.what} | {ratio(self.ratio)} | {bound} {ratio(self.limit)} | "
            f"{'met' if self.met else '**not met**'} |"
        )


@dataclass
class Section:
    """One benchmark's part of the document."""

    title: str
    body: str
    targets: list[Target] = field(default_factory=list)


def ms(seconds: float) -> str:
    """`12.3 ms`, `1.23 s` or `45 µs`: three significant figures at most (a difference of two
    medians may be negative)."""
    if abs(seconds) >= 1:
        return f"{seconds:.2f} s"
    if abs(seconds) >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    """CPU, cores, memory, OS, Python and the versions of the packages measured."""
    cpu = _cpu_model()
    memory = _memory_gib()
    versions = ", ".join(f"{name} {_version(name)}" for name in VERSIONS)
    return (
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory}\n"
        f"- OS: {platform.platform()}\n"
        f"- Python {platform.python_version()} (bytecode caches on); {versions}"
    )


def render(sections: list[Section], command: str, notes: str) -> str:
    """The whole document: how it was made, the targets, the sections, then `notes`."""
    targets = [target for section in sections for target in section.targets]
    parts = [
        "# Benchmarks",
        (
            f"Written by `{command}` (one run: every ratio compares medians measured side by side,"
            " in rounds that alternate the cases). Do not edit by hand: run it again."
        ),
        "## Machine\n\n" + machine(),
        "## Targets\n\n"
        + "\n".join(
            ["| what | measured | target | |", "|---|---|---|---|", *(t.row() for t in targets)]
        ),
        *(f"## {section.title}\n\n{section.body.strip()}" for section in sections),
        notes.strip(),
    ]
    return "\n\n".join(parts) + "\n"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
