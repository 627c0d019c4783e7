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

import numpy as np
import numpy.random  # noqa: F401  (loaded before tracing: its import is not the network's memory)

from convcalc.analysis import Analysis
from convcalc.errors import ConvcalcError, Location
from convcalc.graph import INPUT
from convcalc.i18n import Msg
from convcalc.layers.base import product

# bfloat16 and int8 have no NumPy arithmetic: such specs run in float32 (stated in the output)
COMPUTE_DTYPES = {"float64": "float64", "float32": "float32", "float16": "float16",
                  "bfloat16": "float32", "int8": "float32"}
DEFAULT_MAX_MEMORY = 4 * 1024 ** 3
MEMORY_TOLERANCE = 1.5  # a run's measured peak stays <= 1.5 x the predicted inference peak ...
MEMORY_SLACK = 1024 ** 2  # ... + 1 MiB for the interpreter's own small allocations


class CountingOps:
    """The ``Ops`` a forward receives: products are performed and counted here."""

    def __init__(self, layout: str, scratch_bytes: int = 1 << 24, edges: np.ndarray | None = None):
        self.layout = layout
        self.scratch_bytes = scratch_bytes
        self.edges = edges
        self.macs = 0

    def matmul(self, a, b):
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        self.macs += product(batch) * a.shape[-2] * a.shape[-1] * b.shape[-1]
        return np.matmul(a, b)

    def aggregate(self, out, targets, messages):
        self.macs += messages.size
        np.add.at(out, (slice(None), targets), messages)


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
        graph, outputs = self.analysis.graph, self.analysis.outputs
        several = {name for name in outputs if graph.node(name).layer.output_count > 1}
        return {name: array for name, array in self.outputs.items()
                if name in outputs and name not in several or name.rpartition(".")[0] in several}


def compute_dtype(analysis: Analysis) -> str:
    return COMPUTE_DTYPES[analysis.spec.dtype]


def predicted_peak(analysis: Analysis, keep: bool = False) -> int:
    """The analysis's inference peak (parameters + live activations) at the dtype computed in;
    when every activation is kept (``run --save``, ``check`` with values), parameters + the input
    + every activation."""
    itemsize = np.dtype(compute_dtype(analysis)).itemsize
    totals = analysis.totals
    peak = totals.peak_inference_bytes
    if keep:
        peak = totals.param_bytes + totals.activation_bytes + (
            analysis.batch * product(analysis.input_tensor.dims) * analysis.dtype_bytes)
    return peak * itemsize // analysis.dtype_bytes


def memory_bound(predicted: int) -> int:
    """What a run may take at its peak: the predicted peak x 1.5 + 1 MiB, room for the
    temporaries of the forwards (each bounded by its layer's input, output and weights, or by the
    scratch budget, never by the padding or the kernel) and for reading the array files."""
    return int(predicted * MEMORY_TOLERANCE) + MEMORY_SLACK


def check_runnable(analysis: Analysis, max_memory: int, keep: bool = False) -> None:
    """Refused before anything is allocated: symbolic sizes, and a run that could take more than
    --max-memory (``memory_bound`` of the predicted peak)."""
    where = Location(analysis.file)
    if analysis.symbols:
        raise ConvcalcError("run_needs_sizes", where, symbols=", ".join(analysis.symbols))
    peak = predicted_peak(analysis, keep)
    if memory_bound(peak) > max_memory:
        raise ConvcalcError("run_too_large", where, needed=_bytes(memory_bound(peak)), predicted=_bytes(peak),
                            limit=_bytes(max_memory))


def execute(analysis: Analysis, *, seed: int = 0, weights_file: str | None = None, input_file: str | None = None,
            keep: bool = False, measure_memory: bool = False, max_memory: int = DEFAULT_MAX_MEMORY,
            weights: dict[str, np.ndarray] | None = None, x: np.ndarray | None = None) -> Run:
    """Run the analysed network; the analysis must be concrete and free of errors. ``weights`` and
    ``x`` (a previous run's) skip drawing them again."""
    check_runnable(analysis, max_memory, keep)
    dtype = compute_dtype(analysis)
    if measure_memory:
        tracemalloc.start()
    try:
        if weights is None:
            weights = parameter_values(analysis, weights_file, seed, dtype)
        if x is None:
            x = _input(analysis, input_file, seed, dtype)
        edges = graph_edges(analysis, seed)
        scratch = max(1 << 18, predicted_peak(analysis, keep) // 4)  # temporaries stay well inside the tolerance
        values = {INPUT: x}
        last_reader = {source: step for step, report in enumerate(analysis.layers) if report.runs
                       for source in report.inputs}
        runs = []
        for step, (report, shapes) in enumerate(zip(analysis.layers, _parameter_shapes(analysis))):
            if not report.runs:
                continue  # in this mode (train_only in eval): its weights are drawn, but it does not run
            layer = report.node.layer
            params = {name: weights[f"{report.name}.{name}"] for name in shapes}
            ops = CountingOps(analysis.spec.layout, scratch, edges)
            started = time.perf_counter()
            with np.errstate(all="ignore"):  # an overflow is the network's result (inf), not a raw warning
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
                    if last_reader.get(source) == step and source in values and source not in analysis.outputs:
                        del values[source]
        peak = tracemalloc.get_traced_memory()[1] if measure_memory else None
    finally:
        if measure_memory:
            tracemalloc.stop()
    kept = {}
    for name in values if keep else analysis.outputs:
        value = values[name]
        kept.update({f"{name}.{index}": array for index, array in enumerate(value)} if isinstance(value, tuple)
                    else {name: value})
    return Run(analysis, dtype, runs, x, kept, predicted_peak(analysis, keep), peak, weights)


def random_edges(nodes: int, edges: int, seed: int = 0) -> np.ndarray:
    """A seeded random directed graph as an edge list (2, E) of (sources, targets): each edge's
    source uniform over the nodes and its target another node (no self-loop, which GCNConv and
    GATConv add themselves); two edges may join the same pair, as in a multigraph.

    >>> edges = random_edges(5, 8, seed=0)
    >>> edges.shape, bool((edges[0] != edges[1]).all()), bool((edges < 5).all())
    ((2, 8), True, True)
    """
    rng = np.random.default_rng([seed_entropy(seed), 2])
    sources = rng.integers(0, nodes, edges)
    targets = (sources + rng.integers(1, max(nodes, 2), edges)) % nodes
    return np.stack([sources, targets])


def graph_edges(analysis: Analysis, seed: int) -> np.ndarray | None:
    """The edge list a graph spec runs on: its ``edge_list``, else ``random_edges`` over its nodes
    (the input's first axis); None for a spec without a graph."""
    graph = analysis.spec.graph
    if graph is None:
        return None
    if graph.edge_list is not None:
        return np.array(graph.edge_list, dtype=np.int64).reshape(2, -1)
    return random_edges(int(analysis.input_tensor.dims[0]), int(analysis.sizes["edges"]), seed)


def _bytes(size: int) -> str:
    """Bytes in binary units, in the message's language (EnglishNumber): 1.4 MiB, 1,4 MiB."""
    from convcalc.text import EnglishNumber
    from convcalc.units import bytes_text

    return EnglishNumber(bytes_text(size))


def _parameter_shapes(analysis: Analysis) -> list[dict]:
    """Per layer, in order: name -> (shape, trainable) from the layer and what reaches it."""
    tensors = analysis.tensors()
    return [r.node.layer.parameter_shapes(r.node.read(tensors)) for r in analysis.layers]


def parameter_values(analysis: Analysis, weights_file: str | None, seed: int, dtype: str) -> dict[str, np.ndarray]:
    """Every parameter: written in the spec, else from the .npz, else seeded (PyTorch's default
    bounds: uniform in +-1/sqrt(fan_in); norm statistics and scales drawn away from the identity
    so that a wrong formula shows). With --weights, the file must give exactly the parameters
    the spec does not write: a key matching nothing, or a parameter left out, is an error.
    Keyed ``layer.parameter``; the ONNX exporter names its initializers by these keys."""
    layers = list(zip(analysis.layers, _parameter_shapes(analysis)))
    from_file: dict[str, tuple[int, ...]] = {}
    for report, shapes in layers:
        node = report.node
        written = node.weights or {}
        for unknown in set(written) - set(shapes):
            raise ConvcalcError("unknown_weight", analysis.document.location(node.weights_path + (unknown,), True),
                                layer=report.name, name=unknown, valid=", ".join(shapes) or "-")
        from_file.update({f"{report.name}.{name}": shape for name, (shape, _) in shapes.items() if name not in written})
    stored = {}
    if weights_file is not None:
        from convcalc.arrays import load_weights

        # a PyTorch state_dict's step counters of layers with running statistics do not enter inference
        counters = {f"{report.name}.num_batches_tracked" for report, shapes in layers if "running_mean" in shapes}
        stored = load_weights(weights_file, from_file, counters, dtype,
                              unknown=lambda key: _unmatched_key(analysis, layers, key, weights_file),
                              missing=lambda keys: ConvcalcError("npz_missing", Location(weights_file), names=", ".join(
                                  keys[:5]) + (f" (+{len(keys) - 5})" if len(keys) > 5 else "")))
    elif analysis.document.weights is not None:  # an imported model's own parameters (its ONNX initializers)
        stored = _provided(analysis, from_file, dtype)
    weights = {}
    for report, shapes in layers:
        node = report.node
        written = node.weights or {}
        fan_in = next((product(shape[1:]) for shape, _ in shapes.values() if len(shape) > 1), None)
        for name, (shape, _) in shapes.items():
            key = f"{report.name}.{name}"
            if name in written:
                where = analysis.document.location(node.weights_path + (name,))
                array = _regular_array(written[name], dtype, where, key, shape)
                if array.shape != shape:
                    raise ConvcalcError("weight_shape", where, name=key, expected=list(shape),
                                        received=list(array.shape))
            elif key in stored:
                array = stored.pop(key)  # shape and values checked as the file was read
            else:
                array = _seeded(key, shape, seed, fan_in, dtype)
            weights[key] = array
    return weights


def _provided(analysis: Analysis, wanted: dict, dtype: str) -> dict[str, np.ndarray]:
    """The parameters the spec's Document carries (an imported model's), those ``wanted`` names, in
    ``dtype``; one of another shape than the layer's is an error."""
    arrays = {}
    for key, array in analysis.document.weights().items():
        if key in wanted:
            if tuple(array.shape) != tuple(wanted[key]):
                raise ConvcalcError("weight_shape", Location(analysis.file), name=key, expected=list(wanted[key]),
                                    received=list(array.shape))
            arrays[key] = np.ascontiguousarray(array, dtype=dtype)
    return arrays


def _unmatched_key(analysis: Analysis, layers, key: str, weights_file: str) -> ConvcalcError:
    """The error for an .npz key that names no parameter to read: the inline rule's wording when
    the key starts with a layer's name."""
    from convcalc.spec import suggestion

    owners = [report for report, _ in layers if key.startswith(report.name + ".")]
    where = Location(weights_file)
    if not owners:
        keys = [f"{report.name}.{name}" for report, shapes in layers for name in shapes]
        return ConvcalcError("npz_unknown_key", where, key=key, reason=Msg("npz_no_layer", hint=suggestion(key, keys)))
    report, shapes = max(((report, shapes) for report, shapes in layers if report in owners),
                         key=lambda pair: len(pair[0].name))
    name = key[len(report.name) + 1:]
    if name in (report.node.weights or {}):
        return ConvcalcError("npz_written_in_spec", where, key=key)
    return ConvcalcError("npz_unknown_key", where, key=key, reason=Msg(
        "unknown_weight", layer=report.name, name=name, valid=", ".join(shapes) or "-"))


def seed_entropy(seed: int) -> int:
    """The seed NumPy draws from: a non-negative seed as it is, a negative one as its 64-bit
    two's complement (-1 -> 2**64 - 1), since NumPy's generators take non-negative seeds only."""
    return seed if seed >= 0 else seed % 2 ** 64


def _seeded(key: str, shape: tuple[int, ...], seed: int, fan_in: int | None, dtype: str) -> np.ndarray:
    """Drawn in place in the dtype computed in, so that no float64 copy doubles the peak."""
    rng = np.random.default_rng([seed_entropy(seed), zlib.crc32(key.encode())])
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


def _input(analysis: Analysis, input_file: str | None, seed: int, dtype: str) -> np.ndarray:
    """The batch (N, C, *spatial): from --input (.npy), from the spec's input_values, or seeded.
    Either may be one sample or a batch, in the spec's layout; a one-channel sample may be a matrix."""
    dims = tuple(analysis.input_tensor.dims)
    batch = analysis.batch
    shown = tuple(analysis.input_shape)
    if input_file is None and analysis.spec.input_values is None:
        draw = "float64" if dtype == "float64" else "float32"  # drawn in the dtype run in: no float64 copy
        return np.random.default_rng([seed_entropy(seed), 1]).standard_normal((batch, *dims), dtype=draw).astype(
            dtype, copy=False)
    channels_axis = -1 if analysis.spec.layout == "hwc" else 0
    matrix = tuple(np.delete(shown, channels_axis)) if len(shown) > 1 and shown[channels_axis] == 1 else None
    if input_file is not None:
        from convcalc.arrays import load_input

        allowed = [shape for shape in (shown, (batch, *shown), matrix) if shape is not None]
        where = Location(input_file)
        array = load_input(input_file, allowed, list(shown), dtype)
    else:
        where = analysis.document.location(("input_values",))
        array = _regular_array(analysis.spec.input_values, dtype, where, "input_values", shown)
    if matrix is not None and array.shape == matrix:
        array = np.expand_dims(array, channels_axis)  # one channel may be written as a plain matrix
    if array.shape == shown:
        array = array[None]
    if array.shape != (batch, *shown):
        raise ConvcalcError("input_shape", where, expected=list(shown), received=list(array.shape))
    if analysis.spec.layout == "hwc" and array.ndim > 2:
        array = np.moveaxis(array, -1, 1)
    return np.ascontiguousarray(array, dtype=dtype)


def _regular_array(values, dtype: str, where: Location, name: str, shape) -> np.ndarray:
    """Nested lists written in a spec as an array; ragged or non-numeric lists (true/false and
    text are not numbers) and values not finite in the dtype are located errors."""
    from convcalc.arrays import check_finite, numeric_lists

    if not numeric_lists(values):
        raise ConvcalcError("weight_shape", where, name=name, expected=list(shape),
                            received=Msg("received_not_numbers"))
    try:
        array = np.asarray(values, dtype=dtype)
    except (ValueError, TypeError, OverflowError):
        raise ConvcalcError("weight_shape", where, name=name, expected=list(shape),
                            received=Msg("received_ragged")) from None
    check_finite(array, where, name)
    return array
