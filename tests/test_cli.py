"""The command line: default command, gate options, rule selection, rule docs, API parity."""

from __future__ import annotations

import json

from kedro_servecheck.lint.registry import ALL_RULES

from conftest import REPO, python, servecheck


def test_no_command_means_check_of_the_current_folder():
    run = servecheck("--format", "json", cwd=REPO / "fixtures/churn")
    assert run.returncode == 0
    assert run.json()["project"] == {"path": ".", "package": "churn", "env": "local"}


def test_strict_fails_on_warnings_only_when_asked(tmp_path):
    selected = ("fixtures/broken", "--select", "SC205,SC303", "--format", "json")
    lenient = servecheck("check", *selected)
    strict = servecheck("check", *selected, "--strict")
    assert {f["code"] for f in lenient.json()["findings"]} == {"SC205", "SC303"}
    assert lenient.returncode == 0
    assert lenient.json()["pipelines"][0]["status"] == "pass"
    assert strict.returncode == 1
    assert strict.json()["pipelines"][0]["status"] == "fail"


def test_exit_zero_and_output_file(tmp_path):
    target = tmp_path / "report.json"
    run = servecheck("check", "fixtures/broken", "--exit-zero", "-f", "json", "-o", target)
    assert run.returncode == 0
    assert run.stdout == ""
    assert json.loads(target.read_text())["summary"]["errors"] > 0


def test_select_and_ignore_take_prefixes():
    run = servecheck(
        "check", "fixtures/broken", "--select", "SC2", "--ignore", "SC205,SC206", "-f", "json"
    )
    assert {f["code"] for f in run.json()["findings"]} == {"SC201", "SC202", "SC203", "SC204"}


def test_output_prunes_and_reports_it():
    run = servecheck("check", "fixtures/broken", "--output", "report_table", "-f", "json")
    report = run.json()
    assert report["pipelines"][0]["outputs"] == ["report_table"]
    assert "SC002" not in {f["code"] for f in report["findings"]}
    pruned = [f for f in report["findings"] if f["code"] == "SC003"]
    assert [f["severity"] for f in pruned] == ["info"]
    assert "audit_log" in pruned[0]["message"]
    assert "SC301" not in {f["code"] for f in report["findings"]}  # audit node was pruned away


def test_runtime_params_override_parameters():
    run = servecheck("check", "fixtures/churn", "--params", "threshold=0.7", "-f", "json")
    (threshold,) = [f for f in run.json()["findings"] if f["dataset"] == "params:threshold"]
    assert "= 0.7 is frozen" in threshold["message"]


def test_rules_lists_the_catalogue_and_rule_explains_one():
    listing = servecheck("rules")
    assert listing.returncode == 0
    assert len(listing.stdout.splitlines()) == len(ALL_RULES)
    assert "SC201  artifact-not-persisted" in listing.stdout
    doc = servecheck("rule", "sc201")
    assert doc.returncode == 0
    assert doc.stdout.startswith("# artifact-not-persisted (SC201)")
    as_json = servecheck("rule", "SC201", "--format", "json").json()
    assert as_json["code"] == "SC201"
    assert as_json["severity"] == "error"
    assert (
        as_json["examples"]["invalid"][0]["pipeline"] == "predict(features, model) -> predictions"
    )
    listed = servecheck("rules", "--format", "json").json()
    assert [rule["code"] for rule in listed] == [rule.code for rule in ALL_RULES]
    unknown = servecheck("rule", "SC999")
    assert unknown.returncode == 2
    assert "servecheck rules" in unknown.stderr


def test_text_report_is_plain_when_not_a_terminal():
    run = servecheck("check", "fixtures/broken")
    assert run.returncode == 1
    assert "\x1b[" not in run.stdout
    assert "conf/base/catalog.yml:26: SC202 artifact-missing (error)" in run.stdout


def test_check_does_not_import_mlflow_and_the_api_matches_the_cli():
    code = (
        "import sys, json\n"
        "from kedro_servecheck import check\n"
        "report = check('fixtures/churn', ['inference'])\n"
        "print(json.dumps({'mlflow': sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow'),"
        " 'exit': report.exit_code, 'report': report.to_dict()}))\n"
    )
    run = python(code)
    result = json.loads(run.stdout)
    assert result["mlflow"] == []
    assert result["exit"] == 0
    cli = servecheck("check", "fixtures/churn", "--pipeline", "inference", "-f", "json")
    assert result["report"] == cli.json()


def test_kedro_logging_writes_no_file_in_the_working_directory(project_copy):
    project = project_copy("churn")
    (project / "conf/logging.yml").write_text(
        "version: 1\n"
        "handlers:\n"
        "  info_file_handler: {class: logging.FileHandler, filename: info.log}\n"
        "root: {handlers: [info_file_handler], level: INFO}\n"
    )
    run = servecheck("check", ".", cwd=project)
    assert run.returncode == 0
    assert not (project / "info.log").exists()
