"""Layers that change spatial size without weights: zero padding, cropping, centre cropping to a
reference (U-Net skips), and upsampling (nearest, bilinear, 'bed of nails' zero insertion).

Sources: PyTorch ``nn.ZeroPad2d``, Keras ``Cropping2D``, torchvision ``center_crop`` (offset
floor((W - O)/2) for the original U-Net's even differences), PyTorch ``nn.Upsample``
(O = floor(W * scale): for numbers, in double precision as PyTorch computes it, so 100 * 0.29
gives 28; for symbolic sizes, with the scale as an exact fraction).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal, Union

from pydantic import Field, PositiveInt, field_validator, model_validator

from convcalc.errors import FieldProblem
from convcalc.layers.base import (
    AXIS_NAMES, Layer, LayerResult, RFDim, ReceptiveField, Tensor, padding_pairs, per_axis, product, require_rank,
    shrinking_first, torch_refuse, torch_sizes,
)
from convcalc.symbolic import floordiv, is_concrete
from convcalc.units import parse_ratio


def _pixel_pairs(cls, value):
    """Pixels per side: an int, one per axis, or [before, after] pairs (no mode names)."""
    if isinstance(value, str):
        raise ValueError("give numbers of pixels")
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
    formulas = {"shape": "O = W + P_lo + P_hi", "params": "0", "macs": "0", "receptive_field": "start moves by -P_lo"}
    flop_rule = {"en": "0: copies only", "es": "0: solo copia"}

    padding: Union[int, list] = Field(description="int, per axis, or [before, after] pairs")

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


class Crop(Layer):
    """Rows and columns removed from each side (Keras Cropping2D)."""

    summary = {"en": "cropping: removes pixels from the borders",
               "es": "recorte: quita píxeles de los bordes"}
    formulas = {"shape": "O = W - C_lo - C_hi", "params": "0", "macs": "0", "receptive_field": "start moves by C_lo"}
    flop_rule = {"en": "0: copies only", "es": "0: solo copia"}

    cropping: Union[int, list] = Field(description="int, per axis, or [before, after] pairs")

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


class CenterCrop(Layer):
    """The centre of the first input, cut to the spatial size of the second (the reference):
    the original U-Net's skip connections. Offset floor((W - O)/2) per axis."""

    min_inputs = max_inputs = 2
    summary = {"en": "centre crop to the size of a reference layer (U-Net skip connections)",
               "es": "recorte central al tamaño de una capa de referencia (conexiones de U-Net)"}
    formulas = {"shape": "spatial size of the reference; channels of the first input", "params": "0", "macs": "0",
                "receptive_field": "start moves by floor((W - O)/2)"}
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


class Upsample(Layer):
    """Spatial upsampling by a scale factor or to a fixed size."""

    summary = {"en": "upsampling: nearest neighbour, bilinear, or zeros between pixels ('bed of nails')",
               "es": "sobremuestreo: vecino más cercano, bilineal, o ceros entre píxeles ('cama de clavos')"}
    formulas = {"shape": "O = floor(W * scale), or the given size", "params": "0", "macs": "0",
                "receptive_field": "j_out = j_in/scale"}
    flop_rule = {"en": "nearest and zeros: 0 (copies); bilinear (linear, trilinear): 2^(r+1) - 1 per output element",
                 "es": "vecino y ceros: 0 (copias); bilineal (lineal, trilineal): 2^(r+1) - 1 por elemento de salida"}

    scale: Union[PositiveInt, float, str, list] | None = Field(
        default=None, description="factor per axis: int, decimal or fraction such as '3/2'")
    size: PositiveInt | list[PositiveInt] | None = Field(default=None, description="fixed output size per axis")
    mode: Literal["nearest", "bilinear", "zeros"] = Field(
        default="nearest", description="nearest | bilinear (linear interpolation, align_corners=False) | zeros "
                                       "(bed of nails: each value at the top-left of its block, zeros elsewhere)")
    align_corners: bool = Field(default=False, description="bilinear only: the corner pixels of input and output "
                                "line up, input position o*(W-1)/(O-1) (PyTorch's align_corners=True)")

    @field_validator("scale")
    @classmethod
    def _scale(cls, value):
        if value is None:
            return None
        values = [value] * cls.rank if not isinstance(value, list) else value
        if len(values) != cls.rank:
            raise ValueError(f"give one scale or {cls.rank}")
        try:
            fractions = tuple(parse_ratio(item) for item in values)
        except ValueError:
            raise ValueError("a scale is a number or a fraction such as 3/2, at most 2**63") from None
        if min(fractions) <= 0:
            raise ValueError("scale must be > 0")
        return fractions

    @field_validator("size")
    @classmethod
    def _size(cls, value):
        return None if value is None else per_axis(value, cls.rank, "size", 1)

    @model_validator(mode="after")
    def _scale_or_size(self):
        if self.scale is None and self.size is None:
            raise ValueError("give exactly one of scale and size")
        if self.scale is not None and self.size is not None:
            raise FieldProblem("size", "give exactly one of scale and size")
        if self.mode == "zeros" and (self.scale is None or any(s.denominator != 1 for s in self.scale)):
            raise FieldProblem("mode" if self.scale is None else "scale",
                               "bed-of-nails upsampling needs whole-number scales")
        if self.align_corners and self.mode != "bilinear":
            raise FieldProblem("align_corners", "align_corners applies to bilinear upsampling only")
        return self

    def scaled_sizes(self, spatial) -> tuple:
        """O = floor(W * scale): in double as PyTorch computes it for numbers (100 * 0.29 -> 28),
        with the exact fraction for symbolic sizes."""
        return tuple(math.floor(size * float(s)) if is_concrete(size) else floordiv(size * s.numerator, s.denominator)
                     for size, s in zip(spatial, self.scale))

    def infer(self, inputs, check):
        (x,) = inputs
        require_rank(x, self.rank)
        if self.size is not None:
            spatial = self.size
            ratios = [Fraction(s, size) if is_concrete(size) else None for s, size in zip(self.size, x.spatial)]
        else:
            spatial = self.scaled_sizes(x.spatial)
            ratios = list(self.scale)
        if self.align_corners:  # output units step (W-1)/(O-1) input pixels apart
            ratios = [Fraction(out - 1, size - 1) if is_concrete(size) and is_concrete(out) and min(size, out) > 1
                      else None for size, out in zip(x.spatial, spatial)]
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

    def forward(self, arrays, params, ops):
        """PyTorch nn.Upsample on CPU (ATen UpSampleKernel.cpp), axis by axis, r = 1/scale or W/O.

        Linear (align_corners=False): s = max(r*(o + 0.5) - 0.5, 0) blends floor(s) and the next
        pixel; O = W copies; align_corners=True: s = o*(W-1)/(O-1) (0 when O = 1), whatever the scale. Nearest reads min(floor(r*o), W - 1) with ATen's two kernels: 2-D
        outputs with O_H + O_W <= 128 take nearest_idx (float32 r; O = W copies, O = 2W reads o >> 1),
        the rest take r*o in the compute precision rounded to float32. 'zeros': each value at the
        top-left of its block."""
        import numpy as np

        x = arrays[0]
        if self.mode == "zeros":
            steps = [int(scale) for scale in self.scale]
            out = np.zeros((*x.shape[:2], *(size * step for size, step in zip(x.shape[2:], steps))), x.dtype)
            out[(slice(None), slice(None), *(slice(None, None, step) for step in steps))] = x
            return out
        outs = self.size or self.scaled_sizes(x.shape[2:])
        opmath = np.float64 if x.dtype == np.float64 else np.float32  # ATen's opmath_t
        vectorised = self.rank == 2 and sum(outs) <= 128  # ATen's kernel choice for NCHW input
        for axis in shrinking_first(x.shape[2:], outs):
            size, out = x.shape[axis], outs[axis - 2]
            double = size / out if self.size else 1.0 / float(self.scale[axis - 2])
            single = np.float32(size) / np.float32(out) if self.size else np.float32(double)
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

    torch_modules = ("torch.nn.Upsample", "torch.nn.functional.interpolate")  # and its subclasses UpsamplingNearest2d, UpsamplingBilinear2d

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
