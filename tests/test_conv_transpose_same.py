"""A transposed convolution with `padding: same` and an explicit output_padding follows Keras
(deconv_output_length: (W - 1)*S + F' - 2*(F'//2) + output_padding, F' the dilated kernel);
without output_padding it stays W*S. Figures worked by hand from Keras's rule; values against the
PyTorch module Keras's torch backend builds (padding F'//2 - output_padding//2, output padding
output_padding % 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import analyze_text
from convcalc.execute import CountingOps

torch = pytest.importorskip("torch")

KERAS_FIGURES = [  # (input sizes, kernel, stride, dilation, output_padding or None, Keras's sizes)
    ([12], 3, 2, 1, 0, [23]),
    ([12], 3, 2, 1, 1, [24]),
    ([12], 3, 2, 1, None, [24]),
    ([12, 7], 3, 2, 1, 0, [23, 13]),
    ([12, 7], 4, 3, 1, [2, 1], [12 * 3 - 3 + 4 - 4 + 2, 6 * 3 + 4 - 4 + 1]),  # 35, 19
    ([5, 6, 7], [3, 4, 5], [2, 2, 3], 1, [1, 0, 2], [10, 10, 21]),
    ([12, 12, 12], 3, 2, 1, 0, [23, 23, 23]),
    ([10], 3, 2, 2, 1, [20]),  # F' = 5
]


def report_of(sizes, kernel, stride, dilation, output_padding):
    layer = {"filters": 2, "kernel": kernel, "stride": stride, "dilation": dilation, "padding": "same"}
    if output_padding is not None:
        layer["output_padding"] = output_padding
    kind = f"conv_transpose{len(sizes)}d"
    analysis = analyze_text(f"name: t\ninput: {json.dumps([3, *sizes])}\nlayers:\n  - {json.dumps({kind: layer})}\n")
    assert not analysis.errors, [finding.render() for finding in analysis.errors]
    return analysis.layers[0]


@pytest.mark.parametrize("sizes, kernel, stride, dilation, output_padding, keras", KERAS_FIGURES)
def test_same_padding_sizes_are_keras(sizes, kernel, stride, dilation, output_padding, keras):
    report = report_of(sizes, kernel, stride, dilation, output_padding)
    assert list(report.result.output.spatial) == keras


@pytest.mark.parametrize("sizes, kernel, stride, dilation, output_padding, keras",
                         [case for case in KERAS_FIGURES if case[4] is not None])
def test_same_padding_values_are_the_torch_equivalent(sizes, kernel, stride, dilation, output_padding, keras):
    rank = len(sizes)
    per_axis = lambda value: [value] * rank if isinstance(value, int) else value  # noqa: E731
    kernel, stride, dilation, extra = map(per_axis, (kernel, stride, dilation, output_padding))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    module = getattr(torch.nn, f"ConvTranspose{rank}d")(
        3, 2, kernel, stride, padding=[s // 2 - e // 2 for s, e in zip(spans, extra)],
        output_padding=[e % 2 for e in extra], dilation=dilation).double()
    report = report_of(sizes, kernel, stride, dilation, output_padding)
    params = {name: p.detach().numpy() for name, p in module.named_parameters()}
    x = np.random.default_rng(0).normal(size=(2, 3, *sizes))
    ours = report.node.layer.forward([x], params, CountingOps("chw"))
    with torch.no_grad():
        theirs = module(torch.from_numpy(x)).numpy()
    assert list(theirs.shape[2:]) == keras
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
