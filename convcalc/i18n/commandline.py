"""The command line's own texts in the user's language, through gettext: click's sentences (usage,
help headings, its errors) and convcalc's --help texts. The English text is the message id; the
Spanish is in locale/es/LC_MESSAGES/convcalc.po, compiled to convcalc.mo by `make messages`.

Click asks gettext for its texts with the current domain and the language LANGUAGE names, so while a
command runs the domain is convcalc's and LANGUAGE is the command's language (--lang, else the
environment's); both are restored after.
"""

from __future__ import annotations

import copy
import gettext
import inspect
import os
from contextlib import contextmanager
from pathlib import Path

from convcalc.i18n import LANGUAGES, language_from_environment

DOMAIN = "convcalc"
LOCALE_DIR = Path(__file__).with_name("locale")


def cli_text(english: str) -> str:
    """``english`` in the command's language (itself when it has no translation)."""
    return gettext.dgettext(DOMAIN, english)


def help_text(english: str | None) -> str | None:
    """A --help text as click shows it (docstring indentation removed), translated."""
    return None if english is None else cli_text(inspect.cleandoc(english))


def translated(thing):
    """A copy of a click command or parameter whose help (and short help) are translated."""
    shown = copy.copy(thing)
    shown.help = help_text(thing.help)
    if getattr(thing, "short_help", None):
        shown.short_help = help_text(thing.short_help)
    return shown


def requested_language(args) -> str:
    """The language of a command line: its --lang (read before click parses it, so that click's
    own errors about the same line are in it too), else the environment's."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        value = args[index + 1] if arg == "--lang" and index + 1 < len(args) else \
            arg.partition("=")[2] if arg.startswith("--lang=") else None
        if value in LANGUAGES:
            return value
    return language_from_environment()


@contextmanager
def messages_in(lang: str):
    """Click's and convcalc's command-line texts in ``lang`` inside the block."""
    previous_domain, previous_language = gettext.textdomain(), os.environ.get("LANGUAGE")
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang
    try:
        yield
    finally:
        gettext.textdomain(previous_domain)
        if previous_language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = previous_language

# Texts of the command line that no extractor finds: convcalc's own sentence around a usage error,
# and click's "required", which click translates from a variable (_(extra["required"])).
OWN_TEXTS = ("(see {command} --help)", "required")
