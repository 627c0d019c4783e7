"""Average pooling with a dilation, and Lp pooling with padding ('same' too) and dilation, as ONNX
defines them (AveragePool dilations, LpPool pads/dilations; PyTorch's pooling has neither). The
oracle is PyTorch all the same: a window sum is a depthwise convolution with an all-ones (dilated)
kernel, and the taps inside the input are that convolution of an all-ones input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import analyze_text
from convcalc.execute import CountingOps

torch = pytest.importorskip("torch")
F = torch.nn.functional
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def window_sums(x, kernel, stride, padding, dilation):
    """Sum of each dilated window of x, zeros in the padding ([(lo, hi)] per axis)."""
    rank, channels = x.ndim - 2, x.shape[1]
    flat = [side for lo, hi in reversed(padding) for side in (lo, hi)]
    padded = F.pad(x, flat)
    ones = torch.ones((channels, 1, *kernel), dtype=x.dtype)
    return getattr(F, f"conv{rank}d")(padded, ones, stride=stride, dilation=dilation, groups=channels)


def case(data, rank):
    kernel = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    dilation = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    stride = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    padding = [data.draw(st.integers(0, k // 2)) for k in kernel]
    spatial = [data.draw(st.integers(d * (k - 1) + 1, 9)) for k, d in zip(kernel, dilation)]
    return kernel, dilation, stride, padding, spatial


def report_of(channels, spatial, layer):
    analysis = analyze_text(f"name: t\ninput: {json.dumps([channels, *spatial])}\nlayers:\n  - {json.dumps(layer)}\n")
    assert not analysis.errors, [finding.render() for finding in analysis.errors]
    return analysis.layers[0]


def run(report, x):
    out = report.node.layer.forward([x], {}, CountingOps("chw"))
    assert out.shape[1:] == tuple(report.result.output.dims)
    return out


@SETTINGS
@given(rank=st.integers(1, 3), include_pad=st.booleans(), data=st.data())
def test_dilated_average_pooling(rank, include_pad, data):
    kernel, dilation, stride, padding, spatial = case(data, rank)
    if rank == 3:
        spatial = [max(size, k) for size, k in zip(spatial, kernel)]  # as avg_pool3d wants
    report = report_of(2, spatial, {f"avgpool{rank}d": {"kernel": kernel, "stride": stride, "padding": padding,
                                                       "dilation": dilation, "count_include_pad": include_pad}})
    x = np.random.default_rng(0).normal(size=(2, 2, *spatial))
    pairs = [(p, p) for p in padding]
    sums = window_sums(torch.from_numpy(x), kernel, stride, pairs, dilation)
    if include_pad:
        counts = np.prod(kernel)
    else:
        counts = window_sums(torch.ones_like(torch.from_numpy(x)), kernel, stride, pairs, dilation)
    np.testing.assert_allclose(run(report, x), (sums / counts).numpy(), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(rank=st.integers(1, 3), p=st.sampled_from([1.0, 2.0, 3.0]), same=st.booleans(), data=st.data())
def test_padded_dilated_lp_pooling(rank, p, same, data):
    kernel, dilation, stride, padding, spatial = case(data, rank)
    layer = {"kernel": kernel, "stride": stride, "dilation": dilation, "p": p,
             "padding": "same" if same else padding}
    report = report_of(2, spatial, {f"lppool{rank}d": layer})
    x = np.random.default_rng(1).uniform(0.1, 2.0, size=(2, 2, *spatial))  # positive: x^p is |x|^p
    if same:  # TensorFlow's rule: O = ceil(W/S), total padding (O-1)*S + span - W, the extra one after
        pairs = []
        for size, k, d, s in zip(spatial, kernel, dilation, stride):
            total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
            pairs.append((total // 2, total - total // 2))
    else:
        pairs = [(pad, pad) for pad in padding]
    expected = window_sums(torch.from_numpy(x) ** p, kernel, stride, pairs, dilation) ** (1 / p)
    np.testing.assert_allclose(run(report, x), expected.numpy(), rtol=1e-10, atol=1e-12)
