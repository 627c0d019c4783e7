"""ConvNeXt-T against torchvision itself (torchvision.models.convnext_tiny, weights=None).

Expected figures come from torchvision, never from convcalc: the published ``num_params`` and
``_ops`` (GMACs) of ConvNeXt_Tiny_Weights.IMAGENET1K_V1, the crop size of its transforms, and the
model torchvision builds: its parameters, buffers, output shape and whole-model FlopCounterMode
count (on the meta device), every leaf module by name and every parameter a module with children
holds itself (CNBlock.layer_scale; tests/torch_oracle.py), and its forward pass at the smallest input
size convcalc calls valid and one below.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text
from convcalc.cli import main

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from torch_oracle import compare, held_parameters  # noqa: E402
from torchvision_oracle import build, torchvision_models  # noqa: E402

BUILDER = "convnext_tiny"
SPEC = SPECS / f"{BUILDER}.yaml"
FULL_INPUT = "input: [3, 224, 224]"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _weights():
    return torchvision_models().get_model_weights(BUILDER).IMAGENET1K_V1


def _spec_text(input_line: str) -> str:
    text = SPEC.read_text()
    assert text.count(FULL_INPUT) == 1
    return text.replace(FULL_INPUT, input_line)


def test_spec_has_the_published_input_and_parameter_count():
    analysis = analyze_file(SPEC)
    assert analysis.errors == []
    (side,) = _weights().transforms().crop_size
    assert tuple(analysis.input_shape) == (3, side, side) == (3, 224, 224)
    assert _weights().meta["num_params"] == 28_589_128
    assert analysis.totals.trainable == _weights().meta["num_params"]


def test_totals_equal_torchvisions():
    """Trainable parameters, buffers (none: LayerNorm keeps no statistics), the output's shape and
    every conv/linear MAC of the whole model equal torchvision's (FlopCounterMode on the meta device:
    the depthwise and 2x2/4x4 convs and the Linears on channels-last maps), and the MACs round to the
    published _ops."""
    analysis = analyze_file(SPEC)
    with torch.device("meta"):
        model = build(BUILDER)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros((1, 3, 224, 224), device="meta"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for b in model.buffers())
    totals = analysis.totals
    assert (totals.trainable, totals.non_trainable) == (trainable, buffers) == (28_589_128, 0)
    assert totals.macs == counter.get_total_flops() // 2
    assert tuple(analysis.layers[-1].result.output.dims) == tuple(out.shape[1:]) == (1000,)
    assert round(totals.macs / 1e9, 3) == pytest.approx(_weights().meta["_ops"], abs=1e-9)


def test_every_layer_matches_torchvision():
    """Every leaf module (convs, Permutes, LayerNorms, Linears, GELUs, StochasticDepths, ...) by name:
    shape, parameters, MACs; and the 18 layer_scale parameters, which belong to the CNBlocks (modules
    with children, so no forward hook sees them: compare() checks their counts by state_dict name)."""
    analysis = analyze_file(SPEC)
    assert compare(analysis, build(BUILDER), (3, 224, 224)) == []


def test_layer_scales_are_torchvisions_parameters():
    """compare() sees the layer_scale parameters only by name: here each of torchvision's, (dim, 1, 1),
    is a spec layer_scale layer of that name with dim trainable parameters, and there are no others."""
    with torch.device("meta"):
        held = held_parameters(build(BUILDER))
    by_name = {report.name: report for report in analyze_file(SPEC).layers}
    scales = {name: report.result.trainable for name, report in by_name.items()
              if report.node.layer.kind == "layer_scale"}
    assert scales == held
    assert len(held) == 3 + 3 + 9 + 3
    assert held["features.1.0.layer_scale"] == 96 and held["features.7.2.layer_scale"] == 768


def test_smallest_valid_input_runs_in_torch_and_one_less_fails():
    """With the input [3, H, W] convcalc's valid sizes start at some H and W (torchvision's meta
    min_size, 32): torchvision's model runs there and gives convcalc's shape, and raises one pixel below
    along either axis."""
    symbolic = analyze_text(_spec_text("input: [3, H, W]"))
    assert symbolic.errors == []
    assert symbolic.totals.trainable == _weights().meta["num_params"]
    valid = symbolic.conditions[0].per_symbol
    low_h, low_w = valid["H"].minimum(), valid["W"].minimum()
    assert (low_h, low_w) == _weights().meta["min_size"]
    model = build(BUILDER)
    with torch.no_grad():
        out = model(torch.zeros((1, 3, low_h, low_w)))
        assert tuple(symbolic.layers[-1].result.output.dims) == tuple(out.shape[1:])
        for h, w in ((low_h - 1, low_w), (low_h, low_w - 1)):
            with pytest.raises(RuntimeError):
                model(torch.zeros((1, 3, h, w)))


def test_convcalc_verify_confirms_the_spec_at_a_small_input(tmp_path):
    """`convcalc verify` runs the NumPy executor on the spec at 32x32 and confirms every shape,
    parameter count and MAC count (the permutes and the Linears on the last axis included)."""
    spec = tmp_path / f"{BUILDER}.yaml"
    spec.write_text(_spec_text("input: [3, 32, 32]"))
    result = CliRunner().invoke(main, ["verify", str(spec)])
    assert result.exit_code == 0, result.output
    assert "every figure confirmed" in result.output


def test_compare_reports_a_layer_scale_without_its_spec_layer():
    """The oracle is not blind to the held parameters: with one layer_scale layer named otherwise,
    compare() names torchvision's parameter and the stray spec layer (at 32x32: the names matter):
    the last stage's copies numbered from 1 are features.7.1 to 7.3, not 7.0 to 7.2."""
    text = _spec_text("input: [3, 32, 32]")
    renamed = text.replace("- cnblock: {name: features.7, repeat: 3,", "- cnblock: {name: features.7, repeat: 3, "
                                                                     "index_from: 1,", 1)
    assert renamed != text
    problems = compare(analyze_text(renamed), build(BUILDER), (3, 32, 32))
    assert "torch parameter features.7.0.layer_scale (held by a module with children) has no spec layer of that " \
           "name" in problems
    assert "spec layer features.7.3.layer_scale has parameters but no torch module of that name" in problems
