"""The network as a tree of names, with a subtotal per group: what ``analyze --depth`` shows.

A layer's name is its path, split at the dots, as PyTorch's ``named_modules()`` nests modules
(and the shipped specs use torchvision's names): ``layer1.0.conv1`` is in ``layer1.0`` (a use
of the block ``bottleneck_down``), which is in ``layer1``, which is in the network. Every
prefix of a name is a group, at the depth of its number of parts (the network is depth 0, as
torchinfo's ``depth=`` counts; past ``MAX_DEPTH`` parts the rest of a name is one part).

A group's figures are its layers' summed as the totals sum them: parameters of every layer;
MACs, FLOPs and activations of the layers that run in the mode analysed (of all its layers
when none runs: a train-only head, shown as such). Its inputs are the tensors its layers read
from outside it, its outputs those read outside it (or by nobody: the network's outputs).

``cut`` cuts the tree: at a depth, or at the block uses (each outermost use one row, whatever
its depth). The nodes it cuts and the layers above the cut partition the layers, so each column
of those rows sums to the total (``render.rows`` lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from convcalc.analysis import Analysis, LayerReport
from convcalc.graph import INPUT, BlockUse

BLOCKS = "blocks"  # the cut at the block uses, the other value of --depth
MAX_DEPTH = 64  # parts of a name made groups: the rest of a longer name stays one part


@dataclass(eq=False)
class Group:
    name: str  # the full path, "layer1.0"; "" for the network
    depth: int  # parts of the name: 0 the network, 1 conv1 or layer1, 2 layer1.0, ...
    reports: list[LayerReport] = field(default_factory=list)  # every layer in it, in spec order
    children: list[Group] = field(default_factory=list)  # in the order of their first layer
    report: LayerReport | None = None  # set when the node is a layer (a leaf)
    use: BlockUse | None = None  # set when the group is a use of a block

    @property
    def is_layer(self) -> bool:
        return self.report is not None

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(report.name for report in self.reports)

    @property
    def analysed(self) -> list[LayerReport]:
        return [report for report in self.reports if report.result]

    @property
    def trainable(self):
        return sum((report.result.trainable for report in self.analysed), 0)

    @property
    def non_trainable(self):
        return sum((report.result.non_trainable for report in self.analysed), 0)

    @property
    def counted(self) -> list[LayerReport]:
        """The layers whose MACs, FLOPs and activations count: those that run; in a group where none
        runs (a train-only head in eval mode), all, as a train-only layer's row shows its own."""
        return [report for report in self.analysed if report.runs or not self.runs]

    def _running(self, figure: str):
        return sum((getattr(report.result, figure) for report in self.counted), 0)

    @property
    def macs(self):
        return self._running("macs")

    @property
    def flops(self):
        return self._running("flops")

    @property
    def activation_elements(self):
        return sum((report.activation_elements for report in self.counted), 0)

    @property
    def activation_bytes(self):
        return sum((report.activation_bytes for report in self.counted), 0)

    @property
    def runs(self) -> bool:
        return any(report.runs for report in self.reports)

    @property
    def complete(self) -> bool:
        return all(report.result is not None for report in self.reports)

    @property
    def sources(self) -> list[tuple[str, int | None]]:
        """The tensors read from outside the group, once each, in the order first read."""
        found = []
        for report in self.reports:
            for source in report.node.sources:
                if source[0] not in self.names and source not in found:
                    found.append(source)
        return found

    def outputs(self, consumers: dict[str, list[str]]) -> list[LayerReport]:
        """Its layers read outside it, or by no layer at all."""
        return [report for report in self.reports
                if not consumers.get(report.name) or any(name not in self.names for name in consumers[report.name])]


def build(analysis: Analysis) -> Group:
    """The tree of ``analysis``'s layer names, block uses marked. A layer is always a leaf: a layer
    named like a group (``x`` beside ``x.y``) is a leaf of that name beside the group."""
    root = Group("", 0)
    groups = {"": root}
    for report in analysis.layers:
        root.reports.append(report)
        parent, parts = root, report.name.split(".", MAX_DEPTH - 1)
        for depth in range(1, len(parts)):
            name = ".".join(parts[:depth])
            group = groups.get(name)
            if group is None:
                group = groups[name] = Group(name, depth)
                parent.children.append(group)
            group.reports.append(report)
            parent = group
        parent.children.append(Group(report.name, len(parts), [report], report=report))
        for use in report.node.uses:
            if use.name in groups:  # not when its name has more than MAX_DEPTH parts
                groups[use.name].use = use
    return root


def cut(group: Group, depth: int | str | None) -> bool:
    """Whether ``group``'s children are left out at ``depth`` (None: nothing is)."""
    return depth is not None and not group.is_layer and (
        group.use is not None if depth == BLOCKS else group.depth >= depth)


def source_shape(analysis: Analysis, reports: dict[str, LayerReport], source: tuple[str, int | None]):
    """The shape of one tensor read (``reports`` by name), in the spec's layout; None if unknown."""
    name, index = source
    if name == INPUT:
        return analysis.input_shape
    report = reports[name]
    if report.shape is None:
        return None
    return report.shape if index is None else report.shapes[index]
