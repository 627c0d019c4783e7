"""The segmentation zoo against torchvision: FCN and DeepLabV3 (ResNet-50) and LR-ASPP
(MobileNetV3-Large), exact at every input size (their upsamplings take `size: reference`).

Expected figures come from torchvision, never from convcalc: the published ``num_params`` and
``_ops`` (GMACs) of each weights enum and the size its transforms resize to; the models
torchvision builds with weights=None, weights_backbone=None (aux_loss off, as the specs; on, for
the published figures): parameters, buffers, whole-model FlopCounterMode counts and every leaf
module's shape, parameters and MACs (tests/torch_oracle.py) at 520 and two other sizes, on the
meta device (shapes and counts, no arithmetic); real forwards at the edge of the valid sizes; and
the model's output on the executor's weights.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text, at_level, one_spec
from convcalc.cli import main
from convcalc.symbolic import substitute

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from torch_oracle import compare, torch_layers  # noqa: E402
from torchvision_oracle import build, torchvision_models  # noqa: E402

BUILDERS = ("fcn_resnet50", "deeplabv3_resnet50", "lraspp_mobilenet_v3_large")
WEIGHTS = "COCO_WITH_VOC_LABELS_V1"  # the weights whose published figures and transforms the specs follow

# The published FCN and DeepLabV3 figures are of the weights' model, built with aux_loss=True: an
# FCNHead(1024, 21) on layer3's 1024 x 65 x 65 map at 520 (3x3 conv to 256 without bias, batch
# norm, 1x1 conv to 21 with bias). With weights=None torchvision builds no auxiliary head; nor do the specs.
AUX_HEAD_PARAMS = 1024 * 256 * 3 * 3 + 2 * 256 + 256 * 21 + 21
AUX_HEAD_MACS = 65 * 65 * (1024 * 256 * 3 * 3 + 256 * 21)
WITH_AUX_HEAD = ("fcn_resnet50", "deeplabv3_resnet50")

SIZES = [(3, 520, 520), (3, 97, 131), (3, 64, 64)]  # the published size, an odd non-square one, a small one
SMALL = (3, 37, 50)  # the NumPy runs: odd and non-square, output stride 8 gives 5 x 7

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _weights(builder):
    return getattr(torchvision_models().get_model_weights(builder), WEIGHTS)


def _model(builder, aux_loss=False):
    return build(builder, weights_backbone=None, aux_loss=aux_loss)


@functools.cache
def _meta_model(builder, aux_loss=False):
    """The torchvision model on the meta device: shapes and FLOP counts without arithmetic."""
    with torch.device("meta"):
        return _model(builder, aux_loss).double()


def _meta_counts(model, input_shape):
    """(output shape, MACs) of one meta forward (FlopCounterMode's FLOPs / 2)."""
    with torch.device("meta"), torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros((1, *input_shape), dtype=torch.float64))["out"]
    return tuple(out.shape[1:]), counter.get_total_flops() // 2


def _spec(builder):
    return SPECS / f"{builder}.yaml"


@pytest.mark.parametrize("builder", BUILDERS)
def test_spec_has_the_published_input_and_parameter_count(builder):
    analysis = analyze_file(_spec(builder))
    assert analysis.errors == []
    (side,) = _weights(builder).transforms().resize_size
    assert tuple(analysis.input_shape) == (3, side, side) == SIZES[0]
    aux = AUX_HEAD_PARAMS if builder in WITH_AUX_HEAD else 0
    assert analysis.totals.trainable + aux == _weights(builder).meta["num_params"]


@pytest.mark.parametrize("builder", BUILDERS)
def test_published_figures_are_those_of_the_aux_loss_model(builder):
    """torchvision's model with aux_loss=True (LR-ASPP has none) has the published parameters and,
    at 520, the published GMACs: the spec's figures plus the auxiliary head's worked above."""
    analysis = analyze_file(_spec(builder))
    aux = builder in WITH_AUX_HEAD
    model = _meta_model(builder, aux_loss=aux)
    published = _weights(builder).meta
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == published["num_params"]
    if aux:
        assert sum(p.numel() for p in model.aux_classifier.parameters()) == AUX_HEAD_PARAMS
    with torch.device("meta"), torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros((1, *SIZES[0]), dtype=torch.float64))
    macs = counter.get_total_flops() // 2
    assert macs == analysis.totals.macs + (AUX_HEAD_MACS if aux else 0)
    assert round(macs / 1e9, 3) == pytest.approx(published["_ops"], abs=1e-9)


@pytest.mark.parametrize("input_shape", SIZES, ids=lambda shape: "x".join(map(str, shape)))
@pytest.mark.parametrize("builder", BUILDERS)
def test_every_layer_matches_torchvision(builder, input_shape):
    """At each size: every leaf module's shape, parameters and MACs, the held parameters, the totals
    (parameters, buffers, MACs of the whole model) and the output, 21 x H x W."""
    analysis = analyze_file(_spec(builder), input_shape=input_shape)
    assert analysis.errors == []
    model = _meta_model(builder)
    with torch.device("meta"):
        assert compare(analysis, model, input_shape) == []
    out_shape, macs = _meta_counts(model, input_shape)
    totals = analysis.totals
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    assert (totals.trainable, totals.non_trainable, totals.macs) == (trainable, buffers, macs)
    assert tuple(analysis.layers[-1].result.output.dims) == out_shape == (21, *input_shape[1:])


@pytest.mark.parametrize("builder", BUILDERS)
def test_symbolic_sizes_are_torchvisions_at_every_size(builder):
    """`analyze --input 3xHxW`: no condition on H or W, the output 21 x H x W, and every layer's
    expression evaluated at several sizes is the shape of torchvision's module of that name there."""
    result = CliRunner().invoke(main, ["analyze", str(_spec(builder)), "--input", "3xHxW", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = one_spec(result.output)
    assert at_level(data, "error") == [] and data["complete"]
    assert data["valid_sizes"] == "any H and any W"
    assert data["conditions"] == []
    assert data["layers"][-1]["output_shape"] == [21, "H", "W"]
    symbolic = analyze_file(_spec(builder), input_shape=(3, "H", "W"))
    by_name = {report.name: report for report in symbolic.layers}
    for h, w in ((1, 1), (9, 200), (97, 131)):
        with torch.device("meta"):
            found = torch_layers(_meta_model(builder), (3, h, w))
        checked = [name for name in found if name in by_name]
        assert len(checked) > 100
        for name in checked:
            ours = tuple(substitute(d, {"H": h, "W": w}) for d in by_name[name].result.output.dims)
            assert ours == found[name].output_shape, (name, h, w)


@pytest.mark.parametrize("builder", BUILDERS)
def test_smallest_valid_input_runs_in_torch_and_one_less_fails(builder):
    """convcalc finds every size valid, so the smallest H and W are 1: torchvision's model runs at
    1 x 1 (and 1 x 2, 2 x 1) with convcalc's shapes, and refuses 0 along either axis (the stem's
    padded input is then smaller than its kernel)."""
    symbolic = analyze_file(_spec(builder), input_shape=(3, "H", "W"))
    valid = symbolic.conditions[0].per_symbol
    low_h, low_w = valid["H"].minimum(), valid["W"].minimum()
    assert (low_h, low_w) == (1, 1)
    model = _model(builder).float()
    with torch.no_grad():
        for h, w in ((low_h, low_w), (low_h, low_w + 1), (low_h + 1, low_w)):
            out = model(torch.zeros((1, 3, h, w)))["out"]
            assert tuple(substitute(d, {"H": h, "W": w}) for d in symbolic.layers[-1].result.output.dims) == tuple(
                out.shape[1:])
        for h, w in ((low_h - 1, low_w), (low_h, low_w - 1)):
            with pytest.raises(RuntimeError):
                model(torch.zeros((1, 3, h, w)))


@pytest.mark.parametrize("builder", BUILDERS)
def test_numpy_verify_confirms_the_analysis(builder):
    """`convcalc verify --input-shape 3x37x50` runs the shipped spec on NumPy and confirms every
    figure: dilated convs, the broadcast products, bilinear upsampling to a reference."""
    result = CliRunner().invoke(main, ["verify", str(_spec(builder)), "--input-shape", "x".join(map(str, SMALL))])
    assert result.exit_code == 0, result.output
    assert "every figure confirmed" in result.output


@pytest.mark.parametrize("builder", BUILDERS)
def test_numpy_executor_gives_torchvisions_output(builder):
    """The executor's output at a small input, in float64 with seeded weights, is what torchvision's
    model computes with the same weights (its "out": upsampled to the input's size)."""
    from convcalc.execute import execute
    from test_executor_torch import load_weights

    text = _spec(builder).read_text().replace("\ninput: ", "\ndtype: float64\ninput: ", 1)
    analysis = analyze_text(text, input_shape=SMALL)
    run = execute(analysis, seed=0)
    model = load_weights(_model(builder), run.weights)
    with torch.no_grad():
        expected = model(torch.from_numpy(run.input))["out"].numpy()
    (name,) = analysis.graph.outputs
    assert run.outputs[name].shape == expected.shape == (1, 21, *SMALL[1:])
    np.testing.assert_allclose(run.outputs[name], expected, rtol=1e-9, atol=1e-9)
