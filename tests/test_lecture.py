"""The size examples worked in our users' lecture notes (../shared/seeds/README.md, items 3, 4, 5,
8, 9, 10, 11). Every expected figure is the notes' own, or worked by hand from their formula
O = (W - F + 2P)/S + 1 and params = (F*F*D + 1)*K."""

from __future__ import annotations

import pytest

from conftest import SPECS, analyze_file, analyze_text


def single(input_shape, layer: str, layout="chw"):
    analysis = analyze_text(f"name: t\nlayout: {layout}\ninput: {input_shape}\nlayers:\n  - {layer}\n")
    assert not analysis.errors, [f.render() for f in analysis.errors]
    (report,) = analysis.layers
    return report


@pytest.mark.parametrize("filters, shape", [(1, (28, 28, 1)), (6, (28, 28, 6))])
def test_item3_32x32x3_through_5x5x3_filters(filters, shape):
    report = single("[32, 32, 3]", f"conv2d: {{filters: {filters}, kernel: 5}}", layout="hwc")
    assert report.shape == shape
    assert report.result.macs == 28 * 28 * filters * (5 * 5 * 3)  # each output value: 5*5*3 products
    assert report.params == (5 * 5 * 3 + 1) * filters  # ... plus 1 bias


@pytest.mark.parametrize("kernel, stride, padding, size", [(3, 1, 0, 5), (5, 1, 0, 3), (3, 2, 0, 3), (3, 1, 1, 7)])
def test_item4_7x7_input(kernel, stride, padding, size):
    report = single("[1, 7, 7]", f"conv2d: {{filters: 1, kernel: {kernel}, stride: {stride}, padding: {padding}}}")
    assert report.shape == (1, size, size)


@pytest.mark.parametrize("padding, stride, size", [(1, 1, 5), (0, 1, 3), (0, 2, 2)])
def test_item5_5x5_input_f3(padding, stride, size):
    report = single("[1, 5, 5]", f"conv2d: {{filters: 1, kernel: 3, stride: {stride}, padding: {padding}}}")
    assert report.shape == (1, size, size)


def test_item8_pooling_and_the_small_network():
    assert single("[1, 6, 6]", "maxpool2d: {kernel: 2, stride: 2}").shape == (1, 3, 3)
    layers = {r.name: r for r in analyze_file(SPECS / "seed002_cnn.yaml").layers}
    shapes = [r.shape for r in layers.values()]
    assert (32, 32, 6) in shapes and (16, 16, 6) in shapes  # CONV keeps 32x32, POOL halves it (hwc)


def test_item9_lenet_classifier_receives_400_at_32_and_breaks_at_40():
    analysis = analyze_file(SPECS / "lenet5.yaml")
    dense = next(r for r in analysis.layers if r.kind == "dense")
    assert dense.result.macs == 400 * 120  # 16*5*5 = 400 inputs
    text = (SPECS / "lenet5.yaml").read_text().replace("input: [1, 32, 32]", "input: [1, 40, 40]")
    broken = analyze_text(text)
    (error,) = broken.errors
    assert error.key == "in_features_mismatch"
    assert error.params["received"] == str(16 * 7 * 7)  # 40 -> 36 -> 18 -> 14 -> 7
    line = 1 + text.splitlines().index(next(l for l in text.splitlines() if "name: c5" in l))
    assert error.location.line == line and error.layer == dense.name == "c5"


def test_item10_alexnet_table_and_its_slip():
    analysis = analyze_file(SPECS / "alexnet_original.yaml")
    convs = [r for r in analysis.layers if r.kind == "conv2d"]
    units = [r.activation_elements for r in convs]
    assert units == [290_400, 186_624, 64_896, 64_896, 43_264]
    # the table prints 64,869 for L4 yet its subtotal 650,080 is the sum with 64,896: the row is the slip
    assert sum(units) == 650_080 and 64_869 not in units
    assert sum(r.params for r in convs) == 2_332_704
    assert analysis.totals.params == 60_954_656


def test_item11_a_megapixel_image_fully_connected_to_1024_units():
    analysis = analyze_text("name: fc\ninput: [1, 1000, 1000]\nlayers:\n  - flatten\n  - dense: {units: 1024}\n")
    assert analysis.totals.params == 1000 * 1000 * 1024 + 1024  # "about 1024 million"
