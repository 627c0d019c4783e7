"""What every command shares: the command group, its exit codes, and the options' parsers.

Exit codes: 0 analysed and consistent; 1 analysed and found wrong (an inconsistency or an
unsatisfiable condition); 2 could not analyse (unreadable file, not YAML, a spec that breaks the
schema, bad arguments, an internal error); 141 the output was closed before convcalc finished
writing it (``convcalc analyze ... | head``: what a shell reports for a command ended by SIGPIPE).
"""

from __future__ import annotations

import functools
import sys

import click

from convcalc import __version__
from convcalc.i18n import LANGUAGES, TEXT_LIMIT, language_from_environment
from convcalc.i18n.commandline import cli_text, messages_in, requested_language, translated
from convcalc.text import shorten, visible

EXIT_OK, EXIT_FOUND_WRONG, EXIT_CANNOT_ANALYSE = 0, 1, 2
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE, as a shell reports a writer whose reader left


class OutputClosed(Exception):
    """The reader of standard output left (EPIPE). Not an OSError, so that click, which would
    exit 1 ("found wrong") on a broken pipe, lets it through to ``run``."""


class _Translated:
    """A command whose --help is in the command's language: its own text, its options' (as
    click.Command.format_options lists them: arguments have their own section) and, for the group,
    its commands' one-line summaries; click translates its headings itself."""

    def format_help_text(self, ctx, formatter):
        click.Command.format_help_text(translated(self), ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        return click.Command.get_short_help_str(translated(self), limit)

    def format_options(self, ctx, formatter):
        records = [record for param in self.get_params(ctx) if not isinstance(param, click.Argument)
                   and (record := translated(param).get_help_record(ctx))]
        if records:
            with formatter.section(cli_text("Options")):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class _Command(_Translated, click.Command):
    pass


class _Group(_Translated, click.Group):
    """The command group, and the boundary of what its commands raise: a broken pipe becomes
    OutputClosed; a usage error (click's own, or a bad --set, --input, KINDS ...) is one line,
    `convcalc COMMAND: message (see convcalc COMMAND --help)`, with its control characters drawn
    (it may quote the command line), and exit code 2. Every text is in the command line's
    language (commandline.requested_language)."""

    command_class = _Command
    group_class = type  # subgroups (calc) are translated too

    def main(self, args=None, **extra):
        args = list(sys.argv[1:] if args is None else args)
        with messages_in(requested_language(args)):
            return super().main(args, **extra)

    def make_context(self, info_name, args, parent=None, **extra):
        """The group's own usage errors (convcalc --nosuch) are one line too; bare `convcalc`
        still shows the help."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except getattr(click.exceptions, "NoArgsIsHelpError", ()):
            raise
        except click.UsageError as error:
            message = " ".join(error.format_message().split())
            hint = cli_text("(see {command} --help)").format(command=info_name)
            click.echo(visible(shorten(f"{info_name}: {message} {hint}", TEXT_LIMIT)), err=True)
            sys.exit(error.exit_code)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise OutputClosed from None
        except click.ClickException as error:
            where = error.ctx.command_path if getattr(error, "ctx", None) is not None else ctx.command_path
            hint = " " + cli_text("(see {command} --help)").format(command=where) \
                if isinstance(error, click.UsageError) else ""
            message = " ".join(error.format_message().split())  # click's own texts may wrap
            click.echo(visible(shorten(f"{where}: {message}{hint}", TEXT_LIMIT)), err=True)
            sys.exit(error.exit_code)


def _message_language(ctx) -> str:
    """--lang when click has read it already, else the environment's language."""
    return ctx.params.get("lang") or language_from_environment()


def said(error: Exception) -> str:
    """An error's message in the command line's language: its catalogue message (a Msg), else its text."""
    from convcalc.i18n import Msg, translate

    message = error.args[0] if error.args else ""
    if isinstance(message, Msg):
        return translate(message.key, language_from_environment(), **message.params)
    return str(error)


def assignments(ctx, param, values):
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

    from convcalc.i18n import translate

    if value is None:
        return None
    parts = [part for part in re.split(r"[x×,\s\[\]()]+", value.strip()) if part]
    if not 1 <= len(parts) <= 4 or not all(re.fullmatch(_INPUT_PART, part) and not keyword.iskeyword(part)
                                            for part in parts):
        raise click.BadParameter(translate("bad_input_sizes", _message_language(ctx), value=value), ctx, param)
    return tuple(int(part) if part.isdigit() else part for part in parts)


def input_option(*names):
    """--input, --param and --mode: what a spec is analysed at, handed to the command as one
    ``sizing`` mapping of analysis.Options fields."""
    def decorate(wrapped):
        @functools.wraps(wrapped)
        def command(*args, input_shape, params, mode, **kwargs):
            return wrapped(*args, sizing={"input_shape": input_shape, "params": params, "mode": mode}, **kwargs)

        command = click.option("--mode", type=click.Choice(["eval", "train"]), default="eval", show_default=True,
                               help="eval: layers marked train_only (auxiliary heads) hold parameters but do not "
                                    "run; train: they run too.")(command)
        command = click.option("--param", "params", multiple=True, callback=spec_parameters, metavar="NAME=VALUE",
                               help="Give a parameter of the spec's `params:` another value, e.g. "
                                    "--param width=0.5 (repeatable).")(command)
        return click.option(*names, "input_shape", callback=_input_shape, metavar="SIZES",
                            help="Analyse at this input instead of the spec's `input:`, in the spec's layout "
                                 "and without the batch: 3x160x160, or symbols: 3xHxW.")(command)
    return decorate


def depth_option(wrapped):
    """--depth N|blocks: one row per group of layers at that depth of their names, or per block use."""
    return click.option(
        "--depth", callback=_depth, metavar="N|blocks",
        help="One row per group of layers N deep in their dotted names (torchinfo's depth=: 0 the whole "
             "network, 1 conv1, layer1, ..., fc in ResNet-50), with the group's inputs, outputs and subtotals; "
             "`blocks`: one row per block use (outermost), whatever its depth. The totals are the same.")(wrapped)


def _depth(ctx, param, value):
    if value is None:
        return None
    from convcalc.i18n import translate
    from convcalc.tree import BLOCKS

    text = value.strip()
    if text == BLOCKS:
        return BLOCKS
    if not text.isdigit() or len(text) > 9:  # 9 digits: deeper than any name, so every layer already
        raise click.BadParameter(translate("bad_depth", _message_language(ctx), value=value, blocks=BLOCKS),
                                 ctx, param)
    return int(text)


def spec_parameters(ctx, param, values):
    """NAME=VALUE pairs; values read as YAML 1.2 reads a plain scalar (0.5, 8, true, relu)."""
    from convcalc.errors import ConvcalcError as Refused
    from convcalc.i18n import translate
    from convcalc.loading import load_document

    result = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip().isidentifier() or not text.strip():
            raise click.BadParameter(translate("bad_spec_parameter", _message_language(ctx), value=value), ctx, param)
        try:
            result[name.strip()] = load_document(f"value: {text.strip()}\n", "--param").data["value"]
        except (Refused, TypeError):
            raise click.BadParameter(translate("spec_parameter_not_plain", _message_language(ctx), value=value),
                                     ctx, param) from None
    return result


def quantity(ctx, param, value):
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


def parse_thresholds(ctx, param, values):
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


def code_prefixes(ctx, param, values):
    """--select/--ignore: diagnostic codes or their prefixes (CC2, CC202), repeated or comma-separated."""
    from convcalc.diagnostics import checked_prefixes
    from convcalc.errors import ConvcalcError as Refused

    written = [part for value in values for part in value.split(",") if part.strip()]
    try:
        return checked_prefixes(written, None)
    except Refused as error:
        raise click.BadParameter(error.render(_message_language(ctx)), ctx, param) from None


def expand(patterns):
    """Glob patterns (quoted, so the shell left them) as the files they match, in order; a name
    that is no file here is a shipped spec of that name (`resnet50`) when there is one."""
    import glob

    from convcalc.shipped import resolve_spec

    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [resolve_spec(pattern)]
        yield from matches or [pattern]


def shipped_spec(ctx, param, value):
    """A spec argument: the file, or the shipped spec of that name when no such file exists."""
    from convcalc.shipped import resolve_spec

    return None if value is None else resolve_spec(value)


lang_option = click.option("--lang", type=click.Choice(LANGUAGES), default=None, is_eager=True,  # read first:
                           # the other options' messages are in its language wherever it is written
                           help="Language of messages: en or es (default: from LANGUAGE / LC_ALL / LC_MESSAGES / LANG).")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="convcalc")
@lang_option
def main(lang):  # --lang here reaches every command: the group reads it before parsing (requested_language)
    """convcalc: shapes, parameters, MACs/FLOPs, memory and receptive fields of CNN
    architectures, computed statically from a YAML spec (sizes may be symbols such as H, W)."""
