"""Sizes in bytes as people write them (`1 GiB`, `500 MB`) and as reports show them."""

from __future__ import annotations

import re

_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]*)\s*", re.IGNORECASE)
_SHOWN = ("B", "KiB", "MiB", "GiB", "TiB")


def parse_size(text: str) -> int:
    """The bytes of `text`: a number and a unit (B, KB, MB, GB, TB, or KiB… TiB in powers
    of 1024); a number alone is bytes.

    Raises:
        ValueError: `text` is not a size.
    """
    match = _SIZE.fullmatch(text)
    unit = match["unit"].lower() if match else ""
    if match is None or (unit and unit not in _UNITS):
        raise ValueError(
            f'{text!r} is not a size: write a number and a unit, such as "1 GiB" or "500 MB"'
            " (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
        )
    return int(float(match["number"]) * _UNITS[unit or "b"])


def format_size(size: int) -> str:
    """`5.0 GiB`, `12.3 MiB`, `512 B`: in powers of 1024, one decimal."""
    value, unit = float(size), _SHOWN[0]
    for unit in _SHOWN:
        if value < 1024 or unit == _SHOWN[-1]:
            break
        value /= 1024
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
