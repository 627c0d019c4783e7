"""PyTorch round trips: every shipped spec exported as PyTorch source (convcalc.bridges.torch_export),
the module built on the meta device (no weights allocated) and imported back with torch.fx
(convcalc.bridges.torch_import) is the same analysis, layer for layer that runs: type, output shape,
trainable and non-trainable parameters, MACs, in order, and the totals of what runs.

Names: a module keeps its path, which is the layer's name (so state_dict keys line up); a function
call (add, cat, flatten) gets torch.fx's node name (add_1, cat), as any traced model's would.
Train-only heads (googlenet_aux, inception_v3's AuxLogits) are built but not called in eval mode, so
a trace does not see them: they are compared as what runs."""

from __future__ import annotations

import re

import pytest

from conftest import SPECS, analyze_file

torch = pytest.importorskip("torch")

from convcalc.bridges.torch_export import module_source  # noqa: E402
from convcalc.bridges.torch_import import spec_text_of_module  # noqa: E402
from conftest import analyze_text  # noqa: E402

# Not round-tripped, each for its reason:
LEFT_OUT = {
    # no PyTorch form: the export refuses them in one line (tests/test_graph_conv.py, test_lenet5_original.py)
    "gcn_cora.yaml", "gat_cora.yaml", "chebnet_cora.yaml", "lenet5_original.yaml",
    # the export's helpers (ConvNeXt's LayerScale and StochasticDepth, U-Net's centre crop) are written
    # for eager PyTorch: they read tensor sizes in Python, which torch.fx cannot trace
    "convnext_tiny.yaml", "unet.yaml",
    # hwc specs export channels-first, with a movedim before the flatten so that the dense weights see
    # the spec's order: the import is the channels-first network, one permute more
    "alexnet_original.yaml", "seed002_cnn.yaml",
}
# The same computation under two types: a flat global pool is exported as x.mean(dim=(2, 3)) (or
# x.amax), which a trace reads as the reduction it is.
SAME_COMPUTATION = {"reduce": ("global_avgpool1d", "global_avgpool2d", "global_avgpool3d", "global_maxpool1d",
                               "global_maxpool2d", "global_maxpool3d")}
SHIPPED = sorted(path for path in [*SPECS.glob("*.yaml"), *(SPECS / "examples").glob("*.yaml")]
                 if path.name not in LEFT_OUT)


def figures(analysis, like=None):
    """(type, shape, trainable, non-trainable, MACs) of every layer that runs, and their totals; a
    type of SAME_COMPUTATION read as the one ``like`` (the original's rows) has at that place."""
    rows = [(report.kind, report.shape, report.result.trainable, report.result.non_trainable, report.result.macs)
            for report in analysis.layers if report.runs]
    if like is not None and len(like) == len(rows):
        rows = [(theirs[0], *row[1:]) if row[0] in SAME_COMPUTATION and theirs[0] in SAME_COMPUTATION[row[0]]
                else row for row, theirs in zip(rows, like)]
    return rows, tuple(sum(row[index] for row in rows) for index in (2, 3, 4))


def generated_module(analysis):
    source = module_source(analysis)
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    with torch.device("meta"):  # the module's shapes only: nothing is allocated
        return namespace[re.findall(r"^class (\w+)\(nn\.Module\):", source, re.M)[-1]]()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: str(path.relative_to(SPECS)))
def test_every_shipped_spec_comes_back_from_pytorch(path):
    analysis = analyze_file(path)
    assert not analysis.errors
    back = analyze_text(spec_text_of_module(generated_module(analysis), tuple(analysis.input_tensor.dims)))
    assert not back.errors
    expected = figures(analysis)
    got = figures(back, expected[0])
    assert [row for row in got[0] if row not in expected[0]] == []  # the first rows that differ, shown
    assert got == expected
    parameters = {report.name for report in analysis.layers if report.runs and report.params}
    assert parameters <= {report.name for report in back.layers}  # modules keep their paths


def test_movedim_is_the_permutation_it_makes():
    """x.movedim(1, -1) on (N, C, H, W) is (N, H, W, C): dims [1, 2, 0] of a sample (C, H, W)."""
    from convcalc.api import analyze

    class ChannelsLast(torch.nn.Module):
        def forward(self, x):
            return x.movedim(1, -1).flatten(1)

    analysis = analyze(ChannelsLast(), input=(3, 4, 5))
    assert [(report.kind, report.shape) for report in analysis.layers] == [("permute", (4, 5, 3)), ("flatten", (60,))]
    assert analysis.layers[0].node.layer.dims == (1, 2, 0) or list(analysis.layers[0].node.layer.dims) == [1, 2, 0]
