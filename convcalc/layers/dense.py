"""Flatten, dense (fully connected) and dropout: the classifier end of a CNN."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, PositiveInt

from convcalc.errors import LayerError
from convcalc.layers.base import (AXIS_NAMES, Layer, LayerResult, ReceptiveField, Step, Tensor, joined, product,
                                  torch_axis)
from convcalc.layers.torch_code import TorchCode, constructor, number, torch_dim


class Flatten(Layer):
    """All values of a sample in one vector of C*H*W (PyTorch Flatten(start_dim=1), Keras Flatten);
    with start_axis / end_axis only those axes are merged (torch.flatten(x, start + 1, end + 1))."""

    kind = "flatten"
    summary = {"en": "flatten: every value of a sample in one vector",
               "es": "aplanar (flatten): todos los valores de una muestra en un vector"}
    in_place = True  # a view of its input in PyTorch: no values of its own
    formulas = {
        "en": {"shape": "(C*H*W,); with start/end axes the merged axes' sizes multiplied", "params": "0",
               "macs": "0", "receptive_field": "the whole input"},
        "es": {"shape": "(C*H*W,); con start_axis/end_axis, el producto de los tamaños de los ejes fusionados",
               "params": "0", "macs": "0", "receptive_field": "la entrada entera"},
    }
    flop_rule = {"en": "0: a reshape moves no data", "es": "0: un cambio de forma no mueve datos"}

    start_axis: int = Field(default=0, description="first axis merged: 0 = channels (torch's start_dim - 1)",
                            json_schema_extra={"es": "primer eje fusionado: 0 = canales (`start_dim` - 1 de torch)"})
    end_axis: int = Field(default=-1, description="last axis merged, -1 = the last (torch's end_dim)",
                          json_schema_extra={"es": "último eje fusionado, -1 = el último (`end_dim` de torch)"})

    @property
    def whole(self) -> bool:
        return (self.start_axis, self.end_axis) == (0, -1)

    def merged(self, count: int) -> tuple[int, int]:
        """(first, last) axis merged, both counted from 0."""
        first, last = self.start_axis, self.end_axis
        if not (-count <= first < count and -count <= last < count) or first % count > last % count:
            raise LayerError("flatten_axes", start=first, end=last, rank=count, last=count - 1)
        return first % count, last % count

    def infer(self, inputs, check):
        (x,) = inputs
        if self.whole:
            return LayerResult(output=Tensor((product(x.dims),), ReceptiveField.whole_input()),
                               trainable=0, non_trainable=0, macs=0, flops=0)
        first, last = self.merged(len(x.dims))
        dims = (*x.dims[:first], product(x.dims[first:last + 1]), *x.dims[last + 1:])
        field = x.field if first == last else ReceptiveField.whole_input()
        return LayerResult(output=Tensor(dims, field), trainable=0, non_trainable=0, macs=0, flops=0)

    def derivation(self, inputs, result):
        """The flat size is the product of the input's sizes: C*H*W."""
        if not self.whole:
            return super().derivation(inputs, result)
        dims = inputs[0].dims
        return [Step("shape", "N = " + "*".join(["C", *AXIS_NAMES.get(len(dims) - 1, ())][:len(dims)]),
                     joined(dims), result.output.dims[0]),
                Step("params", "params", None, 0), Step("macs", "MACs", None, 0)]

    def forward(self, arrays, params, ops):
        """Values in the spec's layout order: C,H,W (PyTorch) or H,W,C (Keras, for hwc specs)."""
        x = arrays[0]
        if not self.whole:
            first, last = self.merged(x.ndim - 1)
            return x.reshape(*x.shape[:first + 1], -1, *x.shape[last + 2:])
        if ops.layout == "hwc" and x.ndim > 2:
            x = x.transpose(0, *range(2, x.ndim), 1)
        return x.reshape(x.shape[0], -1)

    torch_modules = ("torch.nn.Flatten", "torch.flatten", "Tensor.flatten")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.Flatten(start_dim=1, end_dim=-1) / torch.flatten(x, start_dim=0, end_dim=-1): torch's
        dims less one (the batch), which must stay apart."""
        ndim = len(shapes.inputs[0]) + 1
        start = torch_axis(call.option("start_dim", 1, 0), ndim)
        end = torch_axis(call.option("end_dim", 2, -1), ndim)
        fields = {"start_axis": start} if start else {}
        if end != ndim - 2:
            fields["end_axis"] = end
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """torch.flatten(x, 1); in an hwc spec the exported module is channels first, and the channels
        move last first so that the values come in the spec's H, W, C order (as its dense weights
        expect); with axes, torch.flatten(x, start + 1, end + 1)."""
        if not self.whole:
            return TorchCode(call=f"torch.flatten({{0}}, {torch_dim(self.start_axis)}, {torch_dim(self.end_axis)})")
        if layout == "hwc" and inputs[0].rank:
            return TorchCode(call="torch.flatten({0}.movedim(1, -1), 1)")
        return TorchCode(call="torch.flatten({0}, 1)")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Flatten", "Reshape", "Transpose")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Flatten with axis 1 (the batch kept), or a Reshape to (N, -1) or (N, C*H*W); in
        a model taking its input channels last (imported as an hwc spec), a Transpose putting
        channels last read only by a Flatten(axis 1) is that spec's flatten (see ``to_onnx``)."""
        if node.op == "Transpose":
            following = node.consumers()
            if graph.layout != "hwc" or node.attr("perm") != [0, *range(2, len(node.shape(0))), 1] \
                    or len(following) != 1 or following[0].op != "Flatten" or following[0].attr("axis", 1) != 1:
                return None
            node.absorb(following[0])
            return {cls.kind: {}}
        if node.op == "Flatten":
            return {cls.kind: {}} if node.attr("axis", 1) == 1 else None
        target, shape = node.ints(1), node.shape(0)
        if target is None or len(target) != 2 or target[0] not in (0, shape[0]):
            return None
        return {cls.kind: {}} if target[1] == -1 or target[1] == product(shape[1:]) else None

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Flatten(axis=1) of the whole sample (an hwc spec's values first put channels last,
        the order its flatten follows); some axes only: a Reshape keeping the others."""
        x = builder.tensors[0]
        if self.whole:
            source = inputs[0]
            if builder.layout == "hwc" and x.rank > 0:
                source = builder.step("Transpose", inputs, name, perm=[0, *range(2, x.rank + 2), 1])
            builder.node("Flatten", [source], outputs, name, axis=1)
            return
        first, last = self.merged(len(x.dims))
        builder.reshape(name, inputs[0], builder.result.output.dims, outputs, lambda: builder.step("Concat", [
            builder.shape(name, inputs[0], 0, first + 1), builder.constant(name, [-1]),
            builder.shape(name, inputs[0], last + 2)], name, axis=0))


class Dense(Layer):
    """y = W x + b with W of shape (units, inputs) (PyTorch Linear, Keras Dense)."""

    kind = "dense"
    summary = {"en": "dense (fully connected): every output sees every input",
               "es": "capa densa (totalmente conectada): cada salida ve todas las entradas"}
    formulas = {
        "en": {"shape": "(units,); over last_axis (..., units)", "params": "(inputs + 1) * units",
               "macs": "inputs * units (times the other positions over last_axis)",
               "receptive_field": "the whole input"},
        "es": {"shape": "(neuronas,), neuronas = `units`; con `over: last_axis`, (..., neuronas)",
               "params": "(entradas + 1) * neuronas",
               "macs": "entradas * neuronas (por las demás posiciones con `over: last_axis`)",
               "receptive_field": "la entrada entera"},
    }
    flop_rule = {"en": "2 per multiply-accumulate, plus 1 per output for the bias",
                 "es": "2 por multiplicación-acumulación, más 1 por salida para el sesgo"}

    units: PositiveInt = Field(validation_alias=AliasChoices("units", "out_features", "features"),
                               description="number of outputs (neurons)",
                               json_schema_extra={"es": "número de salidas (neuronas)"})
    bias: bool = Field(default=True, description="add a learnt bias per output",
                       json_schema_extra={"es": "sumar un sesgo aprendido por salida"})
    in_features: PositiveInt | None = Field(
        default=None, description="optional: the input size you expect; checked against what arrives",
        json_schema_extra={"es": "opcional: el tamaño de entrada que espera; se comprueba contra lo que llega"})
    over: Literal["vector", "last_axis"] = Field(
        default="vector", description="vector: a flat input (N,); last_axis: torch.nn.Linear on an N-D "
        "sample, acting on its last axis (W of (C, H, W)) at every other position",
        json_schema_extra={"es": "'vector': una entrada plana (N,); 'last_axis': `torch.nn.Linear` sobre una muestra N-D, "
                                 "que actúa sobre su último eje (W de (C, H, W)) en cada una de las demás posiciones"})

    def infer(self, inputs, check):
        (x,) = inputs
        if x.rank != 0 and self.over == "vector":
            raise LayerError("dense_needs_flat", shape=x.dims)
        features = x.dims[-1]
        if self.in_features is not None:
            check.equal(features, self.in_features, "in_features_mismatch", declared=self.in_features,
                        received=features)
        positions = product(x.dims[:-1])  # 1 for a vector
        weights = features * self.units
        macs = positions * weights
        field = ReceptiveField.whole_input()
        return LayerResult(output=Tensor((*x.dims[:-1], self.units), field),
                           trainable=weights + (self.units if self.bias else 0), non_trainable=0, macs=macs,
                           flops=2 * macs + (positions * self.units if self.bias else 0))

    def derivation(self, inputs, result):
        """Every output sees every input: params = (N + 1)*units, MACs = N*units."""
        if len(inputs[0].dims) > 1:
            return super().derivation(inputs, result)
        (features,) = inputs[0].dims
        formula, numbers = ("(N + 1)*units", f"({features} + 1)*{self.units}") if self.bias else (
            "N*units", f"{features}*{self.units}")
        steps = [Step("shape", "units", None, self.units),
                 Step("params", f"params = {formula}", numbers, result.trainable)]
        if self.bias:
            steps.append(Step("params_without_bias", "N*units", f"{features}*{self.units}", result.trainable - self.units))
        return steps + [
            Step("macs", "MACs = N*units", f"{features}*{self.units}", result.macs),
            Step("flops", "FLOPs = 2*MACs" + (" + units" if self.bias else ""),
                 joined((2, result.macs)) + (f" + {self.units}" if self.bias else ""), result.flops),
            Step("connections", "connections = MACs" + (" + units" if self.bias else ""),
                 joined((result.macs,)) + (f" + {self.units}" if self.bias else ""),
                 self.connection_count(inputs, result))]

    def connection_count(self, inputs, result):
        """Each weight and each bias links one input (or the bias) to one output: (N + 1)*units."""
        return result.macs + (product(result.output.dims) if self.bias else 0)

    def parameter_shapes(self, inputs):
        shapes = {"weight": ((self.units, inputs[0].dims[-1]), True)}
        return {**shapes, "bias": ((self.units,), True)} if self.bias else shapes

    def forward(self, arrays, params, ops):
        y = ops.matmul(arrays[0], params["weight"].T)
        return y + params["bias"] if self.bias else y

    torch_modules = ("torch.nn.Linear",)

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.Linear(in_features, out_features, bias): on a vector, or on the last axis of a sample."""
        fields = {"units": call.module.out_features}
        if call.module.bias is None:
            fields["bias"] = False
        if len(shapes.inputs[0]) > 1:
            fields["over"] = "last_axis"
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """nn.Linear(in_features, units, bias), which acts on the last axis as ``over`` says."""
        return TorchCode(constructor("nn.Linear", number(inputs[0].dims[-1], "in_features"), self.units,
                                     **({} if self.bias else {"bias": False})))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Gemm", "MatMul")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Gemm (alpha = beta = 1, A not transposed; B (N, K) with transB, else (K, N)
        transposed to torch's (N, K)), or MatMul by a constant (K, N): over the last axis of a map."""
        weight = node.shape(1) if node.has(1) and not node.is_tensor(1) else None
        if weight is None or len(weight) != 2:
            return None
        if node.op == "MatMul":
            node.bind("weight", 1, lambda array: array.T)
            fields = {"units": int(weight[1]), "bias": False}
            (add, *others) = node.consumers() or [None]  # torch's Linear on a map: MatMul, then Add of the bias
            if add is not None and not others and add.op == "Add":
                other = 1 if add.inputs[0] == node.proto.output[0] else 0
                bias = add.shape(other) if add.has(other) and not add.is_tensor(other) else None
                if bias is not None and list(bias) == [weight[1]]:
                    add.bind("bias", other)
                    node.bindings["bias"] = add.bindings["bias"]
                    node.absorb(add)
                    del fields["bias"]
            return {cls.kind: fields if len(node.shape(0)) == 2 else {**fields, "over": "last_axis"}}
        if node.attr("alpha", 1.0) != 1 or node.attr("beta", 1.0) != 1 or node.attr("transA", 0) \
                or len(node.shape(0)) != 2:
            return None
        transposed = node.attr("transB", 0) == 1
        node.bind("weight", 1, None if transposed else (lambda array: array.T))
        fields = {"units": int(weight[0] if transposed else weight[1])}
        if node.has(2):
            node.bind("bias", 2, lambda array: array.reshape(-1))
        else:
            fields["bias"] = False
        return {cls.kind: fields}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Gemm(x, W, b, transB=1) on a vector; over the last axis MatMul(x, W^T) + b."""
        bias = [params["bias"]] if self.bias else []
        if builder.tensors[0].rank == 0:
            builder.node("Gemm", [inputs[0], params["weight"], *bias], outputs, name, transB=1)
            return
        transposed = builder.step("Transpose", [params["weight"]], name, perm=[1, 0])
        if not self.bias:
            builder.node("MatMul", [inputs[0], transposed], outputs, name)
            return
        builder.node("Add", [builder.step("MatMul", [inputs[0], transposed], name), params["bias"]], outputs, name)


class Dropout(Layer):
    """Zeroes a fraction of the values while training; the identity at inference."""

    kind = "dropout"
    summary = {"en": "dropout: randomly zeroes values while training; identity at inference",
               "es": "dropout: anula valores al azar durante el entrenamiento; identidad en inferencia"}
    in_place = True  # PyTorch's inplace=True (and nothing at all in eval mode)
    formulas = {
        "en": {"shape": "unchanged", "params": "0", "macs": "0", "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "0", "macs": "0", "receptive_field": "sin cambios"},
    }
    flop_rule = {"en": "0: the identity at inference", "es": "0: la identidad en inferencia"}

    rate: float = Field(default=0.5, ge=0, lt=1, validation_alias=AliasChoices("rate", "p"),
                        description="fraction of values zeroed while training",
                        json_schema_extra={"es": "fracción de valores puestos a cero durante el entrenamiento"})

    def infer(self, inputs, check):
        (x,) = inputs
        return LayerResult(output=x, trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        return arrays[0]

    torch_modules = ("torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d", "torch.nn.Dropout3d",
                     "torch.nn.functional.dropout")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.Dropout(p) and its channel-wise forms: the identity at inference, whatever they drop."""
        rate = call.option("p", 1, 0.5)
        return {cls.kind: {"rate": rate} if rate != 0.5 else {}}

    def to_torch(self, inputs, layout):
        return TorchCode(constructor("nn.Dropout", p=self.rate))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Dropout",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Dropout: its ratio (an attribute before opset 12, an input after); the mask unused."""
        if len(node.proto.output) > 1 and node.proto.output[1] and node.consumers(1):
            return None
        ratio = node.constant(1) if node.has(1) else node.attr("ratio", 0.5)
        ratio = float(ratio) if ratio is not None else 0.5
        return {cls.kind: {} if ratio == 0.5 else {"rate": float(f"{ratio:.7g}")}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Dropout with its ratio and training_mode left false: the identity at inference,
        and a Dropout again when imported."""
        ratio = builder.constant(name, self.rate, "float32")
        builder.node("Dropout", [inputs[0], ratio], outputs, name)
