"""Convolutions: standard (with groups), depthwise, separable and transposed, in 1D/2D/3D.

Sources: PyTorch ``nn.Conv{1,2,3}d`` / ``nn.ConvTranspose{1,2,3}d`` docs (shapes, parameters);
Keras ``DepthwiseConv2D`` / ``SeparableConv2D`` (depth multiplier, one bias after the pointwise
step); fvcore ``conv_flop_count`` (MACs; a transposed conv multiplies over its *input* positions).
"""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, Literal, Union

from pydantic import AliasChoices, Field, PositiveInt, field_validator, model_validator

from convcalc.errors import FieldProblem, LayerError
from convcalc.i18n import Msg
from convcalc.layers.base import (
    AXIS_NAMES, SAME_MODES, Step, axis_symbols, joined, NO_CHECKS, LayerResult, PositiveInts, RFDim, ReceptiveField, Tensor, Windowed,
    Windows, padding_pairs, position_blocks,
    per_axis, product, require_rank, torch_refuse, torch_sizes, torch_window,
)
from convcalc.layers.torch_code import (
    TorchCode, constructor, number, pad_widths, spatial_index, window_keywords, window_padding,
)


from convcalc.symbolic import is_concrete

CONV_FLOPS = {
    "en": "2 per multiply-accumulate, plus 1 per output element for the bias",
    "es": "2 por multiplicación-acumulación, más 1 por elemento de salida para el sesgo",
}


class ConvBase(Windowed):
    bias: bool = Field(default=True, description="add one learnt bias per output channel",
                       json_schema_extra={"es": "sumar un sesgo aprendido por canal de salida"})
    in_channels: PositiveInt | None = Field(
        default=None, description="optional: the input depth you expect; checked against what arrives",
        json_schema_extra={"es": "opcional: la profundidad de entrada que espera; se comprueba contra lo que llega"})

    def connection_count(self, inputs, result):
        """Every multiply-accumulate is a connection, and each output's bias one more (LeCun et al.
        1998: C1 (25 + 1)*6 maps*28*28 = 122,304)."""
        return result.macs + (product(result.output.dims) if self.bias else 0)

    def _check_in_channels(self, tensor: Tensor, check) -> None:
        require_rank(tensor, self.rank)
        if self.in_channels is not None:
            check.equal(tensor.channels, self.in_channels, "in_channels_mismatch",
                        declared=self.in_channels, received=tensor.channels)


def weighted_steps(layer, inputs, result, per_filter: tuple[str, str], filters, outputs_shown, bias_terms) -> list[Step]:
    """The derivation every convolution shares: the output size per axis, then
    params = (weights per filter + 1)*K, MACs = output positions * weights per filter, FLOPs,
    and the receptive field. ``per_filter`` is (symbols, numbers), e.g. ('F*F*D', '11*11*3')."""
    x = inputs[0]
    spatial = result.output.spatial
    symbols, numbers = per_filter
    out_symbols = axis_symbols("O", layer.rank, spatial)
    steps = layer.shape_steps(x.spatial, spatial) if outputs_shown else []
    if layer.bias:
        steps.append(Step("params", f"params = ({symbols} + 1)*K", f"({numbers} + 1)*{filters}", result.trainable))
        steps.append(Step("params_without_bias", f"{symbols}*K", f"{numbers}*{filters}", result.trainable - bias_terms))
    else:
        steps.append(Step("params", f"params = {symbols}*K", f"{numbers}*{filters}", result.trainable))
    steps.append(Step("macs", f"MACs = {out_symbols}*K * {symbols}", f"{joined(spatial)}*{filters} * {numbers}",
                      result.macs))
    bias_flops = f" + {out_symbols}*K" if layer.bias else ""
    bias_numbers = f" + {joined(spatial)}*{filters}" if layer.bias else ""
    steps.append(Step("flops", f"FLOPs = 2*MACs{bias_flops}", joined((2, result.macs)) + bias_numbers, result.flops))
    steps.append(Step("connections", f"connections = MACs{bias_flops}", joined((result.macs,)) + bias_numbers,
                      layer.connection_count(inputs, result)))
    _, padding = layer.window_sizes(x.spatial, NO_CHECKS)
    return steps + layer.field_steps(x.field, padding, result.output.field)


class GroupedConv(ConvBase):
    """K filters over G channel groups: the fields standard and transposed convolution share."""

    filters: PositiveInt = Field(validation_alias=AliasChoices("filters", "out_channels"),
                                 description="K: number of filters = output channels",
                                 json_schema_extra={"es": "K: número de filtros = canales de salida"})
    groups: PositiveInt = Field(default=1, description="G: channel groups (G = C_in is depthwise)",
                                json_schema_extra={"es": "G: grupos de canales (con G = C_in, convolución en profundidad)"})

    @model_validator(mode="after")
    def _groups_divide_filters(self):
        if self.filters % self.groups:
            raise FieldProblem("groups", Msg("v_groups_divide", filters=self.filters, groups=self.groups))
        return self


class Conv(GroupedConv):
    """Cross-correlation of K filters of size F x F x C/G with the input (PyTorch ConvNd)."""

    summary = {"en": "convolution: K filters slide over the input",
               "es": "convolución: K filtros se deslizan sobre la entrada"}
    formulas = {
        "en": {
            "shape": "O = floor((W + P_lo + P_hi - d*(F-1) - 1)/S) + 1   [= (W - F + 2P)/S + 1 when d = 1]",
            "params": "(F^r * D/G + 1) * K, D the input depth   [the lecture notes' (F*F*D + 1)*K]",
            "macs": "K * O^r * F^r * D/G",
            "receptive_field": "r_out = r_in + d*(F-1)*j_in;  j_out = j_in*S",
        },
        "es": {"shape": "O = floor((W + P_lo + P_hi - d*(F-1) - 1)/S) + 1   [= (W - F + 2P)/S + 1 cuando d = 1]",
               "params": "(F^r * D/G + 1) * K, D la profundidad de la entrada   [el (F*F*D + 1)*K de los apuntes]",
               "macs": "K * O^r * F^r * D/G", "receptive_field": "r_out = r_in + d*(F-1)*j_in;  j_out = j_in*S"},
    }
    flop_rule = CONV_FLOPS

    connections: list[list[int]] | None = Field(
        default=None, description="a connection table (LeCun et al. 1998, LeNet-5's C3): per filter, the "
        "input channels it reads (0-based); each filter then has F*F weights per channel listed",
        json_schema_extra={"es": "una tabla de conexiones (LeCun et al. 1998, la C3 de LeNet-5): por filtro, los "
                                 "canales de entrada que lee (desde 0); cada filtro tiene entonces F*F pesos por canal "
                                 "de la lista"})

    @model_validator(mode="after")
    def _connection_table(self):
        if self.connections is None:
            return self
        if len(self.connections) != self.filters:
            raise FieldProblem("connections", Msg("v_table_rows", filters=self.filters, count=len(self.connections)))
        if self.groups != 1:
            raise FieldProblem("connections", Msg("v_table_groups"))
        for channels in self.connections:
            if not channels or len(set(channels)) != len(channels) or min(channels) < 0:
                raise FieldProblem("connections", Msg("v_table_channels"))
        return self

    @property
    def links(self) -> int | None:
        """The (filter, input channel) pairs of the connection table: sum of |table_k|."""
        return None if self.connections is None else sum(len(channels) for channels in self.connections)

    def infer(self, inputs, check):
        (x,) = inputs
        self._check_in_channels(x, check)
        check.multiple_of(x.channels, self.groups, "groups_mismatch", channels=x.channels,
                          groups=self.groups)
        if self.connections is not None:
            highest = max(max(channels) for channels in self.connections)
            check.at_least(x.channels, highest + 1, "connections_channel", channel=highest, channels=x.channels)
        spatial, padding = self.window_sizes(x.spatial, check)
        weights_per_filter = (x.channels // self.groups) * product(self.kernel)
        weights = self.filters * weights_per_filter if self.links is None else self.links * product(self.kernel)
        outputs = self.filters * product(spatial)
        macs = product(spatial) * weights
        return LayerResult(
            output=Tensor((self.filters, *spatial), self.window_field(x.field, padding)),
            trainable=weights + (self.filters if self.bias else 0),
            non_trainable=0,
            macs=macs,
            flops=2 * macs + (outputs if self.bias else 0),
                    )

    def parameter_shapes(self, inputs):
        """PyTorch's (K, D/G, *F); with a connection table one F x F kernel per (filter, channel)
        pair of the table, in its order: (sum of |table_k|, *F)."""
        if self.links is not None:
            shapes = {"weight": ((self.links, *self.kernel), True)}
        else:
            shapes = {"weight": ((self.filters, inputs[0].channels // self.groups, *self.kernel), True)}
        return {**shapes, "bias": ((self.filters,), True)} if self.bias else shapes

    def mistakes(self, inputs, result):
        """Besides the window's slips: the input depth D left out of the filters (F*F weights each);
        with a connection table, every filter counted over every channel."""
        found = super().mistakes(inputs, result)
        if self.links is not None:
            full = self.filters * inputs[0].channels * product(self.kernel) + (self.filters if self.bias else 0)
            found["params"] = [("connection_table_ignored", full)]
            return found
        flat = product(self.kernel) * self.filters + (self.filters if self.bias else 0)
        if inputs[0].channels != self.groups:
            found["params"] = [("depth_forgotten", flat)]
        return found

    def derivation(self, inputs, result):
        """O = (W - F + 2P)/S + 1; params = (F*F*D + 1)*K (the lecture notes'); MACs = O*O*K*F*F*D;
        with a connection table, the table's (filter, channel) pairs L in place of K*D."""
        depth = inputs[0].channels
        kernel = axis_symbols("F", self.rank, self.kernel)
        if self.links is not None:
            return self.table_steps(inputs[0], result, kernel)
        per_filter = (f"{kernel}*D/G", f"{joined(self.kernel)}*{depth}/{self.groups}") if self.groups > 1 else (
            f"{kernel}*D", f"{joined(self.kernel)}*{depth}")
        return weighted_steps(self, inputs, result, per_filter, self.filters, True, self.filters) + [
            self.im2col_step(inputs[0], result)]

    def table_steps(self, x, result, kernel: str) -> list[Step]:
        """A connection table's figures: L = sum of the filters' channel counts, params = L*F*F + K,
        MACs = O*O * L*F*F, connections = MACs + O*O*K (LeNet-5's C3: 60*25 + 16 = 1,516 and 151,600)."""
        spatial = result.output.spatial
        counts = " + ".join(str(len(channels)) for channels in self.connections)
        out = axis_symbols("O", self.rank, spatial)
        steps = self.shape_steps(x.spatial, spatial) + [Step("table_links", "L = |table_1| + ... + |table_K|", counts,
                                                             self.links)]
        bias, bias_numbers = (" + K", f" + {self.filters}") if self.bias else ("", "")
        steps.append(Step("params", f"params = L*{kernel}{bias}", f"{self.links}*{joined(self.kernel)}{bias_numbers}",
                          result.trainable))
        steps.append(Step("macs", f"MACs = {out} * L*{kernel}", f"{joined(spatial)} * {self.links}*{joined(self.kernel)}",
                          result.macs))
        bias_outputs = f" + {joined(spatial)}*{self.filters}" if self.bias else ""
        steps.append(Step("flops", "FLOPs = 2*MACs" + (f" + {out}*K" if self.bias else ""),
                          joined((2, result.macs)) + bias_outputs, result.flops))
        steps.append(Step("connections", "connections = MACs" + (f" + {out}*K" if self.bias else ""),
                          joined((result.macs,)) + bias_outputs, self.connection_count([x], result)))
        _, padding = self.window_sizes(x.spatial, NO_CHECKS)
        return steps + self.field_steps(x.field, padding, result.output.field)

    def im2col_step(self, x, result) -> Step:
        """im2col's column matrix (Caffe, CS231n): per group a (D/G*F*F) x (O*O) matrix, one column
        per output position holding the input values its window reads."""
        out = result.output.spatial
        rows, columns = (x.channels // self.groups) * product(self.kernel), product(out)
        kernel, positions = axis_symbols("F", self.rank, self.kernel), axis_symbols("O", self.rank, out)
        grouped = self.groups > 1
        formula = f"columns = (D/G*{kernel}) * ({positions})" + (" * G" if grouped else "")
        numbers = (f"({x.channels}/{self.groups}*{joined(self.kernel)}) * ({joined(out)})"
                   + (f" * {self.groups}" if grouped else ""))
        groups = Msg("im2col_groups", groups=self.groups) if grouped else ""
        return Step("im2col", formula if grouped else formula.replace("D/G", "D"),
                    numbers if grouped else numbers.replace(f"/{self.groups}", ""), rows * columns * self.groups,
                    note=("im2col_note", {"rows": joined(((x.channels // self.groups) * product(self.kernel),)),
                                          "columns": joined((columns,)), "groups": groups}))

    def forward(self, arrays, params, ops):
        """im2col products per group; with a connection table, filter k's products over the input
        channels it reads only (its rows of the weight, in the table's order)."""
        import numpy as np

        x = arrays[0]
        windows = self.windows(x.shape)
        if self.links is None:
            y = grouped_products(windows, x, params["weight"], self.groups, ops)
            return add_bias(y, params["bias"]) if self.bias else y
        y = np.empty((x.shape[0], self.filters, *windows.out), dtype=np.result_type(x.dtype, params["weight"].dtype))
        row = 0
        for k, channels in enumerate(self.connections):
            weight = params["weight"][row:row + len(channels)][np.newaxis]
            y[:, k:k + 1] = grouped_products(windows, x[:, channels], weight, 1, ops)
            row += len(channels)
        return add_bias(y, params["bias"]) if self.bias else y

    torch_modules = ("torch.nn.Conv{rank}d",)

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.ConvNd: filters, kernel, stride, padding (numbers, 'same', 'valid'), dilation, groups
        and bias; convcalc pads with zeros, so padding_mode 'zeros' only."""
        module = call.module
        if module.padding_mode != "zeros":
            raise torch_refuse("padding_mode", module.padding_mode)
        fields = {"filters": module.out_channels, **torch_window(call)}
        if module.groups != 1:
            fields["groups"] = module.groups
        if module.bias is None:
            fields["bias"] = False
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """nn.ConvNd(C, K, kernel_size, stride, padding, dilation, groups, bias); padding PyTorch
        cannot take (asymmetric, or 'same' with a stride) is an explicit F.pad first."""
        if self.connections is not None:
            raise LayerError("torch_connection_table")
        x = inputs[0]
        module, pad = torch_conv(self, x, number(x.channels, "in_channels"), self.filters, self.groups, self.bias)
        return TorchCode(module, pad=pad)

    onnx_ops: ClassVar[tuple[str, ...]] = ("Conv",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Conv: W (K, C/G, *F) gives the filters and kernel, B the bias; group, strides,
        pads, dilations and auto_pad as ``node.window`` reads them (a depthwise conv is group = C)."""
        weight, window = node.bind("weight", 1), node.window(weight_index=1)
        if weight is None or window is None or len(weight) != cls.rank + 2:
            return None
        fields = {"filters": int(weight[0]), **window}
        if fields.get("stride") == 1:
            del fields["stride"]
        if node.attr("group", 1) != 1:
            fields["groups"] = node.attr("group")
        if node.has(2):
            node.bind("bias", 2)
        else:
            fields["bias"] = False
        return {cls.kind: fields}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Conv: the weight (K, C/G, *F) and bias as PyTorch holds them, G = group; ONNX's Conv
        has no connection table."""
        if self.connections is not None:
            raise LayerError("onnx_connection_table")
        builder.node("Conv", [inputs[0], params["weight"], *([params["bias"]] if self.bias else [])], outputs, name,
                     group=self.groups, **self.onnx_window(builder.tensors[0].spatial))


class DepthwiseConv(ConvBase):
    """One F x F filter per input channel (times a depth multiplier M): Keras DepthwiseConv2D,
    PyTorch ConvNd(C, C*M, groups=C)."""

    summary = {"en": "depthwise convolution: each channel filtered on its own",
               "es": "convolución en profundidad (depthwise): cada canal se filtra por separado"}
    formulas = {
        "en": {
            "shape": "O as conv; channels C*M",
            "params": "C*M*F^r + C*M (bias)",
            "macs": "C*M * O^r * F^r",
            "receptive_field": "as conv",
        },
        "es": {"shape": "O como en conv; canales C*M", "params": "C*M*F^r + C*M (sesgo)", "macs": "C*M * O^r * F^r",
               "receptive_field": "como en conv"},
    }
    flop_rule = CONV_FLOPS

    multiplier: PositiveInt = Field(default=1, validation_alias=AliasChoices("multiplier", "depth_multiplier"),
                                    description="M: filters per input channel",
                                    json_schema_extra={"es": "M: filtros por canal de entrada"})

    def infer(self, inputs, check):
        (x,) = inputs
        self._check_in_channels(x, check)
        spatial, padding = self.window_sizes(x.spatial, check)
        channels = x.channels * self.multiplier
        outputs = channels * product(spatial)
        macs = outputs * product(self.kernel)
        return LayerResult(
            output=Tensor((channels, *spatial), self.window_field(x.field, padding)),
            trainable=channels * product(self.kernel) + (channels if self.bias else 0),
            non_trainable=0,
            macs=macs,
            flops=2 * macs + (outputs if self.bias else 0),
                    )

    def parameter_shapes(self, inputs):
        channels = inputs[0].channels * self.multiplier
        shapes = {"weight": ((channels, 1, *self.kernel), True)}
        return {**shapes, "bias": ((channels,), True)} if self.bias else shapes

    def derivation(self, inputs, result):
        """Depthwise: each of the D*M filters sees one channel: params = (F*F + 1)*K with K = D*M."""
        kernel = axis_symbols("F", self.rank, self.kernel)
        channels = inputs[0].channels * self.multiplier
        return weighted_steps(self, inputs, result, (kernel, joined(self.kernel)), channels, True, channels)

    def forward(self, arrays, params, ops):
        x = arrays[0]
        y = grouped_products(self.windows(x.shape), x, params["weight"], x.shape[1], ops)
        return add_bias(y, params["bias"]) if self.bias else y

    def to_torch(self, inputs, layout):
        """nn.ConvNd(C, C*M, groups=C): one filter group per input channel."""
        x = inputs[0]
        channels = number(x.channels, "in_channels")
        module, pad = torch_conv(self, x, channels, channels * self.multiplier, channels, self.bias)
        return TorchCode(module, pad=pad)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Conv with group = C: one filter group per input channel."""
        builder.node("Conv", [inputs[0], params["weight"], *([params["bias"]] if self.bias else [])], outputs, name,
                     group=int(builder.tensors[0].channels), **self.onnx_window(builder.tensors[0].spatial))


class SeparableConv(ConvBase):
    """Depthwise F x F (multiplier M, no bias) then pointwise 1x1 to K filters with bias
    (Keras SeparableConv2D)."""

    summary = {"en": "separable convolution: depthwise, then a 1x1 pointwise convolution",
               "es": "convolución separable: en profundidad y luego una convolución 1x1"}
    formulas = {
        "en": {
            "shape": "O as conv; channels K",
            "params": "C*M*F^r + C*M*K + K (bias)",
            "macs": "C*M*O^r*F^r + K*O^r*C*M",
            "receptive_field": "as conv",
        },
        "es": {"shape": "O como en conv; canales K", "params": "C*M*F^r + C*M*K + K (sesgo)",
               "macs": "C*M*O^r*F^r + K*O^r*C*M", "receptive_field": "como en conv"},
    }
    flop_rule = CONV_FLOPS

    filters: PositiveInt = Field(description="K: output channels of the pointwise step",
                                 json_schema_extra={"es": "K: canales de salida del paso puntual (1x1)"})
    multiplier: PositiveInt = Field(default=1, validation_alias=AliasChoices("multiplier", "depth_multiplier"),
                                    description="M: depthwise filters per input channel",
                                    json_schema_extra={"es": "M: filtros en profundidad por canal de entrada"})

    def infer(self, inputs, check):
        (x,) = inputs
        self._check_in_channels(x, check)
        spatial, padding = self.window_sizes(x.spatial, check)
        middle = x.channels * self.multiplier
        positions = product(spatial)
        macs = middle * positions * product(self.kernel) + self.filters * positions * middle
        outputs = self.filters * positions
        return LayerResult(
            output=Tensor((self.filters, *spatial), self.window_field(x.field, padding)),
            trainable=middle * product(self.kernel) + middle * self.filters + (self.filters if self.bias else 0),
            non_trainable=0,
            macs=macs,
            flops=2 * macs + (outputs if self.bias else 0),
                    )

    def parameter_shapes(self, inputs):
        middle = inputs[0].channels * self.multiplier
        shapes = {"depthwise.weight": ((middle, 1, *self.kernel), True),
                  "pointwise.weight": ((self.filters, middle, *([1] * self.rank)), True)}
        return {**shapes, "pointwise.bias": ((self.filters,), True)} if self.bias else shapes

    def forward(self, arrays, params, ops):
        """Depthwise then pointwise, a block of output positions at a time, so that the depthwise
        result (C*M channels) is never held whole beside the output."""
        import numpy as np

        x = arrays[0]
        windows = self.windows(x.shape)
        depthwise, pointwise = params["depthwise.weight"], params["pointwise.weight"].reshape(self.filters, -1)
        batch, out = x.shape[0], windows.out
        y = np.empty((batch, self.filters, *out), dtype=np.result_type(x.dtype, pointwise.dtype))
        per_position = max(depthwise.shape[0], self.filters) * batch  # depthwise values of one position
        most = max(y.size // 2, ops.scratch_bytes // x.itemsize) // per_position
        for block in position_blocks(tuple(out), max(1, most)):
            middle = grouped_products(windows, x, depthwise, x.shape[1], ops, block)
            sizes = middle.shape[2:]
            flat = middle.swapaxes(0, 1).reshape(middle.shape[1], -1)  # (C*M, N*block)
            del middle
            product_ = ops.matmul(pointwise, flat).reshape(self.filters, batch, *sizes)
            y[(slice(None), slice(None), *(slice(axis.start, axis.stop) for axis in block))] = product_.swapaxes(0, 1)
        return add_bias(y, params["pointwise.bias"]) if self.bias else y

    def to_torch(self, inputs, layout):
        """The depthwise and pointwise convolutions under the names convcalc gives their weights
        (``depthwise``, ``pointwise``), held in an nn.ModuleDict."""
        x = inputs[0]
        channels = number(x.channels, "in_channels")
        middle = channels * self.multiplier
        depthwise, pad = torch_conv(self, x, channels, middle, channels, False)
        pointwise = constructor(f"nn.Conv{self.rank}d", middle, self.filters, kernel_size=(1,) * self.rank,
                                **({} if self.bias else {"bias": False}))
        return TorchCode(f'nn.ModuleDict({{\n    "depthwise": {depthwise},\n    "pointwise": {pointwise},\n}})',
                         call='{module}["pointwise"]({module}["depthwise"]({0}))', pad=pad)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """Two ONNX Convs: depthwise (group = C, no bias) with the window, then pointwise 1x1 with the bias."""
        x = builder.tensors[0]
        depthwise = builder.fresh(name, "depthwise")
        builder.node("Conv", [inputs[0], params["depthwise.weight"]], [depthwise], depthwise, group=int(x.channels),
                     **self.onnx_window(x.spatial))
        builder.node("Conv", [depthwise, params["pointwise.weight"],
                              *([params["pointwise.bias"]] if self.bias else [])], outputs, name,
                     kernel_shape=[1] * self.rank)


class ConvTranspose(GroupedConv):
    """Transposed convolution (PyTorch ConvTransposeNd): each input pixel scatters a filter."""

    summary = {"en": "transposed convolution: upsamples by scattering each input pixel through the filters",
               "es": "convolución transpuesta: aumenta la resolución esparciendo cada píxel por los filtros"}
    formulas = {
        "en": {
            "shape": "O = (W - 1)*S - P_lo - P_hi + d*(F-1) + output_padding + 1   ['same': O = W*S, or with "
                     "output_padding (Keras) O = (W - 1)*S + F' - 2*floor(F'/2) + output_padding, F' = d*(F-1) + 1; "
                     "output_size: O as given, within [O_min, O_min + S - 1]]",
            "params": "C_in * K/G * F^r + K (bias)",
            "macs": "C_in * K/G * F^r * W^r   (over input positions, as fvcore; not O^r)",
            "receptive_field": "j_out = j_in/S",
        },
        "es": {"shape": "O = (W - 1)*S - P_lo - P_hi + d*(F-1) + output_padding + 1   ['same': O = W*S, o con "
                        "output_padding (Keras) O = (W - 1)*S + F' - 2*floor(F'/2) + output_padding, "
                        "F' = d*(F-1) + 1; output_size: O el dado, dentro de [O_min, O_min + S - 1]]",
               "params": "C_in * K/G * F^r + K (sesgo)",
               "macs": "C_in * K/G * F^r * W^r   (sobre las posiciones de entrada, como fvcore; no O^r)",
               "receptive_field": "j_out = j_in/S"},
    }
    flop_rule = CONV_FLOPS

    output_padding: PositiveInts | Literal[0, "keras"] | None = Field(
        default=None, description="extra size on the far side, < max(S, D); none: 0, or with 'same' O = W*S "
        "(Keras's output_padding=None); 'keras': Keras's output_padding=None with any padding, max(S - F', 0) "
        "(O = (W - 1)*S + max(F', S) without padding)",
        json_schema_extra={"es": "tamaño extra en el lado final, < max(S, D); null: 0, o con 'same' O = W*S "
                                 "(`output_padding=None` de Keras); 'keras': `output_padding=None` de Keras con "
                                 "cualquier relleno, max(S - F', 0) (O = (W - 1)*S + max(F', S) sin relleno)"})
    padding: Union[int, list, Literal["valid", "same"]] = Field(
        default=0, description="P: int, per axis or [before, after] pairs; 'valid' (0); 'same' (O = W*S, Keras)",
        json_schema_extra={"es": "relleno P: entero, por eje o pares [antes, después]; 'valid' (0); 'same' (O = W*S, "
                                 "Keras)"})
    output_size: PositiveInts | None = Field(
        default=None, description="the output size wanted (PyTorch's output_size=, ONNX output_shape): "
        "the output padding is what gives it, so it must lie in [O_min, O_min + S - 1]",
        json_schema_extra={"es": "el tamaño de salida deseado (`output_size=` de PyTorch, `output_shape` de ONNX): lo "
                                 "da el relleno de salida, así que debe estar en [O_min, O_min + S - 1]"})

    @field_validator("output_size")
    @classmethod
    def _output_size(cls, value):
        return None if value is None else per_axis(value, cls.rank, "output_size", 1)

    @field_validator("output_padding")
    @classmethod
    def _output_padding(cls, value):
        return value if value in (None, "keras") else per_axis(value, cls.rank, "output_padding", 0)

    @field_validator("padding")
    @classmethod
    def _padding(cls, value):
        return padding_pairs(value, cls.rank)

    @model_validator(mode="after")
    def _output_padding_limit(self):
        if self.output_size is not None and (self.output_padding is not None or self.padding == "same"):
            raise ValueError(Msg("v_output_size_alone"))
        for extra, stride, dilation in zip(self.extras, self.strides, self.dilation):
            if extra >= max(stride, dilation):
                raise FieldProblem("output_padding", Msg("v_output_padding", bound=max(stride, dilation)))
        return self

    @classmethod
    def search_bound(cls, unknown: str, known: dict, out: int) -> int:
        """The largest value of ``unknown`` that can give O = (W - 1)*S - 2P + d*(F-1) + a + 1 (a < S):
        O grows with S (for W > 1), F, d and W and falls with P, and every term is >= 0, so
          padding: 2P <= (W - 1)*S + d*(F-1) + a;  stride: (W - 1)*S <= O + 2P;
          kernel: d*(F-1) <= O + 2P;  dilation: d*(F-1) <= O + 2P;  input: (W - 1)*S <= O + 2P;
        the stride of a 1-pixel input and the dilation of a 1-wide kernel leave O unchanged;
        'same' (O = W*S, or Keras's with output padding) obeys the same bounds with 2P <= d*(F-1)."""
        kernel, stride, dilation = (known.get(name, 1) for name in ("kernel", "stride", "dilation"))
        size, padding = known.get("input", 1), known.get("padding", 0)
        extra = max(known.get("output_padding") or 0, 0)
        total = 2 * padding if isinstance(padding, int) else (dilation * (kernel - 1) if unknown not in (
            "kernel", "dilation") else out)
        if unknown == "padding":
            return ((size - 1) * stride + dilation * (kernel - 1) + extra) // 2
        if unknown == "stride":
            return 1 if size == 1 else (out + total) // (size - 1) + 1
        if unknown == "kernel":
            return (out + total) // dilation + 1
        if unknown == "dilation":
            return 1 if kernel == 1 else (out + total) // (kernel - 1) + 1
        if unknown == "input":
            return (out + total) // stride + 1
        raise ValueError(unknown)

    @property
    def extras(self) -> tuple[int, ...]:
        """output_padding per axis: 0 when not given; 'keras' as Keras's deconv_output_length takes
        output_padding=None, max(S - F', 0) with F' = d*(F-1) + 1 (with 'same', O = W*S as None)."""
        if self.output_padding == "keras":
            return tuple(max(stride - span, 0) for stride, span in zip(self.strides, self.spans))
        return self.output_padding or (0,) * self.rank

    @property
    def keras_same(self) -> bool:
        """'same' with Keras's default output padding: O = W*S."""
        return self.padding == "same" and self.output_padding in (None, "keras")

    def output_sizes(self, sizes, check):
        """O = (W - 1)*S - P_lo - P_hi + d*(F-1) + output_padding + 1 (PyTorch); for 'same' Keras's
        deconv_output_length: W*S without output_padding, else (W - 1)*S + F' - 2*(F'//2) +
        output_padding with F' the dilated window, cropped F'//2 - output_padding//2 before (its
        torch padding). Returns (sizes, leading padding) per axis."""
        spatial, leading = [], []
        for axis, (size, span, stride, extra) in enumerate(zip(sizes, self.spans, self.strides, self.extras)):
            if self.padding == "same" and not self.keras_same:
                out, lo = (size - 1) * stride + span - 2 * (span // 2) + extra, max(span // 2 - extra // 2, 0)
            elif self.padding == "same":
                out, lo = size * stride, max(span - stride, 0) // 2
            elif self.output_size is not None:  # PyTorch's _output_padding: O_min <= O <= O_min + S - 1
                lo, hi = (0, 0) if self.padding == "valid" else self.padding[axis]
                out, smallest = self.output_size[axis], (size - 1) * stride - lo - hi + span
                params = dict(axis=AXIS_NAMES[self.rank][axis], size=out, smallest=smallest,
                              largest=smallest + stride - 1)
                check.at_least(out, smallest, "output_size_range", **params)
                check.at_least(smallest + stride - 1, out, "output_size_range", **params)
            else:
                lo, hi = (0, 0) if self.padding == "valid" else self.padding[axis]
                out = (size - 1) * stride - lo - hi + span + extra
                check.at_least(out, 1, "output_below_one", axis=AXIS_NAMES[self.rank][axis], size=out)
            spatial.append(out)
            leading.append(lo)
        return spatial, leading

    def infer(self, inputs, check):
        (x,) = inputs
        self._check_in_channels(x, check)
        check.multiple_of(x.channels, self.groups, "groups_mismatch", channels=x.channels,
                          groups=self.groups)
        spatial, leading = self.output_sizes(x.spatial, check)
        weights = x.channels * (self.filters // self.groups) * product(self.kernel)
        macs = weights * product(x.spatial)
        outputs = self.filters * product(spatial)
        field = x.field
        if field.dims is not None:
            field = ReceptiveField(tuple(
                RFDim(rf.left + -((span - 1 - lo) // stride) * rf.jump, rf.right + (lo // stride) * rf.jump,
                      Fraction(rf.jump) / stride)
                for rf, span, stride, lo in zip(field.dims, self.spans, self.strides, leading)))
        return LayerResult(
            output=Tensor((self.filters, *spatial), field),
            trainable=weights + (self.filters if self.bias else 0),
            non_trainable=0,
            macs=macs,
            flops=2 * macs + (outputs if self.bias else 0),
                    )


    def mistakes(self, inputs, result):
        """MACs counted over the output positions, as for a direct convolution (O*O*K*C/G*F*F
        instead of W*W*C*K/G*F*F), and the FLOPs that follow from them."""
        found = super().mistakes(inputs, result)
        x = inputs[0]
        over_outputs = product(result.output.spatial) * self.filters * (x.channels // self.groups) * product(self.kernel)
        found["macs"] = [("tconv_macs_over_outputs", over_outputs)]
        found["flops"] = [("tconv_macs_over_outputs", 2 * over_outputs + result.flops - 2 * result.macs)]
        return found

    def crops(self, sizes, out) -> list[tuple]:
        """Per axis (P_lo, P_hi, a) with O = (W - 1)*S - P_lo - P_hi + d*(F-1) + a + 1: the spec's
        padding and the output padding that gives O (given, or set by output_size or 'same')."""
        _, leading = self.output_sizes(sizes, NO_CHECKS)
        found = []
        for axis, (size, o, lo, span, stride) in enumerate(zip(sizes, out, leading, self.spans, self.strides)):
            full = (size - 1) * stride + span - lo  # O with P_hi = a = 0
            if self.padding == "same":
                hi = max(full - o, 0)
            else:
                hi = 0 if self.padding == "valid" else self.padding[axis][1]
            found.append((lo, hi, o - full + hi))
        return found

    def derivation(self, inputs, result):
        """PyTorch's O = (W - 1)*S - P_lo - P_hi + d*(F-1) + a + 1, then the same size as the
        equivalent direct convolution (Dumoulin & Visin 2016, relationship 14): stride 1 over the
        input stretched to W' = (W - 1)*S + 1 (S - 1 zeros inserted between neighbours), padded
        P'_lo = d*(F-1) - P_lo before and P'_hi = d*(F-1) - P_hi + a after; params, MACs over the
        input positions (what the direct convolution would do over its zeros in a note), FLOPs."""
        x = inputs[0]
        out = result.output.spatial
        concrete = all(isinstance(size, int) for size in (*x.spatial, *out))
        steps = []
        if concrete:
            cases = list(zip(AXIS_NAMES[self.rank], x.spatial, self.kernel, self.strides, self.dilation,
                             self.crops(x.spatial, out), out))
            if all(case[1:] == cases[0][1:] for case in cases):
                cases = [(None, *cases[0][1:])]
            for axis, size, kernel, stride, dilation, (lo, hi, extra), o in cases:
                w = "W" if axis is None else axis
                stretched, reach = (size - 1) * stride + 1, f"{dilation}*({kernel}-1)"
                before, after = dilation * (kernel - 1) - lo, dilation * (kernel - 1) - hi + extra
                steps += [
                    Step("shape", f"O = ({w} - 1)*S - P_lo - P_hi + d*(F-1) + a + 1",
                         f"({size} - 1)*{stride} - {lo} - {hi} + {reach} + {extra} + 1", o, axis),
                    Step("stretched_input", f"{w}' = ({w} - 1)*S + 1", f"({size} - 1)*{stride} + 1", stretched, axis,
                         ("stretched_note", {"zeros": stride - 1, "size": size, "stretched": stretched})),
                    Step("equivalent_padding_before", "P'_lo = d*(F-1) - P_lo", f"{reach} - {lo}", before, axis),
                    Step("equivalent_padding_after", "P'_hi = d*(F-1) - P_hi + a", f"{reach} - {hi} + {extra}",
                         after, axis),
                    Step("shape_direct", f"O = {w}' + P'_lo + P'_hi - d*(F-1)",
                         f"{stretched} + {before} + {after} - {reach}", o, axis,
                         ("direct_note", {"kernel": kernel, "stride": 1})),
                ]
        else:
            steps.append(Step("shape", self.formulas["en"]["shape"], None, result.output.dims))
        kernel = axis_symbols("F", self.rank, self.kernel)
        per_group = f"(K/G)*{kernel}" if self.groups > 1 else f"K*{kernel}"
        numbers = (f"({self.filters}/{self.groups})*{joined(self.kernel)}" if self.groups > 1
                   else f"{self.filters}*{joined(self.kernel)}")
        weights = result.trainable - (self.filters if self.bias else 0)
        if self.bias:
            steps.append(Step("params", f"params = C_in*{per_group} + K", f"{x.channels}*{numbers} + {self.filters}",
                              result.trainable))
            steps.append(Step("params_without_bias", f"C_in*{per_group}", f"{x.channels}*{numbers}", weights))
        else:
            steps.append(Step("params", f"params = C_in*{per_group}", f"{x.channels}*{numbers}", result.trainable))
        positions = axis_symbols("W", self.rank, x.spatial).replace("W_", "")
        direct = product(out) * self.filters * (x.channels // self.groups) * product(self.kernel)
        direct_numbers = f"{joined(out)}*{self.filters}*{x.channels // self.groups}*{joined(self.kernel)}"
        steps.append(Step("macs", f"MACs = {positions}*C_in*{per_group}", f"{joined(x.spatial)}*{x.channels}*{numbers}",
                          result.macs, note=("tconv_macs_note", {"direct": direct_numbers, "value": direct})))
        out_symbols = axis_symbols("O", self.rank, out)
        bias_numbers = f" + {joined(out)}*{self.filters}" if self.bias else ""
        steps.append(Step("flops", "FLOPs = 2*MACs" + (f" + {out_symbols}*K" if self.bias else ""),
                          joined((2, result.macs)) + bias_numbers, result.flops))
        if x.field.dims is not None and result.output.field.dims is not None:
            cases = list(zip(AXIS_NAMES[self.rank], x.field.dims, self.strides, result.output.field.dims))
            if all(case[1:] == cases[0][1:] for case in cases):
                cases = [(None, *cases[0][1:])]
            steps += [Step("jump", "j = j_in/S", f"{rf.jump}/{stride}", field.jump, axis)
                      for axis, rf, stride, field in cases]
        return steps

    def parameter_shapes(self, inputs):
        shapes = {"weight": ((inputs[0].channels, self.filters // self.groups, *self.kernel), True)}
        return {**shapes, "bias": ((self.filters,), True)} if self.bias else shapes

    def forward(self, arrays, params, ops):
        """Each input pixel scatters its filter: batched products W^T x per group (MACs over input
        positions, as counted), for a block of input positions and a run of filters and taps at a
        time, each column added where it lands inside the output (o = i*S + t*d - P_lo): neither
        the whole column matrix nor an output uncropped by the padding is ever made."""
        import numpy as np

        x, weight = arrays[0], params["weight"]
        batch, channels, *sizes = x.shape
        groups = self.groups
        per_group, out_per_group = channels // groups, self.filters // groups
        taps = _count(self.kernel)
        out, leading = self.output_sizes(sizes, NO_CHECKS)
        y = np.zeros((batch, self.filters, *out), dtype=np.result_type(x.dtype, weight.dtype))
        by_group = y.reshape(batch, groups, out_per_group, *out)
        transposed = weight.reshape(groups, per_group, out_per_group, taps).transpose(0, 2, 3, 1)  # (G, K/G, T, C/G)
        grouped = x.reshape(batch, groups, per_group, *sizes)
        # a conv's windows turned around: input position i of tap t lands on output i*S + t*d - P_lo
        windows = Windows(tuple(sizes), tuple(out), self.kernel, self.strides, self.dilation, tuple(leading))
        budget = max(y.size // 2, ops.scratch_bytes // x.itemsize)
        block, pieces = product_pieces(_count(sizes), channels * batch, out_per_group, taps, groups * batch, budget)
        for local in position_blocks(tuple(sizes), block):
            inputs = np.moveaxis(grouped[(slice(None), slice(None), slice(None),
                                          *(slice(axis.start, axis.stop) for axis in local))], 0, 2)
            inputs = inputs.reshape(groups, per_group, -1)
            for k0, k1, t0, t1 in pieces:
                columns = ops.matmul(transposed[:, k0:k1, t0:t1].reshape(groups, -1, per_group), inputs)
                columns = columns.reshape(groups, k1 - k0, t1 - t0, batch, *(len(axis) for axis in local))
                for tap in windows.reading_between(t0, t1):  # input positions -> output positions
                    reads = windows.reads(tap, local)
                    if reads is None:
                        continue
                    sources, targets = reads
                    target = by_group[(slice(None), slice(None), slice(k0, k1), *targets)]
                    target += np.moveaxis(
                        columns[:, :, windows.index(tap) - t0][(slice(None), slice(None), slice(None), *sources)], 2, 0)
                del columns
            del inputs
        return add_bias(y, params["bias"]) if self.bias else y

    torch_modules = ("torch.nn.ConvTranspose{rank}d",)

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.ConvTransposeNd: as a conv, plus output_padding, or the output_size given to forward."""
        module = call.module
        if module.padding_mode != "zeros":
            raise torch_refuse("padding_mode", module.padding_mode)
        fields = {"filters": module.out_channels, **torch_window(call)}
        if call.argument(1, "output_size") is not None:
            fields["output_size"] = torch_sizes(shapes.output[1:])
        elif torch_sizes(module.output_padding) != 0:
            fields["output_padding"] = torch_sizes(module.output_padding)
        if module.groups != 1:
            fields["groups"] = module.groups
        if module.bias is None:
            fields["bias"] = False
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """nn.ConvTransposeNd(C, K, kernel_size, stride, padding, output_padding, groups, bias,
        dilation). PyTorch's output is O = (W - 1)*S - 2P + d*(F-1) + output_padding + 1: an axis
        whose size and leading crop no symmetric P gives ([before, after] padding, 'same') is
        computed with P = 0 and cropped after."""
        x = inputs[0]
        out, leading = self.output_sizes(x.spatial, NO_CHECKS)
        paddings, extras, crops = [], [], []
        for size, o, lo, span, stride, dilation in zip(x.spatial, out, leading, self.spans, self.strides,
                                                       self.dilation):
            full = (size - 1) * stride + span  # PyTorch's output with P = 0 and no output padding
            extra = number(o - full + 2 * lo, "output_padding")
            if 0 <= extra < max(stride, dilation):
                paddings.append(int(lo))
                extras.append(extra)
                crops.append(":")
                continue
            extra = max(0, number(o + lo - full, "output_padding"))  # at most the output padding convcalc took
            end = number(full + extra - lo - o, "output_padding")
            paddings.append(0)
            extras.append(extra)
            crops.append(f"{int(lo)}:{-end}" if end else f"{int(lo)}:")
        keywords = {"kernel_size": self.kernel}
        if any(stride != 1 for stride in self.strides):
            keywords["stride"] = self.strides
        if any(paddings):
            keywords["padding"] = tuple(paddings)
        if any(extras):
            keywords["output_padding"] = tuple(extras)
        if self.groups != 1:
            keywords["groups"] = self.groups
        if not self.bias:
            keywords["bias"] = False
        if any(d != 1 for d in self.dilation):
            keywords["dilation"] = self.dilation
        module = constructor(f"nn.ConvTranspose{self.rank}d", number(x.channels, "in_channels"), self.filters,
                             **keywords)
        cropped = any(crop != ":" for crop in crops)
        return TorchCode(module, call="{module}({0})" + (spatial_index(self.rank, crops) if cropped else ""))

    onnx_ops: ClassVar[tuple[str, ...]] = ("ConvTranspose",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX ConvTranspose: W (C, K/G, *F); output_padding as is; output_shape and auto_pad
        SAME_* as the explicit pads ONNX derives from them (total = S*(W-1) + output_padding +
        d*(F-1) + 1 - O, its larger half after for SAME_UPPER, before otherwise), when the sizes
        are numbers."""
        weight = node.bind("weight", 1)
        if weight is None or len(weight) != cls.rank + 2:
            return None
        rank, group = cls.rank, node.attr("group", 1)
        kernel = node.attr("kernel_shape") or list(weight[2:])
        strides = node.attr("strides", [1] * rank)
        dilations = node.attr("dilations", [1] * rank)
        extras = node.attr("output_padding", [0] * rank)
        auto_pad, wanted = node.attr("auto_pad", "NOTSET"), node.attr("output_shape")
        pads = node.attr("pads", [0] * (2 * rank))
        pairs = [[pads[axis], pads[axis + rank]] for axis in range(rank)]
        if wanted is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            sizes = node.shape(0)[2:]
            if not all(isinstance(size, int) for size in sizes):
                return None
            wanted = list(wanted)[-rank:] if wanted is not None else [size * s for size, s in zip(sizes, strides)]
            pairs = []
            for size, out, k, s, d, extra in zip(sizes, wanted, kernel, strides, dilations, extras):
                total = s * (size - 1) + extra + d * (k - 1) + 1 - out
                if total < 0:
                    return None
                pairs.append([total // 2, total - total // 2] if auto_pad == "SAME_UPPER" else
                             [total - total // 2, total // 2])
        elif auto_pad == "VALID":
            pairs = [[0, 0]] * rank
        fields = {"filters": int(weight[1]) * group, "kernel": _one_or_all(kernel)}
        if any(s != 1 for s in strides):
            fields["stride"] = _one_or_all(strides)
        if any(lo or hi for lo, hi in pairs):
            fields["padding"] = _pairs_written(pairs)
        if any(d != 1 for d in dilations):
            fields["dilation"] = _one_or_all(dilations)
        if any(extras):
            fields["output_padding"] = _one_or_all(extras)
        if group != 1:
            fields["groups"] = group
        if node.has(2):
            node.bind("bias", 2)
        else:
            fields["bias"] = False
        return {cls.kind: fields}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX ConvTranspose, O = S*(W-1) + output_padding + d*(F-1) + 1 - P_begin - P_end: the
        leading crop of ``output_sizes`` as P_begin, the rest of the difference to convcalc's O as
        P_end (or as output_padding when it is negative); both are sizes, fixed for any W."""
        x = builder.tensors[0]
        out, leading = self.output_sizes(x.spatial, NO_CHECKS)
        ends, extras = [], []
        for size, span, stride, lo, result in zip(x.spatial, self.spans, self.strides, leading, out):
            end = (size - 1) * stride + span - lo - result
            if not is_concrete(end):
                raise LayerError("onnx_transposed_size")
            ends.append(max(int(end), 0))
            extras.append(max(-int(end), 0))
        builder.node("ConvTranspose", [inputs[0], params["weight"], *([params["bias"]] if self.bias else [])],
                     outputs, name, group=self.groups, kernel_shape=list(self.kernel), strides=list(self.strides),
                     dilations=list(self.dilation), pads=[int(lo) for lo in leading] + ends, output_padding=extras)


def torch_conv(layer, x, channels: int, filters: int, groups: int, bias: bool):
    """(the nn.ConvNd constructor, F.pad widths or None) of a convolution from ``channels`` to
    ``filters``: PyTorch's padding takes the same amount on both sides of an axis, or 'same' with
    stride 1 (the extra pixel after, as convcalc's), so any other padding is applied by F.pad
    before the module."""
    pairs = window_padding(layer, x.spatial)
    native_same = layer.padding in SAME_MODES and all(stride == 1 for stride in layer.strides)
    symmetric = native_same or all(lo == hi for lo, hi in pairs)
    keywords = window_keywords(layer, pairs if symmetric and not native_same else (), (1,) * layer.rank)
    if native_same:
        keywords["padding"] = "same"
    if any(d != 1 for d in layer.dilation):
        keywords["dilation"] = layer.dilation
    if groups != 1:
        keywords["groups"] = groups
    if not bias:
        keywords["bias"] = False
    return constructor(f"nn.Conv{layer.rank}d", channels, filters, **keywords), None if symmetric else pad_widths(pairs)


def product_pieces(positions: int, per_position: int, channels: int, taps: int, unit: int, budget: int):
    """How to cut a product over a block of output (or input) positions whose column operand
    spans ``channels`` x ``taps`` rows of ``unit`` values per position, and whose result holds
    ``per_position`` values per position, so that neither operand nor result exceeds ``budget``
    values (the analysis's own figures bound what one position needs). Returns (positions per
    block, pieces (c0, c1, t0, t1)): blocks as large as the budget lets one channel and tap of
    the columns and the result be (the fewest copies tap by tap), cut into runs of taps over
    every channel, else one tap and runs of channels; one piece when everything fits."""
    block = max(1, min(positions, budget // max(unit, per_position, 1)))
    if channels * unit * block <= budget:
        step = budget // (channels * unit * block)
        return block, [(0, channels, t, min(t + step, taps)) for t in range(0, taps, step)]
    step = max(1, budget // (unit * block))
    return block, [(c, min(c + step, channels), t, t + 1) for t in range(taps) for c in range(0, channels, step)]


def grouped_products(windows: Windows, x, weight, groups: int, ops, region: tuple[range, ...] | None = None):
    """Cross-correlation as batched matrix products per group (im2col):
    (G, K/G, C/G*F^r) @ (G, C/G*F^r, N*O^r) -> (N, K, *O) (for the output positions of
    ``region``, a range per axis, when given), the columns copied tap by tap from the input values each tap reads (zeros
    where it reads padding). Columns and products are made a block of output positions at a time
    and, when one block's columns would still be too large, a run of taps or channels at a time
    (partial products summed), within ``ops.scratch_bytes`` or half the output: their memory
    never depends on the padding, the kernel or the input depth alone."""
    import numpy as np

    batch, channels = x.shape[:2]
    out, taps = windows.out, windows.taps
    region = region if region is not None else tuple(range(size) for size in out)
    shape = tuple(len(axis) for axis in region)
    filters, per_group = weight.shape[0], channels // groups
    kernels = weight.reshape(groups, filters // groups, per_group, taps)
    result = np.empty((batch, filters, *shape), dtype=np.result_type(x.dtype, weight.dtype))
    whole = windows.reads(windows.tap(0), region)
    if taps == 1 and batch == 1 and whole is not None and whole[0] == tuple(slice(0, size) for size in shape):
        columns = x[(0, slice(None), *whole[1])].reshape(groups, per_group, -1)  # a 1x1 convolution reads x as it is
        result[0] = ops.matmul(kernels.reshape(groups, filters // groups, -1), columns).reshape(filters, *shape)
        return result
    grouped = x.reshape(batch, groups, per_group, *x.shape[2:])
    budget = max(filters * batch * _count(shape) // 2, ops.scratch_bytes // x.itemsize)
    block, pieces = product_pieces(_count(shape), filters * batch, per_group, taps, groups * batch, budget)
    for local in position_blocks(shape, block):
        placed = tuple(axis[part.start:part.stop] for axis, part in zip(region, local))  # in the layer's output
        sizes = tuple(len(axis) for axis in local)
        target = result[(slice(None), slice(None), *(slice(axis.start, axis.stop) for axis in local))]
        for c0, c1, t0, t1 in pieces:
            columns = np.zeros((groups, c1 - c0, t1 - t0, batch, *sizes), dtype=x.dtype)
            for tap in windows.reading_between(t0, t1):  # a tap reading only padding leaves its columns zero
                reads = windows.reads(tap, placed)
                if reads is None:
                    continue
                targets, sources = reads
                part = grouped[(slice(None), slice(None), slice(c0, c1), *sources)]
                columns[:, :, windows.index(tap) - t0][(slice(None), slice(None), slice(None), *targets)] = np.moveaxis(part, 0, 2)
            partial = ops.matmul(kernels[:, :, c0:c1, t0:t1].reshape(groups, filters // groups, -1),
                                 columns.reshape(groups, (c1 - c0) * (t1 - t0), -1))
            del columns  # before the next piece's are allocated
            partial = partial.reshape(filters, batch, *sizes).swapaxes(0, 1)
            if (c0, t0) == (0, 0):
                target[...] = partial
            else:
                target += partial
            del partial
    return result


def add_bias(y, bias):
    """y + b, one b per channel of a batch-first, channels-first array (in place: y is the layer's own)."""
    y += bias.reshape(1, -1, *([1] * (y.ndim - 2)))
    return y


def _count(shape) -> int:
    total = 1
    for size in shape:
        total *= size
    return total


def _one_or_all(values):
    """One value when all axes agree, else the list."""
    values = list(values)
    return values[0] if len(set(values)) == 1 else values


def _pairs_written(pairs):
    """Padding as a spec writes it: one int, one per axis when symmetric, else [before, after] pairs."""
    if all(lo == hi for lo, hi in pairs):
        return _one_or_all([lo for lo, _ in pairs])
    return [list(pair) for pair in pairs]
