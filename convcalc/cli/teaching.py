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
    said,
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
    result (output size, the padding 'same' resolves to, parameters, MACs, FLOPs, LeCun's
    connections, im2col's column matrix, units, memory, receptive field; a transposed convolution
    also as its equivalent direct convolution), then the network's memory: the input tensor, the
    outputs with ReLU in place, and with their gradients.

    Exit code 0: explained; 1: the spec is inconsistent (the errors are shown); 2: cannot read it."""
    from convcalc.explain import explain as derivations
    from convcalc.explain import network_memory
    from convcalc.render.explanation import write

    lang = lang or language_from_environment()
    try:
        from convcalc.analysis import Options
        from convcalc.pipeline import analyze_document
        from convcalc.sources import read_spec
        from convcalc.spec import parse_spec

        document = read_spec(spec)
        analysis = analyze_document(document, parse_spec(document),
                                    Options(values=values, **sizing))
        explanations = derivations(analysis, layer)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    write(explanations, analysis, lang, output_format, sys.stdout,
          network=network_memory(analysis) if layer is None else None)
    for finding in analysis.findings:  # on stderr, so that --format json stays one document
        click.echo(finding.concise(lang), err=True)
    sys.exit(EXIT_FOUND_WRONG if analysis.errors else EXIT_OK)


def calc_command(kind_of, *extra):
    """A `convcalc calc` subcommand: the input size, the layer's own options, the output options."""
    def decorate(function):
        options = [
            click.option("--input", "input_size", required=True,
                         help="Input size: 227x227x3, 3x227x227 or 227; ? with --output: the sizes that give it."),
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
        raise click.BadParameter(said(error), param_hint="--input") from None
    except ConvcalcError as error:  # about the options: the internal spec's place would mean nothing
        click.echo("convcalc calc: " + translate(error.key, lang, **error.params), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    _warn_channels_first(input_size, layout, lang)  # once the options are known good: exit 2 is one line
    if analysis.errors:
        for finding in analysis.errors:
            click.echo("convcalc calc: " + translate(finding.key, lang, **finding.params), err=True)
        sys.exit(EXIT_FOUND_WRONG)
    explanations = derivations(analysis)
    figures = summary_record(explanations[-1], analysis)
    headline = translate("calc_answer", lang, kind=next(iter(layer)), given=shape_text(analysis.input_shape),
                         shape=shape_text(figures["output_shape"]), params=number(figures["params"], lang),
                         macs=number(figures["macs"], lang), memory=size(figures["activation_bytes"], lang))
    write(explanations, analysis, lang, output_format, sys.stdout, headline=headline)


def _window(kernel, stride, padding, dilation="1") -> dict:
    from convcalc.calc import window

    try:
        return window(kernel, stride, padding, dilation)
    except ValueError as error:
        raise click.BadParameter(said(error)) from None


SYMBOLS = {"padding": "P", "stride": "S", "kernel": "F", "dilation": "d", "input": "W"}
OUTPUT_OPTION = click.option(
    "--output", "wanted", default=None, metavar="SIZE",
    help="Solve backwards: with ? for one value (--padding ?, --stride ?, --kernel ?, --dilation ? or --input ?), "
         "the output size wanted (32 or 32x32); every value that gives it is listed, or none with the reason.")


def _unknown(texts: dict, wanted) -> str | None:
    """The one option written ?, when solving backwards (None when not solving)."""
    from convcalc.calc import UNKNOWN

    unknowns = [name for name, text in texts.items() if text is not None and text.strip() == UNKNOWN]
    if not unknowns and wanted is None:
        return None
    if not unknowns:
        raise click.UsageError(_text("solve_output_without_unknown"))
    if len(unknowns) > 1:
        raise click.UsageError(_text("solve_one_unknown", count=len(unknowns),
                                     names=", ".join(f"--{name}" for name in unknowns)))
    if wanted is None:
        raise click.UsageError(_text("solve_needs_output"))
    return unknowns[0]


def _text(key: str, **params) -> str:
    from convcalc.i18n import translate

    return translate(key, language_from_environment(), **params)


def _solve(kind: str, fields: dict, unknown: str, input_size, wanted, layout, channels, output_format, lang):
    """`calc ... --X ? --output O`: every value of X giving O, axis by axis (convcalc.calc.solve)."""
    import json as json_module

    from convcalc.calc import input_shape, runs, solve
    from convcalc.i18n import translate
    from convcalc.layers.base import AXIS_NAMES
    from convcalc.render import shape_text
    from convcalc.units import split_sizes

    lang = lang or language_from_environment()
    try:
        sizes = split_sizes(wanted, most=2)
    except ValueError:
        raise click.BadParameter(translate("solve_bad_output", lang, value=visible(wanted)), param_hint="--output")
    sizes = sizes * 2 if len(sizes) == 1 else sizes
    spatial, depth, given = None, channels or 1, ""
    if unknown != "input":
        try:
            shape = input_shape(input_size, layout, channels, False)
        except ValueError as error:
            raise click.BadParameter(said(error), param_hint="--input") from None
        _warn_channels_first(input_size, layout, lang)
        spatial, depth = (shape[:2], shape[2]) if layout == "hwc" else (shape[1:], shape[0])
        given = translate("solve_given", lang, given=shape_text(shape))
    solutions = solve(kind, fields, unknown, spatial, depth, sizes, AXIS_NAMES[2])
    symbol = SYMBOLS[unknown]
    if output_format == "json":
        json_module.dump({"layer": kind, "unknown": unknown, "output": sizes, "input": spatial, "solutions": [
            {"axis": item.axis, "output": item.output, "values": item.values, "every_from": item.every_from,
             "reason": None if item.values or item.every_from else _reason(item, symbol, lang)}
            for item in solutions]}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.exit(EXIT_OK if all(item.values or item.every_from for item in solutions) else EXIT_FOUND_WRONG)
    click.echo(translate("solve_title", lang, kind=kind, unknown=translate(f"solve_name_{unknown}", lang),
                         output=shape_text(sizes), given=given))
    for item in solutions:
        axis = f" ({item.axis})" if item.axis else ""
        if item.values or item.every_from:
            parts = []
            for first, last in runs(item.values, item.every_from):
                if last is None:
                    parts.append(translate("solve_every_from", lang, first=first))
                elif last - first >= 2:
                    parts.append(translate("solve_range", lang, first=first, last=last))
                else:
                    parts += [str(value) for value in range(first, last + 1)]
            click.echo("  " + translate("solve_values", lang, symbol=symbol, axis=axis,
                                        values=translate("solve_or", lang).join(parts)))
        else:
            click.echo("  " + translate("solve_none", lang, symbol=symbol, axis=axis, output=item.output,
                                        reason=_reason(item, symbol, lang)))
    sys.exit(EXIT_OK if all(item.values or item.every_from for item in solutions) else EXIT_FOUND_WRONG)


def _warn_channels_first(input_size: str, layout: str, lang: str) -> None:
    """On stderr: 3x32x32 in the default hwc layout reads as 3 rows of 32 columns of 32 channels."""
    from convcalc.calc import looks_channels_first
    from convcalc.i18n import translate
    from convcalc.units import split_sizes

    if looks_channels_first(input_size, layout):
        height, width, depth = split_sizes(input_size)
        click.echo(translate("calc_looks_chw", lang, given=visible(input_size), height=height, width=width,
                             depth=depth), err=True)


def _reason(item, symbol: str, lang: str) -> str:
    """Why no value gives the size: the sizes on either side of it, or the nearest one reached."""
    from convcalc.i18n import translate

    if item.below and item.above:
        return translate("solve_between", lang, symbol=symbol, below=item.below[0], below_out=item.below[1],
                         above=item.above[0], above_out=item.above[1])
    if item.below:
        return translate("solve_at_most", lang, symbol=symbol, value=item.below[0], most=item.below[1])
    if item.above:
        return translate("solve_at_least", lang, symbol=symbol, value=item.above[0], least=item.above[1])
    return translate("solve_refused", lang)


def _known(texts: dict, unknown: str) -> dict:
    """The window fields given as numbers (or a padding mode), without the unknown and the input."""
    from convcalc.calc import padding, per_axis

    fields = {}
    try:
        for name, text in texts.items():
            if name in (unknown, "input") or text is None:
                continue
            fields[name] = padding(text) if name == "padding" else per_axis(text)
    except ValueError as error:
        raise click.BadParameter(said(error)) from None
    return fields


WINDOW_OPTIONS = [
    click.option("--kernel", "-F", required=True, help="Window size F: 11, or 3x5 per axis (? to solve)."),
    click.option("--stride", "-S", default="1", show_default=True, help="Step S (? to solve)."),
    click.option("--padding", "-P", default="0", show_default=True, help="P pixels (2, or 0x1 per axis), same (TensorFlow's rule: O = ceil(W/S)), "
                 "same_pytorch (PyTorch's padding='same': O = W, stride 1 only), valid or full."),
    click.option("--dilation", default="1", show_default=True, help="Spacing d of the window's taps (? to solve)."),
]


@calc_command("conv", click.option("--filters", "-K", type=click.IntRange(1), required=True,
                                   help="Number of filters K."), *WINDOW_OPTIONS,
              click.option("--groups", type=click.IntRange(1), default=1, show_default=True),
              click.option("--bias/--no-bias", default=True, show_default=True), OUTPUT_OPTION)
def calc_conv(input_size, layout, channels, filters, kernel, stride, padding, dilation, groups, bias, wanted,
              output_format, lang):
    """A convolution: O = (W - F + 2P)/S + 1, params = (F*F*D + 1)*K. Backwards: --padding ? --output 32x32
    gives every padding that yields the output (likewise --stride, --kernel, --dilation or --input ?)."""
    texts = {"input": input_size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    unknown = _unknown(texts, wanted)
    if unknown:
        fields = {"filters": filters, "groups": groups, "bias": bias, **_known(texts, unknown)}
        _solve("conv2d", fields, unknown, input_size, wanted, layout, channels, output_format, lang)
    layer = {"conv2d": {"filters": filters, "groups": groups, "bias": bias, **_window(kernel, stride, padding,
                                                                                      dilation)}}
    _calc(layer, input_size, layout, channels, output_format, lang)


@calc_command("pool", WINDOW_OPTIONS[0],
              click.option("--stride", "-S", default=None, help="Step S (default: the kernel, as PyTorch)."),
              WINDOW_OPTIONS[2],
              click.option("--mode", type=click.Choice(["max", "avg", "sum"]), default="max", show_default=True),
              click.option("--ceil-mode", is_flag=True, help="Round the output size up (PyTorch ceil_mode)."),
              OUTPUT_OPTION)
def calc_pool(input_size, layout, channels, kernel, stride, padding, mode, ceil_mode, wanted, output_format, lang):
    """A pooling window: O = (W - F + 2P)/S + 1. Backwards: --kernel ? --output 2 (or --stride, --padding,
    --input ?) gives every value that yields the output."""
    texts = {"input": input_size, "kernel": kernel, "stride": stride, "padding": padding}
    unknown = _unknown(texts, wanted)
    if unknown:
        fields = {"ceil_mode": ceil_mode, **_known(texts, unknown)}
        _solve(f"{mode}pool2d", fields, unknown, input_size, wanted, layout, channels, output_format, lang)
    fields = _window(kernel, stride or kernel, padding, None)
    _calc({f"{mode}pool2d": {**fields, "ceil_mode": ceil_mode}}, input_size, layout, channels, output_format, lang)


@calc_command("tconv", click.option("--filters", "-K", type=click.IntRange(1), required=True), *WINDOW_OPTIONS,
              click.option("--output-padding", default=None,
                           help="Extra size on the far side (default 0; with --padding same, Keras's W*S)."),
              click.option("--groups", type=click.IntRange(1), default=1, show_default=True),
              click.option("--bias/--no-bias", default=True, show_default=True), OUTPUT_OPTION)
def calc_tconv(input_size, layout, channels, filters, kernel, stride, padding, dilation, output_padding, groups, bias,
               wanted, output_format, lang):
    """A transposed convolution: O = (W - 1)*S - 2P + d*(F-1) + output_padding + 1. Backwards: --stride ?
    --output 64 (or --padding, --kernel, --dilation, --input ?) gives every value that yields the output."""
    from convcalc.calc import padding as pixels

    texts = {"input": input_size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    unknown = _unknown(texts, wanted)
    if unknown:
        fields = {"filters": filters, "groups": groups, "bias": bias, **_known(texts, unknown)}
        try:
            if output_padding is not None:
                fields["output_padding"] = pixels(output_padding)
        except ValueError as error:
            raise click.BadParameter(said(error), param_hint="--output-padding") from None
        _solve("conv_transpose2d", fields, unknown, input_size, wanted, layout, channels, output_format, lang)
    fields = _window(kernel, stride, padding, dilation)
    try:
        if output_padding is not None:
            fields["output_padding"] = pixels(output_padding)
    except ValueError as error:
        raise click.BadParameter(said(error), param_hint="--output-padding") from None
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
            raise click.BadParameter(said(error), param_hint="--size") from None
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
    likely slip (bias forgotten or counted, input depth forgotten, padding counted once, ceil for
    floor, FLOPs for MACs, FLOPs without the bias additions, transposed-conv MACs over the outputs,
    Keras's parameter total, height and width swapped, channels-first for channels-last). A square
    receptive field as one number and a shape with the batch are right, with a note; an answer
    that follows from the student's own earlier wrong shape is said so (credit in the JSON).

    Exit code 0: every answer right; 1: some answer wrong; 2: a file cannot be read, or the
    answers file holds no answer."""
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
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
              show_default=True, help="Directory for the questions: quiz.md and quiz.yaml.")
@click.option("--key-output", "key_dir", type=click.Path(path_type=str), default=None,
              help="Directory for the answer key, key.yaml (default: the --output directory's name with "
                   "-key added, beside it: quiz-key).")
@click.option("--force", is_flag=True, help="Replace existing quiz files.")
@lang_option
def quiz(seed, count, topics, output_dir, key_dir, force, lang):
    """Write a quiz: DIR/quiz.md (numbered exercises on one random network, in the --lang language),
    DIR/quiz.yaml (its spec) and, in a separate directory, KEY_DIR/key.yaml (the answers, which
    `convcalc check DIR/quiz.yaml KEY_DIR/key.yaml` finds right): DIR can be handed out as it is."""
    from convcalc.i18n import translate
    from convcalc.output import make_directory, write_files
    from convcalc.quiz import TOPICS, make_quiz, parse_topics

    lang = lang or language_from_environment()
    try:
        chosen = parse_topics(topics)
    except ValueError as error:
        raise click.BadParameter(translate("quiz_bad_topic", lang, topic=str(error), valid=", ".join(TOPICS)),
                                 param_hint="--topics") from None
    key_dir = key_dir or os.path.normpath(output_dir) + "-key"
    if os.path.normpath(key_dir) == os.path.normpath(output_dir):
        raise click.BadParameter(translate("quiz_key_beside_questions", lang, directory=output_dir),
                                 param_hint="--key-output")
    made = make_quiz(seed, count, chosen, lang)
    files = [(os.path.join(output_dir, "quiz.md"), made.questions), (os.path.join(output_dir, "quiz.yaml"), made.spec),
             (os.path.join(key_dir, "key.yaml"), made.key)]
    try:
        make_directory(output_dir)
        make_directory(key_dir)
        write_files(files, force)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    for path, _ in files:
        click.echo(visible(path))
