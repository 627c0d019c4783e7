"""The command line: parse, call, pick a renderer, map the exit code (see ``base`` for the codes).

One module per command group: ``checking`` (analyze, lock, diff), ``execution`` (run, verify),
``bridges`` (import, export), ``plots`` (plot),
``teaching`` (explain, calc, check, quiz), ``reference`` (schema, specs, layers), ``pictures`` (draw).
"""

from __future__ import annotations

import io
import os
import sys

import click

from convcalc.cli import (  # noqa: F401  (importing them registers their commands)
    bridges, checking, execution, pictures, plots, reference, teaching,
)
from convcalc.cli.base import (
    EXIT_CANNOT_ANALYSE,
    EXIT_OUTPUT_CLOSED,
    OutputClosed,
    main,
)
from convcalc.i18n import TEXT_LIMIT
from convcalc.text import shorten, visible

__all__ = ["main", "run"]


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
