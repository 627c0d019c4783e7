"""The registry of layer types: a spec's ``type`` names one of these classes.

A new layer type is one class in one module of this package plus one line below.
"""

from __future__ import annotations

from collections.abc import Mapping

from convcalc.layers import (activation, conv, dense, graph_conv, merge, normalization, pooling, resize, tensor,
                             unpool)
from convcalc.layers.base import Layer, ranked

RANKED_FAMILIES = {  # family: its kind with {rank} standing for 1, 2 and 3
    conv.Conv: "conv{rank}d",
    conv.DepthwiseConv: "depthwise_conv{rank}d",
    conv.SeparableConv: "separable_conv{rank}d",
    conv.ConvTranspose: "conv_transpose{rank}d",
    pooling.MaxPool: "maxpool{rank}d",
    pooling.AvgPool: "avgpool{rank}d",
    pooling.SumPool: "sumpool{rank}d",
    pooling.Subsample: "subsample{rank}d",
    pooling.LPPool: "lppool{rank}d",
    pooling.GlobalAvgPool: "global_avgpool{rank}d",
    pooling.GlobalMaxPool: "global_maxpool{rank}d",
    pooling.GlobalLPPool: "global_lppool{rank}d",
    pooling.AdaptiveAvgPool: "adaptive_avgpool{rank}d",
    pooling.AdaptiveMaxPool: "adaptive_maxpool{rank}d",
    normalization.BatchNorm: "batchnorm{rank}d",
    resize.ZeroPad: "zeropad{rank}d",
    resize.Crop: "crop{rank}d",
    resize.CenterCrop: "center_crop{rank}d",
    resize.Upsample: "upsample{rank}d",
    unpool.MaxUnpool: "maxunpool{rank}d",
}

SINGLE_TYPES = [
    normalization.LayerNorm, normalization.GroupNorm, normalization.LocalResponseNorm,
    activation.LeakyRelu, activation.Prelu, activation.Elu, activation.Softmax, activation.LogSoftmax,
    dense.Flatten, dense.Dense, dense.Dropout,
    merge.Add, merge.Multiply, merge.Subtract, merge.Divide, merge.Concat,
    tensor.Split, tensor.Slice, tensor.ChannelShuffle, tensor.Reshape, tensor.Permute, tensor.Transpose,
    tensor.Reduce, tensor.Identity, tensor.StochasticDepth, tensor.LayerScale,
    graph_conv.GCNConv, graph_conv.ChebConv, graph_conv.GraphConv, graph_conv.SAGEConv, graph_conv.GATConv,
    graph_conv.GINConv, graph_conv.GlobalMeanPool, graph_conv.GlobalAddPool, graph_conv.GlobalMaxPool,
]


class Registry(Mapping):
    """kind -> layer class. Classes of ranked families and of simple activations are made on first
    use: a spec names a few kinds, so start-up does not pay for the pydantic models of all of them."""

    def __init__(self):
        self._classes: dict[str, type[Layer]] = {cls.kind: cls for cls in SINGLE_TYPES}
        self._makers = {kind: (activation.activation, (kind,)) for kind in activation.SIMPLE}
        self._makers.update({pattern.format(rank=rank): (ranked, (family, rank, pattern.format(rank=rank)))
                             for family, pattern in RANKED_FAMILIES.items() for rank in (1, 2, 3)})
        self._order = [*self._classes, *self._makers]

    def __getitem__(self, kind: str) -> type[Layer]:
        cls = self._classes.get(kind)
        if cls is None:
            make, arguments = self._makers[kind]  # KeyError for an unknown kind, as a dict
            cls = self._classes[kind] = make(*arguments)
        return cls

    def __contains__(self, kind) -> bool:
        return kind in self._classes or kind in self._makers

    def __iter__(self):
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


REGISTRY: Mapping[str, type[Layer]] = Registry()
