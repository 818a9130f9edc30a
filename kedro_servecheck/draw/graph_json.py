"""A scene as JSON, for tools: vertices (id, kind, label, role, severity, layer) and edges."""

from __future__ import annotations

import json
from typing import Any

from kedro_servecheck.draw.layout import layers
from kedro_servecheck.draw.scene import NAMESPACE, Scene

SCHEMA_VERSION = 1


def to_dict(scene: Scene) -> dict[str, Any]:
    """The graph of `scene`; `layer` is the column the drawing puts a vertex in."""
    layer = layers(scene.dag)
    vertices = []
    for vertex, box in scene.boxes.items():
        entry: dict[str, Any] = {
            "id": box.id,
            "kind": box.kind,
            "label": box.label,
            "role": box.role.value if box.role else None,
            "output": box.output,
            "severity": box.severity.value if box.severity else None,
            "layer": layer[vertex],
            "findings": [scene.findings[index].code for index in box.findings],
        }
        if box.kind == NAMESPACE:
            entry["members"] = {"nodes": box.nodes, "datasets": box.datasets}
        vertices.append(entry)
    return {
        "schema_version": SCHEMA_VERSION,
        "pipeline": scene.pipeline,
        "nodes": scene.size,
        "note": scene.note,
        "vertices": vertices,
        "edges": [
            {"source": scene.boxes[source].id, "target": scene.boxes[target].id}
            for source in scene.boxes
            for target in sorted(scene.dag.successors(source))
        ],
    }


def render(scene: Scene) -> str:
    return json.dumps(to_dict(scene), indent=2, ensure_ascii=False) + "\n"
