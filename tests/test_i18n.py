"""The message catalogues: English and Spanish agree on keys and fields, and the code uses only known keys."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from convcalc.i18n import language_from_environment, translate
from convcalc.i18n.en import MESSAGES as EN
from convcalc.i18n.es import MESSAGES as ES
from convcalc.layers import REGISTRY

PACKAGE = Path(__file__).resolve().parent.parent / "convcalc"

_Q = r"""["']"""  # a plain (non-f) string literal's quote; an f-string has an f before its quote
_KEY = rf"{_Q}(\w+){_Q}"
KEY_PATTERNS = [
    re.compile(rf"\bConvcalcError\(\s*{_KEY}"),
    re.compile(rf"\bLayerError\(\s*{_KEY}"),
    re.compile(rf"\bFinding\(\s*{_Q}(?:error|warning){_Q}\s*,\s*{_KEY}"),
    re.compile(rf"\btranslate\(\s*{_KEY}"),
    # check.<method>(arguments without string literals, "key", ...)
    re.compile(rf"\bcheck\.\w+\([^\"']{{0,200}}?{_KEY}"),
]
# Keys built with an f-string (translate(f"col_{key}", ...)), listed by hand.
COLUMN_KEYS = {"col_layer", "col_type", "col_shape", "col_params", "col_macs", "col_memory", "col_rf", "col_input"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def keys_used_in_code() -> set[str]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for pattern in KEY_PATTERNS:
            found.update(pattern.findall(source))
    return found | COLUMN_KEYS


def test_same_keys():
    assert sorted(set(EN) - set(ES)) == [], "keys missing from es.py"
    assert sorted(set(ES) - set(EN)) == [], "keys in es.py that en.py does not have"


@pytest.mark.parametrize("key", sorted(EN))
def test_same_fields(key):
    assert key in ES
    assert fields(ES[key]) == fields(EN[key]), key
    assert ES[key].strip(), key


def test_every_key_used_in_code_exists():
    used = keys_used_in_code()
    assert len(used) >= 40, f"the scan found only {len(used)} keys: the patterns no longer match the code"
    missing = sorted(used - set(EN))
    assert missing == [], f"keys used in the code but absent from en.py: {missing}"


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_layer_texts_in_both_languages(kind):
    cls = REGISTRY[kind]
    for attribute in ("summary", "flop_rule"):
        texts = getattr(cls, attribute)
        for lang in ("en", "es"):
            assert isinstance(texts.get(lang), str) and texts[lang].strip(), f"{kind}.{attribute}[{lang!r}]"


def test_condition_in_spanish():
    assert translate("cond_divisible", "es", subject="H - 1", divisor=32) == "H - 1 divisible entre 32"


def test_every_message_formats():
    """translate() fills every message with its own fields (doubled braces come out single)."""
    broken = []
    for catalogue, lang in ((EN, "en"), (ES, "es")):
        for message_key, template in catalogue.items():
            try:
                translate(message_key, lang, **{name: "x" for name in fields(template)})
            except Exception as error:  # e.g. a field named like one of translate()'s own parameters
                broken.append(f"{lang}:{message_key}: {type(error).__name__}: {error}")
    assert broken == []
    assert translate("cond_in", "es", name="W", values="1, 2") == "W en {1, 2}"


@pytest.mark.parametrize("lang_value, expected", [("es_AR.UTF-8", "es"), ("C", "en")])
def test_language_from_environment(monkeypatch, lang_value, expected):
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", lang_value)
    assert language_from_environment() == expected


# gettext's order and reading: the first variable set wins, as a colon-separated list whose first
# English or Spanish entry decides (a list with neither is English, as gettext falls back to the text).
@pytest.mark.parametrize("environment, expected", [
    ({"LANGUAGE": "es", "LC_ALL": "en_US.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
    ({"LANGUAGE": "fr:es_MX:en", "LANG": "en_US.UTF-8"}, "es"),
    ({"LANGUAGE": "fr", "LANG": "es_ES.UTF-8"}, "en"),
    ({"LANGUAGE": "", "LC_ALL": "es_ES@euro", "LANG": "en_US"}, "es"),
    ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "es_ES.UTF-8"}, "en"),
    ({"LANG": "ES_es.UTF-8"}, "es"),
    ({}, "en"),
])
def test_language_variables_are_read_as_gettext_reads_them(monkeypatch, environment, expected):
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert language_from_environment() == expected


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_key_is_written_twice_in_a_catalogue(language):
    """A dict literal keeps the last of two equal keys without a word: two messages would share one."""
    import ast

    tree = ast.parse((PACKAGE / "i18n" / f"{language}.py").read_text(encoding="utf-8"))
    catalogue = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                     and getattr(node.targets[0], "id", None) == "MESSAGES")
    keys = [key.value for key in catalogue.keys]
    assert sorted({key for key in keys if keys.count(key) > 1}) == []
