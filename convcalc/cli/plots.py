"""The command that draws an analysis as a plot: plot (matplotlib, the ``convcalc[plot]`` extra)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from convcalc.cli.base import (
    EXIT_CANNOT_ANALYSE,
    assignments,
    depth_option,
    input_option,
    lang_option,
    main,
    shipped_spec,
)
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import language_from_environment, translate
from convcalc.text import visible

KINDS = ("memory", "costs", "field", "scaling")  # convcalc.render.plots.KINDS, without importing it here


@main.command()
@click.argument("spec", type=click.Path(path_type=str), callback=shipped_spec)
@click.option("--kind", type=click.Choice(KINDS), default="memory", show_default=True,
              help="memory: activation memory alive at each step, the peak marked; costs: parameters, MACs and "
                   "activation memory per layer; field: the receptive field through the network; scaling: "
                   "MACs and memory as functions of the input size (a symbolic input: --input 3xHxW).")
@click.option("-o", "--output", type=click.Path(path_type=str), required=True,
              help="The image file: .png or .svg (the suffix chooses the format).")
@click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE",
              help="Give a symbol a size, e.g. --set H=224 (repeatable).")
@input_option("--input", "--input-shape")
@click.option("--optimizer", type=click.Choice(["adam", "momentum", "sgd"]), default="adam", show_default=True,
              help="Optimizer state counted in the training memory (scaling).")
@click.option("--force", is_flag=True, help="Replace an existing image file.")
@depth_option
@lang_option
def plot(spec, kind, output, values, sizing, optimizer, force, depth, lang):
    """Draw SPEC's analysis as a plot (PNG or SVG): memory alive through one inference pass, costs
    per layer (per group with --depth), the receptive field, or costs against the input size. Needs matplotlib:
    pip install 'convcalc[plot]'.

    Exit code 0: written; 2: the spec cannot be analysed or plotted (or bad arguments)."""
    from convcalc.analysis import Options
    from convcalc.output import write_new
    from convcalc.pipeline import analyze_document
    from convcalc.render.plots import image
    from convcalc.sources import read_spec
    from convcalc.spec import parse_spec

    lang = lang or language_from_environment()
    try:
        image_format = Path(output).suffix.lower().removeprefix(".")
        if image_format not in ("png", "svg"):
            raise ConvcalcError("plot_suffix", Location(output), name=Path(output).name)
        document = read_spec(spec)
        analysis = analyze_document(document, parse_spec(document),
                                    Options(values=values, optimizer=optimizer, **sizing))
        write_new(output, image(analysis, kind, image_format, lang, depth), force)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    click.echo(visible(translate("plot_written", lang, path=output, kind=kind)))
