"""Checking a student's answers against the analysis, and recognising the usual slips.

ANSWERS is a small YAML file:

    layers:
      conv1: {output_shape: 55x55x96, params: "34,944", macs: 105M}
      pool1: {output_shape: [96, 27, 27]}
    totals: {params: 61M, flops: 0.7 GFLOPs}
    tolerance: 1%        # optional, for every answer; otherwise only rounded notations have one

A number written with a suffix (61M, 0.7 GFLOPs, 1.1 MiB) is taken as rounded to its last digit
(61M accepts 60.5M to 61.5M); one written in full (34,944 or 34 944 or 34.944) must be exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from convcalc.analysis import Analysis, display
from convcalc.errors import ConvcalcError, Location
from convcalc.explain import explain
from convcalc.layers.base import product
from convcalc.loading import Document
from convcalc.spec import suggestion
from convcalc.units import split_sizes

LAYER_FIGURES = ("output_shape", "params", "params_without_bias", "macs", "flops", "units", "memory",
                 "receptive_field", "values")
TOTAL_FIGURES = ("params", "params_without_bias", "macs", "flops", "units", "memory")
STEP_OF = {"output_shape": "shape", "units": "units", "memory": "memory", "receptive_field": "receptive_field"}
MULTIPLIERS = {"": 1, "k": 10 ** 3, "m": 10 ** 6, "g": 10 ** 9, "b": 10 ** 9, "t": 10 ** 12,
               "thousand": 10 ** 3, "mil": 10 ** 3, "million": 10 ** 6, "millions": 10 ** 6, "millón": 10 ** 6,
               "millon": 10 ** 6, "millones": 10 ** 6, "billion": 10 ** 9, "mil millones": 10 ** 9}
_UNIT_WORDS = re.compile(r"\s*(flops?|macs?|mult-?adds?|params?|parámetros|parametros|parameters|weights|pesos)$")
_NUMBER = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)\s*([a-zñó ]*)$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:([,. \u00a0\u202f])[0-9]{3})+$")


@dataclass
class Given:
    """A parsed answer: the value and the half-width of the interval it stands for."""

    value: object
    tolerance: Fraction = Fraction(0)
    text: str = ""


@dataclass
class Verdict:
    layer: str | None  # None for totals
    figure: str
    given: Given
    expected: object
    location: Location
    correct: bool
    mistake: str | None = None
    steps: list = field(default_factory=list)


def parse_count(text, figure: str = "") -> Given:
    """34944, '34,944', '34 944', '34.944' (thousands), '61M', '0.7 GFLOPs', '1,2 millones'."""
    if isinstance(text, bool):
        raise ValueError("a number")
    if isinstance(text, int):
        return Given(text, Fraction(0), str(text))
    if isinstance(text, float):
        written = getattr(text, "text", repr(text))
        if _GROUPED.match(written):  # 34.944 written for 34,944
            return Given(int(written.replace(".", "")), Fraction(0), written)
        return Given(Fraction(str(text)), Fraction(0), written)
    raw = str(text).strip()
    cleaned = _UNIT_WORDS.sub("", raw.lower()).strip()
    if _GROUPED.match(cleaned):
        return Given(int(re.sub(r"[,. \u00a0\u202f]", "", cleaned)), Fraction(0), raw)
    match = _NUMBER.match(cleaned)
    if not match or match.group(2).strip() not in MULTIPLIERS:
        raise ValueError(f"'{raw}' is not a number: write 34944, 34,944, 61M or 0.7 GFLOPs")
    digits, suffix = match.group(1).replace(",", "."), match.group(2).strip()
    multiplier = MULTIPLIERS[suffix]
    value = Fraction(digits) * multiplier
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    rounded = Fraction(1, 2 * 10 ** decimals) * multiplier if suffix else Fraction(0)
    return Given(value, rounded, raw)


def parse_bytes(text) -> Given:
    """1161600, '1.1 MiB', '1.16 MB', '1134 KiB': bytes, rounded to the digits given."""
    if isinstance(text, int) and not isinstance(text, bool):
        return Given(text, Fraction(0), str(text))
    raw = str(text).strip()
    match = re.match(r"^([0-9]+(?:[.,][0-9]+)?)\s*([kKMGT]?)(i?)[bB]$", raw)
    if not match:
        return parse_count(text)
    digits, prefix, binary = match.group(1).replace(",", "."), match.group(2).upper(), match.group(3)
    unit = (1024 if binary else 1000) ** " KMGT".index(prefix or " ")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return Given(Fraction(digits) * unit, Fraction(1, 2 * 10 ** decimals) * unit if prefix else Fraction(0), raw)


def parse_shape(text) -> Given:
    """'55x55x96', '[96, 55, 55]', '(96,55,55)', 4096."""
    if isinstance(text, int) and not isinstance(text, bool):
        return Given((text,), Fraction(0), str(text))
    try:
        numbers = tuple(int(v) for v in text) if isinstance(text, list) else tuple(split_sizes(text))
    except (TypeError, ValueError):
        raise ValueError(f"'{text}' is not a shape: write 55x55x96 or [96, 55, 55]") from None
    return Given(numbers, Fraction(0), str(text))


PARSERS = {"output_shape": parse_shape, "receptive_field": parse_shape, "memory": parse_bytes,
           "values": lambda v: Given(v, Fraction(0), str(v))}


def close(given: Given, expected, tolerance: Fraction) -> bool:
    if isinstance(expected, tuple) or isinstance(given.value, tuple):
        return tuple(given.value) == tuple(expected)
    allowed = max(given.tolerance, abs(Fraction(expected)) * tolerance)
    return abs(Fraction(given.value) - Fraction(expected)) <= allowed


def check(analysis: Analysis, answers: Document, run=None) -> list[Verdict]:
    """One verdict per answer, in the order written."""
    data = answers.data
    if not isinstance(data, dict) or set(data) - {"layers", "totals", "tolerance"}:
        unknown = next(iter(set(data) - {"layers", "totals", "tolerance"}), None) if isinstance(data, dict) else None
        raise ConvcalcError("answers_form", answers.location((unknown,) if unknown else (), at_key=True))
    tolerance = Fraction(0)
    if "tolerance" in data:
        text = str(data["tolerance"]).strip()
        try:
            tolerance = Fraction(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            raise ConvcalcError("answers_tolerance", answers.location(("tolerance",)), value=text) from None
    by_name = {report.name: report for report in analysis.layers}
    explained = {item.report.name: item for item in explain(analysis)}
    verdicts = []
    for name, figures in (data.get("layers") or {}).items():
        if name not in by_name:
            raise ConvcalcError("unknown_layer", answers.location(("layers", name), at_key=True), name=name,
                                hint=suggestion(str(name), by_name))
        report = by_name[name]
        for figure, text in _figures(figures, ("layers", name), LAYER_FIGURES, answers):
            where = answers.location(("layers", name, figure))
            given = _parse(figure, text, where)
            expected = _expected(analysis, report, figure, run, explained[name])
            steps = [step for step in explained[name].steps if step.figure == STEP_OF.get(figure, figure)]
            verdicts.append(_verdict(name, figure, given, expected, where, tolerance, steps,
                                     _candidates(analysis, report, figure, expected, explained[name])))
    for figure, text in _figures(data.get("totals") or {}, ("totals",), TOTAL_FIGURES, answers):
        where = answers.location(("totals", figure))
        given = _parse(figure, text, where)
        expected = _total(analysis, figure, explained)
        candidates = {"params": [("bias_forgotten", _total(analysis, "params_without_bias", explained))],
                      "macs": [("flops_for_macs", analysis.totals.flops)],
                      "flops": [("macs_for_flops", analysis.totals.macs)]}.get(figure, [])
        candidates += _generic(figure, expected, analysis)
        verdicts.append(_verdict(None, figure, given, expected, where, tolerance, [], candidates))
    return verdicts


def _figures(figures, path, allowed, answers):
    if not isinstance(figures, dict):
        raise ConvcalcError("answers_form", answers.location(path))
    for figure, text in figures.items():
        if figure not in allowed:
            raise ConvcalcError("unknown_figure", answers.location(path + (figure,), at_key=True), figure=figure,
                                hint=suggestion(str(figure), allowed), valid=", ".join(allowed))
        yield figure, text


def _parse(figure, text, where) -> Given:
    try:
        return PARSERS.get(figure, parse_count)(text)
    except ValueError as error:
        raise ConvcalcError("answer_unreadable", where, figure=figure, problem=str(error)) from None


def _expected(analysis, report, figure, run, explanation):
    result = report.result
    if figure == "output_shape":
        return tuple(display(result.output.dims, analysis.spec.layout))
    if figure == "receptive_field":
        dims = result.output.field.dims
        return tuple(int(d.size) for d in dims) if dims else ()
    if figure == "values":
        executed = _executed(analysis, run)
        if result.outputs is not None:  # several outputs: one array each, kept as name.0, name.1, ...
            return [executed[f"{report.name}.{index}"] for index in range(len(result.outputs))]
        return executed[report.name]
    return {"params": result.trainable, "macs": result.macs, "flops": result.flops,
            "units": sum((product(tensor.dims) for tensor in result.tensors), 0), "memory": report.activation_bytes,
            "params_without_bias": _step_value(explanation, "params_without_bias", result.trainable)}[figure]


def _step_value(explanation, figure, default):
    return next((step.value for step in explanation.steps if step.figure == figure), default)


def _total(analysis, figure, explained):
    if figure == "params_without_bias":
        return sum((_step_value(item, "params_without_bias", item.report.params) for item in explained.values()), 0)
    totals = analysis.totals
    return {"params": totals.params, "macs": totals.macs, "flops": totals.flops,
            "units": sum((product(t.dims) for r in analysis.layers if r.result for t in r.result.tensors), 0),
            "memory": totals.activation_bytes}[figure]


def _executed(analysis, run):
    if run is None:
        from convcalc.execute import execute

        run = execute(analysis, keep=True)
    return {name: _shown(array[0], analysis.spec.layout) for name, array in run.outputs.items()}


def _shown(array, layout):
    import numpy as np

    value = np.moveaxis(array, 0, -1) if layout == "hwc" and array.ndim > 1 else array
    if value.ndim == 3 and 1 in (value.shape[0], value.shape[-1]):  # one channel: a plain matrix
        value = value.reshape(value.shape[1:] if value.shape[0] == 1 else value.shape[:-1])
    return value


def _candidates(analysis, report, figure, expected, explained) -> list[tuple[str, object]]:
    """Values a usual slip would give, the layer's own slips first."""
    result = report.result
    found = []
    own = report.node.layer.mistakes(_layer_inputs(analysis, report), result)
    key = {"output_shape": "shape"}.get(figure, figure)
    for mistake, value in own.get(key, []):
        found.append((mistake, tuple(display(value, analysis.spec.layout)) if key == "shape" else value))
    if figure == "params":
        without = _step_value(explained, "params_without_bias", None)
        if without is not None and without != expected:
            found.append(("bias_forgotten", without))
    if figure == "params_without_bias" and result.trainable != expected:
        found.append(("bias_counted", result.trainable))
    if figure == "macs":
        found.append(("flops_for_macs", result.flops))
    if figure == "flops":
        found.append(("macs_for_flops", result.macs))
    if figure == "units":
        found.append(("bytes_for_count", report.activation_bytes))
    if figure == "memory":
        found.append(("count_for_bytes", product(result.output.dims) * analysis.batch))
    return found + _generic(figure, expected, analysis)


def _layer_inputs(analysis, report):
    return report.node.read(analysis.tensors())


def _generic(figure, expected, analysis) -> list[tuple[str, object]]:
    if figure == "macs" and isinstance(expected, int):
        return [("flops_for_macs", 2 * expected)]
    if figure == "flops" and isinstance(expected, int):
        return [("macs_for_flops", expected // 2)]
    if figure == "output_shape" and len(expected) == 3:
        other = (expected[2], expected[0], expected[1]) if analysis.spec.layout == "hwc" else (
            expected[1], expected[2], expected[0])
        return [("layout_order", other),
                ("height_width_swapped", (expected[1], expected[0], expected[2]) if analysis.spec.layout == "hwc"
                 else (expected[0], expected[2], expected[1]))]
    return []


def _verdict(layer, figure, given, expected, where, tolerance, steps, candidates) -> Verdict:
    if figure == "values":
        return _values_verdict(layer, given, expected, where, steps)
    if not isinstance(expected, (int, tuple)):
        return Verdict(layer, figure, given, expected, where, False, "symbolic", steps)
    if close(given, expected, tolerance):
        return Verdict(layer, figure, given, expected, where, True, None, steps)
    for mistake, value in candidates:
        if value != expected and isinstance(value, (int, tuple)) and close(given, value, tolerance):
            return Verdict(layer, figure, given, expected, where, False, mistake, steps)
    if isinstance(expected, int) and isinstance(given.value, int) and _one_adjacent_swap(given.value, expected):
        return Verdict(layer, figure, given, expected, where, False, "digits_swapped", steps)
    return Verdict(layer, figure, given, expected, where, False, None, steps)


def _values_verdict(layer, given, expected, where, steps) -> Verdict:
    """Values given against the executed array; for a layer with several outputs (a list of arrays)
    a list of as many answers, each held against its output."""
    if isinstance(expected, list):
        shown = [part.tolist() for part in expected]
        if not isinstance(given.value, list) or len(given.value) != len(expected):
            return Verdict(layer, "values", given, shown, where, False, "values_shape", steps)
        outcomes = [_values_outcome(part, want) for part, want in zip(given.value, expected)]
        correct = all(ok for ok, _ in outcomes)
        mistake = None if correct else next((slip for ok, slip in outcomes if not ok and slip), None)
        return Verdict(layer, "values", given, shown, where, correct, mistake, steps)
    correct, mistake = _values_outcome(given.value, expected)
    return Verdict(layer, "values", given, expected.tolist(), where, correct, mistake, steps)


def _values_outcome(given, expected) -> tuple[bool, str | None]:
    """(right, the slip recognised or None) for one array of values."""
    import numpy as np

    try:
        values = np.asarray(given, dtype=float)
    except (TypeError, ValueError):
        return False, None
    if values.shape != expected.shape:
        return False, "values_shape"
    correct = bool(np.allclose(values, expected, rtol=1e-6, atol=1e-6))
    rounded = not correct and bool(np.all(np.abs(values - expected) < 1)) and bool(
        np.all((values == np.floor(expected)) | (values == np.round(expected)) | np.isclose(values, expected)))
    return correct, "rounded" if rounded else None


def _one_adjacent_swap(given: int, expected: int) -> bool:
    """64,869 for 64,896: two neighbouring digits exchanged."""
    a, b = str(given), str(expected)
    if len(a) != len(b) or a == b:
        return False
    differences = [i for i in range(len(a)) if a[i] != b[i]]
    return len(differences) == 2 and differences[1] == differences[0] + 1 and \
        a[differences[0]] == b[differences[1]] and a[differences[1]] == b[differences[0]]
