"""NumPy forwards of pooling and resizing layers against PyTorch (float64, hypothesis).

For each case the layer's ``forward`` must give PyTorch's values and exactly the output shape
the layer's ``infer`` gives; cases PyTorch rejects are skipped (their errors are tested in
test_layers_torch.py).
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import analyze_text
from convcalc.execute import CountingOps, execute

torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BATCH, CHANNELS = 2, 3
ranks = st.sampled_from([1, 2, 3])
seeds = st.integers(0, 2 ** 32 - 1)


def spec_text(sizes, *layers) -> str:
    lines = "".join(f"  - {json.dumps(layer).replace('Infinity', '.inf')}\n" for layer in layers)  # YAML's inf
    return f"name: t\ninput: {json.dumps([CHANNELS, *sizes])}\nlayers:\n{lines}"


def sample(seed, sizes, positive=False):
    x = np.random.default_rng(seed).standard_normal((BATCH, CHANNELS, *sizes))
    return np.abs(x) if positive else x


def run(layer: dict, x, *more, extra_layers=()):
    """The last layer's forward on x (and the further inputs); None if the analysis has errors.
    Checks the shape against the analysis and that no MACs were counted."""
    analysis = analyze_text(spec_text(x.shape[2:], *extra_layers, layer))
    if analysis.errors:
        return None
    report = analysis.layers[-1]
    ops = CountingOps("chw")
    out = report.node.layer.forward([x, *more], {}, ops)
    assert out.shape == (BATCH, *report.result.output.dims)
    assert ops.macs == 0
    return out


def torch_or_none(function, *args, **kwargs):
    try:
        out = function(*args, **kwargs)
    except (RuntimeError, ValueError):
        return None
    return None if 0 in out.shape else out.numpy()


def check(layer: dict, x, expected, *more, extra_layers=()):
    """Compare when PyTorch accepts the case; then convcalc must accept it too."""
    if expected is None:
        return
    ours = run(layer, x, *more, extra_layers=extra_layers)
    assert ours is not None, f"convcalc rejects {layer} at {x.shape}, PyTorch accepts it"
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12, equal_nan=True)


def t(x):
    return torch.from_numpy(x)


@st.composite
def window_case(draw, dilation=True):
    rank = draw(ranks)
    sizes = [draw(st.integers(1, 9 if rank < 3 else 6)) for _ in range(rank)]
    kernel = [draw(st.integers(1, 4)) for _ in range(rank)]
    stride = [draw(st.integers(1, 3)) for _ in range(rank)]
    dilations = [draw(st.integers(1, 3)) if dilation else 1 for _ in range(rank)]
    padding = [draw(st.integers(0, k // 2)) for k in kernel]
    return rank, sizes, kernel, stride, padding, dilations, draw(st.booleans())


@SETTINGS
@given(window_case(), seeds)
def test_max_pool(case, seed):
    rank, sizes, kernel, stride, padding, dilation, ceil_mode = case
    x = sample(seed, sizes)
    layer = {f"maxpool{rank}d": {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
                                 "ceil_mode": ceil_mode}}
    expected = torch_or_none(getattr(F, f"max_pool{rank}d"), t(x), kernel, stride, padding, dilation,
                             ceil_mode=ceil_mode)
    check(layer, x, expected)


@SETTINGS
@given(window_case(dilation=False), st.booleans(), seeds)
def test_avg_pool(case, count_include_pad, seed):
    rank, sizes, kernel, stride, padding, _, ceil_mode = case
    x = sample(seed, sizes)
    layer = {f"avgpool{rank}d": {"kernel": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode,
                                 "count_include_pad": count_include_pad}}
    expected = torch_or_none(getattr(F, f"avg_pool{rank}d"), t(x), kernel, stride, padding, ceil_mode,
                             count_include_pad)
    check(layer, x, expected)


@SETTINGS
@given(window_case(), seeds)
def test_sum_pool(case, seed):
    """Oracle: a depthwise convolution with ones over the zero-padded input (extended on the right
    for ceil-mode windows), cut to the size PyTorch's max pooling gives for the same window."""
    rank, sizes, kernel, stride, padding, dilation, ceil_mode = case
    x = sample(seed, sizes)
    layer = {f"sumpool{rank}d": {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
                                 "ceil_mode": ceil_mode}}
    reference = torch_or_none(getattr(F, f"max_pool{rank}d"), t(x), kernel, stride, padding, dilation,
                              ceil_mode=ceil_mode)
    if reference is None:
        return
    out = reference.shape[2:]
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    pads = [side for p, span in reversed(list(zip(padding, spans))) for side in (p, p + span)]
    ones = torch.ones((CHANNELS, 1, *kernel), dtype=torch.float64)
    sums = getattr(F, f"conv{rank}d")(F.pad(t(x), pads), ones, None, stride, 0, dilation, CHANNELS)
    expected = sums[(slice(None), slice(None), *(slice(0, o) for o in out))].numpy()
    check(layer, x, expected)
    if rank > 1 and dilation == [1] * rank:  # also avg_pool's own window sum
        check(layer, x, torch_or_none(getattr(F, f"avg_pool{rank}d"), t(x), kernel, stride, padding, ceil_mode,
                                      True, 1))


@SETTINGS
@pytest.mark.filterwarnings("ignore:invalid value encountered in power")  # (negative sum)^(1/3): NaN, as torch
@given(window_case(dilation=False), st.sampled_from([1.0, 2.0, 3.0, 1.5, float("inf")]), seeds)
def test_lp_pool(case, p, seed):
    rank, sizes, kernel, stride, _, _, ceil_mode = case
    sizes = [size + kernel - 1 for size, kernel in zip(sizes, kernel)]  # no padding: mostly valid sizes
    x = sample(seed, sizes, positive=p == 1.5)  # x^1.5 of a negative x is NaN
    layer = {f"lppool{rank}d": {"kernel": kernel, "stride": stride, "ceil_mode": ceil_mode, "p": p}}
    window = (kernel[0], stride[0]) if rank == 1 else (kernel, stride)  # lp_pool1d takes ints
    expected = torch_or_none(getattr(F, f"lp_pool{rank}d"), t(x), p, *window, ceil_mode)
    check(layer, x, expected)


@SETTINGS
@given(ranks, st.sampled_from(["avg", "max"]), st.booleans(), st.lists(st.integers(1, 8), min_size=3, max_size=3),
       seeds)
def test_global_pool(rank, kind, keepdims, sizes, seed):
    x = sample(seed, sizes[:rank])
    pooled = getattr(F, f"adaptive_{kind}_pool{rank}d")(t(x), 1)
    expected = pooled if keepdims else pooled.reshape(BATCH, CHANNELS)
    check({f"global_{kind}pool{rank}d": {"keepdims": keepdims}}, x, expected.numpy())


@SETTINGS
@given(ranks, st.sampled_from(["avg", "max"]), st.data(), seeds)
def test_adaptive_pool(rank, kind, data, seed):
    sizes = [data.draw(st.integers(1, 12 if rank < 3 else 7)) for _ in range(rank)]
    output_size = [data.draw(st.integers(1, 6)) for _ in range(rank)]
    x = sample(seed, sizes)
    expected = getattr(F, f"adaptive_{kind}_pool{rank}d")(t(x), output_size)
    check({f"adaptive_{kind}pool{rank}d": {"output_size": output_size}}, x, expected.numpy())


pairs = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=3, max_size=3)


def torch_pads(pairs, sign=1):
    """[before, after] per axis as F.pad's flat list, last axis first."""
    return [sign * side for pair in reversed(pairs) for side in pair]


@SETTINGS
@given(ranks, pairs, st.lists(st.integers(1, 6), min_size=3, max_size=3), seeds)
def test_zero_pad(rank, padding, sizes, seed):
    x = sample(seed, sizes[:rank])
    padding = [list(pair) for pair in padding[:rank]]
    check({f"zeropad{rank}d": {"padding": padding}}, x, F.pad(t(x), torch_pads(padding)).numpy())


@SETTINGS
@given(ranks, pairs, st.lists(st.integers(1, 12), min_size=3, max_size=3), seeds)
def test_crop(rank, cropping, sizes, seed):
    x = sample(seed, sizes[:rank])
    cropping = [list(pair) for pair in cropping[:rank]]
    expected = torch_or_none(F.pad, t(x), torch_pads(cropping, -1))  # negative padding crops
    check({f"crop{rank}d": {"cropping": cropping}}, x, expected)


@SETTINGS
@given(ranks, pairs, st.lists(st.integers(1, 9), min_size=3, max_size=3), seeds)
def test_center_crop(rank, cropping, sizes, seed):
    """The reference is a crop of the input; the centre crop removes floor((W - O)/2) before."""
    x = sample(seed, sizes[:rank])
    cropping = [list(pair) for pair in cropping[:rank]]
    reference = torch_or_none(F.pad, t(x), torch_pads(cropping, -1))
    if reference is None:
        return
    centred = [[(w - o) // 2, w - o - (w - o) // 2] for w, o in zip(x.shape[2:], reference.shape[2:])]
    expected = F.pad(t(x), torch_pads(centred, -1)).numpy()
    ref_layer = {f"crop{rank}d": {"name": "ref", "cropping": cropping}}
    check({f"center_crop{rank}d": {"inputs": ["input", "ref"]}}, x, expected, reference, extra_layers=[ref_layer])


SCALES = ["1", "2", "3", "1.5", "0.5", "5/2", "2/3", "1/3", "1.1", "2.1", "0.3", "7/3", "3/7", "0.75", "13"]
LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


@SETTINGS
@given(ranks, st.sampled_from(["nearest", "bilinear"]), st.booleans(), st.data(), seeds)
def test_upsample(rank, mode, by_size, data, seed):
    sizes = [data.draw(st.integers(1, 10 if rank < 3 else 6)) for _ in range(rank)]
    x = sample(seed, sizes)
    torch_mode = "nearest" if mode == "nearest" else LINEAR[rank]
    if by_size:
        # 2-D: output sizes past H + W = 128 switch ATen's nearest kernel
        size = [data.draw(st.integers(1, 14 if rank != 2 else 90)) for _ in range(rank)]
        layer = {f"upsample{rank}d": {"size": size, "mode": mode}}
        expected = torch_or_none(F.interpolate, t(x), size=size, mode=torch_mode)
    else:
        scales = [data.draw(st.sampled_from(SCALES)) for _ in range(rank)]
        layer = {f"upsample{rank}d": {"scale": scales, "mode": mode}}
        factors = tuple(float(Fraction(scale)) for scale in scales)
        expected = torch_or_none(torch.nn.Upsample(scale_factor=factors, mode=torch_mode), t(x))
    check(layer, x, expected)


@pytest.mark.parametrize("sizes, scales, mode", [
    ([5], ["1.1"], "nearest"),  # 1-D: no O = W shortcut
    ([2], ["41"], "nearest"),  # generic kernel: r*o in float64, then float32
    ([2, 3], ["41", "1"], "nearest"),  # 2-D, O_H + O_W <= 128: float32 r*o
    ([5, 5], ["1.1", "2.1"], "nearest"),  # 2-D small: O = W copies, O = 2W reads o >> 1
    ([5, 60], ["1.1", "2.1"], "nearest"),  # 2-D, O_H + O_W > 128: generic kernel, no shortcuts
    ([5, 5, 5], ["1.1", "2.1", "1.1"], "nearest"),  # 3-D: generic kernel
    ([5], ["1.1"], "bilinear"), ([5, 4], ["1.1", "2.1"], "bilinear"), ([5, 5, 3], ["1.1", "1.1", "0.5"], "bilinear"),
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_upsample_aten_kernel_choices(sizes, scales, mode, dtype):
    """PyTorch's CPU kernels differ in their index arithmetic: cases where the choice shows."""
    rank = len(sizes)
    x = sample(0, sizes).astype(dtype)
    factors = tuple(float(Fraction(scale)) for scale in scales)
    expected = F.interpolate(t(x), scale_factor=factors, mode="nearest" if mode == "nearest" else LINEAR[rank])
    ours = run({f"upsample{rank}d": {"scale": scales, "mode": mode}}, x)
    tolerance = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(ours, expected.numpy(), rtol=tolerance, atol=tolerance)


@SETTINGS
@given(ranks, st.lists(st.integers(1, 3), min_size=3, max_size=3), st.lists(st.integers(1, 6), min_size=3,
                                                                            max_size=3), seeds)
def test_upsample_bed_of_nails(rank, scales, sizes, seed):
    """Oracle: a transposed depthwise 1x1 convolution with weight 1 and stride = scale puts each
    value at the top-left of its block; output_padding = scale - 1 completes the last block."""
    scales, x = scales[:rank], sample(seed, sizes[:rank])
    ones = torch.ones((CHANNELS, 1, *[1] * rank), dtype=torch.float64)
    expected = getattr(F, f"conv_transpose{rank}d")(t(x), ones, None, scales, 0, [s - 1 for s in scales], CHANNELS)
    check({f"upsample{rank}d": {"scale": scales, "mode": "zeros"}}, x, expected.numpy())


def test_executor_runs_the_pooling_and_resizing_layers():
    """Through ``execute`` with the spec's input_values: a small chain against torch.nn."""
    x = np.random.default_rng(7).standard_normal((1, 2, 7, 9))
    text = (f"name: chain\ninput: [2, 7, 9]\ninput_values: {json.dumps(x[0].tolist())}\ndtype: float64\nlayers:\n"
            "  - maxpool2d: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}\n"
            "  - upsample2d: {scale: 2, mode: bilinear}\n"
            "  - zeropad2d: {padding: [[1, 0], [0, 2]]}\n"
            "  - avgpool2d: {kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}\n"
            "  - adaptive_maxpool2d: {output_size: [2, 3]}\n"
            "  - global_avgpool2d: {}\n")
    analysis = analyze_text(text)
    assert not analysis.errors, [f.render() for f in analysis.errors]
    model = torch.nn.Sequential(
        torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.Upsample(scale_factor=2.0, mode="bilinear"),
        torch.nn.ZeroPad2d((0, 2, 1, 0)), torch.nn.AvgPool2d(3, 2, 1, True, False), torch.nn.AdaptiveMaxPool2d((2, 3)),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    result = execute(analysis)
    assert [layer.shape for layer in result.layers] == [tuple(r.result.output.dims) for r in analysis.layers]
    (output,) = result.outputs.values()
    np.testing.assert_allclose(output, model(t(x)).numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sizes, given", [
    ([5], {"scale": "2"}), ([5, 4], {"scale": ["1.5", "3"]}), ([7, 3], {"size": [4, 1]}), ([1, 6], {"size": [3, 9]}),
    ([4, 5, 3], {"scale": ["2", "1.1", "0.5"]}), ([6, 6], {"size": [6, 11]}),
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_upsample_align_corners(sizes, given, dtype):
    """align_corners=True as PyTorch's (bi/tri)linear interpolation: input position o*(W-1)/(O-1),
    whatever the scale; one output pixel reads the first input pixel."""
    rank = len(sizes)
    x = sample(1, sizes).astype(dtype)
    if "scale" in given:
        arguments = {"scale_factor": tuple(float(Fraction(scale)) for scale in given["scale"])}
    else:
        arguments = {"size": tuple(given["size"])}
    expected = F.interpolate(t(x), mode=LINEAR[rank], align_corners=True, **arguments)
    ours = run({f"upsample{rank}d": {**given, "mode": "bilinear", "align_corners": True}}, x)
    tolerance = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(ours, expected.numpy(), rtol=tolerance, atol=tolerance)


def test_align_corners_is_bilinear_only():
    from convcalc.errors import ConvcalcError

    with pytest.raises(ConvcalcError) as error:
        analyze_text(spec_text([4, 4], {"upsample2d": {"scale": 2, "align_corners": True}}))
    assert "align_corners applies to bilinear upsampling only" in error.value.render()


def test_align_corners_receptive_field_jump():
    """Aligned corners put output unit o at input o*(W-1)/(O-1): from 5 to 9 pixels, a jump of
    4/8 = 1/2 input pixel (5/9 without); unit 0 reads input pixels 0 and 1."""
    for align, jump in ((True, Fraction(1, 2)), (False, Fraction(5, 9))):
        layer = {"upsample2d": {"size": 9, "mode": "bilinear", "align_corners": align}}
        (rf, _) = analyze_text(spec_text([5, 5], layer)).layers[-1].result.output.field.dims
        assert (rf.jump, rf.left, rf.right) == (jump, 0, 1)
