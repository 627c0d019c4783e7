"""Layers that change spatial size without weights: zero padding, cropping, centre cropping to a
reference (U-Net skips), and upsampling (nearest, bilinear, 'bed of nails' zero insertion).

Sources: PyTorch ``nn.ZeroPad2d``, Keras ``Cropping2D``, torchvision ``center_crop`` (offset
floor((W - O)/2) for the original U-Net's even differences), PyTorch ``nn.Upsample``
(O = floor(W * scale), computed exactly here with the scale as a fraction).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal, Union

from pydantic import Field, PositiveInt, field_validator, model_validator

from convcalc.layers.base import (
    AXIS_NAMES, Layer, LayerResult, RFDim, ReceptiveField, Tensor, padding_pairs, per_axis, product, require_rank,
)
from convcalc.symbolic import floordiv, is_concrete


def _pixel_pairs(cls, value):
    """Pixels per side: an int, one per axis, or [before, after] pairs (no mode names)."""
    if isinstance(value, str):
        raise ValueError("give numbers of pixels")
    return padding_pairs(value, cls.rank)


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

    @field_validator("scale")
    @classmethod
    def _scale(cls, value):
        if value is None:
            return None
        values = [value] * cls.rank if not isinstance(value, list) else value
        if len(values) != cls.rank:
            raise ValueError(f"give one scale or {cls.rank}")
        fractions = tuple(Fraction(str(item)) for item in values)
        if min(fractions) <= 0:
            raise ValueError("scale must be > 0")
        return fractions

    @field_validator("size")
    @classmethod
    def _size(cls, value):
        return None if value is None else per_axis(value, cls.rank, "size", 1)

    @model_validator(mode="after")
    def _scale_or_size(self):
        if (self.scale is None) == (self.size is None):
            raise ValueError("give exactly one of scale and size")
        if self.mode == "zeros" and (self.scale is None or any(s.denominator != 1 for s in self.scale)):
            raise ValueError("bed-of-nails upsampling needs whole-number scales")
        return self

    def infer(self, inputs, check):
        (x,) = inputs
        require_rank(x, self.rank)
        if self.size is not None:
            spatial = self.size
            ratios = [Fraction(s, size) if is_concrete(size) else None for s, size in zip(self.size, x.spatial)]
        else:
            spatial = tuple(floordiv(size * s.numerator, s.denominator) for size, s in zip(x.spatial, self.scale))
            ratios = list(self.scale)
        for axis, out in enumerate(spatial):
            check.at_least(out, 1, "output_below_one", axis=AXIS_NAMES[self.rank][axis], size=out)
        field = x.field
        if field.dims is not None:
            if None in ratios:
                field = ReceptiveField.whole_input()
            else:
                reach = 1 if self.mode == "bilinear" else 0  # bilinear reads the next input too
                field = ReceptiveField(tuple(RFDim(rf.left, rf.right + reach * rf.jump, rf.jump / ratio)
                                             for rf, ratio in zip(field.dims, ratios)))
        outputs = x.channels * product(spatial)
        per_output = 2 ** (self.rank + 1) - 1 if self.mode == "bilinear" else 0
        return LayerResult(output=Tensor((x.channels, *spatial), field), trainable=0, non_trainable=0, macs=0,
                           flops=per_output * outputs)
