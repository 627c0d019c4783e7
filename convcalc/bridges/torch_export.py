"""PyTorch source of an analysed spec: ``module_source(analysis)`` is the text of a file that
imports only torch and defines one ``nn.Module``, ``__init__`` building a module per layer that has
one and ``forward`` calling them in the spec's order (parameter-free layers such as add, concat,
flatten, split, reshape and permute are the functional calls a person writes).

State dict keys are convcalc's ``layer.parameter`` names, as ``convcalc run --weights`` reads
them: a layer name with dots (``layer1.0.conv1``) sits in nested ``nn.ModuleDict`` levels, one per
name prefix (``self.layer1["0"]["conv1"]``), so its weight is ``layer1.0.conv1.weight``. PyTorch's
batch norms add their ``num_batches_tracked`` counters, which ``run --weights`` ignores and which
``load_state_dict`` fills in when a dict of convcalc's weights leaves them out.

The module takes channels-first input (N, C, *spatial), as PyTorch does, also for a spec written in
``layout: hwc``; there a flatten moves the channels last first, so that the dense weights see the
values in the spec's order. ``forward`` returns the network's output, or a tuple of its outputs in
the order convcalc lists them (the parts of a split output one by one). Layers that do not run in
the analysed mode (``train_only`` in eval) are built, holding their weights, but not called.

What each layer type becomes is the layer's own ``to_torch`` hook (``convcalc.layers.torch_code``);
a size a constructor needs that depends on symbolic input sizes is refused with the layer named.
This module only names things and orders the lines: analysis in, text out, nothing else touched.
"""

from __future__ import annotations

import keyword
import re

import convcalc
from convcalc.bridges import require
from convcalc.errors import ConvcalcError, LayerError, Location
from convcalc.graph import INPUT
from convcalc.i18n import Msg
from convcalc.symbolic import format_dim
from convcalc.text import visible

RESERVED = {"self", "torch", "nn", "F", "x", "input_"}  # names the generated forward uses itself


def module_source(analysis) -> str:
    """The generated file's text for ``analysis``, which must be without errors."""
    if analysis.errors:
        raise ConvcalcError("torch_export_inconsistent", Location(analysis.file))
    layout = analysis.spec.layout
    tensors = analysis.tensors()
    codes = {}
    for report in analysis.layers:
        node = report.node
        hook = getattr(node.layer, "to_torch", None)
        if hook is None:
            raise ConvcalcError("torch_export_unsupported", node.location, layer=node.name, kind=report.kind)
        try:
            codes[node.name] = hook(node.read(tensors), layout)
        except LayerError as error:
            raise ConvcalcError("torch_export_refused", node.location, layer=node.name, kind=report.kind,
                                reason=Msg(error.key, **error.params)) from None
    tree = _module_tree(analysis, codes)
    helpers = list(dict.fromkeys(code.helper for code in codes.values() if code.helper))
    class_name = re.sub(r"[^0-9A-Za-z]", "", analysis.spec.name)
    class_name = class_name if class_name.isidentifier() else "Network"
    shape = ", ".join(format_dim(size) for size in analysis.input_tensor.dims)
    lines = [
        f"# {visible(analysis.spec.name)}: PyTorch source written by convcalc {convcalc.__version__}",
        f"# from {visible(analysis.file)} (convcalc export SPEC --to pytorch).",
        "# state_dict keys are convcalc's layer.parameter names: layers whose names have dots sit in nested",
        '# nn.ModuleDict levels (layer1.0.conv1 is self.layer1["0"]["conv1"]).',
        "import torch",
        "from torch import nn",
        "from torch.nn import functional as F",
        "", "",
    ]
    for helper in helpers:
        lines += [*helper.rstrip("\n").split("\n"), "", ""]
    lines += [
        f"class {class_name}(nn.Module):",
        f'    """Input (N, {shape}) channels first{" (the spec is hwc)" if layout == "hwc" else ""}; '
        'weights keyed as convcalc names them."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        *_init_lines(tree),
        "",
        *_forward_lines(analysis, codes),
    ]
    return "\n".join(lines) + "\n"


def _module_tree(analysis, codes) -> dict:
    """Name part -> the constructor source, or the dict of the parts under that prefix; a part
    that is an attribute of PyTorch's modules (asked of torch itself) is refused."""
    torch = require("torch", "writing PyTorch source")
    reserved = set(dir(torch.nn.ModuleDict()))  # forward, training, keys, ...: no submodule can be named so
    tree: dict = {}
    for report in analysis.layers:
        module = codes[report.name].module
        if module is None:
            continue
        parts = report.name.split(".")
        for part in parts:
            if part in reserved:
                raise ConvcalcError("torch_export_reserved", report.location, layer=report.name, part=part)
        level = tree
        for depth, part in enumerate(parts[:-1]):
            level = level.setdefault(part, {})
            if not isinstance(level, dict):
                raise ConvcalcError("torch_export_prefix", report.location, layer=".".join(parts[:depth + 1]))
        if parts[-1] in level:
            raise ConvcalcError("torch_export_prefix", report.location, layer=report.name)
        level[parts[-1]] = module
    return tree


def _init_lines(tree: dict) -> list[str]:
    """``self.conv1 = nn.Conv2d(...)`` per top-level name; a prefix becomes an nn.ModuleDict literal."""
    lines = []
    for name, value in tree.items():
        source = value.replace("\n", "\n        ") if isinstance(value, str) else "\n".join(
            ["nn.ModuleDict({", *_dict_lines(value, 12), "        })"])
        lines.append(f"        self.{name} = {source}" if _attribute(name) else
                     f'        self.add_module("{name}", {source})')
    return lines


def _dict_lines(tree: dict, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for name, value in tree.items():
        if isinstance(value, str):
            indented = value.replace("\n", "\n" + pad)
            lines.append(f'{pad}"{name}": {indented},')
        else:
            lines += [f'{pad}"{name}": nn.ModuleDict({{', *_dict_lines(value, indent + 4), f"{pad}}}),"]
    return lines


def _attribute(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name.isascii()


def _accessor(name: str) -> str:
    """self.conv1, self.layer1["0"]["conv1"], or getattr(self, "0") for a name no attribute can have."""
    first, *rest = name.split(".")
    head = f"self.{first}" if _attribute(first) else f'getattr(self, "{first}")'
    return head + "".join(f'["{part}"]' for part in rest)


def _forward_lines(analysis, codes) -> list[str]:
    """One assignment per running layer (a call without a module ends with a comment naming its
    layer); a value read once, by the next layer, and not an output flows as ``x``; the others keep
    a name made from the layer's."""
    running = [report for report in analysis.layers if report.runs]
    outputs = set(analysis.outputs)
    reads: dict[str, list[str]] = {}
    for report in running:
        for source in report.inputs:
            reads.setdefault(source, []).append(report.name)
    order = [INPUT, *(report.name for report in running)]
    following = {name: order[step + 1] if step + 1 < len(order) else None for step, name in enumerate(order)}
    used = set(RESERVED) | set(keyword.kwlist)

    def variable(name: str) -> str:
        count = analysis.graph.node(name).layer.output_count if name != INPUT else 1
        if count == 1 and name not in outputs and reads.get(name) == [following.get(name)]:
            return "x"
        if name == INPUT:
            return "input_"
        base = re.sub(r"[^0-9A-Za-z_]", "_", name)
        base = f"_{base}" if base[0].isdigit() else base
        candidate, suffix = base, 1
        while candidate in used:
            suffix += 1
            candidate = f"{base}_{suffix}"
        used.add(candidate)
        return candidate

    names = {INPUT: variable(INPUT)}
    lines = [f"    def forward(self, {names[INPUT]}):"]
    for report in running:
        code = codes[report.name]
        arguments = [names[source] if index is None else names[source][index] for source, index in report.node.sources]
        if code.pad is not None:
            value = f", value={code.pad_value}" if code.pad_value else ""
            arguments[0] = f"F.pad({arguments[0]}, {code.pad}{value})"
        expression = code.call.format(*arguments, module=_accessor(report.name) if code.module else None)
        count = report.node.layer.output_count
        if count > 1:
            base = variable(report.name)
            names[report.name] = [f"{base}_{index}" for index in range(count)]
            used.update(names[report.name])
            target = ", ".join(names[report.name])
        else:
            target = names[report.name] = variable(report.name)
        named = f"  # {report.name}" if code.module is None else ""  # a call says which layer it is
        lines.append(f"        {target} = {expression}{named}")
    results = []
    for name in analysis.outputs:
        value = names[name]
        results += value if isinstance(value, list) else [value]
    lines.append(f"        return {', '.join(results)}")
    return lines
