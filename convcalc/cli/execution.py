"""The commands that run a spec on real arrays: run, verify."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click

from convcalc.cli.base import (
    EXIT_CANNOT_ANALYSE,
    EXIT_FOUND_WRONG,
    EXIT_OK,
    assignments,
    input_option,
    lang_option,
    main,
    quantity,
    shipped_spec,
)
from convcalc.errors import ConvcalcError
from convcalc.i18n import language_from_environment


def execution_options(command):
    """The options `run` and `verify` share."""
    for option in reversed([
        click.argument("spec", type=click.Path(path_type=str), callback=shipped_spec),
        click.option("--set", "values", multiple=True, callback=assignments, metavar="NAME=SIZE",
                     help="Give a symbol a size, e.g. --set H=224 (every symbol needs one to run)."),
        input_option("--input-shape"),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed of the generated weights and input: any integer (a negative one is read as "
                          "its 64-bit two's complement, -1 as 2**64 - 1)."),
        click.option("--weights", "weights_file", type=click.Path(dir_okay=False, path_type=str),
                     help="An .npz of parameters keyed 'layer.parameter' (e.g. conv1.weight): every parameter "
                          "the spec does not write, and nothing else."),
        click.option("--input", "input_file", type=click.Path(dir_okay=False, path_type=str),
                     help="A .npy input of real, finite numbers: one sample or a batch, in the spec's layout."),
        click.option("--max-memory", default="4GiB", show_default=True, callback=quantity,
                     help="Refuse to run when the run could take more at its peak: 1.5 x the predicted peak "
                          "+ 1 MiB (e.g. 8GiB, 500MB)."),
        click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
                     show_default=True),
        lang_option,
    ]):
        command = option(command)
    return command


def prepare(spec, values, sizing, lang):
    """The analysis to execute, or the exit: 2 when unreadable, 1 when inconsistent."""
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.sources import read_spec
    from convcalc.spec import parse_spec

    document = read_spec(spec)
    analysis = analyze_document(document, parse_spec(document),
                                Options(values=values, **sizing))
    if analysis.errors:
        for finding in analysis.errors:
            click.echo(finding.concise(lang), err=True)
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
            analysis = prepare(spec, values, sizing, lang)
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
@click.option("--against", "executors", multiple=True, type=click.Choice(["onnxruntime", "torch"]),
              help="Also run the network with another executor on the same input and weights and compare every "
                   "output: onnxruntime (the ONNX export; convcalc[onnx]) or torch (the PyTorch export; "
                   "convcalc[torch]). Repeatable.")
def verify(spec, values, sizing, seed, weights_file, input_file, max_memory, output_format, lang, executors):
    """Run SPEC with the NumPy executor and hold every analysed figure against what happened:
    shapes, parameter values allocated, multiply-accumulates performed, peak memory; with --against,
    every output against another executor's.

    Exit code 0: every figure confirmed; 1: a mismatch (or an inconsistent spec); 2: cannot run."""
    from convcalc.execute import execute
    from convcalc.render.execution import write_verification
    from convcalc.verify import verify as check

    lang = lang or language_from_environment()
    try:
        analysis = prepare(spec, values, sizing, lang)
        verification = check(execute(analysis, seed=seed, weights_file=weights_file, input_file=input_file,
                                     measure_memory=True, max_memory=max_memory))
        if executors:
            from convcalc.bridges.against import agreements

            for executor in executors:
                verification.agreements += agreements(verification.run, executor)
    except ConvcalcError as error:
        click.echo(error.render(lang), err=True)
        sys.exit(EXIT_CANNOT_ANALYSE)
    write_verification(verification, lang, output_format, sys.stdout)
    sys.exit(EXIT_OK if verification.ok else EXIT_FOUND_WRONG)
