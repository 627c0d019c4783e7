"""Max unpooling (SegNet's decoder): each pooled value goes back where its window's maximum was.

PyTorch's ``nn.MaxUnpool2d(kernel, stride, padding)(x, indices, output_size)`` needs the indices a
max pool returned. A spec names, as the second input, the tensor that max pool read: the places of
its window maxima (found with the same kernel, stride and padding) are the indices, and its size is
the output size. So ``inputs: [decoder3, conv5]`` unpools ``decoder3`` into the positions the pool of
``conv5``'s output chose.
"""

from __future__ import annotations

from pydantic import model_validator

from convcalc.i18n import Msg
from convcalc.errors import LayerError
from convcalc.layers.base import NO_CHECKS, LayerResult, Tensor, Windowed, require_rank
from convcalc.layers.torch_code import TorchCode, constructor, window_keywords, window_padding


class MaxUnpool(Windowed):
    """Values of a max pool put back at the places of their maxima, zeros elsewhere
    (torch.nn.MaxUnpool1d/2d/3d with output_size = the pooled tensor's size)."""

    min_inputs = max_inputs = 2
    default_stride_is_kernel = True
    takes_pytorch_same = False
    summary = {"en": "max unpooling: inputs [values, the tensor the max pool read]; each value returns to its "
                     "window's maximum, zeros elsewhere",
               "es": "desagrupación máxima: entradas [valores, el tensor que leyó la agrupación por máximo]; cada valor "
                     "vuelve a la posición del máximo de su ventana, ceros en el resto"}
    formulas = {
        "en": {"shape": "the second input's shape (its max pool must give the first's)", "params": "0",
               "macs": "0", "receptive_field": "the second input's"},
        "es": {"shape": "la forma de la segunda entrada (su maxpool debe dar la de la primera)", "params": "0",
               "macs": "0", "receptive_field": "el de la segunda entrada"},
    }
    flop_rule = {"en": "0: values are only placed", "es": "0: los valores solo se colocan"}

    @model_validator(mode="after")
    def _as_pytorch(self):
        if isinstance(self.padding, str) and self.padding != "valid":
            raise ValueError(Msg("v_unpool_padding"))
        if any(d != 1 for d in self.dilation):
            raise ValueError(Msg("v_unpool_dilation"))
        return self

    def infer(self, inputs, check):
        values, source = inputs
        require_rank(values, self.rank)
        require_rank(source, self.rank)
        pooled, _ = self.window_sizes(source.spatial, check)
        expected = (source.channels, *pooled)
        for got, want in zip(values.dims, expected):
            check.equal(got, want, "unpool_mismatch", values=values.dims, source=source.dims, pooled=expected)
        return LayerResult(output=Tensor(source.dims, source.field), trainable=0, non_trainable=0, macs=0, flops=0)

    def mistakes(self, inputs, result):
        """The window slips of pooling do not apply: the output size is the source's."""
        return {}

    def forward(self, arrays, params, ops):
        """For every window of the source its first maximum in row-major order (as PyTorch's max
        pool keeps it; the padding never wins), found tap by tap without a padded copy, then one
        scatter of the values into zeros."""
        import numpy as np

        values, source = arrays
        windows = self.windows(source.shape)
        best = np.full(values.shape, -np.inf, dtype=source.dtype)
        chosen = [np.zeros(values.shape, dtype=np.intp) for _ in range(self.rank)]  # per axis: the tap's offset
        for tap in windows.reading_taps():
            targets, sources = windows.reads(tap)
            region = (slice(None), slice(None), *targets)
            candidate = source[(slice(None), slice(None), *sources)]
            better = candidate > best[region]
            best[region] = np.where(better, candidate, best[region])
            for axis, offset in enumerate(tap):
                chosen[axis][region] = np.where(better, offset, chosen[axis][region])
        _, padding = self.window_sizes(source.shape[2:], NO_CHECKS)
        grids = np.indices(values.shape, sparse=True)
        places = [offset + grid * stride - lo for offset, grid, stride, (lo, _) in
                  zip(chosen, grids[2:], self.strides, padding)]
        out = np.zeros(source.shape, dtype=values.dtype)
        out[(grids[0], grids[1], *places)] = values
        return out

    def to_torch(self, inputs, layout):
        """nn.MaxUnpoolNd(kernel, stride, padding) with the indices of F.max_poolNd over the second
        input and its size as output_size; PyTorch pads both sides alike by at most half the kernel."""
        pairs = window_padding(self, inputs[1].spatial)
        if any(lo != hi or lo > kernel // 2 for (lo, hi), kernel in zip(pairs, self.kernel)):
            raise LayerError("torch_unpool_padding")
        keywords = window_keywords(self, pairs, self.kernel)
        pool = constructor(f"F.max_pool{self.rank}d", **keywords, return_indices=True)
        pool = pool.replace("(", "({1}, ", 1)
        return TorchCode(constructor(f"nn.MaxUnpool{self.rank}d", **keywords),
                         call="{module}({0}, " + pool + "[1], output_size={1}.shape[2:])")

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX MaxPool of the second input (its window maxima's indices, its second output), then
        MaxUnpool of the values to those places with output_shape = that input's Shape."""
        window = self.onnx_window(builder.tensors[1].spatial)
        window.pop("dilations")
        pooled, indices = builder.fresh(name, "pooled"), builder.fresh(name, "indices")
        builder.node("MaxPool", [inputs[1]], [pooled, indices], pooled, **window)
        builder.node("MaxUnpool", [inputs[0], indices, builder.shape(name, inputs[1])], outputs, name, **window)
