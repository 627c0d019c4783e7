"""Layers that change spatial size without weights: zero padding, cropping, centre cropping to a
reference (U-Net skips), and upsampling (nearest, bilinear, 'bed of nails' zero insertion) by a
scale, to a fixed size or to a reference's size (segmentation heads).

Sources: PyTorch ``nn.ZeroPad2d``, Keras ``Cropping2D``, torchvision ``center_crop`` (offset
floor((W - O)/2) for the original U-Net's even differences), PyTorch ``nn.Upsample``
(O = floor(W * scale): for numbers, in double precision as PyTorch computes it, so 100 * 0.29
gives 28; for symbolic sizes, with the scale as an exact fraction), torchvision's segmentation
heads (``F.interpolate(x, size=reference.shape[-2:], mode="bilinear", align_corners=False)``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import ClassVar, Literal, Union

from pydantic import Field, PositiveInt, field_validator, model_validator

from convcalc.i18n import Msg
from convcalc.errors import FieldProblem, LayerError
from convcalc.layers.base import (
    AXIS_NAMES, Layer, LayerResult, RFDim, ReceptiveField, Step, Tensor, joined, padding_pairs, per_axis, product,
    require_rank, shrinking_first, torch_refuse, torch_sizes,
)
from convcalc.layers.torch_code import TorchCode, constructor, literal, pad_widths, spatial_index
from convcalc.symbolic import floordiv, format_dim, is_concrete
from convcalc.units import parse_ratio


def _pixel_pairs(cls, value):
    """Pixels per side: an int, one per axis, or [before, after] pairs (no mode names)."""
    if isinstance(value, str):
        raise ValueError(Msg("v_crop_pixels"))
    return padding_pairs(value, cls.rank)


def _cut(x, starts, sizes):
    """x[:, :, start:start + size] along each spatial axis (cropping)."""
    return x[(slice(None), slice(None), *(slice(start, start + size) for start, size in zip(starts, sizes)))]


def _shift(field: ReceptiveField, offsets) -> ReceptiveField:
    """Output unit 0 is input unit ``offset`` (negative inside padding)."""
    if field.dims is None:
        return field
    return ReceptiveField(tuple(
        RFDim(rf.left + offset * rf.jump, rf.right + offset * rf.jump, rf.jump) if is_concrete(offset) else rf
        for rf, offset in zip(field.dims, offsets)))


class ZeroPad(Layer):
    """Zeros added around each spatial axis."""

    summary = {"en": "zero padding: adds zeros around the feature maps",
               "es": "relleno con ceros: añade ceros alrededor de los mapas de características"}
    formulas = {
        "en": {"shape": "O = W + P_lo + P_hi", "params": "0", "macs": "0", "receptive_field": "start moves by -P_lo"},
        "es": {"shape": "O = W + P_lo + P_hi", "params": "0", "macs": "0",
               "receptive_field": "el inicio se desplaza -P_lo"},
    }
    flop_rule = {"en": "0: copies only", "es": "0: solo copia"}

    padding: Union[int, list] = Field(description="int, per axis, or [before, after] pairs",
                                      json_schema_extra={"es": "entero, por eje, o pares [antes, después]"})

    _pairs = field_validator("padding")(_pixel_pairs)

    def infer(self, inputs, check):
        (x,) = inputs
        require_rank(x, self.rank)
        spatial = tuple(size + lo + hi for size, (lo, hi) in zip(x.spatial, self.padding))
        return LayerResult(output=Tensor((x.channels, *spatial), _shift(x.field, [-lo for lo, _ in self.padding])),
                           trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        """P_lo zeros before and P_hi after each spatial axis (PyTorch ZeroPad{1,2,3}d)."""
        import numpy as np

        return np.pad(arrays[0], [(0, 0), (0, 0), *self.padding])

    torch_modules = ("torch.nn.ZeroPad{rank}d",)

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.ZeroPadNd(padding): torch lists (before, after) from the last axis back."""
        sides = list(call.module.padding)
        pairs = [sides[index:index + 2] for index in range(0, len(sides), 2)][::-1]
        same = all(pair == [pairs[0][0]] * 2 for pair in pairs)
        return {cls.kind: {"padding": pairs[0][0] if same else pairs}}

    def to_torch(self, inputs, layout):
        """nn.ZeroPadNd((before, after) per axis, the last axis first)."""
        return TorchCode(constructor(f"nn.ZeroPad{self.rank}d", pad_widths(self.padding)))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Pad",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Pad in constant mode with value 0, on the spatial axes only, none negative (pads an
        input since opset 11, an attribute before; all axes unless opset 18's axes are given)."""
        if node.attr("mode", "constant") != "constant" or node.has(3):
            return None
        value = node.constant(2) if node.has(2) else node.attr("value", 0.0)
        pads = node.ints(1) if node.has(1) else node.attr("pads")
        count = len(node.shape(0))
        if pads is None or len(pads) != 2 * count or (value is not None and float(value) != 0):
            return None
        pairs = [[pads[axis], pads[axis + count]] for axis in range(count)]
        if any(pairs[0]) or any(pairs[1]) or min(pads) < 0:
            return None
        return {cls.kind: {"padding": pairs[2:] if any(lo != hi for lo, hi in pairs[2:]) else
                           [lo for lo, _ in pairs[2:]]}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Pad (constant zeros), pads all begins then all ends, none on N and C."""
        pads = [0, 0, *(lo for lo, _ in self.padding), 0, 0, *(hi for _, hi in self.padding)]
        builder.node("Pad", [inputs[0], builder.constant(name, pads)], outputs, name)


class Crop(Layer):
    """Rows and columns removed from each side (Keras Cropping2D)."""

    summary = {"en": "cropping: removes pixels from the borders",
               "es": "recorte: quita píxeles de los bordes"}
    formulas = {
        "en": {"shape": "O = W - C_lo - C_hi", "params": "0", "macs": "0", "receptive_field": "start moves by C_lo"},
        "es": {"shape": "O = W - C_lo - C_hi", "params": "0", "macs": "0",
               "receptive_field": "el inicio se desplaza C_lo"},
    }
    flop_rule = {"en": "0: copies only", "es": "0: solo copia"}

    cropping: Union[int, list] = Field(description="int, per axis, or [before, after] pairs",
                                       json_schema_extra={"es": "entero, por eje, o pares [antes, después]"})

    _pairs = field_validator("cropping")(_pixel_pairs)

    def infer(self, inputs, check):
        (x,) = inputs
        require_rank(x, self.rank)
        spatial = []
        for axis, (size, (lo, hi)) in enumerate(zip(x.spatial, self.cropping)):
            out = size - lo - hi
            check.at_least(out, 1, "output_below_one", axis=AXIS_NAMES[self.rank][axis], size=out)
            spatial.append(out)
        return LayerResult(output=Tensor((x.channels, *spatial), _shift(x.field, [lo for lo, _ in self.cropping])),
                           trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        """x[C_lo : W - C_hi] along each spatial axis (Keras Cropping{1,2,3}D)."""
        x = arrays[0]
        return _cut(x, [lo for lo, _ in self.cropping],
                    [size - lo - hi for size, (lo, hi) in zip(x.shape[2:], self.cropping)])

    def to_torch(self, inputs, layout):
        """x[:, :, C_lo:-C_hi, ...]: a slice per spatial axis."""
        parts = [f"{lo or ''}:{-hi if hi else ''}" for lo, hi in self.cropping]
        return TorchCode(call="{0}" + spatial_index(self.rank, parts))

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Slice from C_lo to -C_hi (to the end when C_hi = 0) along each spatial axis."""
        starts = [lo for lo, _ in self.cropping]
        ends = [-hi if hi else 2 ** 63 - 1 for _, hi in self.cropping]
        axes = list(range(2, self.rank + 2))
        builder.node("Slice", [inputs[0], *(builder.constant(name, values) for values in (starts, ends, axes))],
                     outputs, name)

    onnx_ops: ClassVar[tuple[str, ...]] = ("Slice",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Slice of every spatial axis once, step 1, by constants: C_lo = start, C_hi = W - end
        (an end past 2**62 is the end). A Slice of one axis is the slice type's first."""
        bounds = _spatial_slice(node)
        if bounds is None or node.shape_sources(1) or node.shape_sources(2):
            return None
        pairs = []
        for size, start, end in zip(node.shape(0)[2:], *bounds):
            if start < 0 or not is_concrete(size):
                return None
            stop = size if end >= 2 ** 62 else end if end >= 0 else size + end
            if not 0 <= start < stop <= size:
                return None
            pairs.append([start, int(size - stop)])
        uniform = all(pair == [pairs[0][0]] * 2 for pair in pairs)
        return {cls.kind: {"cropping": pairs[0][0] if uniform else pairs}}


class CenterCrop(Layer):
    """The centre of the first input, cut to the spatial size of the second (the reference):
    the original U-Net's skip connections. Offset floor((W - O)/2) per axis."""

    min_inputs = max_inputs = 2
    summary = {"en": "centre crop to the size of a reference layer (U-Net skip connections)",
               "es": "recorte central al tamaño de una capa de referencia (conexiones de U-Net)"}
    formulas = {
        "en": {"shape": "spatial size of the reference; channels of the first input", "params": "0", "macs": "0",
               "receptive_field": "start moves by floor((W - O)/2)"},
        "es": {"shape": "el tamaño espacial de la referencia; los canales de la primera entrada", "params": "0",
               "macs": "0", "receptive_field": "el inicio se desplaza floor((W - O)/2)"},
    }
    flop_rule = {"en": "0: copies only", "es": "0: solo copia"}

    def infer(self, inputs, check):
        x, reference = inputs
        require_rank(x, self.rank)
        require_rank(reference, self.rank)
        offsets = []
        for axis, (size, target) in enumerate(zip(x.spatial, reference.spatial)):
            check.at_least(size, target, "crop_too_large", axis=AXIS_NAMES[self.rank][axis], size=size, target=target)
            offsets.append(floordiv(size - target, 2))
        return LayerResult(output=Tensor((x.channels, *reference.spatial), _shift(x.field, offsets)),
                           trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        """x[o : o + O] per axis with o = floor((W - O)/2), O the reference's size (torchvision center_crop)."""
        x, reference = arrays
        sizes = reference.shape[2:]
        return _cut(x, [(size - target) // 2 for size, target in zip(x.shape[2:], sizes)], sizes)

    def to_torch(self, inputs, layout):
        """center_crop(x, reference), a helper function of the generated file."""
        helper = (
            "def center_crop(x, reference):\n"
            '    """The centre of x cut to the spatial size of reference: offset floor((W - O)/2) per axis."""\n'
            "    index = [slice(None), slice(None)]\n"
            "    for size, target in zip(x.shape[2:], reference.shape[2:]):\n"
            "        start = (size - target) // 2\n"
            "        index.append(slice(start, start + target))\n"
            "    return x[tuple(index)]\n")
        return TorchCode(call="center_crop({0}, {1})", helper=helper)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Slice from o = floor((W - O)/2) to o + O per spatial axis: Constants for whole
        sizes (ONNX shape inference sizes a Slice by constant bounds only; the file then holds a
        crop, imported as crop{rank}d, the reference's role being its size); for symbolic ones
        computed in the graph from both inputs' Shapes, imported back as a centre crop."""
        x, reference = builder.tensors
        axes = builder.constant(name, list(range(2, self.rank + 2)))
        if all(is_concrete(size) for size in (*x.spatial, *reference.spatial)):
            starts = [(int(size) - int(target)) // 2 for size, target in zip(x.spatial, reference.spatial)]
            ends = [start + int(target) for start, target in zip(starts, reference.spatial)]
            builder.node("Slice", [inputs[0], builder.constant(name, starts), builder.constant(name, ends), axes],
                         outputs, name)
            return
        sizes, targets = builder.shape(name, inputs[0], 2), builder.shape(name, inputs[1], 2)
        starts = builder.step("Div", [builder.step("Sub", [sizes, targets], name), builder.constant(name, [2])], name)
        ends = builder.step("Add", [starts, targets], name)
        builder.node("Slice", [inputs[0], starts, ends, axes], outputs, name)

    onnx_ops: ClassVar[tuple[str, ...]] = ("Slice",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Slice of every spatial axis, step 1, whose ends are computed from another tensor's
        Shape (the reference), from floor((W - O)/2) to that plus O, O the reference's sizes."""
        bounds = _spatial_slice(node)
        references = node.shape_sources(2) - {node.inputs[0]}
        if bounds is None or len(references) != 1:
            return None
        reference = references.pop()
        targets = graph.shape(reference)[2:]
        if len(targets) != len(node.shape(0)) - 2:
            return None
        for size, target, start, end in zip(node.shape(0)[2:], targets, *bounds):
            if start != floordiv(size - target, 2) or end != start + target:
                return None
        node.reads(reference)
        return {cls.kind: {}}


def _spatial_slice(node) -> tuple | None:
    """(starts, ends) of an ONNX Slice taking every spatial axis of (N, C, *S) once with step 1, in
    axis order; None otherwise."""
    starts, ends = node.ints(1), node.ints(2)
    axes = node.ints(3) if node.has(3) else None
    steps = node.ints(4) if node.has(4) else None
    spatial = list(range(2, len(node.shape(0))))
    if not starts or ends is None or axes is None or not spatial:
        return None
    axes = [axis % len(node.shape(0)) for axis in axes]
    if sorted(axes) != spatial or (steps is not None and any(step != 1 for step in steps)):
        return None
    order = sorted(range(len(axes)), key=axes.__getitem__)
    return [starts[i] for i in order], [ends[i] for i in order]


REFERENCE = "reference"  # upsample2d's `size: reference`: the second input's spatial size


class Upsample(Layer):
    """Spatial upsampling by a scale factor, to a fixed size, or to the spatial size of a second
    input (``size: reference``, ``inputs: [x, reference]``: torchvision's segmentation heads)."""

    max_inputs = 2  # the second only with size: reference (checked in infer)
    summary = {"en": "upsampling: nearest neighbour, bilinear, or zeros between pixels ('bed of nails'); "
                     "by a scale, to a size, or to a reference layer's size",
               "es": "sobremuestreo: vecino más cercano, bilineal, o ceros entre píxeles ('cama de clavos'); "
                     "por un factor, a un tamaño, o al tamaño de una capa de referencia"}
    formulas = {
        "en": {"shape": "O = floor(W * scale), the given size, or O_ref (size: reference)", "params": "0",
               "macs": "0", "receptive_field": "j_out = j_in/scale (scale = O/W)"},
        "es": {"shape": "O = floor(W * scale), el tamaño dado, u O_ref (size: 'reference')", "params": "0",
               "macs": "0", "receptive_field": "j_out = j_in/scale (scale = O/W)"},
    }
    flop_rule = {"en": "nearest and zeros: 0 (copies); bilinear (linear, trilinear): 2^(r+1) - 1 per output element",
                 "es": "vecino y ceros: 0 (copias); bilineal (lineal, trilineal): 2^(r+1) - 1 por elemento de salida"}

    scale: Union[PositiveInt, float, str, list] | None = Field(
        default=None, description="factor per axis: int, decimal or fraction such as '3/2'",
        json_schema_extra={"es": "factor por eje: entero, decimal o fracción como '3/2'"})
    size: PositiveInt | list[PositiveInt] | Literal["reference"] | None = Field(
        default=None, description="fixed output size per axis, or 'reference': the spatial size of the second "
                                  "input (inputs: [x, reference]), as F.interpolate(x, size=reference.shape[2:])",
        json_schema_extra={"es": "tamaño de salida fijo por eje, o 'reference': el tamaño espacial de la segunda "
                                 "entrada (`inputs: [x, reference]`), como `F.interpolate(x, size=reference.shape[2:])`"})
    mode: Literal["nearest", "bilinear", "zeros"] = Field(
        default="nearest", description="nearest | bilinear (linear interpolation, align_corners=False) | zeros "
                                       "(bed of nails: each value at the top-left of its block, zeros elsewhere)",
        json_schema_extra={"es": "'nearest' (vecino más cercano) | 'bilinear' (interpolación lineal, `align_corners=False`)"
                                 " | 'zeros' (cama de clavos: cada valor en la esquina superior izquierda de su bloque, "
                                 "ceros en el resto)"})
    align_corners: bool = Field(default=False, description="bilinear only: the corner pixels of input and output "
                                "line up, input position o*(W-1)/(O-1) (PyTorch's align_corners=True)",
                                json_schema_extra={"es": "solo con 'bilinear': los píxeles de las esquinas de entrada y "
                                                         "salida se alinean, posición de entrada o*(W-1)/(O-1) "
                                                         "(`align_corners=True` de PyTorch)"})

    @field_validator("scale")
    @classmethod
    def _scale(cls, value):
        if value is None:
            return None
        values = [value] * cls.rank if not isinstance(value, list) else value
        if len(values) != cls.rank:
            raise ValueError(Msg("v_scales", rank=cls.rank))
        try:
            fractions = tuple(parse_ratio(item) for item in values)
        except ValueError:
            raise ValueError(Msg("v_scale_number")) from None
        if min(fractions) <= 0:
            raise ValueError(Msg("v_scale_positive"))
        return fractions

    @field_validator("size")
    @classmethod
    def _size(cls, value):
        return value if value is None or value == REFERENCE else per_axis(value, cls.rank, "size", 1)

    @model_validator(mode="after")
    def _scale_or_size(self):
        if self.scale is None and self.size is None:
            raise ValueError(Msg("v_scale_or_size"))
        if self.scale is not None and self.size is not None:
            raise FieldProblem("size", Msg("v_scale_or_size"))
        if self.mode == "zeros" and (self.scale is None or any(s.denominator != 1 for s in self.scale)):
            raise FieldProblem("mode" if self.scale is None else "scale",
                               Msg("v_zeros_whole_scales"))
        if self.align_corners and self.mode != "bilinear":
            raise FieldProblem("align_corners", Msg("v_align_corners"))
        return self

    def scaled_sizes(self, spatial) -> tuple:
        """O = floor(W * scale): in double as PyTorch computes it for numbers (100 * 0.29 -> 28),
        with the exact fraction for symbolic sizes."""
        return tuple(math.floor(size * float(s)) if is_concrete(size) else floordiv(size * s.numerator, s.denominator)
                     for size, s in zip(spatial, self.scale))

    def output_sizes(self, input_sizes) -> tuple:
        """The output's spatial sizes from each input's: the reference's (the second input's), the
        given size, or floor(W * scale) of the first."""
        if self.size == REFERENCE:
            return tuple(input_sizes[1])
        return self.size or self.scaled_sizes(input_sizes[0])

    def infer(self, inputs, check):
        x = inputs[0]
        require_rank(x, self.rank)
        if (self.size == REFERENCE) != (len(inputs) == 2):
            raise LayerError("upsample_reference_inputs" if self.size == REFERENCE else "upsample_second_input",
                             received=len(inputs))
        if self.size == REFERENCE:
            require_rank(inputs[1], self.rank)
        spatial = self.output_sizes([tensor.spatial for tensor in inputs])
        if self.scale is not None:
            ratios = list(self.scale)
        else:
            ratios = [Fraction(out, size) if is_concrete(out) and is_concrete(size) else None
                      for out, size in zip(spatial, x.spatial)]
        if self.align_corners:  # output units step (W-1)/(O-1) input pixels apart
            ratios = [Fraction(out - 1, size - 1) if is_concrete(size) and is_concrete(out) and min(size, out) > 1
                      else None for size, out in zip(x.spatial, spatial)]
        if self.size != REFERENCE:  # a reference's sizes are at least 1 already
            for axis, out in enumerate(spatial):
                check.at_least(out, 1, "output_below_one", axis=AXIS_NAMES[self.rank][axis], size=out)
        field = x.field
        if field.dims is not None:
            if None in ratios:
                field = ReceptiveField.whole_input()
            else:
                reach = 1 if self.mode == "bilinear" else 0  # bilinear reads the next input too
                field = ReceptiveField(tuple(RFDim(rf.left, rf.right + reach * rf.jump, Fraction(rf.jump) / ratio)
                                             for rf, ratio in zip(field.dims, ratios)))
        outputs = x.channels * product(spatial)
        per_output = 2 ** (self.rank + 1) - 1 if self.mode == "bilinear" else 0
        return LayerResult(output=Tensor((x.channels, *spatial), field), trainable=0, non_trainable=0, macs=0,
                           flops=per_output * outputs)

    def derivation(self, inputs, result):
        """To a reference: O = O_ref, the second input's spatial size, with the first's channels."""
        steps = super().derivation(inputs, result)
        if self.size != REFERENCE:
            return steps
        shape = Step("shape", "O = O_ref", joined(map(format_dim, inputs[1].spatial), "x"), result.output.dims,
                     note=("upsample_reference_note", {}))
        return [shape if step.figure == "shape" else step for step in steps]

    def forward(self, arrays, params, ops):
        """PyTorch nn.Upsample on CPU (ATen UpSampleKernel.cpp), axis by axis, r = 1/scale or W/O
        (O the given size or the reference's: F.interpolate with size=).

        Linear (align_corners=False): s = max(r*(o + 0.5) - 0.5, 0) blends floor(s) and the next
        pixel; O = W copies; align_corners=True: s = o*(W-1)/(O-1) (0 when O = 1), whatever the scale.
        Nearest reads min(floor(r*o), W - 1) with ATen's two kernels: 2-D outputs with O_H + O_W <= 128
        take nearest_idx (float32 r; O = W copies, O = 2W reads o >> 1),
        the rest take r*o in the compute precision rounded to float32. 'zeros': each value at the
        top-left of its block."""
        import numpy as np

        x = arrays[0]
        if self.mode == "zeros":
            steps = [int(scale) for scale in self.scale]
            out = np.zeros((*x.shape[:2], *(size * step for size, step in zip(x.shape[2:], steps))), x.dtype)
            out[(slice(None), slice(None), *(slice(None, None, step) for step in steps))] = x
            return out
        outs = self.output_sizes([array.shape[2:] for array in arrays])
        opmath = np.float64 if x.dtype == np.float64 else np.float32  # ATen's opmath_t
        vectorised = self.rank == 2 and sum(outs) <= 128  # ATen's kernel choice for NCHW input
        for axis in shrinking_first(x.shape[2:], outs):
            size, out = x.shape[axis], outs[axis - 2]
            double = size / out if self.scale is None else 1.0 / float(self.scale[axis - 2])
            single = np.float32(size) / np.float32(out) if self.scale is None else np.float32(double)
            ratio = double if opmath is np.float64 else single
            index = np.arange(out)
            if self.mode == "nearest":
                if vectorised and out in (size, 2 * size):
                    source = index if out == size else index >> 1
                else:
                    product = index.astype(np.float32) * single if vectorised else index.astype(opmath) * ratio
                    source = np.floor(product.astype(np.float32)).astype(np.int64)
                x = x.take(np.minimum(source, size - 1), axis=axis)
            elif out != size:
                if self.align_corners:  # ATen's area_pixel_compute_scale and _source_index
                    corners = opmath(size - 1) / opmath(out - 1) if out > 1 else opmath(0)
                    source = corners * index.astype(opmath)
                else:
                    source = np.maximum(ratio * (index.astype(opmath) + 0.5) - 0.5, 0)
                below = np.minimum(np.floor(source.astype(np.float32)).astype(np.int64), size - 1)
                weight = np.clip(source - below, 0, 1).astype(x.dtype).reshape(-1, *[1] * (x.ndim - 1 - axis))
                above = np.minimum(below + 1, size - 1)
                x = x.take(below, axis=axis) * (1 - weight) + x.take(above, axis=axis) * weight
        return x

    torch_modules = ("torch.nn.Upsample", "torch.nn.functional.interpolate")  # and Upsampling{Nearest,Bilinear}2d

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.Upsample / F.interpolate(x, size, scale_factor, mode, align_corners,
        recompute_scale_factor): nearest, or (bi/tri)linear with or without align_corners; a scale
        recomputed from the sizes is written as the size torch gave."""
        rank = len(shapes.inputs[0]) - 1
        mode = call.option("mode", 3, "nearest")
        if mode in ("linear", "bilinear", "trilinear"):
            mode = "bilinear"
        elif mode != "nearest":
            raise torch_refuse("mode", mode)
        if call.option("antialias", 6, False):
            raise torch_refuse("antialias", True)
        scale = call.option("scale_factor", 2)
        if scale is None or call.option("recompute_scale_factor", 5):
            fields = {"size": torch_sizes(shapes.output[1:])}
        else:
            fields = {"scale": torch_sizes(scale if isinstance(scale, (list, tuple)) else [scale])}
        if mode != "nearest":
            fields["mode"] = mode
        if mode == "bilinear" and call.option("align_corners", 4):
            fields["align_corners"] = True
        return {f"upsample{rank}d": fields}

    def to_torch(self, inputs, layout):
        """nn.Upsample(size or scale_factor, mode nearest or (bi/tri)linear with its align_corners);
        to a reference, F.interpolate(x, size=reference.shape[2:]) as torchvision's segmentation heads
        call it; 'zeros' is BedOfNails, a helper class of the generated file."""
        if self.mode == "zeros":
            helper = (
                "class BedOfNails(nn.Module):\n"
                '    """Each value at the top-left of its block of scale pixels, zeros elsewhere."""\n\n'
                "    def __init__(self, scale):\n"
                "        super().__init__()\n"
                "        self.scale = scale\n\n"
                "    def forward(self, x):\n"
                "        sizes = (size * step for size, step in zip(x.shape[2:], self.scale))\n"
                "        out = x.new_zeros(*x.shape[:2], *sizes)\n"
                "        out[(slice(None), slice(None), *(slice(None, None, step) for step in self.scale))] = x\n"
                "        return out\n")
            return TorchCode(constructor("BedOfNails", tuple(int(scale) for scale in self.scale)), helper=helper)
        mode = {"mode": {1: "linear", 2: "bilinear", 3: "trilinear"}[self.rank],
                "align_corners": self.align_corners} if self.mode == "bilinear" else {}
        if self.size == REFERENCE:
            arguments = "".join(f", {key}={literal(value)}" for key, value in mode.items())
            return TorchCode(call=f"F.interpolate({{0}}, size={{1}}.shape[2:]{arguments})")
        sizing = {"size": self.size} if self.size is not None else {
            "scale_factor": tuple(float(scale) for scale in self.scale)}
        return TorchCode(constructor("nn.Upsample", **sizing, **mode))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Resize", "Upsample")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Resize (Upsample): nearest as torch (asymmetric coordinates, floor) or linear as
        torch's bilinear without align_corners (half_pixel, pytorch_half_pixel), by spatial scales
        (channels and batch kept) or to spatial sizes."""
        mode = node.attr("mode", "nearest")
        transform = node.attr("coordinate_transformation_mode", "half_pixel" if node.op == "Resize" else "asymmetric")
        if mode == "nearest" and transform == "asymmetric" and node.attr("nearest_mode", "floor") == "floor":
            kind_mode = "nearest"
        elif mode in ("linear", "bilinear") and transform in ("half_pixel", "pytorch_half_pixel", "align_corners"):
            kind_mode = "bilinear"
        else:
            return None
        if node.op == "Upsample":
            scales, sizes = (node.constant(1) if node.has(1) else node.attr("scales")), None
        else:
            scales = node.constant(2) if node.has(2) else None
            sizes = node.ints(3) if node.has(3) else None
        shape, rank = node.shape(0), len(node.shape(0)) - 2
        axes = [axis % len(shape) for axis in node.attr("axes", list(range(len(shape))))]
        if axes == list(range(2, len(shape))):  # opset 18's axes, the spatial ones only: batch and channels kept
            scales = None if scales is None or not len(scales) else [1.0, 1.0, *list(scales)]
            sizes = None if sizes is None else [*shape[:2], *sizes]
        elif axes != list(range(len(shape))):
            return None
        fields = {}
        if scales is not None and len(scales):
            scales = [float(scale) for scale in list(scales)]
            if scales[:2] != [1.0, 1.0]:
                return None
            fields["scale"] = _one_or_all([int(s) if s == int(s) else s for s in scales[2:]])
        elif sizes is not None:
            if list(sizes[:2]) != list(shape[:2]):
                return None
            references = node.shape_sources(3) - {node.inputs[0]}
            reference = references.pop() if len(references) == 1 else None
            if reference is not None and list(graph.shape(reference)[2:]) == list(sizes[2:]) \
                    and len(graph.shape(reference)) == rank + 2:
                node.reads(reference)  # sized to another tensor's Shape: size: reference
                fields["size"] = REFERENCE
            else:
                fields["size"] = _one_or_all(sizes[2:])
        else:
            return None
        if transform == "align_corners":
            fields["align_corners"] = True
        return {cls.kind: {**fields, "mode": kind_mode} if kind_mode != "nearest" else fields}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Resize on the spatial axes (opset 18's axes): nearest as PyTorch's (asymmetric
        coordinates, floor), bilinear/trilinear as align_corners=False (half_pixel; a negative
        source position reads the first pixel) or True (ONNX's align_corners, the same rule). O = floor(W * scale)
        in both, or the sizes given (size: reference: the second input's Shape, so the file keeps where
        they come from and imports back as size: reference). 'zeros' (bed of nails): a depthwise
        ConvTranspose of stride s whose filter (a Constant) is 1 at its first tap and 0 elsewhere: each
        value at the top-left of its s x s block."""
        import numpy as np

        axes = list(range(2, self.rank + 2))
        if self.mode == "zeros":
            channels = int(builder.tensors[0].channels)
            steps = [int(scale) for scale in self.scale]
            nail = np.zeros((channels, 1, *steps), dtype=np.float32)
            nail[(slice(None), 0, *([0] * self.rank))] = 1
            builder.node("ConvTranspose", [inputs[0], builder.constant(name, nail, "float32")], outputs, name,
                         group=channels, kernel_shape=steps, strides=steps)
            return
        if self.size == REFERENCE:
            operands = ["", "", builder.shape(name, inputs[1], 2)]  # the reference's sizes, read at run time
        elif self.size is not None:
            operands = ["", "", builder.constant(name, [int(size) for size in builder.result.output.spatial])]
        else:
            operands = ["", builder.constant(name, [float(scale) for scale in self.scale], "float32")]
        attributes = ({"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
                      if self.mode == "nearest" else {"mode": "linear", "coordinate_transformation_mode":
                                                      "align_corners" if self.align_corners else "half_pixel"})
        builder.node("Resize", [inputs[0], *operands], outputs, name, axes=axes, **attributes)


def _one_or_all(values):
    """One value when all axes agree, else the list."""
    values = list(values)
    return values[0] if len(set(values)) == 1 else values

