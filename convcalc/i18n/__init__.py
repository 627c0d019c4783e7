"""Message catalogues, one module per language, keyed by stable message codes."""

from __future__ import annotations

import functools
import os
import re

from convcalc.text import VALUE_LIMIT, EnglishNumber, number_in, shown

LANGUAGES = ("en", "es")
# Every parameter of a message is shown on one line with its control characters drawn
# (convcalc.text). One that echoes a single value from the user (a name, a type, a key) is cut to
# VALUE_LIMIT characters; convcalc's own sentences and lists, which may quote such values, to
# TEXT_LIMIT; figures convcalc worked out (the residues of a condition) are never cut.
ECHOED = frozenset({"name", "kind", "key", "value", "text", "field", "figure", "layer", "block", "what", "topic",
                    "threshold", "revision", "old", "where", "got", "suggestion", "source", "flatten", "target"})
WORKED_OUT = frozenset({"values", "condition", "subject"})
TEXT_LIMIT = 500


def catalogue(lang: str) -> dict[str, str]:
    if lang == "es":
        from convcalc.i18n.es import MESSAGES
    else:
        from convcalc.i18n.en import MESSAGES
    return MESSAGES


class Msg:
    """A message fragment translated when the whole message is: e.g. a "did you mean" hint."""

    def __init__(self, key: str, /, **params):
        self.key, self.params = key, params

    def __str__(self):
        return translate(self.key, "en", **self.params)

    def __eq__(self, other):
        return isinstance(other, Msg) and (other.key, other.params) == (self.key, self.params)

    def __hash__(self):
        return hash(self.key)


class PerLanguage:
    """A parameter the raising code words itself, once per language it has a wording in (a field's
    description from its metadata, PyYAML's English problem text); in any other language it shows
    as ``otherwise``: nothing, or a catalogue message."""

    def __init__(self, otherwise: Msg | str = "", /, **texts: str):
        self.otherwise, self.texts = otherwise, texts

    def __eq__(self, other):
        return isinstance(other, PerLanguage) and (other.otherwise, other.texts) == (self.otherwise, self.texts)

    def __hash__(self):
        return hash(tuple(sorted(self.texts.items())))


def kind_of(value) -> Msg:
    """What a value read from a file is, as a message fragment: "a list", "a mapping", ..."""
    kind = "null" if value is None else "boolean" if isinstance(value, bool) else \
        "number" if isinstance(value, (int, float)) else "text" if isinstance(value, str) else \
        "list" if isinstance(value, list) else "mapping"
    return Msg(f"kind_{kind}")


def translate(key: str, lang: str = "en", /, **params) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in (fragments in the same language)."""
    template = catalogue(lang).get(key) or catalogue("en")[key]
    return template.format(**{name: _parameter(name, _in_language(value, lang), lang)
                              for name, value in params.items()})


def _in_language(value, lang: str):
    if isinstance(value, PerLanguage):
        value = value.texts.get(lang, value.otherwise)
    return translate(value.key, lang, **value.params) if isinstance(value, Msg) else value


def formula_in(text: str | None, lang: str) -> str | None:
    """A formula with its words in ``lang`` (``units = C*H*W`` is ``neuronas = C*H*W`` in
    Spanish) and its decimals written with the language's mark (``x * 0,5``); its symbols,
    functions and whole numbers stay as written."""
    if lang != "es" or not text:
        return text
    terms, pattern = _formula_terms()
    return _DECIMAL_POINT.sub(",", pattern.sub(lambda match: terms[match.group(0)], text))


_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


@functools.cache
def _formula_terms():
    from convcalc.i18n.es import FORMULA_TERMS

    pattern = "|".join(re.escape(english) for english, _ in FORMULA_TERMS)  # phrases first: they win
    return dict(FORMULA_TERMS), re.compile(rf"(?<![A-Za-z])(?:{pattern})(?![A-Za-z])")


def _parameter(name: str, value, lang: str) -> str:
    if isinstance(value, EnglishNumber):
        return number_in(value, lang)
    limit = VALUE_LIMIT if name in ECHOED else None if name in WORKED_OUT else TEXT_LIMIT
    return shown(value, limit)


def language_from_environment() -> str:
    """The language gettext would choose: the first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that
    is set, read as a colon-separated list of locales (es_ES.UTF-8, es, en_GB); its first entry in
    English or Spanish decides, and a list with neither (fr, C) means English."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            for locale in value.split(":"):
                language = locale.split("_")[0].split(".")[0].split("@")[0].lower()
                if language in LANGUAGES:
                    return language
            return "en"
    return "en"
