"""A transposed convolution with an explicit output size, as PyTorch's ConvTransposeNd(x,
output_size=...): the output padding that gives it, refused outside [O_min, O_min + S - 1]
exactly where PyTorch raises; shapes and values against torch."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import analyze_text
from convcalc.errors import ConvcalcError
from convcalc.execute import CountingOps

torch = pytest.importorskip("torch")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(rank=st.integers(1, 3), data=st.data())
def test_output_size_matches_torch(rank, data):
    draw = lambda low, high: data.draw(st.lists(st.integers(low, high), min_size=rank, max_size=rank))  # noqa: E731
    kernel, stride, dilation, sizes = draw(1, 3), draw(1, 3), draw(1, 2), draw(1, 5)
    padding = [data.draw(st.integers(0, (d * (k - 1)) // 2)) for k, d in zip(kernel, dilation)]
    smallest = [(w - 1) * s - 2 * p + d * (k - 1) + 1 for w, s, p, d, k in zip(sizes, stride, padding, dilation, kernel)]
    wanted = [data.draw(st.integers(max(low - 1, 1), low + s)) for low, s in zip(smallest, stride)]
    layer = {f"conv_transpose{rank}d": {"filters": 2, "kernel": kernel, "stride": stride, "padding": padding,
                                         "dilation": dilation, "output_size": wanted}}
    analysis = analyze_text(f"name: t\ninput: {json.dumps([3, *sizes])}\nlayers:\n  - {json.dumps(layer)}\n")
    module = getattr(torch.nn, f"ConvTranspose{rank}d")(3, 2, kernel, stride, padding, dilation=dilation).double()
    x = np.random.default_rng(0).normal(size=(2, 3, *sizes))
    try:
        with torch.no_grad():
            expected = module(torch.from_numpy(x), output_size=wanted).numpy()
    except (ValueError, RuntimeError):
        expected = None
    if expected is not None and 0 in expected.shape:
        expected = None
    assert bool(analysis.errors) == (expected is None), [finding.render() for finding in analysis.errors]
    if expected is None:
        return
    report = analysis.layers[0]
    assert list(report.result.output.spatial) == wanted
    params = {name: p.detach().numpy() for name, p in module.named_parameters()}
    ours = report.node.layer.forward([x], params, CountingOps("chw"))
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


def test_output_size_with_output_padding_is_refused():
    text = "name: t\ninput: [3, 8]\nlayers:\n  - conv_transpose1d: {filters: 2, kernel: 3, stride: 2, " \
           "output_padding: 1, output_size: 17}\n"
    with pytest.raises(ConvcalcError) as error:
        analyze_text(text)
    assert error.value.render().startswith("inline.yaml:4:23: ") and "output_size sets the output padding" in \
        error.value.render()
