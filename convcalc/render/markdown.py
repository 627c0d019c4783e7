"""Markdown: a pipe table per spec, fit for a pull-request comment or a homework sheet."""

from __future__ import annotations

from convcalc.i18n import translate
from convcalc.render import FIGURE_COLUMNS, analysed, columns, concise, document, headers, notes, shape_text, table_rows, \
    total_lines
from convcalc.text import visible


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """Every column, figures in full; with ``depth``, the rows of the tree cut there. ``quiet``: the
    diagnostics alone, one concise line each (notes are left out before), as ruff --quiet."""
    if quiet:
        return concise.write(analysed(results), lang, stream)
    shown = columns(depth)
    for analysis in analysed(results):
        data = document(analysis, lang, depth)
        stream.write(f"## {_cell(visible(data['name']))}\n\n")
        stream.write(translate("input_line", lang, shape=shape_text(data["input_shape"]), layout=data["layout"],
                               batch=data["batch"], dtype=data["dtype"]) + "\n\n")
        stream.write("| " + " | ".join(headers(lang, shown)) + " |\n")
        stream.write("|" + "|".join("---:" if column in FIGURE_COLUMNS else "---" for column in shown) + "|\n")
        for row in table_rows(data, lang, shown, depth):
            stream.write("| " + " | ".join(_cell(cell) for cell in row) + " |\n")
        stream.write("\n")
        for label, value in total_lines(data, lang):
            stream.write(f"- **{label}:** {_cell(value)}\n")
        for title, lines in notes(data, lang):
            stream.write(f"\n**{translate(title, lang)}**\n\n")
            for line in lines:
                stream.write(f"- {line}\n")
        stream.write("\n")
