"""`convcalc calc`: one layer, no spec file. The options become a one-layer spec, analysed as any
other, so the answer and its derivation are the same rules `analyze` and `explain` use."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from convcalc.analysis import Analysis, Options
from convcalc.pipeline import analyze_document
from convcalc.layers.base import product
from convcalc.loading import load_document
from convcalc.spec import parse_spec
from convcalc.i18n import Msg
from convcalc.units import split_sizes


def input_shape(text: str, layout: str, channels: int | None, flat: bool) -> list[int]:
    """The spec's `input` from what a student writes: 227x227x3 (in ``layout``), 227 (square, with
    ``channels``), or for a dense layer the flattened count."""
    sizes = split_sizes(text, most=3)
    if flat:
        return [product(sizes)]
    if len(sizes) == 3:
        return sizes
    spatial = sizes * 2 if len(sizes) == 1 else sizes
    return [*spatial, channels or 1] if layout == "hwc" else [channels or 1, *spatial]


def per_axis(text: str):
    """'3' -> 3, '3x5' -> [3, 5]."""
    sizes = split_sizes(text, most=3)
    return sizes[0] if len(sizes) == 1 else sizes


def padding(text: str):
    """A number of pixels, per-axis numbers (0x1: none along H, one along W), or a mode name."""
    if text in ("same", "same_pytorch", "valid", "full"):
        return text
    parts = [part for part in re.split(r"[x×*,\s()\[\]]+", text.strip().lower()) if part]
    if not parts or len(parts) > 3 or not all(re.fullmatch(r"[0-9]{1,9}", part) for part in parts):
        raise ValueError(Msg("calc_bad_padding", value=text))
    return int(parts[0]) if len(parts) == 1 else [int(part) for part in parts]


def looks_channels_first(text: str, layout: str) -> bool:
    """An hwc --input whose first size is a usual depth (1 to 4) and whose other two are larger,
    as 3x32x32: most likely written channels first (it would read as 3 rows of 32 columns)."""
    try:
        sizes = split_sizes(text, most=3)
    except ValueError:
        return False
    return layout == "hwc" and len(sizes) == 3 and sizes[0] <= 4 < min(sizes[1:])


def window(kernel: str, stride: str, pad: str, dilation: str | None = "1") -> dict:
    fields = {"kernel": per_axis(kernel), "stride": per_axis(stride), "padding": padding(pad)}
    return fields if dilation is None else {**fields, "dilation": per_axis(dilation)}


def analyse(layer: dict, shape: list[int], layout: str) -> Analysis:
    spec = {"name": "calc", "layout": layout, "input": shape, "layers": [layer]}
    document = load_document(json.dumps(spec), "calc")
    return analyze_document(document, parse_spec(document), Options())


UNKNOWN = "?"
SOLVABLE = ("padding", "stride", "kernel", "dilation", "input")


@dataclass
class AxisSolution:
    """The values of the unknown that give the wanted output size along one axis: ``values`` found
    up to the layer's search bound, ``every_from`` when every larger value gives it too (the
    output no longer changes past the bound), else the nearest outputs reached for a "none"."""

    axis: str | None
    output: int
    values: list[int]
    every_from: int | None
    below: tuple[int, int] | None  # (value, output) of the largest output under the wanted one
    above: tuple[int, int] | None  # (value, output) of the smallest output over it


def _output_of(kind: str, fields: dict, channels: int, size: int) -> int | None:
    """The output size along one axis of a square input of ``size``, by the layer's own rule, or
    None when the layer refuses these values."""
    from pydantic import ValidationError

    from convcalc.errors import LayerError
    from convcalc.layers import REGISTRY
    from convcalc.layers.base import REFUSING_CHECKS, ReceptiveField, Tensor

    cls = REGISTRY[kind]
    try:
        layer = cls.model_validate(fields)
        result = layer.infer([Tensor((channels, *([size] * cls.rank)), ReceptiveField.identity(cls.rank))],
                              REFUSING_CHECKS)
    except (ValidationError, ValueError, LayerError):
        return None
    return result.output.spatial[0]


def solve(kind: str, fields: dict, unknown: str, spatial: list[int] | None, channels: int,
          wanted: list[int], axes: tuple[str, ...]) -> list[AxisSolution]:
    """Every value of ``unknown`` (a field of ``fields``, or the input size) giving the output
    sizes ``wanted``, axis by axis, each searched from its least value (0 for padding, 1 else) up
    to the layer's ``search_bound`` (proved there), by the layer's own shape rule."""
    from convcalc.layers import REGISTRY

    cls = REGISTRY[kind]
    least = 0 if unknown == "padding" else 1
    solutions = []
    for index, (axis, out, size) in enumerate(zip(axes, wanted, spatial or [None] * len(wanted))):
        axis_fields = {name: value[index] if isinstance(value, list) else value for name, value in fields.items()}
        known = {name: value for name, value in axis_fields.items() if name in SOLVABLE or name == "output_padding"}
        if size is not None:
            known["input"] = size

        def output(value):
            candidate = {**axis_fields, **({} if unknown == "input" else {unknown: value})}
            return _output_of(kind, candidate, channels, value if unknown == "input" else size)

        bound = cls.search_bound(unknown, known, out)
        reached = [(value, output(value)) for value in range(least, bound + 1)]
        values = [value for value, got in reached if got == out]
        every_from = bound + 1 if output(bound + 1) == out and output(bound + 2) == out else None
        lower = [(value, got) for value, got in reached if got is not None and got < out]
        upper = [(value, got) for value, got in reached if got is not None and got > out]
        solutions.append(AxisSolution(axis, out, values, every_from,
                                      max(lower, key=lambda pair: pair[1]) if lower else None,
                                      min(upper, key=lambda pair: pair[1]) if upper else None))
    if len(solutions) > 1 and all((s.output, s.values, s.every_from, s.below, s.above) == (
            solutions[0].output, solutions[0].values, solutions[0].every_from, solutions[0].below,
            solutions[0].above) for s in solutions):
        solutions[0].axis = None
        return solutions[:1]
    return solutions


def runs(values: list[int], every_from: int | None) -> list[tuple[int, int | None]]:
    """Consecutive values as (first, last) runs, the last open (None) when every larger value
    counts too: [1, 2, 3, 5] -> [(1, 3), (5, 5)]."""
    found: list[list] = []
    for value in values:
        if found and found[-1][1] == value - 1:
            found[-1][1] = value
        else:
            found.append([value, value])
    if every_from is not None:
        if found and found[-1][1] == every_from - 1:
            found[-1][1] = None
        else:
            found.append([every_from, None])
    return [tuple(run) for run in found]
