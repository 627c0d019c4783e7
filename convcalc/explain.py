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


def axis_symbols(analysis: Analysis, rank: int) -> tuple[str, ...]:
    """The letters of a tensor's axes in the spec's layout: C*H*W, H*W*C, C*L; N*F for a graph
    network's node features (N nodes of F features, PyTorch Geometric's x)."""
    if analysis.spec.graph is not None and rank == 2:
        return ("N", "F")
    return tuple(display(("C", *AXIS_NAMES.get(rank - 1, ())), analysis.spec.layout)[:rank])


def network_memory(analysis: Analysis) -> list[Step]:
    """The memory figures courses ask for, per batch: the input tensor, every layer's output, the
    same with the layers that may run in place (ReLU, dropout: PyTorch's inplace=True) writing over
    their input and views (flatten, reshape) sharing it, the forward total as CS231n counts VGG-16's (input + outputs kept, ~24M values x 4 bytes
    = ~93 MB/image), and twice that once backward keeps a gradient for every value."""
    dims = analysis.input_shape  # in the spec's layout, as the symbols are shown
    units = product(dims)
    dtype, batch = analysis.dtype_bytes, analysis.batch
    running = [report for report in analysis.layers if report.result is not None and report.runs]
    outputs = sum((report.activation_elements for report in running), 0)
    overwritten = sum((report.activation_elements for report in running if report.node.layer.in_place), 0)
    kept = outputs - overwritten
    forward = (units * batch + kept) * dtype
    return [
        Step("input_units", "input = " + "*".join(axis_symbols(analysis, len(dims))),
             joined(dims), units),
        Step("input_memory", "bytes = input * batch * dtype bytes", f"{joined((units,))}*{batch}*{dtype}",
             units * batch * dtype),
        Step("activations", "outputs = the layers' output values, batch included", None, outputs),
        Step("activations_in_place", "outputs in place = outputs - outputs of in-place layers (ReLU, dropout, views)",
             f"{joined((outputs,))} - {joined((overwritten,))}", kept),
        Step("forward_memory", "forward bytes = (input * batch + outputs in place) * dtype bytes",
             f"({joined((units,))}*{batch} + {joined((kept,))})*{dtype}", forward),
        Step("with_gradients", "forward and backward = 2 * forward bytes (a gradient per value)",
             f"2*{joined((forward,))}", 2 * forward),
    ]


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
        symbols = axis_symbols(analysis, len(dims)) if len(dims) > 1 else ()
        maps = ("feature_maps_note", {"count": dims[0], "size": "x".join(map(str, dims[1:]))}) \
            if len(dims) > 1 and analysis.spec.graph is None and all(isinstance(dim, int) for dim in dims) else None
        unit_step = Step("units", "units = " + "*".join(symbols) if symbols else "units",
                         joined(display(dims, analysis.spec.layout)), units, note=maps)
        if report.result.outputs is not None:  # several outputs: their units added
            sizes = [product(tensor.dims) for tensor in report.result.outputs]
            unit_step = Step("units", "units = " + " + ".join(f"units_{i}" for i in range(len(sizes))),
                             joined(sizes, " + "), sum(sizes, 0))
        steps = steps + [Step("im2col_memory", "bytes = columns * batch * dtype bytes",
                              f"{joined((step.value,))}*{analysis.batch}*{analysis.dtype_bytes}",
                              step.value * analysis.batch * analysis.dtype_bytes)
                         for step in steps if step.figure == "im2col"] + [
            unit_step,
            Step("memory", "bytes = units * batch * dtype bytes",
                 f"{unit_step.value}*{analysis.batch}*{analysis.dtype_bytes}",
                 report.activation_bytes),
        ]
        explanations.append(LayerExplanation(report, steps))
    return explanations
