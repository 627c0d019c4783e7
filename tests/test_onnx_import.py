"""Reading ONNX files: torchvision's exports against torch (module names, params, MACs) and
onnxruntime (every intermediate shape, and the values convcalc's executor computes with the
model's own initializers), small hand-built graphs for each op and auto_pad form, symbolic sizes,
and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from convcalc.analysis import Options  # noqa: E402
from convcalc.pipeline import analyze_document
from convcalc.bridges.onnx_import import imported  # noqa: E402
from convcalc.cli import main  # noqa: E402
from convcalc.errors import ConvcalcError  # noqa: E402
from convcalc.execute import execute  # noqa: E402
from convcalc.loading import Document, load_document  # noqa: E402
from convcalc.spec import parse_spec  # noqa: E402

RNG = np.random.default_rng(0)


def analysed(model, source="model.onnx", **options):
    """(analysis, the import) of an ONNX ModelProto, with its initializers as the run's weights."""
    result = imported(model, source)
    document = Document(source, load_document(result.text, source).data, weights=result.weights)
    return analyze_document(document, parse_spec(document), Options(**options)), result


def intermediate_outputs(model, x):
    """onnxruntime's value of every node output (the graph's outputs extended to all of them)."""
    inferred = onnx.shape_inference.infer_shapes(model)
    known = {value.name for value in inferred.graph.output}
    extended = onnx.ModelProto()
    extended.CopyFrom(inferred)
    for value in inferred.graph.value_info:
        if value.name not in known:
            extended.graph.output.append(value)
    session = ort.InferenceSession(extended.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: x})))


def check_against_onnxruntime(model, x, atol=1e-4):
    """Every layer's output: convcalc's shape and executor's values (with the model's own
    initializers) equal onnxruntime's for the ONNX value the layer stands for."""
    analysis, result = analysed(model)
    assert not analysis.errors, [e.render() for e in analysis.errors]
    expected = intermediate_outputs(model, x)
    run = execute(analysis, keep=True, x=x.astype(np.float32))
    checked = 0
    for report in analysis.layers:
        values = result.outputs[report.name]
        for position, value in enumerate([values] if isinstance(values, str) else values):
            key = report.name if isinstance(values, str) else f"{report.name}.{position}"
            ours = run.outputs[key]
            theirs = expected[value]
            assert ours.shape == theirs.shape, (report.name, ours.shape, theirs.shape)
            np.testing.assert_allclose(ours, theirs, atol=atol, rtol=1e-4, err_msg=report.name)
            checked += 1
    assert checked >= len(analysis.layers)
    return analysis, result


# ----- hand-built graphs, one op each ------------------------------------------------------------
def graph_of(nodes, input_shape, initializers=(), opset=20, output="y"):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)
    y = helper.make_tensor_value_info(output, TensorProto.FLOAT, None)
    tensors = [numpy_helper.from_array(np.asarray(array), name) for name, array in initializers]
    graph = helper.make_graph(nodes, "test", [x], [y], initializer=tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def weights(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def ints(*values):
    return np.array(values, dtype=np.int64)


def conv(name="c", x="x", y="y", **attributes):
    return helper.make_node("Conv", [x, "w", "b"], [y], name=name, **attributes)


CASES = {  # id: (nodes, input shape, initializers, opset)
    "conv_pads": ([conv(pads=[1, 2, 1, 2], strides=[2, 1])], [1, 3, 9, 8], [("w", weights(4, 3, 3, 3)), ("b", weights(4))]),
    "conv_asymmetric_pads": ([conv(pads=[0, 1, 2, 0])], [1, 3, 7, 7], [("w", weights(4, 3, 3, 3)), ("b", weights(4))]),
    "conv_groups_dilation": ([conv(group=2, dilations=[2, 2])], [1, 4, 9, 9], [("w", weights(6, 2, 3, 3)), ("b", weights(6))]),
    "conv_depthwise": ([conv(group=4, pads=[1, 1, 1, 1])], [1, 4, 6, 6], [("w", weights(8, 1, 3, 3)), ("b", weights(8))]),
    "conv1d": ([conv(pads=[1, 1])], [1, 2, 10], [("w", weights(3, 2, 3)), ("b", weights(3))]),
    "conv3d": ([conv(strides=[1, 2, 2])], [1, 2, 5, 6, 6], [("w", weights(3, 2, 3, 3, 3)), ("b", weights(3))]),
    "conv_valid": ([conv(auto_pad="VALID", strides=[2, 2])], [1, 3, 8, 8], [("w", weights(4, 3, 3, 3)), ("b", weights(4))]),
    "conv_same_upper": ([conv(auto_pad="SAME_UPPER", strides=[2, 2])], [1, 3, 8, 8], [("w", weights(4, 3, 4, 4)), ("b", weights(4))]),
    "conv_same_lower": ([conv(auto_pad="SAME_LOWER", strides=[2, 2])], [1, 3, 8, 8], [("w", weights(4, 3, 4, 4)), ("b", weights(4))]),
    "conv_no_bias": ([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])], [1, 3, 5, 5], [("w", weights(2, 3, 3, 3))]),
    "conv_transpose": ([helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2], pads=[1, 1, 1, 1],
                                         output_padding=[1, 1])], [1, 3, 5, 5], [("w", weights(3, 2, 3, 3)), ("b", weights(2))]),
    "conv_transpose_output_shape": ([helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2],
                                                      output_shape=[10, 11])], [1, 3, 5, 5], [("w", weights(3, 2, 3, 3))]),
    "conv_transpose_same_upper": ([helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2],
                                                    auto_pad="SAME_UPPER")], [1, 3, 5, 5], [("w", weights(3, 2, 4, 4))]),
    "conv_transpose_same_lower": ([helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2],
                                                    auto_pad="SAME_LOWER")], [1, 3, 5, 5], [("w", weights(3, 2, 3, 3))]),
    "conv_weights_from_a_constant_node": ([helper.make_node("Constant", [], ["w"], value=numpy_helper.from_array(
        weights(2, 3, 1, 1))), helper.make_node("Conv", ["x", "w"], ["y"])], [1, 3, 4, 4], []),
    "gemm": ([helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)], [2, 6], [("w", weights(4, 6)), ("b", weights(4))]),
    "gemm_untransposed": ([helper.make_node("Gemm", ["x", "w", "b"], ["y"])], [1, 6], [("w", weights(6, 4)), ("b", weights(4))]),
    "matmul": ([helper.make_node("MatMul", ["x", "w"], ["y"])], [1, 3, 4, 6], [("w", weights(6, 5))]),
    "maxpool_ceil": ([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)],
                     [1, 2, 8, 8], []),
    "maxpool_same_lower": ([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                                             auto_pad="SAME_LOWER")], [1, 2, 7, 7], []),
    "avgpool_exclude_pad": ([helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                                              pads=[1, 1, 1, 1])], [1, 2, 7, 7], []),
    "avgpool_include_pad_ceil": ([helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                                                   pads=[1, 1, 1, 1], count_include_pad=1, ceil_mode=1)],
                                 [1, 2, 8, 8], []),
    "avgpool_same_upper": ([helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                                             auto_pad="SAME_UPPER")], [1, 2, 8, 8], []),
    "maxpool_same_upper": ([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], strides=[2, 2],
                                             auto_pad="SAME_UPPER")], [1, 2, 7, 8], []),
    "maxpool_valid": ([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                                        auto_pad="VALID")], [1, 2, 8, 8], []),
    "lppool": ([helper.make_node("LpPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], p=2)], [1, 2, 6, 6], []),
    "global_avgpool": ([helper.make_node("GlobalAveragePool", ["x"], ["y"])], [1, 3, 5, 4], []),
    "global_maxpool": ([helper.make_node("GlobalMaxPool", ["x"], ["y"])], [1, 3, 5, 4], []),
    "batchnorm": ([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)], [1, 3, 4, 4],
                  [("s", weights(3)), ("b", weights(3)), ("m", weights(3)), ("v", np.abs(weights(3)) + 0.5)]),
    "instancenorm": ([helper.make_node("InstanceNormalization", ["x", "s", "b"], ["y"])], [1, 3, 4, 4],
                     [("s", weights(3)), ("b", weights(3))]),
    "layernorm_last": ([helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-1)], [1, 3, 4, 5],
                       [("s", weights(5)), ("b", weights(5))]),
    "layernorm_all": ([helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=1)], [1, 3, 4, 5],
                      [("s", weights(3, 4, 5)), ("b", weights(3, 4, 5))]),
    **{op.lower(): ([helper.make_node(op, ["x"], ["y"])], [1, 3, 4, 4], []) for op in (
        "Relu", "Sigmoid", "Tanh", "HardSwish", "Softplus", "Selu", "Gelu", "Identity")},
    "gelu_erf_form": ([helper.make_node("Div", ["x", "sqrt2"], ["d"]), helper.make_node("Erf", ["d"], ["e"]),
                       helper.make_node("Add", ["e", "one"], ["a"]), helper.make_node("Mul", ["x", "a"], ["m"]),
                       helper.make_node("Mul", ["m", "half"], ["y"])], [1, 3, 4, 4],
                      [("sqrt2", np.array(2 ** 0.5, np.float32)), ("one", np.array(1, np.float32)),
                       ("half", np.array(0.5, np.float32))]),
    "hardsigmoid": ([helper.make_node("HardSigmoid", ["x"], ["y"], alpha=1 / 6)], [1, 3, 4, 4], []),
    "leaky_relu": ([helper.make_node("LeakyRelu", ["x"], ["y"], alpha=0.2)], [1, 3, 4, 4], []),
    "elu": ([helper.make_node("Elu", ["x"], ["y"], alpha=0.7)], [1, 3, 4, 4], []),
    "prelu": ([helper.make_node("PRelu", ["x", "s"], ["y"])], [1, 3, 4, 4], [("s", weights(3, 1, 1))]),
    "softmax": ([helper.make_node("Softmax", ["x"], ["y"], axis=1)], [1, 7], []),
    "log_softmax": ([helper.make_node("LogSoftmax", ["x"], ["y"], axis=1)], [1, 3, 2, 2], []),
    "clip_relu6": ([helper.make_node("Clip", ["x", "lo", "hi"], ["y"])], [1, 3, 4, 4],
                   [("lo", np.array(0, np.float32)), ("hi", np.array(6, np.float32))]),
    "dropout": ([helper.make_node("Dropout", ["x"], ["y"])], [1, 3, 4, 4], []),
    "add_mul_concat": ([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Add", ["x", "r"], ["a"]),
                        helper.make_node("Mul", ["a", "r"], ["m"]), helper.make_node("Concat", ["m", "x"], ["y"], axis=1)],
                       [1, 3, 4, 4], []),
    "concat_of_one": ([helper.make_node("Concat", ["x"], ["y"], axis=1)], [1, 3, 4, 4], []),
    "sub_div_broadcast": ([helper.make_node("GlobalAveragePool", ["x"], ["g"]), helper.make_node("Sub", ["x", "g"], ["d"]),
                           helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Div", ["d", "s"], ["y"])],
                          [1, 3, 4, 4], []),
    "split_slice": ([helper.make_node("Split", ["x", "sizes"], ["s0", "s1"], axis=1),
                     helper.make_node("Slice", ["s1", "st", "en", "ax", "sp"], ["t"]),
                     helper.make_node("Concat", ["s0", "t"], ["y"], axis=1)], [1, 5, 6, 6],
                    [("sizes", ints(2, 3)), ("st", ints(1)), ("en", ints(2 ** 63 - 1)), ("ax", ints(1)), ("sp", ints(2))]),
    "reshape_flatten_transpose": ([helper.make_node("Transpose", ["x"], ["t"], perm=[0, 1, 3, 2]),
                                   helper.make_node("Reshape", ["t", "shape"], ["r"]),
                                   helper.make_node("Flatten", ["r"], ["y"])], [1, 2, 3, 4], [("shape", ints(0, 6, -1))]),
    "squeeze_unsqueeze": ([helper.make_node("GlobalAveragePool", ["x"], ["g"]), helper.make_node("Squeeze", ["g", "a"], ["s"]),
                           helper.make_node("Unsqueeze", ["s", "b"], ["y"])], [1, 3, 4, 4],
                          [("a", ints(2, 3)), ("b", ints(2))]),
    "resize_nearest": ([helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="nearest",
                                         coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
                       [1, 2, 3, 3], [("scales", np.array([1, 1, 2, 2], np.float32))]),
    "resize_bilinear_sizes": ([helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
                                                coordinate_transformation_mode="half_pixel")],
                              [1, 2, 3, 3], [("sizes", ints(1, 2, 7, 5))]),
    "pad": ([helper.make_node("Pad", ["x", "pads"], ["y"])], [1, 2, 3, 3], [("pads", ints(0, 0, 1, 2, 0, 0, 2, 0))]),
    "reduce": ([helper.make_node("ReduceMean", ["x", "axes"], ["m"], keepdims=1),
                helper.make_node("ReduceSum", ["m", "axes2"], ["s"], keepdims=0),
                helper.make_node("ReduceMax", ["s", "axes3"], ["y"], keepdims=0)], [1, 3, 4, 5],
               [("axes", ints(2)), ("axes2", ints(3)), ("axes3", ints(1))]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_op_against_onnxruntime(case):
    nodes, shape, initializers = CASES[case]
    model = graph_of(nodes, shape, initializers)
    check_against_onnxruntime(model, RNG.standard_normal(shape).astype(np.float32))


def test_same_lower_is_explicit_padding_and_same_upper_is_same():
    """SAME_UPPER is convcalc's 'same' (the extra pixel after); SAME_LOWER puts it before."""
    upper = imported(graph_of(*CASES["conv_same_upper"][:3]), "m.onnx").entries[0]["conv2d"]
    lower = imported(graph_of(*CASES["conv_same_lower"][:3]), "m.onnx").entries[0]["conv2d"]
    assert upper["padding"] == "same"
    assert lower["padding"] == [[1, 1], [1, 1]] or lower["padding"] == 1  # total 2: one each side
    odd = graph_of([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_LOWER")],
                   [1, 1, 7, 7])
    assert imported(odd, "m.onnx").entries[0]["maxpool2d"]["padding"] == [[1, 0], [1, 0]]


def test_same_lower_with_symbolic_sizes_is_refused():
    model = graph_of([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                                       auto_pad="SAME_LOWER")], [1, 1, "H", "W"])
    with pytest.raises(ConvcalcError) as caught:
        imported(model, "m.onnx")
    assert caught.value.key == "onnx_unsupported_form"
    assert "MaxPool" in caught.value.render()


def test_unsupported_op_names_node_op_index_and_the_supported_ops():
    model = graph_of([helper.make_node("Relu", ["x"], ["r"], name="first"),
                      helper.make_node("Cos", ["r"], ["y"], name="the_cosine")], [1, 3, 4, 4])
    with pytest.raises(ConvcalcError) as caught:
        imported(model, "m.onnx")
    message = caught.value.render()
    assert "node 1 (the_cosine)" in message and "Cos" in message and "Conv, ConvTranspose" in message


def test_symbolic_input_sizes_become_symbols():
    model = graph_of([conv(strides=[2, 2], pads=[1, 1, 1, 1])], ["batch", 3, "height", "width"],
                     [("w", weights(4, 3, 3, 3)), ("b", weights(4))])
    analysis, result = analysed(model)
    assert "batch: batch" in result.text and "input: [3, height, width]" in result.text
    assert set(analysis.symbols) == {"batch", "height", "width"}
    from convcalc.symbolic import substitute

    dims = analysis.layers[0].result.output.dims
    assert [substitute(d, {"height": 9, "width": 8}) for d in dims] == [4, 5, 4]  # floor((9 + 2 - 3)/2) + 1


# ----- torchvision exports ---------------------------------------------------------------------
def export(model, tmp_path, name, shape=(3, 64, 64), dynamic=False):
    torch = pytest.importorskip("torch")
    path = tmp_path / f"{name}.onnx"
    extra = dict(input_names=["x"], dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}}) if dynamic else {}
    torch.onnx.export(model, torch.zeros(1, *shape), str(path), dynamo=False, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False, **extra)
    return path


@pytest.mark.parametrize("builder, size", [("resnet18", 64), ("mobilenet_v2", 64), ("squeezenet1_1", 64),
                                           ("shufflenet_v2_x1_0", 64), ("convnext_tiny", 32)])
def test_torchvision_exports_against_torch_and_onnxruntime(builder, size, tmp_path, one_torch_thread):
    """Batch norm kept (TrainingMode.PRESERVE on an eval model, no constant folding); ConvNeXt's
    LayerNorm2d (transpose, layer norm, transpose) is one layernorm over: channels, its Linear
    (MatMul by a transposed weight, then Add) one dense, its layer_scale (Mul) a layer_scale."""
    from tests.torch_oracle import compare
    from tests.torchvision_oracle import build

    model = build(builder)
    path = export(model, tmp_path, builder, shape=(3, size, size))
    loaded = onnx.load(str(path))
    analysis, result = check_against_onnxruntime(loaded, RNG.standard_normal((1, 3, size, size)).astype(np.float32),
                                                 atol=1e-3)
    assert compare(analysis, model, (3, size, size)) == []
    torch_params = sum(p.numel() for p in model.parameters())
    assert analysis.totals.trainable == torch_params
    assert "conv" not in [report.name for report in analysis.layers]  # names are module paths, not generated


def test_symbolic_export_gives_symbolic_sizes(tmp_path, one_torch_thread):
    from tests.torchvision_oracle import build

    path = export(build("shufflenet_v2_x1_0"), tmp_path, "shuffle", dynamic=True)
    analysis, result = analysed(onnx.load(str(path)))
    assert set(analysis.symbols) == {"batch", "height", "width"}
    assert "channel_shuffle" in result.text
    concrete, _ = analysed(onnx.load(str(path)), values={"height": 64, "width": 64, "batch": 1})
    fixed, _ = analysed(onnx.load(str(export(build("shufflenet_v2_x1_0"), tmp_path, "fixed"))))
    assert concrete.totals.macs == fixed.totals.macs


# ----- files and the CLI -----------------------------------------------------------------------
def test_not_onnx_and_truncated_files_give_one_line(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not a protobuf \xff\xfe")
    runner = CliRunner()
    result = runner.invoke(main, ["analyze", str(bad)])
    assert result.exit_code == 2 and "bad.onnx" in result.output and "Traceback" not in result.output
    model = graph_of(*CASES["conv_pads"][:3])
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(model.SerializeToString()[:-40])
    result = runner.invoke(main, ["import", str(truncated)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_cli_import_analyze_run_verify(tmp_path):
    model = graph_of([conv(y="y0", pads=[1, 1, 1, 1]), helper.make_node("Relu", ["y0"], ["y"], name="act")],
                     [1, 3, 6, 6], [("w", weights(4, 3, 3, 3)), ("b", weights(4))])
    path = tmp_path / "small.onnx"
    onnx.save(model, str(path))
    runner = CliRunner()
    out = tmp_path / "small.yaml"
    result = runner.invoke(main, ["import", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "conv2d: {name: c, filters: 4, kernel: 3, padding: 1}" in out.read_text()
    assert all(len(line) <= 80 for line in out.read_text().splitlines() if not line.startswith("#"))
    result = runner.invoke(main, ["analyze", str(path)])
    assert result.exit_code == 0 and "act" in result.output
    result = runner.invoke(main, ["run", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["verify", str(path)])
    assert result.exit_code == 0, result.output


def test_run_uses_the_initializers(tmp_path):
    """convcalc run model.onnx computes with the model's own weights: its output is onnxruntime's."""
    nodes, shape, initializers = CASES["conv_pads"]
    model = graph_of(nodes, shape, initializers)
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    x = RNG.standard_normal(shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    saved = tmp_path / "out.npz"
    result = CliRunner().invoke(main, ["run", str(path), "--input", str(tmp_path / "x.npy"), "--save", str(saved)])
    assert result.exit_code == 0, result.output
    expected = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(np.load(saved)["c"], expected, atol=1e-5)


def test_an_op_folded_on_constants_only_is_refused_on_tensors():
    model = graph_of([helper.make_node("Cast", ["x"], ["y"], name="difference", to=TensorProto.FLOAT)], [1, 3, 4, 4])
    with pytest.raises(ConvcalcError) as caught:
        imported(model, "m.onnx")
    assert caught.value.key == "onnx_unsupported_form" and "difference" in caught.value.render()


def test_a_file_past_protobufs_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from convcalc.bridges import onnx_import

    path = tmp_path / "big.onnx"
    onnx.save(graph_of(*CASES["relu"][:3]), str(path))
    monkeypatch.setattr(onnx_import, "PROTOBUF_LIMIT", 10)
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 2 and "2 GiB" in result.output


def test_unnamed_symbolic_sizes_are_named_by_their_axis():
    model = graph_of([helper.make_node("Relu", ["x"], ["y"])], [1, 3, 4, 4])
    for position in (0, 2, 3):
        model.graph.input[0].type.tensor_type.shape.dim[position].Clear()
    analysis, result = analysed(model)
    assert set(analysis.symbols) == {"N", "H", "W"} and "input: [3, H, W]" in result.text


def test_external_data_is_read_only_for_a_run(tmp_path):
    """A model saved with its tensors outside: the analysis reads none of them, run reads them."""
    nodes, shape, initializers = CASES["conv_pads"]
    model = graph_of(nodes, shape, initializers)
    x = RNG.standard_normal(shape).astype(np.float32)
    expected = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    path = tmp_path / "outside.onnx"
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
              size_threshold=0)
    weights_file = tmp_path / "weights.bin"
    kept = weights_file.read_bytes()
    weights_file.write_bytes(b"")  # the analysis must not need them
    assert CliRunner().invoke(main, ["analyze", str(path)]).exit_code == 0
    weights_file.write_bytes(kept)
    np.save(tmp_path / "x.npy", x)
    saved = tmp_path / "out.npz"
    result = CliRunner().invoke(main, ["run", str(path), "--input", str(tmp_path / "x.npy"), "--save", str(saved)])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(saved)["c"], expected, atol=1e-5)


@pytest.mark.parametrize("output_format", ["table", "json", "markdown", "csv", "github"])
def test_analyze_an_onnx_file_in_every_format(tmp_path, output_format):
    path = tmp_path / "small.onnx"
    onnx.save(graph_of(*CASES["conv_pads"][:3]), str(path))
    result = CliRunner().invoke(main, ["analyze", str(path), "--format", output_format])
    assert result.exit_code == 0, result.output
    assert "conv2d" in result.output or output_format == "github"
    if output_format == "json":
        from conftest import one_spec

        layer = one_spec(result.output)["layers"][0]
        assert layer["name"] == "c" and layer["params"] == 4 * 3 * 9 + 4  # (F*F*C + 1)*K


def test_messages_in_spanish(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x96\x01garbage")
    result = CliRunner().invoke(main, ["analyze", str(bad), "--lang", "es"])
    assert result.exit_code == 2 and "no es un modelo ONNX" in result.output


def test_upsample_of_opset_9():
    model = graph_of([helper.make_node("Upsample", ["x", "scales"], ["y"], mode="nearest")], [1, 2, 3, 3],
                     [("scales", np.array([1, 1, 2, 3], np.float32))], opset=9)
    analysis, _ = check_against_onnxruntime(model, RNG.standard_normal((1, 2, 3, 3)).astype(np.float32))
    assert analysis.layers[0].result.output.dims == (2, 6, 9)


def test_an_op_of_another_domain_is_not_taken_for_the_standard_one():
    model = graph_of([helper.make_node("Relu", ["x"], ["y"], domain="com.example")], [1, 3, 4, 4])
    model.opset_import.append(helper.make_opsetid("com.example", 1))
    with pytest.raises(ConvcalcError) as caught:
        imported(model, "m.onnx")
    assert caught.value.key == "onnx_unsupported_op" and "com.example.Relu" in caught.value.render()


def test_subtract_and_divide_forward_as_torch(one_torch_thread):
    """The two layer types ONNX's Sub and Div become: torch.sub and torch.div, size-1 axes broadcast."""
    torch = pytest.importorskip("torch")
    from convcalc.layers import REGISTRY
    from convcalc.layers.base import NO_CHECKS, ReceptiveField, Tensor

    a, b = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((2, 3, 1, 1)) + 3
    for kind, function in (("subtract", torch.sub), ("divide", torch.div)):
        layer = REGISTRY[kind]()
        result = layer.infer([Tensor((3, 4, 5), ReceptiveField.identity(2)), Tensor((3, 1, 1), ReceptiveField.identity(2))],
                             NO_CHECKS)
        assert result.output.dims == (3, 4, 5) and result.flops == 60  # one operation per output element
        np.testing.assert_allclose(layer.forward([a, b], {}, None), function(torch.tensor(a), torch.tensor(b)).numpy())


def test_names_of_a_pattern_are_its_module_path():
    """torch's erf GELU of module block.4 (five nodes and their Constants under /block/block.4/) is
    the layer block.4; the residual Add of module block (a module holding others) is block.add."""
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="/block/block.3/Relu"),
             helper.make_node("Constant", [], ["sqrt2"], name="/block/block.4/Constant",
                              value=numpy_helper.from_array(np.array(2 ** 0.5, np.float32))),
             helper.make_node("Div", ["r", "sqrt2"], ["d"], name="/block/block.4/Div"),
             helper.make_node("Erf", ["d"], ["e"], name="/block/block.4/Erf"),
             helper.make_node("Add", ["e", "one"], ["a"], name="/block/block.4/Add"),
             helper.make_node("Mul", ["r", "a"], ["m"], name="/block/block.4/Mul"),
             helper.make_node("Mul", ["m", "half"], ["g"], name="/block/block.4/Mul_1"),
             helper.make_node("Add", ["g", "x"], ["y"], name="/block/Add")]
    model = graph_of(nodes, [1, 3, 4, 4], [("one", np.array(1, np.float32)), ("half", np.array(0.5, np.float32))])
    analysis, _ = check_against_onnxruntime(model, RNG.standard_normal((1, 3, 4, 4)).astype(np.float32))
    assert [(report.name, report.kind) for report in analysis.layers] == [
        ("block.3", "relu"), ("block.4", "gelu"), ("block.add", "add")]
