"""From a validated Spec to a DAG of layer nodes: short forms, blocks, repeat, names and inputs.

A layer entry is ``- relu``, ``- conv2d: {filters: 6, kernel: 5}`` or
``- {type: conv2d, filters: 6, kernel: 5}``; ``name``, ``inputs`` and ``repeat`` may sit among its
fields. A layer takes the previous layer's output unless ``inputs`` names earlier layers (or
``input``, the network's input, or inside a block the block's input). Inputs can only name layers
above, so the graph is acyclic by construction and a cycle is reported where it is written.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from convcalc.errors import ConvcalcError, Location
from convcalc.layers import REGISTRY
from convcalc.layers.base import Layer
from convcalc.loading import Document
from convcalc.spec import Spec, shorten, suggestion, validation_failure

MAX_LAYERS = 100_000  # layers after expanding blocks and repeats
MAX_EXPRESSION = 200  # characters of one ${...} or $(...) expression: bounds parsing and evaluation depth
ENTRY_KEYS = ("name", "inputs", "repeat", "index_from", "weights")
INPUT = "input"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")  # dots and digits allow torchvision's names
_REFERENCE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$|^\$\{(.+)\}$|^\$\((.+)\)$")  # $p, ${expr}, $(expr)


@dataclass
class Node:
    name: str
    layer: Layer
    inputs: tuple[str, ...]
    document: Document = field(repr=False, compare=False)
    path: tuple = ()  # where the entry stands in the document
    block: str | None = None  # "layer1.0 (bottleneck, line 40)" for layers that come from a block
    named: bool = True  # False when convcalc generated the name (conv1, relu2, ...)
    weights: dict | None = None  # values written in the spec (for hand-worked examples)
    weights_path: tuple = ()  # where they stand in the document

    @property
    def location(self) -> Location:
        """Looked up when a message or report needs it: the analysis itself does not."""
        return self.document.location(self.path)


@dataclass
class Graph:
    nodes: list[Node]  # in spec order, which is a topological order
    consumers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def outputs(self) -> list[str]:
        return [node.name for node in self.nodes if not self.consumers.get(node.name)]


def build_graph(spec: Spec, document: Document) -> Graph:
    for name in spec.blocks:  # a block of a layer type's name would silently stand for every such layer
        if name in REGISTRY:
            raise ConvcalcError("block_named_like_layer", document.location(("blocks", name), at_key=True), block=name)
    builder = _Builder(spec, document)
    builder.scope(spec.layers, ("layers",), prefix="", scope_input=INPUT, params={}, stack=(), block=None,
                  named_scope=True)
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
    layer: Layer | None = None  # validated on first use


class _Builder:
    def __init__(self, spec: Spec, document: Document):
        self.spec = spec
        self.document = document
        self.nodes: list[Node] = []
        self.where: dict[str, tuple] = {}  # full name -> path of the entry that made it
        self.validated: dict[tuple, Layer] = {}  # layers are frozen, so equal ones can be shared
        self.prepared: dict[tuple, _Entry] = {}  # (entry path, block parameters or None) -> the entry read

    def scope(self, entries, path, prefix, scope_input, params, stack, block, named_scope) -> str:
        """Add the nodes of ``entries``; return the full name of the last one."""
        local = {INPUT: scope_input}
        counters: dict[str, int] = {}
        previous = scope_input
        params_key = repr(params)
        for index, entry in enumerate(entries):
            entry_path = path + (index,)
            prepared = self.prepared.get((entry_path, None)) or self.prepared.get((entry_path, params_key))
            if prepared is None:  # a block's entry reads the same for every use with the same parameters
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
                local_name = (f"{name}.{copy}" if repeat else name) if name else self.generated(kind, counters, local)
                full_name = prefix + local_name
                if local_name in local:
                    earlier = self.where.get(local[local_name])
                    raise ConvcalcError("duplicate_name", self.document.location(entry_path), name=local_name,
                                        first="?" if earlier is None else self.document.location(earlier).line)
                if kind in self.spec.blocks:
                    previous = self.expand_block(kind, fields, prepared.fields_path, entry_path, full_name,
                                                 sources, params, stack, block, named_scope and name is not None)
                else:
                    self.add_layer(prepared, entry_path, full_name, sources, block, named_scope and name is not None)
                    previous = full_name
                self.where[full_name] = entry_path
                local[local_name] = previous if kind in self.spec.blocks else full_name
                sources = [previous]
        return previous

    def prepare(self, entry, entry_path, params, stack) -> _Entry:
        """An entry read: its form normalised, block parameters substituted, its own keys taken apart."""
        kind, fields, fields_path = self.normalise(entry, entry_path)
        references = "$" in repr(fields)
        if references:  # most entries hold none: no walk
            fields = self.substitute(fields, params, fields_path, in_block=bool(stack))
        weights = fields.pop("weights", None)
        if weights is not None and (kind in self.spec.blocks or not isinstance(weights, dict)):
            raise ConvcalcError("bad_weights", self.document.location(fields_path + ("weights",)))
        name, inputs, repeat, first = self.entry_keys(fields, fields_path)
        return _Entry(kind, fields, entry_path, fields_path, fields_path + ("weights",), weights, name, inputs, repeat,
                      first, references)

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
        name = fields.pop("name", None)
        if isinstance(name, int) and not isinstance(name, bool):
            name = str(name)  # `name: 0`, as torchvision numbers the layers of a Sequential
        inputs = fields.pop("inputs", None)
        repeat = fields.pop("repeat", None)  # given: copies are named name.0, name.1, ...
        first = fields.pop("index_from", 0)
        if name is not None and (not isinstance(name, str) or not _NAME.match(name) or name == INPUT
                                 or name.endswith(".") or ".." in name):
            raise ConvcalcError("bad_name", self.document.location(path + ("name",)), name=name)
        if inputs is not None:
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
                raise ConvcalcError("bad_inputs", self.document.location(path + ("inputs",)))
        for key, value, minimum in (("repeat", repeat, 1), ("index_from", first, 0)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < minimum):
                raise ConvcalcError("bad_count", self.document.location(path + (key,)), key=key, value=value,
                                    minimum=minimum)
        return name, inputs, repeat, first

    def resolve(self, inputs, local, path, entry_path, stack):
        sources = []
        for position, reference in enumerate(inputs):
            if reference in local:
                sources.append(local[reference])
                continue
            later = self.later_definition(reference, entry_path)
            where = self.document.location(path + ("inputs", position))
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

    def add_layer(self, entry: _Entry, entry_path, full_name, sources, block, named):
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
        self.nodes.append(Node(full_name, entry.layer, tuple(sources), self.document, entry_path, block, named,
                               entry.weights, entry.weights_path))

    def expand_block(self, kind, fields, fields_path, entry_path, full_name, sources, outer_params, stack, block,
                     named_scope):
        if kind in stack:
            raise ConvcalcError("block_recursion", self.document.location(entry_path), block=kind,
                                chain=" -> ".join(stack + (kind,)))
        if len(sources) != 1:
            raise ConvcalcError("block_inputs", self.document.location(entry_path), block=kind,
                                received=len(sources))
        definition = self.spec.blocks[kind]
        unknown = [key for key in fields if key not in definition.params]
        if unknown:
            raise ConvcalcError("unknown_block_param", self.document.location(fields_path + (unknown[0],), at_key=True),
                                block=kind, key=unknown[0], hint=suggestion(unknown[0], definition.params),
                                valid=", ".join(definition.params) or "-")
        params = {**definition.params, **fields}
        missing = [key for key, value in params.items() if value is None]
        if missing:
            raise ConvcalcError("missing_block_param", self.document.location(entry_path), block=kind, key=missing[0])
        trace = f"{full_name} ({kind}, line {self.document.location(entry_path).line})"
        return self.scope(definition.layers, ("blocks", kind, "layers"), prefix=full_name + ".",
                          scope_input=sources[0], params=params, stack=stack + (kind,),
                          block=f"{block} > {trace}" if block else trace, named_scope=named_scope)

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
                except (KeyError, ValueError, ZeroDivisionError, SyntaxError) as error:
                    raise ConvcalcError("bad_reference", self.document.location(path), text=shorten(value),
                                        problem=_reference_problem(error),
                                        valid=", ".join(params) or "-") from None
        return value


def _count_text(cls) -> str:
    if cls.max_inputs is None:
        return f"{cls.min_inputs} or more"
    return str(cls.min_inputs) if cls.min_inputs == cls.max_inputs else f"{cls.min_inputs} to {cls.max_inputs}"


def _reference_problem(error) -> str:
    return f"unknown parameter {error}" if isinstance(error, KeyError) else str(error) or type(error).__name__


def _exact_division(a, b):
    if a % b:
        raise ValueError(f"{a}/{b} is not a whole number")
    return a // b


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b, ast.Div: _exact_division}


def _arithmetic(text: str, params: dict):
    """Evaluate integer arithmetic over block parameters: + - * // / % and parentheses only.

    >>> _arithmetic("width * 4", {"width": 64})
    256
    """
    if len(text) > MAX_EXPRESSION:
        raise ValueError(f"longer than {MAX_EXPRESSION} characters")
    return _evaluate(_parsed(text.strip()).body, params)


def _evaluate(node, params: dict):
    """The value of one node of a parsed expression (a module-level function: a recursive closure
    would be a reference cycle left for the garbage collector on every use)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in params:
            raise KeyError(node.id)
        return params[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left, params), _evaluate(node.right, params))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, params)
    raise ValueError("only integers, parameter names, + - * / // % and parentheses are allowed")


@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> ast.Expression:
    return ast.parse(text, mode="eval")
