"""Element-wise activations (and softmax), shape unchanged.

FLOPs per element count each arithmetic operation, comparison or transcendental (exp, log, tanh)
as one, stated per type in ``flop_rule``; fvcore and torchinfo count none of them, which is why
convcalc states its own rule instead of leaving a silent zero.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from convcalc.layers.base import Layer, LayerResult, product


class Activation(Layer):
    """f applied to every element; ``per_element`` FLOPs each."""

    per_element: ClassVar[int]
    how: ClassVar[str]  # the operations counted, language-neutral
    formulas = {"shape": "unchanged", "params": "0", "macs": "0", "receptive_field": "unchanged"}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "per_element" in cls.__dict__:
            cls.flop_rule = {"en": f"{cls.per_element} per element ({cls.how})",
                             "es": f"{cls.per_element} por elemento ({cls.how})"}

    def parameters(self, channels):
        return 0

    def infer(self, inputs, check):
        (x,) = inputs
        return LayerResult(output=x, trainable=self.parameters(x.channels), non_trainable=0, macs=0,
                           flops=self.per_element * product(x.dims))


def activation(kind: str, per_element: int, how: str, en: str, es: str) -> type[Activation]:
    """A parameterless activation type."""
    return type(kind.title().replace("_", ""), (Activation,), {
        "__module__": __name__, "__doc__": en, "kind": kind, "per_element": per_element, "how": how,
        "summary": {"en": en, "es": es}})


Relu = activation("relu", 1, "max(0, x)", "ReLU: max(0, x)", "ReLU: max(0, x)")
Relu6 = activation("relu6", 2, "max, min", "ReLU6: min(max(0, x), 6)", "ReLU6: min(max(0, x), 6)")
Sigmoid = activation("sigmoid", 3, "exp, +1, division", "sigmoid: 1/(1 + e^-x)", "sigmoide: 1/(1 + e^-x)")
Tanh = activation("tanh", 1, "tanh", "hyperbolic tangent", "tangente hiperbólica")
Gelu = activation("gelu", 9, "tanh approximation: x^3 2, 2 multiplies, 1 add, tanh, +1, 2 multiplies",
                  "GELU: x * Phi(x)", "GELU: x * Phi(x)")
Silu = activation("silu", 4, "sigmoid 3, multiply 1", "SiLU / swish: x * sigmoid(x)", "SiLU / swish: x * sigmoide(x)")
Hardswish = activation("hardswish", 5, "add, max, min, multiply, divide", "hard swish: x * relu6(x + 3)/6",
                       "hard swish: x * relu6(x + 3)/6")
Hardsigmoid = activation("hardsigmoid", 4, "add, max, min, divide", "hard sigmoid: relu6(x + 3)/6",
                         "hard sigmoid: relu6(x + 3)/6")
Softplus = activation("softplus", 3, "exp, +1, log", "softplus: log(1 + e^x)", "softplus: log(1 + e^x)")
Mish = activation("mish", 5, "softplus 3, tanh, multiply", "mish: x * tanh(softplus(x))",
                  "mish: x * tanh(softplus(x))")
Selu = activation("selu", 4, "compare, exp, subtract, multiply", "SELU: scaled ELU", "SELU: ELU escalada")


class LeakyRelu(Activation):
    """x if x > 0 else slope * x."""

    kind = "leaky_relu"
    per_element = 2
    how = "compare, multiply"
    summary = {"en": "leaky ReLU: x, or slope*x below 0", "es": "leaky ReLU: x, o pendiente*x bajo 0"}
    negative_slope: float = Field(default=0.01, description="slope below 0")


class Elu(Activation):
    """x if x > 0 else alpha * (e^x - 1)."""

    kind = "elu"
    per_element = 3
    how = "compare, exp, multiply-subtract"
    summary = {"en": "ELU: x, or alpha*(e^x - 1) below 0", "es": "ELU: x, o alfa*(e^x - 1) bajo 0"}
    alpha: float = 1.0


class Prelu(Activation):
    """Leaky ReLU with a learnt slope: one shared, or one per channel (PyTorch PReLU)."""

    kind = "prelu"
    per_element = 2
    how = "compare, multiply"
    summary = {"en": "PReLU: leaky ReLU with learnt slopes", "es": "PReLU: leaky ReLU con pendientes aprendidas"}
    formulas = {"shape": "unchanged", "params": "1, or C with per_channel", "macs": "0",
                "receptive_field": "unchanged"}
    per_channel: bool = Field(default=False, description="one slope per channel (num_parameters = C)")

    def parameters(self, channels):
        return channels if self.per_channel else 1


class Softmax(Activation):
    """e^x_i / sum_j e^x_j over the channels (or a flat vector's entries)."""

    kind = "softmax"
    per_element = 5
    how = "max 1, subtract 1, exp 1, sum 1, divide 1"
    summary = {"en": "softmax over the channels: class probabilities",
               "es": "softmax sobre los canales: probabilidades de clase"}


class LogSoftmax(Softmax):
    kind = "log_softmax"
    how = "max 1, subtract 1, exp 1, sum 1, subtract log-sum 1"
    per_element = 5
    summary = {"en": "log-softmax over the channels", "es": "log-softmax sobre los canales"}
