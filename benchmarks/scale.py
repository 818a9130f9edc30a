"""Scale: the analysis of a synthetic project of 1,000 to 50,000 nodes, against Kedro itself.

Each size runs in a process of its own (Kedro caches a project's package). Once the project is
loaded, rounds alternate two cases: Kedro building the serving `Pipeline` object again (the
project's own `create_inference_pipeline()`), and servecheck's analysis of it: catalog
resolution from a fresh catalog, free inputs and outputs, classification, every rule,
suppressions and the JSON report.

    python benchmarks/scale.py PROJECT ROUNDS RESULT   # one size, its figures as JSON
"""

from __future__ import annotations

import gc
import itertools
import json
import resource
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

from document import Section, Target, ms, ratio, table
from synthetic import write_synthetic_project
from timing import Plan, in_fresh_process, measure

LINEAR = 1.10  # 10× the nodes may cost at most 11× the time


def run(workdir: Path, plan: Plan) -> Section:
    """Measure each size of the plan in its own process, then compare the sizes."""
    results = []
    for size in plan.scale_sizes:
        root = write_synthetic_project(workdir / f"synth_{size}", size)
        results.append(in_fresh_process(__file__, root, plan.scale_rounds))
    targets = [
        Target(
            f"analysis / Kedro building the pipeline, {r['nodes']:,} nodes",
            r["analysis"] / r["kedro"],
            1.0,
        )
        for r in results
    ]
    growth = []
    for small, large in itertools.pairwise(results):
        nodes = large["nodes"] / small["nodes"]
        seconds = {key: large[key] / small[key] for key in ("analysis", "collector_off", "kedro")}
        growth.append(
            [
                f"{small['nodes']:,} → {large['nodes']:,}",
                f"{nodes:.1f}×",
                *(
                    f"{seconds[key]:.1f}× ({ratio(seconds[key] / nodes)})"
                    for key in ("analysis", "collector_off", "kedro")
                ),
            ]
        )
        targets.append(
            Target(
                f"analysis time growth per node, {small['nodes']:,} → {large['nodes']:,} nodes",
                seconds["analysis"] / nodes,
                LINEAR,
            )
        )
    rows = [
        [
            f"{r['nodes']:,}",
            f"{r['datasets']:,}",
            f"{r['findings']:,}",
            ms(r["load"]),
            ms(r["kedro"]),
            ms(r["analysis"]),
            ratio(r["analysis"] / r["kedro"]),
            f"{r['kedro_peak'] / 2**20:.0f} MiB",
            f"{r['analysis_peak'] / 2**20:.0f} MiB",
            f"{r['max_rss'] / 2**20:.0f} MiB",
        ]
        for r in results
    ]
    body = (
        f"Synthetic projects (`benchmarks/synthetic.py`, generated, not committed): namespaced"
        " branches of 25 nodes that all read the data input, a model artifact per branch"
        " (a factory pattern; one in ten explicit, one in ten missing on disk), a parameter"
        " per namespace, and one node that combines the branches. Medians of"
        f" {plan.scale_rounds} round(s). *load*: `kedro_servecheck.api._load` (bootstrap, config,"
        " registry: every pipeline built once), measured once; *Kedro*: the project's"
        " `create_inference_pipeline()`; *analysis*: everything after loading. Peaks:"
        " tracemalloc during one Kedro build and one analysis; the process's maximum RSS.\n\n"
        + table(
            [
                "nodes",
                "datasets",
                "findings",
                "load",
                "Kedro",
                "analysis",
                "analysis / Kedro",
                "Kedro peak",
                "analysis peak",
                "max RSS",
            ],
            rows,
        )
        + "\n\nGrowth from one size to the next: time ratio (and time ratio per node) of the"
        " analysis as it runs, of the analysis with Python's cyclic garbage collector off (its"
        " own work: rounds of their own, after the others), and of Kedro building the"
        " pipeline.\n\n"
        + table(
            [
                "nodes",
                "node ratio",
                "analysis",
                "analysis, collector off",
                "Kedro building the pipeline",
            ],
            growth,
        )
    )
    return Section("Scale", body, targets)


def measure_project(root: Path, rounds: int) -> dict:
    """The figures of one size, in this process (which must load no other project)."""
    from kedro.io.core import is_parameter

    from kedro_servecheck.api import _load

    warnings.simplefilter("ignore")  # Kedro's and OmegaConf's deprecation noise
    started = time.perf_counter()
    project, settings = _load(root)
    loaded = time.perf_counter() - started
    from synth.pipelines import create_inference_pipeline  # the generated project's package

    def analysis() -> str:
        return _analyse(project, settings)

    times = measure({"kedro": create_inference_pipeline, "analysis": analysis}, rounds)
    gc.collect()
    gc.disable()  # the analysis's own cost, without the cyclic garbage collector's passes
    try:
        collector_off = measure({"analysis": analysis}, rounds)["analysis"]
    finally:
        gc.enable()
    report = json.loads(analysis())
    serving = project.pipelines["inference"]
    return {
        "nodes": len(serving.nodes),
        "datasets": sum(not is_parameter(name) for name in serving.datasets()),
        "findings": len(report["findings"]),
        "load": loaded,
        "kedro": times["kedro"].median,
        "analysis": times["analysis"].median,
        "collector_off": collector_off.median,
        "kedro_peak": _peak(create_inference_pipeline),
        "analysis_peak": _peak(analysis),
        "max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def _analyse(project, settings) -> str:
    """servecheck's whole analysis after loading (it resolves a fresh catalog each time)."""
    from kedro_servecheck.api import _run
    from kedro_servecheck.report import json_format

    return json_format.render(_run(project, settings))


def _peak(function) -> int:
    """The peak of memory allocated while `function` runs, in bytes."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    root, rounds, result = sys.argv[1:]
    Path(result).write_text(json.dumps(measure_project(Path(root), int(rounds))))
