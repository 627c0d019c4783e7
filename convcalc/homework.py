"""Checking a student's answers against the analysis, and recognising the usual slips.

ANSWERS is a small YAML file:

    layers:
      conv1: {output_shape: 55x55x96, params: "34,944", macs: 105M}
      pool1: {output_shape: [96, 27, 27]}
    totals: {params: 61M, flops: 0.7 GFLOPs}
    tolerance: 1%        # optional, for every answer; otherwise only rounded notations have one

A number written with a suffix (61M, 0.7 GFLOPs, 1.1 MiB) is taken as rounded to its last digit
(61M accepts 60.5M to 61.5M); one written in full (34,944 or 34 944 or 34.944) must be exact.
Answers and the tolerance are read by convcalc.units.parse_amount, as budgets and thresholds are.
``values`` (a layer's output, as nested lists of numbers) are held against one run of the
executor: right within 1e-6 (or the tolerance); equal to the output rounded to some decimals is
the slip 'rounded'; another arrangement is 'values_shape'; anything but numbers is unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from convcalc.analysis import Analysis, display
from convcalc.errors import ConvcalcError, LayerError, Location
from convcalc.explain import explain
from convcalc.i18n import Msg, kind_of
from convcalc.layers.base import REFUSING_CHECKS, ReceptiveField, Tensor, product
from convcalc.loading import Document
from convcalc.spec import suggestion
from convcalc.units import NumberError, parse_amount, split_sizes

LAYER_FIGURES = ("output_shape", "params", "params_without_bias", "macs", "flops", "connections", "units", "memory",
                 "receptive_field", "values")
TOTAL_FIGURES = ("params", "params_without_bias", "macs", "flops", "units", "memory")
STEP_OF = {"output_shape": "shape", "units": "units", "memory": "memory", "receptive_field": "receptive_field"}


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
    note: str | None = None  # a remark on a right answer: a message key (batch_included, square_field)
    follows_from: tuple | None = None  # (layer, its wrong answer) a wrong answer follows correctly from

def parse_count(text, figure: str = "") -> Given:
    """34944, '34,944', '34 944', '34.944' (thousands), '61M', '0.7 GFLOPs', '1,2 millones', '2.5e7':
    read by the one parser of counts (convcalc.units.parse_amount)."""
    return _given(text, "count")


def parse_bytes(text) -> Given:
    """1161600, '1.1 MiB', '1.16 MB', '1134 KiB': bytes, rounded to the digits given."""
    return _given(text, "bytes")


def _given(text, kind: str) -> Given:
    amount = parse_amount(text, kind)
    value = int(amount.value) if amount.value.denominator == 1 and not amount.rounding else amount.value
    return Given(value, amount.rounding, getattr(text, "text", None) or str(text).strip())


def parse_shape(text) -> Given:
    """'55x55x96', '[96, 55, 55]', '(96,55,55)', 4096."""
    if isinstance(text, int) and not isinstance(text, bool):
        return Given((text,), Fraction(0), str(text))
    try:
        numbers = tuple(int(v) for v in text) if isinstance(text, list) else tuple(split_sizes(text))
    except (TypeError, ValueError):
        raise ValueError(Msg("not_a_shape", value=text)) from None
    return Given(numbers, Fraction(0), str(text))


def parse_values(text) -> Given:
    """Output values: a number, a list, or nested lists of equal lengths, every entry a number
    (YAML's true/false and quoted text are not numbers)."""
    import numpy as np

    def numeric(value) -> bool:
        if isinstance(value, list):
            return all(numeric(item) for item in value)
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    if not numeric(text):
        raise ValueError(Msg("values_not_numbers"))
    try:
        array = np.array(text, dtype=float)
    except ValueError:
        raise ValueError(Msg("values_ragged")) from None
    return Given(array, Fraction(0), _values_text(text))


def _values_text(values) -> str:
    """The answer as written: [[12, 12, 17], [10, 17, 19]]."""
    return f"[{', '.join(map(_values_text, values))}]" if isinstance(values, list) else f"{values:g}"


PARSERS = {"output_shape": parse_shape, "receptive_field": parse_shape, "memory": parse_bytes,
           "values": parse_values}


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
        written = data["tolerance"]
        text = (getattr(written, "text", None) or str(written)).strip()
        try:
            tolerance = parse_amount(text.removesuffix("%").strip()).value / (100 if text.endswith("%") else 1)
        except NumberError:
            raise ConvcalcError("answers_tolerance", answers.location(("tolerance",)), value=text) from None
    layers, totals = _answered(answers)
    by_name = {report.name: report for report in analysis.layers}
    executed = _Executed(analysis, run)
    explained = {item.report.name: item for item in explain(analysis)}
    shapes_given: dict[str, tuple] = {}  # the output shapes answered wrong, for answers that follow from them
    verdicts = []
    for name, figures in layers.items():
        if name not in by_name:
            raise ConvcalcError("unknown_layer", answers.location(("layers", name), at_key=True), name=name,
                                hint=suggestion(str(name), by_name), valid=", ".join(by_name))
        report = by_name[name]
        for figure, text in _figures(figures, ("layers", name), LAYER_FIGURES, answers):
            where = answers.location(("layers", name, figure))
            given = _parse(figure, text, where)
            if figure == "connections" and report.connections is None:
                raise ConvcalcError("no_connections", where, layer=name, kind=report.kind)
            expected = _expected(analysis, report, figure, executed, explained[name])
            steps = [step for step in explained[name].steps if step.figure == STEP_OF.get(figure, figure)]
            verdict = _verdict(name, figure, given, expected, where, tolerance, steps,
                               _candidates(analysis, report, figure, expected, explained[name]))
            if figure == "output_shape" and not verdict.correct:
                verdict = _with_batch(verdict, analysis.batch)
            if not verdict.correct and verdict.mistake is None:
                verdict.follows_from = _follows(analysis, report, figure, given, tolerance, shapes_given)
            if figure == "output_shape" and not verdict.correct and isinstance(given.value, tuple):
                shapes_given[name] = given.value
            verdicts.append(verdict)
    for figure, text in _figures(totals, ("totals",), TOTAL_FIGURES, answers):
        where = answers.location(("totals", figure))
        given = _parse(figure, text, where)
        expected = _total(analysis, figure, explained)
        candidates = {"params": [("bias_forgotten", _total(analysis, "params_without_bias", explained)),
                                 ("keras_total", analysis.totals.trainable + analysis.totals.non_trainable)],
                      "macs": [("flops_for_macs", analysis.totals.flops)],
                      "flops": [("macs_for_flops", analysis.totals.macs),
                                ("bias_additions_forgotten", 2 * analysis.totals.macs)]}.get(figure, [])
        candidates += _generic(figure, expected, analysis)
        verdicts.append(_verdict(None, figure, given, expected, where, tolerance, [], candidates))
    return verdicts


def _answered(answers: Document) -> tuple[dict, dict]:
    """(figures by layer name, totals), refused unless each is a mapping and some figure is given:
    a file with no answers would be graded "0 of 0 right" and pass."""
    data = answers.data
    layers, totals = data.get("layers") or {}, data.get("totals") or {}
    if not isinstance(layers, dict):
        raise ConvcalcError("answers_layers_form", answers.location(("layers",)), got=kind_of(layers))
    if not isinstance(totals, dict):
        raise ConvcalcError("answers_figures_form", answers.location(("totals",)), where=Msg("totals_word"),
                            got=kind_of(totals))
    for name, figures in layers.items():
        if not isinstance(figures, dict):
            raise ConvcalcError("answers_figures_form", answers.location(("layers", name)), where=name,
                                got=kind_of(figures))
    if not totals and not any(layers.values()):
        raise ConvcalcError("answers_empty", answers.location(()))
    return layers, totals


def _figures(figures, path, allowed, answers):
    for figure, text in figures.items():
        if figure not in allowed:
            raise ConvcalcError("unknown_figure", answers.location(path + (figure,), at_key=True), figure=figure,
                                hint=suggestion(str(figure), allowed), valid=", ".join(allowed))
        if text is None or isinstance(text, dict):
            raise ConvcalcError("answer_form", answers.location(path + (figure,), at_key=text is None),
                                figure=figure, got=kind_of(text))
        yield figure, text


def _parse(figure, text, where) -> Given:
    try:
        return PARSERS.get(figure, parse_count)(text)
    except NumberError as error:
        raise ConvcalcError("answer_unreadable", where, figure=figure, problem=error.message) from None
    except ValueError as error:
        problem = error.args[0] if error.args and isinstance(error.args[0], Msg) else str(error)
        raise ConvcalcError("answer_unreadable", where, figure=figure, problem=problem) from None


def _expected(analysis, report, figure, executed, explanation):
    result = report.result
    if figure == "output_shape":
        return tuple(display(result.output.dims, analysis.spec.layout))
    if figure == "receptive_field":
        dims = result.output.field.dims
        return tuple(int(d.size) for d in dims) if dims else ()
    if figure == "values":
        if result.outputs is not None:  # several outputs: one array each, kept as name.0, name.1, ...
            return [executed.output(f"{report.name}.{index}") for index in range(len(result.outputs))]
        return executed.output(report.name)
    return {"params": result.trainable, "macs": result.macs, "flops": result.flops, "connections": report.connections,
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


class _Executed:
    """The executor's run, made once and only when an answer gives values."""

    def __init__(self, analysis, run=None):
        self.analysis, self.run = analysis, run

    def output(self, name):
        if self.run is None:
            from convcalc.execute import execute

            self.run = execute(self.analysis, keep=True)
        return _shown(self.run.outputs[name][0], self.analysis.spec.layout)


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
        with_bias = _with_biases(analysis, report)
        if with_bias is not None and with_bias != expected:
            found.append(("bias_counted", with_bias))
        if result.non_trainable:
            found.append(("keras_total", result.trainable + result.non_trainable))
    if figure == "params_without_bias" and result.trainable != expected:
        found.append(("bias_counted", result.trainable))
    if figure == "macs":
        found.append(("flops_for_macs", result.flops))
    if figure == "flops":
        found.append(("macs_for_flops", result.macs))
        if isinstance(result.flops, int) and result.flops > 2 * result.macs > 0:
            found.append(("bias_additions_forgotten", 2 * result.macs))
    if figure == "units":
        found.append(("bytes_for_count", report.activation_bytes))
    if figure == "memory":
        found.append(("count_for_bytes", product(result.output.dims) * analysis.batch))
    return found + _generic(figure, expected, analysis)


def _with_biases(analysis, report):
    """The parameters of a layer written without its bias (`bias: false`) had it one: what a
    student who counted the biases anyway answers."""
    layer = report.node.layer
    if getattr(layer, "bias", None) is not False:
        return None
    try:
        return layer.model_copy(update={"bias": True}).infer(_layer_inputs(analysis, report), REFUSING_CHECKS).trainable
    except (ValueError, ArithmeticError):
        return None


def _with_batch(verdict: Verdict, batch) -> Verdict:
    """An output shape written with the batch first (1x55x55x96 for 55x55x96) is right, with a note."""
    given, expected = verdict.given.value, verdict.expected
    if isinstance(given, tuple) and len(given) == len(expected) + 1 and given[0] == batch and given[1:] == expected:
        return Verdict(verdict.layer, verdict.figure, verdict.given, expected, verdict.location, True, None,
                       verdict.steps, note="batch_included")
    return verdict


def _follows(analysis, report, figure, given, tolerance, shapes_given) -> tuple | None:
    """(layer, answer) when the answer is what the layer gives from the output shape the student
    answered (wrongly) for the layer feeding it: right work from an earlier slip."""
    sources = report.node.inputs
    if len(sources) != 1 or sources[0] not in shapes_given or figure not in (
            "output_shape", "params", "params_without_bias", "macs", "flops", "units", "memory"):
        return None
    shape = shapes_given[sources[0]]
    inputs = _layer_inputs(analysis, report)
    if len(shape) != len(inputs[0].dims):
        return None
    dims = (shape[-1], *shape[:-1]) if analysis.spec.layout == "hwc" and len(shape) > 1 else shape
    try:
        result = report.node.layer.infer([Tensor(tuple(dims), ReceptiveField.identity(len(dims) - 1))],
                                         REFUSING_CHECKS)
    except (ValueError, ArithmeticError, LayerError):  # these sizes are refused: nothing follows from them
        return None
    units = sum((product(tensor.dims) for tensor in result.tensors), 0)
    value = {"output_shape": tuple(display(result.output.dims, analysis.spec.layout)), "params": result.trainable,
             "params_without_bias": None, "macs": result.macs, "flops": result.flops, "units": units,
             "memory": units * analysis.batch * analysis.dtype_bytes}[figure]
    if value is None or not isinstance(value, (int, tuple)) or not close(given, value, tolerance):
        return None
    return (sources[0], "x".join(map(str, shape)))


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
        return _values_verdict(layer, given, expected, where, tolerance, steps)
    if not isinstance(expected, (int, tuple)):
        return Verdict(layer, figure, given, expected, where, False, "symbolic", steps)
    if close(given, expected, tolerance):
        return Verdict(layer, figure, given, expected, where, True, None, steps)
    if figure == "receptive_field" and isinstance(given.value, tuple) and len(given.value) == 1 and expected \
            and set(expected) == set(given.value):  # 7 for a 7x7 field: the usual way to write a square one
        return Verdict(layer, figure, given, expected, where, True, None, steps, note="square_field")
    for mistake, value in candidates:
        if value != expected and isinstance(value, (int, tuple)) and close(given, value, tolerance):
            return Verdict(layer, figure, given, expected, where, False, mistake, steps)
    if isinstance(expected, int) and isinstance(given.value, int) and _one_adjacent_swap(given.value, expected):
        return Verdict(layer, figure, given, expected, where, False, "digits_swapped", steps)
    return Verdict(layer, figure, given, expected, where, False, None, steps)


def _values_verdict(layer, given, expected, where, tolerance, steps) -> Verdict:
    """Right when every value is within 1e-6 (or the answers' tolerance) of the executed output,
    the arrangement compared without size-1 axes (a one-channel map may be written as a matrix or
    as 1x3x3). A wrong answer equal to the output rounded to some decimals is the slip 'rounded'.
    For a layer with several outputs (a list of arrays), a list of as many answers, each held
    against its output."""
    import numpy as np

    if isinstance(expected, list):
        shown = [part.tolist() for part in expected]
        parts = list(given.value) if np.ndim(given.value) else []  # one answer per output, in order
        if len(parts) != len(expected):
            return Verdict(layer, "values", given, shown, where, False, "values_shape", steps)
        outcomes = [_values_outcome(np.asarray(part, dtype=float), want, tolerance)
                    for part, want in zip(parts, expected)]
        correct = all(ok for ok, _ in outcomes)
        mistake = None if correct else next((slip for ok, slip in outcomes if not ok and slip), None)
        return Verdict(layer, "values", given, shown, where, correct, mistake, steps)
    correct, mistake = _values_outcome(given.value, expected, tolerance)
    return Verdict(layer, "values", given, expected.tolist(), where, correct, mistake, steps)


def _values_outcome(given, expected, tolerance) -> tuple[bool, str | None]:
    """(right, the slip recognised or None) for one array of values."""
    import numpy as np

    values, exact = np.squeeze(given), np.squeeze(expected.astype(float))
    if values.shape != exact.shape:
        return False, "values_shape"
    # the run's own precision: float16 holds 0.25 as 0.2499 after a mean, so the exact 0.25 is right
    precision = 4 * float(np.finfo(expected.dtype).eps) if np.issubdtype(expected.dtype, np.floating) else 0.0
    relative = max(float(tolerance), 1e-6, precision)
    if np.allclose(values, exact, rtol=relative, atol=1e-6):
        return True, None
    rounded = any(np.allclose(values, candidate, rtol=0, atol=1e-9) for candidate in _roundings(exact))
    return False, "rounded" if rounded else None


def _roundings(exact):
    """The output to 0..6 decimals, rounded half to even, half up and cut off (toward zero); the
    1e-6 nudge keeps a float32 0.7 (0.69999999) from being cut to 0.6."""
    import numpy as np

    for decimals in range(7):
        scale = 10.0 ** decimals
        nudged = exact * scale + np.sign(exact) * 1e-6
        yield np.round(exact, decimals)
        yield np.floor(exact * scale + 0.5) / scale
        yield np.trunc(nudged) / scale


def _one_adjacent_swap(given: int, expected: int) -> bool:
    """64,869 for 64,896: two neighbouring digits exchanged."""
    a, b = str(given), str(expected)
    if len(a) != len(b) or a == b:
        return False
    differences = [i for i in range(len(a)) if a[i] != b[i]]
    return len(differences) == 2 and differences[1] == differences[0] + 1 and \
        a[differences[0]] == b[differences[1]] and a[differences[1]] == b[differences[0]]
