"""Validity conditions for symbolic sizes: the described set equals brute force (the concrete
analysis at every H in 1..N), for random small networks, in default and strict mode."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import analyze_text
from convcalc.conditions import Values

N = 150

layer = st.one_of(
    st.builds(lambda k, s, p, d: {"conv2d": {"filters": 2, "kernel": k, "stride": s, "padding": p, "dilation": d}},
              st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2)),
    st.builds(lambda k, s, ceil: {"maxpool2d": {"kernel": k, "stride": s, "padding": k // 2, "ceil_mode": ceil}},
              st.integers(1, 4), st.integers(1, 3), st.booleans()),
    st.builds(lambda k, s: {"conv_transpose2d": {"filters": 2, "kernel": k, "stride": s, "padding": 1}},
              st.integers(1, 4), st.integers(1, 3)),
    st.builds(lambda c: {"crop2d": {"cropping": c}}, st.integers(1, 3)),
    st.builds(lambda a, b: {"upsample2d": {"scale": f"{a}/{b}"}}, st.integers(1, 3), st.integers(1, 2)),
)


def network(layers, tail) -> str:
    lines = ["name: random", "input: [2, H, H]", "layers:"]
    lines += [f"  - {json.dumps(entry)}" for entry in layers]
    lines += [f"  - {json.dumps(entry)}" for entry in tail]
    return "\n".join(lines) + "\n"


def described_set(analysis) -> Values:
    overall = analysis.conditions[0] if analysis.conditions else None
    if overall is None or analysis.errors:
        return None
    if overall.boxes is not None:
        return overall.boxes
    return overall.per_symbol.get("H", Values.everything())


def agrees(text, strict):
    symbolic = analyze_text(text, strict=strict)
    valid = [h for h in range(1, N + 1) if not analyze_text(text, strict=strict, values={"H": h}).errors]
    allowed = described_set(symbolic)
    if allowed is None:
        assert not valid, f"convcalc finds no valid H, yet these work: {valid[:10]}"
        return
    if isinstance(allowed, list):
        members = [h for h in range(1, N + 1) if any(h in box["H"] for box in allowed)]
    else:
        members = [h for h in range(1, N + 1) if h in allowed]
    assert members == valid, symbolic.conditions[0].describe()


@settings(max_examples=40, deadline=None)
@given(st.lists(layer, min_size=1, max_size=4), st.booleans())
def test_valid_sizes_equal_brute_force(layers, strict):
    agrees(network(layers, []), strict)


@settings(max_examples=25, deadline=None)
@given(st.lists(layer, min_size=1, max_size=3), st.integers(1, 8))
def test_dense_after_flatten_pins_the_size(layers, side):
    agrees(network(layers, [{"flatten": {}}, {"dense": {"units": 3, "in_features": 2 * side * side}}]), False)


@settings(max_examples=25, deadline=None)
@given(st.lists(layer, min_size=1, max_size=3), st.lists(layer, min_size=1, max_size=3))
def test_residual_of_two_branches(left, right):
    right = json.loads(json.dumps(right))
    next(iter(right[0].values()))["inputs"] = ["input"]  # the second branch starts again from the input
    text = network(left + [{"relu": {"name": "left_end"}}] + right,
                   [{"relu": {"name": "right_end"}}, {"add": {"inputs": ["left_end", "right_end"]}}])
    agrees(text, False)


def test_lenet_square_input_is_pinned_to_32_to_35():
    # 16*f(H)^2 = 400 with f(H) = floor((H - 12)/4) = 5, worked by hand
    from conftest import SPECS

    text = (SPECS / "lenet5.yaml").read_text().replace("[1, 32, 32]", "[1, H, H]")
    assert analyze_text(text).conditions[0].describe() == "H in {32..35}"


def test_lenet_with_two_symbols_lists_the_alternatives():
    from conftest import SPECS

    text = (SPECS / "lenet5.yaml").read_text().replace("[1, 32, 32]", "[1, H, W]")
    # 16 * f(H) * f(W) = 400: f(H)*f(W) = 25 = 1*25 = 5*5 = 25*1; f = 1, 5, 25 at H in {16..19}, {32..35}, {112..115}
    assert analyze_text(text).conditions[0].describe() == (
        "(H in {16..19} and W in {112..115}) or (H in {32..35} and W in {32..35}) or "
        "(H in {112..115} and W in {16..19})")


def test_printed_forms():
    assert Values(32, ((1, 33, None),)).describe("H") == "H >= 33 and H - 1 divisible by 32"
    assert Values(32, ((0, 32, None),) + tuple((r, r, None) for r in range(25, 32))).describe("H") == \
        "H mod 32 in {0, 25..31}"
    assert Values(4, ((0, 8, None), (1, 1, None), (2, 2, None), (3, 3, None))).describe("H") == \
        "H >= 5, or H in {1..3}"
    assert Values(1, ((0, 7, 9),)).describe("H") == "H in {7..9}"
