"""Concise: one line per diagnostic, `file:line:col: level code message` (as ruff and compilers
print, so that editors and problem matchers jump to the place); `file:line:` or `file:` where the
place has no column or line (a budget given on the command line). A consistent spec prints nothing."""

from __future__ import annotations

from convcalc.render import diagnostics
from convcalc.text import visible


def line(record: dict) -> str:
    where = ":".join(str(part) for part in (visible(record["file"]), record["line"], record["column"])
                     if part is not None)
    return f"{where}: {record['level']} {record['code']} {record['message']}"


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """``depth`` and ``quiet`` change nothing here: the notes are left out before, and nothing else is printed."""
    for result in results:
        for record in diagnostics(result, lang):
            stream.write(line(record) + "\n")
