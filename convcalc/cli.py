"""The command line: parse, call, pick a renderer, map the exit code.

Exit codes: 0 analysed and consistent; 1 analysed and found wrong (an inconsistency or an
unsatisfiable condition); 2 could not analyse (unreadable file, not YAML, a spec that breaks the
schema, bad arguments, an internal error); 141 the output was closed before convcalc finished
writing it (``convcalc analyze ... | head``: what a shell reports for a command ended by SIGPIPE).
"""

from __future__ import annotations

import functools
import io
import json
import os
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from convcalc import __version__
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import LANGUAGES, TEXT_LIMIT, language_from_environment
from convcalc.text import shorten, visible

EXIT_OK, EXIT_FOUND_WRONG, EXIT_CANNOT_ANALYSE = 0, 1, 2
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE, as a shell reports a writer whose reader left


class OutputClosed(Exception):
    """The reader of standard output left (EPIPE). Not an OSError, so that click, which would
    exit 1 ("found wrong") on a broken pipe, lets it through to ``run``."""


class _Group(click.Group):
    """The command group, and the boundary of what its commands raise: a broken pipe becomes
    OutputClosed; a usage error (click's own, or a bad --set, --input, KINDS ...) is one line,
    `convcalc COMMAND: message (see convcalc COMMAND --help)`, with its control characters drawn
    (it may quote the command line), and exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise OutputClosed from None
        except click.ClickException as error:
            where = error.ctx.command_path if getattr(error, "ctx", None) is not None else ctx.command_path
            hint = f" (see {where} --help)" if isinstance(error, click.UsageError) else ""
            message = " ".join(error.format_message().split())  # click's own texts may wrap
            click.echo(visible(shorten(f"{where}: {message}{hint}", TEXT_LIMIT)), err=True)
            sys.exit(error.exit_code)


def _message_language(ctx) -> str:
    """--lang when click has read it already, else the environment's language."""
    return ctx.params.get("lang") or language_from_environment()


def _assignment(ctx, param, values):
    """--set NAME=SIZE: the size read by the one parser of counts, a whole number from 1 to 2**63."""
    from convcalc.i18n import translate
    from convcalc.units import NumberError, parse_whole

    result = {}
    for value in values:
        name, sep, number = value.partition("=")
        try:
            if not sep or not name.strip().isidentifier():
                raise NumberError("bad_assignment", value=value)
            result[name.strip()] = parse_whole(number)
        except NumberError as error:
            message = translate("bad_assignment", _message_language(ctx), value=value)
            if error.message.key != "bad_assignment":
                message += ": " + translate(error.message.key, _message_language(ctx), **error.message.params)
            raise click.BadParameter(message, ctx, param) from None
    return result


_INPUT_PART = r"[1-9][0-9]{0,8}|[A-Za-z_][A-Za-z0-9_]{0,30}"


def _input_shape(ctx, param, value):
    """--input 3x160x160 or 3xHxW: the sizes (or symbols) the spec's `input:` is replaced by."""
    import keyword
    import re

    if value is None:
        return None
    parts = [part for part in re.split(r"[x×,\s\[\]()]+", value.strip()) if part]
    if not 1 <= len(parts) <= 4 or not all(re.fullmatch(_INPUT_PART, part) and not keyword.iskeyword(part)
                                            for part in parts):
        raise click.BadParameter(f"'{value}': write the input without the batch, in the spec's layout, "
                                 "as sizes or symbols: 3x160x160, 3xHxW (1 to 4 entries)", ctx, param)
    return tuple(int(part) if part.isdigit() else part for part in parts)


def _input_option(*names):
    """--input, --param and --mode: what a spec is analysed at, handed to the command as one
    ``sizing`` mapping of analysis.Options fields."""
    def decorate(wrapped):
        @functools.wraps(wrapped)
        def command(*args, input_shape, params, mode, **kwargs):
            return wrapped(*args, sizing={"input_shape": input_shape, "params": params, "mode": mode}, **kwargs)

        command = click.option("--mode", type=click.Choice(["eval", "train"]), default="eval", show_default=True,
                               help="eval: layers marked train_only (auxiliary heads) hold parameters but do not "
                                    "run; train: they run too.")(command)
        command = click.option("--param", "params", multiple=True, callback=_parameters, metavar="NAME=VALUE",
                               help="Give a parameter of the spec's `params:` another value, e.g. "
                                    "--param width=0.5 (repeatable).")(command)
        return click.option(*names, "input_shape", callback=_input_shape, metavar="SIZES",
                            help="Analyse at this input instead of the spec's `input:`, in the spec's layout "
                                 "and without the batch: 3x160x160, or symbols: 3xHxW.")(command)
    return decorate


def _parameters(ctx, param, values):
    """NAME=VALUE pairs; values read as YAML 1.2 reads a plain scalar (0.5, 8, true, relu)."""
    from convcalc.errors import ConvcalcError as Refused
    from convcalc.loading import load_document

    result = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip().isidentifier() or not text.strip():
            raise click.BadParameter(f"'{value}': write NAME=VALUE, e.g. width=0.5", ctx, param)
        try:
            result[name.strip()] = load_document(f"value: {text.strip()}\n", "--param").data["value"]
        except (Refused, TypeError):
            raise click.BadParameter(f"'{value}': the value is not a plain number, word or true/false", ctx,
                                     param) from None
    return result


def _optional_quantity(ctx, param, value):
    """--max-params, --max-memory, ...: a budget, read as budget.quantity reads the spec's."""
    from convcalc.budget import kind
    from convcalc.i18n import translate
    from convcalc.units import NumberError, parse_whole

    if value is None:
        return None
    try:
        return parse_whole(value, kind(param.name.removeprefix("max_")))
    except NumberError as error:
        raise click.BadParameter(translate(error.message.key, _message_language(ctx), **error.message.params),
                                 ctx, param) from None


def _thresholds(ctx, param, values):
    from convcalc.i18n import translate
    from convcalc.snapshot import FIGURES, parse_threshold
    from convcalc.units import NumberError

    thresholds = []
    for value in values:
        try:
            thresholds.append(parse_threshold(value))
        except NumberError as error:
            message = translate("bad_threshold", _message_language(ctx), value=value, figures=", ".join(FIGURES))
            if error.message.key != "bad_threshold":
                message += ": " + translate(error.message.key, _message_language(ctx), **error.message.params)
            raise click.BadParameter(message, ctx, param) from None
    return thresholds


def _expand(patterns):
    """Glob patterns (quoted, so the shell left them) as the files they match, in order; a name
    that is no file here is a shipped spec of that name (`resnet50`) when there is one."""
    import glob

    from convcalc.shipped import resolve_spec

    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [resolve_spec(pattern)]
        yield from matches or [pattern]


def _shipped(ctx, param, value):
    """A spec argument: the file, or the shipped spec of that name when no such file exists."""
    from convcalc.shipped import resolve_spec

    return None if value is None else resolve_spec(value)


lang_option = click.option("--lang", type=click.Choice(LANGUAGES), default=None,
                           help="Language of messages: en or es (default: from LC_ALL / LC_MESSAGES / LANG).")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="convcalc")
def main():
    """convcalc: shapes, parameters, MACs/FLOPs, memory and receptive fields of CNN
    architectures, computed statically from a YAML spec (sizes may be symbols such as H, W)."""


@main.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@click.option("--format", "output_format", type=click.Choice(["table", "json", "markdown", "csv", "github"]),
              default="table", show_default=True,
              help="Output format (github: GitHub Actions annotations at the spec lines).")
@click.option("--set", "values", multiple=True, callback=_assignment, metavar="NAME=SIZE",
              help="Give a symbol a size, e.g. --set H=224 (repeatable).")
@_input_option("--input", "--input-shape")
@click.option("--strict/--no-strict", default=None,
              help="Make every inexact division in a size formula an error (default: as the spec says; "
                   "otherwise a warning saying how PyTorch rounds).")
@click.option("--optimizer", type=click.Choice(["adam", "momentum", "sgd"]), default="adam", show_default=True,
              help="Optimizer state counted in the training memory estimate.")
@click.option("--max-params", callback=_optional_quantity, help="Budget: parameters (e.g. 25M).")
@click.option("--max-macs", callback=_optional_quantity, help="Budget: MACs per sample (e.g. 4.1G).")
@click.option("--max-flops", callback=_optional_quantity, help="Budget: FLOPs per sample.")
@click.option("--max-memory", callback=_optional_quantity, help="Budget: peak inference memory (e.g. 200MiB).")
@click.option("--max-activation", callback=_optional_quantity, help="Budget: all layers' activations.")
@click.option("--max-training-memory", callback=_optional_quantity, help="Budget: the training memory estimate.")
@lang_option
def analyze(specs, output_format, values, sizing, strict, optimizer, lang, max_params, max_macs, max_flops,
            max_memory, max_activation, max_training_memory):
    """Analyse SPEC files (or glob patterns): per-layer shapes, parameters, MACs, FLOPs, memory
    and receptive fields, totals, validity conditions for symbolic sizes, every inconsistency,
    and the budgets of the spec's `budget:` and of the --max-* options (SI or binary suffixes).

    Exit code 0: consistent and within budget; 1: an inconsistency, or a budget exceeded;
    2: a spec could not be analysed (or bad arguments)."""
    from convcalc.analysis import Options, analyze_document
    from convcalc.loading import load_file
    from convcalc.render import renderer
    from convcalc.spec import parse_spec

    lang = lang or language_from_environment()
    budgets = {figure: limit for figure, limit in (
        ("params", max_params), ("macs", max_macs), ("flops", max_flops), ("memory", max_memory),
        ("activation", max_activation), ("training_memory", max_training_memory)) if limit is not None}
    options = Options(values=values, strict=strict, optimizer=optimizer, budgets=budgets, **sizing)
    analyses, code = [], EXIT_OK
    for path in _expand(specs):
        try:
            document = load_file(path)
            analysis = analyze_document(document, parse_spec(document), options)
        except ConvcalcError as error:
            click.echo(error.render(lang), err=True)
            code = EXIT_CANNOT_ANALYSE
            continue
        analyses.append(analysis)
        code = max(code, analysis.exit_code)
    if analyses:
        renderer(output_format).write(analyses, lang, sys.stdout)
    sys.exit(code)


@main.command()
@click.argument("spec", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="The lock file (default: SPEC with .lock.json; for a shipped spec named, NAME.lock.json here); "
                   "needed when SPEC is - (standard input).")
@click.option("--set", "values", multiple=True, callback=_assignment, metavar="NAME=SIZE")
@_input_option("--input", "--input-shape")
@click.option("--force", is_flag=True, help="Replace an existing lock file.")
@lang_option
def lock(spec, output, values, sizing, force, lang):
    """Write a baseline of SPEC: per-layer shapes, parameters, MACs and memory, totals, the sizes
    it was taken at and convcalc's version, as stable JSON to review and to diff against."""
    from convcalc.loading import STDIN
    from convcalc.output import new_file
    from convcalc.shipped import resolve_spec
    from convcalc.snapshot import dumps, load

    lang = lang or language_from_environment()
    try:
        if not output and not Path(spec).name:  # '', . or /: no file name to put .lock.json on
            raise ConvcalcError("lock_needs_output", Location(spec or "''"))
        target = output or str(Path(spec).with_suffix(".lock.json"))
        if spec == STDIN and not output:
            raise ConvcalcError("lock_stdin_needs_output", None)
        with new_file(target, force) as stream:  # taken first: a lock file that exists is refused before the work
            stream.write(dumps(load(resolve_spec(spec), values, **sizing)).encode("utf-8"))
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    click.echo(visible(target))


@main.command()
@click.argument("before", type=click.Path(path_type=str), callback=_shipped)
@click.argument("after", type=click.Path(path_type=str), required=False, callback=_shipped)
@click.option("--base", default=None, metavar="REV",
              help="Compare SPEC (the one argument) with its version in this git revision, e.g. origin/main.")
@click.option("--set", "values", multiple=True, callback=_assignment, metavar="NAME=SIZE")
@_input_option("--input", "--input-shape")
@click.option("--fail-on", "thresholds", multiple=True, callback=_thresholds, metavar="FIGURE:+N[%]",
              help="Exit 1 when a total grows by more: params:+5%, macs:+0, memory:+10MiB (repeatable).")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json", "github"]),
              default="text", show_default=True)
@lang_option
def diff(before, after, base, values, sizing, thresholds, output_format, lang):
    """Compare two specs, a spec and a lock file, or a spec with its version in a git revision
    (--base): added, removed, renamed and changed layers, and total deltas (absolute and %).

    Exit code 0: within the --fail-on thresholds; 1: a threshold exceeded; 2: cannot compare."""
    from convcalc.render.diff import write
    from convcalc.snapshot import compare, load

    lang = lang or language_from_environment()
    if (after is None) == (base is None):
        raise click.UsageError("give two files (BEFORE AFTER), or one spec and --base REV")
    try:
        old = load(before, values, base, **sizing)
        new = load(before if base is not None else after, values, **sizing)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    result = compare(old, new)
    failed = [threshold for threshold in thresholds if threshold.exceeded(result)]
    write(result, failed, lang, output_format, sys.stdout, before if base is not None else after)
    sys.exit(EXIT_FOUND_WRONG if failed else EXIT_OK)


def execution_options(command):
    """The options `run` and `verify` share."""
    for option in reversed([
        click.argument("spec", type=click.Path(path_type=str), callback=_shipped),
        click.option("--set", "values", multiple=True, callback=_assignment, metavar="NAME=SIZE",
                     help="Give a symbol a size, e.g. --set H=224 (every symbol needs one to run)."),
        _input_option("--input-shape"),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed of the generated weights and input: any integer (a negative one is read as "
                          "its 64-bit two's complement, -1 as 2**64 - 1)."),
        click.option("--weights", "weights_file", type=click.Path(dir_okay=False, path_type=str),
                     help="An .npz of parameters keyed 'layer.parameter' (e.g. conv1.weight): every parameter "
                          "the spec does not write, and nothing else."),
        click.option("--input", "input_file", type=click.Path(dir_okay=False, path_type=str),
                     help="A .npy input of real, finite numbers: one sample or a batch, in the spec's layout."),
        click.option("--max-memory", default="4GiB", show_default=True, callback=_optional_quantity,
                     help="Refuse to run when the run could take more at its peak: 1.5 x the predicted peak "
                          "+ 1 MiB (e.g. 8GiB, 500MB)."),
        click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
                     show_default=True),
        lang_option,
    ]):
        command = option(command)
    return command


def _prepare(spec, values, sizing, lang):
    """The analysis to execute, or the exit: 2 when unreadable, 1 when inconsistent."""
    from convcalc.analysis import Options, analyze_document
    from convcalc.loading import load_file
    from convcalc.spec import parse_spec

    document = load_file(spec)
    analysis = analyze_document(document, parse_spec(document),
                                Options(values=values, **sizing))
    if analysis.errors:
        for finding in analysis.errors:
            click.echo(finding.render(lang), err=True)
        sys.exit(EXIT_FOUND_WRONG)
    return analysis


@main.command(name="run")
@execution_options
@click.option("--save", type=click.Path(path_type=str),
              help="Keep every activation (and the input) in this .npz file (.npz is added when missing).")
@click.option("--force", is_flag=True, help="Let --save replace an existing file.")
def run_command(spec, values, sizing, seed, weights_file, input_file, max_memory, output_format, lang, save,
                force):
    """Run SPEC on real arrays with the NumPy reference executor (PyTorch's semantics): per-layer
    shapes, the products performed, and the output (in full when small, else summarised)."""
    from convcalc.execute import execute
    from convcalc.output import new_file
    from convcalc.render.execution import write_run

    lang = lang or language_from_environment()
    target = save if save is None or save.endswith(".npz") else save + ".npz"  # the name NumPy would give it
    try:
        with new_file(target, force) if save else nullcontext() as saved:  # taken before the run
            analysis = _prepare(spec, values, sizing, lang)
            result = execute(analysis, seed=seed, weights_file=weights_file, input_file=input_file,
                             keep=bool(save), max_memory=max_memory)
            if save:
                import numpy as np

                np.savez(saved, **result.outputs)  # with --save every activation is kept, the input too
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    write_run(result, lang, output_format, sys.stdout)


@main.command()
@execution_options
def verify(spec, values, sizing, seed, weights_file, input_file, max_memory, output_format, lang):
    """Run SPEC with the NumPy executor and hold every analysed figure against what happened:
    shapes, parameter values allocated, multiply-accumulates performed, peak memory.

    Exit code 0: every figure confirmed; 1: a mismatch (or an inconsistent spec); 2: cannot run."""
    from convcalc.execute import execute
    from convcalc.render.execution import write_verification
    from convcalc.verify import verify as check

    lang = lang or language_from_environment()
    try:
        analysis = _prepare(spec, values, sizing, lang)
        verification = check(execute(analysis, seed=seed, weights_file=weights_file, input_file=input_file,
                                     measure_memory=True, max_memory=max_memory))
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    write_verification(verification, lang, output_format, sys.stdout)
    sys.exit(EXIT_OK if verification.ok else EXIT_FOUND_WRONG)


@main.command()
@click.argument("spec", type=click.Path(path_type=str), callback=_shipped)
@click.option("--layer", default=None, help="Explain only this layer (by name).")
@click.option("--set", "values", multiple=True, callback=_assignment, metavar="NAME=SIZE",
              help="Give a symbol a size; without it, symbolic layers are explained symbolically.")
@_input_option("--input", "--input-shape")
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
        from convcalc.loading import load_file
        from convcalc.spec import parse_spec

        document = load_file(spec)
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
    click.option("--padding", "-P", default="0", show_default=True, help="P pixels, same, valid or full."),
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
@click.argument("spec", type=click.Path(path_type=str), callback=_shipped)
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
    from convcalc.render.verdicts import write
    from convcalc.spec import parse_spec

    lang = lang or language_from_environment()
    try:
        if spec == answers == STDIN:
            raise ConvcalcError("stdin_twice", None)
        document = load_file(spec)
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


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Write the schema to this new file instead of standard output.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@lang_option
def schema(output, force, lang):
    """Print the JSON Schema of spec files (for editors: `# yaml-language-server: $schema=...`)."""
    from convcalc.output import write_new
    from convcalc.schema import spec_schema

    text = json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            write_new(output, text, force)
        except ConvcalcError as error:
            click.echo(error.render(lang or language_from_environment()), err=True)
            sys.exit(EXIT_CANNOT_ANALYSE)
    else:
        click.echo(text, nl=False)


@main.command(name="specs")
@click.argument("name", required=False)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def specs_command(name, output_format):
    """List the specs shipped with convcalc (any command takes one by NAME: `convcalc analyze
    resnet50`), or print the text of the spec NAME, to copy and adapt (`convcalc specs vgg16 > my.yaml`):
    its editor hint then names the installed JSON Schema by its absolute path."""
    from convcalc.shipped import shipped_dir, shipped_names, shipped_path, with_absolute_hint

    if name is not None:
        path = shipped_path(name)
        if path is None:
            from convcalc.spec import suggestion

            raise click.BadParameter(f"no shipped spec '{name}'{suggestion(name, shipped_names())}; "
                                     "`convcalc specs` lists them", param_hint="NAME")
        click.echo(with_absolute_hint(path.read_text(encoding="utf-8")), nl=False)
        return
    from convcalc.loading import load_file

    entries = []
    for shipped in shipped_names():
        data = load_file(shipped_dir() / f"{shipped}.yaml").data
        entries.append({"name": shipped, "title": data.get("name"), "input": data.get("input"),
                        "layout": data.get("layout", "chw"), "path": str(shipped_dir() / f"{shipped}.yaml")})
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    width = max(len(entry["name"]) for entry in entries)
    for entry in entries:
        size = "x".join(str(value) for value in entry["input"])
        click.echo(f"{entry['name']:<{width}}  {size:<12} {entry['title']}")


@main.command()
@click.argument("kinds", nargs=-1)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
def layers(kinds, output_format, lang):
    """List the layer types (or only KINDS) with their hyperparameters, formulas and FLOP rules."""
    from convcalc.layers import REGISTRY
    from convcalc.schema import catalogue
    from convcalc.spec import suggestion

    lang = lang or language_from_environment()
    for kind in kinds:
        if kind not in REGISTRY:
            raise click.BadParameter(f"unknown layer type '{kind}'{suggestion(kind, REGISTRY)}", param_hint="KINDS")
    entries = [entry for entry in catalogue(lang) if not kinds or entry["type"] in kinds]
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for entry in entries:
        click.echo(f"{entry['type']}: {entry['summary']}  (inputs: {entry['inputs']})")
        for field in entry["fields"]:
            default = "required" if field["required"] else f"default {field['default']!r}"
            also = "".join(f" or {alias}" for alias in field["aliases"])
            click.echo(f"    {field['name']}{also} ({default}){': ' + field['description'] if field['description'] else ''}")
        for figure, formula in entry["formulas"].items():
            click.echo(f"    {figure} = {formula}")
        click.echo(f"    flops: {entry['flops']}\n")


def _prepare_streams() -> None:
    """Standard output and error degrade rather than fail on a terminal that cannot encode a
    character (PYTHONIOENCODING=ascii): \\u2192-style escapes instead of UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _discard_output() -> None:
    """Send what is left in standard output's buffer nowhere: its reader is gone, and Python would
    otherwise report the failed flush at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def run() -> None:
    """Console entry point: no traceback ever reaches the user (CONVCALC_DEBUG=1 shows it)."""
    _prepare_streams()
    try:
        try:
            main(standalone_mode=True)
        finally:
            sys.stdout.flush()  # here, so that a reader who left is noticed before the interpreter exits
    except SystemExit:
        raise
    except (OutputClosed, BrokenPipeError):
        _discard_output()
        sys.exit(EXIT_OUTPUT_CLOSED)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # an internal error is still an exit-2 message, not a traceback
        if os.environ.get("CONVCALC_DEBUG"):
            raise
        click.echo(visible(f"convcalc: internal error: {type(error).__name__}: {shorten(str(error), TEXT_LIMIT)} "
                           f"(please report it; CONVCALC_DEBUG=1 shows the traceback)"), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
