"""The registry of layer types: a spec's ``type`` names one of these classes.

A new layer type is one class in one module of this package plus one line below.
"""

from __future__ import annotations

from convcalc.layers import activation, conv, dense, merge, normalization, pooling, resize
from convcalc.layers.base import Layer, ranked

RANKED_FAMILIES = {  # family: its kind with {rank} standing for 1, 2 and 3
    conv.Conv: "conv{rank}d",
    conv.DepthwiseConv: "depthwise_conv{rank}d",
    conv.SeparableConv: "separable_conv{rank}d",
    conv.ConvTranspose: "conv_transpose{rank}d",
    pooling.MaxPool: "maxpool{rank}d",
    pooling.AvgPool: "avgpool{rank}d",
    pooling.SumPool: "sumpool{rank}d",
    pooling.LPPool: "lppool{rank}d",
    pooling.GlobalAvgPool: "global_avgpool{rank}d",
    pooling.GlobalMaxPool: "global_maxpool{rank}d",
    pooling.AdaptiveAvgPool: "adaptive_avgpool{rank}d",
    pooling.AdaptiveMaxPool: "adaptive_maxpool{rank}d",
    normalization.BatchNorm: "batchnorm{rank}d",
    resize.ZeroPad: "zeropad{rank}d",
    resize.Crop: "crop{rank}d",
    resize.CenterCrop: "center_crop{rank}d",
    resize.Upsample: "upsample{rank}d",
}

SINGLE_TYPES = [
    normalization.LayerNorm, normalization.GroupNorm, normalization.LocalResponseNorm,
    activation.Relu, activation.Relu6, activation.LeakyRelu, activation.Prelu, activation.Elu, activation.Selu,
    activation.Gelu, activation.Sigmoid, activation.Tanh, activation.Silu, activation.Hardswish,
    activation.Hardsigmoid, activation.Softplus, activation.Mish, activation.Softmax, activation.LogSoftmax,
    dense.Flatten, dense.Dense, dense.Dropout,
    merge.Add, merge.Multiply, merge.Concat,
]


def _build() -> dict[str, type[Layer]]:
    registry = {cls.kind: cls for cls in SINGLE_TYPES}
    for family, pattern in RANKED_FAMILIES.items():
        for rank in (1, 2, 3):
            kind = pattern.format(rank=rank)
            registry[kind] = ranked(family, rank, kind)
    return registry


REGISTRY: dict[str, type[Layer]] = _build()
