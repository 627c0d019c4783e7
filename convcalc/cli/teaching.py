"""The commands for students and teachers: explain, calc, check, quiz."""

from __future__ import annotations

import os
import sys

import click

from convcalc.cli.base import (
    EXIT_CANNOT_ANALYSE,
    EXIT_FOUND_WRONG,
    EXIT_OK,
    assignments,
    input_option,
    lang_option,
    main,
    shipped_spec,
)
from convcalc.errors import ConvcalcError
from convcalc.i18n import language_from_environment
from convcalc.text import visible


@main.command()
@click.argument("spec", type=click.Path(path_type=str), callback=shipped_spec)
@click.option("--layer", default=None, help="Explain only this layer (by name).")
@click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE",
              help="Give a symbol a size; without it, symbolic layers are explained symbolically.")
@input_option("--input", "--input-shape")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@lang_option
def explain(spec, layer, values, sizing, output_format, lang):
    """Explain every figure of SPEC's layers: the formula, the formula with the numbers in, the
    result (output size, parameters, MACs, FLOPs, units, memory, receptive field).

    Exit code 0: explained; 1: the spec is inconsistent (the errors are shown); 2: cannot read it."""
    from convcalc.explain import explain as derivations
    from convcalc.render.explanation import write

    lang = lang or language_from_environment()
    try:
        from convcalc.analysis import Options, analyze_document
        from convcalc.sources import read_spec
        from convcalc.spec import parse_spec

        document = read_spec(spec)
        analysis = analyze_document(document, parse_spec(document),
                                    Options(values=values, **sizing))
        explanations = derivations(analysis, layer)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    write(explanations, analysis, lang, output_format, sys.stdout)
    for finding in analysis.findings:  # on stderr, so that --format json stays one document
        click.echo(finding.render(lang), err=True)
    sys.exit(EXIT_FOUND_WRONG if analysis.errors else EXIT_OK)


def calc_command(kind_of, *extra):
    """A `convcalc calc` subcommand: the input size, the layer's own options, the output options."""
    def decorate(function):
        options = [
            click.option("--input", "input_size", required=True, help="Input size: 227x227x3, 3x227x227 or 227."),
            click.option("--layout", type=click.Choice(["hwc", "chw"]), default="hwc", show_default=True,
                         help="Order of --input and of the answer: hwc (227x227x3, as the lecture notes and "
                              "Keras) or chw (3x227x227, as PyTorch)."),
            click.option("--channels", type=click.IntRange(1), default=None,
                         help="Input depth when --input gives only the spatial size (default 1)."),
            *extra,
            click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]),
                         default="text", show_default=True),
            lang_option,
        ]
        for option in reversed(options):
            function = option(function)
        return calc.command(name=kind_of)(function)
    return decorate


@main.group()
def calc():
    """Quick calculations without a spec: one layer's output size, parameters, MACs, FLOPs and
    memory, with the derivation (e.g. convcalc calc conv --input 227x227x3 --filters 96 --kernel 11
    --stride 4)."""


def _calc(layer: dict, input_size, layout, channels, output_format, lang, flat: bool = False):
    from convcalc.calc import analyse, input_shape
    from convcalc.explain import explain as derivations
    from convcalc.i18n import translate
    from convcalc.render import number, shape_text, size
    from convcalc.render.explanation import summary_record, write

    lang = lang or language_from_environment()
    try:
        analysis = analyse(layer, input_shape(input_size, layout, channels, flat), layout)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--input") from None
    except ConvcalcError as error:  # about the options: the internal spec's place would mean nothing
        click.echo("convcalc calc: " + translate(error.key, lang, **error.params), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    if analysis.errors:
        for finding in analysis.errors:
            click.echo("convcalc calc: " + translate(finding.key, lang, **finding.params), err=True)
        sys.exit(EXIT_FOUND_WRONG)
    explanations = derivations(analysis)
    figures = summary_record(explanations[-1], analysis)
    headline = translate("calc_answer", lang, kind=next(iter(layer)), given=shape_text(analysis.input_shape),
                         shape=shape_text(figures["output_shape"]), params=number(figures["params"], lang),
                         macs=number(figures["macs"], lang), memory=size(figures["activation_bytes"]))
    write(explanations, analysis, lang, output_format, sys.stdout, headline=headline)


def _window(kernel, stride, padding, dilation="1") -> dict:
    from convcalc.calc import window

    try:
        return window(kernel, stride, padding, dilation)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


WINDOW_OPTIONS = [
    click.option("--kernel", "-F", required=True, help="Window size F: 11, or 3x5 per axis."),
    click.option("--stride", "-S", default="1", show_default=True, help="Step S."),
    click.option("--padding", "-P", default="0", show_default=True, help="P pixels (2, or 0x1 per axis), same (TensorFlow's rule: O = ceil(W/S)), "
                 "same_pytorch (PyTorch's padding='same': O = W, stride 1 only), valid or full."),
    click.option("--dilation", default="1", show_default=True),
]


@calc_command("conv", click.option("--filters", "-K", type=click.IntRange(1), required=True,
                                   help="Number of filters K."), *WINDOW_OPTIONS,
              click.option("--groups", type=click.IntRange(1), default=1, show_default=True),
              click.option("--bias/--no-bias", default=True, show_default=True))
def calc_conv(input_size, layout, channels, filters, kernel, stride, padding, dilation, groups, bias,
              output_format, lang):
    """A convolution: O = (W - F + 2P)/S + 1, params = (F*F*D + 1)*K."""
    layer = {"conv2d": {"filters": filters, "groups": groups, "bias": bias, **_window(kernel, stride, padding,
                                                                                      dilation)}}
    _calc(layer, input_size, layout, channels, output_format, lang)


@calc_command("pool", WINDOW_OPTIONS[0],
              click.option("--stride", "-S", default=None, help="Step S (default: the kernel, as PyTorch)."),
              WINDOW_OPTIONS[2],
              click.option("--mode", type=click.Choice(["max", "avg", "sum"]), default="max", show_default=True),
              click.option("--ceil-mode", is_flag=True, help="Round the output size up (PyTorch ceil_mode)."))
def calc_pool(input_size, layout, channels, kernel, stride, padding, mode, ceil_mode, output_format, lang):
    """A pooling window: O = (W - F + 2P)/S + 1."""
    fields = _window(kernel, stride or kernel, padding, None)
    _calc({f"{mode}pool2d": {**fields, "ceil_mode": ceil_mode}}, input_size, layout, channels, output_format, lang)


@calc_command("tconv", click.option("--filters", "-K", type=click.IntRange(1), required=True), *WINDOW_OPTIONS,
              click.option("--output-padding", default=None,
                           help="Extra size on the far side (default 0; with --padding same, Keras's W*S)."),
              click.option("--groups", type=click.IntRange(1), default=1, show_default=True),
              click.option("--bias/--no-bias", default=True, show_default=True))
def calc_tconv(input_size, layout, channels, filters, kernel, stride, padding, dilation, output_padding, groups, bias,
               output_format, lang):
    """A transposed convolution: O = (W - 1)*S - 2P + d*(F-1) + output_padding + 1."""
    from convcalc.calc import padding as pixels

    fields = _window(kernel, stride, padding, dilation)
    try:
        if output_padding is not None:
            fields["output_padding"] = pixels(output_padding)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--output-padding") from None
    layer = {"conv_transpose2d": {"filters": filters, "groups": groups, "bias": bias, **fields}}
    _calc(layer, input_size, layout, channels, output_format, lang)


@calc_command("dense", click.option("--units", type=click.IntRange(1), required=True, help="Outputs (neurons)."),
              click.option("--bias/--no-bias", default=True, show_default=True))
def calc_dense(input_size, layout, channels, units, bias, output_format, lang):
    """A dense layer on the flattened input: params = (N + 1)*units."""
    _calc({"dense": {"units": units, "bias": bias}}, input_size, layout, channels, output_format, lang, flat=True)


@calc_command("upsample", click.option("--scale", default=None, help="Factor: 2, 1.5 or 3/2."),
              click.option("--size", "to_size", default=None, help="Output size: 56 or 56x64."),
              click.option("--mode", type=click.Choice(["nearest", "bilinear", "zeros"]), default="nearest",
                           show_default=True))
def calc_upsample(input_size, layout, channels, scale, to_size, mode, output_format, lang):
    """Upsampling: O = floor(W * scale), or the given size."""
    fields = {"mode": mode}
    if scale is not None:
        fields["scale"] = scale
    if to_size is not None:
        from convcalc.calc import per_axis

        try:
            fields["size"] = per_axis(to_size)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--size") from None
    _calc({"upsample2d": fields}, input_size, layout, channels, output_format, lang)


@main.command()
@click.argument("spec", type=click.Path(path_type=str), callback=shipped_spec)
@click.argument("answers", type=click.Path(path_type=str))
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@lang_option
def check(spec, answers, output_format, lang):
    """Check the ANSWERS (a small YAML file of figures per layer and totals) against SPEC: each is
    right or wrong, with the expected value, the derivation and, where it can be recognised, the
    likely slip (bias forgotten, input depth forgotten, padding counted once, ceil for floor,
    FLOPs for MACs, height and width swapped, channels-first for channels-last).

    Exit code 0: every answer right; 1: some answer wrong; 2: a file cannot be read, or the
    answers file holds no answer."""
    from convcalc.analysis import Options, analyze_document
    from convcalc.homework import check as grade
    from convcalc.loading import STDIN, load_file
    from convcalc.sources import read_spec
    from convcalc.render.verdicts import write
    from convcalc.spec import parse_spec

    lang = lang or language_from_environment()
    try:
        if spec == answers == STDIN:
            raise ConvcalcError("stdin_twice", None)
        document = read_spec(spec)
        analysis = analyze_document(document, parse_spec(document), Options())
        if analysis.errors:
            for finding in analysis.errors:
                click.echo(finding.render(lang), err=True)
            sys.exit(EXIT_CANNOT_ANALYSE)
        verdicts = grade(analysis, load_file(answers))
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    write(verdicts, analysis, lang, output_format, sys.stdout)
    sys.exit(EXIT_OK if all(v.correct for v in verdicts) else EXIT_FOUND_WRONG)


@main.command()
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random network and exercises.")
@click.option("--count", type=click.IntRange(1, 50), default=5, show_default=True, help="Number of exercises.")
@click.option("--topics", default="conv,pool,dense", show_default=True,
              help="Comma list of layer kinds to ask about: conv, pool, dense, tconv.")
@click.option("--output", "output_dir", type=click.Path(path_type=str), default="quiz",
              show_default=True, help="Directory for quiz.md, quiz.yaml and key.yaml.")
@click.option("--force", is_flag=True, help="Replace existing quiz files.")
@lang_option
def quiz(seed, count, topics, output_dir, force, lang):
    """Write a quiz: DIR/quiz.md (numbered exercises on one random network), DIR/quiz.yaml (its spec)
    and DIR/key.yaml (the answers, which `convcalc check DIR/quiz.yaml DIR/key.yaml` finds right)."""
    from convcalc.i18n import translate
    from convcalc.output import make_directory, write_files
    from convcalc.quiz import TOPICS, make_quiz, parse_topics

    lang = lang or language_from_environment()
    try:
        chosen = parse_topics(topics)
    except ValueError as error:
        raise click.BadParameter(translate("quiz_bad_topic", lang, topic=str(error), valid=", ".join(TOPICS)),
                                 param_hint="--topics") from None
    made = make_quiz(seed, count, chosen, lang)
    files = [(os.path.join(output_dir, name), text)
             for name, text in (("quiz.md", made.questions), ("quiz.yaml", made.spec), ("key.yaml", made.key))]
    try:
        make_directory(output_dir)
        write_files(files, force)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    for path, _ in files:
        click.echo(visible(path))
