"""Check overhead: what `servecheck check` costs beyond loading the project.

Whole-process wall time of `servecheck check` on the README demo fixture (churn), on a
spaceflights project that imports scikit-learn, and on fixtures/spaceflights (the template's
`find_pipelines` registry, a reporting pipeline that imports matplotlib), against a bare script
that only bootstraps the project and builds the same pipeline from the registry, and against
`kedro registry describe`. `python -X importtime` shows what the check imports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import generate
from document import Section, Target, ms, ratio, table
from timing import BENCH_ENV, Plan, command, measure, script

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BARE_SCRIPT = """\
import sys
from kedro.framework.startup import bootstrap_project
from kedro.framework.project import pipelines
bootstrap_project(sys.argv[1])
pipelines[sys.argv[2]]
"""
TOP_IMPORTS = 12
HEAVY_SERVED = ("--input", "new_shuttles", "--output", "price_predictions")


@dataclass(frozen=True)
class Import:
    """One line of `python -X importtime`: a module and the time its own import took."""

    module: str
    own: float


def run(workdir: Path, plan: Plan) -> Section:
    """Measure both projects side by side, then what the check imports."""
    rounds = plan.process_rounds
    bare = workdir / "bare.py"
    bare.write_text(BARE_SCRIPT)
    churn = workdir / "churn"
    shutil.copytree(FIXTURES / "churn", churn, ignore=shutil.ignore_patterns("__pycache__"))
    heavy = workdir / "spaceflights_matplotlib"
    shutil.copytree(FIXTURES / "spaceflights", heavy, ignore=shutil.ignore_patterns("__pycache__"))
    projects = {  # label: the project, and what its check needs to pass
        "churn (README demo)": (churn, ()),
        "spaceflights (scikit-learn)": (generate.spaceflights(workdir), ()),
        "spaceflights, reporting imports matplotlib (find_pipelines)": (heavy, HEAVY_SERVED),
    }
    rows, targets = [], []
    for label, (root, served) in projects.items():
        times = measure(_cases(root, bare, served), rounds, warmup=plan.warmup)
        check_vs_bare = times["check"] / times["bare"]
        check_vs_kedro = times["check"] / times["kedro"]
        rows.append(
            [
                label,
                ms(times["bare"].median),
                ms(times["check"].median),
                ms(times["kedro"].median),
                ratio(check_vs_bare),
                ratio(check_vs_kedro),
            ]
        )
        targets += [
            Target(f"check / bare bootstrap, {label}", check_vs_bare, 1.10),
            Target(f"check / `kedro registry describe`, {label}", check_vs_kedro, 0.90),
        ]
    body = (
        f"Whole-process wall time, median of {rounds} round(s). *bare*: a script that only runs"
        " `bootstrap_project` and builds the pipeline from the registry; *check*: `servecheck"
        " check PATH --pipeline inference` (text report; on fixtures/spaceflights with"
        f" `{' '.join(HEAVY_SERVED)}`); *kedro*: `kedro registry describe"
        " inference` in the project (the Kedro CLI loads every installed plugin's commands"
        " first, kedro-mlflow's included, then builds only the pipeline asked for).\n\n"
        + table(
            [
                "project",
                "bare",
                "check",
                "kedro registry describe",
                "check / bare",
                "check / kedro",
            ],
            rows,
        )
        + "\n\n"
        + _imports_section(churn, bare)
    )
    return Section("Check overhead on a real project", body, targets)


def _cases(root: Path, bare: Path, served: tuple[str, ...]) -> dict:
    check = [script("servecheck"), "check", root, "--pipeline", "inference", *served]
    return {
        "bare": command([sys.executable, bare, root, "inference"]),
        "check": command(check),
        "kedro": command([script("kedro"), "registry", "describe", "inference"], cwd=root),
    }


def _imports_section(root: Path, bare: Path) -> str:
    check = _importtime([script("servecheck"), "check", root, "--pipeline", "inference"])
    baseline = {i.module for i in _importtime([sys.executable, bare, root, "inference"])}
    packages: dict[str, float] = {}
    for imported in check:
        package = imported.module.split(".")[0]
        packages[package] = packages.get(package, 0.0) + imported.own
    top = sorted(packages.items(), key=lambda item: -item[1])[:TOP_IMPORTS]
    rows = [
        [f"`{package}`", ms(seconds), "yes" if package in baseline else "**no**"]
        for package, seconds in top
    ]
    extra = [i for i in check if i.module not in baseline]
    mlflow = [i.module for i in check if i.module.split(".")[0] in ("mlflow", "kedro_mlflow")]
    verdict = (
        "**mlflow is not imported**: no `mlflow` or `kedro_mlflow` module is among the "
        f"{len(check)} modules the check imports."
        if not mlflow
        else f"**mlflow is imported**: {', '.join(mlflow[:5])}."
    )
    return (
        f"`python -X importtime` of the check on churn: the {TOP_IMPORTS} packages that take"
        " the most import time (each module's own time, summed by top-level package), and"
        " whether the bare script imports them too.\n\n"
        + table(["package", "import time", "bare script too"], rows)
        + f"\n\n{verdict} Beyond what the bare script imports, the check imports {len(extra)}"
        f" modules ({ms(sum(i.own for i in extra))}), from"
        f" {', '.join(f'`{name}`' for name in sorted({i.module.split('.')[0] for i in extra}))}."
    )


def _importtime(args: list) -> list[Import]:
    done = subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **BENCH_ENV, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    return [imported for line in done.stderr.splitlines() if (imported := _parse(line))]


def _parse(line: str) -> Import | None:
    if not line.startswith("import time:") or "self [us]" in line:
        return None
    own, _, name = line.removeprefix("import time:").split("|")
    return Import(name.strip(), int(own) / 1e6)
