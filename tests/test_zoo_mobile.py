"""The mobile zoo against torchvision itself: MobileNetV2/V3, MNASNet, EfficientNet B0-B7 and V2-S,
and the segmentation networks FCN, DeepLabV3 (ResNet-50) and LR-ASPP (MobileNetV3-Large).

Expected figures come from torchvision, never from convcalc: the published ``num_params`` and
``_ops`` (GMACs) of each weights enum, the input size its transforms crop (or resize, for
segmentation) to, and the model torchvision builds with weights=None (weights_backbone=None for
segmentation): its parameters, buffers, output shape and whole-model FlopCounterMode count (on the
meta device, so no arithmetic is done), every leaf module by name (tests/torch_oracle.py), and its
forward pass at the smallest input size convcalc calls valid and one below.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text
from convcalc.cli import main

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from torch_oracle import compare  # noqa: E402
from torchvision_oracle import build, torchvision_models  # noqa: E402

# builder: the weights enum member whose published figures and transforms the spec follows
WEIGHTS = {
    "mobilenet_v2": "IMAGENET1K_V1",
    "mobilenet_v3_small": "IMAGENET1K_V1",
    "mobilenet_v3_large": "IMAGENET1K_V1",
    "mnasnet1_0": "IMAGENET1K_V1",
    **{f"efficientnet_b{index}": "IMAGENET1K_V1" for index in range(8)},
    "efficientnet_v2_s": "IMAGENET1K_V1",
    "fcn_resnet50": "COCO_WITH_VOC_LABELS_V1",
    "deeplabv3_resnet50": "COCO_WITH_VOC_LABELS_V1",
    "lraspp_mobilenet_v3_large": "COCO_WITH_VOC_LABELS_V1",
}
SEGMENTATION = ("fcn_resnet50", "deeplabv3_resnet50", "lraspp_mobilenet_v3_large")

# The published FCN and DeepLabV3 figures are of the weights' model, built with aux_loss=True: an
# FCNHead(1024, 21) on layer3's 1024 x 65 x 65 map (3x3 conv to 256 without bias, batch norm,
# 1x1 conv to 21 with bias). With weights=None torchvision builds no auxiliary head; nor do the specs.
AUX_HEAD_PARAMS = 1024 * 256 * 3 * 3 + 2 * 256 + 256 * 21 + 21
AUX_HEAD_MACS = 65 * 65 * (1024 * 256 * 3 * 3 + 256 * 21)
WITH_AUX_HEAD = ("fcn_resnet50", "deeplabv3_resnet50")

# compare() runs the model (in double) and each leaf again: at the published input for these, at a
# small one for the rest (their totals at the published input: test_totals_equal_torchvisions)
COMPARED_AT_FULL_SIZE = ("mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet1_0",
                         "efficientnet_b0", "efficientnet_b1", "efficientnet_b2")
SMALL_SIDE = 72


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _weights(builder):
    return getattr(torchvision_models().get_model_weights(builder), WEIGHTS[builder])


def _torch_model(builder):
    return build(builder, weights_backbone=None) if builder in SEGMENTATION else build(builder)


def _published_side(builder) -> int:
    """The size torchvision's transforms of the weights give: the crop, or for segmentation the resize."""
    transforms = _weights(builder).transforms()
    (side,) = transforms.resize_size if builder in SEGMENTATION else transforms.crop_size
    return side


def _spec_text(builder, side=None) -> str:
    """The spec's text, at its own input or at ``side`` x ``side``. The sizes the segmentation specs
    write for their 520 input (upsample2d takes a size, not another layer's) become those of ``side``:
    the output stride 8 map (65 at 520) and the input itself."""
    text = (SPECS / f"{builder}.yaml").read_text()
    if side is None:
        return text
    published = _published_side(builder)
    assert f"input: [3, {published}, {published}]" in text
    text = text.replace(f"input: [3, {published}, {published}]", f"input: [3, {side}, {side}]")
    if builder in SEGMENTATION:
        stride_8 = (((side - 1) // 2 + 1 - 1) // 2 + 1 - 1) // 2 + 1  # three halvings (k3 s2 p1 rounding)
        text = re.sub(r"size: 65\b", f"size: {stride_8}", text)
        text = re.sub(r"size: 520\b", f"size: {side}", text)
    return text


def _output(builder, model, x):
    out = model(x)
    return out["out"] if builder in SEGMENTATION else out


@pytest.mark.parametrize("builder", WEIGHTS)
def test_spec_has_the_published_input_and_parameter_count(builder):
    analysis = analyze_file(SPECS / f"{builder}.yaml")
    assert analysis.errors == []
    side = _published_side(builder)
    assert tuple(analysis.input_shape) == (3, side, side)
    published = _weights(builder).meta["num_params"]
    aux = AUX_HEAD_PARAMS if builder in WITH_AUX_HEAD else 0
    assert analysis.totals.trainable + aux == published


@pytest.mark.parametrize("builder", WEIGHTS)
def test_totals_equal_torchvisions(builder):
    """Trainable parameters, buffers, the output's shape and every conv/linear MAC of the whole model
    equal torchvision's (FlopCounterMode on the meta device), and the MACs round to the published _ops."""
    analysis = analyze_file(SPECS / f"{builder}.yaml")
    side = _published_side(builder)
    with torch.device("meta"):
        model = _torch_model(builder)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = _output(builder, model, torch.zeros((1, 3, side, side), device="meta"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    totals = analysis.totals
    assert (totals.trainable, totals.non_trainable) == (trainable, buffers)
    assert totals.macs == counter.get_total_flops() // 2
    assert tuple(analysis.layers[-1].result.output.dims) == tuple(out.shape[1:])
    aux = AUX_HEAD_MACS if builder in WITH_AUX_HEAD else 0
    assert round((totals.macs + aux) / 1e9, 3) == pytest.approx(_weights(builder).meta["_ops"], abs=1e-9)


@pytest.mark.parametrize("builder", COMPARED_AT_FULL_SIZE)
def test_every_layer_matches_torchvision(builder):
    analysis = analyze_file(SPECS / f"{builder}.yaml")
    side = _published_side(builder)
    assert compare(analysis, _torch_model(builder), (3, side, side)) == []


@pytest.mark.parametrize("builder", [b for b in WEIGHTS if b not in COMPARED_AT_FULL_SIZE])
def test_every_layer_matches_torchvision_at_a_small_input(builder):
    analysis = analyze_text(_spec_text(builder, SMALL_SIDE))
    assert analysis.errors == []
    model = _torch_model(builder)
    assert compare(analysis, model, (3, SMALL_SIDE, SMALL_SIDE)) == []
    with torch.no_grad():
        out = _output(builder, model.float(), torch.zeros((1, 3, SMALL_SIDE, SMALL_SIDE)))
    assert tuple(analysis.layers[-1].result.output.dims) == tuple(out.shape[1:])


@pytest.mark.parametrize("builder", ["mobilenet_v3_small", "mnasnet1_0", "efficientnet_b0", "efficientnet_v2_s"])
def test_smallest_valid_input_runs_in_torch_and_one_less_fails(builder):
    """With the input [3, H, W] convcalc's valid sizes start at some H and W: torchvision's model runs
    there and gives the shape convcalc gives, and raises one pixel below along either axis."""
    text = _spec_text(builder)
    side = _published_side(builder)
    symbolic = analyze_text(text.replace(f"input: [3, {side}, {side}]", "input: [3, H, W]"))
    assert symbolic.errors == []
    assert symbolic.totals.trainable == _weights(builder).meta["num_params"]
    valid = symbolic.conditions[0].per_symbol
    low_h, low_w = valid["H"].minimum(), valid["W"].minimum()
    model = _torch_model(builder)
    with torch.no_grad():
        out = model(torch.zeros((1, 3, low_h, low_w)))
        assert tuple(symbolic.layers[-1].result.output.dims) == tuple(out.shape[1:])
        for h, w in ((low_h - 1, low_w), (low_h, low_w - 1)):
            with pytest.raises(RuntimeError):
                model(torch.zeros((1, 3, h, w)))


@pytest.mark.parametrize("builder", SEGMENTATION)
def test_numpy_executor_confirms_the_analysis(builder, tmp_path):
    """`convcalc verify` runs a segmentation spec on NumPy at a small input and confirms every
    figure: dilated convs, the broadcast products, bilinear upsampling. (The other specs of this
    file verify at a small input in test_verify_specs.py; these need their written sizes rewritten.)"""
    spec = tmp_path / f"{builder}.yaml"
    spec.write_text(_spec_text(builder, SMALL_SIDE))
    result = CliRunner().invoke(main, ["verify", str(spec)])
    assert result.exit_code == 0, result.output
    assert "every figure confirmed" in result.output


@pytest.mark.parametrize("builder", SEGMENTATION)
def test_numpy_executor_gives_torchvisions_output(builder):
    """The executor's output at a small input, in float64 with seeded weights, is what torchvision's
    model computes with the same weights (its "out": upsampled to the input's size)."""
    import numpy as np

    from convcalc.execute import execute
    from test_executor_torch import load_weights

    text = _spec_text(builder, SMALL_SIDE).replace("\ninput: ", "\ndtype: float64\ninput: ", 1)
    analysis = analyze_text(text)
    run = execute(analysis, seed=0)
    model = load_weights(_torch_model(builder), run.weights)
    with torch.no_grad():
        expected = _output(builder, model, torch.from_numpy(run.input)).numpy()
    (name,) = analysis.graph.outputs
    np.testing.assert_allclose(run.outputs[name], expected, rtol=1e-9, atol=1e-9)
