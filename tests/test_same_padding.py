"""`same` shows the padding it resolves to (total, before, after, per axis) in explain, calc and
JSON; `same` is TensorFlow's rule and `same_pytorch` PyTorch's padding='same', each checked here:
TensorFlow's by its documented rule worked by hand, PyTorch's against torch itself."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import analyze_text
from convcalc.cli import main
from convcalc.execute import execute


def calc(*args: str):
    return CliRunner().invoke(main, ["calc", *args])


def padding_of(document: dict) -> dict:
    """{axis: (total, before, after)} from the JSON steps of a calc answer."""
    found: dict = {}
    for step in document["layers"][0]["steps"]:
        if step["figure"] in ("padding", "padding_before", "padding_after"):
            found.setdefault(step["axis"], {})[step["figure"]] = step["value"]
    return {axis: (v["padding"], v["padding_before"], v["padding_after"]) for axis, v in found.items()}


# TensorFlow's SAME (tf.nn.convolution docs): O = ceil(W/S), P = max((O - 1)*S + F - W, 0),
# P_lo = floor(P/2), the odd pixel after.
#   W=7, F=3, S=2: O = 4, P = 3*2 + 3 - 7 = 2 -> 1, 1
#   W=8, F=3, S=2: O = 4, P = 3*2 + 3 - 8 = 1 -> 0, 1
#   W=8, F=4, S=3: O = 3, P = 2*3 + 4 - 8 = 2 -> 1, 1
#   W=9, F=1, S=2: O = 5, P = max(4*2 + 1 - 9, 0) = 0
@pytest.mark.parametrize("size, kernel, stride, out, padding", [
    (7, 3, 2, 4, (2, 1, 1)), (8, 3, 2, 4, (1, 0, 1)), (8, 4, 3, 3, (2, 1, 1)), (9, 1, 2, 5, (0, 0, 0))])
def test_tensorflow_same_shows_its_padding(size, kernel, stride, out, padding):
    args = ("conv", "--input", f"{size}x{size}x2", "--filters", "3", "--kernel", str(kernel), "--stride",
            str(stride), "--padding", "same")
    document = json.loads(calc(*args, "--format", "json").stdout)
    assert document["output_shape"] == [out, out, 3]
    assert padding_of(document) == {None: padding}
    text = calc(*args).stdout
    assert f"P_lo = floor(P/2) = floor({padding[0]}/2) = {padding[1]}" in text
    assert f"P_hi = P - P_lo = {padding[0]} - {padding[1]} = {padding[2]}" in text
    assert "relleno antes" in calc(*args, "--lang", "es").stdout


def test_same_per_axis_in_explain():
    text = "name: s\ninput: [1, 8, 7]\nlayers:\n  - conv2d: {filters: 1, kernel: [4, 3], stride: 2, padding: same}\n"
    result = CliRunner().invoke(main, ["explain", "-", "--format", "json"], input=text)
    # H: W = 8, F = 4: O = 4, P = 3*2 + 4 - 8 = 2 (1, 1); W: W = 7, F = 3: O = 4, P = 3*2 + 3 - 7 = 2 (1, 1)
    assert padding_of(json.loads(result.stdout)) == {"H": (2, 1, 1), "W": (2, 1, 1)}


@pytest.mark.parametrize("size, kernel, dilation", [(7, 3, 1), (8, 4, 1), (6, 2, 3), (9, 5, 2), (5, 4, 2)])
def test_pytorch_same_is_torchs(size, kernel, dilation, one_torch_thread):
    torch = pytest.importorskip("torch")
    module = torch.nn.Conv2d(2, 3, (kernel, kernel + 1), padding="same", dilation=dilation).double()
    # torch keeps the padding it applies as (W_lo, W_hi, H_lo, H_hi)
    w_lo, w_hi, h_lo, h_hi = module._reversed_padding_repeated_twice
    args = ("conv", "--input", f"{size}x{size + 1}x2", "--filters", "3", "--kernel", f"{kernel}x{kernel + 1}",
            "--dilation", str(dilation), "--padding", "same_pytorch", "--format", "json")
    document = json.loads(calc(*args).stdout)
    x = torch.randn(1, 2, size, size + 1, dtype=torch.float64)
    assert document["output_shape"] == [*module(x).shape[2:], 3]
    assert padding_of(document) == {"H": (h_lo + h_hi, h_lo, h_hi), "W": (w_lo + w_hi, w_lo, w_hi)}
    # the NumPy executor pads as torch does: the same values
    spec = (f"name: s\ndtype: float64\ninput: [2, {size}, {size + 1}]\nlayers:\n  - conv2d: {{name: c, filters: 3, "
            f"kernel: [{kernel}, {kernel + 1}], dilation: {dilation}, padding: same_pytorch}}\n")
    weights = {"c.weight": module.weight.detach().numpy(), "c.bias": module.bias.detach().numpy()}
    run = execute(analyze_text(spec), weights=weights, x=x.numpy())
    np.testing.assert_allclose(run.outputs["c"], module(x).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_pytorch_same_is_refused_with_a_stride_as_torch_refuses_it():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="strided"):
        torch.nn.Conv2d(1, 1, 3, stride=2, padding="same")
    result = calc("conv", "--input", "8x8x1", "--filters", "1", "--kernel", "3", "--stride", "2",
                  "--padding", "same_pytorch")
    assert result.exit_code == 2 and "stride 1" in result.output and "Traceback" not in result.output
    # TensorFlow's rule takes the stride
    assert calc("conv", "--input", "8x8x1", "--filters", "1", "--kernel", "3", "--stride", "2",
                "--padding", "same").exit_code == 0


def test_pytorch_pooling_has_no_same():
    result = calc("pool", "--input", "8x8x1", "--kernel", "3", "--stride", "1", "--padding", "same_pytorch")
    assert result.exit_code == 2 and "no padding='same'" in result.output
