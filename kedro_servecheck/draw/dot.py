"""A scene as Graphviz DOT: left to right, in the colours of palette.py, a legend as a cluster.

Vertex ids come from the scene (`d0`, `n1`…); every label is a quoted DOT string with quotes
and backslashes escaped, so a name can neither end the string nor become a Graphviz escape
(`\\N`, `\\l`…), and `&` as `&amp;`, since Graphviz reads entities (`&lt;`) in labels.
"""

from __future__ import annotations

from kedro_servecheck.draw.palette import Look, legend, look
from kedro_servecheck.draw.scene import Scene, Shape
from kedro_servecheck.printable import printable

FONT = "Helvetica,Arial,sans-serif"
SHAPES = {
    Shape.NODE: ("box", ""),
    Shape.DATASET: ("box", "rounded"),
    Shape.PARAMETER: ("hexagon", ""),
    Shape.IO: ("parallelogram", ""),
    Shape.NAMESPACE: ("box3d", ""),
}


def quote(text: str) -> str:
    """`text` as a DOT double-quoted string, shown as is."""
    text = printable(text).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def render(scene: Scene) -> str:
    """The DOT source of `scene`."""
    lines = [
        "digraph servecheck {",
        (
            f"  graph [rankdir=LR, fontname={quote(FONT)}, fontsize=12, nodesep=0.25, ranksep=0.4,"
            f" labelloc=t, label={quote(scene.pipeline)}];"
        ),
        f'  node [fontname={quote(FONT)}, fontsize=11, height=0.3, margin="0.12,0.04"];',
        '  edge [color="#94a3b8", arrowsize=0.6];',
    ]
    if scene.note:
        lines.append(f"  // {scene.note}")
    lines.append("  subgraph cluster_legend {")
    lines.append('    label="legend"; style="rounded,dashed"; color="#94a3b8"; fontsize=10;')
    keys = legend(namespaces=bool(scene.namespaces))
    lines += [
        f"    legend{index} [label={quote(key.text)}, {_attributes(key.shape, key.look)}];"
        for index, key in enumerate(keys)
    ]
    chain = " -> ".join(f"legend{index}" for index in range(len(keys)))
    lines.append(f"    {chain} [style=invis];  // one row")
    lines.append("  }")
    lines += [
        f"  {box.id} [label={quote(box.label)}, {_attributes(box.shape, look(box))}];"
        for box in scene.boxes.values()
    ]
    lines += [
        f"  {scene.boxes[source].id} -> {scene.boxes[target].id};"
        for source in scene.boxes
        for target in sorted(scene.dag.successors(source))
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _attributes(shape: Shape, paint: Look) -> str:
    name, extra = SHAPES[shape]
    style = ",".join(part for part in ("filled", extra, "dashed" if paint.dash else "") if part)
    return (
        f'shape={name}, style="{style}", fillcolor="{paint.fill}", color="{paint.stroke}", '
        f"penwidth={paint.width:g}"
    )
