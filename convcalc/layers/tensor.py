"""Layers that move values without weights: split, slice, channel shuffle, reshape, permute,
transpose, reductions, identity, stochastic depth, and layer scale, a learnt multiplier per
channel (ShuffleNet, ConvNeXt, vision transformers).

Axes count a sample's axes from the channels: 0 = C, 1 = H (or L, D), ..., and -1 = the last, as
``concat``'s axis does; PyTorch's dim is the same number plus one (its axis 0 is the batch).
Sizes follow PyTorch's row-major (C, H, W) order in either layout.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, PositiveInt, field_validator, model_validator

from convcalc.i18n import Msg
from convcalc.errors import LayerError
from convcalc.layers.base import NO_CHECKS, Layer, LayerResult, ReceptiveField, RFDim, Tensor, product, torch_axis
from convcalc.layers.torch_code import TorchCode, constructor, literal, number, torch_dim
from convcalc.symbolic import ceildiv, is_concrete

NO_FLOPS = {"en": "0: values are only moved or viewed", "es": "0: los valores solo se mueven o se ven"}


def _axis(axis: int, tensor: Tensor) -> int:
    """A sample's axis counted from 0 (channels); negative counts from the last."""
    count = len(tensor.dims)
    if not -count <= axis < count:
        raise LayerError("tensor_axis", axis=axis, rank=count, last=count - 1)
    return axis % count


def _shifted(field: ReceptiveField, axis: int, offset, step: int = 1) -> ReceptiveField:
    """The field of a part that starts ``offset`` units along spatial ``axis`` (1 = first spatial)
    and keeps every ``step``-th unit: unit 0 moves by offset*jump, the jump grows by step."""
    if axis == 0 or field.dims is None:
        return field
    if not is_concrete(offset):
        return ReceptiveField.whole_input()
    dims = list(field.dims)
    rf = dims[axis - 1]
    dims[axis - 1] = RFDim(rf.left + offset * rf.jump, rf.right + offset * rf.jump, rf.jump * step)
    return ReceptiveField(tuple(dims))


def _with_size(dims, axis: int, size) -> tuple:
    return (*dims[:axis], size, *dims[axis + 1:])


class Split(Layer):
    """Several outputs along one axis: equal chunks (torch.chunk) or given sizes (torch.split)."""

    kind = "split"
    summary = {"en": "split: several outputs along an axis (torch.chunk / torch.split); read one as name.0, "
                     "name.1, ...",
               "es": "dividir: varias salidas a lo largo de un eje (`torch.chunk` / `torch.split`); cada una se lee "
                     "como nombre.0, nombre.1, ..."}
    formulas = {
        "en": {"shape": "chunks: ceil(C/chunks) each, the last what remains; sizes: as given, summing to C",
               "params": "0", "macs": "0", "receptive_field": "unchanged (a spatial split moves each part's start)"},
        "es": {"shape": "chunks: ceil(C/chunks) cada una, la última lo que queda; sizes: las dadas, que suman C",
               "params": "0", "macs": "0",
               "receptive_field": "sin cambios (una división espacial desplaza el inicio de cada parte)"},
    }
    flop_rule = NO_FLOPS

    axis: int = Field(default=0, description="the axis split: 0 = channels, -1 = the last",
                      json_schema_extra={"es": "el eje que se divide: 0 = canales, -1 = el último"})
    chunks: PositiveInt | None = Field(default=None, description="this many parts of ceil(size/chunks) "
                                       "(torch.chunk); it must come out at exactly this many",
                                       json_schema_extra={"es": "este número de partes de ceil(tamaño/chunks) "
                                                                "(`torch.chunk`); deben salir exactamente tantas"})
    sizes: list[PositiveInt] | None = Field(default=None, description="the parts' sizes, summing to the axis "
                                            "(torch.split with a list)",
                                            json_schema_extra={"es": "los tamaños de las partes, que suman el eje "
                                                                     "(`torch.split` con una lista)"})

    @model_validator(mode="after")
    def _one_rule(self):
        if (self.chunks is None) == (self.sizes is None):
            raise ValueError(Msg("v_split_either"))
        if (self.sizes is not None and len(self.sizes) < 2) or self.chunks == 1:
            raise ValueError(Msg("v_split_two"))
        return self

    @property
    def output_count(self) -> int:
        return self.chunks if self.sizes is None else len(self.sizes)

    def part_sizes(self, size, check) -> list:
        """torch.chunk: parts of ceil(size/chunks), the last what remains; torch.split: the sizes."""
        if self.sizes is not None:
            check.equal(sum(self.sizes), size, "split_sizes_sum", sizes=str(self.sizes), total=sum(self.sizes),
                        size=size)
            return list(self.sizes)
        if not is_concrete(size):
            check.multiple_of(size, self.chunks, "split_chunks_uneven", size=size, chunks=self.chunks)
            return [size // self.chunks] * self.chunks
        part = ceildiv(size, self.chunks)
        count = ceildiv(size, part)
        if count != self.chunks:
            raise LayerError("split_chunks_count", size=size, chunks=self.chunks, count=count, part=part)
        return [part] * (count - 1) + [size - part * (count - 1)]

    def infer(self, inputs, check):
        (x,) = inputs
        axis = _axis(self.axis, x)
        outputs, offset = [], 0
        for size in self.part_sizes(x.dims[axis], check):
            outputs.append(Tensor(_with_size(x.dims, axis, size), _shifted(x.field, axis, offset)))
            offset = offset + size
        return LayerResult(output=outputs[0], trainable=0, non_trainable=0, macs=0, flops=0, outputs=tuple(outputs))

    def forward(self, arrays, params, ops):
        """torch.chunk / torch.split along dim axis + 1: views, one per output."""
        import numpy as np

        x = arrays[0]
        axis = self.axis % (x.ndim - 1) + 1
        bounds = np.cumsum(self.part_sizes(x.shape[axis], NO_CHECKS))[:-1]
        return tuple(np.split(x, bounds, axis=axis))

    torch_modules = ("torch.chunk", "Tensor.chunk", "torch.split", "Tensor.split", "torch.tensor_split")

    @classmethod
    def from_torch(cls, call, shapes):
        """torch.chunk(x, chunks, dim) as chunks when torch gives that many; otherwise (torch.split)
        the sizes torch gave."""
        dim = call.argument(2, "dim", 0)
        axis = torch_axis(dim, len(shapes.inputs[0]) + 1)
        sizes = [shape[axis] for shape in shapes.output]
        chunks = call.argument(1, "chunks") if call.target.endswith("chunk") else None
        fields = {"chunks": chunks} if chunks == len(sizes) else {"sizes": sizes}
        return {cls.kind: {"axis": axis, **fields} if axis else fields}

    def to_torch(self, inputs, layout):
        """torch.chunk(x, chunks, dim) or torch.split(x, sizes, dim): a tuple, one tensor per output."""
        parts = self.chunks if self.sizes is None else list(self.sizes)
        function = "chunk" if self.sizes is None else "split"
        return TorchCode(call=f"torch.{function}({{0}}, {parts}, dim={torch_dim(self.axis)})")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Split",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Split along a sample's axis: the sizes (an input since opset 13, the attribute
        split before), num_outputs (opset 18: torch.chunk's parts), else equal parts."""
        axis = node.axis(node.attr("axis", 0))
        if axis is None:
            return None
        sizes = node.ints(1) if node.has(1) else node.attr("split")
        fields = {} if axis == 0 else {"axis": axis}
        if sizes is not None:
            return {cls.kind: {**fields, "sizes": [int(size) for size in sizes]}}
        return {cls.kind: {**fields, "chunks": node.attr("num_outputs", len(node.proto.output))}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Split along axis + 1 with the parts' sizes; chunks of a symbolic size (which the
        analysis requires to divide evenly) as num_outputs."""
        x = builder.tensors[0]
        axis = _axis(self.axis, x)
        size = x.dims[axis]
        if self.sizes is None and not is_concrete(size):
            builder.node("Split", inputs, outputs, name, axis=axis + 1, num_outputs=self.chunks)
            return
        sizes = builder.constant(name, [int(part) for part in self.part_sizes(size, NO_CHECKS)])
        builder.node("Split", [inputs[0], sizes], outputs, name, axis=axis + 1)


class Slice(Layer):
    """x[start:end:step] along one axis, as Python and PyTorch slice (negatives count from the end)."""

    kind = "slice"
    summary = {"en": "slice: x[start:end:step] along one axis (negative positions count from the end)",
               "es": "recorte por índices: x[inicio:fin:paso] en un eje (las posiciones negativas cuentan desde el "
                     "final)"}
    formulas = {
        "en": {"shape": "ceil((end - start)/step) along the axis, after Python's clamping", "params": "0",
               "macs": "0", "receptive_field": "unit 0 moves by start*j; j becomes j*step"},
        "es": {"shape": "ceil((end - start)/step) a lo largo del eje, tras el recorte de los límites que hace Python",
               "params": "0", "macs": "0", "receptive_field": "la unidad 0 se desplaza start*j; j pasa a ser j*step"},
    }
    flop_rule = NO_FLOPS

    axis: int = Field(default=0, description="the axis sliced: 0 = channels, -1 = the last",
                      json_schema_extra={"es": "el eje que se recorta: 0 = canales, -1 = el último"})
    start: int = Field(default=0, description="first position kept (negative: from the end)",
                       json_schema_extra={"es": "primera posición conservada (negativa: desde el final)"})
    end: int | None = Field(default=None, description="position after the last kept (negative: from the end; "
                            "none: to the end)",
                            json_schema_extra={"es": "posición tras la última conservada (negativa: desde el final; "
                                                     "null: hasta el final)"})
    step: PositiveInt = Field(default=1, description="keep every step-th position",
                              json_schema_extra={"es": "conservar una de cada step posiciones"})

    def bounds(self, size):
        """(start, length) of the kept positions; symbolic sizes need positions inside the axis."""
        if is_concrete(size):  # Python's clamping, in arithmetic: a range's len() is bounded, sizes are not
            start, end, _ = slice(self.start, self.end, self.step).indices(size)
            length = max(ceildiv(end - start, self.step), 0)
            return start if length else 0, length
        start = self.start if self.start >= 0 else size + self.start
        end = size if self.end is None else self.end if self.end >= 0 else size + self.end
        return start, ceildiv(end - start, self.step)

    def infer(self, inputs, check):
        (x,) = inputs
        axis = _axis(self.axis, x)
        size = x.dims[axis]
        start, length = self.bounds(size)
        if not is_concrete(size):  # a symbolic axis must hold the positions named
            for position, after in ((self.start, 1), (self.end, 0)):
                if position is not None:
                    check.at_least(size, position + after if position >= 0 else -position, "slice_outside",
                                   position=position, size=size)
        check.at_least(length, 1, "slice_empty", start=self.start, end=self.end, step=self.step, size=size)
        return LayerResult(output=Tensor(_with_size(x.dims, axis, length), _shifted(x.field, axis, start, self.step)),
                           trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        x = arrays[0]
        axis = self.axis % (x.ndim - 1) + 1
        index = [slice(None)] * x.ndim
        index[axis] = slice(self.start, self.end, self.step)
        return x[tuple(index)]

    def to_torch(self, inputs, layout):
        """x[:, ..., start:end:step]: Python's slice on the axis, every value of the axes before."""
        axis = _axis(self.axis, inputs[0]) + 1
        text = f"{self.start or ''}:{'' if self.end is None else self.end}"
        text += f":{self.step}" if self.step != 1 else ""
        return TorchCode(call="{0}[" + ", ".join([":"] * axis + [text]) + "]")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Slice",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Slice (opset 10+: starts, ends, axes, steps as inputs) along one sample axis, step > 0;
        an end past 2**62 is 'to the end'."""
        starts, ends = node.ints(1), node.ints(2)
        axes = node.ints(3) if node.has(3) else [0] if starts and len(starts) == 1 else None
        steps = node.ints(4) if node.has(4) else [1]
        if not starts or ends is None or axes is None or len(starts) != 1 or len(axes) != 1 or steps[0] < 1:
            return None
        axis = node.axis(axes[0])
        if axis is None:
            return None
        fields = {"axis": axis, "start": starts[0]} if starts[0] else {"axis": axis}
        if ends[0] < 2 ** 62:
            fields["end"] = ends[0]
        if steps[0] != 1:
            fields["step"] = steps[0]
        return {cls.kind: fields}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Slice (starts, ends, axes, steps), which clamps as Python does; no end: to 2**63 - 1."""
        axis = _axis(self.axis, builder.tensors[0]) + 1
        end = 2 ** 63 - 1 if self.end is None else self.end
        bounds = [builder.constant(name, [value]) for value in (self.start, end, axis, self.step)]
        builder.node("Slice", [inputs[0], *bounds], outputs, name)


class ChannelShuffle(Layer):
    """Channels regrouped: (g, C/g) read as (C/g, g) (torch.nn.ChannelShuffle, ShuffleNet)."""

    kind = "channel_shuffle"
    summary = {"en": "channel shuffle: channel k*g + i of the output is channel i*(C/g) + k of the input",
               "es": "barajado de canales: el canal k*g + i de la salida es el canal i*(C/g) + k de la entrada"}
    formulas = {
        "en": {"shape": "unchanged (C divisible by groups)", "params": "0", "macs": "0",
               "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios (C divisible por groups)", "params": "0", "macs": "0",
               "receptive_field": "sin cambios"},
    }
    flop_rule = NO_FLOPS

    groups: PositiveInt = Field(description="g: the groups whose channels are interleaved",
                                json_schema_extra={"es": "g: los grupos cuyos canales se entrelazan"})

    def infer(self, inputs, check):
        (x,) = inputs
        if x.rank == 0:  # as torch.nn.ChannelShuffle refuses a flat vector
            raise LayerError("needs_spatial", shape=x.dims)
        check.multiple_of(x.channels, self.groups, "groups_mismatch", channels=x.channels, groups=self.groups)
        return LayerResult(output=x, trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        """reshape (N, g, C/g, ...), swap the two, reshape back (torchvision's channel_shuffle)."""
        x = arrays[0]
        n, c, *spatial = x.shape
        return x.reshape(n, self.groups, c // self.groups, *spatial).swapaxes(1, 2).reshape(x.shape)

    torch_modules = ("torch.nn.ChannelShuffle", "torchvision.models.shufflenetv2.channel_shuffle")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.ChannelShuffle(groups) / torchvision's channel_shuffle(x, groups)."""
        return {cls.kind: {"groups": call.option("groups", 1)}}

    def to_torch(self, inputs, layout):
        return TorchCode(constructor("nn.ChannelShuffle", self.groups))

    onnx_ops: ClassVar[tuple[str, ...]] = ("Reshape",)

    @classmethod
    def from_onnx(cls, node, graph):
        """torch's channel shuffle as exported: Reshape (N, g, C/g, *S) -> Transpose(0, 2, 1, ...)
        -> Reshape (N, C, *S) (the two later nodes are absorbed); or with the spatial axes as one,
        Reshape (N, g, C/g, -1), as ``to_onnx`` writes it."""
        shape, target = node.shape(0), _resolved_target(node)
        if target is None or len(shape) < 3 or target[0] != shape[0] or not isinstance(target[1], int) \
                or target[1] < 2:
            return None
        whole = len(target) == len(shape) + 1 and list(target[3:]) == list(shape[2:])
        flattened = len(target) == 4 and target[3] in (-1, product(shape[2:]))
        if not (whole or flattened):
            return None
        groups = target[1]
        if target[2] != -1 and target[2] * groups != shape[1]:
            return None
        (transpose, *others) = node.consumers() or [None]
        if transpose is None or others or transpose.op != "Transpose" or \
                transpose.attr("perm") != [0, 2, 1, *range(3, len(target))]:
            return None
        (back, *others) = transpose.consumers() or [None]
        if back is None or others or back.op != "Reshape":
            return None
        final = _resolved_target(back, [target[0], target[2], groups, *target[3:]])
        if final is None or len(final) != len(shape) or final[0] != shape[0] or \
                final[1] not in (-1, shape[1]) or list(final[2:]) != list(shape[2:]):
            return None
        node.absorb(transpose)
        node.absorb(back)
        return {cls.kind: {"groups": groups}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """Reshape (N, g, C/g, rest), Transpose the two group axes, Reshape back to x's shape."""
        x = builder.tensors[0]
        channels = int(x.channels)
        grouped = builder.step("Reshape", [inputs[0], builder.constant(
            name, [0, self.groups, channels // self.groups, -1])], name)
        swapped = builder.step("Transpose", [grouped], name, perm=[0, 2, 1, 3])
        builder.reshape(name, swapped, x.dims, outputs, lambda: builder.shape(name, inputs[0]))


class Reshape(Layer):
    """A sample's values in a new shape, row-major (torch.reshape / view); one size may be -1."""

    kind = "reshape"
    summary = {"en": "reshape (view): the same values, row-major, in a new per-sample shape; one size may be -1",
               "es": "cambio de forma (una vista): los mismos valores, por filas, en una nueva forma por muestra; un "
                     "tamaño puede ser -1"}
    in_place = True  # a view of its input in PyTorch: no values of its own
    formulas = {
        "en": {"shape": "as given; -1 = (C*H*W)/(product of the others)", "params": "0", "macs": "0",
               "receptive_field": "the whole input"},
        "es": {"shape": "la dada; -1 = (C*H*W)/(producto de las demás)", "params": "0", "macs": "0",
               "receptive_field": "la entrada entera"},
    }
    flop_rule = NO_FLOPS

    shape: list[int] = Field(validation_alias=AliasChoices("shape", "target_shape"),
                             description="the per-sample shape (no batch axis), one entry may be -1",
                             json_schema_extra={"es": "la forma por muestra (sin eje de lote); una entrada puede ser -1"})

    @model_validator(mode="after")
    def _sizes(self):
        if not self.shape or self.shape.count(-1) > 1 or any(size < 1 and size != -1 for size in self.shape):
            raise ValueError(Msg("v_reshape_sizes"))
        return self

    def infer(self, inputs, check):
        (x,) = inputs
        total, known = product(x.dims), product(size for size in self.shape if size != -1)
        if -1 in self.shape:
            if known != 1:
                check.multiple_of(total, known, "reshape_inexact", total=total, known=known,
                                  shape=str(self.shape))
            dims = tuple(total // known if size == -1 else size for size in self.shape)
        else:
            check.equal(known, total, "reshape_count", total=total, known=known, shape=str(self.shape))
            dims = tuple(self.shape)
        return LayerResult(output=Tensor(dims, ReceptiveField.whole_input()), trainable=0, non_trainable=0,
                           macs=0, flops=0)

    def forward(self, arrays, params, ops):
        x = arrays[0]
        return x.reshape(x.shape[0], *self.shape)

    torch_modules = ("Tensor.view", "Tensor.reshape", "torch.reshape")

    @classmethod
    def from_torch(cls, call, shapes):
        """x.view / x.reshape with the batch axis kept: the per-sample shape torch gave."""
        return {cls.kind: {"shape": list(shapes.output)}}

    def to_torch(self, inputs, layout):
        return TorchCode(call="{0}.reshape({0}.shape[0], " + ", ".join(str(size) for size in self.shape) + ")")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Reshape", "Squeeze", "Unsqueeze")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Reshape to a target whose axis 0 is the batch, or a Squeeze / Unsqueeze of sample
        axes: the per-sample shape in whole numbers (a symbolic size has no reshape)."""
        shape = list(node.shape(0))
        if node.op == "Reshape":
            per_sample = _per_sample(node, _resolved_target(node))
        else:
            axes = node.ints(1) if node.has(1) else node.attr("axes")
            if node.op == "Squeeze":
                if axes is None:
                    axes = [axis for axis, size in enumerate(shape) if size == 1]
                axes = {axis % len(shape) for axis in axes}
                out = [size for axis, size in enumerate(shape) if axis not in axes]
            else:
                count = len(shape) + len(axes)
                out = list(shape)
                for axis in sorted(axis % count for axis in axes):
                    out.insert(axis, 1)
            per_sample = _per_sample(node, out) if 0 not in {a % len(shape) for a in axes or []} \
                or node.op == "Unsqueeze" else None
        return None if per_sample is None else {cls.kind: {"shape": per_sample}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Reshape to (N, *shape), the batch kept (0), one size may be -1 as in the spec."""
        builder.node("Reshape", [inputs[0], builder.constant(name, [0, *self.shape])], outputs, name)


def _permuted_field(field: ReceptiveField, order) -> ReceptiveField:
    """Spatial axes reordered keep their fields while the channels stay first; else the whole input."""
    if field.dims is None or order[0] != 0:
        return ReceptiveField.whole_input()
    return ReceptiveField(tuple(field.dims[axis - 1] for axis in order[1:]))


class Permute(Layer):
    """A sample's axes reordered (torch.permute with the batch axis left first)."""

    kind = "permute"
    summary = {"en": "permute: a sample's axes in a new order (output axis i is input axis dims[i])",
               "es": "permutar: los ejes de una muestra en otro orden (el eje i de la salida es el eje dims[i])"}
    formulas = {
        "en": {"shape": "output axis i has input axis dims[i]'s size", "params": "0", "macs": "0",
               "receptive_field": "unchanged while the channels stay first"},
        "es": {"shape": "el eje de salida i tiene el tamaño del eje de entrada dims[i]", "params": "0", "macs": "0",
               "receptive_field": "sin cambios mientras los canales sigan primero"},
    }
    flop_rule = NO_FLOPS

    dims: list[int] = Field(description="a permutation of the sample's axes 0 (channels), 1, ...",
                            json_schema_extra={"es": "una permutación de los ejes de la muestra 0 (canales), 1, ..."})

    def infer(self, inputs, check):
        (x,) = inputs
        if sorted(self.dims) != list(range(len(x.dims))):
            raise LayerError("permute_dims", dims=str(self.dims), rank=len(x.dims), last=len(x.dims) - 1)
        return LayerResult(output=Tensor(tuple(x.dims[axis] for axis in self.dims),
                                         _permuted_field(x.field, self.dims)),
                           trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        return arrays[0].transpose(0, *(axis + 1 for axis in self.dims))

    torch_modules = ("Tensor.permute", "torch.permute", "torchvision.ops.misc.Permute", "Tensor.movedim",
                     "torch.movedim")

    @classmethod
    def from_torch(cls, call, shapes):
        """x.permute(0, ...) / torch.permute(x, dims) / torchvision's Permute(dims), the batch left
        first; x.movedim(source, destination) of one axis as the permutation it makes."""
        ndim = len(shapes.inputs[0]) + 1
        if call.module is not None:
            dims = list(call.module.dims)
        elif call.target.endswith("movedim"):
            source, destination = call.argument(1, "source"), call.argument(2, "destination")
            if not isinstance(source, int) or not isinstance(destination, int):
                return None
            dims = [axis for axis in range(ndim) if axis != source % ndim]
            dims.insert(destination % ndim, source % ndim)
        else:
            given = call.argument(1, "dims")
            dims = list(given) if isinstance(given, (list, tuple)) else list(call.arguments[1:])
        if dims[0] % ndim != 0:
            raise LayerError("torch_batch_axis", value=dims[0])
        return {cls.kind: {"dims": [torch_axis(dim, ndim) for dim in dims[1:]]}}

    def to_torch(self, inputs, layout):
        return TorchCode(call="{0}.permute(" + ", ".join(str(axis) for axis in (0, *(a + 1 for a in self.dims))) + ")")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Transpose",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Transpose that keeps the batch first: perm less its axis 0, each minus 1."""
        count = len(node.shape(0))
        perm = node.attr("perm", list(reversed(range(count))))
        return {cls.kind: {"dims": [axis - 1 for axis in perm[1:]]}} if perm[0] == 0 else None

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Transpose with the batch axis left first."""
        builder.node("Transpose", inputs, outputs, name, perm=[0, *(axis + 1 for axis in self.dims)])


class Transpose(Layer):
    """Two axes of a sample swapped (torch.transpose(x, dim0 + 1, dim1 + 1))."""

    kind = "transpose"
    summary = {"en": "transpose: two axes of a sample swapped", "es": "trasponer: dos ejes de una muestra "
               "intercambiados"}
    formulas = {
        "en": {"shape": "the two axes' sizes swapped", "params": "0", "macs": "0",
               "receptive_field": "unchanged while the channels stay first"},
        "es": {"shape": "los tamaños de los dos ejes intercambiados", "params": "0", "macs": "0",
               "receptive_field": "sin cambios mientras los canales sigan primero"},
    }
    flop_rule = NO_FLOPS

    dim0: int = Field(description="one axis: 0 = channels, -1 = the last",
                      json_schema_extra={"es": "un eje: 0 = canales, -1 = el último"})
    dim1: int = Field(description="the other axis",
                      json_schema_extra={"es": "el otro eje"})

    def order(self, count: int) -> list[int]:
        order = list(range(count))
        first, second = self.dim0 % count, self.dim1 % count
        order[first], order[second] = second, first
        return order

    def infer(self, inputs, check):
        (x,) = inputs
        for axis in (self.dim0, self.dim1):
            _axis(axis, x)
        order = self.order(len(x.dims))
        return LayerResult(output=Tensor(tuple(x.dims[axis] for axis in order), _permuted_field(x.field, order)),
                           trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        x = arrays[0]
        return x.transpose(0, *(axis + 1 for axis in self.order(x.ndim - 1)))

    torch_modules = ("Tensor.transpose", "torch.transpose")

    @classmethod
    def from_torch(cls, call, shapes):
        """torch.transpose(x, dim0, dim1), neither of them the batch."""
        ndim = len(shapes.inputs[0]) + 1
        return {cls.kind: {"dim0": torch_axis(call.argument(1, "dim0"), ndim),
                           "dim1": torch_axis(call.argument(2, "dim1"), ndim)}}

    def to_torch(self, inputs, layout):
        return TorchCode(call=f"{{0}}.transpose({torch_dim(self.dim0)}, {torch_dim(self.dim1)})")

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Transpose swapping the two axes, the batch axis left first."""
        order = self.order(len(builder.tensors[0].dims))
        builder.node("Transpose", inputs, outputs, name, perm=[0, *(axis + 1 for axis in order)])


class Reduce(Layer):
    """Mean, sum or maximum over axes (torch.mean / sum / amax with dim and keepdim)."""

    kind = "reduce"
    summary = {"en": "reduce: mean, sum or maximum over axes of a sample (keepdim keeps them as size 1)",
               "es": "reducción: media, suma o máximo sobre ejes de una muestra (keepdim los deja con tamaño 1)"}
    formulas = {
        "en": {"shape": "the reduced axes removed (size 1 with keepdim)", "params": "0", "macs": "0",
               "receptive_field": "the whole input over reduced spatial axes"},
        "es": {"shape": "sin los ejes reducidos (de tamaño 1 con keepdim)", "params": "0", "macs": "0",
               "receptive_field": "la entrada entera sobre los ejes espaciales reducidos"},
    }
    flop_rule = {"en": "sum and max: (inputs - outputs) additions or comparisons; mean: one more division per "
                       "output, so one FLOP per input element",
                 "es": "suma y máximo: (entradas - salidas) sumas o comparaciones; media: una división más por "
                       "salida, es decir un FLOP por elemento de entrada"}

    op: Literal["mean", "sum", "max"] = Field(default="mean", description="what the reduced values give",
                                              json_schema_extra={"es": "lo que dan los valores reducidos"})
    axes: int | list[int] = Field(validation_alias=AliasChoices("axes", "dim", "axis"),
                                  description="the axis or axes reduced: 0 = channels, -1 = the last",
                                  json_schema_extra={"es": "el eje o los ejes reducidos: 0 = canales, -1 = el último"})
    keepdim: bool = Field(default=False, validation_alias=AliasChoices("keepdim", "keepdims"),
                          description="keep reduced axes as size 1",
                          json_schema_extra={"es": "conservar los ejes reducidos con tamaño 1"})

    @field_validator("axes")
    @classmethod
    def _some_axes(cls, value):
        if value == []:
            raise ValueError(Msg("v_axes_one"))
        return [value] if isinstance(value, int) else value

    def infer(self, inputs, check):
        (x,) = inputs
        axes = {_axis(axis, x) for axis in self.axes}
        if len(axes) != len(self.axes):
            raise LayerError("reduce_repeated_axis", axes=str(self.axes))
        dims = tuple(1 if axis in axes else size for axis, size in enumerate(x.dims)) if self.keepdim else tuple(
            size for axis, size in enumerate(x.dims) if axis not in axes)
        if not dims:
            dims = (1,)  # every axis reduced: one value per sample, as a vector of one
        field = x.field if axes == {0} and self.keepdim else ReceptiveField.whole_input()
        inputs_count, outputs_count = product(x.dims), product(dims)
        flops = inputs_count if self.op == "mean" else inputs_count - outputs_count
        return LayerResult(output=Tensor(dims, field), trainable=0, non_trainable=0, macs=0, flops=flops)

    def forward(self, arrays, params, ops):
        import numpy as np

        x = arrays[0]
        axes = tuple(axis % (x.ndim - 1) + 1 for axis in self.axes)
        reduce = {"mean": np.mean, "sum": np.sum, "max": np.max}[self.op]
        out = reduce(x, axis=axes, keepdims=self.keepdim)
        return out.reshape(x.shape[0], 1) if out.ndim == 1 else out

    torch_modules = ("Tensor.mean", "torch.mean", "Tensor.sum", "torch.sum", "Tensor.amax", "torch.amax")

    @classmethod
    def from_torch(cls, call, shapes):
        """x.mean(dim, keepdim) / sum / amax over a sample's axes (not the batch, not every axis)."""
        dims = call.argument(1, "dim")
        if dims is None or dims == () or dims == []:
            raise LayerError("torch_batch_axis", value=0)
        ndim = len(shapes.inputs[0]) + 1
        axes = [torch_axis(dim, ndim) for dim in ([dims] if isinstance(dims, int) else dims)]
        op = {"mean": "mean", "sum": "sum", "amax": "max"}[call.target.rsplit(".", 1)[-1]]
        fields = {"op": op, "axes": axes[0] if len(axes) == 1 else axes}
        if call.argument(2, "keepdim", False):
            fields["keepdim"] = True
        return {cls.kind: fields}

    def to_torch(self, inputs, layout):
        """x.mean / x.sum / x.amax over the dims; every axis reduced gives one value per sample, kept
        as a vector of one (unsqueeze), as convcalc's shape says."""
        dims = tuple(torch_dim(axis) for axis in self.axes)
        method = {"mean": "mean", "sum": "sum", "max": "amax"}[self.op]
        call = f"{{0}}.{method}(dim={literal(dims)}" + (", keepdim=True)" if self.keepdim else ")")
        if not self.keepdim and len(self.axes) == len(inputs[0].dims):
            call += ".unsqueeze(1)"
        return TorchCode(call=call)

    onnx_ops: ClassVar[tuple[str, ...]] = ("ReduceMean", "ReduceSum", "ReduceMax")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX ReduceMean / ReduceSum / ReduceMax over sample axes (axes an attribute, or an input
        since opset 18, 13 for ReduceSum), keepdims (default 1)."""
        axes = node.ints(1) if node.has(1) else node.attr("axes")
        if not axes:
            return None
        converted = [node.axis(axis) for axis in axes]
        if None in converted:
            return None
        fields = {"op": node.op[len("Reduce"):].lower(), "axes": converted}
        if node.attr("keepdims", 1):
            fields["keepdim"] = True
        return {cls.kind: fields}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX ReduceMean / ReduceSum / ReduceMax (axes as an input, opset 18); every axis reduced
        without keepdim: one value per sample, (N, 1) as the forward gives."""
        x = builder.tensors[0]
        axes = builder.constant(name, [_axis(axis, x) + 1 for axis in self.axes])
        op = {"mean": "ReduceMean", "sum": "ReduceSum", "max": "ReduceMax"}[self.op]
        if self.keepdim or len(self.axes) < len(x.dims):
            builder.node(op, [inputs[0], axes], outputs, name, keepdims=int(self.keepdim))
            return
        reduced = builder.step(op, [inputs[0], axes], name, keepdims=0)
        builder.node("Unsqueeze", [reduced, builder.constant(name, [1])], outputs, name)


class Identity(Layer):
    """Its input, unchanged (torch.nn.Identity): a placeholder, or a named point in the graph."""

    kind = "identity"
    summary = {"en": "identity: the input unchanged", "es": "identidad: la entrada sin cambios"}
    in_place = True  # its output is its input
    formulas = {
        "en": {"shape": "unchanged", "params": "0", "macs": "0", "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "0", "macs": "0", "receptive_field": "sin cambios"},
    }
    flop_rule = {"en": "0", "es": "0"}

    def infer(self, inputs, check):
        (x,) = inputs
        return LayerResult(output=x, trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        return arrays[0]

    torch_modules = ("torch.nn.Identity", "Tensor.contiguous")

    @classmethod
    def from_torch(cls, call, shapes):
        """nn.Identity, a module with a name, is a layer; x.contiguous() passes its input through ({})."""
        return {cls.kind: {}} if call.module is not None else {}

    def to_torch(self, inputs, layout):
        return TorchCode("nn.Identity()")

    onnx_ops: ClassVar[tuple[str, ...]] = ("Identity", "Concat", "Sum")

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Identity, and a Concat or Sum of one tensor (DenseNet's torch.cat([x], 1))."""
        return {cls.kind: {}} if len([name for name in node.inputs if name]) == 1 else None

    def to_onnx(self, name, inputs, outputs, params, builder):
        builder.node("Identity", inputs, outputs, name)


class StochasticDepth(Layer):
    """Drops a residual branch at random while training; the identity at inference
    (torchvision.ops.StochasticDepth in eval mode)."""

    kind = "stochastic_depth"
    summary = {"en": "stochastic depth: drops the branch at random while training; the identity at inference "
                     "(what convcalc computes)",
               "es": "profundidad estocástica: descarta la rama al azar al entrenar; la identidad en inferencia "
                     "(lo que calcula convcalc)"}
    formulas = {
        "en": {"shape": "unchanged", "params": "0", "macs": "0", "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "0", "macs": "0", "receptive_field": "sin cambios"},
    }
    flop_rule = {"en": "0: the identity at inference", "es": "0: la identidad en inferencia"}

    p: float = Field(default=0.1, ge=0, le=1, validation_alias=AliasChoices("p", "rate"),
                     description="probability of dropping while training",
                     json_schema_extra={"es": "probabilidad de descartar durante el entrenamiento"})
    mode: Literal["row", "batch"] = Field(default="row", description="per sample (row) or the whole batch",
                                          json_schema_extra={"es": "por muestra (fila) o el lote entero"})

    def infer(self, inputs, check):
        (x,) = inputs
        return LayerResult(output=x, trainable=0, non_trainable=0, macs=0, flops=0)

    def forward(self, arrays, params, ops):
        return arrays[0]

    torch_modules = ("torchvision.ops.StochasticDepth",)

    @classmethod
    def from_torch(cls, call, shapes):
        """torchvision.ops.StochasticDepth(p, mode): the identity at inference."""
        return {cls.kind: {"p": call.module.p, "mode": call.module.mode}}

    def to_torch(self, inputs, layout):
        """StochasticDepth(p, mode), a helper class of the generated file: torchvision.ops.StochasticDepth."""
        helper = (
            "class StochasticDepth(nn.Module):\n"
            '    """While training, drops the input (per sample: "row", or the whole batch) with probability\n'
            '    p and scales what is kept by 1/(1 - p); the identity at inference (torchvision.ops)."""\n\n'
            "    def __init__(self, p, mode):\n"
            "        super().__init__()\n"
            "        self.p, self.mode = p, mode\n\n"
            "    def forward(self, x):\n"
            "        if not self.training or self.p == 0.0:\n"
            "            return x\n"
            '        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim\n'
            "        keep = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(1.0 - self.p)\n"
            "        return x * (keep / (1.0 - self.p) if self.p < 1.0 else keep)\n")
        return TorchCode(constructor("StochasticDepth", self.p, self.mode), helper=helper)

    def to_onnx(self, name, inputs, outputs, params, builder):
        """The identity at inference: ONNX Identity (ONNX has no op dropping whole samples; its
        Dropout drops elements)."""
        builder.node("Identity", inputs, outputs, name)

    onnx_ops: ClassVar[tuple[str, ...]] = ("Identity",)

    @classmethod
    def from_onnx(cls, node, graph):
        """An Identity: what ``to_onnx`` writes. The identity type claims it first; a node's
        ``convcalc.type`` brings this one back, with the default p (training-time only, not in
        the file)."""
        return {cls.kind: {}}


class LayerScale(Layer):
    """A learnt multiplier per channel (ConvNeXt's and CaiT's layer scale): y = gamma_c * x."""

    kind = "layer_scale"
    summary = {"en": "layer scale: each channel multiplied by its own learnt factor",
               "es": "escala por capa: cada canal multiplicado por su propio factor aprendido"}
    formulas = {
        "en": {"shape": "unchanged", "params": "C", "macs": "0", "receptive_field": "unchanged"},
        "es": {"shape": "sin cambios", "params": "C", "macs": "0", "receptive_field": "sin cambios"},
    }
    flop_rule = {"en": "1 multiplication per element", "es": "1 multiplicación por elemento"}

    init: float = Field(default=1e-6, description="the factors' starting value when training (ConvNeXt: "
                        "1e-6); recorded only: run draws the factors or takes them from weights",
                        json_schema_extra={"es": "el valor inicial de los factores al entrenar (ConvNeXt: 1e-6); solo "
                                                 "se registra: `run` sortea los factores o los toma de `weights`"})

    def infer(self, inputs, check):
        (x,) = inputs
        return LayerResult(output=x, trainable=x.channels, non_trainable=0, macs=0, flops=product(x.dims))

    def parameter_shapes(self, inputs):
        return {"weight": ((inputs[0].channels,), True)}

    def forward(self, arrays, params, ops):
        x = arrays[0]
        return x * params["weight"].reshape(1, -1, *([1] * (x.ndim - 2)))

    torch_modules = ("operator.mul", "torch.mul")

    @classmethod
    def from_torch(cls, call, shapes):
        """A model's own parameter of shape (C, 1, ..., 1) times a layer's tensor (ConvNeXt's
        CNBlock.layer_scale * block(x)): named after that parameter."""
        if len(call.parameters) != 1 or len(shapes.inputs) != 1:
            return None
        (shape,), channels = call.parameters, shapes.inputs[0][0]
        if shape is None or tuple(shape) != (channels, *([1] * (len(shapes.inputs[0]) - 1))):
            return None
        return {cls.kind: {}}

    def to_torch(self, inputs, layout):
        """LayerScale(C), a helper class of the generated file holding the factors as ``weight``."""
        helper = (
            "class LayerScale(nn.Module):\n"
            '    """Each channel multiplied by its own learnt factor (ConvNeXt\'s layer scale)."""\n\n'
            "    def __init__(self, channels):\n"
            "        super().__init__()\n"
            "        self.weight = nn.Parameter(torch.ones(channels))\n\n"
            "    def forward(self, x):\n"
            "        return x * self.weight.reshape(-1, *[1] * (x.ndim - 2))\n")
        return TorchCode(constructor("LayerScale", number(inputs[0].channels, "channels")), helper=helper)

    onnx_ops: ClassVar[tuple[str, ...]] = ("Mul",)

    @classmethod
    def from_onnx(cls, node, graph):
        """ONNX Mul of a map by a constant of one factor per channel, (C, 1, ...) or (C,) on a
        vector (ConvNeXt's layer_scale * block(x))."""
        tensors = [i for i in (0, 1) if node.is_tensor(i)]
        if len(tensors) != 1:
            return None
        other = 1 - tensors[0]
        factors, shape = node.shape(other), node.shape(tensors[0])
        if not node.has(other) or node.is_tensor(other) or not factors or factors[0] != shape[1] \
                or any(size != 1 for size in factors[1:]) or len(factors) != len(shape) - 1:
            return None
        node.bind("weight", other, lambda array: array.reshape(-1))
        return {cls.kind: {}}

    def to_onnx(self, name, inputs, outputs, params, builder):
        """ONNX Mul by the factors shaped (C, 1, ...)."""
        factors = builder.per_channel(name, params["weight"], builder.tensors[0].rank)
        builder.node("Mul", [inputs[0], factors], outputs, name)


def _resolved_target(node, shape=None) -> list | None:
    """An ONNX Reshape's target shape with its 0s (copy the input's size, ``shape`` or the
    node's input's) filled in."""
    target, shape = node.ints(1), node.shape(0) if shape is None else shape
    if target is None or node.attr("allowzero", 0):
        return None
    return [shape[axis] if size == 0 and axis < len(shape) else size for axis, size in enumerate(target)]


def _per_sample(node, target) -> list | None:
    """The per-sample part of an ONNX shape whose axis 0 is the batch: whole numbers or -1 only."""
    if target is None or not target or target[0] != node.shape(0)[0]:
        return None
    rest = target[1:]
    return rest if rest and all(isinstance(size, int) for size in rest) else None

