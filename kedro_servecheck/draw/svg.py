"""A scene as inline SVG: box outlines, labels and edges, placed by layout.py.

This module computes the geometry; templates/graph.svg.j2 writes the elements (jinja2, with
autoescape on, so every name and message is escaped). Element ids are the scene's box ids
behind a prefix per pipeline (`p0-d3`), so a page can hold several drawings and link a
finding to its box (`#p0-d3`) and a box to its first finding (`#p0-f2`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kedro_servecheck.draw.layout import place
from kedro_servecheck.draw.palette import Key, Look, look
from kedro_servecheck.draw.scene import NAMESPACE, Box, Scene, Shape
from kedro_servecheck.findings import Finding
from kedro_servecheck.printable import printable

CHAR_WIDTH = 6.8  # a generous average for the 12px sans-serif font of the report's CSS
LINE_HEIGHT = 15
BOX_HEIGHT = 28
PADDING = 10
MIN_WIDTH = 56
MAX_LABEL = 34  # characters; longer names are cut in the middle (the tooltip has them whole)


@dataclass(frozen=True)
class Figure:
    """One box as drawn."""

    id: str
    classes: str
    shape: Shape
    x: float
    y: float
    width: float
    height: float
    outline: str  # the `d` of its path
    look: Look
    lines: tuple[str, ...]
    title: str
    href: str | None  # its first finding

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    @property
    def texts(self) -> list[tuple[float, float, str]]:
        """Each label line and where its middle goes."""
        x, y = self.centre
        top = y - LINE_HEIGHT * (len(self.lines) - 1) / 2
        return [(x, top + LINE_HEIGHT * index, line) for index, line in enumerate(self.lines)]


@dataclass(frozen=True)
class Edge:
    """An arrow between two figures."""

    path: str
    source: str
    target: str


@dataclass(frozen=True)
class Canvas:
    """A scene laid out as SVG: its size, figures and edges; `prefix` makes its element ids
    unique."""

    prefix: str
    width: float
    height: float
    figures: list[Figure]
    edges: list[Edge]


@dataclass(frozen=True)
class Sample:
    """A legend entry: a small outline in its colours, and its text."""

    text: str
    outline: str
    look: Look


def num(value: float) -> str:
    """A coordinate as SVG writes it: one decimal at most, never an exponent."""
    return f"{value:.1f}".removesuffix(".0")


def finding_id(prefix: str, index: int) -> str:
    """The element id of the `index`-th finding of the drawing `prefix`."""
    return f"{prefix}-f{index}"


def box_id(prefix: str, box: Box) -> str:
    """The element id of `box` in the drawing `prefix`."""
    return f"{prefix}-{box.id}"


def canvas(scene: Scene, prefix: str) -> Canvas:
    """`scene` laid out left to right, its element ids behind `prefix`."""
    lines = {vertex: _lines(box) for vertex, box in scene.boxes.items()}
    layout = place(
        scene.dag, lambda vertex: _size(scene.boxes[vertex], lines[vertex]), order=scene.boxes
    )
    figures = {}
    for vertex, box in scene.boxes.items():
        x, y, width, height = layout.boxes[vertex]
        figures[vertex] = Figure(
            id=box_id(prefix, box),
            classes=_classes(box),
            shape=box.shape,
            x=x,
            y=y,
            width=width,
            height=height,
            outline=outline(box.shape, x, y, width, height),
            look=look(box),
            lines=lines[vertex],
            title=_title(box, scene.findings),
            href=f"#{finding_id(prefix, box.findings[0])}" if box.findings else None,
        )
    edges = [
        Edge(_arrow(figures[source], figures[target]), figures[source].id, figures[target].id)
        for source, target in scene.dag.edges
    ]
    return Canvas(prefix, layout.width, layout.height, list(figures.values()), edges)


def samples(keys: list[Key]) -> list[Sample]:
    """Legend entries, each outline 40 x 18."""
    return [Sample(key.text, outline(key.shape, 2, 2, 40, 18), key.look) for key in keys]


def outline(shape: Shape, x: float, y: float, width: float, height: float) -> str:
    """The SVG path of a box of `shape`."""
    right, bottom, middle, slant = x + width, y + height, y + height / 2, height / 3
    if shape is Shape.DATASET:  # a stadium
        r = height / 2
        return _path(
            ("M", x + r, y),
            ("H", right - r),
            ("A", r, r, 0, 0, 1, right - r, bottom),
            ("H", x + r),
            ("A", r, r, 0, 0, 1, x + r, y),
            ("Z",),
        )
    if shape is Shape.NAMESPACE:  # a box with rounded corners
        r = 8
        return _path(
            ("M", x + r, y),
            ("H", right - r),
            ("Q", right, y, right, y + r),
            ("V", bottom - r),
            ("Q", right, bottom, right - r, bottom),
            ("H", x + r),
            ("Q", x, bottom, x, bottom - r),
            ("V", y + r),
            ("Q", x, y, x + r, y),
            ("Z",),
        )
    if shape is Shape.PARAMETER:
        points = [
            (x + slant, y),
            (right - slant, y),
            (right, middle),
            (right - slant, bottom),
            (x + slant, bottom),
            (x, middle),
        ]
    elif shape is Shape.IO:
        points = [(x + slant, y), (right, y), (right - slant, bottom), (x, bottom)]
    else:
        points = [(x, y), (right, y), (right, bottom), (x, bottom)]
    return _path(("M", *points[0]), *(("L", *point) for point in points[1:]), ("Z",))


def _path(*steps: tuple[str | float, ...]) -> str:
    """`("M", x, y), ("H", x)…` as the `d` of a path."""
    return "".join(
        f"{step[0]}{' '.join(num(float(value)) for value in step[1:])}" for step in steps
    )


def _lines(box: Box) -> tuple[str, ...]:
    if box.kind == NAMESPACE:
        return _shorten(box.name), f"{box.nodes} nodes, {box.datasets} datasets"
    return (_shorten(box.name),)


def _shorten(text: str) -> str:
    """`text` printable, cut in the middle to `MAX_LABEL` characters."""
    text = printable(text)
    if len(text) <= MAX_LABEL:
        return text
    keep = MAX_LABEL - 1
    return f"{text[: keep // 2]}…{text[len(text) - (keep - keep // 2) :]}"


def _size(box: Box, lines: tuple[str, ...]) -> tuple[float, float]:
    slant = BOX_HEIGHT / 3 if box.shape in (Shape.IO, Shape.PARAMETER) else 0
    width = max(len(line) for line in lines) * CHAR_WIDTH + 2 * (PADDING + slant)
    return round(max(width, MIN_WIDTH)), BOX_HEIGHT + LINE_HEIGHT * (len(lines) - 1)


def _classes(box: Box) -> str:
    classes = ["vertex", box.kind]
    if box.role:
        classes.append(f"role-{box.role.value}")
    if box.output:
        classes.append("output")
    if box.severity:
        classes.append(f"severity-{box.severity.value}")
    return " ".join(classes)


def _title(box: Box, findings: list[Finding]) -> str:
    """The tooltip: the full name, what it is, and its findings."""
    what = box.role.label if box.role else "output" if box.output else box.kind
    lines = [box.label, what]
    lines += [
        f"{findings[i].code} {findings[i].severity.value}: {findings[i].message}"
        for i in box.findings
    ]
    return "\n".join(map(printable, lines))


def _arrow(source: Figure, target: Figure) -> str:
    """A curve from the right of `source` to the left of `target`."""
    inset = BOX_HEIGHT / 6  # where a parallelogram's slanted side crosses the middle
    start_x = source.x + source.width - (inset if source.shape is Shape.IO else 0)
    end_x = target.x + (inset if target.shape is Shape.IO else 0)
    (_, start_y), (_, end_y) = source.centre, target.centre
    bend = max((end_x - start_x) / 2, 12)
    return _path(
        ("M", start_x, start_y), ("C", start_x + bend, start_y, end_x - bend, end_y, end_x, end_y)
    )
