"""Write an analysed spec as an ONNX model: one graph input (the spec's input with its batch, in
its layout; symbols become dim_params, so a symbolic spec gives a dynamic model), one initializer
per parameter named ``layer.parameter`` as convcalc and ``run --weights`` name them, and each
layer's nodes from its own ``to_onnx`` hook, the main node named after the layer.

Opset 22: the first whose MaxPool/AveragePool shape rule for ceil_mode is PyTorch's (the last
window may not start in the right padding); before it ONNX shape inference gives one more
output for e.g. W = 10, F = 4, S = 3, P = 2. Opset 18 already takes Reduce axes and Split sizes
as inputs, opset 19 AveragePool dilations, both used here.

The model computes in float32 (onnxruntime's CPU kernels), whatever the spec's dtype: its weights
are those ``run`` draws in the dtype it computes in (a float64 spec's differ from a float32
one's), cast to float32. A spec in the hwc layout takes its input channels last and transposes
it to channels first at once (one Transpose node); every tensor after it, the outputs included,
is channels first, as the arrays of ``convcalc run``. Constants that are not parameters (shapes,
axes, the ones of a sum pool) are Constant nodes, so the initializers are exactly the parameters.

Every node but the Constants carries the type of the layer that wrote it as NodeProto metadata
(``convcalc.type``; other tools ignore it), so the importer brings back the same type where two
compute the same. A train_only layer (an auxiliary head in eval mode) has no node: the graph is
what runs. Its parameters stay as initializers no node reads, so the file holds the whole
checkpoint ``run --weights`` reads; an import, reading the graph, does not count them.
"""

from __future__ import annotations

from convcalc.analysis import Analysis
from convcalc.bridges import require
from convcalc.bridges.onnx_import import TYPE_KEY
from convcalc.errors import ConvcalcError, LayerError, Location
from convcalc.graph import INPUT
from convcalc.i18n import Msg
from convcalc.symbolic import format_dim, is_concrete

OPSET = 22
IR_VERSION = 10  # the IR of opset 22 (onnx 1.16), which onnxruntime 1.17 and later read
PRODUCER = "convcalc"
PROTOBUF_LIMIT = 2 ** 31 - 1  # bytes: a serialised protobuf message (so an ONNX file without external data)
GRAPH_ALLOWANCE = 2 ** 24  # bytes kept for the nodes, names and constants beside the weights


class OnnxBuilder:
    """What a layer's ``to_onnx(name, inputs, outputs, params, builder)`` writes with: nodes,
    constants (Constant nodes, never initializers, so the initializers are exactly the
    parameters) and fresh names for intermediate tensors. While a layer is written, ``tensors``
    holds convcalc's shapes of what reaches it and ``result`` its shape rule's result."""

    def __init__(self, helper, numpy_helper, layout: str):
        self._helper, self._numpy_helper = helper, numpy_helper
        self.layout = layout
        self.nodes: list = []
        self.tensors: list = []
        self.result = None
        self._used: dict[str, int] = {}

    def node(self, op: str, inputs: list[str], outputs: list[str], name: str, **attributes) -> str:
        """One node; returns its first output. An input given as '' is an omitted optional input."""
        self.nodes.append(self._helper.make_node(op, inputs, outputs, name=name, **attributes))
        return outputs[0]

    def fresh(self, name: str, what: str) -> str:
        """A new tensor (and node) name inside layer ``name``: name/what, name/what_1, ..."""
        base = f"{name}/{what}"
        count = self._used.get(base, 0)
        self._used[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def step(self, op: str, inputs: list[str], name: str, **attributes) -> str:
        """An intermediate node of layer ``name``, its output named after it."""
        output = self.fresh(name, op)
        return self.node(op, inputs, [output], output, **attributes)

    def constant(self, name: str, values, dtype: str = "int64") -> str:
        """A Constant node holding ``values`` (an array or nested list) in ``dtype``."""
        import numpy as np

        output = self.fresh(name, "constant")
        array = np.asarray(values, dtype=dtype)
        self.nodes.append(self._helper.make_node("Constant", [], [output], name=output,
                                                 value=self._numpy_helper.from_array(array, output)))
        return output

    def shape(self, name: str, tensor: str, start: int | None = None, end: int | None = None) -> str:
        """The Shape of ``tensor`` (axes start:end, batch included), for sizes known only at run time."""
        bounds = {key: value for key, value in (("start", start), ("end", end)) if value is not None}
        return self.step("Shape", [tensor], name, **bounds)

    def chain(self, op: str, name: str, inputs: list[str], outputs: list[str]) -> str:
        """A binary op over the inputs in order, op(op(a, b), c), the last node named ``name``."""
        current = inputs[0]
        for other in inputs[1:-1]:
            current = self.step(op, [current, other], name)
        return self.node(op, [current, inputs[-1]], outputs, name)

    def reshape(self, name: str, tensor: str, dims, outputs: list[str], runtime_shape=None) -> str:
        """Reshape to (N, *dims): a Constant shape (0 keeps the batch) where at most one size is
        symbolic (written -1); else ``runtime_shape()``, a shape tensor computed in the graph."""
        symbolic = [dim for dim in dims if not is_concrete(dim)]
        if len(symbolic) > 1:
            shape = runtime_shape()
        else:
            shape = self.constant(name, [0, *(int(dim) if is_concrete(dim) else -1 for dim in dims)])
        return self.node("Reshape", [tensor, shape], outputs, name)

    def per_channel(self, name: str, values: str, rank: int) -> str:
        """A (C,) tensor as (C, 1, ...), broadcasting along axis 1 of (N, C, *spatial) of ``rank`` axes."""
        if rank == 0:
            return values
        return self.step("Unsqueeze", [values, self.constant(name, list(range(1, rank + 1)))], name)

    def normalised(self, name: str, tensor: str, axes: list[int], eps: float) -> str:
        """(x - mean)/sqrt(var + eps) over ``axes`` with the biased variance, as PyTorch's
        normalisations take it."""
        axes_tensor = self.constant(name, axes)
        mean = self.step("ReduceMean", [tensor, axes_tensor], name, keepdims=1)
        centred = self.step("Sub", [tensor, mean], name)
        squares = self.step("Mul", [centred, centred], name)
        variance = self.step("ReduceMean", [squares, axes_tensor], name, keepdims=1)
        shifted = self.step("Add", [variance, self.constant(name, eps, "float32")], name)
        return self.step("Div", [centred, self.step("Sqrt", [shifted], name)], name)


def _value_info(helper, tensor_type: int, name: str, dims) -> object:
    """A tensor's type: whole sizes as dim_value, symbolic ones as dim_param (their formula)."""
    return helper.make_tensor_value_info(name, tensor_type,
                                         [int(dim) if is_concrete(dim) else format_dim(dim) for dim in dims])


def _output_names(report) -> list[str]:
    """The tensors a layer gives: its name, or name.0, name.1, ... for several (as a spec reads them)."""
    count = report.node.layer.output_count
    return [report.name] if count == 1 else [f"{report.name}.{index}" for index in range(count)]


def _input_names(report) -> list[str]:
    return [INPUT if name == INPUT else name if index is None else f"{name}.{index}"
            for name, index in report.node.sources]


def _parameter_values(analysis: Analysis, weights_file: str | None, seed: int) -> dict:
    """Every parameter as ``convcalc run`` draws or reads it, in the dtype it computes in (the
    model casts them to float32); a parameter whose size depends on a symbol (a dense layer after
    a symbolic flatten) cannot be written."""
    from convcalc.execute import compute_dtype, parameter_values

    count = analysis.totals.trainable + analysis.totals.non_trainable
    if is_concrete(count) and 4 * count > PROTOBUF_LIMIT - GRAPH_ALLOWANCE:
        raise ConvcalcError("onnx_export_too_large", Location(analysis.file), parameters=int(count),
                            size=f"{4 * int(count) / 2 ** 30:.1f}")
    tensors = analysis.tensors()
    for report in analysis.layers:
        for parameter, (shape, _) in report.node.layer.parameter_shapes(report.node.read(tensors)).items():
            if not all(is_concrete(size) for size in shape):
                raise ConvcalcError("onnx_symbolic_parameter", report.location, layer=report.name,
                                    name=parameter, shape=", ".join(format_dim(size) for size in shape))
    return parameter_values(analysis, weights_file, seed, compute_dtype(analysis))


def model(analysis: Analysis, *, weights_file: str | None = None, seed: int = 0, weights: dict | None = None):
    """The ONNX ModelProto of the analysed spec; ``weights`` (a run's, ``Run.weights``) instead
    of drawing or reading them again."""
    import numpy as np

    onnx = require("onnx", "writing an ONNX file")
    from onnx import helper, numpy_helper

    float32 = onnx.TensorProto.FLOAT
    if weights is None:
        weights = _parameter_values(analysis, weights_file, seed)
    builder = OnnxBuilder(helper, numpy_helper, analysis.spec.layout)
    batch = analysis.batch
    graph_input = _value_info(helper, float32, INPUT, (batch, *analysis.input_shape))
    tensors = analysis.tensors()
    renamed = {}  # the channels-first input of an hwc spec
    if analysis.spec.layout == "hwc" and len(analysis.input_shape) > 1:
        rank = len(analysis.input_shape) - 1
        renamed[INPUT] = builder.node("Transpose", [INPUT], [f"{INPUT}/channels_first"], f"{INPUT}/channels_first",
                                      perm=[0, rank + 1, *range(1, rank + 1)])
    value_infos = []
    for report in analysis.layers:
        if not report.runs:
            continue  # a train_only layer in eval mode: its parameters are initializers, it has no node
        layer = report.node.layer
        builder.tensors = report.node.read(tensors)
        builder.result = report.result
        inputs = [renamed.get(name, name) for name in _input_names(report)]
        outputs = _output_names(report)
        params = {parameter: f"{report.name}.{parameter}" for parameter in layer.parameter_shapes(builder.tensors)}
        hook = getattr(layer, "to_onnx", None)
        if hook is None:
            raise ConvcalcError("onnx_no_equivalent", report.location, layer=report.name, kind=report.kind)
        written = len(builder.nodes)
        try:
            hook(report.name, inputs, outputs, params, builder)
        except LayerError as error:
            raise ConvcalcError("onnx_export_layer_refused", report.location, layer=report.name, kind=report.kind,
                                reason=Msg(error.key, **error.params)) from None
        for node in builder.nodes[written:]:  # which type wrote them, for the importer (see TYPE_KEY)
            if node.op_type != "Constant":
                helper.set_metadata_props(node, {TYPE_KEY: report.kind})
        value_infos += [_value_info(helper, float32, output, (batch, *tensor.dims))
                        for output, tensor in zip(outputs, report.result.tensors)]
    produced = {info.name: info for info in value_infos}
    outputs = [produced[name] for report in analysis.layers if report.name in analysis.outputs
               for name in _output_names(report)]
    proto = helper.make_model(helper.make_graph(builder.nodes, analysis.spec.name, [graph_input], outputs),
                              producer_name=PRODUCER, opset_imports=[helper.make_opsetid("", OPSET)])
    proto.ir_version = IR_VERSION
    for key, array in weights.items():  # one at a time into the model: a VGG's 500 MB are not copied thrice
        proto.graph.initializer.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), key))
    return proto


def onnx_bytes(analysis: Analysis, *, weights_file: str | None = None, seed: int = 0,
               weights: dict | None = None) -> bytes:
    """The serialised ONNX model of ``analysis`` (see ``model``), checked by
    ``onnx.checker.check_model``: analysis in, bytes out."""
    onnx = require("onnx", "writing an ONNX file")
    data = model(analysis, weights_file=weights_file, seed=seed, weights=weights).SerializeToString()
    onnx.checker.check_model(data)
    return data

