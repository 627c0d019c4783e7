"""Worked numbers for the figures of transposed convolution (as its equivalent direct convolution,
Dumoulin & Visin 2016, "A guide to convolution arithmetic", relationship 14), batch norm, concat
and global pooling: figures worked by hand, and the equivalence itself checked with torch."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from convcalc.cli import main


def invoke(*args: str, input: str | None = None):
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def steps(document: dict, layer: int = 0) -> dict:
    return {(step["figure"], step["axis"]): step for step in document["layers"][layer]["steps"]}


TCONV = ("calc", "tconv", "--input", "4x4x3", "--filters", "4", "--kernel", "3", "--stride", "2", "--padding", "1",
         "--output-padding", "1")


def test_transposed_conv_as_its_direct_convolution_by_hand():
    # O = (4 - 1)*2 - 1 - 1 + 1*(3-1) + 1 + 1 = 8; stretched W' = (4 - 1)*2 + 1 = 7 (one zero between
    # neighbours); P'_lo = 2 - 1 = 1, P'_hi = 2 - 1 + 1 = 2; O = 7 + 1 + 2 - 2 = 8;
    # params 3*4*3*3 + 4 = 112; MACs 4*4 inputs * 3*4*3*3 = 1,728; FLOPs 2*1728 + 8*8*4 = 3,712
    found = steps(json.loads(invoke(*TCONV, "--format", "json")))
    assert found["shape", None]["substituted"] == "(4 - 1)*2 - 1 - 1 + 1*(3-1) + 1 + 1"
    assert {figure: found[figure, None]["value"] for figure in (
        "shape", "stretched_input", "equivalent_padding_before", "equivalent_padding_after", "shape_direct",
        "params", "macs", "flops")} == {
        "shape": 8, "stretched_input": 7, "equivalent_padding_before": 1, "equivalent_padding_after": 2,
        "shape_direct": 8, "params": 112, "macs": 1728, "flops": 3712}
    # over the 8x8 outputs the direct convolution would multiply 8*8*4*3*3*3 = 6,912 times
    assert "8*8*4*3*3*3 = 6912" in found["macs", None]["note"]
    text = invoke(*TCONV)
    assert "W' = (W - 1)*S + 1 = (4 - 1)*2 + 1 = 7" in text and "S - 1 = 1" in text
    assert "P'_hi = d*(F-1) - P_hi + a = 1*(3-1) - 1 + 1 = 2" in text
    assert "entrada estirada" in invoke(*TCONV, "--lang", "es")


@pytest.mark.parametrize("size, kernel, stride, padding, extra, dilation", [
    (4, 3, 2, 1, 1, 1), (5, 4, 2, 1, 0, 1), (3, 3, 3, 0, 2, 1), (4, 3, 2, 2, 0, 2), (6, 5, 1, 3, 0, 1)])
def test_the_direct_convolution_is_torchs_transposed_convolution(size, kernel, stride, padding, extra, dilation,
                                                                  one_torch_thread):
    """conv_transpose2d(x, w) = conv2d(pad(stretch(x)), w flipped and transposed), stride 1, with the
    stretched size and the equivalent paddings convcalc prints (negative padding crops)."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    args = ["calc", "tconv", "--input", f"{size}x{size}x2", "--filters", "3", "--kernel", str(kernel), "--stride",
            str(stride), "--padding", str(padding), "--dilation", str(dilation), "--format", "json"]
    if extra:
        args += ["--output-padding", str(extra)]
    found = steps(json.loads(invoke(*args)))
    stretched = found["stretched_input", None]["value"]
    before, after = (found[f"equivalent_padding_{side}", None]["value"] for side in ("before", "after"))
    x = torch.randn(1, 2, size, size, dtype=torch.float64)
    weight = torch.randn(2, 3, kernel, kernel, dtype=torch.float64)
    expected = functional.conv_transpose2d(x, weight, stride=stride, padding=padding, output_padding=extra,
                                           dilation=dilation)
    spread = torch.zeros(1, 2, stretched, stretched, dtype=torch.float64)
    spread[:, :, ::stride, ::stride] = x
    padded = functional.pad(spread, (before, after, before, after))
    direct = functional.conv2d(padded, weight.transpose(0, 1).flip(-1, -2), dilation=dilation)
    assert direct.shape == expected.shape and found["shape_direct", None]["value"] == expected.shape[-1]
    torch.testing.assert_close(direct, expected)


SPEC = """name: t
input: [64, 7, 7]
layers:
  - conv2d: {name: a, filters: 32, kernel: 1}
  - batchnorm2d: {name: bn}
  - conv2d: {name: b, filters: 16, kernel: 3, padding: 1, inputs: [a]}
  - concat: {name: cat, inputs: [bn, b, a]}
  - global_avgpool2d: {name: gap, inputs: [cat]}
  - global_maxpool2d: {name: gmp, inputs: [cat]}
"""


def test_batch_norm_concat_and_global_pooling_have_their_numbers_in():
    document = json.loads(invoke("explain", "-", "--format", "json", input=SPEC))
    bn, cat, gap, gmp = (steps(document, index) for index in (1, 3, 4, 5))
    # batch norm over 32 channels of 7x7: gamma, beta 2*32 = 64; running mean, var 2*32 = 64 (Keras counts
    # them in its total); 2 FLOPs per element: 2*32*7*7 = 3,136
    assert (bn["params", None]["substituted"], bn["params", None]["value"]) == ("2*32", 64)
    assert (bn["non_trainable", None]["substituted"], bn["non_trainable", None]["value"]) == ("2*32", 64)
    assert (bn["flops", None]["substituted"], bn["flops", None]["value"]) == ("2*32*7*7", 3136)
    # concat of 32 + 16 + 32 channels = 80
    assert (cat["shape", None]["substituted"], cat["shape", None]["value"]) == ("32 + 16 + 32", 80)
    # global average: 80*(49 - 1 + 1) = 3,920 (48 additions and a division per channel); max: 80*48 = 3,840
    assert (gap["flops", None]["substituted"], gap["flops", None]["value"]) == ("80*(7*7 - 1 + 1)", 3920)
    assert (gmp["flops", None]["substituted"], gmp["flops", None]["value"]) == ("80*(7*7 - 1)", 3840)
