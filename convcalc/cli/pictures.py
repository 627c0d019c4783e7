"""The commands that make pictures of a network: draw (the architecture as a diagram)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from convcalc.cli.base import EXIT_CANNOT_ANALYSE, assignments, input_option, lang_option, main, shipped_spec
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import language_from_environment
from convcalc.text import visible

DRAWINGS = ("svg", "png", "pdf", "dot", "mmd")  # svg, png and pdf need Graphviz's dot program


@main.command()
@click.argument("spec", type=click.Path(path_type=str), callback=shipped_spec)
@click.option("-o", "--output", required=True, type=click.Path(path_type=str),
              help="The picture to write: its suffix (.svg, .png, .pdf, .dot, .mmd) chooses the format.")
@click.option("--format", "drawing_format", type=click.Choice(DRAWINGS), default=None,
              help="The format, whatever the suffix of --output.")
@click.option("--depth", type=click.IntRange(min=1), default=None, metavar="N",
              help="Draw each block use at this nesting depth (1: the outermost) as one box with its subtotals.")
@click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE",
              help="Give a symbol a size, e.g. --set H=224 (repeatable).")
@input_option("--input", "--input-shape")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@lang_option
def draw(spec, output, drawing_format, depth, values, sizing, force, lang):
    """Draw SPEC's layer graph: Graphviz's dot lays it out as SVG, PNG or PDF (needs
    convcalc[draw] and the dot program), or write it as DOT or Mermaid text (GitHub renders
    Mermaid in markdown). Edges carry the shapes; boxes carry parameters and MACs, shaded by their
    share of the MACs; blocks are clusters; a layer with an error has a red border, one with a
    warning an orange one, the message in its tooltip.

    Exit code 0: drawn, consistent; 1: drawn, with errors marked; 2: cannot draw."""
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.output import new_file
    from convcalc.render import diagram
    from convcalc.sources import read_spec
    from convcalc.spec import parse_spec

    lang = lang or language_from_environment()
    try:
        chosen = drawing_format or Path(output).suffix.lower().lstrip(".")
        if chosen not in DRAWINGS:
            raise ConvcalcError("draw_unknown_format", Location(output))
        document = read_spec(spec)
        analysis = analyze_document(document, parse_spec(document), Options(values=values, **sizing))
        if chosen == "mmd":
            data = diagram.mermaid_text(analysis, depth, lang).encode("utf-8")
        else:
            source = diagram.dot_text(analysis, depth, lang)
            data = source.encode("utf-8") if chosen == "dot" else diagram.rendered(source, chosen, lang)
        with new_file(output, force) as stream:
            stream.write(data)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    click.echo(visible(output))
    sys.exit(analysis.exit_code)
