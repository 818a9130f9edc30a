"""The standing attack suite: hostile names and values through every report format.

Hypothesis builds reports in-process (a pipeline, its inputs and findings whose names, paths,
messages and hints hold control characters, newlines, `::` and `##[` workflow commands,
`%0A`, `<script>`, quotes, `]]>`, mentions, URLs, unicode, lone surrogates, very long names)
and every renderer must write a document that parses as its format and that neither a
terminal nor a GitHub runner obeys. A real hostile project (fixtures/hostile) goes through
the CLI in every format of `check` and `graph`.

The SARIF and GitLab schemas are under tests/schemas (see its README).
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kedro.pipeline import Pipeline, node

from kedro_servecheck.analysis.classify import FreeInput, Role
from kedro_servecheck.findings import Finding, Location, Severity
from kedro_servecheck.lint.registry import ALL_RULES
from kedro_servecheck.report import FORMATS, Report, formatter
from kedro_servecheck.report.summary import verdict

from conftest import FIXTURES, REPO, analysis_of, python, servecheck

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SCHEMAS = Path(__file__).parent / "schemas"
FRAGMENTS = [
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\x00",
    "\x07",
    "\x1b[2K",
    "\x1b[1A",
    "\x1b[31m",
    "\x1b]8;;https://evil.example\x1b\\",
    "\x85",
    "\u2028",
    "\u202e",
    "\ufeff",
    "\ufffe",
    "\ud800",
    "\udcff",
    "::error file=src/x.py,line=1::injected",
    "  ::warning::indented",
    "##[error]legacy",
    "%0A",
    "%25",
    "<script>alert(1)</script>",
    "]]>",
    "<![CDATA[",
    "&amp;",
    '"',
    "'",
    "`",
    "```",
    "|",
    "*_~",
    "@octocat",
    "https://evil.example/x",
    "www.evil.example",
    "me@evil.example",
    "#1",
    "GH-1",
    "{{ x }}",
    "%%{init}%%",
    "é",
    "数据",
    "🙂",
    ".",
    ":",
    ",",
    "\\",
]
HOSTILE = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), min_size=1, max_size=5
).map("".join)
NAME = st.one_of(HOSTILE, HOSTILE, HOSTILE, HOSTILE.map(lambda text: text * 200))  # some long
HUMAN = ["text", "concise", "github", "junit", "markdown", "html"]
SGR = re.compile(r"\x1b\[[0-9;]*m")  # servecheck's own colours (text on a terminal)
RUNNER_COMMAND = re.compile(r"^\s*::|##\[")  # what a GitHub runner obeys in a line it prints
PROPERTY = r"(?:[^,:%\r\n]|%(?:25|0D|0A|3A|2C))+"
GITHUB_COMMAND = re.compile(
    rf"::(?:error|warning|notice) file={PROPERTY},line=\d+,title={PROPERTY}::"
    r"(?:[^%\r\n]|%(?:25|0D|0A))*"
)
LIVE_IN_MARKDOWN = re.compile(r"@[A-Za-z0-9]|://|(?i:www\.)|#\d|(?i:gh-\d)")
JUNIT_ELEMENTS = {"testsuites", "testsuite", "testcase", "failure", "system-out"}
HYPOTHESIS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays stable
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _identity(*args):
    return args[0]


def _kedro_name(index: int, text: str) -> str:
    """`text` as a distinct dataset name Kedro accepts (at most one transcoding `@`)."""
    head, at, tail = text.partition("@")
    return f"{index}{head}{at}{tail.replace('@', '')}"


@st.composite
def reports(draw) -> Report:
    """A report of one pipeline whose names, and whose findings' every string, are hostile."""
    pipeline_name = draw(NAME)
    data_input, model = (_kedro_name(index, draw(NAME)) for index in range(2))
    parameter = "params:" + _kedro_name(2, draw(NAME))
    output = _kedro_name(3, draw(NAME))
    pipeline = Pipeline([node(_identity, [data_input, model, parameter], output, name="predict")])
    inputs = [
        FreeInput(data_input, Role.DATA, None),
        FreeInput(model, Role.UNRESOLVED, None),
        FreeInput(parameter, Role.PARAMETER, None),
    ]
    rule = st.sampled_from(ALL_RULES)
    location = st.builds(Location, NAME, st.integers(1, 10**6))
    findings = draw(
        st.lists(
            st.builds(
                lambda rule, **fields: Finding(
                    rule.code, rule.name, pipeline=pipeline_name, **fields
                ),
                rule,
                severity=st.sampled_from(Severity),
                message=NAME,
                dataset=st.one_of(st.none(), st.sampled_from([data_input, model, parameter]), NAME),
                node=st.one_of(st.none(), st.just("predict"), NAME),
                location=st.one_of(st.none(), location),
                hint=st.one_of(st.none(), NAME),
            ),
            max_size=4,
        )
    )
    analysis = analysis_of(REPO, pipeline, inputs, data_input, findings, name=pipeline_name)
    return Report(REPO, draw(NAME), draw(NAME), [analysis], strict=draw(st.booleans()))


# every format, in-process


@pytest.mark.filterwarnings("ignore:One or more dataset names contain '.'")
@HYPOTHESIS
@given(report=reports())
def test_every_format_stays_its_format_whatever_the_names(report):
    for format_ in FORMATS:
        for color in (False, True) if format_ == "text" else (False,):
            output = formatter(format_)(report, color)
            output.encode("utf-8")  # strict: no lone surrogate is left to fail at print
            shown = SGR.sub("", output) if color else output
            if format_ in HUMAN:
                _assert_inert(format_, shown)
            CHECKS[format_](shown, report)


def _assert_inert(format_: str, output: str) -> None:
    """Each line printable (no newline, escape sequence or override from a name), and no line
    a runner obeys but the github format's own commands."""
    for line in output.split("\n"):
        assert line.isprintable(), (format_, line)
        if format_ == "github":
            assert not line or GITHUB_COMMAND.fullmatch(line), line
        else:
            assert not RUNNER_COMMAND.search(line), (format_, line)


def _check_text(output: str, report: Report) -> None:
    assert output.splitlines()[-1].startswith(f"{verdict(report)}  ")  # no name erases it


def _check_concise(output: str, report: Report) -> None:
    lines = output.splitlines()
    assert len(lines) == len(report.findings) + 1
    assert lines[-1].startswith(f"{verdict(report)}  ")


def _check_json(output: str, report: Report) -> None:
    assert not re.search(RUNNER_COMMAND, output)
    assert json.loads(output) == report.to_dict()  # every string exactly as the project has it


def _check_sarif(output: str, report: Report) -> None:
    assert not re.search(RUNNER_COMMAND, output)
    log = json.loads(output)
    _validator("sarif-2.1.0-subset.json").validate(log)
    assert len(log["runs"][0]["results"]) == len(report.findings)


def _check_gitlab(output: str, report: Report) -> None:
    assert not re.search(RUNNER_COMMAND, output)
    issues = json.loads(output)
    _validator("gitlab-code-quality.json").validate(issues)
    assert len(issues) == len(report.findings)


def _check_github(output: str, report: Report) -> None:
    assert len(output.splitlines()) == len(report.findings)


def _check_junit(output: str, report: Report) -> None:
    root = ET.fromstring(output.encode("utf-8"))  # expat: a strict XML 1.0 parser
    assert {element.tag for element in root.iter()} <= JUNIT_ELEMENTS
    assert int(root.get("failures")) == sum(
        finding.severity in report.failing_severities for finding in report.findings
    )


def _check_markdown(output: str, report: Report) -> None:
    prose = re.sub(r"^```mermaid\n.*?^```$", "", output, flags=re.M | re.S)
    assert not LIVE_IN_MARKDOWN.search(prose), prose
    assert "<script" not in output


def _check_html(output: str, report: Report) -> None:
    page = _Page()
    page.feed(output)
    page.close()
    assert page.tags.count("script") == 1  # the page's own
    assert not [name for name in page.attributes if name.startswith("on")]


CHECKS = {
    "text": _check_text,
    "concise": _check_concise,
    "json": _check_json,
    "sarif": _check_sarif,
    "github": _check_github,
    "gitlab": _check_gitlab,
    "junit": _check_junit,
    "markdown": _check_markdown,
    "html": _check_html,
}


class _Page(HTMLParser):
    """The start tags and attribute names of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def _validator(schema: str):
    jsonschema = pytest.importorskip("jsonschema", reason="the test extra installs jsonschema")
    document = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(document)


# a real hostile project through the CLI

CHECK_FORMATS = [*FORMATS]
GRAPH_FORMATS = ["mermaid", "dot", "json", "html"]
# the served pipeline's name, the data input and a parameter of fixtures/hostile
PIPELINE = "inference\n::error file=pyproject.toml,line=1::pipeline\x1b[2K"
DATA_INPUT = "request\n::error file=src/hostile_names/settings.py,line=1::injected"
THRESHOLD = "params:threshold\n::notice::frozen\x1b]8;;https://evil.example\x1b\\"


@pytest.fixture(scope="module")
def hostile_runs():
    """Every run of servecheck on fixtures/hostile this module looks at, a few at a time."""
    commands = {
        **{("check", format_): ("check", "fixtures/hostile", "-f", format_) for format_ in FORMATS},
        **{
            ("graph", format_): ("graph", "fixtures/hostile", "-f", format_)
            for format_ in GRAPH_FORMATS
        },
        ("settings", "toml"): ("check", "fixtures/hostile", "--show-settings"),
        ("settings", "json"): ("check", "fixtures/hostile", "--show-settings", "-f", "json"),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = pool.map(lambda args: servecheck(*args), commands.values())
        return dict(zip(commands, runs, strict=True))


def _assert_no_crash(run, expected: int) -> None:
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream
        assert "internal error" not in stream
    assert run.returncode == expected, run.stderr


@pytest.mark.parametrize("format_", CHECK_FORMATS)
def test_a_hostile_project_is_reported_in_every_format(format_, hostile_runs):
    """fixtures/hostile fails the check (4 errors): each format says so, as its format."""
    run = hostile_runs["check", format_]
    _assert_no_crash(run, 1)
    if format_ in HUMAN:
        _assert_inert(format_, run.stdout)
    parsed = {
        "json": lambda text: json.loads(text)["pipelines"][0]["name"],
        "sarif": lambda text: json.loads(text)["runs"][0]["results"][0]["properties"]["pipeline"],
        "gitlab": lambda text: len(json.loads(text)),
        "junit": lambda text: ET.fromstring(text.encode("utf-8")).get("failures"),
    }
    expected = {"json": PIPELINE, "sarif": PIPELINE, "gitlab": 5, "junit": "4"}
    if format_ in parsed:
        assert parsed[format_](run.stdout) == expected[format_]
    if format_ == "sarif":
        _validator("sarif-2.1.0-subset.json").validate(json.loads(run.stdout))
    if format_ == "gitlab":
        _validator("gitlab-code-quality.json").validate(json.loads(run.stdout))


@pytest.mark.parametrize("format_", GRAPH_FORMATS)
def test_a_hostile_project_is_drawn_in_every_format(format_, hostile_runs):
    run = hostile_runs["graph", format_]
    _assert_no_crash(run, 0)
    if format_ in ("html", "mermaid"):
        assert "<script>alert" not in run.stdout
    if format_ == "json":
        assert PIPELINE in json.loads(run.stdout).values()
    else:
        assert all(line.isprintable() for line in run.stdout.split("\n"))


def test_hostile_settings_are_valid_toml_and_json(hostile_runs):
    """--show-settings writes the hostile pipeline's name and input as TOML and JSON keep them."""
    toml_run, json_run = hostile_runs["settings", "toml"], hostile_runs["settings", "json"]
    for run in (toml_run, json_run):
        _assert_no_crash(run, 0)
    served = {PIPELINE: {"input": DATA_INPUT}}
    assert tomllib.loads(toml_run.stdout)["tool"]["servecheck"]["pipelines"] == served
    assert json.loads(json_run.stdout)["pipelines"] == served


def test_a_parameter_key_with_a_dot_is_one_parameter_as_kedro_feeds_it(tmp_path, hostile_runs):
    """`threshold…evil.example…` in parameters.yml is one key (Kedro registers `params:` + the
    key), not a path `threshold…evil` then `example…`: servecheck froze its value (SC303)
    where it used to crash with KeyError, and Kedro feeds the node that same value."""
    (frozen,) = [
        finding
        for finding in json.loads(hostile_runs["check", "json"].stdout)["findings"]
        if finding["code"] == "SC303"
    ]
    assert frozen["dataset"] == THRESHOLD
    assert f"'{THRESHOLD}' = 0.5 is frozen" in frozen["message"]
    project = tmp_path / "hostile"
    shutil.copytree(FIXTURES / "hostile", project)
    run = python(
        "from kedro.framework.session import KedroSession\n"
        "from kedro.framework.startup import bootstrap_project\n"
        f"bootstrap_project({str(project)!r})\n"
        f"with KedroSession.create({str(project)!r}) as session:\n"
        f"    print(session.load_context().catalog.load({THRESHOLD!r}))\n",
        env={"PYTHONPATH": str(REPO / "tests/without_kedro_mlflow")},  # no kedro-mlflow hook
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "0.5"
