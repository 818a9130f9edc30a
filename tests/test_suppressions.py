"""`# servecheck: ignore[CODE] reason` comments, and SC901 for those that suppress nothing."""

from __future__ import annotations

from kedro_servecheck.findings import Finding, Location, Severity
from kedro_servecheck.lint.noqa import Suppression, Suppressions, parse_suppressions

from conftest import edit, servecheck


def finding(code: str, path: str, line: int) -> Finding:
    return Finding(code, "rule", Severity.ERROR, "message", location=Location(path, line))


# The comment parser (in process)


def test_a_comment_after_a_key_applies_to_its_line_one_alone_to_the_line_below():
    text = (
        "model:  # servecheck: ignore[SC202] trained in CI\n"
        "  type: pickle.PickleDataset\n"
        "# servecheck: ignore[sc204, SC207]\n"
        "scores:\n"
    )
    after, above = parse_suppressions(text, "conf/base/catalog.yml")
    assert after == Suppression(Location("conf/base/catalog.yml", 1), 1, ("SC202",))
    assert (above.location.line, above.target, above.codes) == (3, 4, ("SC204", "SC207"))


def test_only_real_comments_are_directives():
    yaml_text = (
        'a: "x#servecheck: ignore[SC202]"\n'  # no space before `#`: not a comment
        "b: 1 #servecheck:ignore[SC304]\n"
    )
    assert [s.codes for s in parse_suppressions(yaml_text, "conf/base/parameters.yml")] == [
        ("SC304",)
    ]
    python_text = (
        "def f():  # servecheck: ignore[SC401] exported by name elsewhere\n"
        '    """# servecheck: ignore[SC302] in a docstring: not a comment"""\n'
        '    return "# servecheck: ignore[SC302]"\n'
    )
    (only,) = parse_suppressions(python_text, "src/p/nodes.py")
    assert (only.target, only.codes) == (1, ("SC401",))


def test_a_directive_without_codes_names_none():
    (bare,) = parse_suppressions("model:  # servecheck: ignore everything\n", "conf/c.yml")
    assert bare.codes == ()


def test_a_suppression_covers_its_codes_on_its_target_line_only():
    (suppression,) = parse_suppressions("# servecheck: ignore[SC202,SC207]\nmodel:\n", "c.yml")
    assert suppression.covers(finding("SC202", "c.yml", 2))
    assert suppression.covers(finding("SC207", "c.yml", 2))
    assert not suppression.covers(finding("SC203", "c.yml", 2))
    assert not suppression.covers(finding("SC202", "c.yml", 1))
    assert not suppression.covers(finding("SC202", "other.yml", 2))


def test_unused_codes_are_those_of_rules_that_ran_and_suppressed_nothing():
    text = (
        "a:  # servecheck: ignore[SC202,SC207]\n"
        "b:  # servecheck: ignore[SC205]\n"
        "c:  # servecheck: ignore[SC2002]\n"
        "d:  # servecheck: ignore\n"
    )
    suppressions = Suppressions(parse_suppressions(text, "c.yml"))
    assert suppressions.suppresses(finding("SC202", "c.yml", 1))
    assert not suppressions.suppresses(finding("SC202", "c.yml", 2))
    in_vain = {s.location.line: s.problems for s in suppressions.in_vain(ran={"SC202", "SC207"})}
    assert in_vain == {
        1: ("no SC207 finding on line 1 to suppress",),  # SC202 was used
        3: ("unknown code SC2002 (did you mean SC202?)",),  # b: SC205 did not run: not judged
        4: ("it names no rule code",),
    }


# Through the command line


def test_comments_suppress_on_the_key_line_above_it_and_on_the_def(project_copy):
    broken = project_copy("broken")
    catalog, nodes = "conf/base/catalog.yml", "src/broken_serving/pipelines/inference/nodes.py"
    edit(broken, catalog, "model:\n", "model:  # servecheck: ignore[SC202] trained in CI\n")
    edit(
        broken,
        catalog,
        "reference_scores:\n",
        "# servecheck: ignore[SC204] a nightly snapshot\nreference_scores:\n",
    )
    edit(
        broken,
        "conf/base/parameters.yml",
        "bins: [[0, 10], [10, 100]]\n",
        "bins: [[0, 10], [10, 100]]  # servecheck: ignore[SC303,SC304] fixed bins\n",
    )
    edit(broken, nodes, "def score(", "def score(  # servecheck: ignore[SC302] per request\n")
    before = servecheck("check", "fixtures/broken", "--format", "json").json()
    after = servecheck("check", broken, "--format", "json").json()
    gone = {(f["code"], f["dataset"]) for f in before["findings"]} - {
        (f["code"], f["dataset"]) for f in after["findings"]
    }
    assert gone == {
        ("SC202", "model"),
        ("SC204", "reference_scores"),
        ("SC303", "params:bins"),
        ("SC304", "params:bins"),
        ("SC302", "params:weights"),
    }
    assert len(after["findings"]) == len(before["findings"]) - 5  # no SC901: all were used
    assert after["summary"] == {
        "errors": before["summary"]["errors"] - 3,
        "warnings": before["summary"]["warnings"] - 1,
        "infos": before["summary"]["infos"] - 1,
    }
    assert after.keys() == before.keys()
    assert all(f.keys() == before["findings"][0].keys() for f in after["findings"])


def test_unused_and_unknown_suppressions_are_sc901_at_the_comment(project_copy):
    churn = project_copy("churn")
    catalog = "conf/base/catalog.yml"
    unused = edit(churn, catalog, "scaler:\n", "scaler:  # servecheck: ignore[SC202] old\n")
    unknown = edit(churn, catalog, "classifier:\n", "# servecheck: ignore[SC2002]\nclassifier:\n")
    training = edit(churn, catalog, "customers:\n", "customers:  # servecheck: ignore[SC205]\n")
    run = servecheck("check", churn, "--format", "json")
    assert run.returncode == 0  # warnings only
    flagged = {f["location"]["line"]: f for f in run.json()["findings"] if f["code"] == "SC901"}
    assert set(flagged) == {training, unknown, unused}
    assert all(
        f["severity"] == "warning"
        and f["location"]["path"] == catalog
        and f["pipeline"] == "inference"
        for f in flagged.values()
    )
    assert "no SC202 finding on line" in flagged[unused]["message"]
    assert "unknown code SC2002 (did you mean SC202?)" in flagged[unknown]["message"]
    assert servecheck("check", churn, "--strict").returncode == 1
    ignored = servecheck("check", churn, "--ignore", "SC202,SC205", "--format", "json")
    assert [f["location"]["line"] for f in ignored.json()["findings"] if f["code"] == "SC901"] == [
        unknown
    ]  # rules that did not run are not judged
    quiet = servecheck("check", churn, "--ignore", "SC901", "--strict", "--format", "json")
    assert quiet.returncode == 0
    assert "SC901" not in {f["code"] for f in quiet.json()["findings"]}
