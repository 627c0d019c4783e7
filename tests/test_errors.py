"""One test per error class: the message names the file, line (and column), the layer, what was
found and what would be valid; inconsistencies exit 1, unreadable specs exit 2."""

from __future__ import annotations

import textwrap

import pytest

from conftest import analyze_text
from convcalc.errors import ConvcalcError
from convcalc.loading import load_document, load_file
from convcalc.spec import parse_spec


def inconsistency(text: str, **options):
    analysis = analyze_text(text, **options)
    assert analysis.exit_code == 1
    (error,) = analysis.errors
    return error, error.render()


def unreadable(text: str) -> tuple[ConvcalcError, str]:
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document

    with pytest.raises(ConvcalcError) as caught:
        document = load_document(textwrap.dedent(text), "inline.yaml")
        analyze_document(document, parse_spec(document), Options())
    assert caught.value.exit_code == 2
    return caught.value, caught.value.render()


RESIDUAL = """\
name: r
input: [8, 32, 32]
layers:
  - conv2d: {name: a, filters: 8, kernel: 3}
  - add: {name: join, inputs: [a, input]}
"""


def test_residual_add_of_unequal_shapes():
    error, message = inconsistency(RESIDUAL)
    assert message.startswith("inline.yaml:5:5: join: ")
    assert "(8, 30, 30)" in message and "(8, 32, 32)" in message and "padding" in message


def test_concat_of_unequal_sizes():
    error, message = inconsistency("""\
        name: c
        input: [3, 16, 16]
        layers:
          - conv2d: {name: a, filters: 4, kernel: 3, padding: 1}
          - conv2d: {name: b, filters: 4, kernel: 3, inputs: [input]}
          - concat: {name: cat, inputs: [a, b]}
        """)
    assert message.startswith("inline.yaml:6:5: cat: ") and "(4, 16, 16)" in message and "(4, 14, 14)" in message


def test_multiply_broadcasts_size_one_but_not_other_sizes():
    ok = analyze_text("""\
        name: se
        input: [8, 10, 10]
        layers:
          - global_avgpool2d: {name: squeeze, keepdims: true}
          - multiply: {name: gate, inputs: [input, squeeze]}
        """)
    assert not ok.errors and ok.layers[-1].shape == (8, 10, 10)
    error, message = inconsistency("""\
        name: se
        input: [8, 10, 10]
        layers:
          - maxpool2d: {name: half, kernel: 2}
          - multiply: {name: gate, inputs: [input, half]}
        """)
    assert "gate" in message and "(8, 5, 5)" in message


def test_dense_inputs_that_do_not_match_flatten():
    error, message = inconsistency("""\
        name: d
        input: [16, 7, 7]
        layers:
          - flatten
          - dense: {name: fc, units: 10, in_features: 400}
        """)
    assert message.startswith("inline.yaml:5:5: fc: ") and "400" in message and "784" in message


def test_conv_declared_in_channels():
    error, message = inconsistency("name: c\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {name: c1, filters: 4, kernel: 3, "
                                   "in_channels: 1}\n")
    assert message.startswith("inline.yaml:4:5: c1: ") and "in_channels 1" in message and "3 channels" in message


def test_window_larger_than_padded_input():
    error, message = inconsistency("name: w\ninput: [1, 4, 4]\nlayers:\n  - conv2d: {name: big, filters: 1, kernel: 7, "
                                   "padding: 1}\n")
    assert message.startswith("inline.yaml:4:5: big: ") and "(7)" in message and "4 + 2 = 6" in message


def test_output_size_below_one():
    error, message = inconsistency("name: c\ninput: [1, 4, 4]\nlayers:\n  - crop2d: {name: cut, cropping: 2}\n")
    assert message.startswith("inline.yaml:4:5: cut: ") and "would be 0" in message


def test_dense_needs_a_flat_input():
    error, message = inconsistency("name: d\ninput: [3, 4, 4]\nlayers:\n  - dense: {name: fc, units: 2}\n")
    assert "fc" in message and "flatten" in message


def test_symbolic_add_of_sizes_that_always_differ():
    error, message = inconsistency(RESIDUAL.replace("[8, 32, 32]", "[8, H, W]"))
    assert message.startswith("inline.yaml:5:5: join: ") and "(8, H - 2, W - 2) vs (8, H, W)" in message


def test_symbolic_add_that_no_size_satisfies():
    # 2*floor(H/2) (pool then upsample) against H + 1 (padded): equal for no H, though never a constant gap
    error, message = inconsistency("""\
        name: r
        input: [8, H, W]
        layers:
          - maxpool2d: {kernel: 2}
          - upsample2d: {name: up, scale: 2}
          - zeropad2d: {name: pad, padding: [[0, 1], [0, 1]], inputs: [input]}
          - add: {name: join, inputs: [up, pad]}
        """)
    assert message.startswith("inline.yaml:7:5: join: ") and "no input size" in message


def test_strict_mode_turns_inexact_division_into_an_error():
    text = "name: s\ninput: [1, 8, 8]\nlayers:\n  - conv2d: {name: c, filters: 1, kernel: 3, stride: 2}\n"
    loose = analyze_text(text)
    assert loose.exit_code == 0 and "5/2" in loose.warnings[0].render() and "floor" in loose.warnings[0].render()
    error, message = inconsistency(text, strict=True)
    assert message.startswith("inline.yaml:4:5: c: ") and "5/2" in message


@pytest.mark.parametrize("layers, key, where, words", [
    ("  - relu\n  - add: {inputs: [relu1, nowhere]}\n", "unknown_input", "5:27", ["nowhere"]),
    ("  - relu: {name: a, inputs: [b]}\n  - relu: {name: b}\n", "forward_input", "4:30", ["'b'", "line 5"]),
    ("  - relu: {name: a}\n  - relu: {name: a}\n", "duplicate_name", "5:5", ["'a'", "line 4"]),
    ("  - conv2: {filters: 2, kernel: 3}\n", "unknown_type", "4:5", ["conv2", "did you mean 'conv2d'"]),
    ("  - conv2d: {filters: 2, kernal: 3}\n", "unknown_key", "4:26", ["kernal", "did you mean 'kernel'"]),
    ("  - conv2d: {filters: 2}\n", "missing_key", "4:13", ["kernel"]),
    ("  - conv2d: {filters: two, kernel: 3}\n", "invalid_value", "4:23", ["filters", "'two'"]),
    ("  - conv2d: {filters: 3, kernel: 3, groups: 2}\n", "invalid_value", "4:45", ["'groups'", "multiple of groups", "got 2"]),
    ("  - maxpool2d: {kernel: 2, padding: 2}\n", "invalid_value", "4:37", ["'padding'", "half the kernel", "got 2"]),
    ("  - add\n", "input_count", "4:5", ["add", "2 or more"]),
])
def test_spec_errors_name_the_place(layers, key, where, words):
    error, message = unreadable(f"name: e\ninput: [2, 8, 8]\nlayers:\n{layers}")
    assert error.key == key
    assert message.startswith(f"inline.yaml:{where}: "), message
    for word in words:
        assert word in message


@pytest.mark.parametrize("text, key, where", [
    ("name: x\ninput: [1, 2\n", "yaml_syntax", "3:1"),
    ("name: x\nlayers:\n\t- relu\n", "yaml_tab", "3:1"),
    ("name: x\nname: y\n", "yaml_duplicate_key", "2:1"),
    ("name: x\ninput: [1, 010, 8]\nlayers: [relu]\n", "yaml_leading_zero", "2:12"),
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
     "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n", "yaml_alias_bomb", None),
    ("x: " + "[" * 100 + "]" * 100 + "\n", "yaml_too_deep", None),
    ("", "file_empty", None),
    ("- just a list\n", "spec_not_mapping", "1:1"),
    ("name: x\ninput: [3, -1]\nlayers: [relu]\n", "invalid_value", "2:12"),
    ("name: x\ninput: [3, 8]\nlayers: [relu]\nextra: 1\n", "unknown_key", "4:1"),
    ("name: x\nlayers: [relu]\n", "missing_key", None),
])
def test_unreadable_files_name_the_place(text, key, where):
    error, message = unreadable(text)
    assert error.key == key
    if where:
        assert message.startswith(f"inline.yaml:{where}: "), message


def test_block_errors():
    base = """\
        name: b
        input: [4, 8, 8]
        blocks:
          unit:
            params: {width: null}
            layers:
              - conv2d: {filters: $width, kernel: 1}
          loop:
            layers:
              - loop
        layers:
        """
    error, message = unreadable(base + "  - unit: {widht: 3}\n")
    assert error.key == "unknown_block_param" and "did you mean 'width'" in message and ":12:12:" in message
    error, message = unreadable(base + "  - unit\n")
    assert error.key == "missing_block_param" and "'width'" in message
    error, message = unreadable(base + "  - loop\n")
    assert error.key == "block_recursion" and "loop -> loop" in message
    error, message = unreadable(base.replace("$width", "$(depth)") + "  - unit: {width: 2}\n")
    assert error.key == "bad_reference" and "depth" in message and ":7:27:" in message


def test_files_that_cannot_be_read(tmp_path):
    cases = {tmp_path / "missing.yaml": "file_not_found", tmp_path: "file_is_directory"}
    (tmp_path / "binary.yaml").write_bytes(b"name: \x00\x01")
    cases[tmp_path / "binary.yaml"] = "file_binary"
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    cases[tmp_path / "latin1.yaml"] = "file_not_utf8"
    for path, key in cases.items():
        with pytest.raises(ConvcalcError) as caught:
            load_file(path)
        assert caught.value.key == key
        assert caught.value.render().startswith(str(path))
    with pytest.raises(ConvcalcError) as caught:
        load_file(tmp_path / "latin1.yaml")
    assert caught.value.location.line == 1 and caught.value.location.column == 10


def test_yaml_1_1_booleans_stay_words():
    document = load_document("name: no\ninput: [1, 4, 4]\nlayers:\n  - conv2d: {filters: 1, kernel: 1, bias: no}\n", "x")
    assert document.data["name"] == "no"
    spec = parse_spec(document)
    assert spec.name == "no"
