"""The Kedro template's registry, `find_pipelines()`: only the pipelines needed are imported,
and a pipeline whose module fails to import is reported as such, never as "not registered".

fixtures/spaceflights registers its pipelines with `find_pipelines(raise_errors=True)`; its
`reporting` pipeline imports matplotlib. Each check runs in its own process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import edit, kedro, python, servecheck

REGISTRY = "src/spaceflights/pipeline_registry.py"
REPORTING_NODES = "src/spaceflights/pipelines/reporting/nodes.py"
HEAVY_IMPORT = "import matplotlib.pyplot as plt\n"  # line 3 of REPORTING_NODES
SERVE_INFERENCE = ("--pipeline", "inference", "--input", "new_shuttles")


@pytest.fixture
def spaceflights(project_copy) -> Path:
    return project_copy("spaceflights")


def test_checking_inference_imports_neither_reporting_nor_matplotlib(spaceflights):
    run = python(
        "import json, sys\n"
        "import kedro_servecheck\n"
        f"report = kedro_servecheck.check({str(spaceflights)!r}, ['inference'],"
        " input='new_shuttles')\n"
        "print(json.dumps({'checked': [a.name for a in report.analyses],"
        " 'modules': sorted(m for m in sys.modules"
        " if m.split('.')[0] == 'matplotlib' or m.startswith('spaceflights.pipelines.'))}))"
    )

    assert run.returncode == 0, run.stderr
    loaded = run.json()
    assert loaded["checked"] == ["inference"]
    assert "spaceflights.pipelines.inference.pipeline" in loaded["modules"]
    assert not [m for m in loaded["modules"] if m.startswith("spaceflights.pipelines.reporting")]
    assert not [m for m in loaded["modules"] if m.startswith("matplotlib")]


@pytest.mark.parametrize("raise_errors", [True, False], ids=["raise_errors", "template_0_19"])
def test_a_pipeline_that_fails_to_import_is_reported_with_file_and_line(spaceflights, raise_errors):
    if not raise_errors:  # Kedro 0.19's template: find_pipelines() only logs a warning
        edit(spaceflights, REGISTRY, "find_pipelines(raise_errors=True)", "find_pipelines()")
    edit(
        spaceflights,
        REPORTING_NODES,
        HEAVY_IMPORT,
        "from ..data_processing.nodes import no_such_function\n" + HEAVY_IMPORT,
    )

    run = servecheck("check", spaceflights, "--pipeline", "reporting")
    native = kedro("run", "--pipelines", "reporting", cwd=spaceflights)

    assert run.returncode == 2, run.stdout
    assert f"in {REPORTING_NODES}:3" in run.stderr
    assert "cannot import name 'no_such_function'" in run.stderr
    assert "not registered" not in run.stderr
    assert native.returncode != 0  # Kedro cannot run it either


def test_the_served_pipeline_is_checked_when_another_one_fails_to_import(spaceflights):
    edit(spaceflights, REPORTING_NODES, HEAVY_IMPORT, "import not_installed_plotting\n")

    served = servecheck("check", spaceflights, *SERVE_INFERENCE, "--format", "json")
    everything = servecheck("check", spaceflights, "--input", "new_shuttles")

    assert served.returncode in (0, 1), served.stderr  # a report, not a load error
    assert [p["name"] for p in served.json()["pipelines"]] == ["inference"]
    assert everything.returncode == 2
    assert f"No module named 'not_installed_plotting'\n  in {REPORTING_NODES}:3" in (
        everything.stderr
    )


def test_a_missing_package_of_another_pipeline_is_stubbed_only_when_asked(spaceflights):
    edit(spaceflights, REPORTING_NODES, HEAVY_IMPORT, "import not_installed_plotting\n")
    reporting = ("--pipeline", "reporting", "--input", "preprocessed_shuttles")

    strict = servecheck("check", spaceflights, *reporting)
    stubbed = servecheck("check", spaceflights, *reporting, "--stub-missing", "--format", "json")

    assert strict.returncode == 2
    assert "hint: install 'not_installed_plotting'" in strict.stderr
    assert stubbed.returncode == 0, stubbed.stdout + stubbed.stderr
    (finding,) = [f for f in stubbed.json()["findings"] if f["code"] == "SC402"]
    assert finding["location"]["path"] == REPORTING_NODES
    assert json.dumps(finding).count("not_installed_plotting") >= 1
