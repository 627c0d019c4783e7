"""The classic zoo against torchvision itself: VGG (11/13/16/19, with and without batch norm),
SqueezeNet 1.0/1.1, ResNeXt-50 32x4d, Wide ResNet-50-2, RegNetX/Y-400MF, DenseNet-121/161/169/201,
Inception v3 and GoogLeNet.

Expected figures come from outside convcalc: the parameter counts and GFLOPs that torchvision
publishes in its weights enums (``meta["num_params"]``, ``meta["_ops"]``: multiply-adds in G, rounded
to three decimals), torchvision's own modules layer by layer (tests/torch_oracle.py), a
FlopCounterMode count of the whole torchvision model, and real torch forwards at the edge of the
input sizes convcalc says are valid.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SPECS, analyze_file, analyze_text

# builder -> (input shape, keyword arguments for the builder); the spec is specs/<builder>.yaml
ZOO = {
    "vgg11": ((3, 224, 224), {}),
    "vgg13": ((3, 224, 224), {}),
    "vgg16": ((3, 224, 224), {}),
    "vgg19": ((3, 224, 224), {}),
    "vgg11_bn": ((3, 224, 224), {}),
    "vgg13_bn": ((3, 224, 224), {}),
    "vgg16_bn": ((3, 224, 224), {}),
    "vgg19_bn": ((3, 224, 224), {}),
    "squeezenet1_0": ((3, 224, 224), {}),
    "squeezenet1_1": ((3, 224, 224), {}),
    "resnext50_32x4d": ((3, 224, 224), {}),
    "wide_resnet50_2": ((3, 224, 224), {}),
    "regnet_x_400mf": ((3, 224, 224), {}),
    "regnet_y_400mf": ((3, 224, 224), {}),
    "densenet121": ((3, 224, 224), {}),
    "densenet161": ((3, 224, 224), {}),
    "densenet169": ((3, 224, 224), {}),
    "densenet201": ((3, 224, 224), {}),
    "inception_v3": ((3, 299, 299), {"init_weights": False}),  # with its auxiliary head, as by default
    "googlenet": ((3, 224, 224), {"aux_logits": False, "init_weights": False}),
}

# Inception v3's auxiliary head (torchvision's InceptionAux(768, 1000): BasicConv2d 1x1 768->128,
# BasicConv2d 5x5 128->768, each a conv without bias and a batch norm with weight and bias, then
# Linear(768, 1000)), which its published count includes and the spec marks train_only.
INCEPTION_AUX = (768 * 128 + 2 * 128) + (128 * 768 * 5 * 5 + 2 * 768) + (768 * 1000 + 1000)


def _published(builder: str) -> dict:
    """The meta of torchvision's first ImageNet weights for ``builder`` (a published table)."""
    from torchvision_oracle import torchvision_models

    return torchvision_models().get_model_weights(builder).IMAGENET1K_V1.meta


def _analysis(builder: str):
    analysis = analyze_file(SPECS / f"{builder}.yaml")
    assert analysis.errors == [], [finding.render() for finding in analysis.errors]
    return analysis


def _symbolic(builder: str):
    """The spec with its input written [3, H, W]."""
    text = (SPECS / f"{builder}.yaml").read_text()
    size = ZOO[builder][0]
    line = f"input: [{size[0]}, {size[1]}, {size[2]}]"
    assert line in text
    return text.replace(line, "input: [3, H, W]")


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """The machine is shared: torch runs on one thread here, as the executor does."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_every_zoo_spec_is_shipped_with_the_schema_line_and_its_source():
    for builder in ZOO:
        text = (SPECS / f"{builder}.yaml").read_text()
        assert text.startswith("# yaml-language-server: $schema=../convcalc.schema.json\n"), builder
        assert f"torchvision's {builder}" in text or f"torchvision.models.{builder}" in text, builder


@pytest.mark.parametrize("builder", list(ZOO))
def test_trainable_params_are_torchvisions_published_count(builder):
    published = _published(builder)["num_params"]
    assert _analysis(builder).totals.trainable == published


def test_inception_v3_auxiliary_head_holds_parameters_and_runs_only_in_training():
    """The spec's AuxLogits layers hold what torchvision's AuxLogits holds; in eval mode they cost no
    MAC, and in train mode the MACs equal a FlopCounterMode count of torchvision's model in training."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode
    from torchvision_oracle import build

    model = build("inception_v3", init_weights=False)
    assert sum(p.numel() for p in model.AuxLogits.parameters()) == INCEPTION_AUX
    analysis = _analysis("inception_v3")
    aux = [report for report in analysis.layers if report.name.startswith("AuxLogits.")]
    assert sum(report.params for report in aux) == INCEPTION_AUX
    assert all(not report.runs for report in aux)
    training = analyze_file(SPECS / "inception_v3.yaml", mode="train")
    with torch.device("meta"):
        meta_model = build("inception_v3", init_weights=False).train()
    counter = FlopCounterMode(display=False)
    with counter:
        meta_model(torch.zeros((2, 3, 299, 299), device="meta"))  # batch 2: batch norm trains on > 1 value
    assert training.totals.macs == counter.get_total_flops() // 2 // 2
    assert training.totals.macs > analysis.totals.macs
    from torch_oracle import compare

    assert compare(training, build("inception_v3", init_weights=False), (3, 299, 299), train=True) == []


@pytest.mark.parametrize("builder", list(ZOO))
def test_macs_match_torchvisions_published_ops(builder):
    """meta["_ops"] is GFLOPs as torchvision counts them (multiply-adds) with three decimals."""
    macs = _analysis(builder).totals.macs
    assert abs(macs / 1e9 - _published(builder)["_ops"]) <= 0.0005 + 1e-12


@pytest.mark.parametrize("builder", list(ZOO))
def test_macs_equal_flop_counter_of_the_whole_model(builder):
    """FlopCounterMode over torchvision's whole forward (on the meta device: shapes only) counts the
    conv and linear multiply-adds, biases excluded, the same rule as convcalc's MACs. Inception v3 in
    eval mode does not run its auxiliary head, and neither does the spec's (train_only)."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode
    from torchvision_oracle import build

    shape, arguments = ZOO[builder]
    if builder.startswith("regnet"):  # its builder reads back stage widths it computes with tensors
        model = build(builder, **arguments).to("meta")
    else:
        with torch.device("meta"):
            model = build(builder, **arguments)
    sample = torch.zeros((1, *shape), device="meta")
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(sample)
    assert _analysis(builder).totals.macs == counter.get_total_flops() // 2


# The heaviest networks are compared layer by layer at a smaller square input (the spec's input line
# replaced; the rest of the spec as shipped), to keep this file within a few minutes on a shared
# machine: VGG's 15-20 GMACs run twice in float64 per network otherwise. At the default size their
# totals are held against the whole model's FlopCounterMode above, and every other network here is
# compared at its default size.
COMPARED_AT = {**{name: 64 for name in ZOO if name.startswith("vgg")},
               **{name: 112 for name in ("densenet161", "densenet169", "densenet201", "wide_resnet50_2")}}


@pytest.mark.parametrize("builder", list(ZOO))
def test_every_layer_matches_torchvision(builder):
    """compare(...) finds no mismatch, and every spec layer with parameters met its torch module."""
    from torch_oracle import compare
    from torchvision_oracle import build

    shape, arguments = ZOO[builder]
    if builder in COMPARED_AT:
        side = COMPARED_AT[builder]
        shape = (shape[0], side, side)
        analysis = analyze_text(_symbolic(builder).replace("input: [3, H, W]", f"input: [3, {side}, {side}]"))
        assert analysis.errors == []
    else:
        analysis = _analysis(builder)
    model = build(builder, **arguments)
    names = {report.name for report in analysis.layers}
    matched = [name for name, module in model.named_modules()
               if name in names and not list(module.children()) and list(module.parameters())]
    assert len(matched) == sum(1 for report in analysis.layers if report.params)
    assert compare(analysis, model, shape) == []


# ----- the valid input sizes against real torch forwards ------------------------------------------

# torchvision publishes a min_size for each (meta["min_size"]): 32 for VGG, 21 and 17 for SqueezeNet,
# 29 for DenseNet, 75 for Inception v3, 15 for GoogLeNet, 1 for ResNet, ResNeXt and RegNet
BOUNDARY = ["vgg11_bn", "squeezenet1_0", "squeezenet1_1", "resnext50_32x4d", "regnet_y_400mf",
            "densenet121", "inception_v3", "googlenet"]


def _runs_in_torch(model, height: int, width: int) -> bool:
    torch = pytest.importorskip("torch")
    try:
        with torch.no_grad():
            model(torch.zeros((1, 3, height, width)))
    except (RuntimeError, ValueError):
        return False
    return True


@pytest.mark.parametrize("builder", BOUNDARY)
def test_symbolic_input_valid_sizes_hold_at_the_boundary_in_torch(builder):
    """With the input [3, H, W], the smallest valid H and W convcalc reports are torchvision's
    published min_size and run through torchvision's model; one less (on either axis) makes torch
    raise; and around the boundary every height torch accepts is one convcalc calls valid, and the
    reverse."""
    from torchvision_oracle import build

    analysis = analyze_text(_symbolic(builder))
    assert analysis.errors == []
    assert analysis.totals.trainable == _analysis(builder).totals.trainable  # sizes change no parameter
    valid = analysis.conditions[0].per_symbol if analysis.conditions else {}
    low_h = valid["H"].minimum() if "H" in valid else 1
    low_w = valid["W"].minimum() if "W" in valid else 1
    assert (low_h, low_w) == _published(builder)["min_size"]
    model = build(builder, **ZOO[builder][1])
    assert _runs_in_torch(model, low_h, low_w)
    if low_h > 1:
        assert not _runs_in_torch(model, low_h - 1, low_w)
        assert not _runs_in_torch(model, low_h, low_w - 1)
    for height in range(max(low_h - 3, 1), low_h + 4):
        assert _runs_in_torch(model, height, low_w) == ("H" not in valid or height in valid["H"]), height


# ----- the NumPy executor through the CLI ----------------------------------------------------------

@pytest.mark.parametrize("builder, size", [("squeezenet1_1", 17), ("regnet_y_400mf", 24)])
def test_convcalc_verify_confirms_the_spec_at_a_small_input(tmp_path, builder, size):
    """`convcalc verify` runs the NumPy executor on the spec (its input made [3, H, W], then set
    small) and confirms every shape, parameter count and MAC count, and the peak memory."""
    spec = tmp_path / f"{builder}.yaml"
    spec.write_text(_symbolic(builder))
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C"}
    result = subprocess.run([sys.executable, "-m", "convcalc", "verify", str(spec), "--set", f"H={size}",
                             "--set", f"W={size}"], capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"confirmed", result.stdout, re.IGNORECASE), result.stdout[-2000:]
