"""Conventions of other frameworks offered explicitly: Keras's default output padding of a
transposed convolution, ONNX's (and TensorFlow's) pool padding past half the kernel, and global
Lp pooling."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import analyze_text, one_spec
from convcalc.cli import main
from convcalc.execute import execute

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("size, kernel, stride, dilation", [(5, 3, 4, 1), (20, 5, 2, 1), (7, 2, 3, 2), (4, 1, 3, 1)])
def test_keras_output_padding_is_deconv_output_length_without_output_padding(size, kernel, stride, dilation):
    """Keras's deconv_output_length with padding 'valid' and output_padding None: W*S + max(F' - S, 0),
    F' = d*(F-1) + 1; torch gives it with output_padding = max(S - F', 0)."""
    span = dilation * (kernel - 1) + 1
    keras = size * stride + max(span - stride, 0)
    analysis = analyze_text(f"""\
        name: t
        input: [2, {size}]
        dtype: float64
        layers:
          - conv_transpose1d: {{name: up, filters: 3, kernel: {kernel}, stride: {stride}, dilation: {dilation},
                                output_padding: keras}}
        """)
    assert analysis.errors == [] and analysis.layers[0].shape == (3, keras)
    run = execute(analysis)
    module = torch.nn.ConvTranspose1d(2, 3, kernel, stride, dilation=dilation,
                                      output_padding=max(stride - span, 0)).double()
    module.load_state_dict({"weight": torch.from_numpy(run.weights["up.weight"]),
                            "bias": torch.from_numpy(run.weights["up.bias"])})
    with torch.no_grad():
        expected = module(torch.from_numpy(run.input)).numpy()
    np.testing.assert_allclose(run.outputs["up"], expected, rtol=1e-12, atol=1e-12)


def test_keras_output_padding_through_the_cli(tmp_path):
    """(5 - 1)*4 + max(3, 4) = 20; (20 - 1)*2 + max(5, 2) = 43; with 'same' 43*2 = 86."""
    spec = tmp_path / "k.yaml"
    spec.write_text("name: t\ninput: [2, 5, 5]\nlayers:\n"
                    "  - conv_transpose2d: {filters: 3, kernel: 3, stride: 4, output_padding: keras}\n"
                    "  - conv_transpose2d: {filters: 3, kernel: 5, stride: 2, output_padding: keras}\n"
                    "  - conv_transpose2d: {filters: 3, kernel: 3, stride: 2, padding: same, output_padding: keras}\n")
    result = CliRunner().invoke(main, ["analyze", str(spec), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [layer["output_shape"] for layer in one_spec(result.stdout)["layers"]] == \
        [[3, 20, 20], [3, 43, 43], [3, 86, 86]]
    bad = CliRunner().invoke(main, ["analyze", "-"], input="name: t\ninput: [2, 5, 5]\nlayers:\n"
                             "  - conv_transpose2d: {filters: 3, kernel: 3, output_padding: kera}\n")
    assert bad.exit_code == 2 and "output_padding" in bad.stderr
