"""Homework checking: the notations students write, the slips `check` recognises, the lecture
notes' AlexNet table, and the `calc`, `explain` and `check` commands.

Every expected value is worked by hand (the arithmetic is in a comment) or taken from the lecture
notes (/work/shared/seeds/README.md, worked examples 4, 5, 6 and 10); none is copied from convcalc's
own output.
"""

from __future__ import annotations

import json
import textwrap
from fractions import Fraction

import pytest
from click.testing import CliRunner
from conftest import SPECS, analyze_file, analyze_text

from convcalc.cli import main
from convcalc.errors import ConvcalcError
from convcalc.homework import check, close, parse_bytes, parse_count, parse_shape
from convcalc.loading import load_document

ALEXNET = str(SPECS / "alexnet.yaml")
ALEXNET_ORIGINAL = SPECS / "alexnet_original.yaml"
AVERAGE_POOLING = SPECS / "examples" / "average_pooling.yaml"
LENET = SPECS / "lenet5.yaml"


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def answers(text: str, shown: str = "answers.yaml"):
    return load_document(textwrap.dedent(text), shown)


def interval(given):
    """The closed interval a parsed answer stands for."""
    return Fraction(given.value) - given.tolerance, Fraction(given.value) + given.tolerance


def only(verdicts):
    assert len(verdicts) == 1, verdicts
    return verdicts[0]


# ----- 1. the notations ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [34944, "34944", "34,944", "34 944", "34.944"])
def test_count_written_in_full_is_exact(text):
    # (11*11*3 + 1)*96 = 364*96 = 34,944; "34.944" is the Spanish thousands separator
    given = parse_count(text)
    assert given.value == 34944
    assert given.tolerance == 0


@pytest.mark.parametrize("text, low, high", [
    ("61M", 60_500_000, 61_500_000),             # 61 +- 0.5 million
    ("0.7 GFLOPs", 650_000_000, 750_000_000),    # 0.7 +- 0.05 billion
    ("1,2 millones", 1_150_000, 1_250_000),      # 1.2 +- 0.05 million, decimal comma
    ("105.4 million", 105_350_000, 105_450_000),  # 105.4 +- 0.05 million
    ("2.3K", 2_250, 2_350),                      # 2.3 +- 0.05 thousand
])
def test_rounded_counts_stand_for_an_interval(text, low, high):
    assert interval(parse_count(text)) == (low, high)


def test_rounded_count_accepts_the_exact_figure():
    # 55*55*96*11*11*3 = 290,400*363 = 105,415,200 MACs, written "105.4 million"
    assert close(parse_count("105.4 million"), 105_415_200, Fraction(0))
    assert not close(parse_count("105.3 million"), 105_415_200, Fraction(0))


@pytest.mark.parametrize("text", ["1.1 MiB", "1.16 MB", 1161600, "1134 KiB"])
def test_byte_notations(text):
    # 55*55*96 float32 values = 290,400*4 = 1,161,600 bytes
    # = 1.1078 MiB (1,161,600/1,048,576) -> "1.1 MiB" (+- 0.05 MiB)
    # = 1.1616 MB -> "1.16 MB" (+- 0.005 MB); = 1134.375 KiB -> "1134 KiB" (+- 0.5 KiB = 512 B)
    assert close(parse_bytes(text), 1_161_600, Fraction(0))


def test_byte_notations_are_binary_or_decimal():
    assert parse_bytes("1134 KiB").value == 1134 * 1024            # 1,161,216
    assert parse_bytes("1.16 MB").value == 1_160_000
    assert parse_bytes("1.1 MiB").value == Fraction(11, 10) * 1024 ** 2
    assert parse_bytes(1161600).value == 1161600 and parse_bytes(1161600).tolerance == 0
    assert not close(parse_bytes("1130 KiB"), 1_161_600, Fraction(0))  # 1,157,120 +- 512


@pytest.mark.parametrize("text, shape", [
    ("55x55x96", (55, 55, 96)),
    ("55×55×96", (55, 55, 96)),
    ("[96, 55, 55]", (96, 55, 55)),
    ([96, 55, 55], (96, 55, 55)),
    ("(96,55,55)", (96, 55, 55)),
    (4096, (4096,)),
])
def test_shape_notations(text, shape):
    assert parse_shape(text).value == shape


CONV1_SPEC = """
    name: conv1
    layout: hwc
    input: [227, 227, 3]
    layers:
      - conv2d: {name: conv1, filters: 96, kernel: 11, stride: 4}
"""


@pytest.mark.parametrize("written", [
    "34944", '"34,944"', "34,944", "34 944", "35K", "0.035M", "'34.944'",
    "34.944",
])
def test_notations_in_an_answers_file(written):
    # (11*11*3 + 1)*96 = 34,944; "35K" is 34.5K..35.5K, "0.035M" is 34,500..35,500
    verdict = only(check(analyze_text(CONV1_SPEC), answers(f"layers:\n  conv1:\n    params: {written}\n")))
    assert verdict.correct, (verdict.given, verdict.expected)


SMALL_CONV = """
    name: small conv
    layout: hwc
    input: [8, 8, 3]
    layers:
      - conv2d: {name: c, filters: 4, kernel: 3}
"""


@pytest.mark.parametrize("figure, text", [
    ("params", "lots"),
    ("params", "about 100"),
    ("params", "3e6"),
    ("macs", "12 bananas"),
    ("output_shape", "6 by 6 by 4"),
    ("memory", "1.1 MiBs"),
])
def test_unreadable_answer_is_located(figure, text):
    sheet = answers(f"""\
        layers:
          c:
            {figure}: "{text}"
        """)
    with pytest.raises(ConvcalcError) as caught:
        check(analyze_text(SMALL_CONV), sheet)
    error = caught.value
    assert error.key == "answer_unreadable"
    # line 3, the value after "    <figure>: " (1-based column)
    column = len(f"    {figure}: ") + 1
    assert str(error.location) == f"answers.yaml:3:{column}"
    assert error.render("en").startswith(f"answers.yaml:3:{column}: ")


def test_unreadable_answer_through_the_cli(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent(SMALL_CONV))
    sheet = tmp_path / "answers.yaml"
    sheet.write_text("layers:\n  c: {params: lots}\n")
    result = invoke("check", spec, sheet, "--lang", "en")
    assert result.exit_code == 2
    assert f"{sheet}:2:" in result.stderr and "params" in result.stderr
    assert "Traceback" not in result.output


# ----- 2. the slips -------------------------------------------------------------------------------
# SMALL_CONV: 8x8x3 input, 4 filters 3x3, stride 1, no padding (hwc)
#   output (8 - 3)/1 + 1 = 6 -> 6x6x4, 144 values, 576 bytes in float32
#   params (3*3*3 + 1)*4 = 28*4 = 112; without bias 27*4 = 108; depth forgotten (3*3 + 1)*4 = 40
#   MACs 6*6*4 * 3*3*3 = 144*27 = 3888

def grade(spec: str, sheet: str):
    return only(check(analyze_text(spec), answers(sheet)))


def test_slip_padding_counted_once():
    # 7x7x1, 2 filters 3x3, P=1, S=1: (7 - 3 + 2*1)/1 + 1 = 7; with P once (7 - 3 + 1)/1 + 1 = 6
    spec = """
        name: padded
        layout: hwc
        input: [7, 7, 1]
        layers:
          - conv2d: {name: c, filters: 2, kernel: 3, padding: 1}
    """
    verdict = grade(spec, "layers: {c: {output_shape: 6x6x2}}")
    assert (verdict.correct, verdict.mistake, verdict.expected) == (False, "padding_once", (7, 7, 2))


def test_slip_ceil_for_floor():
    # 8x8x2, max pool 3x3 stride 2: (8 - 3)/2 + 1 = 3.5 -> floor 3; ceil would give 4
    spec = """
        name: inexact
        layout: hwc
        input: [8, 8, 2]
        layers:
          - maxpool2d: {name: p, kernel: 3, stride: 2}
    """
    verdict = grade(spec, "layers: {p: {output_shape: 4x4x2}}")
    assert (verdict.correct, verdict.mistake, verdict.expected) == (False, "ceil_for_floor", (3, 3, 2))


def test_slip_floor_for_ceil():
    # 7x7x2, max pool 2x2 stride 2, ceil_mode: (7 - 2)/2 + 1 = 3.5 -> ceil 4; floor would give 3
    spec = """
        name: ceil mode
        layout: hwc
        input: [7, 7, 2]
        layers:
          - maxpool2d: {name: p, kernel: 2, stride: 2, ceil_mode: true}
    """
    verdict = grade(spec, "layers: {p: {output_shape: 3x3x2}}")
    assert (verdict.correct, verdict.mistake, verdict.expected) == (False, "floor_for_ceil", (4, 4, 2))


@pytest.mark.parametrize("given", [
    7776,
    7920,
], ids=["two_per_mac", "with_bias_additions"])
def test_slip_flops_for_macs(given):
    # 2 FLOPs per multiply-accumulate: 2*3888 = 7776; with the bias additions 7776 + 144 = 7920
    # (what convcalc reports as this layer's FLOPs), given where the MACs (3888) were asked
    verdict = grade(SMALL_CONV, f"layers: {{c: {{macs: {given}}}}}")
    assert (verdict.correct, verdict.mistake, verdict.expected) == (False, "flops_for_macs", 3888)


NO_BIAS_CONV = SMALL_CONV.replace("kernel: 3}", "kernel: 3, bias: false}")


@pytest.mark.parametrize("spec", [
    NO_BIAS_CONV,
    SMALL_CONV,
], ids=["without_bias", "with_bias"])
def test_slip_macs_for_flops(spec):
    # the MACs, 6*6*4*3*3*3 = 3888, given where the FLOPs were asked
    verdict = grade(spec, "layers: {c: {flops: 3888}}")
    assert not verdict.correct
    assert verdict.mistake == "macs_for_flops"


NON_SQUARE = """
    name: non-square
    layout: hwc
    input: [10, 6, 1]
    layers:
      - conv2d: {name: c, filters: 2, kernel: 3}
"""
# H: 10 - 3 + 1 = 8, W: 6 - 3 + 1 = 4 -> 8x4x2


@pytest.mark.parametrize("spec, sheet, mistake, expected", [
    (SMALL_CONV, "{params: 108}", "bias_forgotten", 112),  # 3*3*3*4 = 108 weights, + 4 biases
    (SMALL_CONV, "{params_without_bias: 112}", "bias_counted", 108),
    (SMALL_CONV, "{params: 40}", "depth_forgotten", 112),  # (3*3 + 1)*4: the input depth 3 left out
    (SMALL_CONV, "{params: 121}", "digits_swapped", 112),  # the last two digits exchanged
    (SMALL_CONV, "{memory: 144}", "count_for_bytes", 576),  # 6*6*4 = 144 values, 144*4 bytes
    (NON_SQUARE, "{output_shape: 4x8x2}", "height_width_swapped", (8, 4, 2)),
    (NON_SQUARE, "{output_shape: [2, 8, 4]}", "layout_order", (8, 4, 2)),  # channels first in an hwc spec
])
def test_slip_named(spec, sheet, mistake, expected):
    verdict = grade(spec, f"layers: {{c: {sheet}}}")
    assert (verdict.correct, verdict.mistake, verdict.expected) == (False, mistake, expected)


def test_right_shape_in_the_specs_order():
    assert grade(NON_SQUARE, "layers: {c: {output_shape: 8x4x2}}").correct


def test_unrecognised_wrong_answer_has_no_slip():
    verdict = grade(SMALL_CONV, "layers: {c: {params: 999}}")
    assert (verdict.correct, verdict.mistake) == (False, None)


def test_slip_rounded_average_pooling_of_the_lecture_notes():
    # item 6: 2x2 average pooling, stride 2; the notes print [[36, 80], [12, 15]]
    # (31 + 15 + 0 + 100)/4 = 146/4 = 36.5; (28 + 184 + 70 + 38)/4 = 320/4 = 80
    # (12 + 12 + 12 + 12)/4 = 12; (7 + 2 + 45 + 6)/4 = 60/4 = 15
    verdict = only(check(analyze_file(AVERAGE_POOLING),
                         answers("layers: {pooled: {values: [[36, 80], [12, 15]]}}")))
    assert not verdict.correct
    assert verdict.mistake == "rounded"
    assert verdict.expected == [[36.5, 80], [12, 15]]


def test_exact_average_pooling_values_are_right():
    verdict = only(check(analyze_file(AVERAGE_POOLING),
                         answers("layers: {pooled: {values: [[36.5, 80], [12, 15]]}}")))
    assert verdict.correct


# AlexNet (torchvision): 61,100,840 params (torchvision's num_params, in the spec's header)
# "61M" stands for 60.5M..61.5M; 1% of 61,100,840 is 611,008.

def test_rounded_total_accepted():
    verdict = only(check(analyze_file(ALEXNET), answers("totals: {params: 61M}")))
    assert verdict.correct and verdict.expected == 61_100_840


def test_rounded_total_off_by_a_million_rejected():
    # 60M: 59.5M..60.5M, and |60,000,000 - 61,100,840| = 1,100,840 > 611,008 even with 1%
    verdict = only(check(analyze_file(ALEXNET), answers("tolerance: 1%\ntotals: {params: 60M}")))
    assert not verdict.correct


def test_file_tolerance_accepts_a_near_exact_answer():
    # |61,000,000 - 61,100,840| = 100,840 <= 611,008 (1%); without a tolerance it must be exact
    sheet = "totals: {params: '61,000,000'}"
    assert only(check(analyze_file(ALEXNET), answers("tolerance: 1%\n" + sheet))).correct
    assert not only(check(analyze_file(ALEXNET), answers(sheet))).correct


# ----- 3. the lecture notes' AlexNet table (item 10) ---------------------------------------------
# units: conv1 55*55*96 = 290,400; conv2 27*27*256 = 186,624; conv3 13*13*384 = 64,896;
#        conv4 13*13*384 = 64,896 (the table prints 64,869); conv5 13*13*256 = 43,264
# weights: conv1 11*11*3*96 = 34,848; conv2 5*5*48*256 = 307,200; conv3 3*3*256*384 = 884,736;
#          conv4 3*3*192*384 = 663,552; conv5 3*3*192*256 = 442,368; fc6 9216*4096 = 37,748,736;
#          fc7 4096*4096 = 16,777,216; fc8 4096*1000 = 4,096,000
# total 2,332,704 + 58,621,952 = 60,954,656

ALEXNET_TABLE = """\
    layers:
      conv1: {units: "290,400", params: "34,848"}
      conv2: {units: "186,624", params: "307,200"}
      conv3: {units: "64,896", params: "884,736"}
      conv4: {units: "64,869", params: "663,552"}
      conv5: {units: "43,264", params: "442,368"}
      fc6: {units: 4096, params: "37,748,736"}
      fc7: {units: 4096, params: "16,777,216"}
      fc8: {units: 1000, params: "4,096,000"}
    totals: {params: "60,954,656"}
"""


def test_alexnet_table_has_one_slip():
    verdicts = check(analyze_file(ALEXNET_ORIGINAL), answers(ALEXNET_TABLE))
    assert len(verdicts) == 17
    wrong = [v for v in verdicts if not v.correct]
    assert len(wrong) == 1
    (slip,) = wrong
    assert (slip.layer, slip.figure, slip.mistake, slip.expected) == ("conv4", "units", "digits_swapped", 64_896)
    assert slip.location.line == 5


def test_alexnet_table_through_the_cli(tmp_path):
    sheet = tmp_path / "table.yaml"
    sheet.write_text(textwrap.dedent(ALEXNET_TABLE))
    result = invoke("check", ALEXNET_ORIGINAL, sheet, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["correct"], report["total"]) == (16, 17)
    (slip,) = [a for a in report["answers"] if not a["correct"]]
    assert (slip["layer"], slip["figure"], slip["expected"], slip["mistake"]) == ("conv4", "units", 64896,
                                                                                   "digits_swapped")


# ----- 4. convcalc calc ---------------------------------------------------------------------------

CONV1 = ["calc", "conv", "--input", "227x227x3", "--filters", "96", "--kernel", "11", "--stride", "4"]


def test_calc_conv_text():
    result = invoke(*CONV1, "--lang", "en")
    assert result.exit_code == 0
    # (227 - 11 + 2*0)/4 + 1 = 216/4 + 1 = 55; (11*11*3 + 1)*96 = 364*96 = 34,944
    for text in ("55x55x96", "34,944", "(227 - 11 + 2*0)/4 + 1", "(11*11*3 + 1)*96"):
        assert text in result.output


def test_calc_conv_json():
    result = invoke(*CONV1, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["output_shape"] == [55, 55, 96]
    assert data["params"] == 34944
    assert data["macs"] == 55 * 55 * 96 * 11 * 11 * 3 == 105_415_200
    # FLOPs: 2 per MAC plus one addition per output for the bias: 2*105,415,200 + 290,400
    assert data["flops"] == 2 * 105_415_200 + 55 * 55 * 96
    assert data["activation_elements"] == 290_400  # 55*55*96
    steps = data["layers"][-1]["steps"]
    shape = next(s for s in steps if s["figure"] == "shape")
    assert (shape["substituted"], shape["value"]) == ("(227 - 11 + 2*0)/4 + 1", 55)
    params = next(s for s in steps if s["figure"] == "params")
    assert (params["substituted"], params["value"]) == ("(11*11*3 + 1)*96", 34944)
    assert all({"formula", "substituted", "value"} <= set(step) for step in steps)


def test_calc_conv_channels_first():
    result = invoke("calc", "conv", "--layout", "chw", "--input", "3x227x227", "--filters", "96",
                    "--kernel", "11", "--stride", "4", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["output_shape"] == [96, 55, 55]


def test_calc_conv_spatial_size_and_channels():
    full = json.loads(invoke(*CONV1, "--format", "json").stdout)
    short = invoke("calc", "conv", "--input", "227", "--channels", "3", "--filters", "96", "--kernel", "11",
                   "--stride", "4", "--format", "json")
    assert short.exit_code == 0
    assert json.loads(short.stdout) == full


@pytest.mark.parametrize("size, kernel, stride, padding, out", [
    # item 4, 7x7 input: (7-3)/1+1 = 5; (7-5)/1+1 = 3; (7-3)/2+1 = 3; (7-3+2)/1+1 = 7
    (7, 3, 1, 0, 5), (7, 5, 1, 0, 3), (7, 3, 2, 0, 3), (7, 3, 1, 1, 7),
    # item 5, 5x5 input, F=3: (5-3+2)/1+1 = 5; (5-3)/1+1 = 3; (5-3)/2+1 = 2
    (5, 3, 1, 1, 5), (5, 3, 1, 0, 3), (5, 3, 2, 0, 2),
])
def test_calc_conv_lecture_examples(size, kernel, stride, padding, out):
    result = invoke("calc", "conv", "--input", f"{size}x{size}", "--filters", 1, "--kernel", kernel,
                    "--stride", stride, "--padding", padding, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output_shape"] == [out, out, 1]


def test_calc_pool_six_to_three():
    # item 8: 2x2 pooling, stride 2 (the default, the kernel): (6 - 2)/2 + 1 = 3
    result = invoke("calc", "pool", "--input", "6x6", "--kernel", 2, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["output_shape"] == [3, 3, 1]
    assert "3x3" in invoke("calc", "pool", "--input", "6x6", "--kernel", 2).output


def test_calc_dense():
    # 6*6*256 = 9216 inputs: (9216 + 1)*4096 = 37,752,832
    result = invoke("calc", "dense", "--input", "6x6x256", "--units", 4096, "--lang", "en")
    assert result.exit_code == 0
    assert "37,752,832" in result.output
    data = json.loads(invoke("calc", "dense", "--input", "6x6x256", "--units", 4096, "--format", "json").stdout)
    assert data["params"] == (9216 + 1) * 4096 == 37_752_832


def test_calc_impossible_conv():
    result = invoke("calc", "conv", "--input", "5x5", "--filters", 1, "--kernel", 7, "--lang", "en")
    assert result.exit_code == 1
    # (5 - 7 + 2*0)/1 + 1 = -1: the 7x7 window does not fit in the 5x5 input
    assert "(7)" in result.stderr and "larger" in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_calc_in_spanish():
    result = invoke(*CONV1, "--lang", "es")
    assert result.exit_code == 0
    assert "parámetros" in result.output


# ----- 5. convcalc explain ------------------------------------------------------------------------
# features.0: (224 - 11 + 2*2)/4 + 1 = 217/4 + 1 = 55.25 -> PyTorch floors it to 55

def test_explain_inexact_division_in_english():
    result = invoke("explain", ALEXNET, "--layer", "features.0", "--lang", "en")
    assert result.exit_code == 0
    assert "217/4" in result.output
    assert "55.25" in result.output and "floor" in result.output and "55" in result.output
    assert "PyTorch" in result.output


def test_explain_inexact_division_in_spanish():
    result = invoke("explain", ALEXNET, "--layer", "features.0", "--lang", "es")
    assert result.exit_code == 0
    assert "217/4" in result.output and "55,25" in result.output
    assert "redondea" in result.output and "hacia abajo" in result.output
    assert "rounds" not in result.output


def test_explain_json_is_a_json_document():
    result = invoke("explain", ALEXNET, "--layer", "features.0", "--format", "json")
    assert result.exit_code == 0
    json.loads(result.stdout)


def test_explain_json_steps():
    result = invoke("explain", ALEXNET, "--layer", "features.0", "--format", "json")
    assert result.exit_code == 0
    data, _ = json.JSONDecoder().raw_decode(result.stdout)  # the document, without what follows it
    (layer,) = data["layers"]
    assert layer["name"] == "features.0"
    steps = layer["steps"]
    assert all({"formula", "substituted", "value"} <= set(step) for step in steps)
    shape = next(s for s in steps if s["figure"] == "shape")
    assert "217/4" in shape["substituted"] and shape["value"] == 55
    params = next(s for s in steps if s["figure"] == "params")
    assert params["value"] == (11 * 11 * 3 + 1) * 64  # 364*64 = 23,296


def test_explain_symbolic(tmp_path):
    # input [1, H, W]: c1 H - 4; s2 floor((H - 4)/2); c3 floor((H - 4)/2) - 4 = floor((H - 12)/2);
    # s4 floor(floor((H - 12)/2)/2) = floor((H - 12)/4)
    spec = tmp_path / "lenet_symbolic.yaml"
    spec.write_text(LENET.read_text().replace("input: [1, 32, 32]", "input: [1, H, W]"))
    result = invoke("explain", spec, "--layer", "s4", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "floor((H - 12)/4)" in result.output and "floor((W - 12)/4)" in result.output


def test_explain_unknown_layer():
    result = invoke("explain", ALEXNET, "--layer", "feature.0", "--lang", "en")
    assert result.exit_code == 2
    assert "feature.0" in result.stderr and "did you mean 'features.0'" in result.stderr


# ----- 6. convcalc check --------------------------------------------------------------------------
# LeNet-5: c1 (32 - 5)/1 + 1 = 28 -> [6, 28, 28], params (5*5*1 + 1)*6 = 156
# totals 156 + (5*5*6 + 1)*16 + (400 + 1)*120 + (120 + 1)*84 + (84 + 1)*10
#      = 156 + 2416 + 48120 + 10164 + 850 = 61,706

def write_answers(tmp_path, text):
    path = tmp_path / "answers.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_check_all_right(tmp_path):
    sheet = write_answers(tmp_path, """\
        layers:
          c1: {output_shape: [6, 28, 28], params: 156}
        totals: {params: "61,706"}
    """)
    result = invoke("check", LENET, sheet, "--lang", "en")
    assert result.exit_code == 0, result.output


def test_check_one_wrong(tmp_path):
    sheet = write_answers(tmp_path, """\
        layers:
          c1: {output_shape: [6, 28, 28], params: 150}
    """)
    result = invoke("check", LENET, sheet, "--lang", "en")
    assert result.exit_code == 1
    # 150 = 5*5*1*6, the count without the 6 biases
    assert "156" in result.output


def test_check_unknown_layer(tmp_path):
    sheet = write_answers(tmp_path, "layers:\n  comv4: {params: 663552}\n")
    result = invoke("check", ALEXNET_ORIGINAL, sheet, "--lang", "en")
    assert result.exit_code == 2
    assert "'comv4'" in result.stderr and "did you mean 'conv4'" in result.stderr
    assert f"{sheet}:2:3" in result.stderr


def test_check_unknown_figure(tmp_path):
    sheet = write_answers(tmp_path, "layers:\n  c1: {parms: 156}\n")
    result = invoke("check", LENET, sheet, "--lang", "en")
    assert result.exit_code == 2
    assert "parms" in result.stderr and "did you mean 'params'" in result.stderr


def test_check_json(tmp_path):
    sheet = write_answers(tmp_path, """\
        layers:
          c1: {output_shape: [6, 28, 28], params: 150}
    """)
    result = invoke("check", LENET, sheet, "--format", "json", "--lang", "en")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    shape, params = report["answers"]
    for answer in (shape, params):
        assert {"correct", "expected", "mistake", "hint", "derivation"} <= set(answer)
    assert (shape["correct"], shape["expected"], shape["mistake"], shape["hint"]) == (True, [6, 28, 28], None, None)
    assert (params["correct"], params["expected"], params["mistake"]) == (False, 156, "bias_forgotten")
    assert "bias" in params["hint"]
    assert any("(5*5*1 + 1)*6" in step for step in params["derivation"])


def test_check_json_hint_in_spanish(tmp_path):
    sheet = write_answers(tmp_path, "layers:\n  c1: {params: 150}\n")
    result = invoke("check", LENET, sheet, "--format", "json", "--lang", "es")
    (answer,) = json.loads(result.stdout)["answers"]
    assert "sesgo" in answer["hint"]
