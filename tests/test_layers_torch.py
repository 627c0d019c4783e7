"""Every layer rule against PyTorch, for random hyperparameters and input sizes (hypothesis).

For each case: the concrete analysis, the symbolic analysis evaluated at the same sizes, and
PyTorch (on the meta device: shapes only, no memory) must agree on the output shape, the
parameter and buffer counts, MACs (FlopCounterMode's FLOPs / 2) for weighted layers, and on
whether the layer is valid at all (PyTorch raises exactly when convcalc reports an error).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import analyze_text
from convcalc.symbolic import substitute

torch = pytest.importorskip("torch")
nn = torch.nn
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def spec_text(channels, sizes, layer: dict) -> str:
    return f"name: case\ninput: {json.dumps([channels, *sizes])}\nlayers:\n  - {json.dumps(layer)}\n"


def torch_figures(module, channels, sizes):
    """(shape, trainable, buffers, MACs) from PyTorch, or None when PyTorch rejects the case."""
    try:
        module = module.to("meta")
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            out = module(torch.empty((1, channels, *sizes), device="meta"))
    except (RuntimeError, ValueError):
        return None
    if 0 in out.shape:
        return None
    buffers = sum(b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked"))
    return tuple(out.shape[1:]), sum(p.numel() for p in module.parameters()), buffers, counter.get_total_flops() // 2


def check_against_torch(layer: dict, module_factory, channels, sizes, weighted: bool):
    rank = len(sizes)
    expected = torch_figures(module_factory(), channels, sizes)
    concrete = analyze_text(spec_text(channels, sizes, layer))
    symbolic = analyze_text(spec_text("C", AXES[rank], layer))
    env = {"C": channels, **dict(zip(AXES[rank], sizes))}
    if expected is None:
        assert concrete.errors, f"PyTorch rejects {layer} at {sizes}, convcalc accepts it"
        return
    assert not concrete.errors, [f.render() for f in concrete.errors]
    shape, trainable, buffers, macs = expected
    (report,) = concrete.layers
    assert tuple(report.result.output.dims) == shape
    assert (report.result.trainable, report.result.non_trainable) == (trainable, buffers)
    if weighted:
        assert report.result.macs == macs
    (symbolic_report,) = symbolic.layers
    if symbolic_report.result is not None:  # the symbolic path gives the same figures at these sizes
        result = symbolic_report.result
        assert tuple(substitute(d, env) for d in result.output.dims) == shape
        assert substitute(result.trainable, env) == trainable
        assert substitute(result.macs, env) == report.result.macs
        assert substitute(result.flops, env) == report.result.flops


ranks = st.sampled_from([1, 2, 3])


@st.composite
def window_case(draw, max_size=20):
    rank = draw(ranks)
    sizes = [draw(st.integers(1, max_size if rank < 3 else 9)) for _ in range(rank)]
    kernel = [draw(st.integers(1, 5)) for _ in range(rank)]
    stride = [draw(st.integers(1, 4)) for _ in range(rank)]
    dilation = [draw(st.integers(1, 3)) for _ in range(rank)]
    return rank, sizes, kernel, stride, dilation


@SETTINGS
@given(window_case(), st.integers(1, 3), st.integers(1, 3), st.data())
def test_conv(case, group_count, filters_per_group, data):
    rank, sizes, kernel, stride, dilation = case
    channels = group_count * data.draw(st.integers(1, 3))
    padding_kind = data.draw(st.sampled_from(["int", "list", "valid", "same"]))
    if padding_kind == "same":
        stride = [1] * rank  # PyTorch's padding='same' needs stride 1
    padding = {"int": data.draw(st.integers(0, 3)), "list": [data.draw(st.integers(0, 3)) for _ in range(rank)],
               "valid": "valid", "same": "same"}[padding_kind]
    bias = data.draw(st.booleans())
    filters = group_count * filters_per_group
    layer = {f"conv{rank}d": {"filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
                              "dilation": dilation, "groups": group_count, "bias": bias}}
    conv = getattr(nn, f"Conv{rank}d")
    check_against_torch(layer, lambda: conv(channels, filters, kernel, stride, padding, dilation, group_count, bias),
                        channels, sizes, weighted=True)


@SETTINGS
@given(window_case(max_size=8), st.integers(1, 2), st.data())
def test_conv_transpose(case, group_count, data):
    rank, sizes, kernel, stride, dilation = case
    channels = group_count * data.draw(st.integers(1, 3))
    filters = group_count * data.draw(st.integers(1, 3))
    padding = [data.draw(st.integers(0, 3)) for _ in range(rank)]
    output_padding = [data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)]
    layer = {f"conv_transpose{rank}d": {"filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
                                        "output_padding": output_padding, "dilation": dilation,
                                        "groups": group_count}}
    tconv = getattr(nn, f"ConvTranspose{rank}d")
    check_against_torch(layer, lambda: tconv(channels, filters, kernel, stride, padding, output_padding,
                                             group_count, True, dilation), channels, sizes, weighted=True)


@SETTINGS
@given(window_case(), st.booleans(), st.data())
def test_max_pool(case, ceil_mode, data):
    rank, sizes, kernel, stride, dilation = case
    padding = [data.draw(st.integers(0, k // 2)) for k in kernel]
    layer = {f"maxpool{rank}d": {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
                                 "ceil_mode": ceil_mode}}
    pool = getattr(nn, f"MaxPool{rank}d")
    check_against_torch(layer, lambda: pool(kernel, stride, padding, dilation, ceil_mode=ceil_mode),
                        3, sizes, weighted=False)


@SETTINGS
@given(window_case(), st.booleans(), st.booleans(), st.data())
def test_avg_pool(case, ceil_mode, count_include_pad, data):
    rank, sizes, kernel, stride, _ = case
    padding = [data.draw(st.integers(0, k // 2)) for k in kernel]
    layer = {f"avgpool{rank}d": {"kernel": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode,
                                 "count_include_pad": count_include_pad}}
    pool = getattr(nn, f"AvgPool{rank}d")
    check_against_torch(layer, lambda: pool(kernel, stride, padding, ceil_mode, count_include_pad),
                        2, sizes, weighted=False)


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 8), st.integers(1, 8))
def test_adaptive_avg_pool(height, width, out_h, out_w):
    layer = {"adaptive_avgpool2d": {"output_size": [out_h, out_w]}}
    check_against_torch(layer, lambda: nn.AdaptiveAvgPool2d((out_h, out_w)), 4, [height, width], weighted=False)


@SETTINGS
@given(st.integers(1, 30), st.integers(1, 30), st.sampled_from(["nearest", "bilinear"]),
       st.sampled_from(["2", "3", "1.5", "0.5", "5/2"]))
def test_upsample(height, width, mode, scale):
    from fractions import Fraction

    factor = float(Fraction(scale))
    layer = {"upsample2d": {"scale": scale, "mode": mode}}
    check_against_torch(layer, lambda: nn.Upsample(scale_factor=factor, mode=mode), 2, [height, width],
                        weighted=False)


@SETTINGS
@given(st.integers(1, 300), st.integers(1, 300), st.booleans())
def test_dense(features, units, bias):
    text = f"name: d\ninput: [{features}]\nlayers:\n  - dense: {{units: {units}, bias: {str(bias).lower()}}}\n"
    (report,) = analyze_text(text).layers
    linear = nn.Linear(features, units, bias=bias)
    assert report.result.trainable == sum(p.numel() for p in linear.parameters())
    with FlopCounterMode(display=False) as counter:
        linear.to("meta")(torch.empty((1, features), device="meta"))
    assert report.result.macs == counter.get_total_flops() // 2


@pytest.mark.parametrize("layer, module, channels", [
    ({"batchnorm2d": {}}, lambda: nn.BatchNorm2d(12), 12),
    ({"batchnorm2d": {"affine": False}}, lambda: nn.BatchNorm2d(12, affine=False), 12),
    ({"groupnorm": {"groups": 4}}, lambda: nn.GroupNorm(4, 12), 12),
    ({"layernorm": {}}, lambda: nn.LayerNorm([12, 7, 9]), 12),
    ({"lrn": {"size": 5}}, lambda: nn.LocalResponseNorm(5), 12),
    ({"prelu": {"per_channel": True}}, lambda: nn.PReLU(12), 12),
    ({"prelu": {}}, lambda: nn.PReLU(), 12),
    ({"depthwise_conv2d": {"kernel": 3, "multiplier": 2}}, lambda: nn.Conv2d(12, 24, 3, groups=12), 12),
    ({"zeropad2d": {"padding": [[1, 2], [3, 0]]}}, lambda: nn.ZeroPad2d((3, 0, 1, 2)), 12),
    ({"global_avgpool2d": {"keepdims": True}}, lambda: nn.AdaptiveAvgPool2d(1), 12),
    ({"lppool2d": {"kernel": 2, "p": 2}}, lambda: nn.LPPool2d(2, 2), 12),
    ({"upsample2d": {"size": [5, 11]}}, lambda: nn.Upsample(size=(5, 11)), 12),
])
def test_parameterised_layers(layer, module, channels):
    check_against_torch(layer, module, channels, [7, 9], weighted="depthwise_conv2d" in layer)


def test_separable_conv_equals_depthwise_then_pointwise():
    # Keras SeparableConv2D: depthwise without bias, pointwise with bias
    layer = {"separable_conv2d": {"filters": 16, "kernel": 3, "multiplier": 2}}
    (report,) = analyze_text(spec_text(8, [10, 10], layer)).layers
    depthwise, pointwise = nn.Conv2d(8, 16, 3, groups=8, bias=False), nn.Conv2d(16, 16, 1)
    x = torch.empty((1, 8, 10, 10), device="meta")
    with FlopCounterMode(display=False) as counter:
        out = pointwise.to("meta")(depthwise.to("meta")(x))
    assert tuple(report.result.output.dims) == tuple(out.shape[1:])
    assert report.result.trainable == sum(p.numel() for m in (depthwise, pointwise) for p in m.parameters())
    assert report.result.macs == counter.get_total_flops() // 2
