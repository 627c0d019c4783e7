"""Message catalogues, one module per language, keyed by stable message codes."""

from __future__ import annotations

import os

LANGUAGES = ("en", "es")


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


def translate(key: str, lang: str = "en", /, **params) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in (fragments in the same language)."""
    template = catalogue(lang).get(key) or catalogue("en")[key]
    return template.format(**{name: translate(value.key, lang, **value.params) if isinstance(value, Msg)
                              else str(value) for name, value in params.items()})


def language_from_environment() -> str:
    """``es`` when LC_ALL, LC_MESSAGES or LANG (first one set) names Spanish, else ``en``."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"
