"""Message catalogues, one module per language, keyed by stable message codes."""

from __future__ import annotations

import os

from convcalc.text import VALUE_LIMIT, shown

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
    return template.format(**{name: _parameter(name, _in_language(value, lang)) for name, value in params.items()})


def _in_language(value, lang: str):
    if isinstance(value, PerLanguage):
        value = value.texts.get(lang, value.otherwise)
    return translate(value.key, lang, **value.params) if isinstance(value, Msg) else value


def _parameter(name: str, value) -> str:
    limit = VALUE_LIMIT if name in ECHOED else None if name in WORKED_OUT else TEXT_LIMIT
    return shown(value, limit)


def language_from_environment() -> str:
    """``es`` when LC_ALL, LC_MESSAGES or LANG (first one set) names Spanish, else ``en``."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"
