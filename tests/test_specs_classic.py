"""Classic CNN specs (AlexNet, VGG, U-Net, MobileNetV2, the lecture notes' small CNN): published
totals, and every layer against the same network built by hand with torch.nn modules whose dotted
names are the spec's layer names. The torchvision networks (AlexNet, VGG, MobileNetV2) are built with
torchvision's attribute names and nesting (features and classifier Sequentials, ...), so the names are
torchvision's (features.0, classifier.1, features.2.conv.1.0, ...). The torch models are built in
tests/reference_models.py."""

from __future__ import annotations

import pytest

from conftest import SPECS, analyze_file

# name -> (published total, where it comes from)
PUBLISHED = {
    "alexnet": 61_100_840,  # torchvision AlexNet_Weights.IMAGENET1K_V1 meta num_params
    "alexnet_original": 60_954_656,  # the lecture notes' AlexNet table (weights only, no biases)
    "vgg16": 138_357_544,  # torchvision VGG16_Weights.IMAGENET1K_V1 meta num_params
    "vgg19": 143_667_240,  # torchvision VGG19_Weights.IMAGENET1K_V1 meta num_params
    "unet": 31_030_658,  # Ronneberger et al. 2015 U-Net, 1 input channel, 2 classes, with biases
    "mobilenet_v2": 3_504_872,  # torchvision MobileNet_V2_Weights.IMAGENET1K_V1 meta num_params
    # The notes give no total for their INPUT-CONV-RELU-POOL-FC example: worked out by hand with
    # the kernel (3x3) and class count (10) the spec chooses.
    "seed002_cnn": (3 * 3 * 3 + 1) * 6 + (16 * 16 * 6 + 1) * 10,
}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_published_total(name):
    analysis = analyze_file(SPECS / f"{name}.yaml")
    assert analysis.errors == []
    # torchvision's num_params counts parameters only: BatchNorm running statistics are buffers,
    # so the published figure is convcalc's trainable count (the same as the total without BN).
    assert analysis.totals.trainable == PUBLISHED[name]


def test_seed002_total_by_hand_and_shapes_of_the_notes():
    analysis = analyze_file(SPECS / "seed002_cnn.yaml")
    assert PUBLISHED["seed002_cnn"] == 168 + 15370 == 15538
    assert analysis.totals.params == 15538
    shapes = {report.name: report.shape for report in analysis.layers}
    assert shapes["conv"] == (32, 32, 6)  # the notes: CONV keeps 32x32 with 6 filters
    assert shapes["relu"] == (32, 32, 6)
    assert shapes["pool"] == (16, 16, 6)  # the notes: POOL gives 16x16x6
    assert shapes["fc"] == (10,)


def test_alexnet_original_matches_the_lecture_table():
    analysis = analyze_file(SPECS / "alexnet_original.yaml")
    by_name = {report.name: report for report in analysis.layers}
    convs = ["conv1", "conv2", "conv3", "conv4", "conv5"]
    denses = ["fc6", "fc7", "fc8"]
    # units (output elements) per layer, from the table
    assert [by_name[n].activation_elements for n in convs + denses] == [
        290_400, 186_624, 64_896, 64_896, 43_264, 4096, 4096, 1000]
    # weights per layer, from the table (no biases)
    assert [by_name[n].params for n in convs + denses] == [
        34_848, 307_200, 884_736, 663_552, 442_368, 37_748_736, 16_777_216, 4_096_000]
    assert sum(by_name[n].params for n in convs) == 2_332_704
    assert sum(by_name[n].params for n in denses) == 58_621_952
    assert analysis.totals.params == 60_954_656
    assert analysis.input_shape == (227, 227, 3)
    assert by_name["pool5"].shape == (6, 6, 256)


def test_unet_output_is_2x388x388():
    analysis = analyze_file(SPECS / "unet.yaml")
    last = analysis.layers[-1]
    assert last.name == "head" and last.shape == (2, 388, 388)  # Ronneberger et al. Fig. 1
    shapes = {report.name: report.shape for report in analysis.layers}
    assert shapes["bottom.relu2"] == (1024, 28, 28)
    assert [shapes[f"crop{i}"] for i in (4, 3, 2, 1)] == [(512, 56, 56), (256, 104, 104), (128, 200, 200),
                                                          (64, 392, 392)]


# ----- the same networks in PyTorch ---------------------------------------------------------------

def _build(spec):
    """The hand-built torch model of a spec (tests/reference_models.py); skips without torch."""
    pytest.importorskip("torch")
    from reference_models import build

    return build(spec)


def _oracle(spec, model, input_shape):
    """compare(...)'s mismatches; also checks that every spec layer with parameters met its torch module:
    the torch leaf modules with parameters that carry a spec layer's name are as many as those layers."""
    from torch_oracle import compare

    analysis = analyze_file(SPECS / spec)
    assert analysis.errors == []
    names = {report.name for report in analysis.layers}
    matched = [name for name, module in model.named_modules()
               if name in names and not list(module.children()) and list(module.parameters())]
    assert len(matched) == sum(1 for report in analysis.layers if report.params)
    return compare(analysis, model, input_shape)


def test_alexnet_matches_pytorch():
    model = _build("alexnet.yaml")
    assert sum(p.numel() for p in model.parameters()) == 61_100_840
    assert _oracle("alexnet.yaml", model, (3, 224, 224)) == []


def test_alexnet_original_matches_pytorch():
    model = _build("alexnet_original.yaml")
    assert sum(p.numel() for p in model.parameters()) == 60_954_656
    assert _oracle("alexnet_original.yaml", model, (3, 227, 227)) == []


@pytest.mark.parametrize("spec, convs, total", [
    ("vgg16.yaml", (2, 2, 3, 3, 3), 138_357_544),
    ("vgg19.yaml", (2, 2, 4, 4, 4), 143_667_240),
])
def test_vgg_matches_pytorch(spec, convs, total):
    model = _build(spec)
    nn = pytest.importorskip("torch").nn
    assert sum(isinstance(module, nn.Conv2d) for module in model.features) == sum(convs)
    assert sum(p.numel() for p in model.parameters()) == total
    assert _oracle(spec, model, (3, 224, 224)) == []


def test_unet_matches_pytorch():
    model = _build("unet.yaml")
    assert sum(p.numel() for p in model.parameters()) == 31_030_658
    assert _oracle("unet.yaml", model, (1, 572, 572)) == []


def test_mobilenet_v2_matches_pytorch():
    model = _build("mobilenet_v2.yaml")
    assert len(model.features) == 19  # the stem, 17 inverted residual blocks, the last 1x1 conv
    assert sum(p.numel() for p in model.parameters()) == 3_504_872
    assert _oracle("mobilenet_v2.yaml", model, (3, 224, 224)) == []


def test_seed002_cnn_matches_pytorch():
    model = _build("seed002_cnn.yaml")
    assert _oracle("seed002_cnn.yaml", model, (3, 32, 32)) == []
