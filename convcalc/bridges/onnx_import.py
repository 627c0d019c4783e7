"""ONNX file -> spec YAML: the graph walked node by node, each op turned into a convcalc layer by
the layer type that claims it (``onnx_ops`` and ``from_onnx`` in ``convcalc/layers``), the shape
plumbing of torch exports (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, Constant, Cast, ...)
evaluated statically, with symbols where the graph input has symbolic sizes.

Only the initializers' shapes are read for the analysis; their values are read when ``run`` or
``verify`` asks for the weights (the Document's ``weights``).

Patterns: a layer type's ``from_onnx`` may absorb the nodes after the one it is asked about
(x * Sigmoid(x) is one silu); among the types claiming a node the longest claim wins, then the
type named by the node's ``convcalc.type`` metadata (TYPE_KEY: convcalc's exporter marks every node
with the type that wrote it, so of two types computing the same, adaptive_avgpool2d(1) and
global_avgpool2d, the one exported comes back), then registry order (what a file from another tool
gets). Shapes are followed through the folded plumbing (``shape_sources``): a Resize or Slice sized
by another tensor's Shape takes that tensor as an input (upsample ``size: reference``, centre
crops). A graph input read only by a Transpose to channels first (convcalc's export of an hwc
spec) makes an hwc spec.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from convcalc.errors import ConvcalcError, Location, reading_reason
from convcalc.i18n import Msg
from convcalc.loading import Document, load_document
from convcalc.symbolic import is_concrete, symbol
from convcalc.text import visible

PROTOBUF_LIMIT = 2 ** 31 - 1  # protobuf refuses a message of 2 GiB or more: such a model keeps its data outside
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_.\-]+")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")  # a layer name convcalc accepts (graph._NAME)


def spec_text(path: str) -> str:
    """The spec YAML of the ONNX file at ``path``."""
    return spec_text_of_model(_load(path), path)


def spec_text_of_model(model, source: str) -> str:
    """The spec YAML of an ``onnx.ModelProto``; ``source`` names it in the leading comment."""
    return imported(model, source).text


def document(path: str) -> Document:
    """The imported spec as a Document named by the .onnx path, its weights read from the
    initializers when a run asks for them."""
    model = _load(path)
    result = imported(model, path)
    data = load_document(result.text, path).data
    return Document(path, data, weights=lambda: result.weights(os.path.dirname(os.path.abspath(path))))


def _load(path: str):
    onnx = _onnx()
    where = Location(path)
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise ConvcalcError("file_unreadable", where, reason=reading_reason(error)) from None
    if size > PROTOBUF_LIMIT:
        raise ConvcalcError("onnx_too_large", where, size=size)
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as error:  # protobuf's DecodeError and the like: the file is not a model
        raise ConvcalcError("onnx_unreadable", where, reason=_reason(error)) from None
    if not model.graph.node:
        raise ConvcalcError("onnx_unreadable", where, reason=Msg("onnx_no_nodes"))
    return model


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    return (text[:200] + "...") if len(text) > 200 else text or type(error).__name__


def _onnx():
    from convcalc.bridges import require

    return require("onnx", "reading an ONNX file")


# ----- the op table, from the layer registry ---------------------------------------------------
_TABLE: dict[str, list] | None = None


def op_table() -> dict[str, list]:
    """ONNX op type -> the layer classes that claim it (``onnx_ops``), in registry order."""
    global _TABLE
    if _TABLE is None:
        from convcalc.layers import REGISTRY

        table: dict[str, list] = {}
        for kind in REGISTRY:
            cls = REGISTRY[kind]
            for op in getattr(cls, "onnx_ops", ()):
                table.setdefault(op, []).append(cls)
        _TABLE = table
    return _TABLE


def supported_ops() -> list[str]:
    """The ops that become layers (those folded on constants and shapes only are not listed)."""
    return sorted(op_table())


# ----- the view a layer's from_onnx gets ----------------------------------------------------------
@dataclass
class Binding:
    """A parameter read from an initializer: ``transform`` turns the ONNX array into convcalc's."""

    value: str
    transform: object = None
    array: object = None  # the value itself when the graph computes it from constants (already folded)


class OnnxNode:
    """One node as ``from_onnx`` sees it: its attributes decoded, the shapes of its inputs (with the
    batch axis, as ONNX has them), the values of its constant inputs, and where parameters come from."""

    def __init__(self, proto, index: int, walk: "_Walk"):
        self.proto = proto
        self.op = proto.op_type
        self.index = index
        self._walk = walk
        self._attributes = {attribute.name: attribute for attribute in proto.attribute}
        self.bindings: dict[str, Binding] = {}
        self.read_names: dict[str, str] = {}  # parameter -> the value name the node reads it as
        self.absorbed: list = []  # later nodes a pattern consumed (their outputs are this layer's)
        self.extra_inputs: list = []  # tensors read through their Shape only, inputs of the layer (``reads``)

    @property
    def inputs(self) -> list[str]:
        return list(self.proto.input)

    def has(self, index: int) -> bool:
        return index < len(self.proto.input) and bool(self.proto.input[index])

    def attr(self, name: str, default=None):
        attribute = self._attributes.get(name)
        if attribute is None:
            return default
        from onnx import helper

        value = helper.get_attribute_value(attribute)
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, float):  # stored in float32: its shortest decimal (1e-05, not 9.99999974e-06)
            import numpy as np

            return float(str(np.float32(value)))
        return list(value) if isinstance(value, (list, tuple)) else value

    def shape(self, index: int = 0) -> tuple:
        """The input's shape: (batch, C, *spatial) for a tensor, the dims of a constant."""
        return self._walk.shape(self.proto.input[index])

    @property
    def rank(self) -> int:
        """Spatial axes of the first input."""
        return len(self.shape(0)) - 2

    def shape_sources(self, index: int) -> set:
        """The tensors whose Shape a constant input is computed from (torch's and convcalc's
        exports size a Resize to another tensor's size so): empty for a plain constant."""
        return set(self._walk.shape_sources.get(self.proto.input[index], ())) if self.has(index) else set()

    def reads(self, value: str) -> None:
        """The layer takes ``value`` (a tensor the node reaches through a Shape) as one more input."""
        if value not in self.extra_inputs:
            self.extra_inputs.append(value)

    def is_tensor(self, index: int) -> bool:
        return self.has(index) and self.proto.input[index] in self._walk.tensors

    def constant(self, index: int):
        """The value of a constant input (an initializer, a Constant, a folded shape), else None."""
        return self._walk.constant(self.proto.input[index]) if self.has(index) else None

    def ints(self, index: int) -> list | None:
        value = self.constant(index)
        return None if value is None else [int(v) if is_concrete(v) else v for v in value.reshape(-1).tolist()]

    def bind(self, parameter: str, index: int, transform=None) -> tuple:
        """``parameter`` of the layer comes from input ``index`` (an initializer); returns its shape."""
        name, order = self._walk.views.get(self.proto.input[index], (self.proto.input[index], None))
        if name not in self._walk.initializers and self._walk.constant(name) is None:
            return None
        if order is not None:  # a Transpose of the initializer: applied when the values are read
            transform = (lambda array, then=transform: then(array.transpose(order)) if then else array.transpose(order))
        computed = None if name in self._walk.initializers else self._walk.constant(name)
        self.bindings[parameter] = Binding(name, transform, computed)
        # the name the node reads it by (an Identity's output repeats a state_dict key), or a Transpose's source
        self.read_names[parameter] = name if order is not None else self.proto.input[index]
        return self.shape(index)

    def axis(self, onnx_axis: int, count: int | None = None) -> int | None:
        """An ONNX axis (0 = batch) as convcalc counts a sample's axes (0 = channels); None for the batch."""
        count = len(self.shape(0)) if count is None else count
        axis = onnx_axis % count if onnx_axis < 0 else onnx_axis
        return None if axis == 0 or axis >= count else axis - 1

    def consumers(self, output: int = 0) -> list:
        """The nodes reading output ``output``, as OnnxNode views."""
        return self._walk.consumers(self.proto.output[output])

    def absorb(self, node: "OnnxNode") -> None:
        self.absorbed.append(node)

    def window(self, weight_index: int | None = None) -> dict | None:
        """kernel, stride, padding and dilation of a Conv or pooling node; auto_pad SAME_UPPER is
        convcalc's 'same' (the extra pixel after), VALID 0, SAME_LOWER explicit [before, after]
        pairs (the extra pixel before) when the sizes are numbers; None when not expressible."""
        rank = self.rank
        kernel = self.attr("kernel_shape")
        if kernel is None and weight_index is not None:
            kernel = list(self.shape(weight_index)[2:])
        strides = self.attr("strides", [1] * rank)
        dilations = self.attr("dilations", [1] * rank)
        fields = {"kernel": _one_or_all(kernel), "stride": _one_or_all(strides)}
        if any(d != 1 for d in dilations):
            fields["dilation"] = _one_or_all(dilations)
        auto_pad = self.attr("auto_pad", "NOTSET")
        if auto_pad == "VALID":
            return fields
        if auto_pad == "SAME_UPPER":
            return {**fields, "padding": "same"}
        if auto_pad == "SAME_LOWER":
            pairs = []
            for size, k, s, d in zip(self.shape(0)[2:], kernel, strides, dilations):
                if not is_concrete(size):
                    return None
                total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
                pairs.append([total - total // 2, total // 2])
            return {**fields, "padding": _padding(pairs)}
        pads = self.attr("pads", [0] * (2 * rank))
        pairs = [[pads[axis], pads[axis + rank]] for axis in range(rank)]
        if any(lo or hi for lo, hi in pairs):
            fields["padding"] = _padding(pairs)
        return fields


def _one_or_all(values):
    values = list(values)
    return values[0] if len(set(values)) == 1 else values


def _padding(pairs):
    """One int when every side is equal, one per axis when symmetric, else [before, after] pairs."""
    if all(lo == hi for lo, hi in pairs):
        return _one_or_all([lo for lo, _ in pairs])
    return pairs


# ----- shape plumbing evaluated statically ------------------------------------------------------
def _fold_shape(node, values):
    """Shape, axes start:end (opset 15's attributes; all by default)."""
    import numpy as np

    return [np.array(values[0][node.attr("start", 0):node.attr("end", len(values[0]))], dtype=object)]


def _fold(function):
    return lambda node, values: [function(node, *values)]


def _gather(node, data, indices):
    import numpy as np

    return np.take(data, indices.astype(int), axis=node.attr("axis", 0))


def _unsqueeze(node, data, axes=None):
    import numpy as np

    axes = node.attr("axes") if axes is None else [int(a) for a in axes.reshape(-1)]
    out = data
    for axis in sorted(a % (data.ndim + len(axes)) for a in axes):
        out = np.expand_dims(out, axis)
    return out


def _squeeze(node, data, axes=None):
    import numpy as np

    axes = node.attr("axes") if axes is None else [int(a) for a in axes.reshape(-1)]
    return np.squeeze(data, axis=None if axes is None else tuple(a % data.ndim for a in axes))


def _concat(node, *parts):
    import numpy as np

    return np.concatenate(parts, axis=node.attr("axis"))


def _slice(node, data, starts, ends, axes=None, steps=None):
    index = [slice(None)] * data.ndim
    axes = range(len(starts)) if axes is None else axes.reshape(-1).tolist()
    steps = [1] * len(starts) if steps is None else steps.reshape(-1).tolist()
    for axis, start, end, step in zip(axes, starts.reshape(-1).tolist(), ends.reshape(-1).tolist(), steps):
        index[int(axis)] = slice(int(start), int(end), int(step))
    return data[tuple(index)]


def _reshape(node, data, shape):
    target = [int(size) for size in shape.reshape(-1)]
    target = [data.shape[axis] if size == 0 else size for axis, size in enumerate(target)]
    return data.reshape(target)


def _divide(node, a, b):
    """Div: true division of floats; of integers (sizes, never negative here) the quotient."""
    import numpy as np

    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return a / b
    return np.vectorize(lambda x, y: x // int(y), otypes=[object])(a, b)


def _flatten(node, x):
    import numpy as np

    axis = node.attr("axis", 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def _cast(node, data):
    from onnx import helper

    if data.dtype == object:
        return data
    return data.astype(helper.tensor_dtype_to_np_dtype(node.attr("to")))


def _constant_of_shape(node, shape):
    import numpy as np
    from onnx import numpy_helper

    value = node.attr("value")
    fill = numpy_helper.to_array(value) if value is not None else np.zeros(1, dtype=np.float32)
    return np.full([int(size) for size in shape.reshape(-1)], fill.reshape(-1)[0], dtype=fill.dtype)


def _range(node, start, limit, delta):
    import numpy as np

    return np.arange(start.item(), limit.item(), delta.item()).astype(start.dtype)


FOLDED = {  # ops with no layer counterpart, evaluated when every input is known statically
    "Shape": _fold_shape, "Gather": _fold(_gather), "Unsqueeze": _fold(_unsqueeze), "Squeeze": _fold(_squeeze),
    "Concat": _fold(_concat), "Slice": _fold(_slice), "Reshape": _fold(_reshape), "Cast": _fold(_cast),
    "Identity": _fold(lambda node, x: x), "ConstantOfShape": _fold(_constant_of_shape),
    "Add": _fold(lambda node, a, b: a + b), "Sub": _fold(lambda node, a, b: a - b),
    "Mul": _fold(lambda node, a, b: a * b), "Div": _fold(_divide), "Range": _fold(_range),
    "Transpose": _fold(lambda node, x: x.transpose(node.attr("perm"))), "Flatten": _fold(_flatten),
}


# ----- the walk ---------------------------------------------------------------------------------
@dataclass
class Imported:
    """What an import made: the spec text and entries, which ONNX value each layer's output is,
    and where each parameter's values come from."""

    text: str
    entries: list
    outputs: dict  # layer name -> the ONNX value name(s) of its output(s)
    bindings: dict  # "layer.parameter" -> Binding
    model: object = field(repr=False, default=None)

    def weights(self, base_dir: str | None = None) -> dict:
        """Every bound parameter as a NumPy array keyed 'layer.parameter' (reads the tensor data,
        and external data files next to the model when ``base_dir`` is given)."""
        from onnx import numpy_helper

        initializers = {tensor.name: tensor for tensor in self.model.graph.initializer}
        arrays = {}
        for key, binding in self.bindings.items():
            tensor = initializers.get(binding.value)
            if tensor is None:
                array = binding.array
            else:
                if tensor.data_location == 1 and base_dir is not None:  # EXTERNAL
                    from onnx.external_data_helper import load_external_data_for_tensor

                    load_external_data_for_tensor(tensor, base_dir)
                array = numpy_helper.to_array(tensor)
            arrays[key] = binding.transform(array) if binding.transform else array
        return arrays


class _Walk:
    def __init__(self, model, source: str):
        self.model = model
        self.source = source
        graph = model.graph
        self.initializers = {tensor.name: tensor for tensor in graph.initializer}
        self.static: dict = {}
        self.shape_sources: dict[str, frozenset] = {}  # a static value -> the tensors whose Shape it is computed from
        # an Identity's or Transpose's output of a constant -> (the constant, the axes' order or None): read only if needed
        self.views: dict[str, tuple] = {}
        self.tensors: dict = {}  # ONNX value -> (reference, convcalc Tensor)
        self.opset = max((entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")), default=1)
        self.readers: dict[str, list] = {}
        self.producers: dict[str, int] = {}
        for index, node in enumerate(graph.node):
            for name in node.input:
                self.readers.setdefault(name, []).append(index)
            for name in node.output:
                self.producers[name] = index
        self.done: set[int] = set()
        self.entries: list = []
        self.outputs: dict = {}
        self.bindings: dict = {}
        self.names: set[str] = set()
        self.previous: str | None = None
        self._paths: dict | None = None  # module path -> the names of the nodes carrying it
        self._prefixes: set = set()

    # values
    def shape(self, name: str) -> tuple:
        if name in self.views:
            source, order = self.views[name]
            dims = self.shape(source)
            return dims if order is None else tuple(dims[axis] for axis in order)
        if name in self.tensors:
            return (self.batch, *self.tensors[name][1].dims)
        tensor = self.initializers.get(name)
        if tensor is not None:
            return tuple(tensor.dims)
        value = self.constant(name)
        return tuple(value.shape)

    def constant(self, name: str):
        if name in self.views:
            source, order = self.views[name]
            array = self.constant(source)
            return array if array is None or order is None else array.transpose(order)
        if name in self.static:
            return self.static[name]
        tensor = self.initializers.get(name)
        if tensor is None:
            return self._fold_early(name)
        from onnx import numpy_helper

        array = numpy_helper.to_array(tensor) if tensor.data_location != 1 else None
        self.static[name] = array
        return array

    def _fold_early(self, name: str):
        """A value of shape plumbing later in the graph than the node asking for it (a pattern
        looking ahead): folded now if every input it needs is known statically."""
        index = self.producers.get(name)
        if index is None or index in self.done:
            return None
        proto = self.model.graph.node[index]
        if proto.op_type == "Constant":
            self.static[proto.output[0]] = _constant_value(proto)
        elif self._view(proto):
            pass
        elif proto.op_type in FOLDED and all(self.constant(value) is not None for value in proto.input if value) \
                or proto.op_type == "Shape" and proto.input[0] in self.tensors:
            self._fold(proto, index)
        else:
            return None
        self.done.add(index)
        return self.static.get(name)

    def _view(self, proto) -> bool:
        """Record an Identity or Transpose of a constant as a view of it (no values read)."""
        if proto.op_type not in ("Identity", "Transpose") or not proto.input or proto.input[0] in self.tensors \
                or proto.input[0] not in self.initializers and proto.input[0] not in self.views:
            return False
        source, order = self.views.get(proto.input[0], (proto.input[0], None))
        if proto.op_type == "Transpose":
            rank = len(self.shape(proto.input[0]))
            perm = OnnxNode(proto, 0, self).attr("perm", list(reversed(range(rank))))
            order = perm if order is None else [order[axis] for axis in perm]  # a.T(order).T(perm)
        self.views[proto.output[0]] = (source, order)
        return True

    def consumers(self, name: str) -> list:
        nodes = self.model.graph.node
        return [OnnxNode(nodes[index], index, self) for index in self.readers.get(name, [])]

    # the graph input
    def read_input(self):
        graph = self.model.graph
        inputs = [value for value in graph.input if value.name not in self.initializers]
        if len(inputs) != 1:
            raise ConvcalcError("onnx_inputs", Location(self.source), count=len(inputs),
                                names=", ".join(value.name for value in inputs) or "-")
        value = inputs[0]
        dims = list(value.type.tensor_type.shape.dim)
        if len(dims) < 2:
            raise ConvcalcError("onnx_input_rank", Location(self.source), name=value.name, rank=len(dims))
        sizes = []
        for position, dim in enumerate(dims):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                sizes.append(dim.dim_value)
            else:
                sizes.append(_symbol_name(dim.dim_param, position, len(dims)))
        from convcalc.layers.base import ReceptiveField, Tensor

        self.batch = symbol(sizes[0]) if isinstance(sizes[0], str) else sizes[0]
        self.batch_written = sizes[0]
        self.input_shape = sizes[1:]
        tensor_dims = tuple(symbol(s) if isinstance(s, str) else s for s in sizes[1:])
        self.layout = "chw"
        readers = self.readers.get(value.name, [])
        perm = [0, len(dims) - 1, *range(1, len(dims) - 1)]
        if len(dims) > 2 and len(readers) == 1 and self.model.graph.node[readers[0]].op_type == "Transpose" \
                and OnnxNode(self.model.graph.node[readers[0]], readers[0], self).attr("perm") == perm:
            # channels last, made channels first at once (convcalc's export of an hwc spec): an hwc spec
            transpose = self.model.graph.node[readers[0]]
            self.layout = "hwc"
            self.done.add(readers[0])
            tensor_dims = (tensor_dims[-1], *tensor_dims[:-1])
            value_name = transpose.output[0]
        else:
            value_name = value.name
        self.tensors[value_name] = ("input", Tensor(tensor_dims, ReceptiveField.identity(len(tensor_dims) - 1)))
        self.previous = value_name

    def run(self):
        self.read_input()
        table = op_table()
        for index, proto in enumerate(self.model.graph.node):
            if index in self.done:
                continue
            given = [name for name in proto.input if name]
            if proto.domain not in ("", "ai.onnx"):
                self._layer(proto, index, table)  # refused with its op named
            if proto.op_type == "Constant":
                self.static[proto.output[0]] = _constant_value(proto)
                continue
            if self._view(proto):
                continue
            if proto.op_type in FOLDED and all(name not in self.tensors for name in given) \
                    or proto.op_type == "Shape" and given and given[0] in self.tensors:
                self._fold(proto, index)
                continue
            self._layer(proto, index, table)

    def _fold(self, proto, index):
        node = OnnxNode(proto, index, self)
        values = []
        for name in proto.input:
            if not name:
                values.append(None)
            elif name in self.tensors and proto.op_type == "Shape":
                values.append(list(self.shape(name)))
            else:
                value = self.constant(name)
                if value is None:
                    self._unsupported(proto, index, "onnx_not_static")
                values.append(value)
        while values and values[-1] is None:
            values.pop()
        import numpy as np

        try:
            results = FOLDED[proto.op_type](node, values)
        except (ValueError, TypeError, IndexError, ZeroDivisionError) as error:
            raise ConvcalcError("onnx_fold_failed", Location(self.source), index=index, node=_shown(proto),
                                op=proto.op_type, reason=_reason(error)) from None
        sources = frozenset().union(*(self.shape_sources.get(name, ()) for name in proto.input),
                                    [name for name in proto.input if name in self.tensors])
        for name, value in zip(proto.output, results):
            if sources:
                self.shape_sources[name] = sources
            value = np.asarray(value)
            if value.dtype == object and all(is_concrete(v) for v in value.reshape(-1).tolist()):
                value = value.astype(np.int64)
            self.static[name] = value

    def _layer(self, proto, index, table):
        from convcalc.layers.base import NO_CHECKS

        candidates = table.get(proto.op_type) if proto.domain in ("", "ai.onnx") else None  # not a custom domain's op
        if not candidates and proto.op_type in FOLDED:
            self._unsupported(proto, index, "onnx_only_constants")
        if not candidates:
            raise ConvcalcError("onnx_unsupported_op", Location(self.source), index=index, node=_shown(proto),
                                op=visible(f"{proto.domain}.{proto.op_type}" if proto.domain else proto.op_type),
                                supported=", ".join(supported_ops()))
        tensor_inputs = [name for name in proto.input if name in self.tensors]
        if not tensor_inputs:
            self._unsupported(proto, index, "onnx_not_static")
        rank = len(self.shape(tensor_inputs[0])) - 2
        node, entry = self._longest_match(proto, index, [cls for cls in candidates if cls.rank in (None, rank)])
        if entry is None:
            self._unsupported(proto, index, "onnx_form", attributes=_attributes_text(proto))
        (kind, fields), = entry.items()
        from convcalc.layers import REGISTRY

        tensor_inputs += [value for value in node.extra_inputs if value not in tensor_inputs]
        try:
            layer = REGISTRY[kind].model_validate(fields)
            inputs = [self.tensors[name][1] for name in tensor_inputs]
            result = layer.infer(inputs, NO_CHECKS)
        except Exception as error:  # a form the layer refuses, or sizes that cannot meet
            raise ConvcalcError("onnx_layer_refused", Location(self.source), index=index, node=_shown(proto),
                                op=proto.op_type, kind=kind, reason=_reason(error)) from None
        last = node.absorbed[-1].proto if node.absorbed else proto
        # named after the node giving the layer's output (convcalc's exporter names that one after the layer)
        own = {proto.name, *(step.proto.name for step in node.absorbed)}
        name = self._name(last, type(layer), node.read_names, own)
        references = [self.tensors[value][0] for value in tensor_inputs]
        written = {"name": name}
        follows = self.previous in self.tensors and references == [self.tensors[self.previous][0]]
        if not follows:  # a layer reads the one before it unless it says otherwise
            written["inputs"] = references
        self.entries.append({kind: {**written, **fields}})
        outputs = [value for value in last.output if value]
        tensors = result.tensors
        for position, value in enumerate(outputs[:len(tensors)]):
            self.tensors[value] = (name if len(tensors) == 1 else f"{name}.{position}", tensors[position])
        self.outputs[name] = outputs[0] if len(tensors) == 1 else outputs[:len(tensors)]
        self.bindings.update({f"{name}.{parameter}": binding for parameter, binding in node.bindings.items()})
        self.done.update(absorbed.index for absorbed in node.absorbed)
        self.previous = outputs[0]

    def _longest_match(self, proto, index, candidates) -> tuple:
        """The claim of the layer type whose pattern takes the most nodes (x * Sigmoid(x) is one
        silu, not a sigmoid then a multiply); between equally long claims, the type named by the
        node's ``convcalc.type`` metadata (convcalc's exporter writes it, so a type that computes
        the same as another, adaptive_avgpool2d(1) and global_avgpool2d, comes back as itself),
        else the first in registry order."""
        marked = _marked_type(proto)
        best_node, best_entry, best_rank = OnnxNode(proto, index, self), None, None
        for order, cls in enumerate(candidates):
            node = OnnxNode(proto, index, self)
            entry = cls.from_onnx(node, self)
            if entry is None:
                continue
            rank = (len(node.absorbed), cls.kind == marked, -order)
            if best_rank is None or rank > best_rank:
                best_node, best_entry, best_rank = node, entry, rank
        return best_node, best_entry

    def _unsupported(self, proto, index, reason, **params):
        raise ConvcalcError("onnx_unsupported_form", Location(self.source), index=index, node=_shown(proto),
                            op=proto.op_type, reason=Msg(reason, **params))

    def _name(self, proto, cls, read_names: dict, own: set) -> str:
        """The module whose state_dict names the layer's parameters (layer1.0.conv1 for
        layer1.0.conv1.weight and .bias; a parameter held by a module with children, ConvNeXt's
        features.1.0.layer_scale, by its own name); else the module path of a torch export's node
        name (/layer1/layer1.0/relu_1/Relu -> layer1.0.relu_1), with the op appended where that
        path is a module holding others (the residual add of layer1.0 -> layer1.0.add); else the
        node's name, else the type's stem and a number."""
        path, op = _module_path(proto.name)
        owners = {value[:-len(parameter) - 1] if value.endswith("." + parameter) else None
                  for parameter, value in read_names.items()}
        if len(owners) == 1 and None not in owners and _NAME_PATTERN.match(next(iter(owners))):
            path, op = next(iter(owners)), ""
        elif len(read_names) == 1 and proto.name.startswith("/") and _NAME_PATTERN.match(next(iter(read_names.values()))):
            path, op = next(iter(read_names.values())), ""
        if path is not None and not op:
            name = path
        elif path is not None:
            op = cls.name_stem() if len(own) > 1 else op.lower()  # a pattern of several nodes: its type's name
            name = op if not path else f"{path}.{op}" if self._holds_others(path, own) else path
        else:
            name = _NAME_CHARACTERS.sub("_", proto.name).strip("._-")
        if name and not (name[0].isalnum() or name[0] == "_"):
            name = "_" + name
        if not name:  # no usable node name: the type's stem and the first free number (conv1, conv2, ...)
            count = 1
            while f"{cls.name_stem()}{count}" in self.names:
                count += 1
            name = f"{cls.name_stem()}{count}"
        base, count = name, 1
        while name in self.names or name == "input":
            count += 1
            name = f"{base}_{count}"
        self.names.add(name)
        return name

    def _holds_others(self, path: str, own: set) -> bool:
        """Whether the module at ``path`` holds ops besides this layer's nodes (``own``): it heads
        other modules' paths, or other nodes (Constants aside) carry its path."""
        if self._paths is None:
            self._paths, self._prefixes = {}, set()
            for proto in self.model.graph.node:
                node_path, _ = _module_path(proto.name)
                if node_path and proto.op_type != "Constant":
                    self._paths.setdefault(node_path, set()).add(proto.name)
                    parts = node_path.split(".")
                    self._prefixes.update(".".join(parts[:end]) for end in range(1, len(parts)))
        return path in self._prefixes or bool(self._paths.get(path, set()) - own)


TYPE_KEY = "convcalc.type"  # NodeProto metadata: the convcalc type a node was exported from (other tools ignore it)


def _marked_type(proto) -> str | None:
    return next((entry.value for entry in proto.metadata_props if entry.key == TYPE_KEY), None)


def _module_path(node_name: str) -> tuple[str | None, str]:
    """('layer1.0.conv1', 'Conv') for '/layer1/layer1.0/conv1/Conv' (each scope either extends the
    one before it, layer1 -> layer1.0, or is a child's attribute name); (None, '') for a name not
    in the torch exporter's /scope/.../Op form."""
    if not node_name.startswith("/"):
        return None, ""
    segments = [segment for segment in node_name.split("/") if segment]
    if not segments:
        return None, ""
    *scopes, op = segments
    path, last = "", ""
    for segment in scopes:
        if last and segment.startswith(last + "."):
            path = path[:len(path) - len(last)] + segment
        else:
            path = f"{path}.{segment}" if path else segment
        last = segment
    path = _NAME_CHARACTERS.sub("_", path)
    return path, _NAME_CHARACTERS.sub("_", op)


def _symbol_name(dim_param: str, position: int, count: int) -> str:
    """A convcalc symbol for a symbolic ONNX dimension: its dim_param made an identifier
    (batch, height), or by its position when it has none: N, C, then the spatial axes' names
    (H, W; D, H, W; L)."""
    from convcalc.layers.base import AXIS_NAMES

    name = re.sub(r"[^A-Za-z0-9_]", "_", dim_param or "")
    if name:
        return name if not name[0].isdigit() else "_" + name
    if position < 2:
        return ("N", "C")[position]
    axes = AXIS_NAMES.get(count - 2)
    return axes[position - 2] if axes else f"S{position - 1}"


def _constant_value(proto):
    import numpy as np
    from onnx import helper, numpy_helper

    attribute = proto.attribute[0]
    value = helper.get_attribute_value(attribute)
    if attribute.name == "value":
        return numpy_helper.to_array(value)
    if attribute.name in ("value_ints", "value_floats"):
        return np.array(list(value), dtype=np.int64 if attribute.name == "value_ints" else np.float32)
    return np.array(value, dtype=np.int64 if attribute.name == "value_int" else np.float32)


def _shown(proto) -> str:
    return visible(proto.name or "-")


def _attributes_text(proto) -> str:
    from onnx import helper

    parts = []
    for attribute in proto.attribute:
        value = helper.get_attribute_value(attribute)
        value = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        parts.append(f"{attribute.name}={list(value) if hasattr(value, '__len__') and not isinstance(value, str) else value}")
    return ", ".join(parts) or "-"


def imported(model, source: str) -> Imported:
    """Walk ``model``'s graph into spec entries (see the module's docstring)."""
    from convcalc.bridges.writer import spec_yaml

    walk = _Walk(model, source)
    walk.run()
    name = os.path.splitext(os.path.basename(source))[0] or model.graph.name or "imported"  # torch names every graph main_graph
    producer = " ".join(part for part in (model.producer_name, model.producer_version) if part)
    notes = [f"ONNX opset {max((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')), default='?')}"
             + (f", produced by {producer}" if producer else "") + "."]
    text = spec_yaml(name, source, walk.input_shape, walk.entries, batch=walk.batch_written, notes=notes)
    if walk.layout != "chw":  # after the input line (the writer knows no layout)
        text = re.sub(r"^(input: .*)$", rf"\1\nlayout: {walk.layout}", text, count=1, flags=re.M)
    return Imported(text, walk.entries, walk.outputs, walk.bindings, model)
