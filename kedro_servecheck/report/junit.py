"""JUnit XML (GitLab `artifacts:reports:junit`, Jenkins): a test suite per pipeline.

Each rule is a test case of each pipeline: it passes (an empty test case, so that "N passed"
shows) when it found nothing. A rule that found something has one test case per finding, so
that each shows on its own: failing (a `<failure>`) when the finding fails the gate (errors;
warnings too with `--strict`), else passing with the finding in `<system-out>`.
Names are unique per pipeline and carry no line number, so that they compare across commits.
Every project string is shown printable (`\\x1b`): XML 1.0 cannot hold a control character,
not even as a character reference, nor a lone surrogate.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.lint.registry import ALL_RULES
from kedro_servecheck.printable import printable
from kedro_servecheck.report.ci import display_location, finding_text, title, unique
from kedro_servecheck.report.report import Report


def render(report: Report, color: bool = False) -> str:
    """`<testsuites>` → `<testsuite>` per pipeline → `<testcase>` per rule or finding."""
    project = report.project_path()
    root = Element("testsuites", name="servecheck")
    for analysis in report.analyses:
        findings = report.findings_of(analysis)
        name = printable(analysis.name)
        suite = SubElement(root, "testsuite", name=name)
        suite.extend(_cases(f"servecheck.{name}", findings, report.failing_severities, project))
        _set_counts(suite)
    _set_counts(root)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def _cases(
    classname: str, findings: list[Finding], failing: set[Severity], project: str
) -> Iterator[Element]:
    rules = {rule.code: rule.name for rule in ALL_RULES} | {f.code: f.rule for f in findings}
    cases: list[tuple[str, Finding | None]] = []
    for code, rule in rules.items():
        of_rule = [f for f in findings if f.code == code]
        cases += [(_name(f), f) for f in of_rule] or [(f"{code} {rule}", None)]
    for name, (_, finding) in zip(unique(name for name, _ in cases), cases, strict=True):
        case = Element("testcase", classname=classname, name=name)
        if finding is not None:
            _describe(case, finding, finding.severity in failing, project)
        yield case


def _name(finding: Finding) -> str:
    """`SC202 artifact-missing: model`, `SC301 parameters-dict: parameters, node audit`."""
    subjects = [finding.dataset, f"node {finding.node}" if finding.node else None]
    about = ", ".join(subject for subject in subjects if subject)
    return printable(f"{title(finding)}: {about}") if about else title(finding)


def _describe(case: Element, finding: Finding, fails: bool, project: str) -> None:
    where = display_location(finding, project)
    case.set("file", printable(where.path))
    case.set("line", str(where.line))
    text = f"{printable(str(where))}: {finding_text(finding)}"
    if fails:
        SubElement(
            case, "failure", type=finding.severity.value, message=printable(finding.message)
        ).text = text
    else:
        SubElement(case, "system-out").text = f"{finding.severity.value}: {text}"


def _set_counts(element: Element) -> None:
    """`tests`, `failures` and `errors` of a suite, or of all suites, from its test cases."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    element.set("errors", "0")
