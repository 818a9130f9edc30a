"""Drawing the serving pipeline: layout, the HTML report's SVG, `servecheck graph`, a real browser.

The SVG is checked as XML against the pipeline it draws; the Mermaid and DOT drawings of the
fixtures are snapshots; the layout is checked on synthetic graphs; and when Debian's Chromium
is installed, the HTML report of fixtures/broken is rendered headless and screenshotted
(`SERVECHECK_UPDATE_SCREENSHOT=1` writes the screenshot to docs/report.png).
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from kedro.pipeline import Pipeline, node

from kedro_servecheck.analysis.classify import FreeInput, Role
from kedro_servecheck.analysis.graph import ServingGraph
from kedro_servecheck.draw.layout import columns, layers, place
from kedro_servecheck.draw.palette import OUTPUT, ROLES, SEVERITIES
from kedro_servecheck.draw.scene import Scene, build
from kedro_servecheck.draw.svg import MAX_LABEL, canvas
from kedro_servecheck.findings import Finding, Severity
from kedro_servecheck.report import Report, formatter

from conftest import REPO, analysis_of, edit, servecheck

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>\"'&"
BROKEN_DATASETS = {  # fixtures/broken/README.md: free inputs, then what the nodes make
    "request",
    "scaler",
    "lookup_table",
    "encoder",
    "model",
    "params:weights",
    "reference_scores",
    "calibration",
    "calibration_curve",
    "params:bins",
    "parameters",
    "frame",
    "scaled_frame",
    "joined",
    "encoded",
    "scores",
    "report_table",
    "audit_log",
}
BROKEN_NODES = {"parse_request", "scale", "join_lookup", "encode", "score", "compare", "audit"}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1600,900",
]


def _first(*args):
    return args[0]


# Helpers


def _graphs(page: str) -> list[ET.Element]:
    """Every graph SVG of an HTML report, parsed as XML."""
    return [
        ET.fromstring(svg)
        for svg in re.findall(
            r'<svg xmlns="http://www.w3.org/2000/svg" class="graph".*?</svg>', page, re.S
        )
    ]


def _vertices(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("id"): g for g in svg.iter(f"{SVG}g") if "vertex" in g.get("class", "").split()}


def _name(vertex: ET.Element) -> str:
    return vertex.find(f"{SVG}title").text.split("\n")[0]


def _classes(vertex: ET.Element) -> set[str]:
    return set(vertex.get("class").split())


def _paint(vertex: ET.Element) -> ET.Element:
    return vertex.find(f".//{SVG}path")


def _rows(page: str) -> dict[str, list[str]]:
    """Each finding row's id and the boxes it points at."""
    return {
        row_id: targets.split()
        for row_id, targets in re.findall(r'<tr id="([^"]+)"(?: data-vertex="([^"]+)")?>', page)
    }


def _branches(branches: int, depth: int) -> Pipeline:
    """`branches` chains of `depth` nodes from `raw` and `params:alpha`, joined into `out`."""
    nodes = []
    for branch in range(branches):
        previous = ["raw", "params:alpha"]
        for step in range(depth):
            nodes.append(node(_first, previous, f"b{branch}_{step}", name=f"step{branch}_{step}"))
            previous = f"b{branch}_{step}"
    nodes.append(node(_first, [f"b{b}_{depth - 1}" for b in range(branches)], "out", name="join"))
    return Pipeline(nodes)


def _report(pipeline: Pipeline, root: Path, findings: list[Finding] = ()) -> Report:
    """A report on `pipeline` (data input `raw`, parameters for the other free inputs)."""
    inputs = [
        FreeInput(name, Role.DATA if name == "raw" else Role.PARAMETER, None)
        for name in sorted(pipeline.inputs())
    ]
    analysis = analysis_of(root, pipeline, inputs, "raw", list(findings))
    return Report(root, "pkg", "local", [analysis])


def _no_overlap(boxes) -> bool:
    """No two (x, y, width, height) boxes share any area."""
    return not any(
        x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h
        for (x, y, w, h), (x2, y2, w2, h2) in itertools.combinations(boxes, 2)
    )


# The HTML report of fixtures/broken


@pytest.fixture(scope="module")
def broken_page(tmp_path_factory) -> str:
    target = tmp_path_factory.mktemp("html") / "report.html"
    run = servecheck("check", "fixtures/broken", "--format", "html", "--output-file", target)
    assert run.returncode == 1
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    return target.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def broken_json() -> dict:
    return servecheck("check", "fixtures/broken", "--format", "json").json()


def test_every_vertex_appears_once(broken_page):
    (svg,) = _graphs(broken_page)
    vertices = _vertices(svg).values()
    seen = Counter((next(iter({"dataset", "node"} & _classes(v))), _name(v)) for v in vertices)
    assert seen == Counter(
        {("dataset", name): 1 for name in BROKEN_DATASETS}
        | {("node", name): 1 for name in BROKEN_NODES}
    )
    ids = set(_vertices(svg))
    edges = [path for path in svg.iter(f"{SVG}path") if path.get("class") == "edge"]
    assert len(edges) == 24
    assert all(edge.get("data-source") in ids and edge.get("data-target") in ids for edge in edges)


def test_colours_follow_the_roles(broken_page, broken_json):
    (svg,) = _graphs(broken_page)
    by_name = {_name(vertex): vertex for vertex in _vertices(svg).values()}
    (pipeline,) = broken_json["pipelines"]
    for free in pipeline["inputs"]:
        vertex = by_name[free["name"]]
        assert f"role-{free['role']}" in _classes(vertex)
        assert _paint(vertex).get("fill") == ROLES[Role(free["role"])].fill
    for name in pipeline["outputs"]:
        assert "output" in _classes(by_name[name])
        assert _paint(by_name[name]).get("fill") == OUTPUT.fill
    plain = {"frame", "scaled_frame", "joined", "encoded", "scores"}
    assert not any(c.startswith("role-") for name in plain for c in _classes(by_name[name]))


def test_flagged_vertices_carry_their_severity(broken_page, broken_json):
    (svg,) = _graphs(broken_page)
    by_name = {_name(vertex): vertex for vertex in _vertices(svg).values()}
    worst: dict[str, str] = {}
    for finding in broken_json["findings"]:  # report order: the worst severity first
        for name in filter(None, (finding["dataset"], finding["node"])):
            worst.setdefault(name, finding["severity"])
    assert worst  # fixtures/broken breaks most rules
    for name, vertex in by_name.items():
        severities = {
            c.removeprefix("severity-") for c in _classes(vertex) if c.startswith("severity-")
        }
        assert severities == ({worst[name]} if name in worst else set()), name
        if name in worst:
            outline = SEVERITIES[Severity(worst[name])]
            assert _paint(vertex).get("stroke") == outline.stroke, name


def test_findings_link_to_their_box_and_back(broken_page, broken_json):
    (svg,) = _graphs(broken_page)
    vertices = _vertices(svg)
    rows = _rows(broken_page)
    assert len(rows) == len(broken_json["findings"])
    for targets, finding in zip(rows.values(), broken_json["findings"], strict=True):
        names = [name for name in (finding["dataset"], finding["node"]) if name]
        assert [_name(vertices[target]) for target in targets] == names
        assert all(f'<a href="#{target}">' in broken_page for target in targets)
    pointed = {target for targets in rows.values() for target in targets}
    linked_back = {
        vertex_id for vertex_id, vertex in vertices.items() if vertex.find(f"{SVG}a") is not None
    }
    assert linked_back == pointed
    for vertex_id in linked_back:
        href = vertices[vertex_id].find(f"{SVG}a").get("href")
        assert vertex_id in rows[href.removeprefix("#")]
    assert broken_json["findings"][0]["code"] == "SC002"
    assert rows["p0-f0"] == []


def test_the_page_is_self_contained(broken_page):
    assert broken_page.startswith("<!doctype html>")
    assert re.findall(r"https?://[^\s\"']+", broken_page) == ["http://www.w3.org/2000/svg"] * (
        broken_page.count('xmlns="http://www.w3.org/2000/svg"')
    )
    assert not re.search(r"<link|<img|<iframe|@import|\bsrc=", broken_page, re.I)
    assert set(re.findall(r"url\(([^)]*)\)", broken_page)) == {"#p0-arrow"}
    assert broken_page.count("<script") == 1
    assert len(broken_page) < 100_000


def test_each_pipeline_has_its_own_graph_and_ids():
    run = servecheck("check", "fixtures/namespaced", "--format", "html")
    assert run.returncode == 0
    first, second = _graphs(run.stdout)
    assert {_name(v) for v in _vertices(first).values()} >= {"eu.model", "orders"}
    assert {_name(v) for v in _vertices(second).values()} >= {"us.model", "orders"}
    ids = re.findall(r'\bid="([^"]+)"', run.stdout)
    assert len(ids) == len(set(ids))


def test_hostile_names_are_escaped(project_copy, tmp_path):
    project = project_copy("churn")
    edit(project, "src/churn/pipelines/inference/pipeline.py", '"scaler"', repr(HOSTILE))
    edit(
        project,
        "conf/base/catalog.yml",
        "scaler:\n  type: pickle.PickleDataset\n  filepath: data/06_models/scaler.pkl",
        f"{json.dumps(HOSTILE)}:\n  type: pickle.PickleDataset\n"
        "  filepath: data/06_models/missing.pkl",
    )
    target = tmp_path / "report.html"
    run = servecheck("check", project, "--format", "html", "--output-file", target)
    assert run.returncode == 1, run.stderr
    page = target.read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert page.count("<script") == 1
    links = re.findall(r'<a href="#p0-[dn]\d+">([^<]*)</a>', page)  # in the findings table
    assert HOSTILE in map(html.unescape, links)
    (svg,) = _graphs(page)
    (vertex,) = [v for v in _vertices(svg).values() if _name(v) == HOSTILE]
    assert {"role-persisted", "severity-error"} <= _classes(vertex)
    assert all(re.fullmatch(r"p0-[dn]\d+", vertex_id) for vertex_id in _vertices(svg))

    dot = servecheck("graph", project, "--format", "dot").stdout
    (line,) = [line for line in dot.splitlines() if "alert" in line]
    label = re.match(r'  d\d+ \[label="((?:[^"\\]|\\.)*)", ', line)[1]
    assert html.unescape(re.sub(r"\\(.)", r"\1", label)) == HOSTILE
    graph = servecheck("graph", project, "--format", "json").json()
    assert HOSTILE in {vertex["label"] for vertex in graph["vertices"]}
    mermaid = servecheck("graph", project, "--format", "mermaid").stdout
    assert "<" not in mermaid
    assert "alert(1)" in mermaid


# servecheck graph


@pytest.mark.parametrize(
    ("fixture", "pipeline"),
    [
        pytest.param("broken", None, id="broken"),
        pytest.param("namespaced", "eu_inference", id="namespaced"),
    ],
)
@pytest.mark.parametrize(
    ("format_", "extension"),
    [pytest.param("mermaid", "mmd", id="mermaid"), pytest.param("dot", "dot", id="dot")],
)
def test_snapshot(fixture, pipeline, format_, extension, snapshot):
    chosen = ("--pipeline", pipeline) if pipeline else ()
    run = servecheck("graph", f"fixtures/{fixture}", *chosen, "--format", format_)
    assert run.returncode == 0
    assert run.stderr == ""
    snapshot.assert_match(run.stdout, f"{fixture}.{extension}")


def test_graph_json_and_exit_codes(tmp_path):
    target = tmp_path / "graph.json"
    run = servecheck("graph", "fixtures/broken", "--format", "json", "--output-file", target)
    assert run.returncode == 0
    assert run.stdout == ""
    graph = json.loads(target.read_text())
    vertices = {vertex["id"]: vertex for vertex in graph["vertices"]}
    assert len(vertices) == len(BROKEN_DATASETS) + len(BROKEN_NODES)
    assert {v["kind"] for v in vertices.values()} == {"dataset", "node"}
    assert {(v["label"], v["role"]) for v in vertices.values() if v["role"]} >= {
        ("request", "data"),
        ("lookup_table", "unresolved"),
        ("params:bins", "parameter"),
    }
    assert all(
        vertices[e["source"]]["layer"] < vertices[e["target"]]["layer"] for e in graph["edges"]
    )
    assert {v["label"] for v in vertices.values() if v["output"]} == {"audit_log", "report_table"}

    several = servecheck("graph", "fixtures/namespaced", "--format", "json")
    assert several.returncode == 0
    assert several.json()["pipeline"] == "eu_inference"
    assert "drew 'eu_inference'; also served: us_inference" in several.stderr
    html_page = servecheck("graph", "fixtures/namespaced", "-p", "us_inference", "-f", "html")
    assert html_page.returncode == 0
    assert len(_graphs(html_page.stdout)) == 1
    assert servecheck("graph", "fixtures/broken_registry").returncode == 2
    assert servecheck("graph", "fixtures/broken", "--pipeline", "nope").returncode == 2


# Layout


def test_layout_puts_edges_left_to_right_without_overlaps():
    random = nx.gnp_random_graph(120, 0.04, seed=7, directed=True)
    dag = nx.DiGraph((a, b) for a, b in random.edges if a < b)
    dag.add_nodes_from(random)
    layout = place(dag, lambda v: (40 + 7 * (v % 9), 28 + 15 * (v % 2)))
    assert set(layout.boxes) == set(dag)
    for source, target in dag.edges:
        assert layout.layers[source] < layout.layers[target]
        x, _, width, _ = layout.boxes[source]
        assert x + width < layout.boxes[target][0]
    assert _no_overlap(layout.boxes.values())
    assert all(
        x >= 0 and x + w <= layout.width and y >= 0 and y + h <= layout.height
        for x, y, w, h in layout.boxes.values()
    )


def test_layout_pulls_sources_right_and_uncrosses_edges():
    dag = nx.DiGraph([("a", "y"), ("b", "x"), ("x", "z"), ("y", "z"), ("late", "z")])
    layer = layers(dag)
    assert layer["late"] == layer["x"] == 1
    assert layer["z"] == 2
    left, middle, _ = columns(dag, layer, ["a", "b", "x", "y", "late", "z"])
    assert left == ["a", "b"]
    assert middle.index("y") < middle.index("x")


# Size: 300 nodes drawn in full, 1,000 collapsed by namespace


def test_a_300_node_pipeline_is_drawn_in_full(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipeline = _branches(23, 13)
    assert len(pipeline.nodes) == 300
    report = _report(pipeline, tmp_path)
    page = formatter("html")(report, False)
    (svg,) = _graphs(page)
    vertices = _vertices(svg)
    names = Counter(_name(vertex) for vertex in vertices.values())
    assert names == Counter({*(n.name for n in pipeline.nodes), *pipeline.datasets()})
    scene = Scene.of(report.analyses[0], [])
    figures = canvas(scene, "p0").figures
    assert _no_overlap([(f.x, f.y, f.width, f.height) for f in figures])
    assert all(len(line) <= MAX_LABEL for f in figures for line in f.lines)
    assert svg.get("viewBox") == f"0 0 {svg.get('width')} {svg.get('height')}"  # natural size
    assert "one box per namespace" not in page


def test_a_1000_node_pipeline_collapses_by_namespace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    regions = [
        Pipeline(
            _branches(9, 11), namespace=f"ns{k}", inputs={"raw"}, outputs={"out": f"ns{k}_out"}
        )
        for k in range(10)
    ]
    combine = Pipeline(
        [node(_first, [f"ns{k}_out" for k in range(10)], "prediction", name="combine")]
    )
    pipeline = sum(regions, combine)
    assert len(pipeline.nodes) == 1001
    finding = Finding(
        "SC401",
        "node-function-not-importable",
        Severity.ERROR,
        "a lambda",
        pipeline="inference",
        node="ns3.step4_5",
    )
    report = _report(pipeline, tmp_path, [finding])
    page = formatter("html")(report, False)
    assert (
        "The pipeline has 1001 nodes, more than 300: 2010 datasets and nodes are drawn as "
        "one box per namespace (10 namespaces)."
    ) in page
    (svg,) = _graphs(page)
    vertices = _vertices(svg)
    labels = {vertex_id: _name(vertex) for vertex_id, vertex in vertices.items()}
    assert sorted(labels.values()) == sorted(
        ["raw", "combine", "prediction"] + [f"ns{k} · 100 nodes, 101 datasets" for k in range(10)]
    )
    (flagged,) = [v for v in vertices if "severity-error" in _classes(vertices[v])]
    assert labels[flagged].startswith("ns3 ")
    assert _rows(page) == {"p0-f0": [flagged]}
    markdown = formatter("markdown")(report, False)
    assert "one box per namespace" in markdown
    assert markdown.count("-->") == 21


@pytest.mark.filterwarnings("ignore::UserWarning")  # Kedro: namespace 'a' is interrupted
def test_cycles_between_namespaces_merge_into_one_box():
    pipeline = Pipeline(
        [
            node(_first, "raw", "a.x", name="one", namespace="a"),
            node(_first, "a.x", "b.y", name="one", namespace="b"),
            node(_first, "b.y", "a.z", name="two", namespace="a"),
        ]
    )
    scene = build(ServingGraph(pipeline), {"raw": Role.DATA}, [], collapse_above=2)
    assert [box.label for box in scene.boxes.values()] == [
        "raw",
        "a + b · 3 nodes, 2 datasets",
        "a.z",
    ]
    assert nx.is_directed_acyclic_graph(scene.dag)


def test_a_large_pipeline_without_namespaces_is_drawn_in_full():
    graph = ServingGraph(_branches(2, 3))
    scene = build(graph, {"raw": Role.DATA}, [], collapse_above=3)
    assert len(scene.boxes) == len(graph.dag)
    assert not scene.folded
    assert scene.note.endswith("no namespace to collapse: it is drawn in full.")


# A real browser

RECORDER = """<script>
window.servecheckErrors = [];
addEventListener("error", (event) => servecheckErrors.push(String(event.message)));
const consoleError = console.error;
console.error = (...args) => { servecheckErrors.push(args.join(" ")); consoleError(...args); };
</script>"""
PROBE = """<script>
const graph = document.querySelector("svg.graph").getBoundingClientRect();
const row = document.querySelector("tr[data-vertex]");
row.dispatchEvent(new MouseEvent("mouseenter"));
const box = document.getElementById(row.dataset.vertex.split(" ")[0]);
document.body.dataset.probe = JSON.stringify({
  errors: servecheckErrors, graph: [graph.x, graph.y, graph.width, graph.height],
  highlighted: box.classList.contains("hl")});
</script>"""


def _chromium(tmp_path: Path, page: Path, *flags: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    completed = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def _probe(tmp_path: Path, page: str, name: str) -> dict:
    """Load `page` with the error recorder and the probe in it; what the probe found."""
    target = tmp_path / name
    target.write_text(
        page.replace("<head>", "<head>" + RECORDER, 1).replace("</body>", PROBE + "</body>", 1),
        encoding="utf-8",
    )
    dom = _chromium(tmp_path, target, "--dump-dom")
    (probe,) = re.findall(r'data-probe="([^"]*)"', dom)
    return json.loads(html.unescape(probe))


@pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not shutil.which("chromedriver"),
    reason="Debian's chromium and chromium-driver are not installed "
    "(.ci/run installs them; apt-get install chromium chromium-driver)",
)
def test_the_report_renders_in_a_real_browser(broken_page, tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="Pillow reads the screenshot")

    failing = broken_page.replace("</body>", "<script>notAFunction();</script></body>", 1)
    assert _probe(tmp_path, failing, "failing.html")["errors"]  # the recorder records errors

    probe = _probe(tmp_path, broken_page, "report.html")
    assert probe["errors"] == []
    assert probe["highlighted"]
    x, y, width, height = probe["graph"]
    assert width > 800
    assert height > 150

    page = tmp_path / "report.html"
    page.write_text(broken_page, encoding="utf-8")
    shot = tmp_path / "report.png"
    _chromium(tmp_path, page, f"--screenshot={shot}")
    image = Image.open(shot).convert("RGB")
    assert image.size == (1600, 900)
    graph = image.crop((int(x), int(y), int(min(x + width, 1600)), int(min(y + height, 900))))
    data = graph.tobytes()
    pixels = Counter(zip(data[0::3], data[1::3], data[2::3], strict=True))
    background = pixels.most_common(1)[0][0]
    drawn = sum(count for colour, count in pixels.items() if colour != background)
    assert background == (255, 255, 255)
    assert drawn > 0.05 * graph.width * graph.height
    colours = {"#{:02x}{:02x}{:02x}".format(*colour) for colour in pixels}
    assert {ROLES[Role.DATA].fill, OUTPUT.fill, SEVERITIES[Severity.ERROR].stroke} <= colours
    if os.environ.get("SERVECHECK_UPDATE_SCREENSHOT") == "1":  # the README's screenshot
        (REPO / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, REPO / "docs" / "report.png")
