"""The commands that analyse specs and guard them in CI: analyze, lock, diff."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from convcalc.cli.base import (
    EXIT_CANNOT_ANALYSE,
    EXIT_FOUND_WRONG,
    EXIT_OK,
    assignments,
    code_prefixes,
    depth_option,
    expand,
    input_option,
    lang_option,
    main,
    parse_thresholds,
    quantity,
    shipped_spec,
)
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import language_from_environment
from convcalc.text import visible


MACHINE_FORMATS = ("json", "concise", "github", "sarif")  # carry the specs that could not be analysed too


@main.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@click.option("--format", "output_format",
              type=click.Choice(["table", "json", "markdown", "csv", "concise", "github", "sarif", "html"]),
              default=None,
              help="Output format (default: github when GITHUB_ACTIONS=true, else table). concise: one "
                   "`file:line:col: level code message` line per diagnostic; github: GitHub Actions "
                   "annotations; sarif: SARIF 2.1.0 for code scanning; json: described by "
                   "`convcalc schema --of output`; html: one self-contained page with the table, blocks "
                   "collapsible, the plots, the diagram and every diagnostic.")
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="Write the output to this file instead of standard output (e.g. -o report.html).")
@click.option("--force", is_flag=True, help="Replace an existing --output file.")
@click.option("-q", "--quiet", is_flag=True,
              help="Only warnings and errors, and nothing else: no table, no notes (nothing when all is well).")
@click.option("--select", "selected", multiple=True, callback=code_prefixes, metavar="CODE",
              help="Report only the diagnostics whose code starts with CODE, e.g. CC1 or CC401 (repeatable, or "
                   "comma-separated); replaces the select of the spec's `lint:` and of pyproject.toml's "
                   "[tool.convcalc].")
@click.option("--ignore", "ignored", multiple=True, callback=code_prefixes, metavar="CODE",
              help="Leave out the diagnostics whose code starts with CODE, e.g. CC202 (repeatable, or "
                   "comma-separated); an ignored error no longer fails the run.")
@click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE",
              help="Give a symbol a size, e.g. --set H=224 (repeatable).")
@input_option("--input", "--input-shape")
@click.option("--strict/--no-strict", default=None,
              help="Make every inexact division in a size formula an error (default: as the spec says; "
                   "otherwise a warning saying how PyTorch rounds, or a note when it rounds to the input "
                   "size divided by the stride, rounded up).")
@click.option("--optimizer", type=click.Choice(["adam", "momentum", "sgd"]), default="adam", show_default=True,
              help="Optimizer state counted in the training memory estimate.")
@click.option("--max-params", callback=quantity, help="Budget: parameters (e.g. 25M).")
@click.option("--max-macs", callback=quantity, help="Budget: MACs per sample (e.g. 4.1G).")
@click.option("--max-flops", callback=quantity, help="Budget: FLOPs per sample.")
@click.option("--max-memory", callback=quantity, help="Budget: peak inference memory (e.g. 200MiB).")
@click.option("--max-activation", callback=quantity, help="Budget: all layers' activations.")
@click.option("--max-training-memory", callback=quantity, help="Budget: the training memory estimate.")
@depth_option
@lang_option
def analyze(specs, output_format, output, force, quiet, selected, ignored, values, sizing, strict, optimizer, lang,
            max_params, max_macs, max_flops, max_memory, max_activation, max_training_memory, depth):
    """Analyse SPEC files (or glob patterns): per-layer shapes, parameters, MACs, FLOPs, memory
    and receptive fields, totals, validity conditions for symbolic sizes, every inconsistency,
    and the budgets of the spec's `budget:` and of the --max-* options (SI or binary suffixes).
    --depth lists groups of layers (stages, block uses) with their subtotals instead of every layer.
    The table fits the terminal (or COLUMNS): columns are left out and counts abbreviated as it narrows.

    Every diagnostic has a level (error, warning, note) and a code (CC101, ...: see the README);
    which are reported is chosen by --select/--ignore, the spec's `lint:` and pyproject.toml's
    [tool.convcalc], the command line first.

    Exit code 0: consistent and within budget; 1: an inconsistency, or a budget exceeded;
    2: a spec could not be analysed (or bad arguments)."""
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.render import Failure, renderer
    from convcalc.sources import read_spec
    from convcalc.spec import parse_spec

    lang = lang or language_from_environment()
    output_format = output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "table")
    budgets = {figure: limit for figure, limit in (
        ("params", max_params), ("macs", max_macs), ("flops", max_flops), ("memory", max_memory),
        ("activation", max_activation), ("training_memory", max_training_memory)) if limit is not None}
    options = Options(values=values, strict=strict, optimizer=optimizer, budgets=budgets, **sizing)
    results, code = [], EXIT_OK
    for path in expand(specs):
        try:
            document = read_spec(path)
            analysis = analyze_document(document, parse_spec(document), options)
            chosen = lint_selection(path, document).then(selected or None, ignored)
        except ConvcalcError as error:
            if output_format not in MACHINE_FORMATS:
                click.echo(error.render(lang), err=True)
            results.append(Failure(path, error))
            code = EXIT_CANNOT_ANALYSE
            continue
        analysis.findings = [finding for finding in analysis.findings if chosen.reports(finding.code)
                             and not (quiet and finding.level == "note")]
        results.append(analysis)
        code = max(code, analysis.exit_code)
    if output:
        import io

        from convcalc.output import write_new

        text = io.StringIO()
        renderer(output_format).write(results, lang, text, depth=depth, quiet=quiet)
        try:
            write_new(output, text.getvalue(), force)
        except ConvcalcError as error:
            click.echo(error.render(lang), err=True)
            sys.exit(EXIT_CANNOT_ANALYSE)
    else:
        renderer(output_format).write(results, lang, sys.stdout, depth=depth, quiet=quiet)
    sys.exit(code)


def lint_selection(path: str, document):
    """The diagnostics chosen for one spec by pyproject.toml's [tool.convcalc] (the nearest one
    above the spec's folder that has the table) and then the spec's own `lint:`."""
    from convcalc.diagnostics import Selection, pyproject_layer, settings_layer
    from convcalc.loading import STDIN

    folder = Path.cwd() if path == STDIN else Path(path).resolve().parent
    chosen = Selection().then(*pyproject_layer(folder))
    if document.data.get("lint") is not None:
        chosen = chosen.then(*settings_layer(document.data["lint"], document.location(("lint",)), "lint:"))
    return chosen


@main.command()
@click.argument("spec", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(path_type=str), default=None,
              help="The lock file (default: SPEC with .lock.json; for a shipped spec named, NAME.lock.json here); "
                   "needed when SPEC is - (standard input).")
@click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE")
@input_option("--input", "--input-shape")
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
@click.argument("before", type=click.Path(path_type=str), callback=shipped_spec)
@click.argument("after", type=click.Path(path_type=str), required=False, callback=shipped_spec)
@click.option("--base", default=None, metavar="REV",
              help="Compare SPEC (the one argument) with its version in this git revision, e.g. origin/main.")
@click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE")
@input_option("--input", "--input-shape")
@click.option("--fail-on", "thresholds", multiple=True, callback=parse_thresholds, metavar="FIGURE:+N[%]",
              help="Exit 1 when a total grows by more: params:+5%, macs:+0, memory:+10MiB (repeatable).")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json", "github"]),
              default="text", show_default=True)
@click.option("--diagram", is_flag=True,
              help="With --format markdown: a Mermaid diagram of the changed layers (GitHub renders it), "
                   "unchanged layers far from any change elided.")
@lang_option
def diff(before, after, base, values, sizing, thresholds, output_format, diagram, lang):
    """Compare two specs, a spec and a lock file, or a spec with its version in a git revision
    (--base): added, removed, renamed and changed layers, and total deltas (absolute and %). With
    --base, a spec that is new since REV counts as all added (its totals grow from 0, so a --fail-on
    percentage fails), and one deleted since REV as all removed.

    Exit code 0: within the --fail-on thresholds; 1: a threshold exceeded; 2: cannot compare."""
    from convcalc.render.diff import write
    from convcalc.snapshot import compare, load

    lang = lang or language_from_environment()
    if (after is None) == (base is None):
        from convcalc.i18n import translate

        raise click.UsageError(translate("diff_needs_two", lang))
    if diagram and output_format != "markdown":
        from convcalc.i18n import translate

        raise click.UsageError(translate("draw_diagram_needs_markdown", lang))
    try:
        old = load(before, values, base, **sizing)
        new = load(before if base is not None else after, values, absent_ok=base is not None, **sizing)
        if old.get("absent") and new.get("absent"):
            raise ConvcalcError("diff_absent_twice", Location(before), revision=base)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    result = compare(old, new)
    failed = [threshold for threshold in thresholds if threshold.exceeded(result)]
    write(result, failed, lang, output_format, sys.stdout, before if base is not None else after, diagram)
    sys.exit(EXIT_FOUND_WRONG if failed else EXIT_OK)
