"""What a kedro-datasets extra installs, read from kedro-datasets' own metadata.

Each `Requires-Dist` line of kedro-datasets that carries an `extra == "..."` marker belongs to
that extra; a line `kedro-datasets[a,b]` makes the extra install the extras `a` and `b` too
(`spark-sparkdataset` -> `spark-core`). Markers are evaluated for this interpreter and
platform (`tensorflow` here, `tensorflow-macos` on an arm64 Mac).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

DISTRIBUTION = "kedro-datasets"


def extra_requirements(extras: Iterable[str]) -> list[Requirement]:
    """The requirements, other than kedro-datasets itself, that installing kedro-datasets
    with `extras` adds here; empty when kedro-datasets is not installed."""
    try:
        declared = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return []
    requirements = []
    for line in declared:
        try:
            requirements.append(Requirement(line))
        except InvalidRequirement:
            continue
    pending, done = list(extras), set()
    found: dict[str, Requirement] = {}
    while pending:
        extra = pending.pop()
        if extra in done:
            continue
        done.add(extra)
        for requirement in requirements:
            if not _belongs_to(requirement, extra):
                continue
            if canonicalize_name(requirement.name) == DISTRIBUTION:
                pending.extend(requirement.extras)
            else:
                found.setdefault(str(requirement), requirement)
    return sorted(found.values(), key=lambda requirement: canonicalize_name(requirement.name))


def _belongs_to(requirement: Requirement, extra: str) -> bool:
    """Whether `requirement` is installed with `extra`, here (not a plain dependency)."""
    marker = requirement.marker
    if marker is None or "extra" not in str(marker):
        return False
    try:
        return marker.evaluate({"extra": extra})
    except UndefinedEnvironmentName:
        return False
