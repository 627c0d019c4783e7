"""The terminal table (rich). The Console is built per call, so NO_COLOR and FORCE_COLOR apply."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from convcalc.i18n import translate
from convcalc.render import analysed, concise, document, headers, notes, shape_text, table_rows, total_lines
from convcalc.text import visible


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich would exit 1 ("found wrong"); the command line gives a closed output its own code."""
        raise BrokenPipeError


def terminal(stream) -> Console:
    """A rich Console on ``stream``: on a terminal it fits the width; into a file or pipe, lines are
    never wrapped inside a figure."""
    return _Console(file=stream, highlight=False, width=None if stream.isatty() else 10_000)


def write(results, lang, stream, quiet=False) -> None:
    """``quiet``: the diagnostics alone, one concise line each (notes are left out before), as ruff --quiet."""
    if quiet:
        return concise.write(analysed(results), lang, stream)
    console = terminal(stream)
    for analysis in analysed(results):
        data = document(analysis, lang)
        title = f"{visible(data['name'])}  ·  " + translate("input_line", lang, shape=shape_text(data["input_shape"]),
                                                    layout=data["layout"], batch=data["batch"], dtype=data["dtype"])
        table = Table(title=escape(title), title_justify="left", show_lines=False)
        for index, column in enumerate(headers(lang)):
            table.add_column(column, justify="right" if index >= 3 else "left", overflow="fold",
                             no_wrap=index >= 3)
        for row in table_rows(data, lang):
            table.add_row(*(escape(str(cell)) for cell in row))
        console.print(table)
        for label, value in total_lines(data, lang):
            console.print(f"[bold]{escape(label)}:[/bold] {escape(value)}")
        for title, lines in notes(data, lang):
            style = {"errors": "bold red", "warnings": "yellow", "notes": "cyan"}.get(title, "bold")
            console.print(f"\n[{style}]{escape(translate(title, lang))}[/{style}]")
            for line in lines:
                console.print(f"  • {escape(line)}", soft_wrap=False)
        console.print()
