"""The mobile zoo against torchvision itself: MobileNetV2/V3, MNASNet, EfficientNet B0-B7 and V2-S
(the segmentation networks built on MobileNetV3 and ResNet-50: test_zoo_segmentation.py).

Expected figures come from torchvision, never from convcalc: the published ``num_params`` and
``_ops`` (GMACs) of each weights enum, the input size its transforms crop to, and the model
torchvision builds with weights=None: its parameters, buffers, output shape and whole-model
FlopCounterMode count (on the meta device, so no arithmetic is done), every leaf module by name
(tests/torch_oracle.py), and its forward pass at the smallest input size convcalc calls valid and one below.
"""

from __future__ import annotations

import pytest

from conftest import SPECS, analyze_file, analyze_text

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
}

# compare() runs the model (in double) and each leaf again: at the published input for these, at a
# small one for the rest (their totals at the published input: test_totals_equal_torchvisions)
COMPARED_AT_FULL_SIZE = ("mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet1_0",
                         "efficientnet_b0", "efficientnet_b1", "efficientnet_b2")
SMALL_SIDE = 72


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _weights(builder):
    return getattr(torchvision_models().get_model_weights(builder), WEIGHTS[builder])


def _published_side(builder) -> int:
    """The size torchvision's transforms of the weights crop to."""
    (side,) = _weights(builder).transforms().crop_size
    return side


def _spec_text(builder, side=None) -> str:
    """The spec's text, at its own input or at ``side`` x ``side``."""
    text = (SPECS / f"{builder}.yaml").read_text()
    if side is None:
        return text
    published = _published_side(builder)
    assert f"input: [3, {published}, {published}]" in text
    return text.replace(f"input: [3, {published}, {published}]", f"input: [3, {side}, {side}]")


@pytest.mark.parametrize("builder", WEIGHTS)
def test_spec_has_the_published_input_and_parameter_count(builder):
    analysis = analyze_file(SPECS / f"{builder}.yaml")
    assert analysis.errors == []
    side = _published_side(builder)
    assert tuple(analysis.input_shape) == (3, side, side)
    assert analysis.totals.trainable == _weights(builder).meta["num_params"]


@pytest.mark.parametrize("builder", WEIGHTS)
def test_totals_equal_torchvisions(builder):
    """Trainable parameters, buffers, the output's shape and every conv/linear MAC of the whole model
    equal torchvision's (FlopCounterMode on the meta device), and the MACs round to the published _ops."""
    analysis = analyze_file(SPECS / f"{builder}.yaml")
    side = _published_side(builder)
    with torch.device("meta"):
        model = build(builder)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros((1, 3, side, side), device="meta"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    totals = analysis.totals
    assert (totals.trainable, totals.non_trainable) == (trainable, buffers)
    assert totals.macs == counter.get_total_flops() // 2
    assert tuple(analysis.layers[-1].result.output.dims) == tuple(out.shape[1:])
    assert round(totals.macs / 1e9, 3) == pytest.approx(_weights(builder).meta["_ops"], abs=1e-9)


@pytest.mark.parametrize("builder", COMPARED_AT_FULL_SIZE)
def test_every_layer_matches_torchvision(builder):
    analysis = analyze_file(SPECS / f"{builder}.yaml")
    side = _published_side(builder)
    assert compare(analysis, build(builder), (3, side, side)) == []


@pytest.mark.parametrize("builder", [b for b in WEIGHTS if b not in COMPARED_AT_FULL_SIZE])
def test_every_layer_matches_torchvision_at_a_small_input(builder):
    analysis = analyze_text(_spec_text(builder, SMALL_SIDE))
    assert analysis.errors == []
    model = build(builder)
    assert compare(analysis, model, (3, SMALL_SIDE, SMALL_SIDE)) == []
    with torch.no_grad():
        out = model.float()(torch.zeros((1, 3, SMALL_SIDE, SMALL_SIDE)))
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
    model = build(builder)
    with torch.no_grad():
        out = model(torch.zeros((1, 3, low_h, low_w)))
        assert tuple(symbolic.layers[-1].result.output.dims) == tuple(out.shape[1:])
        for h, w in ((low_h - 1, low_w), (low_h, low_w - 1)):
            with pytest.raises(RuntimeError):
                model(torch.zeros((1, 3, h, w)))
