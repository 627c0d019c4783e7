"""The commands that cross to the frameworks: import (ONNX file or PyTorch model -> spec YAML) and
export (spec -> PyTorch source or ONNX file)."""

from __future__ import annotations

import sys

import click

from convcalc.cli.base import EXIT_CANNOT_ANALYSE, assignments, input_option, lang_option, main, shipped_spec
from convcalc.errors import ConvcalcError
from convcalc.i18n import language_from_environment, translate
from convcalc.text import visible


def _keyword_arguments(ctx, param, values):
    """--kwarg NAME=VALUE for the torch builder, values read as YAML 1.2 plain scalars."""
    from convcalc.cli.base import spec_parameters

    return spec_parameters(ctx, param, values)


@main.command(name="import")
@click.argument("source", required=False, type=click.Path(path_type=str))
@click.option("--torch", "torch_target", metavar="MODULE:ATTR",
              help="Import a PyTorch model instead of a file: a callable or nn.Module class, e.g. "
                   "torchvision.models:resnet50 (needs convcalc[torch]).")
@click.option("--kwarg", "kwargs", multiple=True, callback=_keyword_arguments, metavar="NAME=VALUE",
              help="A keyword argument of the --torch callable, e.g. --kwarg num_classes=10 (repeatable).")
@input_option("--input")
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Write the spec to this new file instead of standard output.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@lang_option
def import_command(source, torch_target, kwargs, sizing, output, force, lang):
    """Write a readable spec of SOURCE (an .onnx file, needs convcalc[onnx]) or of the PyTorch
    model --torch MODULE:ATTR at --input SIZES: layer names from the graph's node names or the
    module paths, repeated structures as blocks where that is exact."""
    from convcalc.output import write_new

    lang = lang or language_from_environment()
    if (source is None) == (torch_target is None):
        raise click.UsageError(translate("import_needs_a_source", lang))
    try:
        if torch_target is not None:
            from convcalc.bridges.torch_import import spec_text_of_target

            if sizing["input_shape"] is None:
                raise click.UsageError(translate("torch_needs_input", lang))
            text = spec_text_of_target(torch_target, sizing["input_shape"], kwargs)
        else:
            from convcalc.bridges.onnx_import import spec_text

            text = spec_text(source)
        if output:
            write_new(output, text, force)
        else:
            click.echo(text, nl=False)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    if output:
        click.echo(visible(output))


@main.command(name="export")
@click.argument("spec", type=click.Path(path_type=str), callback=shipped_spec)
@click.option("--to", "target", type=click.Choice(["pytorch", "onnx"]), required=True,
              help="pytorch: nn.Module source whose state_dict keys are convcalc's layer.parameter names; "
                   "onnx: an ONNX file (needs convcalc[onnx]).")
@click.option("-o", "--output", type=click.Path(path_type=str), required=True, help="The new file to write.")
@click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE",
              help="Give a symbol a size, e.g. --set H=224.")
@input_option("--input")
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False, path_type=str),
              help="ONNX only: an .npz of parameters keyed 'layer.parameter' (default: seeded, as `run`).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated weights (ONNX).")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@lang_option
def export_command(spec, target, output, values, sizing, weights_file, seed, force, lang):
    """Write SPEC as PyTorch source (--to pytorch) or as an ONNX file (--to onnx) that Netron draws
    and onnxruntime runs."""
    from convcalc.cli.execution import prepare
    from convcalc.output import new_file

    lang = lang or language_from_environment()
    try:
        with new_file(output, force) as stream:
            analysis = prepare(spec, values, sizing, lang)
            if target == "pytorch":
                from convcalc.bridges.torch_export import module_source

                stream.write(module_source(analysis).encode("utf-8"))
            else:
                from convcalc.bridges.onnx_export import onnx_bytes

                stream.write(onnx_bytes(analysis, weights_file=weights_file, seed=seed))
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    click.echo(visible(output))
