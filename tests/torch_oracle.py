"""PyTorch as the oracle: what torch itself says about each leaf module of a model.

For every module without children (Conv2d, Linear, BatchNorm2d, ...) it records, by the module's
dotted name: the output shape of one sample, the parameter count (trainable, and buffers without
BatchNorm's num_batches_tracked counter) and the MACs that ``torch.utils.flop_counter``'s
FlopCounterMode measures when the module runs alone on its recorded input (its FLOPs / 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402


@dataclass
class TorchLayer:
    name: str
    kind: str
    output_shape: tuple[int, ...]  # without the batch axis
    trainable: int
    non_trainable: int
    macs: int


def torch_layers(model: "torch.nn.Module", input_shape: tuple[int, ...], train: bool = False) -> dict[str, TorchLayer]:
    """Run ``model`` on one zero sample of ``input_shape`` (channels first, no batch), or in
    training mode (``train``, where auxiliary heads run) on two, since batch norm then needs more
    than one value per channel; MACs are per sample either way."""
    batch = 2 if train else 1
    model = model.train(train).double()
    captured: dict[str, tuple] = {}
    outputs: dict[str, tuple[int, ...]] = {}
    hooks = []
    leaves = {name: module for name, module in model.named_modules() if name and not list(module.children())}
    def recorder(name):
        def record(module, args, out):  # returns None: the output is left as it is
            captured.setdefault(name, args)
            outputs.setdefault(name, tuple(out.shape[1:]))
        return record

    for name, module in leaves.items():
        hooks.append(module.register_forward_hook(recorder(name)))
    with torch.no_grad():
        model(torch.zeros((batch, *input_shape), dtype=torch.float64))
    for hook in hooks:
        hook.remove()
    result = {}
    for name, module in leaves.items():
        if name not in outputs:
            continue  # a module the forward pass did not use
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(*captured[name])
        buffers = sum(b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked"))
        result[name] = TorchLayer(
            name, type(module).__name__, outputs[name],
            sum(p.numel() for p in module.parameters() if p.requires_grad), buffers,
            counter.get_total_flops() // 2 // batch)
    return result


def compare(analysis, model, input_shape, train: bool = False) -> list[str]:
    """Mismatches between convcalc's analysis and PyTorch, for every torch leaf module that runs
    (in eval mode, or in training with ``train``) whose name is a layer name of the spec, and for
    every parameter held by a module with children (by its state_dict name); also every spec layer
    with parameters must exist in torch."""
    by_name = {report.name: report for report in analysis.layers}
    found = torch_layers(model, input_shape, train)
    modules = {name for name, _ in model.named_modules()}
    problems = []
    for name, layer in found.items():
        report = by_name.get(name)
        if report is None:
            if layer.trainable or layer.non_trainable:
                problems.append(f"torch module {name} ({layer.kind}) has parameters but no spec layer of that name")
            continue
        result = report.result
        ours = tuple(result.output.dims)
        if ours != layer.output_shape:
            problems.append(f"{name}: shape {ours} vs torch {layer.output_shape}")
        if (result.trainable, result.non_trainable) != (layer.trainable, layer.non_trainable):
            problems.append(f"{name}: params {(result.trainable, result.non_trainable)} vs torch "
                            f"{(layer.trainable, layer.non_trainable)}")
        if layer.kind.startswith(("Conv", "Linear")) and result.macs != layer.macs:
            problems.append(f"{name}: MACs {result.macs} vs torch FlopCounterMode {layer.macs}")
    held = held_parameters(model)
    for name, count in held.items():
        report = by_name.get(name)
        if report is None:
            problems.append(f"torch parameter {name} (held by a module with children) has no spec layer of that name")
        elif (report.result.trainable, report.result.non_trainable) != (count, 0):
            problems.append(f"{name}: params {(report.result.trainable, report.result.non_trainable)} vs torch "
                            f"{(count, 0)}")
    for report in analysis.layers:
        if report.params and report.name not in modules and report.name not in held:
            problems.append(f"spec layer {report.name} has parameters but no torch module of that name")
    return problems


def held_parameters(model: "torch.nn.Module") -> dict[str, int]:
    """Trainable parameters that a module with children holds itself (ConvNeXt's CNBlock.layer_scale),
    by their state_dict names, with their element counts: a spec layer of that name carries them.
    No forward hook sees them, so only their counts are compared."""
    return {f"{module_name}.{name}": parameter.numel()
            for module_name, module in model.named_modules() if list(module.children())
            for name, parameter in module.named_parameters(recurse=False) if parameter.requires_grad}
