"""Pooling: windowed max / average / sum / Lp (1D-3D), global and adaptive pooling.

Sources: PyTorch ``nn.MaxPool2d`` (ceil_mode, dilation, padding <= kernel/2), ``nn.AvgPool2d``
(count_include_pad), ``nn.LPPool2d``, ``nn.AdaptiveAvgPool2d`` (bin i covers
[floor(i*W/O), ceil((i+1)*W/O)) ); Keras ``GlobalAveragePooling2D`` (a flat C-vector out).
Pooling has no weights, so its MACs are 0 by definition; its FLOPs are the window arithmetic.
"""

from __future__ import annotations

from fractions import Fraction
from collections.abc import Callable
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, PositiveInt, field_validator, model_validator

from convcalc.i18n import Msg
from convcalc.errors import FieldProblem, LayerError
from convcalc.layers.base import (
    AXIS_NAMES, NO_CHECKS, Layer, LayerResult, RFDim, ReceptiveField, Step, Tensor, Windowed, axis_symbols, joined,
    padding_pairs, per_axis, product, require_rank, shrinking_first, torch_refuse, torch_sizes, torch_window,
)
from convcalc.layers.torch_code import (
    TorchCode, constructor, literal, number, pad_widths, window_keywords, window_padding,
)
from convcalc.symbolic import ceildiv, floordiv, is_concrete

MAX_BINS = 4096  # adaptive pooling bins per axis: each is a term of the symbolic FLOP count
POOL_SHAPE = {
    "en": "O = floor((W + P_lo + P_hi - d*(F-1) - 1)/S) + 1, S defaults to F; ceil_mode: ceil(...) + 1, "
          "minus 1 if the last window would start in the right padding",
    "es": "O = floor((W + P_lo + P_hi - d*(F-1) - 1)/S) + 1, S por defecto F; ceil_mode: ceil(...) + 1, "
          "menos 1 si la última ventana empezaría en el relleno derecho",
}
# The formulas of max and average pooling, which share their shape and receptive-field rules.
WINDOW_POOL_FORMULAS = {
    "en": {"shape": POOL_SHAPE["en"], "params": "0", "macs": "0 (no weights)",
           "receptive_field": "r_out = r_in + d*(F-1)*j_in;  j_out = j_in*S"},
    "es": {"shape": POOL_SHAPE["es"], "params": "0", "macs": "0 (sin pesos)",
           "receptive_field": "r_out = r_in + d*(F-1)*j_in;  j_out = j_in*S"},
}


class Pool(Windowed):
    """Shared rule of windowed pooling; subclasses say what one window costs."""

    default_stride_is_kernel = True
    takes_pytorch_same = False
    ceil_mode: bool = Field(default=False, description="round the output size up (PyTorch ceil_mode)",
                            json_schema_extra={"es": "redondear hacia arriba el tamaño de salida (`ceil_mode` de "
                                                     "PyTorch)"})
    padding_rule: Literal["pytorch", "onnx"] = Field(
        default="pytorch", description="pytorch: padding at most half the kernel per side (PyTorch refuses more); "
        "onnx: any padding smaller than the dilated window, as ONNX and TensorFlow pad (the padding reads -inf "
        "for a max, and counts in a mean as count_include_pad says)",
        json_schema_extra={"es": "'pytorch': relleno de a lo sumo la mitad del núcleo por lado (PyTorch rechaza más); "
                                 "'onnx': cualquier relleno menor que la ventana dilatada, como rellenan ONNX y "
                                 "TensorFlow (el relleno vale -inf para un máximo y cuenta en una media según diga "
                                 "count_include_pad)"})
    window_flops: ClassVar[Callable[[int], int]]  # FLOPs of one window of n elements
    flops_symbols: ClassVar[str] = "F*F - 1"  # the same, in symbols

    @model_validator(mode="after")
    def _padding_within_the_rule(self):
        """PyTorch: P <= F//2 per side; ONNX: P < d*(F-1) + 1, so that no window lies in the padding alone."""
        if isinstance(self.padding, tuple):
            for (lo, hi), kernel, span in zip(self.padding, self.kernel, self.spans):
                if self.padding_rule == "pytorch" and max(lo, hi) > kernel // 2:
                    raise FieldProblem("padding", Msg("v_pool_padding_half", padding=max(lo, hi), kernel=kernel,
                                                      half=kernel // 2))
                if max(lo, hi) >= span:
                    raise FieldProblem("padding", Msg("v_pool_padding_window", padding=max(lo, hi), span=span))
        return self

    @classmethod
    def onnx_padding_rule(cls, fields: dict) -> dict:
        """An imported ONNX pool's fields, with padding_rule: onnx where a side pads past F//2."""
        padding, kernel = fields.get("padding"), fields.get("kernel")
        if padding is None or isinstance(padding, str):
            return fields
        rank = cls.rank
        pairs = padding_pairs(padding, rank)
        kernels = per_axis(kernel, rank, "kernel", 1)
        if any(max(pair) > size // 2 for pair, size in zip(pairs, kernels)):
            return {**fields, "padding_rule": "onnx"}
        return fields

    def infer(self, inputs, check):
        (x,) = inputs
        require_rank(x, self.rank)
        spatial, padding = self.window_sizes(x.spatial, check, ceil_mode=self.ceil_mode)
        outputs = x.channels * product(spatial)
        return LayerResult(
            output=Tensor((x.channels, *spatial), self.window_field(x.field, padding)),
            trainable=0, non_trainable=0, macs=0,
            flops=outputs * type(self).window_flops(product(self.kernel)),
        )

    def derivation(self, inputs, result):
        """O = (W - F + 2P)/S + 1 (ceil in ceil mode); no weights; FLOPs per window by the type's rule."""
        x = inputs[0]
        spatial = result.output.spatial
        per_window = type(self).window_flops(product(self.kernel))
        _, padding = self.window_sizes(x.spatial, NO_CHECKS, ceil_mode=self.ceil_mode)
        return self.shape_steps(x.spatial, spatial, self.ceil_mode) + [
            Step("params", "params", None, 0),
            Step("macs", "MACs", None, 0),
            Step("flops", f"FLOPs = {axis_symbols('O', self.rank, spatial)}*C * ({self.flops_symbols})",
                 f"{joined(spatial)}*{x.channels} * {per_window}", result.flops, note=None),
            *self.field_steps(x.field, padding, result.output.field)]

    def pooled(self, x, fill: float = 0.0, reduction: str = "sum"):
        """``reduction`` ("sum" or "max") of every window of x, in ceil mode if set, the padding
        read as ``fill``: the output starts at ``fill`` and each tap that reads inside x combines
        those values into the outputs that read them (a padded copy of x is never made)."""
        import numpy as np

        windows = self.windows(x.shape, self.ceil_mode)
        combine = np.maximum if reduction == "max" else np.add
        result = np.full((*x.shape[:2], *windows.out), fill, dtype=x.dtype)
        for tap in windows.reading_taps():
            targets, sources = windows.reads(tap)
            target = result[(slice(None), slice(None), *targets)]
            combine(target, x[(slice(None), slice(None), *sources)], out=target)
        return result

    def divisors(self, sizes, include_pad: bool):
        """PyTorch's avg_pool divisor per output position (*O): the window's taps inside the input
        (include_pad False) or inside the padded input (True; the part of a ceil-mode window hanging
        past the padding is not counted), as in ATen's AvgPoolKernel. Counted per axis from the
        window's ends, so that the work is O per axis whatever the kernel."""
        import numpy as np

        out, padding = self.window_sizes(sizes, NO_CHECKS, ceil_mode=self.ceil_mode)
        divisor = np.ones(())
        for axis, (size, o, (lo, hi)) in enumerate(zip(sizes, out, padding)):
            stride, dilation, kernel = self.strides[axis], self.dilation[axis], self.kernel[axis]
            starts = np.arange(o) * stride - lo  # tap t of output o reads starts[o] + t*dilation
            first, end = (-lo, size + hi) if include_pad else (0, size)
            low = np.maximum(0, -((starts - first) // dilation))  # the first tap at or after `first`
            high = np.minimum(kernel - 1, (end - 1 - starts) // dilation)  # the last tap before `end`
            divisor = np.multiply.outer(divisor, np.maximum(high - low + 1, 0))
        return divisor


    def torch_window(self, x, fill: str | None, native: bool = True,
                     dilation: bool = False) -> tuple[dict, tuple | None]:
        """(kernel_size, stride, padding, dilation, ceil_mode keywords, F.pad widths or None). PyTorch's
        pooling pads both sides of an axis alike by at most half the kernel; other padding (or any,
        where ``native`` is False) is an F.pad first with ``fill`` (None: zeros), refused where the
        padding must not count (``fill`` "excluded") or where it changes how ceil mode rounds; a
        dilation is refused unless the PyTorch pool has one (``dilation``)."""
        pairs = window_padding(self, x.spatial, self.ceil_mode)
        if native and all(lo == hi and lo <= kernel // 2 for (lo, hi), kernel in zip(pairs, self.kernel)):
            pad = None
        elif not any(lo or hi for lo, hi in pairs):
            pairs, pad = (), None
        elif fill == "excluded":
            raise LayerError("torch_pad_excluded")
        else:
            pad = pad_widths(pairs)
            if self.ceil_mode:
                unpadded = self.model_copy(update={"padding": ((0, 0),) * self.rank})
                padded = [size + lo + hi for size, (lo, hi) in zip(x.spatial, pairs)]
                rounded = unpadded.window_sizes(padded, NO_CHECKS, True)[0]
                if rounded != self.window_sizes(x.spatial, NO_CHECKS, True)[0]:
                    raise LayerError("torch_ceil_padding")
            pairs = ()
        keywords = window_keywords(self, pairs, self.kernel)
        if any(d != 1 for d in self.dilation):
            if not dilation:
                raise LayerError("torch_no_dilation", kind=self.kind)
            keywords["dilation"] = self.dilation
        if self.ceil_mode:
            keywords["ceil_mode"] = True
        return keywords, pad


class MaxPool(Pool):
    """Maximum of each window."""

    summary = {"en": "max pooling: the largest value of each window",
               "es": "agrupación por máximo ('max pooling'): el mayor valor de cada ventana"}
    formulas = WINDOW_POOL_FORMULAS
    flop_rule = {"en": "F^r - 1 comparisons per output element",
                 "es": "F^r - 1 comparaciones por elemento de salida"}
    window_flops = staticmethod(lambda n: n - 1)

    def forward(self, arrays, params, ops):
        """Max of each window, padding at -inf (PyTorch max_pool: a padded tap never wins)."""
        import numpy as np

        return self.pooled(arrays[0], -np.inf, "max")

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX MaxPool (opset 22's ceil_mode rule is PyTorch's; padding never wins)."""
        builder.node("MaxPool", inputs, outputs, name, ceil_mode=int(self.ceil_mode),
                     **self.onnx_window(builder.tensors[0].spatial, self.ceil_mode))


    def to_torch(self, inputs, layout):
        """nn.MaxPoolNd; padding it cannot take is an F.pad with -inf first (a padded tap never wins)."""
        keywords, pad = self.torch_window(inputs[0], "float('-inf')", dilation=True)
        return TorchCode(constructor(f"nn.MaxPool{self.rank}d", **keywords), pad=pad, pad_value="float('-inf')")

    onnx_ops: ClassVar[tuple[str, ...]] = ("MaxPool",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX MaxPool: kernel_shape, strides (ONNX's default 1, so always written), pads,
        dilations, auto_pad, ceil_mode; the indices output unused."""
        window = node.window()
        if window is None or (len(node.proto.output) > 1 and node.proto.output[1] and node.consumers(1)):
            return None
        fields = cls.onnx_padding_rule(dict(window))
        if node.attr("ceil_mode", 0):
            fields["ceil_mode"] = True
        return {cls.kind: fields}

    torch_modules = ("torch.nn.MaxPool{rank}d", "torch.nn.functional.max_pool{rank}d")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.MaxPoolNd / F.max_poolNd(x, kernel_size, stride, padding, dilation, ceil_mode,
        return_indices): the indices (for an unpooling) are a second output convcalc does not give."""
        if call.option("return_indices", 6, False):
            raise torch_refuse("return_indices", True)
        fields = torch_window(call, stride_is_kernel=True)
        if call.option("ceil_mode", 5, False):
            fields["ceil_mode"] = True
        return {cls.kind: fields}


class AvgPool(Pool):
    """Mean of each window; ``count_include_pad`` decides whether padded zeros count in the mean.
    A dilation spaces the taps as ONNX AveragePool's dilations (PyTorch's avg_pool has none)."""

    summary = {"en": "average pooling: the mean of each window",
               "es": "agrupación por media ('average pooling'): la media de cada ventana"}
    formulas = WINDOW_POOL_FORMULAS
    flop_rule = {"en": "F^r per output element (F^r - 1 additions, 1 division)",
                 "es": "F^r por elemento de salida (F^r - 1 sumas, 1 división)"}
    window_flops = staticmethod(lambda n: n)
    flops_symbols = "F*F"
    count_include_pad: bool = Field(default=True, description="padded zeros count in the mean (PyTorch default)",
                                    json_schema_extra={"es": "los ceros del relleno cuentan en la media (por defecto en"
                                                             " PyTorch)"})

    def infer(self, inputs, check):
        if self.rank == 3:  # PyTorch's avg_pool3d (only) also wants the unpadded input >= kernel
            for axis, (size, kernel) in enumerate(zip(inputs[0].spatial, self.kernel)):
                check.at_least(size, kernel, "input_smaller_than_kernel", axis=AXIS_NAMES[3][axis], size=size,
                               kernel=kernel)
        return super().infer(inputs, check)

    def forward(self, arrays, params, ops):
        """Window sum / PyTorch's divisor (count_include_pad; ceil mode clips to the padded input)."""
        x = arrays[0]
        return self.pooled(x) / self.divisors(x.shape[2:], self.count_include_pad)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX AveragePool: count_include_pad and, in ceil mode, the divisor clipped to the padded
        input as PyTorch's; dilations as ONNX's own (opset 19)."""
        builder.node("AveragePool", inputs, outputs, name, ceil_mode=int(self.ceil_mode),
                     count_include_pad=int(self.count_include_pad),
                     **self.onnx_window(builder.tensors[0].spatial, self.ceil_mode))


    def to_torch(self, inputs, layout):
        """nn.AvgPoolNd with count_include_pad; padding it cannot take is an F.pad of zeros first,
        which counts in the mean as count_include_pad: true counts it."""
        keywords, pad = self.torch_window(inputs[0], None if self.count_include_pad else "excluded")
        if not self.count_include_pad:
            keywords["count_include_pad"] = False
        return TorchCode(constructor(f"nn.AvgPool{self.rank}d", **keywords), pad=pad)

    onnx_ops: ClassVar[tuple[str, ...]] = ("AveragePool",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX AveragePool: kernel_shape, strides (ONNX's default 1, so always written), pads,
        dilations, auto_pad, ceil_mode, count_include_pad (ONNX's default 0)."""
        window = node.window()
        if window is None:
            return None
        fields = cls.onnx_padding_rule(dict(window))
        if node.attr("ceil_mode", 0):
            fields["ceil_mode"] = True
        if "padding" in fields or "ceil_mode" in fields:
            fields["count_include_pad"] = bool(node.attr("count_include_pad", 0))
        return {cls.kind: fields}

    torch_modules = ("torch.nn.AvgPool{rank}d", "torch.nn.functional.avg_pool{rank}d")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.AvgPoolNd / F.avg_poolNd(x, kernel_size, stride, padding, ceil_mode,
        count_include_pad, divisor_override): no divisor_override."""
        if call.option("divisor_override", 6) is not None:
            raise torch_refuse("divisor_override", call.option("divisor_override", 6))
        fields = torch_window(call, stride_is_kernel=True, dilation=False)
        if call.option("ceil_mode", 4, False):
            fields["ceil_mode"] = True
        if not call.option("count_include_pad", 5, True):
            fields["count_include_pad"] = False
        return {cls.kind: fields}


class SumPool(Pool):
    """Sum of each window (the lecture notes' SUM pooling; avg pooling times F^r)."""

    summary = {"en": "sum pooling: the sum of each window", "es": "agrupación por suma: la suma de cada ventana"}
    formulas = AvgPool.formulas
    flop_rule = {"en": "F^r - 1 additions per output element",
                 "es": "F^r - 1 sumas por elemento de salida"}
    window_flops = staticmethod(lambda n: n - 1)

    def forward(self, arrays, params, ops):
        """Sum of each window, zeros in the padding (avg pool with count_include_pad times F^r)."""
        return self.pooled(arrays[0])

    def to_onnx(self, name, inputs, outputs, params, builder):
        """A depthwise ONNX Conv whose filters are ones (a Constant, not a parameter): each window's
        sum, zeros in the padding. Ceil mode's last windows, which hang past the padding, read
        zeros there too: the end padding grows to (O - 1)*S + span - W - P_lo where that is more."""
        import numpy as np

        x = builder.tensors[0]
        window = self.onnx_window(x.spatial, self.ceil_mode)
        if self.ceil_mode:
            if "pads" not in window:  # 'same' on a symbolic size
                raise LayerError("onnx_ceil_symbolic")
            pads, out = window["pads"], builder.result.output.spatial
            for axis, (size, result, stride, span) in enumerate(zip(x.spatial, out, self.strides, self.spans)):
                reach = (result - 1) * stride + span - size - pads[axis]
                if not is_concrete(reach):
                    raise LayerError("onnx_ceil_symbolic")
                pads[self.rank + axis] = max(pads[self.rank + axis], int(reach))
        channels = int(x.channels)
        ones = builder.constant(name, np.ones((channels, 1, *self.kernel)), "float32")
        builder.node("Conv", [inputs[0], ones], outputs, name, group=channels, **window)


    def to_torch(self, inputs, layout):
        """Average pooling whose divisor is 1 (divisor_override): the sum of each window, padding as
        zeros. AvgPool1d has no divisor_override: 1-D pools as 2-D of width 1."""
        keywords, pad = self.torch_window(inputs[0], None)
        if self.rank > 1:
            return TorchCode(constructor(f"nn.AvgPool{self.rank}d", **keywords, divisor_override=1), pad=pad)
        widened = {key: (*value, 0 if key == "padding" else 1) if isinstance(value, tuple) else value
                   for key, value in {**keywords, "divisor_override": 1}.items()}
        arguments = ", ".join(f"{key}={literal(value)}" for key, value in widened.items())
        return TorchCode(call=f"F.avg_pool2d({{0}}.unsqueeze(-1), {arguments}).squeeze(-1)", pad=pad)


class Subsample(Pool):
    """LeCun et al. 1998's trainable subsampling (LeNet-5's S2, S4): per map, the sum of each
    window times one learnt coefficient plus one learnt bias (the squashing function after it is
    a layer of its own)."""

    summary = {"en": "trainable subsampling (LeNet-5): each window's sum times a learnt coefficient, plus a bias",
               "es": "submuestreo entrenable (LeNet-5): la suma de cada ventana por un coeficiente aprendido, más "
                     "un sesgo"}
    formulas = {
        "en": {"shape": POOL_SHAPE["en"], "params": "2*C (a coefficient and a bias per map)",
               "macs": "C*O^r (one multiply by the coefficient per output)",
               "receptive_field": "r_out = r_in + d*(F-1)*j_in;  j_out = j_in*S"},
        "es": {"shape": POOL_SHAPE["es"], "params": "2*C (un coeficiente y un sesgo por mapa de características)",
               "macs": "C*O^r (una multiplicación por el coeficiente por salida)",
               "receptive_field": "r_out = r_in + d*(F-1)*j_in;  j_out = j_in*S"},
    }
    flop_rule = {"en": "F^r + 1 per output element (F^r - 1 additions, 1 multiplication, 1 bias addition)",
                 "es": "F^r + 1 por elemento de salida (F^r - 1 sumas, 1 multiplicación, 1 suma del sesgo)"}
    window_flops = staticmethod(lambda n: n + 1)
    flops_symbols = "F*F + 1"

    def infer(self, inputs, check):
        result = super().infer(inputs, check)
        result.trainable = 2 * inputs[0].channels
        result.macs = product(result.output.dims)
        return result

    def parameter_shapes(self, inputs):
        channels = (inputs[0].channels,)
        return {"weight": (channels, True), "bias": (channels, True)}

    def connection_count(self, inputs, result):
        """Each output links to the F^r values of its window and to its bias: (F^r + 1)*C*O^r
        (S2: 5*6*14*14 = 5,880)."""
        return (product(self.kernel) + 1) * product(result.output.dims)

    def derivation(self, inputs, result):
        """As pooling's, with params = 2*C, MACs = C*O*O and connections = (F*F + 1)*C*O*O."""
        x, spatial = inputs[0], result.output.spatial
        out, kernel = axis_symbols("O", self.rank, spatial), axis_symbols("F", self.rank, self.kernel)
        steps = [step for step in super().derivation(inputs, result) if step.figure not in ("params", "macs")]
        at = next(index for index, step in enumerate(steps) if step.figure == "flops")
        return steps[:at] + [
            Step("params", "params = 2*C", f"2*{x.channels}", result.trainable),
            Step("macs", f"MACs = {out}*C", f"{joined(spatial)}*{x.channels}", result.macs),
        ] + steps[at:at + 1] + [
            Step("connections", f"connections = {out}*C * ({kernel} + 1)",
                 f"{joined(spatial)}*{x.channels} * ({joined(self.kernel)} + 1)", self.connection_count(inputs, result)),
        ] + steps[at + 1:]

    def forward(self, arrays, params, ops):
        """coefficient_c * (sum of the window) + bias_c, zeros in the padding; the products by the
        coefficients go through ops.matmul (one per output: the MACs counted)."""
        import numpy as np

        x = arrays[0]
        sums = self.pooled(x)
        batch, channels = sums.shape[:2]
        flat = sums.transpose(1, 0, *range(2, sums.ndim)).reshape(channels, 1, -1)  # (C, 1, N*O^r)
        scaled = ops.matmul(params["weight"].reshape(channels, 1, 1), flat).reshape(channels, batch, *sums.shape[2:])
        y = np.ascontiguousarray(np.moveaxis(scaled, 0, 1))
        y += params["bias"].reshape(1, -1, *([1] * (y.ndim - 2)))
        return y

    def to_torch(self, inputs, layout):
        """A helper module of the generated file: the window sums as sum pooling's (average pooling
        with divisor_override=1; 1-D pools as 2-D of width 1), times ``weight`` plus ``bias`` per map."""
        keywords, pad = self.torch_window(inputs[0], None)
        rank = max(self.rank, 2)
        if self.rank == 1:
            keywords = {key: (*value, 0 if key == "padding" else 1) if isinstance(value, tuple) else value
                        for key, value in keywords.items()}
        window_sum = constructor(f"nn.AvgPool{rank}d", **keywords, divisor_override=1)
        helper = (
            "class Subsampling(nn.Module):\n"
            '    """LeCun et al. 1998\'s trainable subsampling: per map, each window\'s sum times a coefficient '
            'plus a bias."""\n\n'
            "    def __init__(self, window_sum, channels, widen=False):\n"
            "        super().__init__()\n"
            "        self.window_sum, self.widen = window_sum, widen\n"
            "        self.weight = nn.Parameter(torch.ones(channels))\n"
            "        self.bias = nn.Parameter(torch.zeros(channels))\n\n"
            "    def forward(self, x):\n"
            "        sums = self.window_sum(x.unsqueeze(-1)).squeeze(-1) if self.widen else self.window_sum(x)\n"
            "        shape = (1, -1) + (1,) * (sums.dim() - 2)\n"
            "        return sums * self.weight.view(shape) + self.bias.view(shape)\n")
        channels = number(inputs[0].channels, "channels")
        arguments = f"{window_sum}, {channels}" + (", widen=True" if self.rank == 1 else "")
        return TorchCode(f"Subsampling({arguments})", pad=pad, helper=helper)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """Sum pooling's window sums (a depthwise Conv of ones), then Mul by the coefficients and Add
        the biases, one per channel."""
        sums = builder.fresh(name, "sums")
        SumPool.to_onnx(self, sums, inputs, [sums], params, builder)  # its node named after its output
        rank = builder.tensors[0].rank
        scaled = builder.step("Mul", [sums, builder.per_channel(name, params["weight"], rank)], name)
        builder.node("Add", [scaled, builder.per_channel(name, params["bias"], rank)], outputs, name)


class LPPool(Pool):
    """(sum of x^p over the window)^(1/p); p = 2 is the lecture notes' L2 pooling (PyTorch LPPool).
    Padding (zeros, which add nothing) and dilation as ONNX LpPool's pads and dilations."""

    summary = {"en": "Lp pooling: the p-norm of each window (p = 2: L2 pooling)",
               "es": "agrupación Lp: la norma p de cada ventana (p = 2: agrupación L2)"}
    formulas = AvgPool.formulas
    flop_rule = {"en": "2*F^r per output element (F^r powers, F^r - 1 additions, 1 root)",
                 "es": "2*F^r por elemento de salida (F^r potencias, F^r - 1 sumas, 1 raíz)"}
    window_flops = staticmethod(lambda n: 2 * n)
    flops_symbols = "2*F*F"
    p: float = Field(default=2.0, gt=0, validation_alias=AliasChoices("p", "norm_type"), description="the norm's p",
                     json_schema_extra={"es": "la p de la norma"})

    def forward(self, arrays, params, ops):
        """As torch.nn.functional.lp_pool{1,2,3}d: (sign(a) * relu(|a|) * F^r)^(1/p), a = avg_pool(x^p)
        (count_include_pad, so clipped in ceil mode); p = inf: max of |x|."""
        import numpy as np

        x = arrays[0]
        if self.p == np.inf:
            return self.pooled(np.abs(x), -np.inf, "max")
        out = self.pooled(x ** self.p) / self.divisors(x.shape[2:], True)
        return (np.sign(out) * np.maximum(np.abs(out), 0) * product(self.kernel)) ** (1 / self.p)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """As PyTorch's lp_pool: Pow(x, p), AveragePool (count_include_pad) times F^r, Pow(1/p);
        p = inf: MaxPool of |x|. (ONNX LpPool sums |x|^p: for odd p, not PyTorch's x^p.)"""
        import math

        window = self.onnx_window(builder.tensors[0].spatial, self.ceil_mode)
        if math.isinf(self.p):
            absolute = builder.step("Abs", inputs, name)
            builder.node("MaxPool", [absolute], outputs, name, ceil_mode=int(self.ceil_mode), **window)
            return
        powered = builder.step("Pow", [inputs[0], builder.constant(name, self.p, "float32")], name)
        mean = builder.step("AveragePool", [powered], name, ceil_mode=int(self.ceil_mode), count_include_pad=1,
                            **window)
        total = builder.step("Mul", [mean, builder.constant(name, float(product(self.kernel)), "float32")], name)
        builder.node("Pow", [total, builder.constant(name, 1 / self.p, "float32")], outputs, name)


    def to_torch(self, inputs, layout):
        """nn.LPPoolNd(p, kernel_size, stride, ceil_mode); it has no padding, so any is an F.pad of
        zeros first (zeros add nothing to a sum of powers); p = inf is the max pool of |x|."""
        keywords, pad = self.torch_window(inputs[0], None, native=False)
        if self.rank == 1:  # LPPool1d multiplies by its kernel_size, which must be a number
            keywords = {key: value[0] if isinstance(value, tuple) else value for key, value in keywords.items()}
        if self.p == float("inf"):
            return TorchCode(constructor(f"nn.MaxPool{self.rank}d", **keywords), call="{module}({0}.abs())", pad=pad)
        return TorchCode(constructor(f"nn.LPPool{self.rank}d", self.p, **keywords), pad=pad)

    onnx_ops: ClassVar[tuple[str, ...]] = ("LpPool",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX LpPool: kernel_shape, strides (ONNX's default 1, so always written), pads,
        dilations, auto_pad, ceil_mode, p (default 2)."""
        window = node.window()
        if window is None:
            return None
        fields = cls.onnx_padding_rule(dict(window))
        if node.attr("ceil_mode", 0):
            fields["ceil_mode"] = True
        fields["p"] = float(node.attr("p", 2))
        return {cls.kind: fields}

    torch_modules = ("torch.nn.LPPool{rank}d", "torch.nn.functional.lp_pool{rank}d")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.LPPoolNd / F.lp_poolNd(x, norm_type, kernel_size, stride, ceil_mode)."""
        fields = {"p": float(call.option("norm_type", 1)),
                  **torch_window(call, positions=(2, 3, None, None), stride_is_kernel=True, dilation=False)}
        fields.pop("padding", None)
        if call.option("ceil_mode", 4, False):
            fields["ceil_mode"] = True
        return {cls.kind: fields}


class GlobalPool(Layer):
    """One value per channel over all spatial positions; a flat C-vector unless keepdims."""

    min_inputs = max_inputs = 1
    keepdims: bool = Field(default=False, description="keep the spatial axes as size 1 (PyTorch's "
                           "AdaptiveAvgPool2d(1)); by default a flat vector of C values (Keras)",
                           json_schema_extra={"es": "conservar los ejes espaciales con tamaño 1 (`AdaptiveAvgPool2d(1)`"
                                                    " de PyTorch); por defecto, un vector plano de C valores (Keras)"})
    formulas = {
        "en": {"shape": "(C,)  or (C, 1, ..., 1) with keepdims", "params": "0", "macs": "0 (no weights)",
               "receptive_field": "the whole input"},
        "es": {"shape": "(C,)  o (C, 1, ..., 1) con keepdims", "params": "0", "macs": "0 (sin pesos)",
               "receptive_field": "la entrada entera"},
    }

    extra_flops_per_window: ClassVar[int] = 0
    reduction: ClassVar[str] = "mean"  # the NumPy reduction: "mean" or "max"

    def infer(self, inputs, check):
        (x,) = inputs
        require_rank(x, self.rank)
        positions = product(x.spatial)
        dims = (x.channels, *([1] * self.rank)) if self.keepdims else (x.channels,)
        field = ReceptiveField.whole_input()
        return LayerResult(
            output=Tensor(dims, field), trainable=0, non_trainable=0, macs=0,
            flops=x.channels * (positions - 1 + self.extra_flops_per_window),
        )

    def derivation(self, inputs, result):
        """One value per channel; FLOPs = C*(H*W - 1) comparisons or additions (+ C divisions for the
        mean), with the numbers in."""
        x = inputs[0]
        positions = "*".join(["H", "W"] if self.rank == 2 else ["D", "H", "W"] if self.rank == 3 else ["L"])
        extra = f" + {self.extra_flops_per_window}" if self.extra_flops_per_window else ""
        return [Step("shape", self.formulas["en"]["shape"], None, result.output.dims),
                Step("params", "params", None, 0), Step("macs", "MACs", None, 0),
                Step("flops", f"FLOPs = C*({positions} - 1{extra})", f"{x.channels}*({joined(x.spatial)} - 1{extra})",
                     result.flops, note=("flop_rule_note", {}))]

    def forward(self, arrays, params, ops):
        """Mean or max over every spatial position: (N, C), or (N, C, 1, ...) with keepdims."""
        x = arrays[0]
        return getattr(x, self.reduction)(axis=tuple(range(2, x.ndim)), keepdims=self.keepdims)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX GlobalAveragePool / GlobalMaxPool, (N, C, 1, ...); Flatten to (N, C) without keepdims."""
        op = {"mean": "GlobalAveragePool", "max": "GlobalMaxPool"}[self.reduction]
        if self.keepdims:
            builder.node(op, inputs, outputs, name)
        else:  # one node, so the flat form imports back as one layer
            reduce = {"mean": "ReduceMean", "max": "ReduceMax"}[self.reduction]
            builder.node(reduce, [inputs[0], builder.constant(name, list(range(2, self.rank + 2)))], outputs, name,
                         keepdims=0)


    def to_torch(self, inputs, layout):
        """x.mean / x.amax over the spatial dims (keepdim with keepdims)."""
        dims = tuple(range(2, 2 + self.rank))
        method = "mean" if self.reduction == "mean" else "amax"
        return TorchCode(call=f"{{0}}.{method}(dim={literal(dims)}" + (", keepdim=True)" if self.keepdims else ")"))


def _global_from_onnx(cls, node):
    """A global pool from its ONNX op, or from a Reduce over exactly the spatial axes (N, C, *S)."""
    if node.op.startswith("Global"):
        return {cls.kind: {"keepdims": True}}
    axes = node.ints(1) if node.has(1) else node.attr("axes")
    spatial = list(range(2, len(node.shape(0))))
    if not axes or not spatial or sorted(axis % len(node.shape(0)) for axis in axes) != spatial:
        return None
    return {cls.kind: {"keepdims": True} if node.attr("keepdims", 1) else {}}


class GlobalAvgPool(GlobalPool):
    summary = {"en": "global average pooling: the mean of each feature map",
               "es": "agrupación global por media: la media de cada mapa de características"}
    flop_rule = {"en": "H*W per channel (H*W - 1 additions, 1 division)",
                 "es": "H*W por canal (H*W - 1 sumas, 1 división)"}
    extra_flops_per_window = 1


    onnx_ops: ClassVar[tuple[str, ...]] = ("GlobalAveragePool", "ReduceMean")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX GlobalAveragePool keeps the spatial axes as size 1; ReduceMean over every spatial axis is the
        same pool, flat without keepdims."""
        return _global_from_onnx(cls, node)


class GlobalMaxPool(GlobalPool):
    summary = {"en": "global max pooling: the largest value of each feature map",
               "es": "agrupación global por máximo: el mayor valor de cada mapa de características"}
    flop_rule = {"en": "H*W - 1 comparisons per channel", "es": "H*W - 1 comparaciones por canal"}
    reduction = "max"


    onnx_ops: ClassVar[tuple[str, ...]] = ("GlobalMaxPool", "ReduceMax")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX GlobalMaxPool keeps the spatial axes as size 1; ReduceMax over every spatial axis is the
        same pool, flat without keepdims."""
        return _global_from_onnx(cls, node)


class GlobalLPPool(GlobalPool):
    """(sum of x^p over every spatial position)^(1/p) per channel: PyTorch's lp_pool with the
    window the whole map (ONNX GlobalLpPool, which sums |x|^p: the same for an even p)."""

    summary = {"en": "global Lp pooling: the p-norm of each feature map",
               "es": "agrupación Lp global: la norma p de cada mapa de características"}
    flop_rule = {"en": "2*H*W per channel (H*W powers, H*W - 1 additions, 1 root)",
                 "es": "2*H*W por canal (H*W potencias, H*W - 1 sumas, 1 raíz)"}
    p: float = Field(default=2.0, gt=0, validation_alias=AliasChoices("p", "norm_type"), description="the norm's p",
                     json_schema_extra={"es": "la p de la norma"})

    def infer(self, inputs, check):
        result = super().infer(inputs, check)
        result.flops = inputs[0].channels * 2 * product(inputs[0].spatial)
        return result

    def forward(self, arrays, params, ops):
        """As torch.nn.functional.lp_pool{1,2,3}d over the whole map: (sign(s) * relu(|s|))^(1/p),
        s = sum(x^p); p = inf: the max of |x|."""
        import numpy as np

        x = arrays[0]
        axes = tuple(range(2, x.ndim))
        if self.p == np.inf:
            return np.abs(x).max(axis=axes, keepdims=self.keepdims)
        total = (x ** self.p).sum(axis=axes, keepdims=self.keepdims)
        return (np.sign(total) * np.maximum(np.abs(total), 0)) ** (1 / self.p)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """Pow(x, p), ReduceSum over the spatial axes, Pow(1/p) (PyTorch's x^p, not LpPool's |x|^p);
        p = inf: ReduceMax of |x|."""
        import math

        axes = builder.constant(name, list(range(2, self.rank + 2)))
        if math.isinf(self.p):
            absolute = builder.step("Abs", inputs, name)
            builder.node("ReduceMax", [absolute, axes], outputs, name, keepdims=int(self.keepdims))
            return
        powered = builder.step("Pow", [inputs[0], builder.constant(name, self.p, "float32")], name)
        total = builder.step("ReduceSum", [powered, axes], name, keepdims=int(self.keepdims))
        builder.node("Pow", [total, builder.constant(name, 1 / self.p, "float32")], outputs, name)

    def to_torch(self, inputs, layout):
        """x.pow(p).sum(spatial dims).pow(1/p) (keepdim with keepdims); p = inf: x.abs().amax."""
        dims, keep = literal(tuple(range(2, 2 + self.rank))), ", keepdim=True" if self.keepdims else ""
        if self.p == float("inf"):
            return TorchCode(call=f"{{0}}.abs().amax(dim={dims}{keep})")
        return TorchCode(call=f"{{0}}.pow({literal(self.p)}).sum(dim={dims}{keep}).pow({literal(1 / self.p)})")

    onnx_ops: ClassVar[tuple[str, ...]] = ("GlobalLpPool",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX GlobalLpPool (spatial axes kept as size 1): |x|^p is x^p only for an even p."""
        p = node.attr("p", 2)
        return {cls.kind: {"keepdims": True, "p": float(p)}} if p % 2 == 0 else None


class AdaptivePool(Layer):
    """PyTorch's adaptive pooling: O bins per axis, bin i spans [floor(i*W/O), ceil((i+1)*W/O));
    an axis whose O is null keeps its size (PyTorch's output_size=(None, 7))."""

    output_size: PositiveInt | list[PositiveInt | None] = Field(
        description="O: output size per spatial axis; null keeps that axis's size (PyTorch's None)",
        json_schema_extra={"es": "O: tamaño de salida por eje espacial; null conserva el tamaño de ese eje (`None` de "
                                 "PyTorch)"})
    formulas = {
        "en": {"shape": "(C, O, ...): constant, whatever the input size",
               "params": "0", "macs": "0 (no weights)",
               "receptive_field": "bin 0 = [0, ceil(W/O)); j = W/O"},
        "es": {"shape": "(C, O, ...): constante, sea cual sea el tamaño de entrada", "params": "0",
               "macs": "0 (sin pesos)", "receptive_field": "región 0 = [0, ceil(W/O)); j = W/O"},
    }

    reduction: ClassVar[str] = "mean"  # the NumPy reduction: "mean" or "max"

    @field_validator("output_size")
    @classmethod
    def _per_axis(cls, value):
        if isinstance(value, list) and None in value:
            if len(value) != cls.rank:
                raise ValueError(Msg("v_output_size", rank=cls.rank))
            given = [size for size in value if size is not None]
            checked = iter(per_axis(given, len(given), "output_size", 1) if given else ())
            sizes = tuple(None if size is None else next(checked) for size in value)
        else:
            sizes = per_axis(value, cls.rank, "output_size", 1)
        if max((size for size in sizes if size is not None), default=1) > MAX_BINS:
            raise ValueError(Msg("v_output_size_most", most=MAX_BINS))
        return sizes

    def bins(self, spatial) -> tuple:
        """O per axis, the input's size where output_size is null."""
        return tuple(size if bins is None else bins for size, bins in zip(spatial, self.output_size))

    def bin_lengths(self, size, bins):
        """Sum over the bins of their lengths: the elements each output reads, summed."""
        return sum((ceildiv((i + 1) * size, bins) - floordiv(i * size, bins) for i in range(bins)), 0)

    def infer(self, inputs, check):
        (x,) = inputs
        require_rank(x, self.rank)
        bins_per_axis = self.bins(x.spatial)
        read = x.channels * product(size if given is None else self.bin_lengths(size, given)  # kept: 1 each
                                    for size, given in zip(x.spatial, self.output_size))
        field = x.field
        if field.dims is not None:
            if all(bins == 1 for bins in self.output_size):  # one bin: its unit sees the whole input
                field = ReceptiveField.whole_input()
            elif all(is_concrete(size) for size in x.spatial):
                field = ReceptiveField(tuple(
                    RFDim(rf.left, rf.right + (ceildiv(size, bins) - 1) * rf.jump, rf.jump * Fraction(size, bins))
                    for rf, size, bins in zip(field.dims, x.spatial, bins_per_axis)))
            else:
                field = ReceptiveField.whole_input()
        outputs = x.channels * product(bins_per_axis)
        return LayerResult(
            output=Tensor((x.channels, *bins_per_axis), field), trainable=0, non_trainable=0, macs=0,
            flops=type(self).count_flops(read, outputs),
        )

    def forward(self, arrays, params, ops):
        """PyTorch's bins [floor(i*W/O), ceil((i+1)*W/O)), one axis at a time (a box's mean or max
        is the mean or max over each axis in turn)."""
        import numpy as np

        x = arrays[0]
        bins_per_axis = self.bins(x.shape[2:])
        for axis in shrinking_first(x.shape[2:], bins_per_axis):  # no intermediate outgrows both ends
            bins = bins_per_axis[axis - 2]
            if bins == x.shape[axis]:
                continue  # one element a bin: the axis as it is
            x, size = np.moveaxis(x, axis, -1), x.shape[axis]
            pooled = np.empty((*x.shape[:-1], bins), dtype=x.dtype)
            for i in range(bins):  # each bin straight into its place: no list of bins beside the result
                getattr(np, self.reduction)(x[..., i * size // bins:-(-(i + 1) * size // bins)], axis=-1,
                                            out=pooled[..., i])
            x = np.moveaxis(pooled, -1, axis)
        return x

    def to_onnx(self, name, inputs, outputs, params, builder):
        """One bin per axis: ONNX's global pool; sizes the bins divide: AveragePool / MaxPool with
        kernel = stride = W/O (the same bins); other whole sizes: each bin's Slice reduced
        (ReduceMean / ReduceMax), concatenated along its axis, one axis at a time. A symbolic size
        with more than one bin has no fixed ONNX window and is refused."""
        x = builder.tensors[0]
        op = {"mean": "Average", "max": "Max"}[self.reduction]
        if all(bins == 1 for bins in self.output_size):
            builder.node(f"Global{op}Pool", inputs, outputs, name)
            return
        if not all(is_concrete(size) for size in x.spatial):
            raise LayerError("onnx_adaptive_symbolic", sizes=list(self.output_size))
        sizes = [int(size) for size in x.spatial]
        bins_per_axis = self.bins(sizes)
        if all(size % bins == 0 for size, bins in zip(sizes, bins_per_axis)):
            kernel = [size // bins for size, bins in zip(sizes, bins_per_axis)]
            builder.node(f"{op}Pool", inputs, outputs, name, kernel_shape=kernel, strides=kernel)
            return
        reduce = {"mean": "ReduceMean", "max": "ReduceMax"}[self.reduction]
        pooled_axes = [axis for axis, (size, bins) in enumerate(zip(sizes, bins_per_axis)) if size != bins]
        current = inputs[0]
        for axis in pooled_axes:
            size, bins = sizes[axis], bins_per_axis[axis]
            parts = []
            for i in range(bins):
                part = builder.step("Slice", [current, builder.constant(name, [i * size // bins]),
                                              builder.constant(name, [-(-(i + 1) * size // bins)]),
                                              builder.constant(name, [axis + 2])], name)
                parts.append(builder.step(reduce, [part, builder.constant(name, [axis + 2])], name, keepdims=1))
            if axis == pooled_axes[-1]:
                builder.node("Concat", parts, outputs, name, axis=axis + 2)
            else:
                current = builder.step("Concat", parts, name, axis=axis + 2)


    def to_torch(self, inputs, layout):
        """nn.AdaptiveAvgPoolNd / nn.AdaptiveMaxPoolNd(output_size): PyTorch's own bins."""
        name = "Avg" if self.reduction == "mean" else "Max"
        return TorchCode(constructor(f"nn.Adaptive{name}Pool{self.rank}d", self.output_size))

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.AdaptiveXPoolNd / F.adaptive_X_poolNd(x, output_size): a None size keeps the input's."""
        sizes = call.option("output_size", 1)
        sizes = [sizes] * cls.rank if isinstance(sizes, int) else list(sizes)
        if call.option("return_indices", 2, False):
            raise torch_refuse("return_indices", True)
        sizes = [size if size is not None else given for size, given in zip(sizes, shapes.inputs[0][1:])]
        return {cls.kind: {"output_size": torch_sizes(sizes)}}

    @classmethod
    def from_onnx(cls, node, graph):
        """What ``to_onnx`` writes where its bins are a plain pool's: the global pool (one bin per
        axis), or a pool of kernel = stride = W/O without padding (bins that divide the sizes).
        The plain types claim these ops first; a node's ``convcalc.type`` brings this type back."""
        spatial = node.shape(0)[2:]
        if node.op.startswith("Global"):
            return {cls.kind: {"output_size": 1}}
        window = node.window()
        if window is None or "padding" in window or "dilation" in window or node.attr("ceil_mode", 0) \
                or not all(is_concrete(size) for size in spatial):
            return None
        kernels = per_axis(window["kernel"], len(spatial), "kernel", 1)
        if per_axis(window["stride"], len(spatial), "stride", 1) != kernels \
                or any(size % kernel for size, kernel in zip(spatial, kernels)):
            return None
        bins = [int(size) // kernel for size, kernel in zip(spatial, kernels)]
        return {cls.kind: {"output_size": bins[0] if len(set(bins)) == 1 else bins}}


class AdaptiveAvgPool(AdaptivePool):
    onnx_ops: ClassVar[tuple[str, ...]] = ("GlobalAveragePool", "AveragePool")

    summary = {"en": "adaptive average pooling: the mean of O bins per axis",
               "es": "agrupación adaptativa por media: la media de O regiones por eje"}
    flop_rule = {"en": "per output, the elements of its bin (additions plus 1 division)",
                 "es": "por salida, los elementos de su región (sumas más 1 división)"}
    count_flops = staticmethod(lambda read, outputs: read)

    torch_modules = ("torch.nn.AdaptiveAvgPool{rank}d", "torch.nn.functional.adaptive_avg_pool{rank}d")


class AdaptiveMaxPool(AdaptivePool):
    summary = {"en": "adaptive max pooling: the largest value of O bins per axis",
               "es": "agrupación adaptativa por máximo: el mayor valor de O regiones por eje"}
    flop_rule = {"en": "per output, its bin's elements minus 1 comparisons",
                 "es": "por salida, los elementos de su región menos 1 comparaciones"}
    count_flops = staticmethod(lambda read, outputs: read - outputs)
    reduction = "max"

    torch_modules = ("torch.nn.AdaptiveMaxPool{rank}d", "torch.nn.functional.adaptive_max_pool{rank}d")
    onnx_ops: ClassVar[tuple[str, ...]] = ("GlobalMaxPool", "MaxPool")
