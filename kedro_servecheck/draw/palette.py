"""The colours of a drawn pipeline, shared by Mermaid, DOT and SVG, and the legend that names them.

A free input is filled in its role's colour, the output in green; a box with a finding is
outlined in the colour of its worst severity (dashed for an info).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kedro_servecheck.analysis.classify import Role
from kedro_servecheck.analysis.graph import DATASET, NODE
from kedro_servecheck.draw.scene import NAMESPACE, Box, Shape, shape_of
from kedro_servecheck.findings import Severity


@dataclass(frozen=True)
class Look:
    """How a box is painted; `colour` names it in a legend written in words."""

    fill: str
    stroke: str
    width: float = 1.5
    dash: str | None = None
    colour: str = ""


ROLES = {
    Role.DATA: Look("#dbeafe", "#1d4ed8", colour="blue"),
    Role.PERSISTED: Look("#e0e7ff", "#4338ca", colour="indigo"),
    Role.PARAMETER: Look("#f3e8ff", "#7e22ce", colour="purple"),
    Role.UNRESOLVED: Look("#fef3c7", "#b45309", colour="amber"),
}
OUTPUT = Look("#dcfce7", "#15803d", colour="green")
PLAIN = {  # what has no role and is not the output, by kind
    DATASET: Look("#f8fafc", "#94a3b8"),
    NODE: Look("#ffffff", "#475569"),
    NAMESPACE: Look("#f1f5f9", "#334155", width=2),
}
SEVERITIES = {  # outlines only: the stroke replaces the box's own
    Severity.ERROR: Look("", "#dc2626", width=4, colour="red"),
    Severity.WARNING: Look("", "#ea580c", width=4, colour="orange"),
    Severity.INFO: Look("", "#0891b2", width=2, dash="5 3", colour="dashed cyan"),
}


@dataclass(frozen=True)
class Key:
    """One entry of a legend: a sample box and what it means."""

    text: str
    shape: Shape
    look: Look


def _base(box: Box) -> Look:
    """The box's colours before any finding: its role's, the output's, or plain."""
    if box.output:
        return OUTPUT
    return ROLES[box.role] if box.role else PLAIN[box.kind]


def look(box: Box) -> Look:
    """How `box` is painted: its base colours, outlined in its severity's colour if any."""
    return _outlined(_base(box), box.severity)


def legend(namespaces: bool = False) -> list[Key]:
    """The legend of a drawing (with the namespace box when the drawing has one)."""
    keys = [
        Key(role.label, shape_of(DATASET, role, False), colours) for role, colours in ROLES.items()
    ]
    keys += [
        Key("output", shape_of(DATASET, None, True), OUTPUT),
        Key("dataset", Shape.DATASET, PLAIN[DATASET]),
        Key("node", Shape.NODE, PLAIN[NODE]),
    ]
    if namespaces:
        keys.append(Key("namespace", Shape.NAMESPACE, PLAIN[NAMESPACE]))
    keys += [
        Key(severity.value, Shape.DATASET, _outlined(PLAIN[DATASET], severity))
        for severity in SEVERITIES
    ]
    return keys


def in_words() -> str:
    """The legend as a sentence, for Markdown under a Mermaid graph."""
    roles = ", ".join(f"{colours.colour} {role.label}" for role, colours in ROLES.items())
    outlines = ", ".join(
        f"{outline.colour} {severity.value}" for severity, outline in SEVERITIES.items()
    )
    return (
        f"Free inputs by role: {roles}; {OUTPUT.colour}: the output; "
        f"outlined by a finding's severity: {outlines}."
    )


def _outlined(painted: Look, severity: Severity | None) -> Look:
    if severity is None:
        return painted
    outline = SEVERITIES[severity]
    return replace(painted, stroke=outline.stroke, width=outline.width, dash=outline.dash)
