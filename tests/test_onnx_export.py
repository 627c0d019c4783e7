"""The ONNX exporter (convcalc.bridges.onnx_export) against onnxruntime: the exported model, run by
onnxruntime on the same seeded weights and input, gives what convcalc's NumPy executor gives;
onnx's checker accepts it; its initializers hold exactly convcalc's parameters and buffers; and
ONNX shape inference gives every layer convcalc's shape. Expected values come from the executor
(itself held against PyTorch by the executor tests) and from onnxruntime, never from the exporter."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text
from convcalc.bridges.onnx_export import OPSET, onnx_bytes
from convcalc.cli import main
from convcalc.execute import execute
from convcalc.layers import REGISTRY

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def session(data: bytes):
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # the machine is shared
    options.log_severity_level = 3
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def strip_weights(proto) -> None:
    """Turn the initializers into graph inputs of the same shapes: what the checker and shape
    inference read, without copying hundreds of MB of weights each time."""
    shapes = [(init.name, list(init.dims)) for init in proto.graph.initializer]
    del proto.graph.initializer[:]
    proto.graph.input.extend(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, dims)
                             for name, dims in shapes)


def inferred_shapes(proto) -> dict[str, list]:
    """Tensor name -> ONNX shape inference's dims (an int, or None where it has no number)."""
    inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=True)
    shapes = {}
    for info in [*inferred.graph.value_info, *inferred.graph.output]:
        dims = info.type.tensor_type.shape.dim
        shapes[info.name] = [dim.dim_value if dim.HasField("dim_value") else None for dim in dims]
    return shapes


LARGE = 5_000_000  # parameters above which the test hands the exporter the run's weights (not drawn twice)


def agree(analysis, rtol: float = 1e-4):
    """Export, check and run ``analysis``; every figure compared with convcalc's. Returns the model."""
    if analysis.spec.dtype == "float16":
        rtol = 1e-2  # the executor computes in float16, onnxruntime in float32
    run = execute(analysis)
    totals = analysis.totals
    parameters = totals.trainable + totals.non_trainable
    data = onnx_bytes(analysis, weights=run.weights if parameters > LARGE else None)
    proto = onnx.load_from_string(data)
    assert proto.opset_import[0].version == OPSET
    # the initializers are the parameters and buffers, by convcalc's names, with run's values
    assert sum(int(np.prod(init.dims)) for init in proto.graph.initializer) == parameters
    assert {init.name for init in proto.graph.initializer} == set(run.weights)
    if parameters <= LARGE:
        for init in proto.graph.initializer:
            np.testing.assert_array_equal(onnx.numpy_helper.to_array(init),
                                          run.weights[init.name].astype(np.float32))  # float32 whatever the dtype
    strip_weights(proto)
    onnx.checker.check_model(proto, full_check=True)
    # ONNX shape inference gives each layer convcalc's shape, batch first, and names nodes after layers
    shapes = inferred_shapes(proto)
    node_names = {node.name for node in proto.graph.node}
    for report in filter(lambda report: report.runs, analysis.layers):
        assert report.name in node_names
        tensors = report.result.tensors
        names = [report.name] if len(tensors) == 1 else [f"{report.name}.{i}" for i in range(len(tensors))]
        for name, tensor in zip(names, tensors):
            assert shapes[name] == [analysis.batch, *tensor.dims], name
    # onnxruntime's outputs are the executor's
    x = run.input if analysis.spec.layout == "chw" or run.input.ndim < 3 else np.moveaxis(run.input, 1, -1)
    ours = run.network_outputs
    sess = session(data)
    results = sess.run(None, {"input": x.astype(np.float32)})
    assert [output.name for output in sess.get_outputs()] == list(ours)
    for output, result in zip(sess.get_outputs(), results):
        expected = ours[output.name]
        np.testing.assert_allclose(result, expected, rtol=rtol, atol=rtol * max(1.0, float(np.abs(expected).max())),
                                   err_msg=output.name)
    return proto


SHIPPED = {  # spec: a small input it accepts (None: its own)
    "alexnet": (3, 100, 100),  # 2x2 before its adaptive pool to 6x6: bins that do not divide
    "vgg11": (3, 64, 64),
    "resnet18": (3, 64, 64),
    "resnet50": (3, 64, 64),
    "mobilenet_v2": (3, 64, 64),
    "mobilenet_v3_small": (3, 64, 64),
    "squeezenet1_1": (3, 64, 64),
    "densenet121": (3, 64, 64),
    "shufflenet_v2_x1_0": (3, 64, 64),
    "efficientnet_b0": (3, 64, 64),
    "convnext_tiny": (3, 32, 32),
    "googlenet": (3, 64, 64),
    "lenet5": None,
    "unet": (1, 188, 188),  # conv_transpose, center_crop, concat
    "inception_v3": (3, 75, 75),  # with its auxiliary head, which does not run in eval mode
    "googlenet_aux": (3, 64, 64),
    "deeplabv3_resnet50": (3, 48, 48),  # dilated convs, bilinear upsample to a reference's size
    "lraspp_mobilenet_v3_large": (3, 64, 64),
    "fcn_resnet50": (3, 40, 40),
    "regnet_y_400mf": (3, 64, 64),
    "mnasnet1_0": (3, 64, 64),
}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_spec_runs_in_onnxruntime_as_in_convcalc(name):
    shape = SHIPPED[name]
    analysis = analyze_file(SPECS / f"{name}.yaml", **({"input_shape": shape} if shape else {}))
    assert not analysis.errors
    agree(analysis)


@pytest.mark.parametrize("path", sorted((SPECS / "examples").glob("*.yaml")), ids=lambda path: path.stem)
def test_example_spec_with_written_weights_runs_as_in_convcalc(path):
    analysis = analyze_file(path)
    assert not analysis.errors
    agree(analysis)


def spec(input_shape, *layers, extra: str = "") -> str:
    lines = "\n".join(f"  - {layer}" for layer in layers)
    return f"name: t\ninput: {list(input_shape)}\n{extra}layers:\n{lines}\n"


BRANCHES = ["conv2d: {name: a, filters: 3, kernel: 3, padding: 1}",
            "conv2d: {name: b, filters: 3, kernel: 3, padding: 1, inputs: [input]}"]
CASES = {  # id: (input, layers, extra spec lines)
    "conv1d_same_stride": ([3, 11], ["conv1d: {filters: 4, kernel: 3, padding: same, stride: 2}"]),
    "conv2d_pairs_dilation_groups": ([3, 13, 12], [
        "conv2d: {filters: 6, kernel: 3, stride: 2, padding: [[1, 2], [0, 1]], dilation: 2, groups: 3}"]),
    "conv2d_full_no_bias": ([2, 6, 7], ["conv2d: {filters: 3, kernel: [3, 2], padding: full, bias: false}"]),
    "conv2d_same_stride2": ([3, 10, 9], ["conv2d: {filters: 2, kernel: 4, stride: 2, padding: same}"]),
    "conv3d": ([2, 5, 7, 6], ["conv3d: {filters: 2, kernel: [2, 3, 3], stride: [1, 2, 2], padding: 1}"]),
    "depthwise1d": ([3, 12], ["depthwise_conv1d: {kernel: 5, multiplier: 2}"]),
    "depthwise2d_same": ([3, 9, 9], ["depthwise_conv2d: {kernel: 3, multiplier: 2, padding: same, stride: 2}"]),
    "depthwise3d": ([2, 5, 5, 5], ["depthwise_conv3d: {kernel: 3, bias: false}"]),
    "separable1d": ([3, 10], ["separable_conv1d: {filters: 4, kernel: 3}"]),
    "separable2d": ([3, 9, 8], ["separable_conv2d: {filters: 5, kernel: 3, multiplier: 2, stride: 2, padding: 1}"]),
    "separable3d": ([2, 5, 5, 5], ["separable_conv3d: {filters: 3, kernel: 2, bias: false}"]),
    "transposed1d_output_padding": ([3, 6], [
        "conv_transpose1d: {filters: 3, kernel: 3, stride: 2, padding: 1, output_padding: 1}"]),
    "transposed2d_same": ([3, 5, 4], ["conv_transpose2d: {filters: 4, kernel: 3, stride: 2, padding: same}"]),
    "transposed2d_same_output_padding": ([3, 5, 4], [
        "conv_transpose2d: {filters: 2, kernel: 4, stride: 2, padding: same, output_padding: 1}"]),
    "transposed2d_output_size_groups_dilation": ([4, 5, 5], [
        "conv_transpose2d: {filters: 6, kernel: 3, stride: 3, padding: 1, groups: 2, dilation: 2, "
        "output_size: [16, 17]}"]),
    "transposed3d": ([2, 3, 3, 3], ["conv_transpose3d: {filters: 2, kernel: 2, stride: 2, bias: false}"]),
    "maxpool1d_dilation": ([3, 15], ["maxpool1d: {kernel: 3, stride: 2, dilation: 2, padding: 1}"]),
    "maxpool2d_ceil": ([3, 10, 11], ["maxpool2d: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}"]),
    "maxpool2d_ceil_overhang": ([2, 10, 10], ["maxpool2d: {kernel: 4, stride: 3, padding: 2, ceil_mode: true}"]),
    "maxpool3d": ([2, 4, 6, 6], ["maxpool3d: {kernel: 2}"]),
    "avgpool1d": ([3, 9], ["avgpool1d: {kernel: 3, stride: 2}"]),
    "avgpool2d_ceil_exclude_pad": ([3, 10, 11], [
        "avgpool2d: {kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}"]),
    "avgpool2d_ceil_include_pad": ([2, 10, 10], [
        "avgpool2d: {kernel: 4, stride: 3, padding: 2, ceil_mode: true, count_include_pad: true}"]),
    "avgpool2d_dilation": ([2, 9, 9], ["avgpool2d: {kernel: 2, stride: 1, dilation: 2, padding: 1}"]),
    "avgpool3d": ([2, 4, 4, 4], ["avgpool3d: {kernel: 2, padding: 1, count_include_pad: false}"]),
    "sumpool1d": ([3, 9], ["sumpool1d: {kernel: 3, stride: 2, padding: 1}"]),
    "sumpool2d_ceil": ([2, 10, 10], ["sumpool2d: {kernel: 4, stride: 3, padding: 2, ceil_mode: true}"]),
    "sumpool3d": ([2, 4, 4, 4], ["sumpool3d: {kernel: 2}"]),
    "subsample1d": ([3, 9], ["subsample1d: {kernel: 3, stride: 2, padding: 1}"]),
    "subsample2d_ceil": ([2, 10, 10], ["subsample2d: {kernel: 4, stride: 3, padding: 2, ceil_mode: true}"]),
    "subsample3d": ([2, 4, 4, 4], ["subsample3d: {kernel: 2}"]),
    "lppool2d": ([3, 8, 8], ["lppool2d: {kernel: 2, p: 2}"]),
    "lppool1d_odd_p_ceil": ([3, 10], ["relu: {}", "lppool1d: {kernel: 3, stride: 2, p: 3, ceil_mode: true}"]),
    "lppool3d_inf": ([2, 4, 4, 4], ["lppool3d: {kernel: 2, p: .inf}"]),
    "global_avgpool2d": ([3, 5, 6], ["global_avgpool2d: {}"]),
    "global_maxpool2d_keepdims": ([3, 5, 6], ["global_maxpool2d: {keepdims: true}"]),
    "global_avgpool1d_keepdims": ([3, 7], ["global_avgpool1d: {keepdims: true}"]),
    "global_maxpool3d": ([2, 3, 4, 5], ["global_maxpool3d: {}"]),
    "global_lppool2d": ([3, 5, 6], ["relu: {}", "global_lppool2d: {p: 3}"]),
    "global_lppool1d_keepdims_inf": ([3, 7], ["global_lppool1d: {p: .inf, keepdims: true}"]),
    "global_lppool3d": ([2, 3, 4, 5], ["relu: {}", "global_lppool3d: {}"]),
    "global_avgpool3d": ([2, 3, 4, 5], ["global_avgpool3d: {}"]),
    "global_maxpool1d": ([2, 6], ["global_maxpool1d: {}"]),
    "adaptive_avgpool2d_uneven": ([3, 7, 9], ["adaptive_avgpool2d: {output_size: [2, 4]}"]),
    "adaptive_avgpool2d_growing": ([3, 2, 2], ["adaptive_avgpool2d: {output_size: 3}"]),
    "adaptive_maxpool2d_dividing": ([3, 8, 6], ["adaptive_maxpool2d: {output_size: [2, 3]}"]),
    "adaptive_avgpool1d_one": ([3, 7], ["adaptive_avgpool1d: {output_size: 1}"]),
    "adaptive_maxpool1d_uneven": ([3, 7], ["adaptive_maxpool1d: {output_size: 3}"]),
    "adaptive_maxpool3d": ([2, 4, 5, 6], ["adaptive_maxpool3d: {output_size: [2, 2, 4]}"]),
    "adaptive_avgpool3d": ([2, 4, 4, 4], ["adaptive_avgpool3d: {output_size: 2}"]),
    "batchnorm2d": ([3, 4, 4], ["batchnorm2d: {eps: 0.001}"]),
    "batchnorm2d_no_affine": ([3, 4, 4], ["batchnorm2d: {affine: false}"]),
    "batchnorm2d_batch_statistics": ([3, 4, 4], ["batchnorm2d: {track_running_stats: false}"], "batch: 3\n"),
    "batchnorm1d_flat": ([3, 4], ["flatten: {}", "batchnorm1d: {}"], "batch: 2\n"),
    "batchnorm1d": ([3, 7], ["batchnorm1d: {}"]),
    "batchnorm3d": ([2, 3, 3, 3], ["batchnorm3d: {affine: false, track_running_stats: false}"], "batch: 2\n"),
    "layernorm_all": ([3, 4, 5], ["layernorm: {}"]),
    "layernorm_channels": ([3, 4, 5], ["layernorm: {over: channels, eps: 1e-6}"]),
    "layernorm_last_axis": ([3, 4, 5], ["layernorm: {over: last_axis}"]),
    "layernorm_no_affine": ([3, 4, 5], ["layernorm: {affine: false}"]),
    "layernorm_flat_channels": ([6], ["layernorm: {over: channels}"]),
    "groupnorm": ([4, 3, 3], ["groupnorm: {groups: 2}"]),
    "groupnorm_no_affine": ([6, 3], ["groupnorm: {groups: 3, affine: false}"]),
    "lrn_odd": ([7, 3, 3], ["lrn: {size: 5}"]),
    "lrn_even": ([7, 3, 3], ["lrn: {size: 4, alpha: 0.01, beta: 0.75, k: 2.0}"]),
    **{kind: ([3, 4, 4], ["conv2d: {filters: 3, kernel: 1}", f"{kind}: {{}}"]) for kind in (
        "relu", "relu6", "sigmoid", "tanh", "gelu", "silu", "hardswish", "hardsigmoid", "softplus", "mish", "selu")},
    "relu6_wide": ([3, 4, 4], ["conv2d: {filters: 3, kernel: 1}", "layer_scale: {}", "relu6: {}"]),
    "leaky_relu": ([3, 4, 4], ["leaky_relu: {negative_slope: 0.2}"]),
    "elu": ([3, 4, 4], ["elu: {alpha: 0.5}"]),
    "prelu": ([3, 4, 4], ["prelu: {}"]),
    "prelu_per_channel": ([3, 4, 4], ["prelu: {per_channel: true}"]),
    "softmax": ([5, 2, 2], ["softmax: {}"]),
    "log_softmax": ([5], ["log_softmax: {}"]),
    "flatten_dense": ([3, 4, 4], ["flatten: {}", "dense: {units: 5}"]),
    "dense_no_bias": ([6], ["dense: {units: 4, bias: false}"]),
    "dense_last_axis": ([3, 4, 5], ["dense: {units: 2, over: last_axis}"]),
    "dense_last_axis_no_bias": ([3, 5], ["dense: {units: 2, over: last_axis, bias: false}"]),
    "flatten_some_axes": ([3, 4, 5], ["flatten: {start_axis: 1}"]),
    "flatten_channels_rows": ([3, 4, 5, 2], ["flatten: {start_axis: 0, end_axis: 1}"]),
    "flatten_hwc": ([4, 5, 3], ["conv2d: {filters: 2, kernel: 3}", "flatten: {}", "dense: {units: 3}"],
                    "layout: hwc\n"),
    "dropout": ([3, 4], ["dropout: {rate: 0.3}"]),
    "float64_spec": ([3, 5, 5], ["conv2d: {filters: 2, kernel: 3}", "gelu: {}"], "dtype: float64\n"),
    "float16_spec": ([3, 5, 5], ["conv2d: {filters: 2, kernel: 3}"], "dtype: float16\n"),
    "add": ([3, 5, 5], [*BRANCHES, "add: {inputs: [a, b, input]}"]),
    "multiply_gate": ([3, 5, 5], ["conv2d: {name: a, filters: 3, kernel: 3, padding: 1}",
                                  "global_avgpool2d: {name: g, keepdims: true, inputs: [input]}",
                                  "sigmoid: {name: s}", "multiply: {inputs: [a, s]}"]),
    "subtract_divide": ([3, 5, 5], [*BRANCHES, "subtract: {name: d, inputs: [a, b]}", "sigmoid: {name: s}",
                                    "divide: {inputs: [d, s]}"]),
    "concat": ([3, 5, 5], [*BRANCHES, "concat: {inputs: [a, b, input]}"]),
    "concat_axis": ([3, 5, 5], [*BRANCHES, "concat: {axis: 2, inputs: [a, b]}"]),
    "split_chunks": ([6, 3, 3], ["split: {name: s, chunks: 3}", "add: {inputs: [s.0, s.2]}"]),
    "split_sizes_axis": ([2, 7, 3], ["split: {name: s, axis: 1, sizes: [2, 5]}", "conv2d: {filters: 2, kernel: 1, "
                                                                              "inputs: [s.1]}"]),
    "split_uneven_chunks": ([7, 2], ["split: {chunks: 3}"]),
    "slice": ([6, 5, 5], ["slice: {start: 1, end: -1, step: 2}"]),
    "slice_axis_to_end": ([3, 7, 5], ["slice: {axis: -1, start: -3}"]),
    "channel_shuffle": ([6, 3, 4], ["channel_shuffle: {groups: 2}"]),
    "channel_shuffle_1d": ([6, 5], ["channel_shuffle: {groups: 3}"]),
    "reshape": ([4, 3, 2], ["reshape: {shape: [2, -1, 3]}"]),
    "permute": ([4, 3, 2], ["permute: {dims: [2, 0, 1]}"]),
    "transpose": ([4, 3, 2], ["transpose: {dim0: -1, dim1: 0}"]),
    "reduce_mean_keepdim": ([4, 3, 5], ["reduce: {axes: [1, 2], keepdim: true}"]),
    "reduce_sum": ([4, 3, 5], ["reduce: {op: sum, axes: 0}"]),
    "reduce_max_all": ([4, 3, 5], ["reduce: {op: max, axes: [0, 1, 2]}"]),
    "identity": ([3, 4], ["identity: {}"]),
    "stochastic_depth": ([3, 4, 4], ["stochastic_depth: {p: 0.2}"]),
    "layer_scale": ([3, 4, 4], ["layer_scale: {}"]),
    "layer_scale_flat": ([5], ["layer_scale: {}"]),
    "zeropad1d": ([2, 5], ["zeropad1d: {padding: [[1, 3]]}"]),
    "zeropad2d": ([2, 5, 4], ["zeropad2d: {padding: [[0, 2], [1, 0]]}"]),
    "zeropad3d": ([2, 2, 3, 2], ["zeropad3d: {padding: 1}"]),
    "crop1d": ([2, 8], ["crop1d: {cropping: [[2, 0]]}"]),
    "crop2d": ([2, 8, 7], ["crop2d: {cropping: [[1, 2], [0, 3]]}"]),
    "crop3d": ([2, 4, 5, 6], ["crop3d: {cropping: 1}"]),
    "center_crop2d": ([2, 9, 8], ["maxpool2d: {name: p, kernel: 2}", "center_crop2d: {inputs: [input, p]}"]),
    "center_crop1d": ([2, 9], ["avgpool1d: {name: p, kernel: 2}", "center_crop1d: {inputs: [input, p]}"]),
    "center_crop3d": ([2, 5, 6, 7], ["maxpool3d: {name: p, kernel: 2}", "center_crop3d: {inputs: [input, p]}"]),
    "upsample2d_nearest": ([2, 3, 4], ["upsample2d: {scale: 2}"]),
    "upsample2d_nearest_fraction": ([2, 4, 6], ["upsample2d: {scale: '3/2'}"]),
    "upsample2d_nearest_size": ([2, 3, 4], ["upsample2d: {size: [7, 5]}"]),
    "upsample2d_bilinear": ([2, 3, 4], ["upsample2d: {scale: 2, mode: bilinear}"]),
    "upsample2d_bilinear_size": ([2, 5, 4], ["upsample2d: {size: [8, 3], mode: bilinear}"]),
    "upsample2d_bilinear_corners": ([2, 5, 4], ["upsample2d: {size: [8, 3], mode: bilinear, align_corners: true}"]),
    "upsample1d_linear": ([2, 5], ["upsample1d: {scale: 3, mode: bilinear}"]),
    "upsample3d_trilinear": ([2, 2, 3, 2], ["upsample3d: {scale: 2, mode: bilinear}"]),
    "upsample1d_nearest": ([2, 5], ["upsample1d: {scale: 2.5}"]),
    "upsample3d_nearest": ([2, 2, 3, 2], ["upsample3d: {size: [4, 4, 3]}"]),
    "upsample2d_reference": ([2, 6, 5], ["maxpool2d: {name: p, kernel: 2}", "upsample2d: {size: reference, mode: "
                                         "bilinear, inputs: [p, input]}"]),
    "upsample1d_reference_nearest": ([2, 7], ["maxpool1d: {name: p, kernel: 2}", "upsample1d: {size: reference, "
                                              "inputs: [p, input]}"]),
    "upsample2d_zeros": ([2, 3, 4], ["upsample2d: {scale: [2, 3], mode: zeros}"]),
    "upsample1d_zeros": ([2, 3], ["upsample1d: {scale: 2, mode: zeros}"]),
    "upsample3d_zeros": ([2, 2, 2, 2], ["upsample3d: {scale: 2, mode: zeros}"]),
    "maxunpool2d": ([2, 6, 6], ["conv2d: {name: c, filters: 3, kernel: 3, padding: 1}",
                                "maxpool2d: {name: p, kernel: 2}", "maxunpool2d: {kernel: 2, inputs: [p, c]}"]),
    "maxunpool2d_padding_stride": ([2, 7, 7], ["maxpool2d: {name: p, kernel: 3, stride: 2, padding: 1}",
                                               "maxunpool2d: {kernel: 3, stride: 2, padding: 1, inputs: [p, input]}"]),
    "maxunpool1d": ([2, 8], ["maxpool1d: {name: p, kernel: 2}", "maxunpool1d: {kernel: 2, inputs: [p, input]}"]),
    "maxunpool3d": ([2, 4, 4, 4], ["maxpool3d: {name: p, kernel: 2}",
                                   "maxunpool3d: {kernel: 2, inputs: [p, input]}"]),
}


@pytest.mark.parametrize("case", CASES)
def test_layer_type_runs_in_onnxruntime_as_in_convcalc(case):
    input_shape, layers, *extra = CASES[case]
    analysis = analyze_text(spec(input_shape, *layers, extra="".join(extra)))
    assert not analysis.errors, [finding.render() for finding in analysis.errors]
    agree(analysis)


def test_every_layer_type_is_in_the_battery():
    """A type added to convcalc without a case here (and so perhaps without an ONNX form) fails this."""
    written = {layer.split(":")[0] for _, layers, *_ in CASES.values() for layer in layers}
    assert set(REGISTRY) - written - GRAPH_TYPES == set()


# The graph layers (issue 17) have no ONNX form (their edge list is no ONNX input of convcalc's):
# the exporter refuses them with its one-line message (tests/test_graph_conv.py).
GRAPH_TYPES = {kind for kind in REGISTRY if REGISTRY[kind].__module__ == "convcalc.layers.graph_conv"}


def test_symbolic_spec_exports_a_dynamic_model(tmp_path):
    """Symbols become dim_params of the input (batch N too); the one model runs at two sizes as
    convcalc runs the spec with those sizes given."""
    text = spec(["3", "H", "W"], "conv2d: {filters: 4, kernel: 3, stride: 2, padding: same}",
                "batchnorm2d: {}", "relu: {name: r}", "conv2d: {name: v, filters: 4, kernel: 3}",
                "center_crop2d: {inputs: [r, v]}", "maxpool2d: {kernel: 3, stride: 2, ceil_mode: true}",
                "conv_transpose2d: {filters: 2, kernel: 2, stride: 2}", "channel_shuffle: {groups: 2}",
                "split: {name: s, chunks: 2, axis: 1}", "center_crop2d: {inputs: [s.0, s.1]}",
                "flatten: {start_axis: 1}", "adaptive_avgpool1d: {output_size: 1}", "flatten: {}",
                "dense: {units: 3}", extra="batch: N\n")
    text = text.replace("input: ['3', 'H', 'W']", "input: [3, H, W]")
    analysis = analyze_text(text)
    assert not analysis.errors and analysis.symbols
    proto = onnx.load_from_string(onnx_bytes(analysis))
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [dim.dim_param or dim.dim_value for dim in dims] == ["N", 3, "H", "W"]
    sess = session(proto.SerializeToString())
    for batch, height, width in ((1, 21, 24), (2, 28, 19)):
        concrete = analyze_text(text, values={"N": batch, "H": height, "W": width})
        run = execute(concrete)
        (result,) = sess.run(None, {"input": run.input})
        np.testing.assert_allclose(result, run.outputs[concrete.outputs[0]], rtol=1e-4, atol=1e-5)


REFUSED = {  # a layer on symbolic sizes that ONNX cannot express with fixed attributes: (layer, words in the message)
    "adaptive_avgpool2d: {name: pool, output_size: 2}": ("pool", "adaptive_avgpool2d", "[2, 2]"),
    "sumpool2d: {name: pool, kernel: 3, stride: 2, ceil_mode: true}": ("pool", "sumpool2d", "ceil"),
    "conv_transpose2d: {name: up, filters: 2, kernel: 3, stride: 2, output_size: [17, 17]}": ("up", "conv_transpose2d",
                                                                                           "output padding"),
    "layernorm: {name: norm, affine: false}": ("norm", "layernorm", "affine"),
    "dense: {name: fc, units: 3}": ("fc", "weight", "H"),  # after a flatten: a weight of symbolic size
}


@pytest.mark.parametrize("layer", REFUSED)
def test_what_fixed_onnx_attributes_cannot_express_is_refused_in_one_line(tmp_path, layer):
    path = tmp_path / "symbolic.yaml"
    before = ["flatten: {}"] if layer.startswith("dense") else []
    path.write_text(spec([2, "H", "H"], *before, layer).replace("'", ""))
    target = tmp_path / "m.onnx"
    result = CliRunner().invoke(main, ["export", str(path), "--to", "onnx", "-o", str(target)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and all(word in lines[0] for word in REFUSED[layer]), result.output
    assert str(path) in lines[0] and not target.exists()
    given = CliRunner().invoke(main, ["export", str(path), "--to", "onnx", "-o", str(target), "--set", "H=8"])
    assert given.exit_code == 0, given.output  # with the size given, the same layer exports


def test_weights_beyond_what_one_onnx_file_holds_are_refused_before_they_are_drawn(tmp_path):
    """600030000 parameters are 2.2 GiB in float32: over protobuf's 2 GiB, refused in a line at once."""
    path = tmp_path / "wide.yaml"
    path.write_text(spec([20000], "dense: {units: 30000}"))
    result = CliRunner().invoke(main, ["export", str(path), "--to", "onnx", "-o", str(tmp_path / "m.onnx")])
    assert result.exit_code == 2
    assert result.output.strip() == f"{path}: 600030000 parameters take 2.2 GiB in float32, more than the 2 GiB " \
                                     "an ONNX file holds without external data"


def test_a_type_without_an_onnx_form_is_refused_naming_layer_and_type(tmp_path, monkeypatch):
    monkeypatch.delattr(REGISTRY["identity"], "to_onnx")
    path = tmp_path / "plain.yaml"
    path.write_text(spec([3, 4], "identity: {name: keep}"))
    result = CliRunner().invoke(main, ["export", str(path), "--to", "onnx", "-o", str(tmp_path / "m.onnx")])
    assert result.exit_code == 2
    assert result.output.strip() == f"{path}:4:5: layer keep (identity): convcalc has no ONNX form for this type, " \
                                     "so it cannot be exported"
    spanish = CliRunner().invoke(main, ["export", str(path), "--to", "onnx", "-o", str(tmp_path / "m.onnx"),
                                        "--lang", "es"])
    assert "no tiene forma ONNX" in spanish.output


def test_export_through_the_cli_with_weights_and_force(tmp_path):
    target = tmp_path / "lenet5.onnx"
    runner = CliRunner()
    result = runner.invoke(main, ["export", "lenet5", "--to", "onnx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    seeded = onnx.load(str(target))
    analysis = analyze_file(SPECS / "lenet5.yaml")
    run = execute(analysis)
    assert {init.name: onnx.numpy_helper.to_array(init).tolist() for init in seeded.graph.initializer} == {
        key: value.tolist() for key, value in run.weights.items()}
    (result_values,) = session(target.read_bytes()).run(None, {"input": run.input})
    np.testing.assert_allclose(result_values, run.outputs["output"], rtol=1e-4, atol=1e-6)

    # an existing file is refused, and kept as it was
    before = target.read_bytes()
    weights = {key: np.full(value.shape, 0.01, dtype=np.float32) for key, value in run.weights.items()}
    np.savez(tmp_path / "w.npz", **weights)
    refused = runner.invoke(main, ["export", "lenet5", "--to", "onnx", "-o", str(target), "--weights",
                                   str(tmp_path / "w.npz")])
    assert refused.exit_code == 2 and target.read_bytes() == before

    # --force replaces it; --weights gives the initializers
    forced = runner.invoke(main, ["export", "lenet5", "--to", "onnx", "-o", str(target), "--force", "--weights",
                                  str(tmp_path / "w.npz")])
    assert forced.exit_code == 0, forced.output
    model = onnx.load(str(target))
    assert all(np.all(onnx.numpy_helper.to_array(init) == np.float32(0.01)) for init in model.graph.initializer)
    with_file = execute(analysis, weights_file=str(tmp_path / "w.npz"))
    (values,) = session(target.read_bytes()).run(None, {"input": with_file.input})
    np.testing.assert_allclose(values, with_file.outputs["output"], rtol=1e-4, atol=1e-6)

    # another seed, other weights: as `run --seed`
    other = runner.invoke(main, ["export", "lenet5", "--to", "onnx", "-o", str(tmp_path / "s.onnx"), "--seed", "3"])
    assert other.exit_code == 0
    seeded3 = {init.name: onnx.numpy_helper.to_array(init)
               for init in onnx.load(str(tmp_path / "s.onnx")).graph.initializer}
    reference = execute(analysis, seed=3).weights
    assert all(np.array_equal(seeded3[key], reference[key]) for key in reference)


def test_symbolic_spec_through_the_cli_gives_dim_params(tmp_path):
    target = tmp_path / "resnet18.onnx"
    result = CliRunner().invoke(main, ["export", "resnet18", "--to", "onnx", "-o", str(target), "--input", "3xHxW"])
    assert result.exit_code == 0, result.output
    model = onnx.load(str(target))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [dim.dim_param or dim.dim_value for dim in dims] == [1, 3, "H", "W"]
    (output,) = model.graph.output
    assert [dim.dim_value for dim in output.type.tensor_type.shape.dim] == [1, 1000]
    x = np.random.default_rng(0).standard_normal((1, 3, 40, 56)).astype(np.float32)
    (values,) = session(target.read_bytes()).run(None, {"input": x})
    assert values.shape == (1, 1000)


def test_hwc_spec_takes_its_input_channels_last():
    analysis = analyze_text(spec([6, 5, 3], "conv2d: {filters: 2, kernel: 3}", "relu: {}", extra="layout: hwc\n"))
    proto = agree(analysis)
    dims = proto.graph.input[0].type.tensor_type.shape.dim  # the initializers follow it as inputs
    assert [dim.dim_value for dim in dims] == [1, 6, 5, 3]
    assert proto.graph.node[0].op_type == "Transpose"


def test_concrete_shapes_are_numbers():
    """A concrete spec's outputs are declared with numbers only (no dim_param)."""
    analysis = analyze_file(SPECS / "lenet5.yaml")
    proto = onnx.load_from_string(onnx_bytes(analysis))
    for value in [*proto.graph.input, *proto.graph.output]:
        assert all(dim.HasField("dim_value") for dim in value.type.tensor_type.shape.dim)



SYMBOLIC = {"lraspp_mobilenet_v3_large": ((3, 64, 64), (3, 57, 70)),  # upsample to a reference's symbolic size
            "googlenet": ((3, 64, 72), (3, 57, 64)),  # ceil-mode max pools on symbolic sizes
            "shufflenet_v2_x1_0": ((3, 32, 32), (3, 47, 40))}  # channel shuffle and split on symbolic sizes


@pytest.mark.parametrize("name", SYMBOLIC)
def test_shipped_spec_with_symbolic_sizes_runs_at_given_sizes(name):
    """--input CxHxW: one dynamic model, which onnxruntime runs at sizes the executor runs with H, W given."""
    channels = SYMBOLIC[name][0][0]
    symbolic = analyze_file(SPECS / f"{name}.yaml", input_shape=(channels, "H", "W"))
    assert not symbolic.errors and symbolic.symbols == ("H", "W")
    sess, weights = None, None
    for shape in SYMBOLIC[name]:
        concrete = analyze_file(SPECS / f"{name}.yaml", input_shape=shape)
        assert not concrete.errors
        run = execute(concrete, weights=weights)  # the weights do not depend on H and W: drawn once
        if sess is None:
            weights = run.weights
            sess = session(onnx_bytes(symbolic, weights=weights))
        (result,) = sess.run(None, {"input": run.input})
        (expected,) = run.network_outputs.values()
        np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(expected).max())))
