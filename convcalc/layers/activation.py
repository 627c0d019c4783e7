"""Element-wise activations (and softmax), shape unchanged.

FLOPs per element count each arithmetic operation, comparison or transcendental (exp, log, tanh)
as one, stated per type in ``flop_rule``; fvcore and torchinfo count none of them, which is why
convcalc states its own rule instead of leaving a silent zero.

The NumPy forwards follow PyTorch's torch.nn.functional definitions. Each function takes the
NumPy module as its first argument, since numpy is imported only when a forward runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

from pydantic import Field

from convcalc.errors import LayerError
from convcalc.layers.base import Layer, LayerResult, product, torch_refuse
from convcalc.layers.torch_code import TorchCode, constructor, number

SELU_ALPHA = 1.6732632423543772848170429916717  # Klambauer et al. 2017, as torch.nn.SELU
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(np, x):
    """1/(1 + e^-x), computed from e^-|x| so that no exponential overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(np, x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), which never overflows."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _erf(np, x):
    """The error function (NumPy has none): the standard library's math.erf, element by element
    within a block (the reference executor values exactness over speed here)."""
    return np.frompyfunc(math.erf, 1, 1)(x).astype(x.dtype)


BLOCK = 1 << 16  # elements an element-wise forward takes at a time: its temporaries stay small


class Activation(Layer):
    """f applied to every element; ``per_element`` FLOPs each."""

    per_element: ClassVar[int]
    how: ClassVar[dict[str, str]]  # the operations counted, per language
    function: ClassVar[Callable]  # f(np, x): the NumPy rule (a method where hyperparameters enter)
    formulas = {
        "en": {"shape": "unchanged", "params": "0", "macs": "0", "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "0", "macs": "0", "receptive_field": "sin cambios"},
    }
    in_place = True  # element by element: PyTorch's inplace=True writes f(x) over x

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "per_element" in cls.__dict__:
            cls.flop_rule = {"en": f"{cls.per_element} per element ({cls.how['en']})",
                             "es": f"{cls.per_element} por elemento ({cls.how['es']})"}

    def parameters(self, channels):
        return 0

    onnx_ops: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_onnx(cls, node, graph):
        """The ONNX op of a parameterless activation, with the attributes of ``ONNX_FORMS`` at the
        values the kind needs (HardSigmoid is torch's only with alpha = 1/6)."""
        if node.op == "Clip":
            return {cls.kind: {}} if _clip_bounds(node) == CLIP_BOUNDS.get(cls.kind) else None
        if node.op == "Div":
            return {cls.kind: {}} if _erf_gelu(node) else None
        if cls.kind in GATED and node.op == ONNX_FORMS[GATED[cls.kind]][0][0]:
            return {cls.kind: {}} if _gated(node, GATED[cls.kind]) else None
        for name, (default, wanted) in ONNX_FORMS[cls.kind][1].items():
            if not _close(node.attr(name, default), wanted):
                return None
        return {cls.kind: {}}

    def infer(self, inputs, check):
        (x,) = inputs
        return LayerResult(output=x, trainable=self.parameters(x.channels), non_trainable=0, macs=0,
                           flops=self.per_element * product(x.dims))

    def forward(self, arrays, params, ops):
        """The type's ``function`` (PyTorch's torch.nn.functional rule), BLOCK elements at a time
        so that its temporaries never outgrow the output (``verify`` measures the peak)."""
        import numpy as np

        x = arrays[0]
        out = np.empty_like(x)
        source, target = x.reshape(-1), out.reshape(-1)
        for start in range(0, source.size, BLOCK):
            target[start:start + BLOCK] = self.function(np, source[start:start + BLOCK])
        return out

    torch_fixed: ClassVar[tuple] = ()  # (option, argument position, the only value convcalc's rule has)

    @classmethod
    def from_torch(cls, call, shapes):
        """The module or function as the type, when its options are those of convcalc's rule
        (``torch_fixed``: GELU's exact erf form, softplus's beta 1 and threshold 20)."""
        for option, position, value in cls.torch_fixed:
            given = call.option(option, position, value)
            if given != value:
                raise torch_refuse(option, given)
        return {cls.kind: cls.torch_fields(call, shapes)}

    @classmethod
    def torch_fields(cls, call, shapes) -> dict:
        return {}

    def to_torch(self, inputs, layout):
        """The torch.nn module of the same name (TORCH_MODULES)."""
        return TorchCode(f"nn.{TORCH_MODULES[self.kind]}()")

    def to_onnx(self, name, inputs, outputs, params, builder):
        """The ONNX form of a parameterless activation: ``SIMPLE_ONNX``."""
        SIMPLE_ONNX[self.kind](builder, name, inputs, outputs)


def activation(kind: str) -> type[Activation]:
    """The class of a parameterless activation of ``SIMPLE`` (made on first use by the registry)."""
    per_element, how, en, es, function = SIMPLE[kind]
    return type(kind.title().replace("_", ""), (Activation,), {
        "__module__": __name__, "__doc__": en, "kind": kind, "per_element": per_element, "how": how,
        "summary": {"en": en, "es": es}, "function": staticmethod(function),
        "torch_modules": TORCH_NAMES[kind], "torch_fixed": TORCH_FIXED.get(kind, ()),
        "onnx_ops": ONNX_FORMS.get(kind, ((),))[0]})


# kind: (FLOPs per element, the operations counted per language, summary in English, in Spanish, NumPy rule).
# The rules are PyTorch's (torch.nn.functional): GELU its default exact erf form, softplus its
# beta = 1, threshold = 20 (x itself above 20), hardswish x * relu6(x + 3)/6.
SIMPLE: dict[str, tuple] = {
    "relu": (1, {"en": "max(0, x)", "es": "max(0, x)"},
             "ReLU: max(0, x)", "ReLU: max(0, x)",
             lambda np, x: np.maximum(x, 0)),
    "relu6": (2, {"en": "max, min", "es": "máximo, mínimo"},
              "ReLU6: min(max(0, x), 6)", "ReLU6: min(max(0, x), 6)",
              lambda np, x: np.clip(x, 0, 6)),
    "sigmoid": (3, {"en": "exp, +1, division", "es": "exp, +1, división"},
                "sigmoid: 1/(1 + e^-x)", "sigmoide: 1/(1 + e^-x)",
                _sigmoid),
    "tanh": (1, {"en": "tanh", "es": "tanh"},
             "hyperbolic tangent", "tangente hiperbólica",
             lambda np, x: np.tanh(x)),
    "gelu": (5, {"en": "x * 0.5 * (1 + erf(x/sqrt(2))): divide, erf, add, 2 multiplies",
                  "es": "x * 0.5 * (1 + erf(x/sqrt(2))): dividir, erf, sumar, 2 multiplicaciones"},
             "GELU: x * Phi(x)", "GELU: x * Phi(x)",
             lambda np, x: x * 0.5 * (1 + _erf(np, x * math.sqrt(0.5)))),
    "silu": (4, {"en": "sigmoid 3, multiply 1", "es": "sigmoide 3, multiplicar 1"},
             "SiLU / swish: x * sigmoid(x)", "SiLU / swish: x * sigmoide(x)",
             lambda np, x: x * _sigmoid(np, x)),
    "hardswish": (5, {"en": "add, max, min, multiply, divide", "es": "sumar, máximo, mínimo, multiplicar, dividir"},
                  "hard swish: x * relu6(x + 3)/6", "swish rígida ('hard swish'): x * relu6(x + 3)/6",
                  lambda np, x: x * np.clip(x + 3, 0, 6) / 6),
    "hardsigmoid": (4, {"en": "add, max, min, divide", "es": "sumar, máximo, mínimo, dividir"},
                    "hard sigmoid: relu6(x + 3)/6", "sigmoide rígida ('hard sigmoid'): relu6(x + 3)/6",
                    lambda np, x: np.clip(x + 3, 0, 6) / 6),
    "softplus": (3, {"en": "exp, +1, log", "es": "exp, +1, log"},
                 "softplus: log(1 + e^x)", "softplus: log(1 + e^x)",
                 lambda np, x: np.where(x > 20, x, _softplus(np, x))),
    "mish": (5, {"en": "softplus 3, tanh, multiply", "es": "softplus 3, tanh, multiplicar"},
             "mish: x * tanh(softplus(x))", "mish: x * tanh(softplus(x))",
             lambda np, x: x * np.tanh(_softplus(np, x))),
    "selu": (4, {"en": "compare, exp, subtract, multiply", "es": "comparar, exp, restar, multiplicar"},
             "SELU: scaled ELU", "SELU: ELU escalada",
             lambda np, x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))),
}

TORCH_MODULES = {"relu": "ReLU", "relu6": "ReLU6", "sigmoid": "Sigmoid", "tanh": "Tanh", "gelu": "GELU", "silu": "SiLU",
                 "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid", "softplus": "Softplus", "mish": "Mish",
                 "selu": "SELU"}  # kind of SIMPLE -> its torch.nn module, whose defaults are the rules above


# kind: (the ONNX ops it imports from, {attribute: (ONNX's default, the value the kind needs)});
# Clip is relu6 with bounds (0, 6) and relu with (0, none).
ONNX_FORMS: dict[str, tuple] = {
    "relu": (("Relu", "Clip"), {}),
    "relu6": (("Clip",), {}),
    "sigmoid": (("Sigmoid",), {}),
    "tanh": (("Tanh",), {}),
    "gelu": (("Gelu", "Div"), {"approximate": ("none", "none")}),  # Div: the start of torch's erf form
    "silu": (("Sigmoid",), {}),  # x * Sigmoid(x) (GATED)
    "hardswish": (("HardSwish", "HardSigmoid"), {}),  # and x * HardSigmoid(x) (GATED)
    "hardsigmoid": (("HardSigmoid",), {"alpha": (0.2, 1 / 6), "beta": (0.5, 0.5)}),
    "softplus": (("Softplus",), {}),
    "mish": (("Mish",), {}),
    "selu": (("Selu",), {"alpha": (1.67326319217681884765625, SELU_ALPHA),
                         "gamma": (1.05070102214813232421875, SELU_SCALE)}),
}
CLIP_BOUNDS = {"relu": (0.0, None), "relu6": (0.0, 6.0)}
# kind: the activation g of its form x * g(x) (torch exports SiLU as Mul(x, Sigmoid(x)));
# x * hardsigmoid(x) = x * relu6(x + 3)/6 is hardswish exactly
GATED = {"silu": "sigmoid", "hardswish": "hardsigmoid"}


def _gated(node, gate: str) -> bool:
    """x * g(x): ``node`` is g of the kind ``gate`` (its attributes as that kind needs), read by one
    Mul whose other operand is x; the Mul is absorbed when the pattern holds."""
    if not all(_close(node.attr(name, default), wanted) for name, (default, wanted) in ONNX_FORMS[gate][1].items()):
        return False
    following = node.consumers()
    if len(following) != 1 or following[0].op != "Mul":
        return False
    product_node = following[0]
    if sorted(product_node.inputs) != sorted([node.inputs[0], node.proto.output[0]]):
        return False
    node.absorb(product_node)
    return True


def _clip_bounds(node) -> tuple:
    """(min, max) of an ONNX Clip: inputs 1 and 2 since opset 11, attributes before."""
    bounds = []
    for index, name in ((1, "min"), (2, "max")):
        value = node.constant(index) if node.has(index) else node.attr(name)
        bounds.append(None if value is None or abs(float(value)) > 3e38 else float(value))
    return tuple(bounds)


def _erf_gelu(node) -> bool:
    """GELU as torch exports it before opset 20: Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5
    (the two products in either order); the later nodes are absorbed when the pattern holds."""
    def scalar(step, value) -> bool:
        constants = [step.constant(i) for i in (0, 1)]
        return any(c is not None and c.size == 1 and _close(float(c.reshape(-1)[0]), value) for c in constants)

    def only_consumer(step):
        following = step.consumers()
        return following[0] if len(following) == 1 else None

    x = node.inputs[0]
    if not node.is_tensor(0) or not scalar(node, math.sqrt(2)):
        return False
    erf = only_consumer(node)
    add = erf and erf.op == "Erf" and only_consumer(erf)
    if not add or add.op != "Add" or not scalar(add, 1.0):
        return False
    first = only_consumer(add)
    second = first and first.op == "Mul" and only_consumer(first)
    if not second or second.op != "Mul":
        return False
    halves = [step for step in (first, second) if scalar(step, 0.5)]
    times_x = [step for step in (first, second) if x in step.inputs]
    if len(halves) != 1 or len(times_x) != 1 or halves == times_x:
        return False
    for step in (erf, add, first, second):
        node.absorb(step)
    return True


def _close(value, wanted) -> bool:
    """Equal, floats within float32's precision (ONNX stores its attributes in float32)."""
    if isinstance(wanted, float) and isinstance(value, (int, float)):
        return abs(value - wanted) <= 1e-6 * max(1.0, abs(wanted))
    return value == wanted


def _onnx_op(op: str, **attributes):
    """An activation that is one ONNX op."""
    return lambda builder, name, inputs, outputs: builder.node(op, inputs, outputs, name, **attributes)


def _onnx_relu6(builder, name, inputs, outputs):
    """Clip(x, 0, 6)."""
    bounds = [builder.constant(name, bound, "float32") for bound in (0.0, 6.0)]
    builder.node("Clip", [inputs[0], *bounds], outputs, name)


def _onnx_silu(builder, name, inputs, outputs):
    """x * Sigmoid(x): ONNX has no SiLU op before opset 24's Swish."""
    builder.node("Mul", [inputs[0], builder.step("Sigmoid", inputs, name)], outputs, name)


# kind: how ONNX writes it (ONNX operator docs). Gelu (opset 20) with approximate="none" is the erf
# form; HardSwish is x * max(0, min(1, x/6 + 1/2)) = x * relu6(x + 3)/6; HardSigmoid with alpha
# 1/6 and beta 1/2; Selu's default alpha and gamma are torch.nn.SELU's constants in float32.
SIMPLE_ONNX = {
    "relu": _onnx_op("Relu"), "relu6": _onnx_relu6, "sigmoid": _onnx_op("Sigmoid"), "tanh": _onnx_op("Tanh"),
    "gelu": _onnx_op("Gelu"), "silu": _onnx_silu, "hardswish": _onnx_op("HardSwish"),
    "hardsigmoid": _onnx_op("HardSigmoid", alpha=1 / 6, beta=0.5), "softplus": _onnx_op("Softplus"),
    "mish": _onnx_op("Mish"), "selu": _onnx_op("Selu"),
}


# kind: the torch modules, functions and Tensor methods of the same rule (bridges.torch_import).
TORCH_NAMES: dict[str, tuple[str, ...]] = {
    "relu": ("torch.nn.ReLU", "torch.nn.functional.relu", "torch.relu", "Tensor.relu"),
    "relu6": ("torch.nn.ReLU6", "torch.nn.functional.relu6"),
    "sigmoid": ("torch.nn.Sigmoid", "torch.nn.functional.sigmoid", "torch.sigmoid", "Tensor.sigmoid"),
    "tanh": ("torch.nn.Tanh", "torch.nn.functional.tanh", "torch.tanh", "Tensor.tanh"),
    "gelu": ("torch.nn.GELU", "torch.nn.functional.gelu"),
    "silu": ("torch.nn.SiLU", "torch.nn.functional.silu"),
    "hardswish": ("torch.nn.Hardswish", "torch.nn.functional.hardswish"),
    "hardsigmoid": ("torch.nn.Hardsigmoid", "torch.nn.functional.hardsigmoid"),
    "softplus": ("torch.nn.Softplus", "torch.nn.functional.softplus"),
    "mish": ("torch.nn.Mish", "torch.nn.functional.mish"),
    "selu": ("torch.nn.SELU", "torch.nn.functional.selu", "torch.selu"),
}
# kind: (option, argument position, value) that torch's call must have for convcalc's rule.
TORCH_FIXED: dict[str, tuple] = {
    "gelu": (("approximate", None, "none"),),
    "softplus": (("beta", 1, 1.0), ("threshold", 2, 20.0)),
}


class LeakyRelu(Activation):
    """x if x > 0 else slope * x."""

    kind = "leaky_relu"
    per_element = 2
    how = {"en": "compare, multiply", "es": "comparar, multiplicar"}
    summary = {"en": "leaky ReLU: x, or slope*x below 0", "es": "ReLU con fugas ('leaky ReLU'): x, o pendiente*x bajo 0"}
    negative_slope: float = Field(default=0.01, description="slope below 0",
                                  json_schema_extra={"es": "pendiente bajo 0"})

    def function(self, np, x):
        """torch.nn.functional.leaky_relu: x if x > 0 else negative_slope * x."""
        return np.where(x > 0, x, x * self.negative_slope)

    torch_modules = ("torch.nn.LeakyReLU", "torch.nn.functional.leaky_relu")

    @classmethod
    def torch_fields(cls, call, shapes):
        slope = call.option("negative_slope", 1, 0.01)
        return {"negative_slope": slope} if slope != 0.01 else {}

    def to_torch(self, inputs, layout):
        return TorchCode(constructor("nn.LeakyReLU", *([self.negative_slope] if self.negative_slope != 0.01 else [])))

    onnx_ops: ClassVar[tuple[str, ...]] = ("LeakyRelu",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX LeakyRelu: alpha (default 0.01) is the negative slope."""
        alpha = node.attr("alpha", 0.01)
        return {cls.kind: {} if alpha == 0.01 else {"negative_slope": alpha}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        builder.node("LeakyRelu", inputs, outputs, name, alpha=self.negative_slope)


class Elu(Activation):
    """x if x > 0 else alpha * (e^x - 1)."""

    kind = "elu"
    per_element = 3
    how = {"en": "compare, exp, multiply-subtract", "es": "comparar, exp, multiplicar-restar"}
    summary = {"en": "ELU: x, or alpha*(e^x - 1) below 0", "es": "ELU: x, o alfa*(e^x - 1) bajo 0"}
    alpha: float = Field(default=1.0, description="the curve's limit below 0 is -alpha",
                         json_schema_extra={"es": "el límite de la curva bajo 0 es -alpha"})

    def function(self, np, x):
        """torch.nn.functional.elu: x if x > 0 else alpha * expm1(x)."""
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    torch_modules = ("torch.nn.ELU", "torch.nn.functional.elu")

    @classmethod
    def torch_fields(cls, call, shapes):
        alpha = call.option("alpha", 1, 1.0)
        return {"alpha": alpha} if alpha != 1.0 else {}

    def to_torch(self, inputs, layout):
        return TorchCode(constructor("nn.ELU", *([self.alpha] if self.alpha != 1.0 else [])))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Elu",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Elu: alpha (default 1)."""
        alpha = node.attr("alpha", 1.0)
        return {cls.kind: {} if alpha == 1.0 else {"alpha": alpha}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        builder.node("Elu", inputs, outputs, name, alpha=self.alpha)


class Prelu(Activation):
    """Leaky ReLU with a learnt slope: one shared, or one per channel (PyTorch PReLU)."""

    kind = "prelu"
    per_element = 2
    how = {"en": "compare, multiply", "es": "comparar, multiplicar"}
    summary = {"en": "PReLU: leaky ReLU with learnt slopes", "es": "PReLU: ReLU con fugas y pendientes aprendidas"}
    formulas = {
        "en": {"shape": "unchanged", "params": "1, or C with per_channel", "macs": "0",
               "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "1, o C con per_channel", "macs": "0",
               "receptive_field": "sin cambios"},
    }
    per_channel: bool = Field(default=False, description="one slope per channel (num_parameters = C)",
                              json_schema_extra={"es": "una pendiente por canal (`num_parameters` = C)"})

    def parameters(self, channels):
        return channels if self.per_channel else 1

    def parameter_shapes(self, inputs):
        return {"weight": ((self.parameters(inputs[0].channels),), True)}

    def forward(self, arrays, params, ops):
        """torch.nn.functional.prelu: x if x > 0 else weight * x, one weight or one per channel (axis 1)."""
        import numpy as np

        x = arrays[0]
        out = x * params["weight"].reshape(-1, *(1,) * (x.ndim - 2))
        np.copyto(out, x, where=x > 0)
        return out

    torch_modules = ("torch.nn.PReLU",)

    @classmethod
    def torch_fields(cls, call, shapes):
        """nn.PReLU(num_parameters): one slope, or one per channel (num_parameters = C)."""
        count = call.module.num_parameters
        if count == 1:
            return {}
        if count != shapes.inputs[0][0]:
            raise torch_refuse("num_parameters", count)
        return {"per_channel": True}

    def to_torch(self, inputs, layout):
        """nn.PReLU(num_parameters): 1, or C with per_channel."""
        if not self.per_channel:
            return TorchCode("nn.PReLU()")
        return TorchCode(constructor("nn.PReLU", number(inputs[0].channels, "num_parameters")))

    onnx_ops: ClassVar[tuple[str, ...]] = ("PRelu",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX PRelu with a constant slope: one value shared, or one per channel ((C, 1, ...) or (C,))."""
        slope = node.bind("weight", 1, lambda array: array.reshape(-1))
        if slope is None:
            return None
        count = 1
        for size in slope:
            count *= size
        if count == 1:
            return {cls.kind: {}}
        return {cls.kind: {"per_channel": True}} if count == node.shape(0)[1] and max(slope) == count else None

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX PRelu, the slopes shaped (C, 1, ...) to broadcast along the channels (one slope: (1,))."""
        slopes = builder.per_channel(name, params["weight"], builder.tensors[0].rank)
        builder.node("PRelu", [inputs[0], slopes], outputs, name)


class Softmax(Activation):
    """e^x_i / sum_j e^x_j over the channels (or a flat vector's entries)."""

    kind = "softmax"
    per_element = 5
    how = {"en": "max 1, subtract 1, exp 1, sum 1, divide 1", "es": "máximo 1, restar 1, exp 1, sumar 1, dividir 1"}
    in_place = False  # each output needs the whole vector: PyTorch's softmax has no inplace
    onnx_op: ClassVar[str] = "Softmax"
    summary = {"en": "softmax over the channels: class probabilities",
               "es": "softmax sobre los canales: probabilidades de clase"}

    def forward(self, arrays, params, ops):
        """torch.softmax(x, dim=1): shifted by the maximum so that no exponential overflows."""
        import numpy as np

        x = arrays[0]
        e = x - x.max(axis=1, keepdims=True)
        np.exp(e, out=e)
        e /= e.sum(axis=1, keepdims=True)
        return e

    torch_modules = ("torch.nn.Softmax", "torch.nn.functional.softmax", "torch.softmax", "Tensor.softmax")

    @classmethod
    def torch_fields(cls, call, shapes):
        """softmax over dim 1, the channels (or a flat vector's entries): the only axis convcalc's has."""
        dim = call.option("dim", 1)
        ndim = len(shapes.inputs[0]) + 1
        if dim is None or dim % ndim != 1:
            raise LayerError("torch_dim_refused", value=dim, expected=1)
        return {}

    def to_torch(self, inputs, layout):
        return TorchCode("nn.Softmax(dim=1)")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Softmax",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Softmax (LogSoftmax) over axis 1, the channels (or the last axis of a flat (N, K))."""
        count = len(node.shape(0))
        axis = node.attr("axis", -1 if graph.opset >= 13 else 1) % count
        if axis != 1 or (count > 2 and graph.opset < 13):  # before 13 the axes from `axis` on are one
            return None
        return {cls.kind: {}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Softmax / LogSoftmax over axis 1 (the channels)."""
        builder.node(type(self).onnx_op, inputs, outputs, name, axis=1)


class LogSoftmax(Softmax):
    kind = "log_softmax"
    how = {"en": "max 1, subtract 1, exp 1, sum 1, subtract log-sum 1",
           "es": "máximo 1, restar 1, exp 1, sumar 1, restar el log de la suma 1"}
    per_element = 5
    summary = {"en": "log-softmax over the channels", "es": "log-softmax sobre los canales"}
    onnx_op = "LogSoftmax"

    def forward(self, arrays, params, ops):
        """torch.log_softmax(x, dim=1): x - max - log(sum(e^(x - max))), stable for any x."""
        import numpy as np

        x = arrays[0]
        shifted = x - x.max(axis=1, keepdims=True)
        shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return shifted

    torch_modules = ("torch.nn.LogSoftmax", "torch.nn.functional.log_softmax", "torch.log_softmax",
                     "Tensor.log_softmax")

    def to_torch(self, inputs, layout):
        return TorchCode("nn.LogSoftmax(dim=1)")

    onnx_ops: ClassVar[tuple[str, ...]] = ("LogSoftmax",)
