"""The command line's Spanish catalogue (gettext): it holds a translation of every text the command
line can show today, keeps every placeholder of each, and its compiled .mo is the .po's."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
from pathlib import Path

import pytest

babel = pytest.importorskip("babel")
from babel.messages.mofile import read_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _script():
    loader = importlib.machinery.SourceFileLoader("convcalc_messages", str(ROOT / "scripts" / "messages"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


MESSAGES = _script()
PO = MESSAGES.PO


def catalogue():
    with PO.open("rb") as stream:
        return read_po(stream)


def test_every_text_shown_has_a_spanish_translation():
    translations = catalogue()
    missing = []
    for message, where in MESSAGES.texts():
        key = message[0] if isinstance(message, tuple) else message
        entry = translations.get(key)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else \
            (entry.string,) if entry is not None else ("",)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(f"{where}: {key[:60]}")
    assert missing == [], "run `make messages` and translate the new texts in " + str(PO)


_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]")


@pytest.mark.parametrize("entry", [entry for entry in catalogue() if entry.id], ids=lambda entry: str(entry.id)[:40])
def test_a_translation_keeps_every_placeholder(entry):
    """The singular form keeps the singular text's placeholders; the plural forms the plural's."""
    ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    for index, string in enumerate(strings):
        english = ids[min(index, len(ids) - 1)]
        assert set(_PLACEHOLDER.findall(string)) == set(_PLACEHOLDER.findall(english)), string


def test_the_compiled_catalogue_is_the_translated_one():
    def texts(entries):
        return {tuple(entry.id) if isinstance(entry.id, (list, tuple)) else entry.id:
                tuple(entry.string) if isinstance(entry.string, (list, tuple)) else entry.string
                for entry in entries if entry.id and entry.string and not entry.fuzzy}

    with PO.with_suffix(".mo").open("rb") as stream:
        compiled = texts(read_mo(stream))
    assert compiled == texts(catalogue()), "run `make messages`"
