"""The CI report formats: snapshots on fixtures/broken, their structure, escaping, stability."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from kedro.pipeline import Pipeline, node

from kedro_servecheck.analysis.classify import FreeInput, Role
from kedro_servecheck.analysis.graph import ServingGraph
from kedro_servecheck.draw.mermaid import flowchart
from kedro_servecheck.draw.scene import build
from kedro_servecheck.findings import Finding, Location, Severity
from kedro_servecheck.lint.docs import rule_markdown
from kedro_servecheck.lint.registry import ALL_RULES, RULES_BY_CODE
from kedro_servecheck.report import Report, formatter
from kedro_servecheck.report.ci import display_location, fingerprints
from kedro_servecheck.report.github import command, escape_data, escape_property

from conftest import analysis_of, servecheck

SNAPSHOT_EXTENSIONS = {
    "concise": "txt",
    "sarif": "sarif",
    "github": "txt",
    "gitlab": "json",
    "junit": "xml",
    "markdown": "md",
}
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
GITLAB_SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}
PROPERTY = r"(?:[^,:%\r\n]|%(?:25|0D|0A|3A|2C))+"
DATA = r"(?:[^%\r\n]|%(?:25|0D|0A))*"
GITHUB_COMMAND = re.compile(
    rf"::(?P<level>error|warning|notice) file=(?P<file>{PROPERTY}),line=(?P<line>\d+),"
    rf"title=(?P<title>{PROPERTY})::(?P<message>{DATA})"
)
MERMAID_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MERMAID_VERTEX = re.compile(r'^  (\S+?)(?:\(\[|\[/|\{\{|\[)"([^"]*)"')
HOSTILE = 'a"b<script>alert(1)</script>|```%%{init}%%#x'
# a newline that starts a GitHub workflow command, escape sequences that erase the line above
INJECTION = "model\n::error file=src/x.py,line=1::injected\x1b[2K\x1b[1A\r"
INJECTION_SHOWN = "model\\n::error file=src/x.py,line=1::injected\\x1b[2K\\x1b[1A\\r"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # servecheck's own colours


@pytest.fixture(scope="module")
def broken():
    """`servecheck check fixtures/broken --format NAME`, run once per format."""
    runs = {}

    def run(format_: str, *extra: str):
        key = (format_, *extra)
        if key not in runs:
            runs[key] = servecheck("check", "fixtures/broken", "--format", format_, *extra)
        return runs[key]

    return run


def _identity(*args):
    return args[0]


def _report(
    project_root: Path, findings: list[Finding], *, strict: bool = False, data_input: str = HOSTILE
) -> Report:
    """A report on a one-node pipeline whose data input has a hostile name (no project loaded)."""
    pipeline = Pipeline(
        [node(_identity, [data_input, "model", "params:t"], "out]", name="predict")]
    )
    inputs = [
        FreeInput(data_input, Role.DATA, None),
        FreeInput("model", Role.UNRESOLVED, None),
        FreeInput("params:t", Role.PARAMETER, None),
    ]
    analysis = analysis_of(project_root, pipeline, inputs, data_input, findings)
    return Report(project_root, "pkg", "local", [analysis], strict=strict)


def _finding(**changes) -> Finding:
    base = Finding(
        "SC202",
        "artifact-missing",
        Severity.ERROR,
        "'model' has no file",
        pipeline="inference",
        dataset="model",
        location=Location("conf/base/catalog.yml", 3),
        hint="train first",
    )
    return replace(base, **changes)


def _injected_report(project_root: Path) -> Report:
    """A report whose data input, finding, path and hint all carry INJECTION."""
    finding = _finding(
        dataset=INJECTION,
        message=f"'{INJECTION}' has no file at data/{INJECTION}.pkl",
        location=Location(f"conf/{INJECTION}.yml", 3),
        hint=f"train {INJECTION}",
    )
    return _report(project_root, [finding], data_input=INJECTION)


def _mermaid(markdown: str) -> list[str]:
    (block,) = re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.M | re.S)
    return block.splitlines()


def _mermaid_classes(lines: list[str]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The label of each vertex id, and the ids of each class."""
    labels = dict(match.groups() for line in lines if (match := MERMAID_VERTEX.match(line)))
    classes = {}
    for line in lines:
        if line.startswith("  class "):
            _, ids, name = line.split()
            classes[name] = set(ids.split(","))
    return labels, classes


# Snapshots


@pytest.mark.parametrize("format_", SNAPSHOT_EXTENSIONS)
def test_snapshot(format_, broken, snapshot):
    run = broken(format_)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    snapshot.assert_match(run.stdout, f"broken.{SNAPSHOT_EXTENSIONS[format_]}")


def test_output_file_holds_the_same_report(broken, tmp_path):
    target = tmp_path / "servecheck.sarif"
    run = servecheck("check", "fixtures/broken", "--format", "sarif", "--output-file", target)
    assert run.returncode == 1
    assert run.stdout == ""
    assert target.read_text(encoding="utf-8") == broken("sarif").stdout


# Shared: where a finding points


def test_locations_are_prefixed_with_the_project_path_and_default_to_pyproject():
    finding = _finding()
    assert display_location(finding, ".") == Location("conf/base/catalog.yml", 3)
    assert display_location(finding, "fixtures/x") == Location(
        "fixtures/x/conf/base/catalog.yml", 3
    )
    assert display_location(_finding(location=None), "fixtures/x") == Location(
        "fixtures/x/pyproject.toml", 1
    )


# SARIF


def test_sarif_structure(broken):
    sarif, findings = broken("sarif").json(), broken("json").json()["findings"]
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kedro-servecheck"
    assert driver["version"]
    assert driver["informationUri"]
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in ALL_RULES]
    for rule in driver["rules"]:  # the rule's own documentation, as `servecheck rule` shows it
        documented = RULES_BY_CODE[rule["id"]]
        assert rule["name"] == documented.name
        assert rule["shortDescription"]["text"] == documented.summary
        assert rule["fullDescription"]["text"] == documented.docs().what
        assert rule["help"]["markdown"] == rule["help"]["text"] == rule_markdown(documented)
        assert rule["defaultConfiguration"]["level"] == SARIF_LEVELS[documented.severity.value]
    assert len(run["results"]) == len(findings)
    for result, finding in zip(run["results"], findings, strict=True):
        assert result["ruleId"] == finding["code"]
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == SARIF_LEVELS[finding["severity"]]
        assert result["message"]["text"].startswith(finding["message"])
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {
            "uri": f"fixtures/broken/{finding['location']['path']}",
            "uriBaseId": "%SRCROOT%",
        }
        assert physical["region"]["startLine"] == finding["location"]["line"]


def test_sarif_points_a_finding_without_location_at_pyproject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = _report(tmp_path / "my project", [_finding(location=None)])
    (result,) = json.loads(formatter("sarif")(report, False))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "my%20project/pyproject.toml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }


# GitHub workflow commands


def test_github_commands_follow_the_documented_syntax(broken):
    lines = broken("github").stdout.splitlines()
    findings = broken("json").json()["findings"]
    assert len(lines) == len(findings)
    for line, finding in zip(lines, findings, strict=True):
        match = GITHUB_COMMAND.fullmatch(line)
        assert match, line
        assert match["level"] == GITHUB_LEVELS[finding["severity"]]
        assert match["file"] == f"fixtures/broken/{finding['location']['path']}"
        assert int(match["line"]) == finding["location"]["line"]
        assert match["title"] == f"{finding['code']} {finding['rule']}"


def test_github_escaping():
    assert escape_data("100% sure:\r\na,b") == "100%25 sure:%0D%0Aa,b"
    assert escape_property("100% sure:\r\na,b") == "100%25 sure%3A%0D%0Aa%2Cb"
    finding = _finding(message="50% of 'a,b':\nnext", location=Location("conf/a,b:c.yml", 2))
    line = command(finding, ".")
    assert line == (  # the message's newline shown as `\n`: the one line break is the fix's
        "::error file=conf/a%2Cb%3Ac.yml,line=2,title=SC202 artifact-missing"
        "::50%25 of 'a,b':\\nnext%0Afix: train first"
    )
    assert GITHUB_COMMAND.fullmatch(line)


# GitLab Code Quality


def test_gitlab_issues(broken):
    issues = broken("gitlab").json()
    findings = broken("json").json()["findings"]
    assert len(issues) == len(findings)
    for issue, finding in zip(issues, findings, strict=True):
        assert issue["description"].startswith(f"{finding['code']} ")
        assert issue["check_name"] == finding["code"]
        assert issue["severity"] == GITLAB_SEVERITIES[finding["severity"]]
        assert issue["location"] == {
            "path": f"fixtures/broken/{finding['location']['path']}",
            "lines": {"begin": finding["location"]["line"]},
        }
    prints = [issue["fingerprint"] for issue in issues]
    assert len(set(prints)) == len(prints)
    again = servecheck("check", "fixtures/broken", "--format", "gitlab").json()
    assert [issue["fingerprint"] for issue in again] == prints


def test_gitlab_fingerprints_ignore_lines_and_tell_duplicates_apart():
    finding = _finding()
    moved = _finding(location=Location("conf/base/catalog.yml", 40))
    assert fingerprints([finding], ".") == fingerprints([moved], ".")
    assert fingerprints([finding], ".") != fingerprints([_finding(dataset="scaler")], ".")
    assert fingerprints([finding], ".") != fingerprints([finding], "other")
    first, second = fingerprints([finding, moved], ".")
    assert first != second
    assert [first, second] == fingerprints([finding, moved], ".")


# JUnit


@pytest.mark.parametrize("strict", [False, True])
def test_junit(broken, strict):
    extra = ("--strict",) if strict else ()
    root = ET.fromstring(broken("junit", *extra).stdout)
    summary = broken("json", *extra).json()["summary"]
    failing = summary["errors"] + (summary["warnings"] if strict else 0)
    cases = list(root.iter("testcase"))
    assert root.tag == "testsuites"
    assert [suite.get("name") for suite in root] == ["inference"]
    assert len({(case.get("classname"), case.get("name")) for case in cases}) == len(cases)
    assert len(list(root.iter("failure"))) == failing == int(root.get("failures"))
    assert int(root.get("tests")) == len(cases)
    assert any(len(case) == 0 for case in cases)  # rules that found nothing pass
    assert all(
        case.find("failure").get("type") in ("error", "warning")
        for case in cases
        if case.find("failure") is not None
    )


def test_junit_names_stay_unique_when_findings_share_a_subject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = _report(tmp_path, [_finding(), _finding(message="again")])
    root = ET.fromstring(formatter("junit")(report, False))
    names = [
        case.get("name") for case in root.iter("testcase") if case.get("name").startswith("SC202")
    ]
    assert names == ["SC202 artifact-missing: model", "SC202 artifact-missing: model (2)"]


def test_junit_is_well_formed_xml_whatever_the_names(tmp_path, monkeypatch):
    """XML 1.0 has no NUL, ESC, form feed, U+FFFE or lone surrogate, not even as `&#27;`."""
    monkeypatch.chdir(tmp_path)
    name = "model\x00\x1b\x0c\ufffe\ud800"
    finding = _finding(
        dataset=name, message=f"'{name}' has no file", location=Location(f"conf/{name}.yml", 3)
    )
    document = formatter("junit")(_report(tmp_path, [finding], data_input=name), False)
    root = ET.fromstring(document.encode("utf-8"))  # expat: a strict XML 1.0 parser
    (case,) = [case for case in root.iter("testcase") if case.get("name").startswith("SC202")]
    shown = "model\\x00\\x1b\\x0c\\ufffe\\ud800"
    assert case.get("name") == f"SC202 artifact-missing: {shown}"
    assert case.get("file") == f"conf/{shown}.yml"
    assert case.find("failure").get("message") == f"'{shown}' has no file"


# Markdown


def test_markdown_mermaid_colours_free_inputs_by_role(broken):
    markdown = broken("markdown").stdout
    report = broken("json").json()
    lines = _mermaid(markdown)
    assert lines[0] == "flowchart LR"
    labels, classes = _mermaid_classes(lines)
    assert all(MERMAID_ID.fullmatch(vertex_id) for vertex_id in labels)
    for line in lines:
        if "-->" in line:
            source, target = line.split(" --> ")
            assert source.strip() in labels
            assert target in labels
    ids = {label: vertex_id for vertex_id, label in labels.items() if vertex_id.startswith("d")}
    (pipeline,) = report["pipelines"]
    for free in pipeline["inputs"]:
        roles = {
            name
            for name in ("data", "persisted", "parameter", "unresolved")
            if ids[free["name"]] in classes.get(name, ())
        }
        assert roles == {free["role"]}, free
    assert classes["output"] == {ids[name] for name in pipeline["outputs"]}
    worst = {}
    for finding in report["findings"]:  # in report order: the worst severity comes first
        if finding["dataset"]:
            worst.setdefault(finding["dataset"], finding["severity"])
    for name, severity in worst.items():
        assert ids[name] in classes[severity], name
    assert "| inference | ❌ fail | request | 10 | 2 | 1 |" in markdown


def test_markdown_escapes_hostile_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    finding = _finding(
        code="SC103",
        rule="data-input-type",
        dataset=HOSTILE,
        message=f"data input '{HOSTILE}' is a json.JSONDataset",
    )
    markdown = formatter("markdown")(_report(tmp_path, [finding]), False)
    assert "<script>" not in markdown
    assert markdown.count("```") == 2  # the mermaid block is the only fence
    mermaid = _mermaid(markdown)
    assert not any("%%" in line for line in mermaid)  # no Mermaid comment or directive
    labels, classes = _mermaid_classes(mermaid)
    assert all(MERMAID_ID.fullmatch(vertex_id) for vertex_id in labels)
    (hostile,) = [vertex_id for vertex_id, label in labels.items() if label.startswith("a#34;b")]
    assert labels[hostile] == (
        "a#34;b#60;script#62;alert(1)#60;/script#62;|#96;#96;#96;#37;#37;{init}#37;#37;#35;x"
    )
    assert classes["data"] == classes["error"] == {hostile}
    (row,) = [line for line in markdown.splitlines() if line.startswith("| SC103")]
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells: no pipe escaped the escaping
    assert 'a"b&lt;script&gt;alert(1)&lt;/script&gt;\\|\\`\\`\\`%%{init}%%\\#x' in row


def test_markdown_keeps_mentions_and_links_dead(tmp_path, monkeypatch):
    """GitHub links `@user`, `#12`, `GH-12`, URLs and e-mail addresses even after a backslash:
    an empty HTML comment, which GitHub drops from the page, stands between the trigger and
    the rest, so the comment reads as the text was, and notifies and links nothing."""
    monkeypatch.chdir(tmp_path)
    text = "@octocat @org/team https://evil.example/x www.evil.example me@evil.example #12 GH-12"
    finding = _finding(message=f"'{text}' has no file", hint=f"ask {text}")
    markdown = formatter("markdown")(_report(tmp_path, [finding]), False)
    outside = re.sub(r"^```mermaid\n.*?^```$", "", markdown, flags=re.M | re.S)  # a code block
    assert not re.search(r"@[A-Za-z0-9]", outside)
    assert not re.search(r"://|(?i:www\.)|#\d|(?i:gh-\d)", outside)
    (row,) = [line for line in markdown.splitlines() if line.startswith("| SC202")]
    shown = html.unescape(re.sub(r"\\(.)", r"\1", row.replace("<!-- -->", "")))
    assert f"| '{text}' has no file | ask {text} |" in shown


def test_markdown_caps_the_graph():
    chain = Pipeline([node(_identity, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(201)])
    scene = build(ServingGraph(chain), {}, [])
    chart = flowchart(scene)
    assert sum("-->" in line for line in chart.text.splitlines()) == 400
    assert (chart.omitted_edges, chart.omitted_vertices) == (2, 2)
    small = flowchart(scene, max_edges=5)
    assert small.omitted_edges == 397
    assert small.text.count("-->") == 5


def test_markdown_says_what_the_graph_leaves_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    chain = Pipeline([node(_identity, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(201)])
    analysis = analysis_of(tmp_path, chain, [FreeInput("d0", Role.DATA, None)], "d0", [])
    markdown = formatter("markdown")(Report(tmp_path, "pkg", "local", [analysis]), False)
    assert (
        "Only the first 400 edges are drawn: 2 more edges and 2 more datasets and nodes "
        "are left out."
    ) in markdown


# Concise


def test_concise_is_one_line_per_finding(broken):
    lines = broken("concise").stdout.splitlines()
    findings = broken("json").json()["findings"]
    assert len(lines) == len(findings) + 1
    for line, finding in zip(lines[:-1], findings, strict=True):
        location = finding["location"]
        assert line == (
            f"fixtures/broken/{location['path']}:{location['line']}: "
            f"{finding['code']} [{finding['severity']}] {finding['message']}"
        )
    assert lines[-1].startswith("FAIL  1 pipeline(s) checked: 0 passed, 1 failed")


@pytest.mark.parametrize("format_", ["text", "concise", "markdown", "junit", "github"])
def test_human_formats_show_control_characters_as_escapes(format_, tmp_path, monkeypatch):
    """A name with a newline starts no line of its own (a GitHub runner would obey `::error`),
    and no escape sequence reaches the terminal: each is shown as its Python escape."""
    monkeypatch.chdir(tmp_path)
    for color in (False, True):
        output = formatter(format_)(_injected_report(tmp_path), color)
        assert all(SGR.sub("", line).isprintable() for line in output.split("\n")), output
        assert not any(line.startswith("::error file=src") for line in output.splitlines())
        read = re.sub(r"\\(.)", r"\1", output) if format_ == "markdown" else output
        assert INJECTION_SHOWN in read
        assert ("\x1b[" in output) == (color and format_ == "text")  # servecheck's colours


@pytest.mark.parametrize(
    "format_", ["text", "concise", "json", "sarif", "gitlab", "junit", "markdown", "html"]
)
def test_no_line_is_a_runner_command(format_, tmp_path, monkeypatch):
    """A GitHub runner obeys a line that starts with `::` after blanks, and the legacy
    `##[command]` anywhere in a line: a pipeline named `::error::…` starts a line of the text
    report, and any string may hold `##[error]`. JSON keeps the exact string (`\\u005b`)."""
    monkeypatch.chdir(tmp_path)
    name, message = "::error file=src/x.py,line=1::pipeline", "'model' ##[error]legacy"
    pipeline = Pipeline([node(_identity, ["request", "model"], "out", name="predict")])
    inputs = [FreeInput("request", Role.DATA, None), FreeInput("model", Role.UNRESOLVED, None)]
    finding = _finding(pipeline=name, message=message, hint=f"rename {name}")
    analysis = analysis_of(tmp_path, pipeline, inputs, "request", [finding], name=name)
    output = formatter(format_)(Report(tmp_path, "pkg", "local", [analysis]), False)
    assert not [line for line in output.splitlines() if re.search(r"^\s*::|##\[", line)]
    if format_ == "json":
        assert json.loads(output)["findings"][0]["message"] == message
    if format_ == "text":
        assert "\\x3a:error file=src/x.py,line=1::pipeline  FAIL" in output
        assert "'model' ##\\x5berror]legacy" in output


def test_text_and_concise_end_with_the_verdict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = _injected_report(tmp_path)
    for format_ in ("text", "concise"):
        lines = SGR.sub("", formatter(format_)(report, True)).splitlines()
        assert lines[-1].startswith("FAIL  1 pipeline(s) checked: 0 passed, 1 failed")
    assert len(formatter("concise")(report, False).splitlines()) == len(report.findings) + 1


def test_concise_is_the_default_under_pre_commit(broken):
    run = servecheck("check", "fixtures/broken", env={"PRE_COMMIT": "1"})
    assert run.returncode == 1
    assert run.stdout == broken("concise").stdout
    explicit = servecheck("check", "fixtures/broken", "--format", "json", env={"PRE_COMMIT": "1"})
    assert explicit.json()["findings"]
