"""Upsampling to a reference layer's size (`upsample2d: {inputs: [x, ref], size: reference}`): the
resize of torchvision's segmentation heads, `F.interpolate(x, size=ref.shape[-2:], mode="bilinear",
align_corners=False)`.

Expected figures: PyTorch's F.interpolate (values and shapes, float64), and figures worked by hand
in the comments (receptive field, FLOPs, memory).
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import analyze_text, one_spec
from convcalc.cli import main
from convcalc.execute import CountingOps
from convcalc.symbolic import substitute

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}

# input 1x8x8; a 3x3/s2/p1 conv to 4x4x4; back to the input's 8x8 (the reference)
TO_INPUT = """\
name: to the input
input: [1, 8, 8]
layers:
  - conv2d: {name: c, filters: 4, kernel: 3, stride: 2, padding: 1}
  - upsample2d: {name: up, inputs: [c, input], size: reference, mode: bilinear}
"""


def _spec(rank, sizes, references, mode, channels=3):
    """Input [channels, *sizes]; `ref` padded and cropped from it to ``references``; `up` resizes
    the input to ref's size."""
    pads = [[0, max(r - w, 0)] for w, r in zip(sizes, references)]
    crops = [[0, max(w - r, 0)] for w, r in zip(sizes, references)]
    return textwrap.dedent(f"""\
        name: t
        input: {json.dumps([channels, *sizes])}
        layers:
          - zeropad{rank}d: {{name: padded, padding: {json.dumps(pads)}}}
          - crop{rank}d: {{name: ref, cropping: {json.dumps(crops)}}}
          - upsample{rank}d: {{name: up, inputs: [input, ref], size: reference, mode: {mode}}}
    """)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([1, 2, 3]), st.sampled_from(["nearest", "bilinear"]), st.data(), st.integers(0, 2 ** 32 - 1))
def test_forward_is_torchs_interpolate_to_the_references_size(rank, mode, data, seed):
    """Bigger and smaller references, per axis (2-D past O_H + O_W = 128 too: ATen's other nearest kernel)."""
    torch = pytest.importorskip("torch")
    high = {1: 12, 2: 90, 3: 6}[rank]
    sizes = [data.draw(st.integers(1, 10 if rank < 3 else 5)) for _ in range(rank)]
    references = [data.draw(st.integers(1, high)) for _ in range(rank)]
    analysis = analyze_text(_spec(rank, sizes, references, mode))
    assert analysis.errors == []
    report = analysis.layers[-1]
    assert tuple(report.result.output.dims) == (3, *references)
    x = np.random.default_rng(seed).standard_normal((2, 3, *sizes))
    reference = np.zeros((2, 3, *references))
    ops = CountingOps("chw")
    ours = report.node.layer.forward([x, reference], {}, ops)
    expected = torch.nn.functional.interpolate(torch.from_numpy(x), size=references,
                                               mode="nearest" if mode == "nearest" else LINEAR[rank])
    assert ours.shape == tuple(expected.shape)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-12, atol=1e-12)
    assert ops.macs == 0


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_float32_forward_is_torchs_interpolate(mode):
    """In float32 (the specs' dtype), 13x17 to 97x131: the ratio W/O is taken in float32 as ATen's
    opmath does; bilinear weights may differ from ATen's by an ulp of the source index (about 2e-6
    here: ATen's compiled kernel may fuse the multiply and add), nearest picks exactly ATen's pixels."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((1, 2, 13, 17)).astype(np.float32)
    analysis = analyze_text(_spec(2, [13, 17], [97, 131], mode, channels=2))
    ours = analysis.layers[-1].node.layer.forward([x, np.zeros((1, 2, 97, 131), np.float32)], {}, CountingOps("chw"))
    expected = torch.nn.functional.interpolate(torch.from_numpy(x), size=(97, 131), mode=mode).numpy()
    assert ours.dtype == np.float32
    if mode == "nearest":
        np.testing.assert_array_equal(ours, expected)
    else:
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5)


def test_the_output_has_the_first_inputs_channels_and_the_references_size_symbolically():
    analysis = analyze_text(TO_INPUT.replace("[1, 8, 8]", "[1, H, W]"))
    assert analysis.errors == []
    conv, up = analysis.layers
    assert str(conv.result.output.dims[1]) == "floor((H + 1)/2)"
    assert [str(d) for d in up.result.output.dims] == ["4", "H", "W"]
    # nothing to require (the sizes are the input's): only the overall valid sizes, all of them
    assert [condition.describe() for condition in analysis.conditions] == ["any H and any W"]
    # FLOPs, bilinear: 2^(2+1) - 1 = 7 per output element, 4*H*W elements
    assert substitute(up.result.flops, {"H": 9, "W": 7}) == 7 * 4 * 9 * 7
    assert up.result.macs == 0 and up.result.trainable == 0


def test_receptive_field_and_memory_worked_by_hand():
    """conv 3x3/s2/p1: field [-1, 1], jump 2; bilinear by 8/4 = 2 reads the next input too:
    [-1, 1 + 2] = 5 pixels, jump 2/2 = 1. Peak: the input (1*8*8*4 = 256 B) lives until the upsample
    reads it, beside c (4*4*4*4 = 256 B) and the output (4*8*8*4 = 1,024 B): 1,536 B."""
    analysis = analyze_text(TO_INPUT)
    field = analysis.layers[-1].result.output.field
    assert [(rf.left, rf.right, rf.jump) for rf in field.dims] == [(-1, 3, 1), (-1, 3, 1)]
    assert analysis.totals.peak_activation_bytes == 256 + 256 + 1024
    nearest = analyze_text(TO_INPUT.replace("bilinear", "nearest"))
    assert [(rf.left, rf.right, rf.jump) for rf in nearest.layers[-1].result.output.field.dims] == [(-1, 1, 1)] * 2
    assert nearest.layers[-1].result.flops == 0


def test_cli_analyze_verify_and_explain(tmp_path):
    spec = tmp_path / "to_input.yaml"
    spec.write_text(TO_INPUT)
    runner = CliRunner()
    result = runner.invoke(main, ["analyze", str(spec), "--input", "1xHxW", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = one_spec(result.output)
    assert data["layers"][-1]["output_shape"] == [4, "H", "W"]
    assert data["valid_sizes"] == "any H and any W"
    result = runner.invoke(main, ["verify", str(spec), "--input-shape", "1x9x7"])
    assert result.exit_code == 0, result.output
    assert "every figure confirmed" in result.output
    result = runner.invoke(main, ["explain", str(spec), "--layer", "up", "--input", "1x9x7"])
    assert result.exit_code == 0, result.output
    assert "O = O_ref = 4x9x7" in result.output  # channels 4 at the reference's 9x7: one true equation
    assert "the spatial size of the second input (the reference)" in result.output
    result = runner.invoke(main, ["explain", str(spec), "--layer", "up", "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert "O = O_ref = 4x8x8" in result.output
    assert "el tamaño espacial de la segunda entrada (la referencia)" in result.output


def test_cli_layers_documents_size_reference():
    result = CliRunner().invoke(main, ["layers", "upsample2d", "--format", "json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)
    size = next(field for field in entry["fields"] if field["name"] == "size")
    assert "'reference': the spatial size of the second input" in size["description"]
    assert "O_ref (size: reference)" in entry["formulas"]["shape"]


@pytest.mark.parametrize("fields, code, text", [
    ("size: reference", 1, "size: reference takes two inputs, the map to resize and the reference"),
    ("inputs: [c, input], scale: 2", 1, "a second input gives upsampling its size only with size: reference"),
    ("inputs: [c, input], size: 8", 1, "a second input gives upsampling its size only with size: reference"),
    ("inputs: [c, input, input], size: reference", 2, "upsample2d takes 1 to 2 input(s), got 3"),
    ("inputs: [c, input], size: refrence", 2, "'size' is not valid: expected 'reference'"),
    ("inputs: [c, input], size: reference, scale: 2", 2, "give exactly one of scale and size"),
])
def test_misuse_is_one_clear_line(tmp_path, fields, code, text):
    spec = tmp_path / "bad.yaml"
    spec.write_text(TO_INPUT.replace("inputs: [c, input], size: reference, mode: bilinear", fields))
    result = CliRunner().invoke(main, ["analyze", str(spec)])
    assert result.exit_code == code, result.output
    assert text in result.output
    assert "Traceback" not in result.output


def test_misuse_in_spanish(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(TO_INPUT.replace("inputs: [c, input], size: reference", "size: reference"))
    result = CliRunner().invoke(main, ["analyze", str(spec), "--lang", "es"])
    assert result.exit_code == 1
    assert "size: reference toma dos entradas" in result.output


def test_reference_of_another_rank_is_refused():
    analysis = analyze_text(TO_INPUT.replace("[c, input]", "[c, flat]").replace(
        "  - upsample2d", "  - flatten: {name: flat, inputs: [input]}\n  - upsample2d"))
    assert [error.key for error in analysis.errors] == ["wrong_rank"]


@pytest.mark.parametrize("axis_sizes", [(5, 3), (1, 40)])
def test_symbolic_and_concrete_agree(axis_sizes):
    """The symbolic output at (H, W) is the concrete analysis at those sizes (and so torch's, above)."""
    symbolic = analyze_text(TO_INPUT.replace("[1, 8, 8]", "[1, H, W]"))
    h, w = axis_sizes
    concrete = analyze_text(TO_INPUT.replace("[1, 8, 8]", f"[1, {h}, {w}]"))
    for ours, theirs in zip(symbolic.layers, concrete.layers):
        assert tuple(substitute(d, {"H": h, "W": w}) for d in ours.result.output.dims) == tuple(
            theirs.result.output.dims)
