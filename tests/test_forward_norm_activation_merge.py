"""The NumPy forwards of normalisation, activation and merge layers against PyTorch (float64).

For random shapes and hyperparameters (hypothesis): the layer's ``forward`` must match the
torch.nn module or torch function to rtol 1e-10, its output shape must equal the analysis's,
and the arrays ``parameter_shapes`` names must be PyTorch's (names and shapes) and sum to the
analysed trainable / non-trainable counts. Parameters are drawn at random and copied into torch.
"""

from __future__ import annotations

import functools
import json
import math
import operator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import analyze_text
from convcalc.execute import CountingOps
from convcalc.layers.base import ReceptiveField, Tensor

torch = pytest.importorskip("torch")
nn, F = torch.nn, torch.nn.functional

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RTOL, ATOL = 1e-10, 1e-12

channels_st = st.integers(1, 6)
batch_st = st.integers(1, 3)


def spatial_st(low=0, high=3):
    return st.integers(low, high).flatmap(lambda rank: st.lists(st.integers(1, 5), min_size=rank, max_size=rank))


def analysed(dims, layer: dict):
    """The report of a one-layer spec on input ``dims`` (channels first)."""
    analysis = analyze_text(f"name: t\ninput: {json.dumps(list(dims))}\nlayers:\n  - {json.dumps(layer)}\n")
    assert not analysis.errors, [finding.render() for finding in analysis.errors]
    (report,) = analysis.layers
    return report


def rng_of(data):
    return np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))


def draw_params(report, rng):
    """Random arrays for every name the layer declares (variances positive)."""
    shapes = report.node.layer.parameter_shapes([report.result.output])
    return {name: (rng.uniform(0.2, 2.0, shape) if name == "running_var" else rng.normal(0.0, 1.0, shape))
            for name, (shape, _) in shapes.items()}, shapes


def check_parameters(report, shapes, module=None):
    """Sizes sum to the analysed counts; names and shapes are the module's (bar num_batches_tracked)."""
    trainable = sum(math.prod(shape) for shape, is_trainable in shapes.values() if is_trainable)
    assert trainable == report.result.trainable
    assert sum(math.prod(shape) for shape, _ in shapes.values()) - trainable == report.result.non_trainable
    if module is not None:
        held = {name: (tuple(p.shape), True) for name, p in module.named_parameters()}
        held |= {name: (tuple(b.shape), False) for name, b in module.named_buffers()
                 if name != "num_batches_tracked"}
        assert held == {name: (tuple(shape), flag) for name, (shape, flag) in shapes.items()}


def load(module, params):
    """Copy the drawn arrays into the torch module (float64, eval mode)."""
    module = module.double().eval()
    with torch.no_grad():
        for name, array in params.items():
            getattr(module, name).copy_(torch.from_numpy(array))
    return module


def forward(report, arrays, params):
    ops = CountingOps("chw")
    out = report.node.layer.forward(arrays, params, ops)
    assert ops.macs == 0
    assert out.shape[1:] == tuple(report.result.output.dims)
    return out


def assert_close(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


# ----- normalisation ----------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_batchnorm(data):
    rank = data.draw(st.integers(1, 3))
    spatial = data.draw(st.sampled_from([[], [4]]) if rank == 1 else st.just([]))
    if rank > 1 or spatial:
        spatial = data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    channels, batch = data.draw(channels_st), data.draw(batch_st)
    affine, tracked = data.draw(st.booleans()), data.draw(st.booleans())
    if not tracked and batch * math.prod(spatial) == 1:
        batch = 2  # PyTorch needs more than one value per channel for batch statistics
    eps, momentum = data.draw(st.floats(1e-6, 0.1)), data.draw(st.floats(0, 1))
    report = analysed([channels, *spatial], {f"batchnorm{rank}d": {
        "affine": affine, "track_running_stats": tracked, "eps": eps, "momentum": momentum}})
    agrees_with_torch(report, rng_of(data), (batch, channels, *spatial), lambda: getattr(nn, f"BatchNorm{rank}d")(
        channels, eps=eps, momentum=momentum, affine=affine, track_running_stats=tracked))


def agrees_with_torch(report, rng, input_shape, make_module):
    """The same random parameters in convcalc's layer and torch's module give the same output on a
    random input, and the parameter shapes are torch's."""
    params, shapes = draw_params(report, rng)
    module = load(make_module(), params)
    check_parameters(report, shapes, module)
    x = rng.normal(0.5, 2.0, input_shape)
    with torch.no_grad():
        expected = module(torch.from_numpy(x))
    assert_close(forward(report, [x], params), expected)


@SETTINGS
@given(data=st.data())
def test_layernorm(data):
    channels, spatial, batch = data.draw(channels_st), data.draw(spatial_st()), data.draw(batch_st)
    over, affine, eps = data.draw(st.sampled_from(["all", "channels", "last_axis"])), data.draw(st.booleans()), \
        data.draw(st.floats(1e-6, 0.1))
    bias = data.draw(st.booleans())  # PyTorch's bias=False: the weight alone
    report = analysed([channels, *spatial], {"layernorm": {"over": over, "affine": affine, "bias": bias, "eps": eps}})
    rng = rng_of(data)
    params, shapes = draw_params(report, rng)
    shape = {"all": [channels, *spatial], "channels": [channels], "last_axis": [[channels, *spatial][-1]]}[over]
    module = load(nn.LayerNorm(shape, eps=eps, elementwise_affine=affine, bias=bias), params)
    check_parameters(report, shapes, module)
    x = torch.from_numpy(rng.normal(0.5, 2.0, (batch, channels, *spatial)))
    with torch.no_grad():
        expected = module(x.movedim(1, -1)).movedim(-1, 1) if over == "channels" else module(x)
    assert_close(forward(report, [x.numpy()], params), expected)


@SETTINGS
@given(data=st.data())
def test_groupnorm(data):
    groups, per_group = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3))
    channels, spatial, batch = groups * per_group, data.draw(spatial_st()), data.draw(batch_st)
    affine, eps = data.draw(st.booleans()), data.draw(st.floats(1e-6, 0.1))
    if batch * per_group * math.prod(spatial) == 1:
        batch = 2  # PyTorch refuses N * C/G * H * W == 1 ("more than 1 value per channel")
    report = analysed([channels, *spatial], {"groupnorm": {"groups": groups, "affine": affine, "eps": eps}})
    agrees_with_torch(report, rng_of(data), (batch, channels, *spatial),
                      lambda: nn.GroupNorm(groups, channels, eps=eps, affine=affine))


@SETTINGS
@given(data=st.data())
def test_local_response_norm(data):
    channels, spatial, batch = data.draw(st.integers(1, 8)), data.draw(spatial_st(1)), data.draw(batch_st)
    size, alpha = data.draw(st.integers(1, 9)), data.draw(st.floats(1e-5, 2.0))
    beta, k = data.draw(st.floats(0.1, 2.0)), data.draw(st.floats(0.5, 3.0))
    report = analysed([channels, *spatial], {"lrn": {"size": size, "alpha": alpha, "beta": beta, "k": k}})
    check_parameters(report, report.node.layer.parameter_shapes([report.result.output]))
    x = rng_of(data).normal(0.0, 2.0, (batch, channels, *spatial))
    expected = F.local_response_norm(torch.from_numpy(x), size, alpha=alpha, beta=beta, k=k)
    assert_close(forward(report, [x], {}), expected)


# ----- activations ------------------------------------------------------------------------------
TORCH_ACTIVATIONS = {
    "relu": lambda x, h: F.relu(x),
    "relu6": lambda x, h: F.relu6(x),
    "leaky_relu": lambda x, h: F.leaky_relu(x, h["negative_slope"]),
    "elu": lambda x, h: F.elu(x, h["alpha"]),
    "selu": lambda x, h: F.selu(x),
    "gelu": lambda x, h: F.gelu(x),
    "sigmoid": lambda x, h: torch.sigmoid(x),
    "tanh": lambda x, h: torch.tanh(x),
    "silu": lambda x, h: F.silu(x),
    "hardswish": lambda x, h: F.hardswish(x),
    "hardsigmoid": lambda x, h: F.hardsigmoid(x),
    "softplus": lambda x, h: F.softplus(x),
    "mish": lambda x, h: F.mish(x),
    "softmax": lambda x, h: torch.softmax(x, dim=1),
    "log_softmax": lambda x, h: torch.log_softmax(x, dim=1),
}
HYPERPARAMETERS = {"leaky_relu": {"negative_slope": st.floats(-1.0, 1.0)}, "elu": {"alpha": st.floats(0.05, 3.0)}}


@pytest.mark.parametrize("kind", sorted(TORCH_ACTIVATIONS))
@SETTINGS
@given(data=st.data())
def test_activation(kind, data):
    channels, spatial, batch = data.draw(channels_st), data.draw(spatial_st()), data.draw(batch_st)
    hyper = {name: data.draw(strategy, label=name) for name, strategy in HYPERPARAMETERS.get(kind, {}).items()}
    report = analysed([channels, *spatial], {kind: hyper})
    check_parameters(report, report.node.layer.parameter_shapes([report.result.output]))
    scale = data.draw(st.sampled_from([0.1, 1.0, 4.0, 30.0]))  # 30: past softplus's threshold, sigmoid's tails
    x = rng_of(data).normal(0.0, scale, (batch, channels, *spatial))
    assert_close(forward(report, [x], {}), TORCH_ACTIVATIONS[kind](torch.from_numpy(x), hyper))


def test_softplus_threshold():
    """Above 20 PyTorch returns x itself: off by e^-x, only visible at a tighter tolerance."""
    report = analysed([7], {"softplus": {}})
    x = np.array([[-30.0, 19.9, 20.0, 20.0001, 20.5, 25.0, 40.0]])
    np.testing.assert_allclose(forward(report, [x], {}), F.softplus(torch.from_numpy(x)).numpy(), rtol=1e-15)


@SETTINGS
@given(data=st.data())
def test_prelu(data):
    channels, spatial, batch = data.draw(channels_st), data.draw(spatial_st()), data.draw(batch_st)
    per_channel = data.draw(st.booleans())
    report = analysed([channels, *spatial], {"prelu": {"per_channel": per_channel}})
    rng = rng_of(data)
    params, shapes = draw_params(report, rng)
    module = load(nn.PReLU(channels if per_channel else 1), params)
    check_parameters(report, shapes, module)
    x = rng.normal(0.0, 2.0, (batch, channels, *spatial))
    with torch.no_grad():
        expected = module(torch.from_numpy(x))
    assert_close(forward(report, [x], params), expected)


@pytest.mark.parametrize("x", [-40.0, -6.5, -6.0, -3.0, -1.0, -1e-3, -1e-300, 0.0, 1e-8, 0.5, 1.0, 1.0 + 1e-15, 2.5,
                               5.9, 6.0, 7.0, 1e6, math.inf, -math.inf])
def test_erf_matches_the_standard_library(x):
    from convcalc.layers.activation import _erf

    assert _erf(np, np.array([x]))[0] == pytest.approx(math.erf(x), rel=1e-14, abs=1e-300)


def test_erf_accuracy_over_a_dense_grid():
    """The GELU's erf (a fitted Chebyshev series, NumPy having none) within 1e-14 of math.erf."""
    from convcalc.layers.activation import _erf

    x = np.linspace(-7.0, 7.0, 20001)
    reference = np.array([math.erf(value) for value in x])
    np.testing.assert_allclose(_erf(np, x), reference, rtol=1e-14, atol=1e-16)


# ----- merges -----------------------------------------------------------------------------------
class StrictChecks:
    """Checks that fail the test at once (the merge shapes here are always valid)."""

    def at_least(self, value, bound, key, **params):
        assert value >= bound, key

    def equal(self, value, expected, key, **params):
        assert value == expected, key

    def exact_division(self, value, divisor, key, **params):
        assert value % divisor == 0, key

    def multiple_of(self, value, divisor, key, **params):
        assert value % divisor == 0, key


def draw_dims(data):
    return [data.draw(channels_st), *data.draw(spatial_st())]


def merge_case(data, kind: str, dims, extra: dict | None = None):
    """The analysed layer on ``count`` equal branches of shape ``dims``."""
    count = data.draw(st.integers(2, 4))
    report = analysed(dims, {kind: {"inputs": ["input"] * count, **(extra or {})}})
    assert tuple(report.result.output.dims) == tuple(
        dims if kind != "concat" else [size * count if i == extra["axis"] else size for i, size in enumerate(dims)])
    check_parameters(report, report.node.layer.parameter_shapes([report.result.output] * count))
    return report, count


def inferred(report, shapes):
    """The layer's rule on branches of the given shapes (they differ, which one spec input cannot give)."""
    tensors = [Tensor(tuple(shape), ReceptiveField.identity(len(shape) - 1)) for shape in shapes]
    return report.node.layer.infer(tensors, StrictChecks()).output.dims


def merge_forward(report, arrays, dims):
    ops = CountingOps("chw")
    out = report.node.layer.forward(arrays, {}, ops)
    assert ops.macs == 0
    assert out.shape[1:] == tuple(dims)
    return out


@SETTINGS
@given(data=st.data())
def test_add(data):
    dims = draw_dims(data)
    report, count = merge_case(data, "add", dims)
    rng, batch = rng_of(data), data.draw(batch_st)
    arrays = [rng.normal(0.0, 1.0, (batch, *dims)) for _ in range(count)]
    expected = functools.reduce(torch.add, map(torch.from_numpy, arrays))
    assert_close(merge_forward(report, arrays, dims), expected)


@SETTINGS
@given(data=st.data())
def test_multiply_broadcasts_size_one_axes(data):
    dims = draw_dims(data)
    report, count = merge_case(data, "multiply", dims)
    shapes = [[size if data.draw(st.booleans()) else 1 for size in dims] for _ in range(count)]
    if data.draw(st.booleans()):
        shapes[0] = list(dims)  # the common case: a gate (C, 1, 1) on a full map
    rng, batch = rng_of(data), data.draw(batch_st)
    arrays = [rng.normal(0.0, 1.0, (batch, *shape)) for shape in shapes]
    expected = functools.reduce(torch.mul, map(torch.from_numpy, arrays))
    assert_close(merge_forward(report, arrays, inferred(report, shapes)), expected)
    same = [rng.normal(0.0, 1.0, (batch, *dims)) for _ in range(count)]
    assert_close(merge_forward(report, same, report.result.output.dims),
                 functools.reduce(operator.mul, map(torch.from_numpy, same)))


@SETTINGS
@given(data=st.data())
def test_concat(data):
    dims = draw_dims(data)
    axis = data.draw(st.integers(0, len(dims) - 1))
    report, count = merge_case(data, "concat", dims, {"axis": axis})
    rng, batch = rng_of(data), data.draw(batch_st)
    shapes = [[data.draw(st.integers(1, 4)) if i == axis else size for i, size in enumerate(dims)]
              for _ in range(count)]
    arrays = [rng.normal(0.0, 1.0, (batch, *shape)) for shape in shapes]
    expected = torch.cat([torch.from_numpy(a) for a in arrays], dim=axis + 1)
    assert_close(merge_forward(report, arrays, inferred(report, shapes)), expected)
    same = [rng.normal(0.0, 1.0, (batch, *dims)) for _ in range(count)]
    assert_close(merge_forward(report, same, report.result.output.dims),
                 torch.cat([torch.from_numpy(a) for a in same], dim=axis + 1))


@pytest.mark.parametrize("layer", [
    {"batchnorm2d": {}}, {"batchnorm2d": {"track_running_stats": False}}, {"layernorm": {}},
    {"layernorm": {"over": "channels"}}, {"groupnorm": {"groups": 2}}, {"lrn": {"size": 3}},
    {"prelu": {"per_channel": True}}, {"leaky_relu": {}}, {"elu": {}},
    *({kind: {}} for kind in sorted(TORCH_ACTIVATIONS) if kind not in HYPERPARAMETERS)])
def test_float32_stays_float32(layer):
    """No forward widens a float32 batch (a float64 copy would double the measured peak)."""
    report = analysed([4, 5, 6], layer)
    rng = np.random.default_rng(0)
    params, _ = draw_params(report, rng)
    params = {name: array.astype(np.float32) for name, array in params.items()}
    x = rng.normal(0.0, 3.0, (2, 4, 5, 6)).astype(np.float32)
    out = forward(report, [x], params)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
