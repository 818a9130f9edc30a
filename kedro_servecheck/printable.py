"""Project strings made safe to show: what a terminal, a CI runner or a viewer would obey, escaped.

A name, path or message from a project may hold a newline (a GitHub runner then reads the next
line as a workflow command), an escape sequence (that moves the cursor or erases the verdict
line), a bidirectional override (that shows the text in another order), or a lone surrogate
(that cannot be written as UTF-8 at all). Every human format shows such a character as its
Python escape, visibly: `\\n`, `\\x1b`, `\\u202e`, `\\ud800`.

A GitHub runner also obeys a line that starts with `::` after blanks (`::error::…`, where a
project string can start a line: a pipeline's name in the text report), and the legacy
`##[error]…` anywhere in a line: that `:` and that `[` are escaped too (`\\x3a:`, `##\\x5b`).
"""

from __future__ import annotations

import re

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_RUNNER_COMMAND = re.compile(r"^(\s*):(?=:)|(?<=##)\[")


def printable(text: str) -> str:
    """`text` with each character that is not printable (`str.isprintable`) as its escape, and
    no GitHub workflow command (`::` at its start, `##[` anywhere).

    The escapes are the ones Python's `repr` writes; the rest (backslashes and quotes too)
    is left as it is: the result is for reading, not for parsing back.
    """
    if not text.isprintable():
        text = "".join(char if char.isprintable() else escape(char) for char in text)
    return _RUNNER_COMMAND.sub(lambda match: (match[1] or "") + escape(match[0][-1]), text)


def escape(char: str) -> str:
    """One character as Python writes it in a string literal: `\\n`, `\\x1b`, `\\u202e`."""
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
