"""The run options servecheck shares with `kedro run`: `--params` and `--load-versions`, read
by Kedro's own parsers, for check, graph and export."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, servecheck
from export_helpers import read_json

EU_MODEL = FIXTURES / "namespaced/data/06_models/eu/model.pkl"
OLDER, NEWER = sorted(path.name for path in EU_MODEL.iterdir())
ORDERS_SAMPLE = FIXTURES / "namespaced/data/01_raw/orders_sample.csv"


def _versioned(run) -> str:
    (finding,) = [
        f for f in run.json()["findings"] if f["code"] == "SC207" and f["dataset"] == "eu.model"
    ]
    return finding["message"]


def test_the_newest_version_is_checked_unless_one_is_pinned():
    args = ("check", "fixtures/namespaced", "--pipeline", "eu_inference", "--format", "json")
    newest = servecheck(*args)
    assert f"version {NEWER}, the newest on disk" in _versioned(newest)
    pinned = servecheck(*args, "--load-versions", f"eu.model:{OLDER}")
    assert pinned.returncode == 0, pinned.stderr
    assert f"version {OLDER}, pinned with --load-versions" in _versioned(pinned)


def test_a_pinned_version_that_does_not_exist_is_an_error_even_before_training():
    """Training saves a new version, never the pinned one: no SC208 for it."""
    run = servecheck(
        "check",
        "fixtures/namespaced",
        "--pipeline",
        "eu_inference",
        "--format",
        "json",
        "--load-versions",
        "eu.model:2020-01-01T00.00.00.000Z",
    )
    assert run.returncode == 1
    (missing,) = [f for f in run.json()["findings"] if f["code"] == "SC203"]
    assert "its pinned version 2020-01-01T00.00.00.000Z is missing" in missing["message"]
    assert not [f for f in run.json()["findings"] if f["code"] == "SC208"]


def test_export_packages_the_pinned_version_and_verifies_against_it(tmp_path):
    target = tmp_path / "model"
    run = servecheck(
        "export",
        "fixtures/namespaced",
        "--pipeline",
        "eu_inference",
        "--model-dir",
        target,
        "--sample",
        ORDERS_SAMPLE,
        "--load-versions",
        f"eu.model:{OLDER}",
        "--verify",
    )
    assert run.returncode == 0, run.stderr
    packaged = target / "artifacts/serving/data/eu.model/model.pkl"
    assert packaged.read_bytes() == (EU_MODEL / OLDER / "model.pkl").read_bytes()
    provenance = read_json(target / "artifacts/serving/report.json")["provenance"]
    assert provenance["artifacts"]["eu.model"]["version"] == OLDER


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("eu.model", "Expected the form of 'load_versions' to be 'dataset_name:"),
        ("orders:2026-01-01T00.00.00.000Z", "--load-versions pins 'orders', which is not a"),
    ],
)
def test_bad_load_versions_are_usage_errors(value, says):
    run = servecheck("check", "fixtures/namespaced", "--load-versions", value)
    assert run.returncode == 2
    assert says in run.stderr
    assert "Traceback" not in run.stderr


def test_params_are_read_as_kedro_run_reads_them():
    """Spaces around `=`, dotted keys and YAML values, as `kedro run --params` takes them."""
    run = servecheck("check", "fixtures/churn", "--params", "threshold = 0.7", "--format", "json")
    (frozen,) = [f for f in run.json()["findings"] if f["dataset"] == "params:threshold"]
    assert "'params:threshold' = 0.7" in frozen["message"]


@pytest.mark.parametrize("command", ["check", "graph", "export"])
def test_a_params_value_that_is_not_yaml_is_one_usage_error(command):
    run = servecheck(command, "fixtures/churn", "--params", "threshold=[1,")
    assert run.returncode == 2
    assert "Invalid value for '--params': a value is not valid YAML" in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 4
