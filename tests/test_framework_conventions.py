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


def _onnx_pool(op: str, shape, kernel, pads, **attributes):
    """An ONNX model of one pooling node on an input of ``shape`` (onnx.helper)."""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node(op, ["x"], ["y"], kernel_shape=kernel, pads=pads, strides=[1] * len(kernel), **attributes)
    graph = helper.make_graph([node], "pool", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)], ir_version=10)


@pytest.mark.parametrize("kind, op, extra, attributes", [
    ("maxpool2d", "MaxPool", "", {}),
    ("avgpool2d", "AveragePool", ", count_include_pad: true", {"count_include_pad": 1}),
    ("avgpool2d", "AveragePool", ", count_include_pad: false", {"count_include_pad": 0}),
])
def test_onnx_padding_past_half_the_kernel(kind, op, extra, attributes):
    """A 3x3 window with 2 pixels of padding (PyTorch takes at most 1) on 1x2x6x6, stride 1: O =
    6 + 2*2 - 3 + 1 = 8; the values are onnxruntime's, and the ONNX import gives the same layer."""
    runtime = pytest.importorskip("onnxruntime")
    from convcalc.bridges.onnx_import import spec_text_of_model

    analysis = analyze_text(f"""\
        name: t
        input: [2, 6, 6]
        dtype: float64
        layers:
          - {kind}: {{name: pool, kernel: 3, stride: 1, padding: 2, padding_rule: onnx{extra}}}
        """)
    assert analysis.errors == [] and analysis.layers[0].shape == (2, 8, 8)
    run = execute(analysis)
    model = _onnx_pool(op, (1, 2, 6, 6), [3, 3], [2, 2, 2, 2], **attributes)
    session = runtime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (expected,) = session.run(None, {"x": run.input.astype(np.float32)})  # onnxruntime pools in float32
    np.testing.assert_allclose(run.outputs["pool"], expected, rtol=1e-6, atol=1e-6)
    imported = analyze_text(spec_text_of_model(model, "pool.onnx"))
    assert imported.layers[0].node.layer.padding_rule == "onnx" and imported.layers[0].shape == (2, 8, 8)


def test_pytorch_padding_rule_names_the_onnx_one_and_no_window_reads_padding_alone(tmp_path):
    runner = CliRunner()
    refused = runner.invoke(main, ["analyze", "-"], input="name: t\ninput: [1, 8, 8]\nlayers:\n"
                            "  - maxpool2d: {kernel: 2, padding: 2}\n")
    assert refused.exit_code == 2 and "padding_rule: onnx" in refused.stderr
    alone = runner.invoke(main, ["analyze", "-"], input="name: t\ninput: [1, 8, 8]\nlayers:\n"
                          "  - maxpool2d: {kernel: 2, padding: 2, padding_rule: onnx}\n")
    assert alone.exit_code == 2 and "a window would read the padding alone" in alone.stderr
    taken = runner.invoke(main, ["analyze", "-", "--format", "json"], input="name: t\ninput: [1, 8, 8]\nlayers:\n"
                          "  - maxpool2d: {kernel: 3, padding: 2, padding_rule: onnx}\n")
    assert taken.exit_code == 0 and one_spec(taken.stdout)["layers"][0]["output_shape"] == [1, 4, 4]  # (8+4-3)//3+1


def test_onnx_padding_rule_exports_to_torch_and_onnx(one_torch_thread):
    result = CliRunner().invoke(main, ["verify", "-", "--against", "torch", "--against", "onnxruntime"],
                                input="name: t\ninput: [2, 7, 7]\nlayers:\n"
                                      "  - maxpool2d: {kernel: 3, stride: 2, padding: [[2, 1], [2, 2]], "
                                      "padding_rule: onnx}\n"
                                      "  - avgpool2d: {kernel: 3, stride: 1, padding: 2, padding_rule: onnx}\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("holds") >= 3


@pytest.mark.parametrize("p", [2.0, 3.0, 1.5])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_lp_pooling_is_torchs_lp_pool_over_the_whole_map(p, keepdims):
    """F.lp_pool2d with the kernel the whole 5x7 map; FLOPs 2*H*W per channel = 3*2*35 = 210."""
    import torch.nn.functional as functional

    analysis = analyze_text(f"""\
        name: t
        input: [3, 5, 7]
        dtype: float64
        layers:
          - relu: {{name: r}}
          - global_lppool2d: {{name: pool, p: {p}, keepdims: {str(keepdims).lower()}}}
        """)
    report = analysis.layers[1]
    assert report.shape == ((3, 1, 1) if keepdims else (3,)) and report.result.flops == 210
    run = execute(analysis)
    x = torch.from_numpy(run.outputs["r"] if "r" in run.outputs else np.maximum(run.input, 0))
    expected = functional.lp_pool2d(x, p, kernel_size=(5, 7))
    expected = expected if keepdims else expected.flatten(1)
    np.testing.assert_allclose(run.outputs["pool"], expected.numpy(), rtol=1e-12, atol=1e-12)


def test_global_lp_pooling_through_the_cli_and_the_exports(one_torch_thread):
    result = CliRunner().invoke(main, ["verify", "-", "--against", "torch", "--against", "onnxruntime"],
                                input="name: t\ninput: [3, 6, 6]\nlayers:\n  - relu\n"
                                      "  - global_lppool2d: {p: 2}\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("holds") >= 3


@pytest.mark.parametrize("kind, module", [("adaptive_avgpool2d", "AdaptiveAvgPool2d"),
                                          ("adaptive_maxpool2d", "AdaptiveMaxPool2d")])
def test_adaptive_pooling_with_null_keeps_that_axis(kind, module):
    """output_size [null, 3] on 2x5x7: (2, 5, 3), as torch's output_size=(None, 3); the mean reads
    each element once along H and the bins [0,3), [2,5), [4,7) along W: 2*5*(3+3+3) = 90 reads."""
    analysis = analyze_text(f"""\
        name: t
        input: [2, 5, 7]
        dtype: float64
        layers:
          - {kind}: {{name: pool, output_size: [null, 3]}}
        """)
    report = analysis.layers[0]
    assert analysis.errors == [] and report.shape == (2, 5, 3)
    assert report.result.flops == (90 if kind.startswith("adaptive_avg") else 90 - 2 * 5 * 3)  # max: reads - outputs
    run = execute(analysis)
    expected = getattr(torch.nn, module)((None, 3))(torch.from_numpy(run.input)).numpy()
    np.testing.assert_allclose(run.outputs["pool"], expected, rtol=1e-12, atol=1e-12)
    symbolic = analyze_text(f"name: t\ninput: [2, H, W]\nlayers:\n  - {kind}: {{output_size: [null, 3]}}\n")
    assert [str(dim) for dim in symbolic.layers[0].shape] == ["2", "H", "3"]


def test_adaptive_null_through_the_cli_and_the_exports(one_torch_thread):
    result = CliRunner().invoke(main, ["verify", "-", "--against", "torch", "--against", "onnxruntime"],
                                input="name: t\ninput: [3, 6, 7]\nlayers:\n"
                                      "  - adaptive_avgpool2d: {output_size: [null, 2]}\n")
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(main, ["analyze", "-"], input="name: t\ninput: [3, 6, 7]\nlayers:\n"
                             "  - adaptive_avgpool2d: {output_size: [null]}\n")
    assert bad.exit_code == 2 and "output_size" in bad.stderr
