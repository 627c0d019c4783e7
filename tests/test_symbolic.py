"""The size normal form: equal to the per-layer formulas applied step by step (written out here
independently, with plain integers), and kept at floor depth one."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc.symbolic import ceildiv, evaluator, floordiv, period, slope, substitute, symbol

H = symbol("H")


def conv_size(w, k, s, p, d):  # PyTorch Conv2d docs
    return (w + 2 * p - d * (k - 1) - 1) // s + 1


def pool_ceil_size(w, k, s, p):  # PyTorch MaxPool2d(ceil_mode=True): the last window must start inside
    out = -(-(w + 2 * p - k) // s) + 1
    return out - 1 if (out - 1) * s >= w + p else out


def tconv_size(w, k, s, p, op):  # PyTorch ConvTranspose2d docs
    return (w - 1) * s - 2 * p + k + op


steps = st.one_of(
    st.tuples(st.just("conv"), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3)),
    st.tuples(st.just("pool_ceil"), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2), st.just(1)),
    st.tuples(st.just("tconv"), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(0, 1)),
    st.tuples(st.just("upsample"), st.integers(1, 3), st.integers(1, 2), st.just(0), st.just(0)),
)


def apply(step, w):
    kind, a, b, c, e = step
    if kind == "conv":
        return conv_size(w, a, b, c, e)
    if kind == "pool_ceil":
        return pool_ceil_size(w, a, b, min(c, a // 2))
    if kind == "tconv":
        return tconv_size(w, a, b, c, min(e, b - 1))
    return w * a // b  # upsample by a/b: floor(W * a/b)


def apply_symbolic(step, w):
    kind, a, b, c, e = step
    if kind == "conv":
        return (w + 2 * c - e * (a - 1) - 1) // b + 1
    if kind == "pool_ceil":
        p = min(c, a // 2)
        out = ceildiv(w + 2 * p - a, b) + 1
        # last window starts in the padding iff ((out - 1)*S - (W + 2P - F)) >= F - P
        slack = b * ceildiv(w + 2 * p - a, b) - (w + 2 * p - a)
        threshold = a - p
        if threshold <= 0:
            return out - 1
        return out - (slack + b - threshold) // b if threshold < b else out
    if kind == "tconv":
        return (w - 1) * b - 2 * c + a + min(e, b - 1)
    return floordiv(w * a, b)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, min_size=1, max_size=8), st.lists(st.integers(1, 400), min_size=5, max_size=5))
def test_normal_form_equals_step_by_step(chain, heights):
    expression = H
    for step in chain:
        expression = apply_symbolic(step, expression)
    compiled = evaluator(expression, ("H",))
    for h in heights:
        value = h
        for step in chain:
            value = apply(step, value)
        assert substitute(expression, {"H": h}) == value
        assert compiled(h) == value


def test_resnet_stem_is_one_floor():
    stem = (H + 2 * 3 - 7) // 2 + 1  # 7x7 conv, stride 2, padding 3
    pooled = (stem + 2 * 1 - 3) // 2 + 1  # 3x3 max pool, stride 2, padding 1
    assert str(stem) == "floor((H + 1)/2)"  # (H - 1)/2 + 1 = (H + 1)/2, worked by hand
    assert str(pooled) == "floor((H + 3)/4)"  # floor((floor((H+1)/2) - 1)/2) + 1, folded


def test_hundred_stride_two_convs_stay_at_depth_one():
    size = H
    for _ in range(100):
        size = (size + 2 - 3) // 2 + 1
    assert str(size).count("floor") == 1
    assert str(size) == f"floor((H + {2 ** 100 - 1})/{2 ** 100})"  # ceil(H / 2^100), by induction


def test_lenet_sizes():
    conv1 = H - 5 + 1
    pool1 = conv1 // 2
    conv2 = pool1 - 5 + 1
    pool2 = conv2 // 2
    assert str(pool2) == "floor((H - 12)/4)"  # floor((floor((H - 4)/2) - 4)/2), folded by hand


def test_period_and_slope_by_brute_force():
    expression = floordiv(H + 3, 4) + floordiv(2 * H, 3) + floordiv(floordiv(H, 2) + 1, 5)
    P, rise = period(expression, "H"), slope(expression, "H") * period(expression, "H")
    assert slope(expression, "H") == Fraction(1, 4) + Fraction(2, 3) + Fraction(1, 10)
    for h in range(1, 200):
        assert substitute(expression, {"H": h + P}) - substitute(expression, {"H": h}) == rise
    assert all(any(substitute(expression, {"H": h + q}) - substitute(expression, {"H": h}) != rise * q / P
                   for h in range(1, 200)) for q in range(1, P) if P % q == 0)


def test_equal_functions_in_different_forms_are_recognised_by_the_solver():
    from conftest import analyze_text

    # floor(H/2) + ceil(H/2) == H: a concat of a stride-2 pool and a ceil-mode pool, added to the input
    analysis = analyze_text("""\
        name: halves
        input: [1, 1, H]
        layers:
          - maxpool2d: {name: down, kernel: [1, 2]}
          - maxpool2d: {name: up, kernel: [1, 2], ceil_mode: true, inputs: [input]}
          - concat: {name: both, axis: 2, inputs: [down, up]}
          - add: {name: same, inputs: [both, input]}
        """)
    assert not analysis.errors and not analysis.warnings
    assert analysis.conditions[0].describe() == "H >= 2"  # the floor-mode pool needs a full window


@settings(max_examples=100, deadline=None)
@given(st.lists(steps, min_size=1, max_size=6))
def test_printed_form_is_a_correct_formula(chain):
    """The text convcalc prints, read back by sympy, gives the same sizes."""
    import sympy

    expression = H
    for step in chain:
        expression = apply_symbolic(step, expression)
    parsed = sympy.sympify(str(expression), locals={"H": sympy.Symbol("H"), "floor": sympy.floor})
    for h in (1, 2, 3, 7, 64, 224, 225, 1000):
        assert int(parsed.subs("H", h)) == substitute(expression, {"H": h})


@settings(max_examples=100, deadline=None)
@given(st.lists(steps, min_size=1, max_size=3), st.lists(steps, min_size=1, max_size=3), st.integers(-5, 9),
       st.integers(-3, 3))
def test_products_of_sizes_print_factored_and_correct(chain_h, chain_w, scale, shift):
    """A tensor's element count prints as c*(size along H)*(size along W) and still reads back right."""
    import sympy

    W = symbol("W")
    height, width = H, W
    for step in chain_h:
        height = apply_symbolic(step, height)
    for step in chain_w:
        width = apply_symbolic(step, width)
    value = scale * height * width + shift
    text = str(value)
    names = {"H": sympy.Symbol("H"), "W": sympy.Symbol("W"), "floor": sympy.floor}
    parsed = sympy.sympify(text, locals=names)
    for h, w in ((1, 1), (5, 9), (64, 31), (224, 225)):
        assert int(parsed.subs({"H": h, "W": w})) == substitute(value, {"H": h, "W": w})
    if shift == 0 and scale and not isinstance(height, int) and not isinstance(width, int):
        assert "H" in text and "W" in text and text.count("*") <= 2 + sum(
            part.count("*") for part in (str(height), str(width))), text  # factored, not expanded
