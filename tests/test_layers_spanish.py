"""`convcalc layers --lang es` is Spanish throughout: every field described, the formulas and
their labels, the defaults as a spec writes them; only code (types, fields, quoted text) stays."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc.cli import main
from convcalc.graph import ENTRY_KEYS
from convcalc.layers import REGISTRY
from convcalc.spec import field_names

ENGLISH_WORDS = Path(__file__).with_name("english_words.txt")
FIELD_LINE = re.compile(r"^    (\w+)((?: (?:o|or) \w+)*) \((obligatorio|required|por defecto: .*?|default: .*?)\)(?:: (.*))?$")
CODE_SPANS = re.compile(r"`[^`\n]*`|(?<!\w)'[^'\n]*'(?!\w)|\"[^\"\n]*\"")


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def field_lines(text: str) -> dict[str, str]:
    """field name -> its description, from the lines of one layer type."""
    return {match[1]: match[4] or "" for line in text.splitlines() if (match := FIELD_LINE.match(line))}


def code_tokens() -> set[str]:
    """Names that are code in any language: layer types, fields and their aliases, entry keys."""
    tokens = set(REGISTRY) | set(ENTRY_KEYS)
    for cls in REGISTRY.values():
        tokens.update(name for names in field_names(cls).values() for name in names)
    return tokens


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_field_has_its_spanish_description(kind):
    cls = REGISTRY[kind]
    spanish, english = field_lines(invoke("layers", "--lang", "es", kind)), field_lines(invoke("layers", kind))
    assert set(spanish) == set(cls.model_fields), kind
    for name, info in cls.model_fields.items():
        assert spanish[name] and spanish[name] == info.json_schema_extra["es"], (kind, name)
        assert spanish[name] != english[name], (kind, name)


def test_conv2d_in_spanish():
    lines = invoke("layers", "--lang", "es", "conv2d").splitlines()
    assert lines[0] == "conv2d: convolución: K filtros se deslizan sobre la entrada  (entradas: 1)"
    for expected in (
        "    kernel o kernel_size (obligatorio): tamaño de la ventana F: un entero o uno por eje espacial",
        "    stride (por defecto: null): paso S entre ventanas",
        "    bias (por defecto: true): sumar un sesgo aprendido por canal de salida",
        "    forma = O = floor((W + P_lo + P_hi - d*(F-1) - 1)/S) + 1   [= (W - F + 2P)/S + 1 cuando d = 1]",
        "    parámetros = (F^r * D/G + 1) * K, D la profundidad de la entrada   [el (F*F*D + 1)*K de los apuntes]",
        "    MACs = K * O^r * F^r * D/G",
        "    campo receptivo = r_out = r_in + d*(F-1)*j_in;  j_out = j_in*S",
        "    FLOPs: 2 por multiplicación-acumulación, más 1 por elemento de salida para el sesgo",
    ):
        assert expected in lines


def test_defaults_are_shown_as_a_spec_writes_them():
    text = invoke("layers", "--lang", "es", "layernorm", "channel_shuffle", "maxpool2d")
    assert '    over (por defecto: "all"): ' in text
    assert "    eps (por defecto: 1e-05): se suma a la varianza antes de su raíz cuadrada" in text
    assert "    forma = sin cambios (C divisible por groups)" in text
    assert "    ceil_mode (por defecto: false): redondear hacia arriba el tamaño de salida" in text
    assert not re.search(r"por defecto: (None|True|False)\)", invoke("layers", "--lang", "es"))


def test_the_keys_of_every_entry_close_the_full_listing():
    text = invoke("layers", "--lang", "es")
    tail = text[text.index("Toda entrada, sea del tipo que sea, admite además:"):].splitlines()[1:]
    assert {line.split(":")[0].strip() for line in tail} == set(ENTRY_KEYS)
    assert "    repeat: apilar esta entrada N veces, con los nombres name.0, name.1, ..." in tail
    assert "Toda entrada" not in invoke("layers", "--lang", "es", "conv2d")


def test_no_english_word_in_the_spanish_reference():
    words = {line.strip() for line in ENGLISH_WORDS.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    prose = CODE_SPANS.sub(" ", invoke("layers", "--lang", "es"))
    tokens = {token for token in re.findall(r"\w+", prose.lower())} - code_tokens()
    assert sorted(tokens & words) == []


def test_json_carries_the_spanish_texts_under_lang_es():
    entries = {entry["type"]: entry for entry in json.loads(invoke("layers", "--lang", "es", "--format", "json",
                                                                   "dense"))}
    dense = entries["dense"]
    assert dense["summary"].startswith("capa densa")
    assert {field["name"]: field["description"] for field in dense["fields"]}["units"] == "número de salidas (neuronas)"
    assert dense["formulas"]["params"] == "(entradas + 1) * neuronas"
    english = json.loads(invoke("layers", "--format", "json", "dense"))[0]
    assert english["formulas"]["params"] == "(inputs + 1) * units" and english["fields"][0]["description"]
