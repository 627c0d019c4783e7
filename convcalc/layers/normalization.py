"""Normalisation: batch norm (1D-3D), layer norm, group norm, local response norm.

Parameter counts follow PyTorch: BatchNorm has weight and bias (gamma, beta: trainable) and the
buffers running_mean and running_var (non-trainable, as Keras counts them); its scalar
num_batches_tracked buffer is a step counter, not a parameter, and is not counted.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, PositiveInt

from convcalc.errors import LayerError
from convcalc.layers.base import Layer, LayerResult, Step, Tensor, joined, product, torch_refuse
from convcalc.layers.torch_code import TorchCode, constructor, number


from convcalc.symbolic import is_concrete


def _same_shape(x: Tensor, trainable, non_trainable, flops) -> LayerResult:
    return LayerResult(output=x, trainable=trainable, non_trainable=non_trainable, macs=0, flops=flops)


def _per_channel(values, ndim: int):
    """A (C,) array shaped to broadcast along axis 1 of a batch of ``ndim`` axes."""
    return values.reshape(-1, *(1,) * (ndim - 2))


def _standardise(x, axes: tuple[int, ...], eps: float):
    """(x - mean)/sqrt(var + eps) over ``axes`` with the biased variance, as PyTorch normalises; a
    new array, the variance summed by einsum so that no squared copy is made."""
    import numpy as np

    y = x - x.mean(axis=axes, keepdims=True)
    letters = "abcdefghij"[:y.ndim]
    kept = "".join(letter for axis, letter in enumerate(letters) if axis not in axes)
    squares = np.einsum(f"{letters},{letters}->{kept}", y, y)
    count = np.prod([x.shape[axis] for axis in axes])
    y /= np.sqrt(squares.reshape([1 if axis in axes else size for axis, size in enumerate(y.shape)]) / count + eps)
    return y


def _scale_shift(y, params, affine: bool):
    """y * weight + bias per channel (axis 1) when affine, in place on the new array y."""
    if affine:
        y *= _per_channel(params["weight"], y.ndim)
        y += _per_channel(params["bias"], y.ndim)
    return y


STATS_FLOPS = {
    "en": "5 per element for the statistics (mean 1, variance 3, normalise 1), plus 2 for scale and shift",
    "es": "5 por elemento para las estadísticas (media 1, varianza 3, normalizar 1), más 2 para escala y desplazamiento",
}


class BatchNorm(Layer):
    """y = gamma * (x - mean)/sqrt(var + eps) + beta per channel, with running statistics."""

    summary = {"en": "batch normalisation: per-channel scale and shift with running mean and variance",
               "es": "normalización por lotes ('batch norm'): escala y desplazamiento por canal con media y varianza acumuladas"}
    formulas = {
        "en": {"shape": "unchanged", "params": "trainable 2*C (gamma, beta); non-trainable 2*C (running mean, variance)",
               "macs": "0", "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios",
               "params": "entrenables 2*C (gamma, beta); no entrenables 2*C (media y varianza móviles)", "macs": "0",
               "receptive_field": "sin cambios"},
    }
    flop_rule = {"en": "2 per element at inference (statistics folded into one multiply and one add)",
                 "es": "2 por elemento en inferencia (estadísticas plegadas en una multiplicación y una suma)"}

    affine: bool = Field(default=True, description="learn gamma and beta",
                         json_schema_extra={"es": "aprender gamma y beta"})
    track_running_stats: bool = Field(default=True, description="keep running mean and variance",
                                      json_schema_extra={"es": "mantener la media y la varianza móviles"})
    eps: float = Field(default=1e-5, gt=0, description="added to the variance before its square root",
                       json_schema_extra={"es": "se suma a la varianza antes de su raíz cuadrada"})
    momentum: float = Field(default=0.1, ge=0, le=1,
                            description="weight of each new batch in the running statistics (PyTorch momentum)",
                            json_schema_extra={"es": "peso de cada lote nuevo en las estadísticas móviles (`momentum` "
                                                     "de PyTorch)"})

    def infer(self, inputs, check):
        (x,) = inputs
        allowed = (0, 1) if self.rank == 1 else (self.rank,)
        if x.rank not in allowed:
            raise LayerError("wrong_rank", expected=self.rank, received=x.rank)
        channels = x.channels
        return _same_shape(x, 2 * channels if self.affine else 0,
                           2 * channels if self.track_running_stats else 0, 2 * product(x.dims))

    def parameter_shapes(self, inputs):
        channels = (inputs[0].channels,)
        shapes = {"weight": (channels, True), "bias": (channels, True)} if self.affine else {}
        if self.track_running_stats:
            shapes |= {"running_mean": (channels, False), "running_var": (channels, False)}
        return shapes

    def forward(self, arrays, params, ops):
        """(x - mean)/sqrt(var + eps) * weight + bias per channel; PyTorch eval mode: the running
        statistics, or the batch's (biased) statistics over N and the spatial axes without them."""
        import numpy as np

        x = arrays[0]
        if not self.track_running_stats:
            return _scale_shift(_standardise(x, (0, *range(2, x.ndim)), self.eps), params, self.affine)
        scale = 1 / np.sqrt(params["running_var"] + self.eps)  # folded as ATen does: x*alpha + beta
        if self.affine:
            scale = scale * params["weight"]
        shift = (params["bias"] if self.affine else 0) - params["running_mean"] * scale
        y = x * _per_channel(scale.astype(x.dtype), x.ndim)
        y += _per_channel(shift.astype(x.dtype), x.ndim)
        return y

    def derivation(self, inputs, result):
        """params = 2*C (gamma, beta), non-trainable 2*C (running mean and variance, which Keras
        counts in its total), FLOPs = 2*C*H*W, with the numbers in."""
        x = inputs[0]
        channels, symbols = x.channels, "*".join(["C", "H", "W", "D"][:len(x.dims)] if len(x.dims) <= 3
                                                 else ["C", *(f"W{i}" for i in range(1, len(x.dims)))])
        return [
            Step("shape", "unchanged", None, result.output.dims),
            Step("params", "params = 2*C" if self.affine else "params", f"2*{channels}" if self.affine else None,
                 result.trainable),
            Step("non_trainable", "2*C" if self.track_running_stats else "0",
                 f"2*{channels}" if self.track_running_stats else None, result.non_trainable),
            Step("macs", "MACs", None, 0),
            Step("flops", f"FLOPs = 2*{symbols}", f"2*{joined(x.dims)}", result.flops, note=("flop_rule_note", {})),
        ]

    torch_modules = ("torch.nn.BatchNorm{rank}d",)

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.BatchNormNd: affine, track_running_stats, eps, momentum (None, a cumulative average
        while training, changes no figure and is left out)."""
        module = call.module
        fields = {name: value for name, value, default in (
            ("affine", module.affine, True), ("track_running_stats", module.track_running_stats, True),
            ("eps", module.eps, 1e-5), ("momentum", module.momentum, 0.1)) if value is not None and value != default}
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """nn.BatchNormNd(C, eps, momentum, affine, track_running_stats) (its state_dict also holds
        PyTorch's num_batches_tracked counter, which convcalc's weights leave out)."""
        keywords = {key: value for key, value, default in (
            ("eps", self.eps, 1e-5), ("momentum", self.momentum, 0.1), ("affine", self.affine, True),
            ("track_running_stats", self.track_running_stats, True)) if value != default}
        return TorchCode(constructor(f"nn.BatchNorm{self.rank}d", number(inputs[0].channels, "num_features"),
                                     **keywords))

    onnx_ops: ClassVar[tuple[str, ...]] = ("BatchNormalization",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX BatchNormalization (scale, B, mean, var; inference form): epsilon; ONNX's momentum
        is torch's 1 - momentum (the running statistics' own weight)."""
        if node.attr("training_mode", 0) or any(node.proto.output[1:]):
            return None
        for parameter, index in (("weight", 1), ("bias", 2), ("running_mean", 3), ("running_var", 4)):
            node.bind(parameter, index)
        fields = {}
        eps, momentum = node.attr("epsilon", 1e-5), float(f"{1 - node.attr('momentum', 0.9):.7g}")
        if eps != 1e-5:
            fields["eps"] = eps
        if momentum != 0.1:
            fields["momentum"] = momentum
        return {cls.kind: fields}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX BatchNormalization on the running statistics (inference mode); without them the
        batch's own statistics over N and the spatial axes, written out as PyTorch's eval mode
        computes them. Without affine, a scale of ones and a shift of zeros (Constants)."""
        import numpy as np

        x = builder.tensors[0]
        channels = int(x.channels)
        scale = params.get("weight") or builder.constant(name, np.ones(channels), "float32")
        shift = params.get("bias") or builder.constant(name, np.zeros(channels), "float32")
        if self.track_running_stats:
            builder.node("BatchNormalization", [inputs[0], scale, shift, params["running_mean"],
                                                params["running_var"]], outputs, name, epsilon=self.eps)
            return
        y = builder.normalised(name, inputs[0], [0, *range(2, x.rank + 2)], self.eps)
        scaled = builder.step("Mul", [y, builder.per_channel(name, scale, x.rank)], name)
        builder.node("Add", [scaled, builder.per_channel(name, shift, x.rank)], outputs, name)


class LayerNorm(Layer):
    """Normalises each sample over its last axes (PyTorch LayerNorm(normalized_shape))."""

    kind = "layernorm"
    summary = {"en": "layer normalisation: normalises each sample over all its values (or its channels, or its last axis)",
               "es": "normalización por capa: normaliza cada muestra sobre todos sus valores (o sus canales, o su último eje)"}
    formulas = {
        "en": {"shape": "unchanged",
               "params": "2 * (normalised elements): C*H*W, C with over: channels, the last axis's size with over: last_axis",
               "macs": "0", "receptive_field": "unchanged (over: all mixes every position, last_axis those along it)"},
        "es": {"shape": "sin cambios",
               "params": "2 * (elementos normalizados): C*H*W, C con `over: channels`, el tamaño del último eje "
                         "con `over: last_axis`",
               "macs": "0",
               "receptive_field": "sin cambios (`over: all` mezcla todas las posiciones; `last_axis`, las de ese eje)"},
    }
    flop_rule = STATS_FLOPS
    min_inputs = max_inputs = 1

    over: Literal["all", "channels", "last_axis"] = Field(
        default="all", description="normalise over all values of a sample (PyTorch LayerNorm(x.shape[1:])), "
        "per position over channels, or over the last axis at every other position (PyTorch LayerNorm(x.shape[-1]))",
        json_schema_extra={"es": "normalizar sobre todos los valores de una muestra (PyTorch `LayerNorm(x.shape[1:])`),"
                                 " en cada posición sobre los canales, o sobre el último eje en cada una de las demás "
                                 "posiciones (PyTorch `LayerNorm(x.shape[-1])`)"})
    affine: bool = Field(default=True, validation_alias=AliasChoices("affine", "elementwise_affine"),
                         description="learn a scale (and a shift) per normalised element",
                         json_schema_extra={"es": "aprender una escala (y un desplazamiento) por elemento normalizado"})
    bias: bool = Field(default=True, description="with affine: a learnt shift besides the scale (PyTorch's "
                       "LayerNorm(..., bias=False) has the scale only)",
                       json_schema_extra={"es": "con affine: un desplazamiento aprendido además de la escala "
                                                "(`LayerNorm(..., bias=False)` de PyTorch solo tiene la escala)"})
    eps: float = Field(default=1e-5, gt=0, description="added to the variance before its square root",
                       json_schema_extra={"es": "se suma a la varianza antes de su raíz cuadrada"})

    @property
    def learnt(self) -> int:
        """Learnt arrays of the normalised shape: weight and bias, weight alone, or none."""
        return (1 + self.bias) if self.affine else 0

    def infer(self, inputs, check):
        (x,) = inputs
        normalised = self._normalised_shape(x)[0] if self.over != "all" else product(x.dims)
        elements = product(x.dims)
        return _same_shape(x, self.learnt * normalised, 0, elements * (5 + self.learnt))

    def parameter_shapes(self, inputs):
        shape = self._normalised_shape(inputs[0])
        return {name: (shape, True) for name in ("weight", "bias")[:self.learnt]}

    def _normalised_shape(self, x: Tensor) -> tuple:
        """The shape of the normalised axes, that of weight and bias: all axes, the channels or the last."""
        if self.over == "all":
            return tuple(x.dims)
        return (x.channels,) if self.over == "channels" else (x.dims[-1],)

    def forward(self, arrays, params, ops):
        """PyTorch LayerNorm(x.shape[1:]) over a sample's values, per position over the channels
        (a channels-last LayerNorm(C)), or over the last axis (LayerNorm(x.shape[-1])): biased
        variance, then elementwise weight and bias (the weight alone without bias)."""
        x = arrays[0]
        axes = {"channels": (1,), "last_axis": (x.ndim - 1,)}.get(self.over, tuple(range(1, x.ndim)))
        y = _standardise(x, axes, self.eps)
        placed = (lambda values: _per_channel(values, y.ndim)) if self.over == "channels" else (lambda values: values)
        if self.affine:
            y *= placed(params["weight"])
        if self.learnt == 2:
            y += placed(params["bias"])
        return y

    torch_modules = ("torch.nn.LayerNorm", "torchvision.models.convnext.LayerNorm2d")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.LayerNorm(normalized_shape): over all a sample's values or over its last axis;
        torchvision's LayerNorm2d: over the channels at each position; bias=False, the weight alone."""
        module = call.module
        normalised, dims = tuple(module.normalized_shape), tuple(shapes.inputs[0])
        if type(module).__name__ == "LayerNorm2d":
            over = "channels"
        elif normalised == dims:
            over = "all"
        elif normalised == dims[-1:]:
            over = "last_axis"
        else:
            raise torch_refuse("normalized_shape", list(normalised))
        fields = {"over": over} if over != "all" else {}
        if not module.elementwise_affine:
            fields["affine"] = False
        elif module.bias is None:
            fields["bias"] = False
        if module.eps != 1e-5:
            fields["eps"] = module.eps
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """nn.LayerNorm(normalized_shape): a sample's whole shape, or its last axis; over the channels
        of a channels-first tensor, a LayerNorm applied with the channels moved last (torchvision's
        LayerNorm2d), a helper class of the generated file."""
        keywords = {key: value for key, value, default in (
            ("eps", self.eps, 1e-5), ("elementwise_affine", self.affine, True)) if value != default}
        shape = tuple(number(size, "normalized_shape") for size in self._normalised_shape(inputs[0]))
        if self.over != "channels":
            return TorchCode(constructor("nn.LayerNorm", shape if self.over == "all" else shape[0], **keywords))
        helper = (
            "class ChannelsLayerNorm(nn.LayerNorm):\n"
            '    """LayerNorm over the channels at every position of a channels-first tensor."""\n\n'
            "    def forward(self, x):\n"
            "        return super().forward(x.movedim(1, -1)).movedim(-1, 1)\n")
        return TorchCode(constructor("ChannelsLayerNorm", shape[0], **keywords), helper=helper)

    onnx_ops: ClassVar[tuple[str, ...]] = ("LayerNormalization", "Transpose")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX LayerNormalization over the axes from ``axis`` on: from axis 1 every value of a
        sample (over: all), the last axis alone (over: last_axis); scale and bias both given.
        Transpose to channels last -> LayerNormalization over the last axis -> Transpose back
        (torchvision's LayerNorm2d) is one layernorm over: channels."""
        if node.op == "Transpose":
            return cls._over_channels(node, graph)
        count = len(node.shape(0))
        axis = node.attr("axis", -1) % count
        if not node.has(2) or axis == 0 or any(node.proto.output[1:]):
            return None
        node.bind("weight", 1)  # the shape of the normalised axes, as convcalc's
        node.bind("bias", 2)
        fields = {"over": "all"} if axis == 1 else {"over": "last_axis"} if axis == count - 1 else None
        if fields is None:
            return None
        eps = node.attr("epsilon", 1e-5)
        return {cls.kind: fields if eps == 1e-5 else {**fields, "eps": eps}}

    @classmethod
    def _over_channels(cls, node, graph):
        count = len(node.shape(0))
        if count < 3 or node.attr("perm") != [0, *range(2, count), 1]:
            return None
        (norm, *others) = node.consumers() or [None]
        if norm is None or others or norm.op != "LayerNormalization" or norm.attr("axis", -1) % count != count - 1 \
                or not norm.has(2) or any(norm.proto.output[1:]):
            return None
        (back, *others) = norm.consumers() or [None]
        if back is None or others or back.op != "Transpose" or back.attr("perm") != [0, count - 1, *range(1, count - 1)]:
            return None
        for parameter, index in (("weight", 1), ("bias", 2)):
            if norm.bind(parameter, index) is None:
                return None
        node.bindings.update(norm.bindings)
        node.read_names.update(norm.read_names)
        node.absorb(norm)
        node.absorb(back)
        eps = norm.attr("epsilon", 1e-5)
        return {cls.kind: {"over": "channels"} if eps == 1e-5 else {"over": "channels", "eps": eps}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX LayerNormalization from axis 1 (over: all) or over the last axis; over the channels
        of a map, between two Transposes that put them last. Without affine a Constant scale of
        ones, which needs the normalised sizes to be numbers."""
        import numpy as np

        x = builder.tensors[0]
        shape = self._normalised_shape(x)
        scale = params.get("weight")
        if scale is None:
            if not all(is_concrete(size) for size in shape):
                raise LayerError("onnx_layernorm_symbolic")
            scale = builder.constant(name, np.ones([int(size) for size in shape]), "float32")
        operands = [scale, *([params["bias"]] if "bias" in params else [])]
        if self.over == "all":
            builder.node("LayerNormalization", [inputs[0], *operands], outputs, name, axis=1, epsilon=self.eps)
        elif self.over == "last_axis" or x.rank == 0:
            builder.node("LayerNormalization", [inputs[0], *operands], outputs, name, axis=-1, epsilon=self.eps)
        else:
            last = builder.step("Transpose", inputs, name, perm=[0, *range(2, x.rank + 2), 1])
            normalised = builder.step("LayerNormalization", [last, *operands], name, axis=-1, epsilon=self.eps)
            builder.node("Transpose", [normalised], outputs, name, perm=[0, x.rank + 1, *range(1, x.rank + 1)])


class GroupNorm(Layer):
    """Normalises each group of C/G channels of a sample (PyTorch GroupNorm)."""

    kind = "groupnorm"
    summary = {"en": "group normalisation: normalises groups of channels within each sample",
               "es": "normalización por grupos: normaliza grupos de canales dentro de cada muestra"}
    formulas = {
        "en": {"shape": "unchanged", "params": "2*C (per-channel scale and shift)", "macs": "0",
               "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "2*C (escala y desplazamiento por canal)", "macs": "0",
               "receptive_field": "sin cambios"},
    }
    flop_rule = STATS_FLOPS

    groups: PositiveInt = Field(validation_alias=AliasChoices("groups", "num_groups"),
                                description="G: channel groups, each normalised on its own",
                                json_schema_extra={"es": "G: grupos de canales, cada uno normalizado por separado"})
    affine: bool = Field(default=True, description="learn a scale and a shift per channel",
                         json_schema_extra={"es": "aprender una escala y un desplazamiento por canal"})
    eps: float = Field(default=1e-5, gt=0, description="added to the variance before its square root",
                       json_schema_extra={"es": "se suma a la varianza antes de su raíz cuadrada"})

    def infer(self, inputs, check):
        (x,) = inputs
        check.multiple_of(x.channels, self.groups, "groups_mismatch", channels=x.channels, groups=self.groups)
        elements = product(x.dims)
        return _same_shape(x, 2 * x.channels if self.affine else 0, 0, elements * (5 + (2 if self.affine else 0)))

    def parameter_shapes(self, inputs):
        channels = (inputs[0].channels,)
        return {"weight": (channels, True), "bias": (channels, True)} if self.affine else {}

    def forward(self, arrays, params, ops):
        """PyTorch GroupNorm: each sample's G groups of C/G channels standardised together (biased
        variance), then per-channel weight and bias."""
        x = arrays[0]
        grouped = x.reshape(x.shape[0], self.groups, -1)
        return _scale_shift(_standardise(grouped, (2,), self.eps).reshape(x.shape), params, self.affine)

    torch_modules = ("torch.nn.GroupNorm",)

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.GroupNorm(num_groups, num_channels, eps, affine)."""
        module = call.module
        fields = {"groups": module.num_groups}
        if not module.affine:
            fields["affine"] = False
        if module.eps != 1e-5:
            fields["eps"] = module.eps
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """nn.GroupNorm(G, C, eps, affine)."""
        keywords = {key: value for key, value, default in (
            ("eps", self.eps, 1e-5), ("affine", self.affine, True)) if value != default}
        return TorchCode(constructor("nn.GroupNorm", self.groups, number(inputs[0].channels, "num_channels"),
                                     **keywords))

    onnx_ops: ClassVar[tuple[str, ...]] = ("InstanceNormalization",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX InstanceNormalization is a group norm with one channel per group (G = C), its
        per-channel scale and B the group norm's weight and bias."""
        node.bind("weight", 1)
        node.bind("bias", 2)
        eps = node.attr("epsilon", 1e-5)
        fields = {"groups": int(node.shape(0)[1])}
        return {cls.kind: fields if eps == 1e-5 else {**fields, "eps": eps}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX GroupNormalization (opset 21's per-channel scale and bias); without affine, ones and zeros."""
        import numpy as np

        channels = int(builder.tensors[0].channels)
        scale = params.get("weight") or builder.constant(name, np.ones(channels), "float32")
        shift = params.get("bias") or builder.constant(name, np.zeros(channels), "float32")
        builder.node("GroupNormalization", [inputs[0], scale, shift], outputs, name, num_groups=self.groups,
                     epsilon=self.eps)


class LocalResponseNorm(Layer):
    """b = a / (k + alpha/n * sum of a^2 over n neighbouring channels)^beta (AlexNet, PyTorch LRN)."""

    kind = "lrn"
    summary = {"en": "local response normalisation across neighbouring channels (AlexNet)",
               "es": "normalización de respuesta local entre canales vecinos (AlexNet)"}
    formulas = {
        "en": {"shape": "unchanged", "params": "0", "macs": "0", "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "0", "macs": "0", "receptive_field": "sin cambios"},
    }
    flop_rule = {"en": "2*n + 3 per element (n squares, n - 1 additions, scale and offset 2, power 1, division 1)",
                 "es": "2*n + 3 por elemento (n cuadrados, n - 1 sumas, escala y desplazamiento 2, potencia 1, división 1)"}

    size: PositiveInt = Field(description="n: channels in the neighbourhood",
                              json_schema_extra={"es": "n: canales en la vecindad"})
    alpha: float = Field(default=1e-4, description="scale of the sum of squares",
                         json_schema_extra={"es": "escala de la suma de cuadrados"})
    beta: float = Field(default=0.75, description="exponent of the divisor",
                        json_schema_extra={"es": "exponente del divisor"})
    k: float = Field(default=1.0, description="constant added in the divisor",
                     json_schema_extra={"es": "constante sumada en el divisor"})

    def infer(self, inputs, check):
        (x,) = inputs
        return _same_shape(x, 0, 0, product(x.dims) * (2 * self.size + 3))

    def forward(self, arrays, params, ops):
        """torch.nn.functional.local_response_norm: x / (k + alpha/n * sum of x^2 over n channels,
        zero-padded n//2 before and (n-1)//2 after)^beta."""
        import numpy as np

        x = arrays[0]
        # the window over channels [c - n//2, c + (n-1)//2], clipped to the C channels (the zero
        # padding adds nothing), as differences of a running sum: no padded copy, whatever n
        channels = x.shape[1]
        running = np.zeros((x.shape[0], channels + 1, *x.shape[2:]))  # float64: no rounding builds up
        running[:, 1:] = x
        np.square(running[:, 1:], out=running[:, 1:])
        np.cumsum(running[:, 1:], axis=1, out=running[:, 1:])
        div = np.empty_like(x)
        for channel in range(channels):
            upper, lower = min(channel + (self.size - 1) // 2 + 1, channels), max(channel - self.size // 2, 0)
            np.subtract(running[:, upper], running[:, lower], out=div[:, channel], casting="same_kind")
        del running
        div /= self.size
        div *= self.alpha
        div += self.k
        div **= self.beta
        return np.divide(x, div, out=div)

    torch_modules = ("torch.nn.LocalResponseNorm",)

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.LocalResponseNorm(size, alpha, beta, k)."""
        module = call.module
        return {cls.kind: {"size": module.size, "alpha": module.alpha, "beta": module.beta, "k": module.k}}

    def to_torch(self, inputs, layout):
        """nn.LocalResponseNorm(size, alpha, beta, k): the same defaults."""
        keywords = {key: value for key, value, default in (
            ("alpha", self.alpha, 1e-4), ("beta", self.beta, 0.75), ("k", self.k, 1.0)) if value != default}
        return TorchCode(constructor("nn.LocalResponseNorm", self.size, **keywords))

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX LRN sums over channels [c - floor((n-1)/2), c + ceil((n-1)/2)], PyTorch over
        [c - n//2, c + (n-1)//2]: the same for odd n. For even n (which onnxruntime's LRN refuses)
        the squares, shaped (N, 1, C, rest), are averaged over n channels by an AveragePool
        padded n//2 before and (n-1)//2 after with zeros counted (alpha/n times their sum):
        x / (k + alpha * mean)^beta."""
        if self.size % 2:
            builder.node("LRN", inputs, outputs, name, size=self.size, alpha=self.alpha, beta=self.beta, bias=self.k)
            return
        squares = builder.step("Mul", [inputs[0], inputs[0]], name)
        stacked = builder.step("Reshape", [squares, builder.constant(name, [0, 1, int(builder.tensors[0].channels),
                                                                             -1])], name)
        mean = builder.step("AveragePool", [stacked], name, kernel_shape=[self.size, 1], count_include_pad=1,
                            pads=[self.size // 2, 0, (self.size - 1) // 2, 0])
        mean = builder.step("Reshape", [mean, builder.shape(name, inputs[0])], name)
        scaled = builder.step("Mul", [mean, builder.constant(name, self.alpha, "float32")], name)
        base = builder.step("Add", [scaled, builder.constant(name, self.k, "float32")], name)
        divisor = builder.step("Pow", [base, builder.constant(name, self.beta, "float32")], name)
        builder.node("Div", [inputs[0], divisor], outputs, name)

    onnx_ops: ClassVar[tuple[str, ...]] = ("LRN",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX LRN, x / (bias + alpha/size * sum of squares)^beta: PyTorch's window for an odd size
        only (see ``to_onnx``); an even one sums other channels and is not mapped."""
        size = node.attr("size")
        if size is None or size % 2 == 0:
            return None
        fields = {"size": size}
        for name, attribute, default in (("alpha", "alpha", 1e-4), ("beta", "beta", 0.75), ("k", "bias", 1.0)):
            value = node.attr(attribute, default)
            if value != default:
                fields[name] = value
        return {cls.kind: fields}
