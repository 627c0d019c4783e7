"""The NumPy executor against PyTorch, value for value: every shipped spec runs in float64 with
seeded weights, the same weights are loaded into the hand-built torch model of the spec
(tests/reference_models.py, module names equal to the layer names, load_state_dict strict), and
every network output must agree to 1e-9. One more test goes the other way: a torch model's
state_dict saved as .npz and run through ``execute(weights_file=...)``.

Sizes: specs with an adaptive or global average pool (their output size does not depend on the
input's) run at 64x64 instead of 224x224, U-Net at 188x188 (the smallest size whose crops and
up-convolutions still line up, 2x4x4 out); LeNet-5, the original AlexNet and the small CNN of the
notes run at their own sizes.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pytest

from conftest import SPECS, analyze_text

torch = pytest.importorskip("torch")

from convcalc.execute import execute
from reference_models import BUILDERS, OUTPUTS, build
from torch_oracle import held_parameters

# the segmentation specs: test_zoo_segmentation.py runs them against torchvision at 3x37x50
SPEC_NAMES = sorted(path.name for path in SPECS.glob("*.yaml") if path.name not in {
    "fcn_resnet50.yaml", "deeplabv3_resnet50.yaml", "lraspp_mobilenet_v3_large.yaml"})
REDUCED_SIZE = {  # else 64 for a spec with an adaptive/global average pool
    "unet.yaml": 188,
    "inception_v3.yaml": 75,  # its smallest size
    "convnext_tiny.yaml": 32,  # torchvision's min_size (a 4x4 stem and three 2x2 downsamplings)
    # the heavier zoo networks at 32x32, which they all accept (VGG's smallest size)
    **{f"{name}.yaml": 32 for name in ("vgg11", "vgg13", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
                                        "densenet121", "densenet161", "densenet169", "densenet201",
                                        "resnext50_32x4d", "wide_resnet50_2", "regnet_x_400mf", "regnet_y_400mf")},
    # its global pool is a `reduce` (torchvision's x.mean([2, 3])), which the regex below misses: at 64 like the pooled specs
    "shufflenet_v2_x1_0.yaml": 64,
}


def test_every_shipped_spec_has_a_reference_model():
    assert SPEC_NAMES and sorted(BUILDERS) == SPEC_NAMES


def spec_text(spec_name: str) -> str:
    """The spec's text in float64, at the reduced input size where the full one is slow."""
    text = (SPECS / spec_name).read_text()
    size = REDUCED_SIZE.get(spec_name)
    if size is None and re.search(r"\b(adaptive_avgpool|global_avgpool)", text):
        size = 64
    if size is not None:
        text, count = re.subn(r"^input: \[(\d+), \d+, \d+\]$", rf"input: [\g<1>, {size}, {size}]", text,
                              count=1, flags=re.MULTILINE)
        assert count == 1, f"{spec_name}: no channels-first input line to shrink"
    text, count = re.subn(r"^(name: .*)$", r"\g<1>\ndtype: float64", text, count=1, flags=re.MULTILINE)
    assert count == 1, f"{spec_name}: no top-level name line"
    return text


# the hand-built reference of googlenet_aux runs its auxiliary heads in eval() too: the executor runs
# them when the analysis is in train mode (which layers run; batch norm still uses its statistics)
RUN_TRAIN_ONLY = {"googlenet_aux.yaml"}


def analyse(spec_name: str):
    analysis = analyze_text(spec_text(spec_name), mode="train" if spec_name in RUN_TRAIN_ONLY else "eval")
    assert analysis.errors == [], [finding.render() for finding in analysis.errors]
    return analysis


def load_weights(model, weights: dict[str, np.ndarray]):
    """``weights`` (the executor's, 'layer.param' -> array) into ``model`` in float64, strictly; the
    num_batches_tracked counters the executor does not have come from the model itself. A parameter
    a module holds itself (ConvNeXt's CNBlock.layer_scale, (C, 1, 1)) is the spec layer of its name:
    the executor's 'name.weight', (C,), goes to 'name' in the model's shape."""
    model = model.eval().double()  # double first: loading float64 into float32 parameters would round
    own, held = model.state_dict(), held_parameters(model)
    state = OrderedDict()
    for key, value in weights.items():
        array = torch.from_numpy(np.ascontiguousarray(value, dtype=np.float64))
        if key not in own and key.endswith(".weight") and key.removesuffix(".weight") in held:
            key = key.removesuffix(".weight")
            array = array.reshape(own[key].shape)
        state[key] = array
    state._metadata = own._metadata  # the modules' versions: torchvision's MNASNet checks its own
    for key, value in own.items():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = value
    model.load_state_dict(state, strict=True)
    return model


def torch_outputs(spec_name: str, model, x: np.ndarray) -> dict[str, np.ndarray]:
    """The model's return value(s) on ``x`` by the spec's output layer names."""
    with torch.no_grad():
        returned = model(torch.from_numpy(x))
    names = OUTPUTS.get(spec_name)
    if names is None:
        assert isinstance(returned, torch.Tensor)
        return {None: returned.numpy()}  # the single output, named by the caller
    assert isinstance(returned, tuple) and len(returned) == len(names)
    return {name: value.numpy() for name, value in zip(names, returned)}


def assert_same_outputs(spec_name, analysis, run, model):
    assert run.dtype == "float64"
    assert run.input.dtype == np.float64
    expected = torch_outputs(spec_name, model, run.input)
    if None in expected:
        (name,) = analysis.outputs
        expected = {name: expected[None]}
    assert set(run.outputs) == set(analysis.outputs) == set(expected)
    for name, value in expected.items():
        ours = run.outputs[name]
        assert ours.shape == value.shape, name
        np.testing.assert_allclose(ours, value, rtol=1e-9, atol=1e-9, err_msg=f"{spec_name}: output {name}")


# EfficientNet-B1 to B7 are B0's layer types at larger widths and inputs: 15 s to over 200 s each
# here (float64 on NumPy), B0 and V2-S stand for them
SAME_LAYERS_AS_B0 = {f"efficientnet_b{index}.yaml" for index in range(1, 8)}


@pytest.mark.parametrize("spec_name", [name for name in SPEC_NAMES if name not in SAME_LAYERS_AS_B0])
def test_executor_matches_pytorch(spec_name):
    analysis = analyse(spec_name)
    run = execute(analysis, seed=0)
    model = load_weights(build(spec_name), run.weights)
    assert_same_outputs(spec_name, analysis, run, model)


@pytest.mark.parametrize("spec_name", ["lenet5.yaml", "seed002_cnn.yaml"])
def test_weights_npz_from_a_torch_state_dict(spec_name, tmp_path):
    """torch's own initialisation, saved as .npz (float64, without num_batches_tracked), is what the
    executor runs with: the outputs agree, and the executor's weights are the file's."""
    torch.manual_seed(0)
    model = build(spec_name).eval().double()
    state = {key: value.numpy() for key, value in model.state_dict().items()
             if not key.endswith("num_batches_tracked")}
    path = tmp_path / "weights.npz"
    np.savez(path, **state)
    analysis = analyse(spec_name)
    run = execute(analysis, seed=1, weights_file=str(path))
    assert set(run.weights) == set(state)
    for key, value in state.items():
        np.testing.assert_array_equal(run.weights[key], value, err_msg=key)
    assert_same_outputs(spec_name, analysis, run, model)
