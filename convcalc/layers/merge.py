"""Layers that join branches: add (residual), multiply (squeeze-excite gating), concat (inception).

Broadcasting, decided explicitly: ``add`` and ``concat`` require equal shapes (a residual add of
unequal sizes is a bug, even where PyTorch would broadcast a size-1 axis); ``multiply`` broadcasts
axes of size 1, as a squeeze-excite gate of shape (C, 1, 1) multiplies a (C, H, W) map.
"""

from __future__ import annotations

import functools
import operator
from typing import ClassVar

from pydantic import Field

from convcalc.errors import LayerError
from convcalc.layers.base import Layer, LayerResult, Step, Tensor, joined, product, torch_axis
from convcalc.layers.torch_code import TorchCode, torch_dim
from convcalc.symbolic import format_dim


def _merged_field(inputs):
    field = inputs[0].field
    for tensor in inputs[1:]:
        field = field.union(tensor.field)
    return field


def _same_rank(inputs):
    ranks = {tensor.rank for tensor in inputs}
    if len(ranks) > 1:
        raise LayerError("merge_rank_mismatch", shapes=" vs ".join(_shape_text(t) for t in inputs))


def _shape_text(tensor: Tensor) -> str:
    return "(" + ", ".join(format_dim(d) for d in tensor.dims) + ")"


class Add(Layer):
    """Element-wise sum of equal shapes (ResNet's residual connection)."""

    kind = "add"
    min_inputs, max_inputs = 2, None
    summary = {"en": "add: element-wise sum of branches of equal shape",
               "es": "suma: suma elemento a elemento de ramas de igual forma"}
    formulas = {
        "en": {"shape": "the common shape", "params": "0", "macs": "0", "receptive_field": "union of the branches"},
        "es": {"shape": "la forma común", "params": "0", "macs": "0", "receptive_field": "unión de las ramas"},
    }
    flop_rule = {"en": "(inputs - 1) additions per output element",
                 "es": "(entradas - 1) sumas por elemento de salida"}

    def infer(self, inputs, check):
        _same_rank(inputs)
        first = inputs[0]
        for other in inputs[1:]:
            for axis, (a, b) in enumerate(zip(first.dims, other.dims)):
                check.equal(b, a, "merge_shape_mismatch", axis=axis, first=first.dims, other=other.dims)
        return LayerResult(output=Tensor(first.dims, _merged_field(inputs)), trainable=0, non_trainable=0,
                           macs=0, flops=(len(inputs) - 1) * product(first.dims))

    def forward(self, arrays, params, ops):
        """The branches summed in order, ((a + b) + c) ..., as chained torch.add / Keras Add."""
        out = arrays[0] + arrays[1]
        for other in arrays[2:]:
            out += other  # in place: one output-sized array however many branches
        return out

    def to_torch(self, inputs, layout):
        return TorchCode(call=" + ".join(f"{{{index}}}" for index in range(len(inputs))))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Add", "Sum")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Add (or Sum) of tensors of equal shape; a constant operand has no layer."""
        return {cls.kind: {}} if all(node.is_tensor(i) for i in range(len(node.inputs))) else None

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Add, chained in the branches' order ((a + b) + c), as the NumPy forward sums."""
        builder.chain("Add", name, inputs, outputs)

    torch_modules = ("operator.add", "operator.iadd", "torch.add", "Tensor.add", "Tensor.add_")

    @classmethod
    def from_torch(cls, call, shapes):
        """a + b of two layers' tensors of one shape (not a constant, a parameter or torch.add's alpha)."""
        if call.parameters or len(shapes.inputs) != 2 or call.keywords.get("alpha", 1) != 1 \
                or any(argument is not None for argument in call.arguments[:2]) \
                or len(set(map(tuple, shapes.inputs))) > 1:
            return None
        return {cls.kind: {}}


class Multiply(Layer):
    """Element-wise product; axes of size 1 broadcast (squeeze-and-excitation gating)."""

    kind = "multiply"
    min_inputs, max_inputs = 2, None
    summary = {"en": "multiply: element-wise product, size-1 axes broadcast",
               "es": "multiplicación elemento a elemento; los ejes de tamaño 1 se difunden"}
    formulas = {
        "en": {"shape": "the broadcast shape", "params": "0", "macs": "0", "receptive_field": "union of the branches"},
        "es": {"shape": "la forma difundida ('broadcast')", "params": "0", "macs": "0",
               "receptive_field": "unión de las ramas"},
    }
    flop_rule = {"en": "(inputs - 1) multiplications per output element",
                 "es": "(entradas - 1) multiplicaciones por elemento de salida"}

    def infer(self, inputs, check):
        _same_rank(inputs)
        dims = list(inputs[0].dims)
        for other in inputs[1:]:
            for axis, size in enumerate(other.dims):
                if size == 1:
                    continue
                if dims[axis] == 1:
                    dims[axis] = size
                else:
                    check.equal(size, dims[axis], "merge_shape_mismatch", axis=axis, first=inputs[0].dims,
                                other=other.dims)
        return LayerResult(output=Tensor(tuple(dims), _merged_field(inputs)), trainable=0, non_trainable=0,
                           macs=0, flops=(len(inputs) - 1) * product(dims))

    def forward(self, arrays, params, ops):
        """The branches multiplied in order, size-1 axes broadcasting (torch.mul's broadcasting)."""
        return functools.reduce(operator.mul, arrays)

    def to_torch(self, inputs, layout):
        return TorchCode(call=" * ".join(f"{{{index}}}" for index in range(len(inputs))))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Mul",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Mul of two tensors (size-1 axes broadcast)."""
        return {cls.kind: {}} if all(node.is_tensor(i) for i in range(len(node.inputs))) else None

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Mul (its broadcasting is NumPy's), chained in the branches' order."""
        builder.chain("Mul", name, inputs, outputs)

    torch_modules = ("operator.mul", "operator.imul", "torch.mul", "Tensor.mul", "Tensor.mul_")

    @classmethod
    def from_torch(cls, call, shapes):
        """a * b of two layers' tensors, size-1 axes broadcasting (a squeeze-excitation gate)."""
        if call.parameters or call.keywords or len(shapes.inputs) != 2 \
                or any(argument is not None for argument in call.arguments[:2]):  # not torch.div's rounding_mode
            return None
        return {cls.kind: {}}


class Subtract(Multiply):
    """a - b of two branches; axes of size 1 broadcast (ONNX Sub, torch.sub)."""

    kind = "subtract"
    min_inputs, max_inputs = 2, 2
    summary = {"en": "subtract: the second branch from the first, element by element, size-1 axes broadcast",
               "es": "resta: la segunda rama de la primera, elemento a elemento; los ejes de tamaño 1 se difunden"}
    flop_rule = {"en": "1 subtraction per output element", "es": "1 resta por elemento de salida"}

    def forward(self, arrays, params, ops):
        """torch.sub(a, b) with torch's broadcasting of size-1 axes."""
        return arrays[0] - arrays[1]

    onnx_ops: ClassVar[tuple[str, ...]] = ("Sub",)

    def to_torch(self, inputs, layout):
        return TorchCode(call="{0} - {1}")

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Sub (its broadcasting is NumPy's)."""
        builder.chain("Sub", name, inputs, outputs)

    torch_modules = ("operator.sub", "torch.sub", "Tensor.sub")  # from_torch: Multiply's (two layers' tensors)


class Divide(Multiply):
    """a / b of two branches; axes of size 1 broadcast (ONNX Div, torch.div)."""

    kind = "divide"
    min_inputs, max_inputs = 2, 2
    summary = {"en": "divide: the first branch by the second, element by element, size-1 axes broadcast",
               "es": "división: la primera rama entre la segunda, elemento a elemento; los ejes de tamaño 1 se "
                     "difunden"}
    flop_rule = {"en": "1 division per output element", "es": "1 división por elemento de salida"}

    def forward(self, arrays, params, ops):
        """torch.div(a, b) (true division; x/0 is inf or nan, as in torch)."""
        return arrays[0] / arrays[1]

    onnx_ops: ClassVar[tuple[str, ...]] = ("Div",)

    def to_torch(self, inputs, layout):
        return TorchCode(call="{0} / {1}")

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Div (its broadcasting is NumPy's)."""
        builder.chain("Div", name, inputs, outputs)

    torch_modules = ("operator.truediv", "torch.div", "Tensor.div")  # from_torch: Multiply's


class Concat(Layer):
    """Branches stacked along the channel axis (GoogLeNet's inception modules)."""

    kind = "concat"
    min_inputs, max_inputs = 2, None
    summary = {"en": "concatenate branches along the channels",
               "es": "concatenar ramas a lo largo de los canales"}
    formulas = {
        "en": {"shape": "(C_1 + C_2 + ..., H, W): other axes equal", "params": "0", "macs": "0",
               "receptive_field": "union of the branches"},
        "es": {"shape": "(C_1 + C_2 + ..., H, W): los demás ejes iguales", "params": "0", "macs": "0",
               "receptive_field": "unión de las ramas"},
    }
    flop_rule = {"en": "0: copies only", "es": "0: solo copia"}

    axis: int = Field(default=0, ge=0, description="0 = channels (in the spec's channels-first order)",
                      json_schema_extra={"es": "0 = canales (en el orden de la especificación, canales primero)"})

    def infer(self, inputs, check):
        _same_rank(inputs)
        first = inputs[0]
        if self.axis >= len(first.dims):
            raise LayerError("concat_axis", axis=self.axis, rank=len(first.dims))
        for other in inputs[1:]:
            for axis, (a, b) in enumerate(zip(first.dims, other.dims)):
                if axis != self.axis:
                    check.equal(b, a, "merge_shape_mismatch", axis=axis, first=first.dims, other=other.dims)
        dims = list(first.dims)
        dims[self.axis] = sum((tensor.dims[self.axis] for tensor in inputs), 0)
        return LayerResult(output=Tensor(tuple(dims), _merged_field(inputs)), trainable=0, non_trainable=0,
                           macs=0, flops=0)

    def forward(self, arrays, params, ops):
        """torch.cat along dim axis + 1: the layer's axis counts from the channels, the batch's from N."""
        import numpy as np

        return np.concatenate(arrays, axis=self.axis + 1)

    def derivation(self, inputs, result):
        """The concatenated axis is the sum of the branches' sizes along it, with the numbers in."""
        symbol = "C" if self.axis == 0 else f"size_{self.axis}"
        sizes = [tensor.dims[self.axis] for tensor in inputs]
        return [Step("shape", f"{symbol} = " + " + ".join(f"{symbol}_{i + 1}" for i in range(len(sizes))),
                     joined(sizes, " + "), result.output.dims[self.axis]),
                Step("params", "params", None, 0), Step("macs", "MACs", None, 0),
                Step("flops", "FLOPs", None, 0, note=("flop_rule_note", {}))]

    def to_torch(self, inputs, layout):
        branches = ", ".join(f"{{{index}}}" for index in range(len(inputs)))
        return TorchCode(call=f"torch.cat([{branches}], dim={torch_dim(self.axis)})")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Concat",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Concat of tensors along a sample's axis (axis 1, the channels, is convcalc's 0)."""
        axis = node.axis(node.attr("axis"))
        if axis is None or len(node.inputs) < 2 or not all(node.is_tensor(i) for i in range(len(node.inputs))):
            return None
        return {cls.kind: {} if axis == 0 else {"axis": axis}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Concat along axis + 1 (ONNX counts the batch)."""
        builder.node("Concat", inputs, outputs, name, axis=self.axis + 1)

    torch_modules = ("torch.cat", "torch.concat", "torch.concatenate")

    @classmethod
    def from_torch(cls, call, shapes):
        """torch.cat(tensors, dim) along a sample's axis dim - 1; of one tensor, that tensor ({})."""
        if len(shapes.inputs) == 1:
            return {}
        axis = torch_axis(call.argument(1, "dim", call.keywords.get("axis", 0)), len(shapes.inputs[0]) + 1)
        return {cls.kind: {"axis": axis} if axis else {}}
