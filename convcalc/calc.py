"""`convcalc calc`: one layer, no spec file. The options become a one-layer spec, analysed as any
other, so the answer and its derivation are the same rules `analyze` and `explain` use."""

from __future__ import annotations

import json

from convcalc.analysis import Analysis, Options, analyze_document
from convcalc.layers.base import product
from convcalc.loading import load_document
from convcalc.spec import parse_spec
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
    """A number of pixels, per-axis numbers, or a mode name."""
    if text in ("same", "same_pytorch", "valid", "full"):
        return text
    if text.strip() == "0":
        return 0
    try:
        return per_axis(text)
    except ValueError:
        raise ValueError(f"'{text}': write a number of pixels, same, same_pytorch, valid or full") from None


def window(kernel: str, stride: str, pad: str, dilation: str | None = "1") -> dict:
    fields = {"kernel": per_axis(kernel), "stride": per_axis(stride), "padding": padding(pad)}
    return fields if dilation is None else {**fields, "dilation": per_axis(dilation)}


def analyse(layer: dict, shape: list[int], layout: str) -> Analysis:
    spec = {"name": "calc", "layout": layout, "input": shape, "layers": [layer]}
    document = load_document(json.dumps(spec), "calc")
    return analyze_document(document, parse_spec(document), Options())
