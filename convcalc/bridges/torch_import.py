"""A PyTorch model as spec text: trace it, ask each layer type which calls it stands for, write the spec.

Tracing: ``torch.fx.symbolic_trace``'s Tracer, with the module types convcalc maps as leaves. fx
rather than torch.export because fx keeps what a spec is written in: one ``call_module`` node per
call of a module, named by its path (``layer1.0.conv1``, so layer names line up with
``state_dict`` keys), and the model's own functions (``torch.flatten``, ``operator.add``) as
nodes named as the shipped specs name them (``add``, ``add_1``). torch.export lowers everything
to ATen operators (a Conv2d becomes ``aten.conv2d`` over lifted weights) and would need the
module structure rebuilt from metadata. The sizes of each node's tensors come from fx's
ShapeProp over fake tensors (no arithmetic is done) at a batch of 2, so that a call mixing the
batch into a sample's axes is seen and refused; the spec's figures are convcalc's own analysis.

Which torch class or function is which layer type is known by the layer classes only: each lists
``torch_modules`` (qualified names; ``Tensor.view`` for a method; ``{rank}`` for a ranked family)
and turns a call into a spec entry with its ``from_torch(call, shapes)`` classmethod, returning
None when the call is not one it stands for and ``{}`` for a call that passes its input through.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import operator
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from convcalc.bridges import require
from convcalc.bridges.writer import spec_yaml
from convcalc.errors import ConvcalcError, LayerError
from convcalc.i18n import Msg
from convcalc.layers import REGISTRY

TRACE_BATCH = 2  # the batch the shapes are propagated at: a size of 1 would hide a call that mixes it in
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*"
_TARGET = re.compile(rf"^{_DOTTED}:{_DOTTED}$")  # module.path:attr


@dataclass
class TorchCall:
    """One call of a traced model as a layer type's ``from_torch`` hook reads it: what is called
    (``target``, its qualified name), the module for a module call, and the arguments with every
    tensor replaced by None (its per-sample shape is in the ``shapes`` handed beside)."""

    target: str
    module: Any = None
    arguments: tuple = ()
    keywords: dict = field(default_factory=dict)
    parameters: tuple = ()  # per-sample shapes of the model's own tensors (parameters) it reads

    def argument(self, position: int, keyword: str, default=None):
        """The argument given at ``position`` (0 = the first, the tensor of a method) or as ``keyword``."""
        if position is not None and position < len(self.arguments):
            return self.arguments[position]
        return self.keywords.get(keyword, default)

    def option(self, name: str, position: int, default=None):
        """A hyperparameter: the module's attribute ``name``, or a function's argument."""
        if self.module is not None:
            return getattr(self.module, name, default)
        return self.argument(position, name, default)


@dataclass
class TorchShapes:
    """Per-sample shapes (no batch axis) of a call's input tensors, in order, and of its output
    (a tuple of shapes for a call with several outputs)."""

    inputs: list
    output: tuple


def spec_text_of_target(target: str, input_shape: tuple, kwargs: dict) -> str:
    """The spec of ``module.path:attr(**kwargs)`` (a builder function or an nn.Module class)."""
    torch = require("torch", "importing a PyTorch model")
    if not _TARGET.match(target):
        raise ConvcalcError("torch_target_syntax", None, target=target)
    module_path, attribute = target.split(":")
    try:
        built = importlib.import_module(module_path)
        for part in attribute.split("."):
            built = getattr(built, part)
    except Exception as error:  # not found, or the module's own code failing as it is imported
        raise ConvcalcError("torch_target_missing", None, target=target,
                            problem=f"{type(error).__name__}: {_first_line(error)}") from None
    if not callable(built):
        raise ConvcalcError("torch_target_not_callable", None, target=target)
    try:
        model = built(**kwargs)
    except Exception as error:  # the builder's own refusal (an unknown keyword, a bad value)
        raise ConvcalcError("torch_target_failed", None, target=target, problem=f"{type(error).__name__}: {error}") \
            from None
    if not isinstance(model, torch.nn.Module):
        raise ConvcalcError("torch_target_not_module", None, target=target, got=type(model).__name__)
    arguments = ", ".join(f"{name}={value!r}" for name, value in kwargs.items())
    return spec_text_of_module(model, input_shape, source=f"{target}({arguments})", name=attribute.split(".")[-1])


def spec_text_of_module(module, input_shape: tuple, source: str = "a PyTorch module", name: str | None = None,
                        fold: bool = True) -> str:
    """The spec of the nn.Module ``module`` at the per-sample ``input_shape`` (channels first):
    traced in eval mode (its training flags are restored after); repeated runs of layers folded
    into blocks unless ``fold`` is false (bridges.writer)."""
    torch = require("torch", "importing a PyTorch model")
    if not isinstance(module, torch.nn.Module):
        raise ConvcalcError("torch_target_not_module", None, target=source, got=type(module).__name__)
    shape = tuple(input_shape)
    if not shape or not all(isinstance(size, int) and not isinstance(size, bool) and size > 0 for size in shape):
        raise ConvcalcError("torch_input_numeric", None, shape="x".join(str(size) for size in shape))
    table = _torch_table(torch)
    modes = {submodule: submodule.training for submodule in module.modules()}
    module.eval()
    try:
        graph_module = _trace(torch, module, table)
        _propagate_shapes(torch, graph_module, shape)
        layers = _Walk(graph_module, table).layers()
    finally:
        for submodule, training in modes.items():
            submodule.training = training
    return spec_yaml(name or type(module).__name__, source, list(shape), layers, fold=fold)


def _torch_table(torch) -> dict:
    """torch class, function or ``Tensor.method`` name -> the layer classes that list it (in
    registry order), from every registered type's ``torch_modules``; names that do not resolve
    here (torchvision not installed) are left out."""
    table: dict = {}
    for kind in REGISTRY:
        cls = REGISTRY[kind]
        for written in cls.torch_modules:
            name = written.format(rank=cls.rank) if cls.rank else written
            key = name if name.startswith("Tensor.") else _resolve(name)
            if key is not None and cls not in table.setdefault(key, []):
                table[key].append(cls)
    return table


def _resolve(name: str):
    """The object ``torch.nn.Conv2d`` or ``operator.add`` names, or None. Only modules already
    imported are looked in: a model cannot hold a class of a package nobody imported (and
    importing torchvision here would cost its start-up, or fail where its operators do not load)."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        value = sys.modules.get(".".join(parts[:split]))
        if value is None:
            continue
        for part in parts[split:]:
            value = getattr(value, part, None)
        return value
    return None


def _trace(torch, module, table):
    """torch.fx's graph of ``module``: mapped types and every torch.nn module (but containers) are
    leaves, so an unmapped torch module is named as such; mapped plain functions stay calls."""
    import torch.fx

    leaves = tuple(key for key in table if isinstance(key, type))
    containers = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)
    functions = tuple(key for key in table if callable(key) and not isinstance(key, type)
                      and getattr(key, "__module__", "").split(".")[0] not in ("torch", "_operator", "operator")
                      and hasattr(key, "__code__"))

    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, submodule, qualified_name):
            kind = type(submodule)
            if kind in leaves:
                return True
            return kind.__module__.startswith("torch.nn") and not issubclass(kind, containers)

    tracer = Tracer(autowrap_functions=functions)
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(module)
    except Exception as error:  # fx's refusal: data-dependent control flow, an untraceable call
        raise ConvcalcError("torch_trace_failed", None, problem=f"{type(error).__name__}: {_first_line(error)}") \
            from None
    return torch.fx.GraphModule(tracer.root, graph)


def _propagate_shapes(torch, graph_module, shape) -> None:
    """Every node's tensor metadata (node.meta['tensor_meta']) from fake tensors: no arithmetic."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.passes.shape_prop import ShapeProp

    inputs = [node.name for node in graph_module.graph.nodes if node.op == "placeholder"]
    if len(inputs) != 1:
        raise ConvcalcError("torch_several_inputs", None, node=", ".join(inputs[1:]) or "-")
    held = next(iter([*graph_module.parameters(), *graph_module.buffers()]), None)
    device = held.device if held is not None else "cpu"  # a model built on the meta device is read as it is
    fake_mode = FakeTensorMode(allow_non_fake_inputs=True)
    with fake_mode:
        sample = torch.empty((TRACE_BATCH, *shape), device=device)
    try:  # ShapeProp prints the traceback of a failing node: the message below says it in one line
        with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
            ShapeProp(graph_module, fake_mode=fake_mode).propagate(sample)
    except Exception as error:  # the model refuses this input size (a too small image, wrong channels)
        cause = error.__cause__ or error
        raise ConvcalcError("torch_shapes_failed", None, shape="x".join(map(str, shape)),
                            problem=f"{type(cause).__name__}: {_first_line(cause)}") from None


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [""])[0]


class _Walk:
    """The spec's layers from an fx graph, node by node."""

    def __init__(self, graph_module, table):
        self.root = graph_module
        self.table = table
        self.modules = dict(graph_module.named_modules())
        self.values: dict = {}  # fx node -> the spec reference of its value ("input", "conv1", "split.0")
        self.names: set[str] = {"input"}
        self.calls: dict[str, int] = {}  # module path -> times called so far
        self.entries: list[dict] = []
        self.last: str | None = None

    def layers(self) -> list[dict]:
        for node in self.root.graph.nodes:
            if node.op == "placeholder":
                self.values[node] = "input"
            elif node.op in ("call_module", "call_function", "call_method"):
                self.visit(node)
        if not self.entries:
            raise ConvcalcError("torch_no_layers", None)
        return self.entries

    def visit(self, node) -> None:
        import torch

        if node.op == "call_function" and node.target is operator.getitem and node.args[0] in self.values \
                and isinstance(node.args[1], int) and isinstance(self.shape(node.args[0]), list):
            self.values[node] = f"{self.values[node.args[0]]}.{node.args[1]}"  # one output of a split
            return
        output = self.shape(node)
        if output is None:
            return  # not a tensor (x.size(), a size's arithmetic): only read through the shapes
        tensors = [argument for argument in _flat(node.args, node.kwargs)
                   if isinstance(argument, torch.fx.Node) and (argument.op == "get_attr" or argument in self.values
                                                               or self.shape(argument) is not None)]
        inputs = [argument for argument in tensors if argument.op != "get_attr"]
        parameters = [argument for argument in tensors if argument.op == "get_attr"]
        unknown = [argument for argument in inputs if argument not in self.values]
        if unknown:  # a tensor made inside the model (torch.zeros, a constant): no layer gives it
            self.unmapped(node, "torch_unmapped_source")
        call, key = self.call(node, parameters)
        shapes = TorchShapes([self.shape(argument) for argument in inputs], output)
        entry = None
        for cls in self.table.get(key, ()):
            try:
                entry = cls.from_torch(call, shapes)
            except LayerError as error:
                raise ConvcalcError("torch_unsupported", None, target=call.target, node=node.name,
                                    line=self.line(node), problem=Msg(error.key, **error.params)) from None
            if entry is not None:
                break
        if entry is None:
            self.unmapped(node, "torch_unmapped_module" if node.op == "call_module" else "torch_unmapped_function")
        if not entry:  # passes its input through (x.contiguous())
            self.values[node] = self.values[inputs[0]]
            return
        (kind, fields), = entry.items()
        name = self.layer_name(node, parameters)
        references = [self.values[argument] for argument in inputs]
        written = {"name": name}
        if references != [self.last or "input"]:
            written["inputs"] = references
        self.entries.append({kind: {**written, **fields}})
        self.values[node] = self.last = name

    def call(self, node, parameters):
        """(the TorchCall handed to the hooks, the table key of what is called)."""
        import torch

        def plain(value):
            return None if isinstance(value, torch.fx.Node) else value

        arguments = torch.fx.node.map_aggregate(node.args, plain)
        keywords = dict(torch.fx.node.map_aggregate(node.kwargs, plain))
        parameter_shapes = tuple(tuple(getattr(p.meta.get("tensor_meta"), "shape", None) or ()) for p in parameters)
        if node.op == "call_module":
            module = self.modules[node.target]
            kind = type(module)
            target = f"{kind.__module__}.{kind.__qualname__}"
            return TorchCall(target, module, arguments, keywords, parameter_shapes), self.module_key(module)
        if node.op == "call_method":
            return TorchCall(f"Tensor.{node.target}", None, arguments, keywords, parameter_shapes), \
                f"Tensor.{node.target}"
        return TorchCall(torch.fx.node._get_qualified_name(node.target), None, arguments, keywords,
                         parameter_shapes), node.target

    def module_key(self, module):
        """The first class of the module's type's MRO that a layer type lists, if the module's
        forward is that class's own (a subclass with its own forward computes something else)."""
        for base in type(module).__mro__:
            if base in self.table:
                return base if type(module).forward is base.forward else None
        return None

    def shape(self, node):
        """The per-sample shape of a node's tensor, a list of them for a tuple of tensors, or None."""
        meta = node.meta.get("tensor_meta")
        if meta is None:
            return None
        if isinstance(meta, (tuple, list)) and not hasattr(meta, "shape"):  # TensorMetadata is a named tuple
            shapes = [self.sample(node, part) for part in meta]
            return shapes if shapes and None not in shapes else None
        return self.sample(node, meta)

    def sample(self, node, meta):
        if not hasattr(meta, "shape"):
            return None
        shape = tuple(meta.shape)
        if not shape or shape[0] != TRACE_BATCH:
            raise ConvcalcError("torch_batch_mixed", None, node=node.name, line=self.line(node),
                                shape="x".join(map(str, shape)) or "()")
        return shape[1:]

    def layer_name(self, node, parameters) -> str:
        """A module's path (its second call path_1, as fx names it); a call reading one of the
        model's parameters, that parameter's path; any other call, fx's node name."""
        if node.op == "call_module":
            count = self.calls.get(node.target, 0)
            self.calls[node.target] = count + 1
            name = node.target if not count else f"{node.target}_{count}"
        elif len(parameters) == 1:
            name = parameters[0].target
        else:
            name = node.name
        base, suffix = name, 1
        while name in self.names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        self.names.add(name)
        return name

    def line(self, node) -> str:
        """", at FILE:LINE" of the model's source (the innermost frame outside torch) where fx's
        stack trace names it, else ''."""
        import torch

        inside = os.path.dirname(torch.__file__) + os.sep
        trace = node.meta.get("stack_trace") or ""
        places = [place for place in re.findall(r'File "([^"]+)", line (\d+)', trace)
                  if not place[0].startswith(inside)]
        return f", {places[-1][0]}:{places[-1][1]}" if places else ""

    def unmapped(self, node, key):
        if node.op == "call_module":
            kind = type(self.modules[node.target])
            raise ConvcalcError(key, None, kind=f"{kind.__module__}.{kind.__qualname__}", name=node.target,
                                node=node.name, line=self.line(node))
        import torch

        target = f"Tensor.{node.target}" if node.op == "call_method" else \
            torch.fx.node._get_qualified_name(node.target)
        raise ConvcalcError(key, None, name=target, node=node.name, line=self.line(node))


def _flat(args, kwargs):
    """Every value among a call's arguments, through tuples, lists and dicts."""
    pending = [*args, *kwargs.values()]
    while pending:
        value = pending.pop(0)
        if isinstance(value, (tuple, list)):
            pending[:0] = list(value)
        elif isinstance(value, dict):
            pending[:0] = list(value.values())
        else:
            yield value
