"""Analysis: walk the graph, ask each node's layer for its figures, collect what is wrong.

Layer-agnostic: every figure comes from ``Layer.infer``; this module adds only what is the same
for every layer (batch, bytes, liveness, totals) and turns checks into findings or conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convcalc.diagnostics import Finding, level
from convcalc.errors import ConvcalcError, LayerError, Location
from convcalc.graph import INPUT, Graph, Node
from convcalc.layers.base import LayerResult, ReceptiveField, Tensor, product
from convcalc.loading import Document
from convcalc.spec import DTYPE_BYTES, Spec
from convcalc.symbolic import Dim, Expr, format_dim, is_concrete, substitute, symbol

OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}  # per trainable parameter


@dataclass
class Options:
    values: dict[str, int] = field(default_factory=dict)  # --set H=224
    strict: bool | None = None  # None: as the spec says
    optimizer: str = "adam"
    budgets: dict[str, int] = field(default_factory=dict)  # --max-params 25M ... (bytes for memory)
    input_shape: tuple | None = None  # --input 3x160x160 (or 3xHxW): instead of the spec's `input:`
    params: dict = field(default_factory=dict)  # --param width=0.5: the spec's `params:` given other values
    mode: str = "eval"  # eval: train_only layers hold parameters but do not run; train: every layer runs


@dataclass(slots=True)
class LayerReport:
    node: Node  # the layer, its name, inputs and place, and its inline weights (for the executor)
    result: LayerResult | None = None  # None when the layer could not be analysed
    shape: tuple[Dim, ...] | None = None  # in the spec's layout (a layer with several outputs: its first)
    shapes: tuple | None = None  # every output's shape in the spec's layout, for a layer with several
    activation_elements: Dim = 0  # batch included
    activation_bytes: Dim = 0
    connections: Dim | None = None  # LeCun et al. 1998's count, for the types that give it
    runs: bool = True  # False for a train_only layer in eval mode: its MACs and memory are not counted
    sized: bool = True  # False for a layer that does not run and could not at this input: only its parameters mean something

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def kind(self) -> str:
        return self.node.layer.kind

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.node.inputs

    @property
    def location(self) -> Location:
        return self.node.location

    @property
    def block(self) -> str | None:
        return self.node.block

    @property
    def params(self) -> Dim:
        """Parameters as PyTorch's parameters() counts them; buffers are non-trainable, apart."""
        return self.result.trainable if self.result else 0


@dataclass
class Totals:
    trainable: Dim = 0
    non_trainable: Dim = 0
    macs: Dim = 0
    flops: Dim = 0
    param_bytes: Dim = 0
    activation_bytes: Dim = 0
    peak_activation_bytes: Dim | None = None
    peak_inference_bytes: Dim | None = None
    training_bytes: Dim = 0

    @property
    def params(self) -> Dim:
        return self.trainable


@dataclass
class Analysis:
    spec: Spec
    file: str
    input_shape: tuple[Dim, ...]  # in the spec's layout
    batch: Dim
    dtype_bytes: int
    optimizer: str
    strict: bool
    layers: list[LayerReport]
    totals: Totals
    findings: list[Finding]
    conditions: list  # of convcalc.conditions.Condition, the overall valid sizes first
    symbols: tuple[str, ...]
    graph: Graph | None = None
    document: Document | None = None
    input_tensor: Tensor | None = None  # channels first
    params: dict = field(default_factory=dict)  # the spec's `params:` as analysed (--param applied)
    mode: str = "eval"
    sizes: dict = field(default_factory=dict)  # the spec's named sizes besides its input: {"edges": E}

    @property
    def outputs(self) -> list[str]:
        """The layers nobody reads that run in this mode: the network's outputs."""
        running = {report.name for report in self.layers if report.runs}
        return [name for name in self.graph.outputs if name in running] if self.graph else []

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(report.kind for report in self.layers))

    def tensors(self) -> dict:
        """Layer name -> its output tensor (a tuple of them for a layer with several), ``input`` too:
        what ``Node.read`` takes a layer's inputs from."""
        return {INPUT: self.input_tensor, **{report.name: report.result.output if report.result.outputs is None
                                             else report.result.outputs for report in self.layers if report.result}}

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def display(dims: tuple[Dim, ...], layout: str) -> tuple[Dim, ...]:
    """Channels-first dims in the spec's layout (hwc puts channels last)."""
    return (*dims[1:], dims[0]) if layout == "hwc" and len(dims) > 1 else dims




def analyze(spec: Spec, graph: Graph, document: Document, options: Options) -> Analysis:
    strict = spec.strict if options.strict is None else options.strict
    given = list(options.input_shape) if options.input_shape else spec.input
    named = {"edges": spec.graph.edges} if spec.graph else {}  # sizes of the spec besides its input
    env = _checked_values([*given, *named.values()], spec.batch, options.values, document)
    written = [symbol(v) if isinstance(v, str) else v for v in given]
    dims = tuple(substitute(v, env) for v in (written if spec.layout == "chw" or len(written) == 1
                                              else [written[-1], *written[:-1]]))
    batch = substitute(symbol(spec.batch) if isinstance(spec.batch, str) else spec.batch, env)
    dtype_bytes = DTYPE_BYTES[spec.dtype]
    sizes = {name: substitute(symbol(v) if isinstance(v, str) else v, env) for name, v in named.items()}
    symbols = tuple(sorted(set().union(*(d.symbols() for d in (*dims, batch, *sizes.values()) if not is_concrete(d)))))

    findings: list[Finding] = []
    constraints: list = []  # of convcalc.conditions.Constraint
    if spec.graph is not None and spec.graph.edge_list:
        _check_edge_list(spec.graph.edge_list, dims[0], document, findings)
    tensors: dict[str, Tensor | None] = {INPUT: Tensor(dims, ReceptiveField.identity(len(dims) - 1))}
    reports: list[LayerReport] = []
    unsized: set[str] = set()  # layers that do not run and could not at this input
    for node in graph.nodes:
        report = LayerReport(node, runs=options.mode == "train" or not node.train_only)
        reports.append(report)
        inputs = node.read(tensors)
        tensors[node.name] = None
        if any(value is None for value in inputs):
            continue  # an input is already reported as wrong
        try:
            checks = _Checks(node, strict, findings, constraints, sizes) if report.runs else \
                _NotRun(node, findings, sizes, after_unsized=any(source in unsized for source in node.inputs))
            result = node.layer.infer(inputs, checks)
        except LayerError as error:
            findings.append(Finding.at(node, level(error.key), error.key, _printable(error.params)))
            continue
        _within_bound(result.output, node)
        report.result = result
        tensors[node.name] = result.output if result.outputs is None else result.outputs
        if not report.runs and checks.warned:
            report.sized = False
            unsized.add(node.name)
            continue
        report.shape = display(result.output.dims, spec.layout)
        if result.outputs is not None:
            report.shapes = tuple(display(tensor.dims, spec.layout) for tensor in result.outputs)
        report.activation_elements = batch * sum((product(tensor.dims) for tensor in result.tensors), 0)
        report.activation_bytes = report.activation_elements * dtype_bytes
        report.connections = node.layer.connection_count(inputs, result)

    conditions = []
    if constraints:
        from convcalc.conditions import solve  # only symbolic sizes need the solver

        conditions = solve(constraints, symbols, findings)
    totals = _totals(reports, tensors[INPUT], batch, dtype_bytes, options.optimizer)
    return Analysis(spec, document.file, display(dims, spec.layout), batch, dtype_bytes, options.optimizer,
                    strict, reports, totals, findings, conditions, symbols, graph, document, tensors[INPUT],
                    {**spec.params, **options.params}, options.mode, sizes)


def _check_edge_list(edge_list, nodes: Dim, document: Document, findings: list) -> None:
    """Every node an edge names is one of the input's N (its first axis), once N is a number."""
    highest = max(max(side) for side in edge_list)
    if is_concrete(nodes) and highest >= nodes:
        key = "graph_node_out_of_range"
        findings.append(Finding(level(key), key, {"node": highest, "nodes": nodes},
                                location=document.location(("graph", "edge_list"))))


def _within_bound(output: Tensor, node) -> None:
    """Every size a layer makes, and its receptive field's edges and jump (numerator and
    denominator), are at most units.MAX_FIGURE (2**256; what the numbers written, each at most
    2**63, make through a few flattens): past it convcalc refuses the network rather than carry
    figures no framework could allocate (and no float could hold)."""
    from fractions import Fraction

    from convcalc.i18n import Msg
    from convcalc.units import FIGURE_LIMIT_TEXT, MAX_FIGURE, written

    for size in output.dims:
        if is_concrete(size) and size > MAX_FIGURE:
            raise ConvcalcError("size_too_large", node.location, layer=node.name, size=written(int(size)),
                                limit=FIGURE_LIMIT_TEXT)
    for axis in output.field.dims or ():
        for figure, value in (("left", axis.left), ("right", axis.right), ("jump", axis.jump)):
            value = Fraction(value)
            if max(abs(value.numerator), value.denominator) > MAX_FIGURE:
                raise ConvcalcError("field_too_large", node.location, layer=node.name, figure=Msg(f"field_{figure}"),
                                    value=written(value.numerator if value.denominator == 1 else str(value)),
                                    limit=FIGURE_LIMIT_TEXT)


def _checked_values(given_input: list, batch, values: dict[str, int], document: Document) -> dict[str, int]:
    known = {v for v in given_input if isinstance(v, str)} | ({batch} if isinstance(batch, str) else set())
    for name, value in values.items():
        if name not in known:
            raise ConvcalcError("unknown_symbol", Location(document.file), name=name,
                                known=", ".join(sorted(known)) or "-")
        if value < 1:
            raise ConvcalcError("bad_symbol_value", Location(document.file), name=name, value=value)
    return values


def _printable(params: dict) -> dict:
    """Sizes and shapes as text; other values (strings, message fragments) as they are."""
    return {key: format_dim(value) if isinstance(value, (int, Expr)) else (
        "(" + ", ".join(format_dim(v) for v in value) + ")" if isinstance(value, tuple) else value)
        for key, value in params.items()}


class _Checks:
    """The analysis side of ``layers.base.Checks``: decide now, or record a condition."""

    warned = False  # a check failed without stopping the layer (see _NotRun)

    def __init__(self, node, strict, findings, constraints, sizes):
        self.node, self.strict, self.sizes = node, strict, sizes
        self.findings, self.constraints = findings, constraints

    def _constraint(self, relation, value, divisor, key):
        from convcalc.conditions import Constraint

        self.constraints.append(Constraint(relation, value, divisor, self.node.name, self.node.location, key,
                                           self.node))

    def at_least(self, value, bound, key, **params):
        gap = value - bound
        if is_concrete(gap):
            if gap < 0:
                raise LayerError(key, **params)
        else:
            self._constraint(">=0", gap, None, key)

    def equal(self, value, expected, key, **params):
        gap = value - expected
        if is_concrete(gap):
            if gap:
                raise LayerError(key, **params)
        else:
            self._constraint("==0", gap, None, key)

    def multiple_of(self, value, divisor, key, **params):
        if is_concrete(value):
            if value % divisor:
                raise LayerError(key, **params)
        else:
            self._constraint("divisible", value, divisor, key)

    def exact_division(self, value, divisor, key, **params):
        if is_concrete(value):
            if value % divisor:
                key += "_strict" if self.strict else ""
                finding = Finding.at(self.node, level(key), key, _printable(params))
                previous = self.findings[-1] if self.findings else None
                if previous and (previous.key, previous.layer) == (finding.key, finding.layer) and \
                        {**previous.params, "axis": ""} == {**finding.params, "axis": ""}:
                    previous.params["axis"] += ", " + finding.params["axis"]  # one warning for H and W
                else:
                    self.findings.append(finding)
        elif self.strict:
            self._constraint("divisible", value, divisor, key + "_strict")


class _NotRun(_Checks):
    """The checks of a layer that does not run in this mode (train_only in eval): its sizes do not
    limit the sizes the network runs at, so a failed size check is one warning, symbolic ones are no
    conditions (``--mode train`` gives them), and roundings are not reported. A divisibility of
    channels (groups) is structural: it stays an error. ``warned`` tells the analysis that the
    layer's sizes mean nothing."""

    def __init__(self, node, findings, sizes, after_unsized: bool):
        super().__init__(node, False, findings, [], sizes)
        self.warned = after_unsized  # a layer after one that could not run is not reported again

    def _not_run_here(self, key, params):
        if not self.warned:
            from convcalc.i18n import Msg

            self.warned = True
            self.findings.append(Finding.at(self.node, level("train_only_cannot_run"), "train_only_cannot_run",
                                            {"problem": Msg(key, **_printable(params))}))

    def at_least(self, value, bound, key, **params):
        gap = value - bound
        if is_concrete(gap) and gap < 0:
            self._not_run_here(key, params)

    def equal(self, value, expected, key, **params):
        gap = value - expected
        if is_concrete(gap) and gap:
            self._not_run_here(key, params)

    def exact_division(self, value, divisor, key, **params):
        pass


def _totals(reports, input_tensor: Tensor, batch, dtype_bytes, optimizer) -> Totals:
    totals = Totals()
    for report in reports:
        if report.result:
            totals.trainable += report.result.trainable
            totals.non_trainable += report.result.non_trainable
        if report.result and report.runs:
            totals.macs += report.result.macs
            totals.flops += report.result.flops
            totals.activation_bytes += report.activation_bytes
    input_bytes = batch * product(input_tensor.dims) * dtype_bytes
    totals.param_bytes = (totals.trainable + totals.non_trainable) * dtype_bytes
    optimizer_bytes = OPTIMIZER_STATES[optimizer] * totals.trainable * dtype_bytes
    totals.training_bytes = (totals.param_bytes + totals.trainable * dtype_bytes + optimizer_bytes
                             + input_bytes + totals.activation_bytes)
    totals.peak_activation_bytes = _peak(reports, input_bytes)
    if totals.peak_activation_bytes is not None:
        totals.peak_inference_bytes = totals.param_bytes + totals.peak_activation_bytes
    return totals


def _peak(reports, input_bytes) -> Dim | None:
    """Most activation bytes held at once in one inference pass (see ``alive_bytes``); None when
    sizes are symbolic, since which layer dominates then depends on the input size."""
    alive = alive_bytes(reports, input_bytes)
    return None if alive is None else max([input_bytes, *alive])


def alive_bytes(reports, input_bytes, bytes_of=lambda report: report.activation_bytes) -> list[int] | None:
    """Activation bytes alive at each step of one inference pass, in spec order, counted when the
    step's output has just been allocated: a layer's output is allocated while its inputs are
    alive; a tensor is freed after its last reader (network outputs are kept). No in-place
    operations are assumed. ``bytes_of`` gives a layer's output bytes (the analysed figure, or one
    evaluated at given sizes); None when a size is symbolic or a layer could not be analysed.

    Two layers a -> b of 4 bytes each on an 8-byte input: 8 + 4 = 12 alive while a runs, then the
    input is freed and b's 4 join a's: [12, 8]."""
    sizes = {INPUT: input_bytes}
    last_reader = {}
    for step, report in enumerate(reports):
        if report.result is None or not is_concrete(bytes_of(report)):
            return None
        sizes[report.node.name] = bytes_of(report) if report.runs else 0
        for source in report.node.inputs if report.runs else ():
            last_reader[source] = step
    if not is_concrete(input_bytes):
        return None
    live, alive = input_bytes, []
    for step, report in enumerate(reports):
        live += sizes[report.node.name]
        alive.append(live)
        for source in report.node.inputs:
            if last_reader.get(source) == step:
                live -= sizes[source]
                last_reader[source] = None  # freed once, even when read twice
    return alive
