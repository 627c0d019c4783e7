"""The analyze table fits the width it is given (COLUMNS, or the terminal's) without breaking a
name, a number or a shape: ResNet-50's 175 layers are 175 lines at 60, 80, 120 and 200 columns.

Expected cells, worked by hand: ResNet-50's conv1 is a 7x7 conv, 3 -> 64 channels, stride 2 on
3x224x224: 64x112x112 out, 7*7*3*64 = 9,408 parameters, 112*112*64 * 7*7*3 = 118,013,952 MACs
(9.4K and 118.0M abbreviated); 64*112*112*4 bytes = 3,211,264 = 3.1 MiB; receptive field 7x7.
"""

from __future__ import annotations


import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from conftest import one_spec
from convcalc.cli import main
from convcalc.render import shape_text

FULL_HEADER = ["layer", "type", "output shape", "params", "MACs", "memory", "receptive field"]
# The columns each width keeps (README: receptive field, then type, then memory are left out as the
# width shrinks, counts abbreviated before the next column goes) and conv1's cells in them.
EXPECTED = {
    200: (FULL_HEADER, ["conv1", "conv2d", "64x112x112", "9,408", "118,013,952", "3.1 MiB", "7x7"]),
    120: (FULL_HEADER, ["conv1", "conv2d", "64x112x112", "9,408", "118,013,952", "3.1 MiB", "7x7"]),
    80: (["layer", "output shape", "params", "MACs", "memory"], ["conv1", "64x112x112", "9,408", "118,013,952",
                                                                  "3.1 MiB"]),
    60: (["layer", "output shape", "params", "MACs"], ["conv1", "64x112x112", "9.4K", "118.0M"]),
}


def analyze(*args, columns=None):
    result = CliRunner().invoke(main, ["analyze", *args], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return result.stdout


def table_parts(text: str) -> tuple[list[list[str]], list[list[str]]]:
    """(header lines, body lines) of the first table, each line split into its cells."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    rule = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    bottom = next(i for i, line in enumerate(lines) if line.startswith("└"))

    def cells(line):
        return [cell.strip() for cell in line[1:-1].replace("┃", "│").split("│")]

    return [cells(line) for line in lines[top + 1:rule]], [cells(line) for line in lines[rule + 1:bottom]]


@pytest.fixture(scope="module")
def resnet50_layers():
    data = one_spec(analyze("resnet50", "--format", "json"))
    return [(layer["name"], shape_text(layer["output_shape"])) for layer in data["layers"]]


@pytest.mark.parametrize("width", sorted(EXPECTED))
def test_resnet50_is_one_line_per_layer_with_whole_cells(width, resnet50_layers):
    text = analyze("resnet50", columns=str(width))
    assert max(cell_len(line) for line in text.splitlines()) <= width
    header, body = table_parts(text)
    expected_header, conv1 = EXPECTED[width]
    assert header == [expected_header]  # one header line, every title whole
    assert len(body) == len(resnet50_layers) == 175
    shape = expected_header.index("output shape")
    assert [(row[0], row[shape]) for row in body] == resnet50_layers  # each name and shape whole, on its line
    assert body[0] == conv1


def test_the_depth_table_at_80_columns_is_one_line_per_row():
    text = analyze("resnet50", "--depth", "1", columns="80")
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    header, body = table_parts(text)
    assert len(header) == 1 and header[0][:2] == ["layer", "type"]
    assert [row[0] for row in body] == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                                        "avgpool", "flatten", "fc"]
    layer1 = body[4]
    assert "32 layers" in layer1 and "256x56x56" in layer1 and "215.8K" in layer1  # 215,808 parameters


def test_spanish_abbreviations_take_a_decimal_comma_and_long_titles_wrap_between_words():
    header, body = table_parts(analyze("resnet50", "--lang", "es", columns="60"))
    titles = [" ".join(word for word in words if word) for words in zip(*header)]
    assert titles == ["capa", "forma de salida", "parámetros", "MACs"]  # over two lines, each word whole
    assert len(header) == 2 and len(body) == 175
    assert body[0] == ["conv1", "64x112x112", "9,4K", "118,0M"]


def test_without_columns_a_pipe_gets_every_column_in_full():
    for columns in (None, "not-a-number", "0"):
        header, body = table_parts(analyze("resnet50", columns=columns))
        assert header == [FULL_HEADER] and body[0][4] == "118,013,952"


def test_below_the_narrowest_layout_the_table_still_prints():
    text = analyze("resnet50", columns="30")
    assert max(cell_len(line) for line in text.splitlines()) <= 30 and "Parameters: 25,557,032" in text.replace(
        "\n", " ")


def test_a_spanish_total_never_splits_a_grouped_figure_at_80_columns():
    """ResNet-18: 11,689,512 parameters and 9,600 batch-norm statistics, 11,699,112 in Keras's total."""
    lines = analyze("resnet18", "--lang", "es", columns="80").splitlines()
    totals = "\n".join(lines[lines.index(next(line for line in lines if line.startswith("Parámetros:"))):][:3])
    assert "11\u00a0699\u00a0112)" in totals and all(len(line) <= 80 for line in totals.splitlines())
    assert all(not line.rstrip().endswith(("11\u00a0699", "11")) for line in totals.splitlines())
