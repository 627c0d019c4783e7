"""Every error met reading a spec reads in Spanish under --lang es: pydantic's and PyYAML's texts,
field paths without pydantic's union labels, values as YAML writes them; English stays right.

Each case is a spec with » where the message must point (the marker is taken out before the run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from convcalc.cli import main

ENGLISH_WORDS = frozenset(
    line.strip() for line in (Path(__file__).parent / "english_words.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#"))
HEAD = "name: x\ninput: [3, 8, 8]\nlayers:\n"
MARK = "»"
FAR = HEAD + "  - relu\ndescription: >\n" + " " * 40 + "text\n"

# name: (spec with » at the place the message points to, the Spanish message after "file:line:col: " or None)
CASES = {
    # pydantic's errors, by type
    "int_type": (HEAD + "  - {type: conv2d, filters: »eight, kernel: 3}\n",
                 "conv2d: 'filters' no es válido: se esperaba un número entero; se recibió 'eight' (K: número de filtros = canales de salida)"),
    "union_of_types": (HEAD + "  - {type: conv2d, filters: 8, kernel: »{a: 1}}\n",
                       "conv2d: 'kernel' no es válido: se esperaba un número entero o una lista; se recibió {a: 1}"
                       " (tamaño de la ventana F: un entero o uno por eje espacial)"),
    "list_item": (HEAD + "  - {type: conv2d, filters: 8, kernel: [3, »1.5]}\n",
                  "conv2d: 'kernel[1]' no es válido: se esperaba un número entero; se recibió 1.5 (tamaño de la ventana F: un entero o uno por eje espacial)"),
    "bool_type": (HEAD + "  - {type: conv2d, filters: 8, kernel: 3, bias: »[true]}\n",
                  "conv2d: 'bias' no es válido: se esperaba un booleano (true o false); se recibió [true]"
                  " (sumar un sesgo aprendido por canal de salida)"),
    "float_type": (HEAD + "  - {type: layernorm, eps: »{a: null}}\n",
                   "layernorm: 'eps' no es válido: se esperaba un número; se recibió {a: null}"
                   " (se suma a la varianza antes de su raíz cuadrada)"),
    "string_type": ("name: »[a, b]\ninput: [3, 8, 8]\nlayers: [relu]\n",
                    "especificación: 'name' no es válido: se esperaba un texto; se recibió [a, b]"),
    "list_type": ("name: x\ninput: »{c: 3}\nlayers: [relu]\n",
                  "especificación: 'input' no es válido: se esperaba una lista; se recibió {c: 3}"),
    "dict_type": ("name: x\ninput: [3, 8, 8]\nbudget: »5\nlayers: [relu]\n",
                  "especificación: 'budget' no es válido: se esperaba un mapeo ({clave: valor}); se recibió 5"),
    "model_type": ("name: x\ninput: [3, 8, 8]\nlint: »off\nlayers: [relu]\n",
                   "especificación: 'lint' no es válido: se esperaba un mapeo ({clave: valor}); se recibió 'off'"),
    "literal_error": ("name: x\ninput: [3, 8, 8]\nlayout: »nhwc\nlayers: [relu]\n",
                      "especificación: 'layout' no es válido: se esperaba 'chw' o 'hwc'; se recibió 'nhwc'"),
    "literal_among_types": (HEAD + "  - {type: conv2d, filters: 8, kernel: 3, padding: »{a: 1}}\n",
                            "conv2d: 'padding' no es válido: se esperaba un número entero, una lista o uno de "
                            "'valid', 'same', 'same_pytorch', 'full'; se recibió {a: 1} (relleno P: entero, por eje, "
                            "pares [antes, después], 'valid' (0), 'same' (la regla de TensorFlow: O = ceil(W/S), "
                            "cualquier paso, el píxel sobrante después), 'same_pytorch' (`padding='same'` de PyTorch: "
                            "O = W, solo paso 1, P = d*(F-1), el píxel sobrante después), 'full')"),
    "greater_than": (HEAD + "  - {type: conv2d, filters: »0, kernel: 3}\n",
                     "conv2d: 'filters' no es válido: debe ser mayor que 0; se recibió 0 (K: número de filtros = canales de salida)"),
    "greater_than_equal": (HEAD + "  - {type: dropout, rate: »-0.5}\n",
                           "dropout: 'rate' no es válido: debe ser mayor o igual que 0; se recibió -0.5"
                           " (fracción de valores puestos a cero durante el entrenamiento)"),
    "less_than": (HEAD + "  - {type: dropout, rate: »1.5}\n",
                  "dropout: 'rate' no es válido: debe ser menor que 1; se recibió 1.5 (fracción de valores puestos a cero durante el entrenamiento)"),
    "less_than_equal": (HEAD + "  - {type: stochastic_depth, p: »2.0}\n",
                        "stochastic_depth: 'p' no es válido: debe ser menor o igual que 1; se recibió 2.0"
                        " (probabilidad de descartar durante el entrenamiento)"),
    "string_pattern_mismatch": ("name: x\ninput: [3, »2H, 8]\nlayers: [relu]\n",
                                "especificación: 'input[1]' no es válido: debe seguir el patrón "
                                "'^[A-Za-z_][A-Za-z0-9_]*$'; se recibió '2H'"),
    "too_short": ("name: x\ninput: [3, 8, 8]\nlayers: »[]\n",
                  "especificación: 'layers' no es válido: debe tener al menos 1 elemento, no 0; se recibió []"),
    "too_long": ("name: x\ninput: »[1, 3, 8, 8, 8]\nlayers: [relu]\n",
                 "especificación: 'input' no es válido: debe tener como mucho 4 elementos, no 5; "
                 "se recibió [1, 3, 8, 8, 8]"),
    "missing": ("»input: [3, 8, 8]\nlayers: [relu]\n", "especificación: falta 'name'"),
    "missing_in_layer": (HEAD + "  - »{type: conv2d, filters: 8}\n", "conv2d: falta 'kernel'"),
    "bool_parsing": ("name: x\ninput: [3, 8, 8]\nstrict: »maybe\nlayers: [relu]\n",
                     "especificación: 'strict' no es válido: se esperaba true o false; se recibió 'maybe'"),
    "finite_number": ("name: x\ninput: [3, 8, 8]\nbatch: ».inf\nlayers: [relu]\n",
                      "especificación: 'batch' no es válido: se esperaba un número finito; se recibió .inf"),
    "int_from_float": ("name: x\ninput: [3, »2.5, 8]\nlayers: [relu]\n",
                       "especificación: 'input[1]' no es válido: se esperaba un número entero, sin parte decimal; "
                       "se recibió 2.5"),
    "int_parsing": ("name: x\ninput: [5, 8]\ngraph: {edge_list: [[»a], [1]]}\nlayers: [relu]\n",
                    "especificación: 'graph.edge_list[0][0]' no es válido: se esperaba un número entero; "
                    "se recibió 'a'"),
    # convcalc's own checks, worded in the catalogue
    "reserved_word": ("name: x\ninput: [3, »lambda, 8]\nlayers: [relu]\n",
                      "especificación: 'input[1]' no es válido: 'lambda' es una palabra reservada; da otro nombre "
                      "al tamaño (H, W, N, ...); se recibió 'lambda'"),
    "size_not_boolean": ("name: x\ninput: [3, 8, 8]\nbatch: »true\nlayers: [relu]\n",
                         "especificación: 'batch' no es válido: un tamaño es un número entero o un símbolo, no "
                         "true/false; se recibió true"),
    "self_loop": ("name: x\ninput: [5, 8]\ngraph: {edge_list: »[[0, 1], [0, 2]]}\nlayers: [relu]\n",
                  "especificación: 'graph.edge_list' no es válido: una arista de un nodo a sí mismo: no incluyas "
                  "bucles (GCNConv y GATConv añaden uno en cada nodo); se recibió [[0, 1], [0, 2]]"),
    "edges_missing": ("name: x\ninput: [5, 8]\ngraph: »{}\nlayers: [relu]\n", None),
    # keys
    "unknown_key_with_aliases": (HEAD + "  - {type: conv2d, filters: 8, »kernal: 3}\n",
                                 "clave desconocida 'kernal' en conv2d (¿quisiste decir 'kernel'?); claves válidas: "
                                 "kernel (o kernel_size), stride, padding, dilation, bias, in_channels, filters "
                                 "(o out_channels), groups, connections, name, inputs, repeat, index_from, weights, "
                                 "train_only"),
    "unknown_key_top": ("name: x\ninput: [3, 8, 8]\n»layer: [relu]\n", None),
    "unknown_key_nested": ("name: x\ninput: [3, 8, 8]\nlint: {»ignored: [CC1]}\nlayers: [relu]\n",
                           "clave desconocida 'ignored' en lint (¿quisiste decir 'ignore'?); claves válidas: select, "
                           "ignore"),
    "same_field_twice": (HEAD + "  - {type: conv2d, filters: 8, kernel: 3, »kernel_size: 3}\n",
                         "'kernel_size' y 'kernel' son dos nombres del mismo campo de conv2d: da solo uno"),
    # PyYAML's problems (libyaml reads every spec)
    "unclosed_list": ("name: x\ninput: [3, 32\nlayers»:\n",
                      "YAML no válido: no se encontró la ',' o el ']' que se esperaba (¿una lista [...] sin "
                      "cerrar?)"),
    "unclosed_mapping": ("name: x\ninput: [3, 8, 8]\nlayers:\n  - {type: relu\n\n»", None),
    "mapping_values": ("name: a»: b\ninput: [3, 8, 8]\nlayers: [relu]\n",
                       "YAML no válido: aquí no se admite un valor de mapeo (¿un ':' de más, o una sangría "
                       "incorrecta?)"),
    "expected_colon": ("name: x\ninput: [3, 8, 8]\nlayers\n  - relu\n»", None),
    "expected_key": ("name: x\ninput: [3, 8, 8]\nlayers:\n  - conv2d:\n      filters: 8\n     »kernel: 3\n",
                     "YAML no válido: no se encontró la clave que se esperaba (revisa la sangría)"),
    "expected_dash": ("- relu\n»b: 1\n", "YAML no válido: no se encontró el '-' de un elemento de lista (revisa la "
                                       "sangría)"),
    "bad_character": ("name: »@x\ninput: [3, 8, 8]\nlayers: [relu]\n",
                      "YAML no válido: el carácter '@' no puede empezar un valor (YAML lo reserva): escribe el "
                      "texto entre comillas"),
    "undefined_alias": ("name: »*nope\ninput: [3, 8, 8]\nlayers: [relu]\n",
                        "YAML no válido: alias no definido: ningún ancla (&nombre) anterior tiene su nombre"),
    "duplicate_anchor": ("name: &a x\ndescription: »&a y\ninput: [3, 8, 8]\nlayers: [relu]\n", None),
    "unknown_escape": ('name: "x»\\q"\ninput: [3, 8, 8]\nlayers: [relu]\n', None),
    "hex_escape": ('name: "x\\x»ZZ"\ninput: [3, 8, 8]\nlayers: [relu]\n', None),
    "end_of_stream": ('input: [3, 8, 8]\nlayers: [relu]\nname: "x\n»', None),
    "document_start": ("name: x\ninput: [3, 8, 8]\nlayers: [relu]\n...\n»x\n", None),
    "anchor_name": ("name: &» x\ninput: [3, 8, 8]\nlayers: [relu]\n", None),
    "indentation_indicator": ("description: |»0\n  x\nname: x\ninput: [3, 8, 8]\nlayers: [relu]\n", None),
    "tag_handle": ("name: »!x!y x\ninput: [3, 8, 8]\nlayers: [relu]\n", None),
    "tag_end": ("name: !<x» x\ninput: [3, 8, 8]\nlayers: [relu]\n", None),
    "unknown_directive": ("%FOO» bar\n---\nname: x\ninput: [3, 8, 8]\nlayers: [relu]\n", None),
    "incompatible": ("»%YAML 2.0\n---\nname: x\ninput: [3, 8, 8]\nlayers: [relu]\n", None),
    # PyYAML's pure-Python parser reads a text that may nest deeper than convcalc allows (indented far)
    "python_unclosed_list": (FAR + "bad: [1, 2\n»", "YAML no válido: no se encontró la ',' o el ']' que se "
                                                  "esperaba (¿una lista [...] sin cerrar?)"),
    "python_bad_character": (FAR + "bad: »`x`\n", "YAML no válido: el carácter '`' no puede empezar un valor "
                                                 "(YAML lo reserva): escribe el texto entre comillas"),
    "python_undefined_alias": (FAR + "bad: »*nope\n", None),
}

# by hand: English stays English, and says the same
ENGLISH = {
    "union_of_types": "conv2d: 'kernel' is not valid: expected a valid integer or a valid list; got {a: 1} "
                      "(window size F: one int or one per spatial axis)",
    "list_item": "conv2d: 'kernel[1]' is not valid: expected a valid integer; got 1.5 "
                 "(window size F: one int or one per spatial axis)",
    "too_long": "spec: 'input' is not valid: should have at most 4 items, not 5; got [1, 3, 8, 8, 8] "
                "(input shape without the batch, in `layout` order; entries are sizes or symbols (H, W))",
    "unknown_key_with_aliases": "unknown key 'kernal' for conv2d (did you mean 'kernel'?); valid keys: "
                                "kernel (or kernel_size), stride, padding, dilation, bias, in_channels, filters "
                                "(or out_channels), groups, connections, name, inputs, repeat, index_from, weights, "
                                "train_only",
    "unclosed_list": "not valid YAML: did not find expected ',' or ']' (a [...] list left open?)",
    "undefined_alias": "not valid YAML: found undefined alias: no anchor (&name) above has its name",
}


def refused(tmp_path: Path, name: str, lang: str) -> tuple[str, str]:
    """(the place the case marks as file:line:column, the one line analyze writes on stderr)."""
    text = CASES[name][0]
    before = text[: text.index(MARK)]
    place = f"{tmp_path / 'spec.yaml'}:{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace(MARK, ""), encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", "--lang", lang, str(spec)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return place, lines[0]


def english_words_in(line: str) -> set[str]:
    """The words of ``line`` from the English list, leaving out what is code or echoed: quoted
    words and values, and the list of valid keys."""
    prose = re.sub(r"'[^']*'", "", line.split("claves válidas:")[0])
    return {word for word in re.findall(r"[a-z0-9_]+", prose.lower()) if word in ENGLISH_WORDS}


@pytest.mark.parametrize("name", sorted(CASES))
def test_spanish_errors_are_spanish(tmp_path, name):
    place, line = refused(tmp_path, name, "es")
    assert line.startswith(place + ": "), line
    message = line.removeprefix(place + ": ")
    assert english_words_in(message) == set(), message
    assert not re.search(r"[{\[]'|\b(True|False|None)\b", message), message  # no Python repr
    assert ".int" not in message and "constrained" not in message  # no pydantic union labels
    if CASES[name][1] is not None:
        assert message == CASES[name][1]


@pytest.mark.parametrize("name", sorted(ENGLISH))
def test_english_errors_stay_english(tmp_path, name):
    place, line = refused(tmp_path, name, "en")
    assert line == f"{place}: {ENGLISH[name]}"


def test_english_word_list_is_one_lowercase_word_a_line():
    lines = (Path(__file__).parent / "english_words.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")
    words = [line for line in lines if not line.startswith("#")]
    assert all(re.fullmatch(r"[a-z]+", line) for line in words), "one lowercase word a line"
    assert len(set(words)) == len(words) >= 40
    assert not ENGLISH_WORDS & {"a", "no", "con", "de", "en", "el", "la", "que", "se", "un", "una", "o", "y"}
