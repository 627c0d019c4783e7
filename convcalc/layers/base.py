"""What every layer type shares: tensors, receptive fields, the result of a shape rule, and the
window arithmetic of convolution and pooling.

A layer type is a pydantic model of its hyperparameters plus class-level text (summary,
formulas, FLOP convention) and one method, ``infer``, that maps the input tensors to a
``LayerResult``. Checks that may depend on symbolic sizes go through the ``Checks`` object the
analysis hands in, so a layer never needs to know whether its sizes are numbers or symbols.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Literal, Protocol, Union

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from convcalc.errors import FieldProblem, LayerError
from convcalc.i18n import Msg
from convcalc.text import EnglishNumber
from convcalc.symbolic import Dim, ceildiv, format_dim, is_concrete

AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


# The records an analysis makes for every layer (RFDim, ReceptiveField, Tensor, LayerResult) are
# plain slotted dataclasses: a frozen one costs three times as much to create. They are shared
# between layers and never changed after creation.
@dataclass(slots=True)
class RFDim:
    """Receptive field of output unit 0 along one axis, in input pixels: [left, right], and the
    jump (effective stride) between neighbouring units (Araujo, Norris & Sim, Distill 2019)."""

    left: int | Fraction  # ints while every jump is whole (fast); Fractions after upsampling
    right: int | Fraction
    jump: int | Fraction

    @property
    def size(self) -> int | Fraction:
        return self.right - self.left + 1

    @property
    def start(self) -> Fraction:
        """Centre of unit 0's receptive field (Distill's 'start')."""
        return Fraction(self.left + self.right) / 2


@dataclass(slots=True)
class ReceptiveField:
    """Per spatial axis, or ``dims=None`` once every input pixel is seen (flatten, dense, global pool)."""

    dims: tuple[RFDim, ...] | None

    @classmethod
    def identity(cls, rank: int) -> ReceptiveField:
        return cls(tuple(RFDim(0, 0, 1) for _ in range(rank)) if rank else None)

    @classmethod
    def whole_input(cls) -> ReceptiveField:
        return cls(None)

    def union(self, other: ReceptiveField) -> ReceptiveField:
        """Where branches merge, a unit sees everything either branch saw."""
        if self.dims is None or other.dims is None or len(self.dims) != len(other.dims):
            return ReceptiveField.whole_input()
        return ReceptiveField(tuple(
            RFDim(min(a.left, b.left), max(a.right, b.right), max(a.jump, b.jump))
            for a, b in zip(self.dims, other.dims)
        ))


@dataclass(slots=True)
class Tensor:
    """A per-sample tensor shape, channels first: (C, *spatial), or (N,) for a flat vector, with
    the receptive field of its units in the network input."""

    dims: tuple[Dim, ...]
    field: ReceptiveField

    @property
    def channels(self) -> Dim:
        return self.dims[0]

    @property
    def spatial(self) -> tuple[Dim, ...]:
        return self.dims[1:]

    @property
    def rank(self) -> int:
        return len(self.dims) - 1


@dataclass(slots=True)
class LayerResult:
    """What a shape rule gives for one layer (per sample; the analysis applies the batch).
    A layer with several outputs (split) gives them all in ``outputs``; ``output`` is the first."""

    output: Tensor
    trainable: Dim
    non_trainable: Dim
    macs: Dim
    flops: Dim
    outputs: tuple[Tensor, ...] | None = None
    sizes: dict | None = None  # the spec's named sizes the rule read (check.sizes), for the layer's derivation

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """Every output tensor: one, or several for a split."""
        return self.outputs or (self.output,)

    @property
    def shapes(self):
        """The output's dims, or a tuple of them per output for a layer with several."""
        return tuple(self.output.dims) if self.outputs is None else tuple(tuple(t.dims) for t in self.outputs)


@dataclass(frozen=True)
class Step:
    """One line of a derivation: the formula in symbols, the same with the numbers in, the result.
    ``note`` explains a subtlety (an inexact division) as a message key and its parameters."""

    figure: str  # shape | params | params_without_bias | macs | flops | receptive_field | jump
    formula: str
    substituted: str | None
    value: object
    axis: str | None = None
    note: tuple | None = None  # (message key, {params})


def joined(values, operator: str = "*") -> str:
    """'11*11' for (11, 11): the numbers of a formula, as a student writes them; a symbolic size
    that is a sum is bracketed, '(2*H - 1)*(2*W - 1)', so that the product stays true."""
    texts = [str(value) for value in values]
    return operator.join(f"({text})" if isinstance(value, int) is False and any(sign in text for sign in " +-")
                         else text for value, text in zip(values, texts))


def axis_symbols(letter: str, rank: int, values) -> str:
    """F*F for a square 2-D kernel (all values equal), F_H*F_W otherwise; likewise O*O."""
    if len(set(values)) <= 1:
        return "*".join([letter] * rank)
    return "*".join(f"{letter}_{axis}" for axis in AXIS_NAMES[rank])


class Checks(Protocol):
    """Conditions a layer imposes on its sizes. Concrete sizes are decided at once; symbolic ones
    become conditions on the input symbols (see ``convcalc.conditions``)."""

    def at_least(self, value: Dim, bound: Dim, key: str, **params) -> None: ...

    def equal(self, value: Dim, expected: Dim, key: str, **params) -> None: ...

    def exact_division(self, value: Dim, divisor: int, key: str, **params) -> None:
        """Inexact division: a warning saying how PyTorch rounds (an error in strict mode)."""

    def multiple_of(self, value: Dim, divisor: int, key: str, **params) -> None:
        """A divisibility the frameworks require (channels by groups): an error when it fails."""


class Ops(Protocol):
    """What a NumPy forward uses besides NumPy: counted products and the spec's layout."""

    layout: str  # "chw" or "hwc": the order a flatten follows
    scratch_bytes: int  # what a forward may hold in temporaries beyond its output
    edges: Any  # the graph's edge list, an int array (2, E) of (sources, targets), or None without a graph

    def matmul(self, a, b):
        """np.matmul(a, b), counting (batch) * M * K * N multiply-accumulates from the operand shapes."""

    def aggregate(self, out, targets, messages):
        """Adds ``messages`` (batch, M, ...) into the rows ``targets`` (M,) of ``out`` (batch, N, ...)
        in place: a graph's aggregation over its edges, one multiply-accumulate per message value."""


class _NoChecks:
    """For the executor: the analysis already checked the sizes, so checks pass silently."""

    sizes: dict = {}

    def at_least(self, *args, **params): ...

    def equal(self, *args, **params): ...

    def exact_division(self, *args, **params): ...

    def multiple_of(self, *args, **params): ...


NO_CHECKS = _NoChecks()


class RefusingChecks:
    """For sizes tried rather than given (calc's backward search, a student's own earlier answer):
    sizes PyTorch would refuse raise ValueError; an inexact division is only a warning."""

    def at_least(self, value, bound, key, **params):
        if value < bound:
            raise ValueError(key)

    def equal(self, value, expected, key, **params):
        if value != expected:
            raise ValueError(key)

    def exact_division(self, *args, **params): ...

    def multiple_of(self, value, divisor, key, **params):
        if value % divisor:
            raise ValueError(key)


REFUSING_CHECKS = RefusingChecks()


class Layer(BaseModel):
    """Base of every layer type: hyperparameters as fields; text and rules at class level."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, validate_default=True,
                              strict=True,  # true is not 1 and "8" is not 8 in a spec
                              defer_build=True)  # validators are built on first use: fast start-up

    kind: ClassVar[str]  # the spec's `type`, e.g. "conv2d"
    rank: ClassVar[int | None] = None  # spatial rank for ranked families
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    summary: ClassVar[dict[str, str]]  # one line per language
    formulas: ClassVar[dict[str, dict[str, str]]]  # per language: figure -> formula
    flop_rule: ClassVar[dict[str, str]]  # what counts as a FLOP for this type, per language
    in_place: ClassVar[bool] = False  # its output may overwrite its input (PyTorch's inplace=True, as ReLU)

    # Each registered type defines:
    #   infer(self, inputs: list[Tensor], check: Checks) -> LayerResult     (the static rule)
    #   forward(self, arrays: list[np.ndarray], params: dict, ops: Ops) -> np.ndarray
    #       (a tuple of arrays for a layer whose output_count is above 1)
    #       (the NumPy reference: batch-first, channels-first arrays, PyTorch's semantics; every
    #        product of a weighted sum goes through ops.matmul so the executor counts its MACs)

    @property
    def output_count(self) -> int:
        """How many outputs the layer gives; a later layer reads output i of several as ``name.i``."""
        return 1

    def parameter_shapes(self, inputs: list[Tensor]) -> dict[str, tuple[tuple[int, ...], bool]]:
        """The arrays the layer holds, named as PyTorch names them: name -> (shape, trainable)."""
        return {}

    def connection_count(self, inputs: list[Tensor], result: LayerResult) -> Dim | None:
        """LeCun et al. 1998's "connections": the links from an input value (or the bias) to an
        output value, a shared weight counted at every use; None where the paper's count means nothing."""
        return None

    def mistakes(self, inputs: list[Tensor], result: LayerResult) -> dict[str, list[tuple[str, object]]]:
        """Figures a student gets by a common slip with this layer: figure -> [(mistake, value)].
        Slips that do not depend on the layer type (bias, MACs for FLOPs, axis order) are
        recognised by ``convcalc.homework``."""
        return {}

    def derivation(self, inputs: list[Tensor], result: LayerResult) -> list[Step]:
        """Each figure as its formula and result; types students meet (conv, pooling, dense) also
        substitute their numbers into the formula."""
        formulas = self.formulas["en"]  # a step holds one text, as the steps written out in code do
        return [Step(figure, formulas[figure], None, value) for figure, value in (
            ("shape", result.output.dims), ("params", result.trainable), ("macs", result.macs))
            if figure in formulas] + [Step("flops", "", None, result.flops, note=("flop_rule_note", {}))]

    # The bridges to the frameworks (convcalc.bridges) ask each layer type, never the reverse:
    #   onnx_ops: ClassVar[tuple[str, ...]]: the ONNX op types this type (or family) imports from;
    #   from_onnx(cls, node, graph) -> spec entry {kind: fields}  (classmethod; bridges.onnx_import)
    #   to_onnx(self, name, inputs, outputs, params, builder)      (bridges.onnx_export)
    #   torch_modules: ClassVar[tuple[str, ...]]: the torch.nn classes (and functions) it imports from;
    #   from_torch(cls, call, shapes) -> spec entry      (classmethod; bridges.torch_import's TorchCall
    #       and TorchShapes; None when the call is not one of this type's, {} when it passes its input through)
    #   to_torch(self, inputs, layout) -> layers.torch_code.TorchCode: the module or call  (bridges.torch_export)
    # A type without a hook is refused by that bridge with a message naming it.

    @classmethod
    def name_stem(cls) -> str:
        """The stem of generated names: conv2d -> conv (conv1, conv2, ...)."""
        kind = cls.kind
        return kind[:-2] if cls.rank and kind.endswith(f"{cls.rank}d") else kind

    torch_modules: ClassVar[tuple[str, ...]] = ()  # what bridges.torch_import maps to this type (see above)


def ranked(family: type[Layer], rank: int, kind: str) -> type[Layer]:
    """A concrete class of a rank-generic family, e.g. ``ranked(Conv, 2, "conv2d")``."""
    return type(f"{family.__name__}{rank}D", (family,), {
        "__module__": family.__module__, "__doc__": family.__doc__, "rank": rank, "kind": kind,
    })


# ----- hyperparameter types shared by windowed layers ------------------------------------------
PositiveInts = Union[int, list[int]]
PadPair = Union[int, list[int]]
Padding = Union[int, list[PadPair], Literal["valid", "same", "same_pytorch", "full"]]
SAME_MODES = ("same", "same_pytorch")  # TensorFlow's rule, PyTorch's rule


def per_axis(value: Any, rank: int, field: str, minimum: int) -> tuple[int, ...]:
    """An int or a list of ``rank`` ints as a tuple of ``rank`` ints, each >= minimum."""
    values = [value] * rank if isinstance(value, int) else list(value)
    if len(values) != rank:
        raise ValueError(Msg("v_per_axis", rank=rank, field=field))
    for number in values:
        if number < minimum:
            raise ValueError(Msg("v_at_least", field=field, minimum=minimum))
    return tuple(values)


def padding_pairs(value: Any, rank: int) -> tuple[tuple[int, int], ...] | str:
    """Padding as (before, after) per axis, or the mode name 'valid' | 'same' | 'full'."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        raise ValueError(Msg("v_padding_pixels"))
    items = [value] * rank if isinstance(value, int) else value
    if len(items) != rank:
        raise ValueError(Msg("v_padding_per_axis", rank=rank))
    pairs = []
    for item in items:
        pair = (item, item) if isinstance(item, int) else tuple(item) if isinstance(item, list) else ()
        if len(pair) != 2 or not all(isinstance(side, int) and not isinstance(side, bool) for side in pair):
            raise ValueError(Msg("v_padding_pixels"))
        if min(pair) < 0:
            raise ValueError(Msg("v_at_least", field="padding", minimum=0))
        pairs.append(pair)
    return tuple(pairs)


class Windowed(Layer):
    """Shared hyperparameters and size rule of layers that slide a window (conv and pooling)."""

    kernel: PositiveInts = Field(description="window size F: one int or one per spatial axis",
                                 json_schema_extra={"es": "tamaño de la ventana F: un entero o uno por eje espacial"},
                                 validation_alias=AliasChoices("kernel", "kernel_size"))
    stride: PositiveInts | None = Field(default=None, description="step S between windows",
                                        json_schema_extra={"es": "paso S entre ventanas"})
    padding: Padding = Field(default=0, description="P: int, per axis, [before, after] pairs, "
                             "'valid' (0), 'same' (TensorFlow's rule: O = ceil(W/S), any stride, extra pixel "
                             "after), 'same_pytorch' (PyTorch's padding='same': O = W, stride 1 only, "
                             "P = d*(F-1), extra pixel after), 'full'",
                             json_schema_extra={"es": "relleno P: entero, por eje, pares [antes, después], 'valid' (0),"
                                                      " 'same' (la regla de TensorFlow: O = ceil(W/S), cualquier paso, "
                                                      "el píxel sobrante después), 'same_pytorch' (`padding='same'` de "
                                                      "PyTorch: O = W, solo paso 1, P = d*(F-1), el píxel sobrante "
                                                      "después), 'full'"})
    dilation: PositiveInts = Field(default=1, description="D: spacing between window taps",
                                   json_schema_extra={"es": "D: dilatación, separación entre las tomas de la ventana"})

    default_stride_is_kernel: ClassVar[bool] = False
    takes_pytorch_same: ClassVar[bool] = True  # PyTorch's layer has padding='same' (its convolutions do)

    @field_validator("kernel", "dilation")
    @classmethod
    def _positive_per_axis(cls, value, info):
        return per_axis(value, cls.rank, info.field_name, 1)

    @field_validator("stride")
    @classmethod
    def _stride(cls, value, info):
        return None if value is None else per_axis(value, cls.rank, "stride", 1)

    @field_validator("padding")
    @classmethod
    def _padding(cls, value):
        return padding_pairs(value, cls.rank)

    @model_validator(mode="after")
    def _pytorch_same_needs_stride_one(self):
        """PyTorch refuses padding='same' for strided convolutions (torch.nn.functional.conv2d) and
        its pooling has none."""
        if self.padding == "same_pytorch" and not self.takes_pytorch_same:
            raise FieldProblem("padding", Msg("v_no_pytorch_same"))
        if self.padding == "same_pytorch" and any(stride != 1 for stride in self.strides):
            raise FieldProblem("padding", Msg("v_pytorch_same_stride", strides=list(self.strides)))
        return self

    @functools.cached_property
    def strides(self) -> tuple[int, ...]:
        if self.stride is not None:
            return self.stride
        return self.kernel if self.default_stride_is_kernel else (1,) * self.rank

    @functools.cached_property
    def spans(self) -> tuple[int, ...]:
        """Dilated window extent d*(F-1) + 1 per axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))

    def window_sizes(self, spatial, check: Checks, ceil_mode: bool = False):
        """Output size and padding (before, after) per axis.

        O = floor((W + P_lo + P_hi - d*(F-1) - 1)/S) + 1 (PyTorch Conv2d/MaxPool2d docs), which
        is the lecture notes' O = (W - F + 2P)/S + 1 for dilation d = 1; ceil mode as PyTorch (the last
        window may not start in the right padding); 'same' as TensorFlow: O = ceil(W/S).
        Returns (output sizes, (before, after) padding) per axis.
        """
        sizes, pads = [], []
        for axis, (size, span, stride) in enumerate(zip(spatial, self.spans, self.strides)):
            axis_name = AXIS_NAMES[self.rank][axis]
            if self.padding in SAME_MODES:
                out, total = self.same_padding(size, span, stride)
                sizes.append(out)
                pads.append((total // 2, total - total // 2))
                continue
            lo, hi = (0, 0) if self.padding == "valid" else (
                (span - 1, span - 1) if self.padding == "full" else self.padding[axis])
            padded = size + lo + hi
            if not ceil_mode:  # in ceil mode PyTorch lets the last window hang over the end
                check.at_least(padded, span, "window_too_large", axis=axis_name, padded=padded,
                               span=span, size=size, pad=lo + hi)
            numerator = padded - span
            if ceil_mode:
                out = ceildiv(numerator, stride) + 1
                threshold = span - hi  # the last window starts in the padding iff (O-1)*S >= W + P_lo
                if threshold <= 0:
                    out = out - 1
                elif threshold < stride:
                    slack = stride * ceildiv(numerator, stride) - numerator
                    out = out - (slack + stride - threshold) // stride
                check.at_least(out, 1, "output_below_one", axis=axis_name, size=out)
            else:
                out = numerator // stride + 1
            if stride > 1:  # rounding to ceil(W/S), what a strided layer is meant to give, is only a note
                ordinary = is_concrete(size) and is_concrete(out) and out == ceildiv(size, stride)
                check.exact_division(numerator, stride, "strided_rounding" if ordinary else "inexact_division",
                                     axis=axis_name, numerator=numerator, stride=stride, result=out, size=size,
                                     rounding=Msg("rounding_ceil" if ceil_mode else "rounding_floor"))
            sizes.append(out)
            pads.append((lo, hi))
        return tuple(sizes), tuple(pads)

    @classmethod
    def search_bound(cls, unknown: str, known: dict, out: int) -> int:
        """The largest value of ``unknown`` (padding, stride, kernel, dilation, or input: the size
        W) that can give the output size O along an axis, the others ``known`` (P the padding per
        side, or a mode). From O = floor((W + 2P - s)/S) + 1, s = d*(F-1) + 1 the span, whence
        O > (W + 2P - s)/S; in ceil mode O >= ceil((W + 2P - s)/S) >= (W + 2P - s)/S (PyTorch drops
        at most one window), and there a window may hang over the end, but by less than S:
          padding: 2P <= O*S + s - W;  input: W <= O*S + s - 2P;
          kernel, dilation: s < W + 2P + S;
          stride: any S > W + 2P gives O = 1 (floor((W + 2P - s)/S) = 0; in ceil mode the second
          window would start in the right padding), so the output no longer changes past the bound;
          dilation of a 1-wide kernel, kernel with 'same': the output does not depend on them;
          pooling's stride defaulting to the kernel: S = F in these bounds, and for the kernel itself
          any F > W + 2P leaves a single window (O = 1 in ceil mode, refused else).
        'same' pads at most the span and the window never hangs over: the same bounds hold with 2P = s."""
        kernel, dilation = known.get("kernel", 1), known.get("dilation", 1)
        stride = known.get("stride") or (kernel if cls.default_stride_is_kernel else 1)  # pooling: S = F
        size, padding = known.get("input", 1), known.get("padding", 0)
        span = dilation * (kernel - 1) + 1 if unknown not in ("kernel", "dilation") else 1
        total = 2 * padding if isinstance(padding, int) else span if unknown not in ("kernel", "dilation") else 0
        if unknown == "padding":
            return max((out * stride + span - size) // 2, 0)
        if unknown == "input":
            return max(out * stride + span - total, 1)
        if unknown == "stride":
            return size + total + 1
        if unknown == "kernel" and cls.default_stride_is_kernel and "stride" not in known:
            return size + total + 1  # S = F: a window past W + 2P gives O = 1 in ceil mode, none else
        if unknown == "kernel":
            return 1 if padding in SAME_MODES else (size + total + stride - 2) // dilation + 1
        if unknown == "dilation":
            return 1 if kernel == 1 or padding in SAME_MODES else max((size + total + stride - 2) // (kernel - 1), 1)
        raise ValueError(unknown)

    def same_padding(self, size, span: int, stride: int):
        """(O, total padding P) of 'same' along one axis; P_lo = floor(P/2), P_hi = P - P_lo (the odd
        pixel after, in both frameworks). TensorFlow (tf.nn.convolution's SAME): O = ceil(W/S),
        P = max((O - 1)*S + d*(F-1) + 1 - W, 0), which is d*(F-1) + 1 - S when S divides W (taken for a
        symbolic W). PyTorch (padding='same', stride 1 only): O = W, P = d*(F-1)."""
        if self.padding == "same_pytorch":
            return size, span - 1
        out = ceildiv(size, stride)
        return out, max((out - 1) * stride + span - size if is_concrete(size) else span - stride, 0)

    def same_steps(self, axis, size, kernel, stride, dilation, result) -> list[Step]:
        """The output size and the padding 'same' resolves to, before and after, with the numbers in."""
        _, total = self.same_padding(size, dilation * (kernel - 1) + 1, stride)
        w = "W" if axis is None else axis
        if self.padding == "same_pytorch":
            steps = [Step("shape", f"O = {w}", None, result, axis),
                     Step("padding", "P = d*(F-1)", f"{dilation}*({kernel}-1)", total, axis)]
        else:
            steps = [Step("shape", f"O = ceil({w}/S)", f"ceil({format_dim(size)}/{stride})", result, axis),
                     Step("padding", f"P = max((O - 1)*S + d*(F-1) + 1 - {w}, 0)",
                          f"max(({result} - 1)*{stride} + {dilation}*({kernel}-1) + 1 - {size}, 0)"
                          if is_concrete(size) else None, total, axis)]
        return steps + [Step("padding_before", "P_lo = floor(P/2)", f"floor({total}/2)", total // 2, axis),
                        Step("padding_after", "P_hi = P - P_lo", f"{total} - {total // 2}", total - total // 2, axis)]

    def windows(self, shape, ceil_mode: bool = False) -> Windows:
        """The NumPy side of ``window_sizes`` for a batch of ``shape`` (N, C, *W): which input
        values each tap of the window reads, without a padded copy of the input."""
        out, padding = self.window_sizes(shape[2:], NO_CHECKS, ceil_mode=ceil_mode)
        return Windows(tuple(out), tuple(shape[2:]), self.kernel, self.strides, self.dilation,
                       tuple(lo for lo, _ in padding))

    def mistakes(self, inputs, result):
        """Output sizes with the padding counted once (P instead of 2P) and with the other rounding
        (ceil instead of floor, or floor in ceil mode)."""
        spatial, channels = inputs[0].spatial, result.output.channels
        ceil_mode = getattr(self, "ceil_mode", False)
        found = []
        if isinstance(self.padding, tuple) and any(lo for lo, _ in self.padding):
            once = self.model_copy(update={"padding": tuple((lo, 0) for lo, _ in self.padding)})
            found.append(("padding_once", once.window_sizes(spatial, NO_CHECKS, ceil_mode)[0]))
        rounded = self.window_sizes(spatial, NO_CHECKS, not ceil_mode)[0]
        found.append(("floor_for_ceil" if ceil_mode else "ceil_for_floor", rounded))
        return {"shape": [(key, (channels, *sizes)) for key, sizes in found if sizes != result.output.spatial]}

    def shape_steps(self, spatial, out, ceil_mode: bool = False) -> list[Step]:
        """O = (W - F + 2P)/S + 1 with the numbers in, per axis (once when all axes agree); an
        inexact division says how PyTorch rounds it."""
        _, padding = self.window_sizes(spatial, NO_CHECKS, ceil_mode=ceil_mode)
        cases = list(zip(AXIS_NAMES[self.rank], spatial, self.kernel, self.strides, self.dilation, padding, out))
        if all(case[1:] == cases[0][1:] for case in cases):
            cases = [(None, *cases[0][1:])]
        steps = []
        for axis, size, kernel, stride, dilation, (lo, hi), result in cases:
            w = "W" if axis is None else axis
            if self.padding in SAME_MODES:
                steps += self.same_steps(axis, size, kernel, stride, dilation, result)
                continue
            pad = f"2*{lo}" if lo == hi else f"{lo} + {hi}"
            if dilation == 1 and lo == hi:
                formula, numerator = f"({w} - F + 2P)/S", f"{format_dim(size)} - {kernel} + {pad}"
            else:
                formula = f"({w} + P_lo + P_hi - d*(F-1) - 1)/S"
                numerator = f"{format_dim(size)} + {lo} + {hi} - {dilation}*({kernel}-1) - 1"
            exact = size + lo + hi - (dilation * (kernel - 1) + 1)
            inexact = is_concrete(exact) and exact % stride != 0
            rounding = "ceil" if ceil_mode else "floor" if inexact else ""
            division = f"({numerator})/{stride}"
            formula = f"O = {rounding}({formula}) + 1" if rounding else f"O = {formula} + 1"
            substituted = f"{rounding}({division}) + 1" if rounding else f"{division} + 1"
            dropped = ceildiv(exact, stride) + 1 - result if ceil_mode and is_concrete(exact) else 0
            if dropped:  # PyTorch: a last window that would start in the right padding is not counted
                formula, substituted = f"{formula} - {dropped}", f"{substituted} - {dropped}"
            note = None
            if inexact:
                substituted += f" = {rounding}({exact}/{stride}) + 1" + (f" - {dropped}" if dropped else "")
                note = ("inexact_note", {"value": EnglishNumber(f"{exact / stride + 1:g}"), "result": result,
                                         "rounding": Msg(f"rounding_{rounding}")})
            if dropped:
                count = result + dropped
                note = ("ceil_dropped_note", {"count": count, "stride": stride, "low": lo, "result": result,
                                              "start": (count - 1) * stride - lo, "last": size - 1})
            steps.append(Step("shape", formula, substituted, result, axis, note))
        return steps

    def field_steps(self, field: ReceptiveField, padding, out_field: ReceptiveField) -> list[Step]:
        """r = r_in + d*(F-1)*j_in and j = j_in*S with the numbers in (Araujo et al. 2019)."""
        if field.dims is None or out_field.dims is None:
            return []
        steps = []
        cases = list(zip(AXIS_NAMES[self.rank], field.dims, self.kernel, self.dilation, self.strides, out_field.dims))
        if all(case[1:] == cases[0][1:] for case in cases):
            cases = [(None, *cases[0][1:])]
        for axis, rf, kernel, dilation, stride, result in cases:
            steps.append(Step("receptive_field", "r = r_in + d*(F-1)*j_in",
                              f"{rf.size} + {dilation}*({kernel}-1)*{rf.jump}", result.size, axis))
            steps.append(Step("jump", "j = j_in*S", f"{rf.jump}*{stride}", result.jump, axis))
        return steps

    def window_field(self, field: ReceptiveField, padding) -> ReceptiveField:
        """r_out = r_in + (d*(F-1))*j_in, j_out = j_in*S; the left edge moves by P_lo*j_in."""
        if field.dims is None:
            return field
        return ReceptiveField(tuple(
            RFDim(rf.left - lo * rf.jump, rf.right + (span - 1 - lo) * rf.jump, rf.jump * stride)
            for rf, span, stride, (lo, _) in zip(field.dims, self.spans, self.strides, padding)
        ))

    def onnx_window(self, spatial, ceil_mode: bool = False) -> dict:
        """ONNX's kernel_shape, strides, dilations and pads (all begins, then all ends) of this
        window on ``spatial``; 'same' on a symbolic size as auto_pad SAME_UPPER, TensorFlow's rule
        (ONNX Conv/MaxPool docs), which ``window_sizes`` follows."""
        attributes = {"kernel_shape": list(self.kernel), "strides": list(self.strides),
                      "dilations": list(self.dilation)}
        if self.padding == "same" and not all(is_concrete(size) for size in spatial):
            return {**attributes, "auto_pad": "SAME_UPPER"}
        _, pads = self.window_sizes(spatial, NO_CHECKS, ceil_mode=ceil_mode)
        return {**attributes, "pads": [int(lo) for lo, _ in pads] + [int(hi) for _, hi in pads]}


def shrinking_first(sizes, outs) -> list[int]:
    """The array axes (2, 3, ...) of an axis-by-axis resize, those that shrink most first, so
    that no intermediate is larger than both the input and the output."""
    return [axis + 2 for axis in sorted(range(len(sizes)), key=lambda axis: outs[axis] / sizes[axis])]


def position_blocks(shape: tuple[int, ...], most: int):
    """Blocks of the positions of ``shape`` (a range per axis), each of at most ``most`` positions
    (at least one), row-major: whole rows while they fit, else parts of a row, and so on.

    >>> [tuple((r.start, r.stop) for r in block) for block in position_blocks((2, 3), 2)]
    [((0, 1), (0, 2)), ((0, 1), (2, 3)), ((1, 2), (0, 2)), ((1, 2), (2, 3))]
    """
    def blocks(axis: int, prefix: tuple):
        rest = product(shape[axis + 1:])
        if axis == len(shape) - 1 or rest <= most:
            height = max(1, min(shape[axis], most // max(rest, 1)))
            for start in range(0, shape[axis], height):
                yield (*prefix, range(start, min(start + height, shape[axis])), *(range(size) for size in shape[axis + 1:]))
        else:
            for start in range(shape[axis]):
                yield from blocks(axis + 1, (*prefix, range(start, start + 1)))

    yield from blocks(0, ()) if shape else iter([()])


def mapped_span(positions: range, stride: int, offset: int, limit: int) -> tuple[slice, slice] | None:
    """The positions p of ``positions`` whose q = p*stride + offset lies in [0, limit), as
    (a slice of ``positions`` counted from its start, the slice of the q's), or None when none does.

    >>> mapped_span(range(3), 15000, -15000, 1)   # outputs 0..2 of a 1-pixel input padded by 15000
    (slice(1, 2, None), slice(0, 1, 15000))
    """
    first = max(positions.start, -(offset // stride))  # ceil(-offset / stride)
    last = min(positions.stop - 1, (limit - 1 - offset) // stride)
    if last < first:
        return None
    return (slice(first - positions.start, last - positions.start + 1),
            slice(first * stride + offset, last * stride + offset + 1, stride))


@dataclass
class Windows:
    """The windows of a conv or pooling layer over an input of spatial sizes ``sizes``: output
    position o of tap t reads input o*S + t*d - P_lo along each axis, or the padding when that
    falls outside the input. Nothing padded is ever materialised: a forward copies or combines
    only the values a tap reads, so its memory never depends on the padding."""

    out: tuple[int, ...]
    sizes: tuple[int, ...]
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    lows: tuple[int, ...]  # P_lo per axis

    @property
    def taps(self) -> int:
        return product(self.kernel)

    def tap(self, index: int) -> tuple[int, ...]:
        """Tap ``index`` of the window in row-major order, e.g. 4 -> (1, 1) for a 3x3 window."""
        position = []
        for size in reversed(self.kernel):
            index, rest = divmod(index, size)
            position.append(rest)
        return tuple(reversed(position))

    def index(self, tap: tuple[int, ...]) -> int:
        """The row-major index of ``tap``: (1, 1) -> 4 for a 3x3 window."""
        index = 0
        for t, size in zip(tap, self.kernel):
            index = index * size + t
        return index

    def reads(self, tap: tuple[int, ...], block: tuple[range, ...] | None = None) -> tuple[tuple, tuple] | None:
        """(slices of the outputs, slices of the input) of the outputs (in ``block``, a range per
        axis, counted from its start) whose ``tap`` reads inside the input; None if none does."""
        targets, sources = [], []
        for axis, t in enumerate(tap):
            positions = block[axis] if block is not None else range(self.out[axis])
            span = mapped_span(positions, self.strides[axis], t * self.dilation[axis] - self.lows[axis],
                               self.sizes[axis])
            if span is None:
                return None
            targets.append(span[0])
            sources.append(span[1])
        return tuple(targets), tuple(sources)

    @functools.cached_property
    def reading(self) -> tuple[tuple[int, ...], ...]:
        """Per axis, the tap offsets that read some input value (the others read only padding)."""
        return tuple(tuple(t for t in range(kernel) if mapped_span(range(out), stride, t * dilation - lo, size))
                     for out, size, kernel, stride, dilation, lo in
                     zip(self.out, self.sizes, self.kernel, self.strides, self.dilation, self.lows))

    def reading_taps(self):
        """The taps that read some input value, row-major."""
        import itertools

        return itertools.product(*self.reading)

    def reading_between(self, first: int, stop: int):
        """The taps of indices ``first`` to ``stop`` - 1 (row-major) that read some input value,
        in order; those reading only padding are skipped a chunk at a time, not one by one."""
        import numpy as np

        reads = [np.isin(np.arange(kernel), axis) for kernel, axis in zip(self.kernel, self.reading)]
        for start in range(first, stop, 1 << 12):
            indices = np.arange(start, min(start + (1 << 12), stop))
            coordinates = np.unravel_index(indices, self.kernel)
            kept = np.logical_and.reduce([read[axis] for read, axis in zip(reads, coordinates)])
            for index in indices[kept].tolist():
                yield self.tap(index)


def require_rank(tensor: Tensor, rank: int) -> None:
    """A layer of spatial rank r needs an input with r spatial axes."""
    if tensor.rank != rank:
        raise LayerError("wrong_rank", expected=rank, received=tensor.rank)


def product(values) -> Dim:
    total: Dim = 1
    for value in values:
        total = total * value
    return total


# ----- reading torch modules (the from_torch hooks, convcalc.bridges.torch_import) ----------------
def torch_sizes(values):
    """Per-axis sizes as a spec writes them: one int when every axis agrees, else a list."""
    values = [values] if isinstance(values, int) else list(values)
    return values[0] if len(set(values)) == 1 else values


def torch_axis(dim: int, ndim: int) -> int:
    """A torch dim of a tensor of ``ndim`` axes (0 = the batch) as a sample's axis (0 = channels)."""
    axis = dim % ndim
    if axis == 0:
        raise LayerError("torch_batch_axis", value=dim)
    return axis - 1


def torch_refuse(option: str, value) -> LayerError:
    """The error of a torch option a convcalc layer cannot express."""
    return LayerError("torch_option_refused", option=option, value=repr(value))


def torch_window(call, kernel_name: str = "kernel_size", positions=(1, 2, 3, 4), stride_is_kernel: bool = False,
                 dilation: bool = True) -> dict:
    """kernel, stride, padding and dilation of a torch conv or pooling call, defaults left out:
    padding as one int, per axis, or 'same' / 'valid'; a missing pooling stride is the kernel."""
    kernel = call.option(kernel_name, positions[0])
    stride = call.option("stride", positions[1])
    padding = call.option("padding", positions[2], 0)
    fields = {"kernel": torch_sizes(kernel)}
    if stride not in (None, [], ()) and torch_sizes(stride) != (fields["kernel"] if stride_is_kernel else 1):
        fields["stride"] = torch_sizes(stride)
    if isinstance(padding, str) or torch_sizes(padding) != 0:
        fields["padding"] = padding if isinstance(padding, str) else torch_sizes(padding)
    if dilation and torch_sizes(call.option("dilation", positions[3], 1)) != 1:
        fields["dilation"] = torch_sizes(call.option("dilation", positions[3], 1))
    return fields
