"""What a layer becomes in exported PyTorch source: the record each layer's ``to_torch`` hook
returns (``convcalc.bridges.torch_export`` writes the file) and the few helpers the hooks share.

The generated file names ``torch``, ``nn`` (torch.nn) and ``F`` (torch.nn.functional), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from convcalc.errors import LayerError
from convcalc.symbolic import format_dim, is_concrete


@dataclass(frozen=True)
class TorchCode:
    """One layer in PyTorch source.

    ``module``: the constructor of the module the layer is (``nn.Conv2d(3, 64, kernel_size=(7, 7))``;
    lines after a first are indented from where it stands), or None for a parameter-free call; ``call``: the forward expression, ``{module}`` standing for the
    module and ``{0}``, ``{1}``, ... for the inputs (plain variable names); ``pad``: ``F.pad`` widths
    (last axis first, as F.pad takes them) applied to input 0 first, with ``pad_value``; ``helper``:
    the source of a class or function of the generated file that ``module`` or ``call`` names."""

    module: str | None = None
    call: str = "{module}({0})"
    pad: tuple[int, ...] | None = None
    pad_value: str | None = None  # None: zeros; "float('-inf')" for max pooling
    helper: str | None = None


def literal(value) -> str:
    """Python source of a hyperparameter: ints, floats, bools, strings and tuples of them.

    >>> literal((7, 7)), literal(1e-05), literal("same")
    ('(7, 7)', '1e-05', "'same'")
    """
    if isinstance(value, (tuple, list)):
        items = ", ".join(literal(item) for item in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    return repr(value) if not isinstance(value, float) or value == value and abs(value) != float("inf") else \
        f"float('{value}')"


def constructor(name: str, *args, **keywords) -> str:
    """``nn.Name(arg, ..., key=value, ...)``: the keywords given (the hooks leave out PyTorch's defaults)."""
    parts = [literal(arg) for arg in args] + [f"{key}={literal(value)}" for key, value in keywords.items()]
    return f"{name}({', '.join(parts)})"


def number(value, field: str) -> int:
    """A size a module's constructor needs as a number: refused (naming ``field``) when it depends on
    the input's symbolic sizes."""
    if not is_concrete(value):
        raise LayerError("torch_size_symbolic", field=field, value=format_dim(value))
    return int(value)


def torch_dim(axis: int) -> int:
    """A sample's axis (0 = channels, negative from the last) as PyTorch's dim (0 = the batch)."""
    return axis + 1 if axis >= 0 else axis


def pad_widths(pairs) -> tuple[int, ...]:
    """(before, after) per spatial axis as F.pad's widths: the last axis first."""
    return tuple(side for lo, hi in reversed(pairs) for side in (lo, hi))


def spatial_index(rank: int, parts) -> str:
    """``[:, :, a:b, c:d]``: every sample and channel, then one slice text per spatial axis."""
    return "[" + ", ".join([":", ":", *parts][:2 + rank]) + "]"


def window_padding(layer, spatial, ceil_mode: bool = False) -> tuple[tuple[int, int], ...]:
    """(before, after) per axis as a windowed layer pads ``spatial``: 'same' with a stride above 1
    pads by an amount that depends on the input size, so it is refused for symbolic sizes."""
    from convcalc.layers.base import NO_CHECKS

    if layer.padding == "same" and any(stride > 1 for stride in layer.strides) and \
            not all(is_concrete(size) for size in spatial):
        raise LayerError("torch_same_symbolic", stride=literal(layer.strides))
    _, pairs = layer.window_sizes(spatial, NO_CHECKS, ceil_mode)
    return tuple((int(lo), int(hi)) for lo, hi in pairs)


def window_keywords(layer, pairs, stride_default) -> dict:
    """kernel_size, and stride and padding where they differ from PyTorch's defaults (``pairs``
    symmetric; the stride's default is 1 for convolutions, the kernel for pooling)."""
    keywords = {"kernel_size": layer.kernel}
    if tuple(layer.strides) != tuple(stride_default):
        keywords["stride"] = layer.strides
    if any(lo for lo, _ in pairs):
        keywords["padding"] = tuple(lo for lo, _ in pairs)
    return keywords
