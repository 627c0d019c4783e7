"""Explanations: every figure of every layer as its formula, the formula with the numbers in, and
the result. The layer gives its own derivation (``Layer.derivation``); what is the same for every
layer (units and memory) is added here."""

from __future__ import annotations

from dataclasses import dataclass

from convcalc.analysis import Analysis, LayerReport, display
from convcalc.errors import ConvcalcError, Location
from convcalc.layers.base import AXIS_NAMES, Step, joined, product
from convcalc.spec import suggestion


@dataclass
class LayerExplanation:
    report: LayerReport
    steps: list[Step]


def explain(analysis: Analysis, layer: str | None = None) -> list[LayerExplanation]:
    """Derivations of the analysed layers (of ``layer`` alone when named)."""
    tensors = analysis.tensors()
    reports = [r for r in analysis.layers if layer is None or r.name == layer]
    if layer is not None and not reports:
        raise ConvcalcError("unknown_layer", Location(analysis.file), name=layer,
                            hint=suggestion(layer, [r.name for r in analysis.layers]),
                            valid=", ".join(r.name for r in analysis.layers))
    explanations = []
    for report in reports:
        if report.result is None:
            continue
        steps = report.node.layer.derivation(report.node.read(tensors), report.result)
        dims = report.result.output.dims
        units = product(dims)
        symbols = display(("C", *AXIS_NAMES.get(len(dims) - 1, ())), analysis.spec.layout) if len(dims) > 1 else ()
        unit_step = Step("units", "units = " + "*".join(symbols) if symbols else "units",
                         joined(display(dims, analysis.spec.layout)), units)
        if report.result.outputs is not None:  # several outputs: their units added
            sizes = [product(tensor.dims) for tensor in report.result.outputs]
            unit_step = Step("units", "units = " + " + ".join(f"units_{i}" for i in range(len(sizes))),
                             joined(sizes, " + "), sum(sizes, 0))
        steps = steps + [
            unit_step,
            Step("memory", "bytes = units * batch * dtype bytes",
                 f"{unit_step.value}*{analysis.batch}*{analysis.dtype_bytes}",
                 report.activation_bytes),
        ]
        explanations.append(LayerExplanation(report, steps))
    return explanations
