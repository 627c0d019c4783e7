"""From a validated Spec to a DAG of layer nodes: short forms, blocks, repeat, names and inputs.

A layer entry is ``- relu``, ``- conv2d: {filters: 6, kernel: 5}`` or
``- {type: conv2d, filters: 6, kernel: 5}``; ``name``, ``inputs`` and ``repeat`` may sit among its
fields. A layer takes the previous layer's output unless ``inputs`` names earlier layers (or
``input``, the network's input, or inside a block the block's input). Inputs can only name layers
above, so the graph is acyclic by construction and a cycle is reported where it is written.

A layer with several outputs (``split``) is read one output at a time: ``split1.0``, ``split1.1``,
the layer's name, a dot and the output's index from 0, as torch.chunk's tuple is indexed.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

from pydantic import ValidationError

from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import Msg, translate
from convcalc.layers import REGISTRY
from convcalc.layers.base import Layer
from convcalc.loading import Document
from convcalc.spec import Spec, suggestion, validation_failure
from convcalc.text import shorten
from convcalc.units import LIMIT_TEXT, MAX_NUMBER, NumberError, written

MAX_LAYERS = 100_000  # layers after expanding blocks and repeats
MAX_EXPRESSION = 200  # characters of one ${...} or $(...) expression: bounds parsing and evaluation depth
MAX_BLOCK_DEPTH = 32  # blocks used inside blocks: bounds the builder's recursion
ENTRY_KEYS = ("name", "inputs", "repeat", "index_from", "weights", "train_only")
INPUT = "input"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")  # dots and digits allow torchvision's names
_EMBEDDED = re.compile(r"\$\{([^{}]+)\}|\$\(([^()]+)\)|\$([A-Za-z_][A-Za-z0-9_]*)")  # inside a name
_REFERENCE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$|^\$\{(.+)\}$|^\$\((.+)\)$")  # $p, ${expr}, $(expr)


@dataclass(frozen=True)
class BlockUse:
    """One use of a block that a layer comes from: the use's full name, the block, where the use is written."""

    name: str
    kind: str
    path: tuple


@dataclass
class Node:
    name: str
    layer: Layer
    inputs: tuple[str, ...]  # the names of the layers read (or ``input``)
    document: Document = field(repr=False, compare=False)
    path: tuple = ()  # where the entry stands in the document
    uses: tuple = ()  # of BlockUse, outermost first, for layers that come from a block
    named: bool = True  # False when convcalc generated the name (conv1, relu2, ...)
    weights: dict | None = None  # values written in the spec (for hand-worked examples)
    weights_path: tuple = ()  # where they stand in the document
    train_only: bool = False  # built, but run only in training (an auxiliary head): see analysis.Options.mode
    input_outputs: tuple = ()  # per input: which output of a layer with several (None: its one output)

    @property
    def sources(self) -> list[tuple[str, int | None]]:
        """(layer name, output index or None) per input."""
        return list(zip(self.inputs, self.input_outputs or (None,) * len(self.inputs)))

    @property
    def references(self) -> list[str]:
        """The inputs as a spec names them: conv1, split1.0."""
        return [name if index is None else f"{name}.{index}" for name, index in self.sources]

    def read(self, values: dict) -> list:
        """This node's inputs from ``values`` (name -> one value, or a tuple for several outputs)."""
        if not self.input_outputs:  # the common case, on the analysis's hot path
            return [values[name] for name in self.inputs]
        return [values[name] if index is None or values[name] is None else values[name][index]
                for name, index in self.sources]

    @property
    def location(self) -> Location:
        """Where the entry is written (in a block's definition for a layer from a block). Looked up
        when a message or report needs it: the analysis itself does not."""
        return self.document.location(self.path)

    @property
    def site(self) -> Location:
        """The line that made this layer: its entry, or for a layer from a block the outermost block
        use, in the spec's `layers:` (where a pull request's diff shows the change)."""
        return self.document.location(self.uses[0].path) if self.uses else self.location

    @property
    def block(self) -> str | None:
        """"layer1.0 (bottleneck, line 40)", nested uses joined by " > ", for layers from a block."""
        return self.block_in("en")

    def block_in(self, lang: str) -> str | None:
        """``block`` in ``lang``: "layer1.0 (bottleneck, línea 40)" in Spanish."""
        return " > ".join(translate("block_use", lang, name=use.name, kind=use.kind,
                                    line=self.document.location(use.path).line) for use in self.uses) or None


@dataclass
class Graph:
    nodes: list[Node]  # in spec order, which is a topological order
    consumers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def outputs(self) -> list[str]:
        return [node.name for node in self.nodes if not self.consumers.get(node.name)]

    def node(self, name: str) -> Node:
        return self.by_name[name]

    @functools.cached_property
    def by_name(self) -> dict[str, Node]:
        return {node.name: node for node in self.nodes}


def build_graph(spec: Spec, document: Document, params: dict | None = None) -> Graph:
    """The DAG of ``spec``; ``params`` (--param) replace the defaults of the spec's ``params:``."""
    for name in spec.blocks:  # a block of a layer type's name would silently stand for every such layer
        if name in REGISTRY:
            raise ConvcalcError("block_named_like_layer", document.location(("blocks", name), at_key=True), block=name)
    unknown = sorted(set(params or {}) - set(spec.params))
    if unknown:
        raise ConvcalcError("unknown_spec_param", Location(document.file), name=unknown[0],
                            known=", ".join(spec.params) or "-")
    builder = _Builder(spec, document, {**spec.params, **(params or {})})
    builder.scope(spec.layers, ("layers",), prefix="", scope_input=(INPUT, None), params=builder.spec_params,
                  stack=(), uses=(), named_scope=True)
    graph = Graph(builder.nodes)
    for node in builder.nodes:
        for source in node.inputs:
            graph.consumers.setdefault(source, []).append(node.name)
    return graph


@dataclass
class _Entry:
    """One written entry, read: what ``scope`` needs to add its nodes."""

    kind: str
    fields: dict  # the layer's or block's own fields, references substituted
    path: tuple  # of the entry
    fields_path: tuple
    weights_path: tuple
    weights: dict | None
    name: str | None
    inputs: list | None
    repeat: int | None
    first: int  # index_from
    references: bool  # whether it reads block parameters
    train_only: bool = False
    layer: Layer | None = None  # validated on first use


class _Builder:
    def __init__(self, spec: Spec, document: Document, spec_params: dict):
        self.spec = spec
        self.document = document
        self.spec_params = spec_params  # the spec's `params:`, --param applied: seen in every block
        self.train_only_uses = 0  # block uses marked train_only being expanded
        self.nodes: list[Node] = []
        self.output_counts: dict[str, int] = {}  # full name -> outputs, for layers with several
        self.where: dict[str, tuple] = {}  # full name -> path of the entry that made it
        self.validated: dict[tuple, Layer] = {}  # layers are frozen, so equal ones can be shared
        self.prepared: dict[tuple, _Entry] = {}  # (entry path, block parameters or None) -> the entry read

    def scope(self, entries, path, prefix, scope_input, params, stack, uses, named_scope) -> str:
        """Add the nodes of ``entries``; return the last one's (full name, output index or None)."""
        local = {INPUT: scope_input}
        counters: dict[str, int] = {}
        previous = scope_input
        params_key = repr(params)
        for index, entry in enumerate(entries):
            entry_path = path + (index,)
            per_copy = _copies_use_index(entry)
            prepared = None if per_copy else \
                self.prepared.get((entry_path, None)) or self.prepared.get((entry_path, params_key))
            if per_copy:  # its fields use $index: read once per copy (here for repeat and index_from)
                prepared = self.prepare(entry, entry_path, {**params, "index": 0}, stack)
            elif prepared is None:  # a block's entry reads the same for every use with the same parameters
                prepared = self.prepare(entry, entry_path, params, stack)
                self.prepared[entry_path, params_key if prepared.references else None] = prepared
            entry_path = prepared.path  # the nodes of every use share one tuple
            kind, fields, name, repeat, first = (prepared.kind, prepared.fields, prepared.name, prepared.repeat,
                                                 prepared.first)
            if len(self.nodes) + (repeat or 1) > MAX_LAYERS:
                raise ConvcalcError("too_many_layers", self.document.location(prepared.fields_path), limit=MAX_LAYERS)
            sources = self.resolve(prepared.inputs, local, prepared.fields_path, entry_path, stack) \
                if prepared.inputs else [previous]
            for copy in range(first, first + (repeat or 1)):
                if per_copy:
                    prepared = self.prepare(entry, path + (index,), {**params, "index": copy}, stack)
                    kind, fields = prepared.kind, prepared.fields
                if name and "$" in name:  # denselayer${index} for copies, denselayer$k in a block
                    local_name = self.interpolate(name, {**params, "index": copy} if repeat else params,
                                                  prepared.fields_path + ("name",), bool(stack or params or repeat))
                    if not _NAME.match(local_name):
                        raise ConvcalcError("bad_name", self.document.location(prepared.fields_path + ("name",)),
                                            name=local_name)
                else:
                    local_name = (f"{name}.{copy}" if repeat else name) if name else \
                        self.generated(kind, counters, local)
                full_name = prefix + local_name
                if full_name in self.where and local_name not in local:  # a.c written beside block use a's c
                    raise ConvcalcError("duplicate_name", self.document.location(entry_path), name=full_name,
                                        first=self.document.location(self.where[full_name]).line)
                if local_name in local or self.output_reference(local_name, local):
                    earlier = self.where.get((local.get(local_name) or self.output_reference(local_name, local))[0])
                    raise ConvcalcError("duplicate_name", self.document.location(entry_path), name=local_name,
                                        first="?" if earlier is None else self.document.location(earlier).line)
                self.whole_outputs_refused(sources, local, prepared)
                if kind in self.spec.blocks:
                    self.train_only_uses += prepared.train_only
                    try:
                        previous = self.expand_block(kind, fields, prepared.fields_path, entry_path, full_name,
                                                     sources, params, stack, uses, named_scope and name is not None)
                    finally:
                        self.train_only_uses -= prepared.train_only
                else:
                    self.add_layer(prepared, entry_path, full_name, sources, uses, named_scope and name is not None)
                    previous = (full_name, None)
                self.where[full_name] = entry_path
                local[local_name] = previous
                sources = [previous]
        return previous

    def prepare(self, entry, entry_path, params, stack) -> _Entry:
        """An entry read: its form normalised, block parameters substituted, its own keys taken apart.
        A parameter may choose the type itself: ``- $act`` or ``- {type: $act, ...}``."""
        chosen = isinstance(entry, str) and _REFERENCE.match(entry) or \
            isinstance(entry, dict) and isinstance(entry.get("type"), str) and _REFERENCE.match(entry["type"])
        if chosen:
            if isinstance(entry, str):
                entry = self.substitute(entry, params, entry_path, in_block=bool(stack or params))
            else:
                entry = {**entry, "type": self.substitute(entry["type"], params, entry_path + ("type",),
                                                          in_block=bool(stack or params))}
        kind, fields, fields_path = self.normalise(entry, entry_path)
        references = bool(chosen) or "$" in repr(fields)
        if references:  # most entries hold none: no walk
            fields = self.substitute(fields, params, fields_path, in_block=bool(stack or params))
            if isinstance(fields.get("inputs"), (str, list)):  # names may embed parameters: denselayer${k}
                fields["inputs"] = self.interpolate(fields["inputs"], params, fields_path + ("inputs",),
                                                    bool(stack or params))
        weights = fields.pop("weights", None)
        if weights is not None and (kind in self.spec.blocks or not isinstance(weights, dict)):
            raise ConvcalcError("bad_weights", self.document.location(fields_path + ("weights",)))
        name, inputs, repeat, first = self.entry_keys(fields, fields_path)
        train_only = fields.pop("train_only", False)
        if not isinstance(train_only, bool):
            raise ConvcalcError("bad_train_only", self.document.location(fields_path + ("train_only",)))
        return _Entry(kind, fields, entry_path, fields_path, fields_path + ("weights",), weights, name, inputs, repeat,
                      first, references, train_only)

    def normalise(self, entry, path):
        """(type, fields, path of the fields) from any of the three entry forms."""
        if isinstance(entry, str):
            return self.check_kind(entry, path), {}, path
        if not isinstance(entry, dict):
            raise ConvcalcError("entry_form", self.document.location(path), got=type(entry).__name__)
        if "type" in entry:
            fields = {key: value for key, value in entry.items() if key != "type"}
            return self.check_kind(entry["type"], path + ("type",)), fields, path
        keys = [key for key in entry if key not in ENTRY_KEYS]
        if len(keys) != 1:
            raise ConvcalcError("entry_keys", self.document.location(path), keys=", ".join(map(str, keys)) or "-")
        kind = self.check_kind(keys[0], path + (keys[0],), at_key=True)
        body = entry[keys[0]]
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ConvcalcError("entry_body", self.document.location(path + (keys[0],)), kind=kind)
        outer = {key: value for key, value in entry.items() if key in ENTRY_KEYS}
        overlap = set(outer) & set(body)
        if overlap:
            raise ConvcalcError("duplicate_key_in_entry", self.document.location(path), key=overlap.pop())
        return kind, {**body, **outer}, path + (keys[0],)

    def check_kind(self, kind, path, at_key=False) -> str:
        if not isinstance(kind, str) or (kind not in REGISTRY and kind not in self.spec.blocks):
            known = list(REGISTRY) + list(self.spec.blocks)
            raise ConvcalcError("unknown_type", self.document.location(path, at_key=at_key), kind=kind,
                                hint=suggestion(str(kind), known))
        return kind

    def entry_keys(self, fields, path):
        fields_given = set(fields)  # `index_from: null` is written, and wrong; an absent one is 0
        name = fields.pop("name", None)
        if isinstance(name, int) and not isinstance(name, bool):
            name = str(name)  # `name: 0`, as torchvision numbers the layers of a Sequential
        inputs = fields.pop("inputs", None)
        repeat = fields.pop("repeat", None)  # given: copies are named name.0, name.1, ...
        first = fields.pop("index_from", 0)
        if name is not None and (not isinstance(name, str) or not _NAME.match(name.replace("$", "_"))
                                 and not _EMBEDDED.search(name) or name == INPUT or name.endswith(".") or ".." in name):
            raise ConvcalcError("bad_name", self.document.location(path + ("name",)), name=name)
        if inputs is not None:
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
                raise ConvcalcError("bad_inputs", self.document.location(path + ("inputs",)))
        for key, value, minimum in (("repeat", repeat, 1), ("index_from", first, 0)):
            if (value is not None or key in fields_given) and (
                    not isinstance(value, int) or isinstance(value, bool) or value < minimum):
                raise ConvcalcError("bad_count", self.document.location(path + (key,)), key=key, value=value,
                                    minimum=minimum)
        return name, inputs, repeat, first

    def whole_outputs_refused(self, sources, local, entry: _Entry) -> None:
        """A layer with several outputs is read one output at a time: split1.0, not split1."""
        for source in sources:
            count = self.output_counts.get(source[0])
            if count and source[1] is None:
                name = next((local_name for local_name, value in local.items() if value == source), source[0])
                where = entry.fields_path + ("inputs",) if entry.inputs else entry.path
                raise ConvcalcError("several_outputs", self.document.location(where), name=name, count=count,
                                    first=f"{name}.0", last=f"{name}.{count - 1}")

    def output_reference(self, reference, local):
        """``split1.1`` as (full name of split1, 1) when split1 is a layer with several outputs."""
        name, dot, index = reference.rpartition(".")
        source = local.get(name) if dot and index.isdigit() else None
        if source is None or source[1] is not None or source[0] not in self.output_counts:
            return None
        return source[0], int(index)

    def resolve(self, inputs, local, path, entry_path, stack):
        sources = []
        for position, reference in enumerate(inputs):
            if reference in local:
                sources.append(local[reference])
                continue
            output = self.output_reference(reference, local)
            where = self.document.location(path + ("inputs", position))
            if output is not None:
                count = self.output_counts[output[0]]
                if output[1] >= count:
                    name = reference.rpartition(".")[0]
                    raise ConvcalcError("bad_output_index", where, name=name, index=output[1], count=count,
                                        last=f"{name}.{count - 1}")
                sources.append(output)
                continue
            name, dot, index = reference.rpartition(".")
            later = self.later_definition(reference, entry_path) or (
                self.later_definition(name, entry_path) if dot and index.isdigit() else None)
            if later is not None:
                raise ConvcalcError("forward_input", where, name=reference, line=later)
            raise ConvcalcError("unknown_input", where, name=reference, hint=suggestion(reference, local))
        return sources

    def later_definition(self, reference, entry_path):
        """The line of a layer named ``reference`` at or below ``entry_path`` (a cycle)."""
        siblings = self.document.data
        for part in entry_path[:-1]:
            siblings = siblings[part]
        for index in range(entry_path[-1], len(siblings)):
            entry = siblings[index]
            body = entry if isinstance(entry, dict) else {}
            if "type" not in body and len(body) >= 1:
                inner = next((v for k, v in body.items() if k not in ENTRY_KEYS), None)
                body = {**(inner if isinstance(inner, dict) else {}), **body}
            if body.get("name") == reference:
                return self.document.location(entry_path[:-1] + (index,)).line
        return None

    def generated(self, kind, counters, local) -> str:
        stem = REGISTRY[kind].name_stem() if kind in REGISTRY else kind
        while True:
            counters[stem] = counters.get(stem, 0) + 1
            candidate = f"{stem}{counters[stem]}"
            if candidate not in local:
                return candidate

    def add_layer(self, entry: _Entry, entry_path, full_name, sources, uses, named):
        if entry.layer is None:  # first use: validate (equal layers once)
            cls = REGISTRY[entry.kind]
            key = (entry.kind, repr(sorted(entry.fields.items())))
            layer = self.validated.get(key)
            if layer is None:
                try:
                    layer = self.validated[key] = cls.model_validate(entry.fields)
                except ValidationError as error:
                    raise validation_failure(error, self.document, entry.fields_path, entry.kind, cls,
                                             ENTRY_KEYS) from None
            entry.layer = layer
        cls = type(entry.layer)
        if not cls.min_inputs <= len(sources) <= (cls.max_inputs or len(sources)):
            raise ConvcalcError("input_count", self.document.location(entry_path), kind=entry.kind,
                                expected=_count_text(cls), received=len(sources))
        self.nodes.append(Node(full_name, entry.layer, tuple(name for name, _ in sources), self.document, entry_path,
                               uses, named, entry.weights, entry.weights_path,
                               entry.train_only or self.train_only_uses > 0,
                               tuple(index for _, index in sources) if any(i is not None for _, i in sources) else ()))
        if entry.layer.output_count > 1:
            self.output_counts[full_name] = entry.layer.output_count

    def expand_block(self, kind, fields, fields_path, entry_path, full_name, sources, outer_params, stack, uses,
                     named_scope):
        if kind in stack:
            raise ConvcalcError("block_recursion", self.document.location(entry_path), block=kind,
                                chain=" -> ".join(stack + (kind,)))
        if len(stack) >= MAX_BLOCK_DEPTH:
            chain = stack[:2] + ("...",) + stack[-2:] + (kind,)
            raise ConvcalcError("block_depth", self.document.location(entry_path), block=kind, limit=MAX_BLOCK_DEPTH,
                                chain=" -> ".join(chain))
        if len(sources) != 1:
            raise ConvcalcError("block_inputs", self.document.location(entry_path), block=kind,
                                received=len(sources))
        definition = self.spec.blocks[kind]
        unknown = [key for key in fields if key not in definition.params]
        if unknown:
            raise ConvcalcError("unknown_block_param", self.document.location(fields_path + (unknown[0],), at_key=True),
                                block=kind, key=unknown[0], hint=suggestion(unknown[0], definition.params),
                                valid=", ".join(definition.params) or "-")
        params = {**self.spec_params, **definition.params, **fields}  # the spec's parameters, then the block's
        missing = [key for key, value in params.items() if value is None]
        if missing:
            raise ConvcalcError("missing_block_param", self.document.location(entry_path), block=kind, key=missing[0])
        return self.scope(definition.layers, ("blocks", kind, "layers"), prefix=full_name + ".",
                          scope_input=sources[0], params=params, stack=stack + (kind,),
                          uses=uses + (BlockUse(full_name, kind, entry_path),), named_scope=named_scope)

    def interpolate(self, value, params, path, in_block):
        """``$k``, ``${k + 1}`` and ``$(k + 1)`` inside a name (or each name of a list) replaced by
        their values: ``denselayer${k}`` is ``denselayer3`` where k is 3."""
        if isinstance(value, list):
            return [self.interpolate(item, params, path + (index,), in_block) for index, item in enumerate(value)]
        if not isinstance(value, str) or "$" not in value:
            return value

        def replace(match):
            whole = match.group(0)
            text = whole if whole.startswith(("${", "$(")) else "$" + match.group(3)  # $p: any value, words too
            return str(self.substitute(text, params, path, in_block))

        return _EMBEDDED.sub(replace, value)

    def substitute(self, value, params, path, in_block=True):
        """Replace ``$name``, ``${expression}`` and ``$(expression)`` by the block's parameter values
        (``$(...)`` needs no quotes inside a YAML flow mapping ``{...}``)."""
        if isinstance(value, dict):
            return {key: self.substitute(item, params, path + (key,), in_block) for key, item in value.items()}
        if isinstance(value, list):
            return [self.substitute(item, params, path + (index,), in_block) for index, item in enumerate(value)]
        if isinstance(value, str):
            match = _REFERENCE.match(value)
            if match and not in_block:
                raise ConvcalcError("reference_outside_block", self.document.location(path), text=value)
            if match:
                try:
                    return params[match.group(1)] if match.group(1) else _arithmetic(
                        match.group(2) or match.group(3), params)
                except (KeyError, ValueError, ZeroDivisionError, SyntaxError, RecursionError) as error:
                    raise ConvcalcError("bad_reference", self.document.location(path), text=shorten(value),
                                        problem=_reference_problem(error),
                                        valid=", ".join(params) or "-") from None
        return value


_USES_INDEX = re.compile(r"\$(?:index\b|\{[^}]*\bindex\b|\([^)]*\bindex\b)")


def _copies_use_index(entry) -> bool:
    """A repeated entry whose fields (besides its name) use ``$index``, the copy's number:
    ``{stochastic_depth: {rate: "${0.1 * index / 17}", repeat: 18}}``."""
    if not isinstance(entry, dict):
        return False
    fields = entry if "type" in entry else next(iter(entry.values()), None) if len(entry) == 1 else None
    if not isinstance(fields, dict) or "repeat" not in fields:
        return False
    return any(_USES_INDEX.search(repr(value)) for key, value in fields.items() if key != "name")


def _count_text(cls) -> str:
    if cls.max_inputs is None:
        return Msg("count_or_more", count=cls.min_inputs)
    return str(cls.min_inputs) if cls.min_inputs == cls.max_inputs else \
        Msg("count_to", low=cls.min_inputs, high=cls.max_inputs)


def _reference_problem(error):
    """What went wrong in an expression, as a catalogue message (Python's own texts are English)."""
    if isinstance(error, NumberError):
        return error.message
    if isinstance(error, KeyError):
        return Msg("expr_unknown_parameter", name=error.args[0])
    if isinstance(error, SyntaxError):
        return Msg("expr_syntax")
    if isinstance(error, RecursionError):
        return Msg("expr_too_deep")
    return error.args[0] if error.args and isinstance(error.args[0], Msg) else str(error) or type(error).__name__


def _divide(a, b):
    if b == 0:
        raise ZeroDivisionError(Msg("expr_divides_by_zero", division=f"{a}/{b}"))
    return Fraction(a) / Fraction(b)


def _floor_divide(a, b):
    if b == 0:
        raise ZeroDivisionError(Msg("expr_divides_by_zero", division=f"{a}//{b}"))
    return a // b


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.FloorDiv: _floor_divide, ast.Mod: lambda a, b: a % b if b else _floor_divide(a, b),
              ast.Div: _divide}
_COMPARISONS = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
                ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}
_FUNCTIONS = {"max": max, "min": min, "floor": math.floor, "ceil": math.ceil, "round": round,
              "int": int, "abs": abs}


def _arithmetic(text: str, params: dict):
    """Evaluate an expression over block and spec parameters, exactly (rationals, never floats):
    arithmetic, comparisons, ``x if c else y`` and max, min, floor, ceil, round (half to even, as
    Python), int (towards zero), abs. Enough for torchvision's ``_make_divisible``. A result that is
    not whole is an error unless a decimal entered the expression (a rate such as 0.2 * depth).

    >>> _arithmetic("width * 4", {"width": 64})
    256
    >>> _arithmetic("max(8, int(v + 8 / 2) // 8 * 8)", {"v": 16 * 1.1})
    16
    """
    if len(text) > MAX_EXPRESSION:
        raise ValueError(Msg("expr_too_long", most=MAX_EXPRESSION))
    exact = {name: _rational(value) for name, value in params.items()}
    value = _evaluate(_parsed(text.strip()).body, exact)
    if isinstance(value, bool):
        return value
    if abs(value) > MAX_NUMBER:  # $(w * w) in blocks nested ten deep would otherwise grow without bound
        raise NumberError("number_too_large", value=written(int(value)), limit=LIMIT_TEXT)
    if value.denominator == 1:
        return int(value)
    if "." in text or any(isinstance(params.get(name), float) for name in _names(text)):
        return float(value)
    raise ValueError(Msg("expr_not_whole", equation=f"{text.strip()} = {value}"))


def _rational(value):
    """Parameters as exact numbers: 1.1 is 11/10 (as written), not the float nearest to it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    text = getattr(value, "text", None)  # a WrittenFloat keeps its spelling
    return Fraction(text.replace("_", "")) if text else Fraction(repr(value)) if isinstance(value, float) else value


def _names(text: str) -> set[str]:
    return {node.id for node in ast.walk(_parsed(text.strip())) if isinstance(node, ast.Name)}


def _evaluate(node, params: dict):
    """The exact value of one node of a parsed expression (a module-level function: a recursive
    closure would be a reference cycle left for the garbage collector on every use)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return Fraction(repr(node.value)) if isinstance(node.value, float) else node.value
    if isinstance(node, ast.Name):
        if node.id not in params:
            raise KeyError(node.id)
        value = params[node.id]
        if not isinstance(value, (int, Fraction)):  # true and false count as 1 and 0, as in Python
            raise ValueError(Msg("expr_not_a_number", name=node.id, value=shorten(repr(value))))
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left, params), _evaluate(node.right, params))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, params)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _evaluate(node.operand, params)
    if isinstance(node, ast.BoolOp):
        values = (_evaluate(value, params) for value in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARISONS for op in node.ops):
        left = _evaluate(node.left, params)
        for op, right_node in zip(node.ops, node.comparators):
            right = _evaluate(right_node, params)
            if not _COMPARISONS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _evaluate(node.body if _evaluate(node.test, params) else node.orelse, params)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS \
            and not node.keywords and node.args and (len(node.args) == 1 or node.func.id in ("max", "min")):
        arguments = [_evaluate(argument, params) for argument in node.args]
        return _FUNCTIONS[node.func.id](*arguments)
    raise ValueError(Msg("expr_allowed"))


@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> ast.Expression:
    return ast.parse(text, mode="eval")
