"""The tensor layers (split, slice, channel shuffle, reshape, permute, transpose, flatten over axes,
reduce, identity, stochastic depth, layer scale, ConvNeXt's LayerNorm2d, dense over the last axis,
max unpooling) against PyTorch (float64), for random shapes and hyperparameters (hypothesis).

For each case the analysed shapes and figures, and the NumPy forward on a random input, must be
what the torch function or module gives on the same input and weights; where PyTorch refuses a
case (an out-of-range axis, an empty slice), convcalc must report an error too.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import analyze_text
from convcalc.execute import CountingOps
from convcalc.symbolic import substitute

torch = pytest.importorskip("torch")
nn, F = torch.nn, torch.nn.functional

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RTOL, ATOL = 1e-10, 1e-12
dims_st = st.integers(1, 4).flatmap(lambda count: st.lists(st.integers(1, 6), min_size=count, max_size=count))


def analysis_of(dims, *layers):
    entries = "".join(f"  - {json.dumps(layer)}\n" for layer in layers)
    return analyze_text(f"name: t\ninput: {json.dumps(list(dims))}\nlayers:\n{entries}")


def one_layer(dims, layer):
    """The report of a one-layer spec, or None when the analysis reports an error."""
    analysis = analysis_of(dims, layer)
    return None if analysis.errors else analysis.layers[0]


def torch_or_none(function):
    try:
        return function()
    except (RuntimeError, IndexError, ValueError):
        return None


def run(report, arrays, params=None):
    out = report.node.layer.forward(arrays, params or {}, CountingOps("chw"))
    shapes = [o.shape[1:] for o in out] if isinstance(out, tuple) else out.shape[1:]
    expected = [tuple(t.dims) for t in report.result.outputs] if report.result.outputs else tuple(
        report.result.output.dims)
    assert shapes == expected
    return out


def same(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


def sample(rng, batch, dims):
    return rng.normal(0.0, 1.0, (batch, *dims))


@SETTINGS
@given(dims=dims_st, data=st.data())
def test_split_matches_torch_chunk_and_split(dims, data):
    axis = data.draw(st.integers(-len(dims) - 1, len(dims)))
    if data.draw(st.booleans()):
        rule = {"chunks": data.draw(st.integers(2, 5))}
    else:
        rule = {"sizes": data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))}
    report = one_layer(dims, {"split": {"axis": axis, **rule}})
    x = sample(np.random.default_rng(0), 2, dims)
    tx = torch.from_numpy(x)
    dim = axis + 1 if axis >= 0 else axis  # torch's dim counts the batch: its -(rank + 1) is the batch axis
    expected = None if axis < -len(dims) else torch_or_none(
        lambda: torch.chunk(tx, rule["chunks"], dim) if "chunks" in rule else torch.split(tx, rule["sizes"], dim))
    if expected is not None and "chunks" in rule and len(expected) != rule["chunks"]:
        expected = None  # torch gave fewer chunks than asked: convcalc refuses such a split
    assert (report is None) == (expected is None)
    if report is not None:
        assert report.node.layer.output_count == len(expected)
        for ours, theirs in zip(run(report, [x]), expected):
            same(ours, theirs)


@SETTINGS
@given(dims=dims_st, data=st.data())
def test_slice_matches_python_slicing(dims, data):
    axis = data.draw(st.integers(-len(dims), len(dims) - 1))
    start = data.draw(st.integers(-8, 8))
    end = data.draw(st.none() | st.integers(-8, 8))
    step = data.draw(st.integers(1, 3))
    report = one_layer(dims, {"slice": {"axis": axis, "start": start, "end": end, "step": step}})
    x = sample(np.random.default_rng(1), 2, dims)
    index = [slice(None)] * (len(dims) + 1)
    index[axis % len(dims) + 1] = slice(start, end, step)
    expected = torch.from_numpy(x)[tuple(index)]
    assert (report is None) == (0 in expected.shape)  # an empty slice is refused
    if report is not None:
        same(run(report, [x]), expected)


@SETTINGS
@given(channels=st.integers(1, 12), spatial=st.lists(st.integers(1, 4), max_size=3), groups=st.integers(1, 6))
def test_channel_shuffle_matches_torch(channels, spatial, groups):
    report = one_layer([channels, *spatial], {"channel_shuffle": {"groups": groups}})
    assert (report is None) == (channels % groups != 0 or not spatial)  # torch refuses a flat vector too
    if report is not None:
        x = sample(np.random.default_rng(2), 2, [channels, *spatial])
        same(run(report, [x]), nn.ChannelShuffle(groups)(torch.from_numpy(x)))


@SETTINGS
@given(dims=dims_st, data=st.data())
def test_reshape_matches_torch(dims, data):
    total = math.prod(dims)
    divisors = [d for d in range(1, total + 1) if total % d == 0]
    first = data.draw(st.sampled_from(divisors))
    shape = data.draw(st.sampled_from([[first, -1], [-1, first], [first, total // first], [total + 1]]))
    report = one_layer(dims, {"reshape": {"shape": shape}})
    x = sample(np.random.default_rng(3), 2, dims)
    expected = torch_or_none(lambda: torch.from_numpy(x).reshape(2, *shape))
    assert (report is None) == (expected is None)
    if report is not None:
        same(run(report, [x]), expected)


@SETTINGS
@given(dims=dims_st, data=st.data())
def test_permute_and_transpose_match_torch(dims, data):
    order = data.draw(st.permutations(list(range(len(dims)))))
    x = sample(np.random.default_rng(4), 2, dims)
    report = one_layer(dims, {"permute": {"dims": order}})
    same(run(report, [x]), torch.from_numpy(x).permute(0, *(axis + 1 for axis in order)))
    dim0, dim1 = data.draw(st.integers(-len(dims), len(dims) - 1)), data.draw(st.integers(-len(dims), len(dims) - 1))
    report = one_layer(dims, {"transpose": {"dim0": dim0, "dim1": dim1}})
    shift = lambda axis: axis + 1 if axis >= 0 else axis  # noqa: E731
    same(run(report, [x]), torch.from_numpy(x).transpose(shift(dim0), shift(dim1)))


@SETTINGS
@given(dims=dims_st, data=st.data())
def test_flatten_over_axes_matches_torch(dims, data):
    start, end = data.draw(st.integers(-len(dims), len(dims) - 1)), data.draw(st.integers(-len(dims), len(dims) - 1))
    report = one_layer(dims, {"flatten": {"start_axis": start, "end_axis": end}})
    x = sample(np.random.default_rng(5), 2, dims)
    shift = lambda axis: axis + 1 if axis >= 0 else axis  # noqa: E731
    expected = torch_or_none(lambda: torch.flatten(torch.from_numpy(x), shift(start), shift(end)))
    assert (report is None) == (expected is None)
    if report is not None:
        same(run(report, [x]), expected)


def test_flatten_default_is_unchanged():
    report = one_layer([3, 4, 5], "flatten")
    assert report.result.output.dims == (60,) and report.result.output.field.dims is None


@SETTINGS
@given(dims=dims_st, data=st.data())
def test_reduce_matches_torch(dims, data):
    axes = data.draw(st.lists(st.integers(-len(dims), len(dims) - 1), min_size=1, max_size=len(dims)))
    op, keepdim = data.draw(st.sampled_from(["mean", "sum", "max"])), data.draw(st.booleans())
    report = one_layer(dims, {"reduce": {"op": op, "axes": axes, "keepdim": keepdim}})
    repeated = len({axis % len(dims) for axis in axes}) != len(axes)
    assert (report is None) == repeated
    if report is None:
        return
    x = sample(np.random.default_rng(6), 2, dims)
    tx, dim = torch.from_numpy(x), tuple(axis + 1 if axis >= 0 else axis for axis in axes)
    expected = {"mean": torch.mean, "sum": torch.sum, "max": torch.amax}[op](tx, dim=dim, keepdim=keepdim)
    if expected.ndim == 1:
        expected = expected.reshape(2, 1)  # every axis reduced: convcalc keeps one value per sample as (1,)
    same(run(report, [x]), expected)
    inputs, outputs = math.prod(dims), math.prod(report.result.output.dims)
    assert report.result.flops == (inputs if op == "mean" else inputs - outputs)


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth (torchvision is not installed): rows of the batch zeroed
    with probability p and the rest scaled by 1/(1 - p) while training; the input in eval mode."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty((x.shape[0],) + (1,) * (x.ndim - 1), dtype=x.dtype).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


def test_identity_and_stochastic_depth_are_the_identity_at_inference():
    x = sample(np.random.default_rng(7), 2, [3, 4, 4])
    for layer, module in (("identity", nn.Identity()), ({"stochastic_depth": {"p": 0.3}}, StochasticDepth(0.3))):
        report = one_layer([3, 4, 4], layer)
        assert (report.result.trainable, report.result.macs, report.result.flops) == (0, 0, 0)
        same(run(report, [x]), module.eval()(torch.from_numpy(x)))


@SETTINGS
@given(channels=st.integers(1, 6), spatial=st.lists(st.integers(1, 4), max_size=3))
def test_layer_scale_matches_convnext(channels, spatial):
    report = one_layer([channels, *spatial], "layer_scale")
    assert report.result.trainable == channels
    rng = np.random.default_rng(8)
    gamma, x = rng.normal(size=channels), sample(rng, 2, [channels, *spatial])
    expected = torch.from_numpy(gamma).reshape(channels, *([1] * len(spatial))) * torch.from_numpy(x)
    same(run(report, [x], {"weight": gamma}), expected)


@SETTINGS
@given(channels=st.integers(1, 6), spatial=st.lists(st.integers(1, 4), min_size=2, max_size=2))
def test_layernorm_over_channels_is_convnext_layernorm2d(channels, spatial):
    """ConvNeXt's LayerNorm2d: permute to channels last, LayerNorm(C), permute back; params 2*C."""
    report = one_layer([channels, *spatial], {"layernorm": {"over": "channels", "eps": 1e-6}})
    assert report.result.trainable == 2 * channels
    rng = np.random.default_rng(9)
    module = nn.LayerNorm(channels, eps=1e-6).double()
    weight, bias = rng.normal(size=channels), rng.normal(size=channels)
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(weight))
        module.bias.copy_(torch.from_numpy(bias))
    x = sample(rng, 2, [channels, *spatial])
    expected = module(torch.from_numpy(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    same(run(report, [x], {"weight": weight, "bias": bias}), expected)


@SETTINGS
@given(dims=st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_layernorm_over_last_axis_is_torch_layernorm_of_the_last_size(dims):
    """ConvNeXt's CNBlock norm on a channels-last map: LayerNorm(x.shape[-1]) at every other
    position; params 2 * the last axis's size."""
    report = one_layer(dims, {"layernorm": {"over": "last_axis", "eps": 1e-6}})
    assert report.result.trainable == 2 * dims[-1]
    rng = np.random.default_rng(10)
    module = nn.LayerNorm(dims[-1], eps=1e-6).double()
    weight, bias = rng.normal(size=dims[-1]), rng.normal(size=dims[-1])
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(weight))
        module.bias.copy_(torch.from_numpy(bias))
    x = sample(rng, 2, dims)
    same(run(report, [x], {"weight": weight, "bias": bias}), module(torch.from_numpy(x)))


@SETTINGS
@given(dims=dims_st, units=st.integers(1, 5), bias=st.booleans())
def test_dense_over_the_last_axis_matches_linear(dims, units, bias):
    report = one_layer(dims, {"dense": {"units": units, "over": "last_axis", "bias": bias}})
    module = nn.Linear(dims[-1], units, bias=bias).double()
    rng = np.random.default_rng(10)
    params = {name: rng.normal(size=tuple(p.shape)) for name, p in module.named_parameters()}
    with torch.no_grad():
        for name, array in params.items():
            getattr(module, name).copy_(torch.from_numpy(array))
    assert report.result.trainable == sum(p.numel() for p in module.parameters())
    assert report.result.macs == math.prod(dims[:-1]) * dims[-1] * units
    x = sample(rng, 2, dims)
    ops = CountingOps("chw")
    ours = report.node.layer.forward([x], params, ops)
    assert ops.macs == 2 * report.result.macs
    same(ours, module(torch.from_numpy(x)))


def test_dense_on_a_map_still_asks_for_a_flatten():
    analysis = analysis_of([3, 4, 4], {"dense": {"units": 2}})
    assert [finding.key for finding in analysis.errors] == ["dense_needs_flat"]


@SETTINGS
@given(rank=st.integers(1, 3), data=st.data())
def test_max_unpool_matches_torch(rank, data):
    kernel = data.draw(st.integers(1, 3))
    stride = data.draw(st.integers(kernel, 3))  # windows that do not overlap: every maximum has one place
    padding = data.draw(st.integers(0, kernel // 2))
    channels = data.draw(st.integers(1, 3))
    spatial = data.draw(st.lists(st.integers(kernel, 7), min_size=rank, max_size=rank))
    window = {"kernel": kernel, "stride": stride, "padding": padding}
    analysis = analysis_of([channels, *spatial], {f"maxpool{rank}d": {**window, "name": "pool"}},
                           {f"maxunpool{rank}d": {**window, "inputs": ["pool", "input"]}})
    assert not analysis.errors, [finding.render() for finding in analysis.errors]
    report = analysis.layers[1]
    assert report.result.output.dims == (channels, *spatial)
    x = sample(np.random.default_rng(11), 2, [channels, *spatial])
    pooled, indices = getattr(F, f"max_pool{rank}d")(torch.from_numpy(x), kernel, stride, padding, return_indices=True)
    expected = getattr(nn, f"MaxUnpool{rank}d")(kernel, stride, padding)(pooled, indices, output_size=x.shape[2:])
    same(run(report, [pooled.numpy(), x]), expected)


def test_max_unpool_refuses_a_source_its_pool_did_not_read():
    analysis = analysis_of([2, 8, 8], {"maxpool2d": {"kernel": 2, "name": "pool"}},
                           {"maxunpool2d": {"kernel": 3, "inputs": ["pool", "input"]}})
    assert [finding.key for finding in analysis.errors] == ["unpool_mismatch"]


@SETTINGS
@given(sizes=st.lists(st.integers(1, 9), min_size=3, max_size=3), data=st.data())
def test_symbolic_sizes_evaluate_to_the_concrete_ones(sizes, data):
    """On input [C, H, W], each layer's symbolic output shapes and FLOPs, with C, H, W put in, are
    the concrete analysis's wherever the symbolic rule's stated conditions hold (equal chunks;
    slice positions inside the axis)."""
    axis = data.draw(st.integers(-3, 2))
    size = sizes[axis]
    chunks, start, end = data.draw(st.integers(2, 3)), data.draw(st.integers(-3, 3)), data.draw(
        st.none() | st.integers(-3, 3))
    layer, comparable = data.draw(st.sampled_from([
        ({"split": {"axis": axis, "chunks": chunks}}, size % chunks == 0),
        ({"split": {"axis": axis, "sizes": [1, max(size - 1, 1)]}}, size > 1),
        ({"slice": {"axis": axis, "start": start, "end": end, "step": data.draw(st.integers(1, 3))}},
         all(p is None or (-size <= p < size if p is start else -size <= p <= size) for p in (start, end))),
        ({"reshape": {"shape": [-1, chunks]}}, True),
        ({"flatten": {"start_axis": 1}}, True),
        ({"reduce": {"axes": [axis], "keepdim": data.draw(st.booleans())}}, True),
        ({"channel_shuffle": {"groups": chunks}}, True),
    ]))
    concrete, symbolic = analysis_of(sizes, layer), analysis_of(["C", "H", "W"], layer)
    (ours,) = symbolic.layers
    if concrete.errors or not comparable or ours.result is None:
        return
    env = dict(zip("CHW", sizes))
    (theirs,) = concrete.layers
    assert [tuple(substitute(d, env) for d in t.dims) for t in ours.result.tensors] == \
        [tuple(t.dims) for t in theirs.result.tensors]
    assert substitute(ours.result.flops, env) == theirs.result.flops
