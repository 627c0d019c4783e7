"""specs/shufflenet_v2_x1_0.yaml against torchvision's shufflenet_v2_x1_0 itself.

Expected figures come from torchvision, never from convcalc: the published ``num_params`` and
``_ops`` (GMACs) of ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1, its transforms' crop size and
``min_size``, and the model torchvision builds with weights=None: its parameters, buffers, output
shape and whole-model FlopCounterMode count (on the meta device), every leaf module by name
(tests/torch_oracle.py), and its output for an input, with its own weights given to `convcalc run`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text
from convcalc.cli import main

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from torch_oracle import compare  # noqa: E402
from torchvision_oracle import build, torchvision_models  # noqa: E402

BUILDER = "shufflenet_v2_x1_0"
SPEC = SPECS / f"{BUILDER}.yaml"
INPUT_LINE = "input: [3, 224, 224]"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _weights():
    return torchvision_models().get_model_weights(BUILDER).IMAGENET1K_V1


def _spec_text(input_line: str = INPUT_LINE, dtype: str | None = None) -> str:
    """The spec's text with another input line (and a dtype line) in place of its own."""
    text = SPEC.read_text()
    assert INPUT_LINE in text
    text = text.replace(INPUT_LINE, input_line)
    if dtype is not None:
        text = text.replace(input_line, f"dtype: {dtype}\n{input_line}", 1)
    return text


def test_spec_has_the_published_input_and_parameter_count():
    analysis = analyze_file(SPEC)
    assert analysis.errors == []
    (side,) = _weights().transforms().crop_size
    assert tuple(analysis.input_shape) == (3, side, side)
    assert analysis.totals.trainable == _weights().meta["num_params"] == 2_278_604


def test_totals_equal_torchvisions():
    """Trainable parameters, buffers, the output's shape and every conv/linear MAC of the whole model
    equal torchvision's (FlopCounterMode on the meta device), and the MACs round to the published _ops."""
    analysis = analyze_file(SPEC)
    with torch.device("meta"):
        model = build(BUILDER)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros((1, 3, 224, 224), device="meta"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    totals = analysis.totals
    assert (totals.trainable, totals.non_trainable) == (trainable, buffers)
    assert totals.macs == counter.get_total_flops() // 2
    assert tuple(analysis.layers[-1].result.output.dims) == tuple(out.shape[1:])
    assert round(totals.macs / 1e9, 3) == pytest.approx(_weights().meta["_ops"], abs=1e-9)


def test_every_layer_matches_torchvision():
    assert compare(analyze_file(SPEC), build(BUILDER), (3, 224, 224)) == []


def test_every_layer_matches_torchvision_at_an_odd_unequal_input():
    """Odd sides round down at each of the five halvings (k3 s2 p1: (n - 1) // 2 + 1)."""
    analysis = analyze_text(_spec_text("input: [3, 45, 33]"))
    assert analysis.errors == []
    assert compare(analysis, build(BUILDER), (3, 45, 33)) == []


def test_every_input_size_is_valid_as_torchvisions_min_size_says():
    """With the input [3, H, W] convcalc's valid sizes are every H and W from 1 up (every halving is
    k3 s2 p1), as torchvision's meta min_size (1, 1) says: its model runs at 1 x 1 and at a few small
    sizes with the shape convcalc gives, and raises on an empty side."""
    symbolic = analyze_text(_spec_text("input: [3, H, W]"))
    assert symbolic.errors == []
    valid = symbolic.conditions[0].per_symbol
    assert (valid["H"].minimum(), valid["W"].minimum()) == _weights().meta["min_size"]
    assert all(size in valid[symbol] for symbol in "HW" for size in (1, 2, 3, 224, 10_001))
    assert symbolic.totals.trainable == _weights().meta["num_params"]
    model = build(BUILDER)
    with torch.no_grad():
        for h, w in ((1, 1), (1, 2), (3, 1), (5, 9)):
            concrete = analyze_text(_spec_text(f"input: [3, {h}, {w}]"))
            assert concrete.errors == []
            out = model(torch.zeros((1, 3, h, w)))
            assert tuple(concrete.layers[-1].result.output.dims) == tuple(out.shape[1:])
        for h, w in ((0, 1), (1, 0)):
            with pytest.raises(RuntimeError):
                model(torch.zeros((1, 3, h, w)))


def test_convcalc_run_with_torchvisions_weights_gives_torchvisions_output(tmp_path):
    """torchvision's own state_dict (weights=None: its initialisation, with running statistics
    made non-trivial so that batch norm does more than scale), saved as an .npz keyed by its names,
    given to `convcalc run` in float64 on the same input: the output is torchvision's."""
    model = build(BUILDER).double()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.copy_(torch.rand(module.running_mean.shape, generator=generator) - 0.5)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
    weights = tmp_path / "weights.npz"
    np.savez(weights, **{name: value.numpy() for name, value in model.state_dict().items()})
    x = torch.randn((1, 3, 224, 224), generator=generator, dtype=torch.float64)
    np.save(tmp_path / "x.npy", x.numpy())
    with torch.no_grad():
        expected = model(x).numpy()
    spec = tmp_path / "shufflenet.yaml"
    spec.write_text(_spec_text(dtype="float64"))
    saved = tmp_path / "activations.npz"
    result = CliRunner().invoke(main, ["run", str(spec), "--weights", str(weights), "--input", str(tmp_path / "x.npy"),
                                       "--save", str(saved), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["dtype"] == "float64"
    with np.load(saved) as activations:
        output = activations["fc"]
    assert output.shape == expected.shape == (1, 1000)
    np.testing.assert_allclose(output, expected, rtol=1e-9, atol=1e-12)


def test_convcalc_verify_confirms_the_analysis_at_a_small_input(tmp_path):
    """`convcalc verify` runs the spec on NumPy at 3 x 64 x 64 and confirms every figure."""
    spec = tmp_path / "shufflenet.yaml"
    spec.write_text(_spec_text("input: [3, 64, 64]"))
    result = CliRunner().invoke(main, ["verify", str(spec)])
    assert result.exit_code == 0, result.output
    assert "every figure confirmed" in result.output
