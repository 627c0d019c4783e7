"""The terminal table (rich). The Console is built per call, so NO_COLOR and FORCE_COLOR apply.

The table fits the width it is given (the terminal's, or COLUMNS) without breaking a cell: it
takes the first layout of ``layouts`` whose widest line fits, so columns go least important
first (``DROPPED``) and counts are abbreviated (25.6M) before the next one goes; a name or
shape is never folded unless even the narrowest layout does not fit. Into a file or a pipe
without COLUMNS the width is unlimited: every column, figures in full.
"""

from __future__ import annotations

import os
import textwrap

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from convcalc.i18n import translate
from convcalc.render import FIGURE_COLUMNS, analysed, columns, concise, document, headers, notes, shape_text, table_rows, \
    total_lines
from convcalc.text import visible

DROPPED = ("input", "rf", "type", "memory")  # the order columns are left out in as the width shrinks
UNLIMITED = 10_000


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich would exit 1 ("found wrong"); the command line gives a closed output its own code."""
        raise BrokenPipeError


def terminal(stream, width: int | None = None) -> Console:
    """A rich Console on ``stream``: on a terminal it fits the width; into a file or pipe, lines are
    never wrapped inside a figure."""
    return _Console(file=stream, highlight=False, width=width or (None if stream.isatty() else UNLIMITED))


def table_width(stream) -> int | None:
    """COLUMNS when it is set (into a pipe too: the user asked for that width), else the
    terminal's (None: rich measures it), else unlimited."""
    columns_set = os.environ.get("COLUMNS", "").strip()
    if columns_set.isdigit() and 0 < len(columns_set) <= 5 and int(columns_set) > 0:
        return int(columns_set)
    return None if stream.isatty() else UNLIMITED


def layouts(shown: tuple[str, ...]) -> list[tuple[tuple[str, ...], bool]]:
    """(columns, counts abbreviated) from the richest to the narrowest."""
    found = []
    for left_out in range(len(DROPPED) + 1):
        kept = tuple(column for column in shown if column not in DROPPED[:left_out])
        for short in (False, True):
            if (kept, short) not in found:
                found.append((kept, short))
    return found


def _table(title, kept, header_texts, rows, fold) -> Table:
    table = Table(title=escape(title), title_justify="left", show_lines=False)
    for column, header in zip(kept, header_texts):
        figure = column in FIGURE_COLUMNS
        table.add_column(escape(header), justify="right" if figure else "left", overflow="fold",
                         no_wrap=figure or not fold)
    for row in rows:
        table.add_row(*(escape(str(cell)) for cell in row))
    return table


def _lines(text: str, width: int, indent: str = "") -> str:
    """``text`` wrapped to ``width`` at ordinary spaces only (textwrap's rule, unlike rich's): a
    figure grouped with no-break spaces, Spanish's 11 699 112, never splits across lines."""
    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)) or text


def _wrapped(header: str, cells: list[str]) -> str:
    """A column's title on as many lines as it takes to be no wider than its cells (words whole)."""
    width = max([cell_len(cell) for cell in cells] + [cell_len(word) for word in header.split()])
    return "\n".join(textwrap.wrap(header, width)) or header


def fitted(console: Console, data: dict, lang: str, title: str, depth=None) -> Table:
    """The richest layout whose widest line fits ``console``'s width, its column titles on one line
    or else wrapped at their spaces; the narrowest, names and shapes folded, when none fits."""
    unbounded = console.options.update_width(UNLIMITED)  # a measure within the width would be cut to it
    for kept, short in layouts(columns(depth)):
        rows = table_rows(data, lang, kept, depth, short)
        whole = headers(lang, kept)
        for header_texts in (whole, [_wrapped(header, [row[index] for row in rows])
                                     for index, header in enumerate(whole)]):
            table = _table(title, kept, header_texts, rows, fold=False)
            if console.measure(table, options=unbounded).maximum <= console.width:
                return table
    return _table(title, kept, header_texts, rows, fold=True)


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """``quiet``: the diagnostics alone, one concise line each (notes are left out before), as ruff --quiet."""
    if quiet:
        return concise.write(analysed(results), lang, stream)
    console = terminal(stream, table_width(stream))
    for analysis in analysed(results):
        data = document(analysis, lang, depth)
        title = f"{visible(data['name'])}  ·  " + translate("input_line", lang, shape=shape_text(data["input_shape"]),
                                                    layout=data["layout"], batch=data["batch"], dtype=data["dtype"])
        console.print(fitted(console, data, lang, title, depth))
        for label, value in total_lines(data, lang):
            text = _lines(f"{label}: {value}", console.width)
            console.print(f"[bold]{escape(label)}:[/bold]{escape(text[len(label) + 1:])}", soft_wrap=True)
        for title, lines in notes(data, lang):
            style = {"errors": "bold red", "warnings": "yellow", "notes": "cyan"}.get(title, "bold")
            console.print(f"\n[{style}]{escape(translate(title, lang))}[/{style}]")
            for line in lines:
                console.print(escape(_lines(f"  • {line}", console.width, "    ")), soft_wrap=True)
        console.print()
