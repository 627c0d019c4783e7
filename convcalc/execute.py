"""The NumPy reference executor: run an analysed spec on real arrays, each layer by its own
``forward``, and record what actually happened (shapes, values allocated, products performed,
peak memory) so that ``verify`` can hold every analysed figure against it.

Layer-agnostic: weights come from ``Layer.parameter_shapes``, outputs from ``Layer.forward``.
Activations are freed after their last reader, as the analysis's liveness rule assumes.
"""

from __future__ import annotations

import time
import tracemalloc
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.random  # noqa: F401  (loaded before tracing: its import is not the network's memory)

from convcalc.analysis import Analysis
from convcalc.errors import ConvcalcError, Location
from convcalc.graph import INPUT
from convcalc.layers.base import product

# bfloat16 and int8 have no NumPy arithmetic: such specs run in float32 (stated in the output)
COMPUTE_DTYPES = {"float64": "float64", "float32": "float32", "float16": "float16",
                  "bfloat16": "float32", "int8": "float32"}
DEFAULT_MAX_MEMORY = 4 * 1024 ** 3


class CountingOps:
    """The ``Ops`` a forward receives: products are performed and counted here."""

    def __init__(self, layout: str, scratch_bytes: int = 1 << 24):
        self.layout = layout
        self.scratch_bytes = scratch_bytes
        self.macs = 0

    def matmul(self, a, b):
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        self.macs += product(batch) * a.shape[-2] * a.shape[-1] * b.shape[-1]
        return np.matmul(a, b)


@dataclass
class LayerRun:
    name: str
    kind: str
    shape: tuple  # one sample, channels first (a tuple of shapes for a layer with several outputs)
    trainable: int  # parameter values allocated
    non_trainable: int
    macs: int  # multiply-accumulates performed, whole batch
    seconds: float


@dataclass
class Run:
    analysis: Analysis
    dtype: str
    layers: list[LayerRun]
    input: np.ndarray
    outputs: dict[str, np.ndarray]  # the network's outputs (split1.0, ... for several); every activation when kept
    predicted_peak_bytes: int  # the analysis's inference peak at the dtype computed in
    peak_bytes: int | None = None  # measured by tracemalloc, when asked
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def network_outputs(self) -> dict[str, np.ndarray]:
        """The arrays of the network's outputs, by name (split1.0, split1.1 for a layer with several)."""
        graph = self.analysis.graph
        several = {name for name in graph.outputs if graph.node(name).layer.output_count > 1}
        return {name: array for name, array in self.outputs.items()
                if name in graph.outputs and name not in several or name.rpartition(".")[0] in several}


def compute_dtype(analysis: Analysis) -> str:
    return COMPUTE_DTYPES[analysis.spec.dtype]


def predicted_peak(analysis: Analysis) -> int:
    """The analysis's inference peak (parameters + live activations) at the dtype computed in."""
    itemsize = np.dtype(compute_dtype(analysis)).itemsize
    return analysis.totals.peak_inference_bytes * itemsize // analysis.dtype_bytes


def check_runnable(analysis: Analysis, max_memory: int) -> None:
    where = Location(analysis.file)
    if analysis.symbols:
        raise ConvcalcError("run_needs_sizes", where, symbols=", ".join(analysis.symbols))
    peak = predicted_peak(analysis)
    if peak > max_memory:
        raise ConvcalcError("run_too_large", where, needed=_mib(peak), limit=_mib(max_memory))


def execute(analysis: Analysis, *, seed: int = 0, weights_file: str | None = None, input_file: str | None = None,
            keep: bool = False, measure_memory: bool = False, max_memory: int = DEFAULT_MAX_MEMORY,
            weights: dict[str, np.ndarray] | None = None, x: np.ndarray | None = None) -> Run:
    """Run the analysed network; the analysis must be concrete and free of errors. ``weights`` and
    ``x`` (a previous run's) skip drawing them again."""
    check_runnable(analysis, max_memory)
    dtype = compute_dtype(analysis)
    if measure_memory:
        tracemalloc.start()
    try:
        if weights is None:
            weights = _weights(analysis, _load_npz(weights_file) if weights_file else {}, seed, dtype)
        if x is None:
            x = _input(analysis, input_file, seed, dtype)
        scratch = max(1 << 18, predicted_peak(analysis) // 4)  # temporaries stay well inside the tolerance
        values = {INPUT: x}
        last_reader = {source: step for step, report in enumerate(analysis.layers) for source in report.inputs}
        runs = []
        for step, (report, shapes) in enumerate(zip(analysis.layers, _parameter_shapes(analysis))):
            layer = report.node.layer
            params = {name: weights[f"{report.name}.{name}"] for name in shapes}
            ops = CountingOps(analysis.spec.layout, scratch)
            started = time.perf_counter()
            out = layer.forward(report.node.read(values), params, ops)
            if layer.output_count > 1:
                out = tuple(np.ascontiguousarray(array, dtype=dtype) for array in out)
                shape = tuple(tuple(array.shape[1:]) for array in out)
            else:
                out = np.ascontiguousarray(out, dtype=dtype)
                shape = tuple(out.shape[1:])
            elapsed = time.perf_counter() - started
            values[report.name] = out
            trainable = sum(params[name].size for name, (_, is_trainable) in shapes.items() if is_trainable)
            runs.append(LayerRun(report.name, report.kind, shape, trainable,
                                 sum(a.size for a in params.values()) - trainable, ops.macs, elapsed))
            if not keep:
                for source in set(report.inputs):
                    if last_reader.get(source) == step and source in values and source not in analysis.graph.outputs:
                        del values[source]
        peak = tracemalloc.get_traced_memory()[1] if measure_memory else None
    finally:
        if measure_memory:
            tracemalloc.stop()
    kept = {}
    for name in values if keep else analysis.graph.outputs:
        value = values[name]
        kept.update({f"{name}.{index}": array for index, array in enumerate(value)} if isinstance(value, tuple)
                    else {name: value})
    return Run(analysis, dtype, runs, x, kept, predicted_peak(analysis), peak, weights)


def _mib(size: int) -> str:
    return f"{size / 1024 ** 2:,.1f} MiB"


def _parameter_shapes(analysis: Analysis) -> list[dict]:
    """Per layer, in order: name -> (shape, trainable) from the layer and what reaches it."""
    tensors = analysis.tensors()
    return [r.node.layer.parameter_shapes(r.node.read(tensors)) for r in analysis.layers]


def _weights(analysis: Analysis, stored: dict, seed: int, dtype: str) -> dict[str, np.ndarray]:
    """Every parameter: written in the spec, else from the .npz, else seeded (PyTorch's default
    bounds: uniform in +-1/sqrt(fan_in); norm statistics and scales drawn away from the identity
    so that a wrong formula shows)."""
    weights = {}
    for report, shapes in zip(analysis.layers, _parameter_shapes(analysis)):
        node = report.node
        written = node.weights or {}
        fan_in = next((product(shape[1:]) for shape, _ in shapes.values() if len(shape) > 1), None)
        for unknown in set(written) - set(shapes):
            raise ConvcalcError("unknown_weight", analysis.document.location(node.weights_path + (unknown,), True),
                                layer=report.name, name=unknown, valid=", ".join(shapes) or "-")
        for name, (shape, _) in shapes.items():
            key = f"{report.name}.{name}"
            if name in written:
                where = analysis.document.location(node.weights_path + (name,))
                array = _regular_array(written[name], dtype, where, f"{report.name}.{name}", shape)
            elif key in stored:
                array, where = stored[key].astype(dtype), Location(analysis.file)
            else:
                array, where = _seeded(key, shape, seed, fan_in, dtype), None
            if array.shape != shape:
                raise ConvcalcError("weight_shape", where or Location(analysis.file), name=key,
                                    expected=list(shape), received=list(array.shape))
            weights[key] = array
    return weights


def _seeded(key: str, shape: tuple[int, ...], seed: int, fan_in: int | None, dtype: str) -> np.ndarray:
    """Drawn in place in the dtype computed in, so that no float64 copy doubles the peak."""
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    draw = "float64" if dtype == "float64" else "float32"  # the dtypes NumPy's generator draws in
    array = rng.random(shape, dtype=draw)  # uniform in [0, 1)
    if len(shape) > 1 or key.endswith("bias"):  # weighted sums: uniform in +-1/sqrt(fan_in)
        bound = 1 / np.sqrt(product(shape[1:]) if len(shape) > 1 else (fan_in or shape[0]))
        low, high = -bound, bound
    elif key.endswith("running_mean"):
        low, high = -0.1, 0.1
    else:  # running variances, norm scales, PReLU slopes
        low, high = 0.5, 1.5
    array *= high - low
    array += low
    return array.astype(dtype, copy=False)


def _load_npz(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise ConvcalcError("file_not_found", Location(path)) from None
    except (OSError, ValueError) as error:
        raise ConvcalcError("npz_unreadable", Location(path), reason=str(error)) from None


def _input(analysis: Analysis, input_file: str | None, seed: int, dtype: str) -> np.ndarray:
    """The batch (N, C, *spatial): from --input (.npy), from the spec's input_values, or seeded."""
    dims = tuple(analysis.input_tensor.dims)
    batch = analysis.batch
    shown = tuple(analysis.input_shape)
    if input_file is None and analysis.spec.input_values is None:
        return np.random.default_rng([seed, 1]).standard_normal((batch, *dims)).astype(dtype)
    if input_file is not None:
        try:
            array = np.load(Path(input_file), allow_pickle=False)
        except FileNotFoundError:
            raise ConvcalcError("file_not_found", Location(input_file)) from None
        except (OSError, ValueError) as error:
            raise ConvcalcError("npz_unreadable", Location(input_file), reason=str(error)) from None
        where = Location(input_file)
    else:
        where = analysis.document.location(("input_values",))
        array = _regular_array(analysis.spec.input_values, dtype, where, "input_values", shown)
    channels_axis = -1 if analysis.spec.layout == "hwc" else 0
    if len(shown) > 1 and shown[channels_axis] == 1 and array.shape == tuple(np.delete(shown, channels_axis)):
        array = np.expand_dims(array, channels_axis)  # one channel may be written as a plain matrix
    if array.shape == shown:
        array = array[None]
    if array.shape != (batch, *shown):
        raise ConvcalcError("input_shape", where, expected=list(shown), received=list(array.shape))
    if analysis.spec.layout == "hwc" and array.ndim > 2:
        array = np.moveaxis(array, -1, 1)
    return np.ascontiguousarray(array, dtype=dtype)


def _regular_array(values, dtype: str, where: Location, name: str, shape) -> np.ndarray:
    """Nested lists written in a spec as an array; ragged or non-numeric lists are located errors."""
    try:
        return np.asarray(values, dtype=dtype)
    except (ValueError, TypeError):
        raise ConvcalcError("weight_shape", where, name=name, expected=list(shape),
                            received="a ragged or non-numeric list") from None

