"""ResNet-18/34/50/101/152 and GoogLeNet (with and without auxiliary classifiers): published totals,
every layer against the same network built by hand in PyTorch, and ResNet-50 with a symbolic input.

The totals are the parameter counts of torchvision's documentation (the ``num_params`` of
ResNet18_Weights ... ResNet152_Weights and GoogLeNet_Weights: trainable parameters, without batch
norm's running statistics). torchvision itself is not used: each network is rebuilt from torch.nn
modules with torchvision's attribute names and nesting (tests/reference_models.py), so that its dotted module names
(layer2.0.downsample.0, inception3a.branch2.1.conv, ...) are torchvision's, and the spec's.
"""

from __future__ import annotations

import pytest

from conftest import SPECS, analyze_file, analyze_text

from convcalc.symbolic import is_concrete

INPUT = (3, 224, 224)

# (spec file, torchvision's published parameter count)
PUBLISHED = {
    "resnet18.yaml": 11_689_512,
    "resnet34.yaml": 21_797_672,
    "resnet50.yaml": 25_557_032,
    "resnet101.yaml": 44_549_160,
    "resnet152.yaml": 60_192_808,
    "googlenet.yaml": 6_624_904,
    "googlenet_aux.yaml": 13_004_888,
}


@pytest.mark.parametrize("spec, published", PUBLISHED.items(), ids=list(PUBLISHED))
def test_total_is_torchvisions_published_count(spec, published):
    analysis = analyze_file(SPECS / spec)
    assert analysis.errors == []
    assert analysis.totals.trainable == published


def test_googlenet_aux_adds_two_classifiers_and_three_outputs():
    plain = analyze_file(SPECS / "googlenet.yaml")
    aux = analyze_file(SPECS / "googlenet_aux.yaml")
    # each InceptionAux: 1x1 conv (C*128) + BN (2*128) + fc1 (2048*1024 + 1024) + fc2 (1024*1000 + 1000),
    # from inception4a (C = 512) and inception4d (C = 528)
    head = 2 * 128 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000
    assert aux.totals.trainable - plain.totals.trainable == 512 * 128 + 528 * 128 + 2 * head
    by_name = {report.name: report for report in aux.layers}
    assert by_name["aux1.pool"].inputs == ("inception4a.concat",)
    assert by_name["aux2.pool"].inputs == ("inception4d.concat",)
    for name in ("aux1.fc2", "aux2.fc2", "fc"):
        assert tuple(by_name[name].result.output.dims) == (1000,)


def test_resnet50_symbolic_input_ends_in_a_size_free_global_pool():
    text = (SPECS / "resnet50.yaml").read_text()
    assert "input: [3, 224, 224]" in text
    analysis = analyze_text(text.replace("input: [3, 224, 224]", "input: [3, H, W]"))
    assert analysis.errors == []
    by_name = {report.name: report for report in analysis.layers}
    last_map = by_name["layer4.2.relu_2"].result.output.dims
    assert "H" in last_map[1].symbols()  # the feature map before the pool still depends on H
    pooled = by_name["avgpool"].result.output.dims
    assert all(is_concrete(dim) for dim in pooled)
    assert tuple(pooled) == (2048, 1, 1)
    assert analysis.totals.trainable == PUBLISHED["resnet50.yaml"]


# ----- the same networks in PyTorch ---------------------------------------------------------------

def _check_against_pytorch(spec, model):
    """compare(...) finds no mismatch, and every spec layer with parameters met its torch module: the
    torch leaf modules with parameters that carry a spec layer's name are as many as those layers."""
    from torch_oracle import compare

    analysis = analyze_file(SPECS / spec)
    assert analysis.errors == []
    assert compare(analysis, model, INPUT) == []
    names = {report.name for report in analysis.layers}
    matched = [name for name, module in model.named_modules()
               if name in names and not list(module.children()) and list(module.parameters())]
    assert len(matched) == sum(1 for report in analysis.layers if report.params)


def _build(spec):
    """The hand-built torch model of a spec (tests/reference_models.py); skips without torch."""
    pytest.importorskip("torch")
    from reference_models import build

    return build(spec)


RESNETS = [spec for spec in PUBLISHED if spec.startswith("resnet")]


@pytest.mark.parametrize("spec", RESNETS)
def test_resnet_matches_pytorch(spec):
    pytest.importorskip("torch")
    model = _build(spec)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[spec]  # the hand-built net is torchvision's
    _check_against_pytorch(spec, model)


@pytest.mark.parametrize("spec, aux", [("googlenet.yaml", False), ("googlenet_aux.yaml", True)])
def test_googlenet_matches_pytorch(spec, aux):
    pytest.importorskip("torch")
    model = _build(spec)
    assert hasattr(model, "aux1") == hasattr(model, "aux2") == aux
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[spec]  # the hand-built net is torchvision's
    _check_against_pytorch(spec, model)
