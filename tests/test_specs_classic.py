"""Classic CNN specs (AlexNet, VGG, U-Net, MobileNetV2, the lecture notes' small CNN): published
totals, and every layer against the same network built by hand with torch.nn modules whose dotted
names are the spec's layer names. The torchvision networks (AlexNet, VGG, MobileNetV2) are built with
torchvision's attribute names and nesting (features and classifier Sequentials, ...), so the names are
torchvision's (features.0, classifier.1, features.2.conv.1.0, ...)."""

from __future__ import annotations

from collections import OrderedDict

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

def _torch():
    return pytest.importorskip("torch")


def seq(*pairs):
    """nn.Sequential with the given child names (dotted names come from nesting)."""
    return _torch().nn.Sequential(OrderedDict(pairs))


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


def _torchvision_classifier_net(features, avgpool, classifier):
    """torchvision's AlexNet and VGG: features, avgpool, torch.flatten (a function), classifier."""
    torch = _torch()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = features
            self.avgpool = avgpool
            self.classifier = classifier

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return Net()


def test_alexnet_matches_pytorch():
    nn = _torch().nn
    model = _torchvision_classifier_net(
        nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2)),
        nn.AdaptiveAvgPool2d((6, 6)),
        nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, 1000)))
    assert sum(p.numel() for p in model.parameters()) == 61_100_840
    assert _oracle("alexnet.yaml", model, (3, 224, 224)) == []


def test_alexnet_original_matches_pytorch():
    nn = _torch().nn

    def lrn():
        return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)

    model = seq(
        ("conv1", nn.Conv2d(3, 96, 11, stride=4, bias=False)), ("relu1", nn.ReLU()), ("norm1", lrn()),
        ("pool1", nn.MaxPool2d(3, 2)),
        ("conv2", nn.Conv2d(96, 256, 5, padding=2, groups=2, bias=False)), ("relu2", nn.ReLU()),
        ("norm2", lrn()), ("pool2", nn.MaxPool2d(3, 2)),
        ("conv3", nn.Conv2d(256, 384, 3, padding=1, bias=False)), ("relu3", nn.ReLU()),
        ("conv4", nn.Conv2d(384, 384, 3, padding=1, groups=2, bias=False)), ("relu4", nn.ReLU()),
        ("conv5", nn.Conv2d(384, 256, 3, padding=1, groups=2, bias=False)), ("relu5", nn.ReLU()),
        ("pool5", nn.MaxPool2d(3, 2)), ("flatten", nn.Flatten()),
        ("fc6", nn.Linear(9216, 4096, bias=False)), ("relu6", nn.ReLU()), ("dropout6", nn.Dropout(0.5)),
        ("fc7", nn.Linear(4096, 4096, bias=False)), ("relu7", nn.ReLU()), ("dropout7", nn.Dropout(0.5)),
        ("fc8", nn.Linear(4096, 1000, bias=False)),
    )
    assert sum(p.numel() for p in model.parameters()) == 60_954_656
    assert _oracle("alexnet_original.yaml", model, (3, 227, 227)) == []


def vgg(convs_per_stage):
    """torchvision's VGG without batch norm: features numbered straight through from the config."""
    nn = _torch().nn
    features, channels = [], 3
    for filters, convs in zip((64, 128, 256, 512, 512), convs_per_stage):
        for _ in range(convs):
            features += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU()]
            channels = filters
        features.append(nn.MaxPool2d(2, 2))
    return _torchvision_classifier_net(
        nn.Sequential(*features), nn.AdaptiveAvgPool2d((7, 7)),
        nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, 1000)))


@pytest.mark.parametrize("spec, convs, total", [
    ("vgg16.yaml", (2, 2, 3, 3, 3), 138_357_544),
    ("vgg19.yaml", (2, 2, 4, 4, 4), 143_667_240),
])
def test_vgg_matches_pytorch(spec, convs, total):
    model = vgg(convs)
    assert sum(p.numel() for p in model.parameters()) == total
    assert _oracle(spec, model, (3, 224, 224)) == []


def test_unet_matches_pytorch():
    torch = _torch()
    nn = torch.nn

    def double_conv(cin, cout):
        return seq(("conv1", nn.Conv2d(cin, cout, 3)), ("relu1", nn.ReLU()),
                   ("conv2", nn.Conv2d(cout, cout, 3)), ("relu2", nn.ReLU()))

    def center_crop(skip, reference):
        height, width = reference.shape[-2:]
        top, left = (skip.shape[-2] - height) // 2, (skip.shape[-1] - width) // 2
        return skip[..., top:top + height, left:left + width]

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [64, 128, 256, 512]
            channels = 1
            for level, width in enumerate(widths, start=1):
                self.add_module(f"enc{level}", double_conv(channels, width))
                self.add_module(f"pool{level}", nn.MaxPool2d(2))
                channels = width
            self.bottom = double_conv(512, 1024)
            channels = 1024
            for level in (4, 3, 2, 1):
                width = widths[level - 1]
                self.add_module(f"up{level}", nn.ConvTranspose2d(channels, width, 2, stride=2))
                self.add_module(f"dec{level}", double_conv(2 * width, width))
                channels = width
            self.head = nn.Conv2d(64, 2, 1)

        def forward(self, x):
            skips = {}
            for level in (1, 2, 3, 4):
                x = skips[level] = getattr(self, f"enc{level}")(x)
                x = getattr(self, f"pool{level}")(x)
            x = self.bottom(x)
            for level in (4, 3, 2, 1):
                up = getattr(self, f"up{level}")(x)
                x = getattr(self, f"dec{level}")(torch.cat([center_crop(skips[level], up), up], dim=1))
            return self.head(x)

    model = UNet()
    assert sum(p.numel() for p in model.parameters()) == 31_030_658
    assert _oracle("unet.yaml", model, (1, 572, 572)) == []


def test_mobilenet_v2_matches_pytorch():
    torch = _torch()
    nn = torch.nn

    def conv_bn_relu6(cin, cout, kernel=1, stride=1, groups=1):  # torchvision's Conv2dNormActivation
        return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU6())

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, t, stride):
            super().__init__()
            hidden = cin * t
            layers = [conv_bn_relu6(cin, hidden)] if t != 1 else []
            layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                       nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
            self.conv = nn.Sequential(*layers)
            self.use_res_connect = stride == 1 and cin == cout

        def forward(self, x):
            return x + self.conv(x) if self.use_res_connect else self.conv(x)

    class MobileNetV2(nn.Module):
        def __init__(self):
            super().__init__()
            features, channels = [conv_bn_relu6(3, 32, 3, 2)], 32
            for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                               (6, 160, 3, 2), (6, 320, 1, 1)]:
                for copy in range(n):
                    features.append(InvertedResidual(channels, c, t, s if copy == 0 else 1))
                    channels = c
            features.append(conv_bn_relu6(320, 1280))
            self.features = nn.Sequential(*features)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

        def forward(self, x):
            x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))  # as torchvision
            return self.classifier(torch.flatten(x, 1))

    model = MobileNetV2()
    assert len(model.features) == 19  # the stem, 17 inverted residual blocks, the last 1x1 conv
    assert sum(p.numel() for p in model.parameters()) == 3_504_872
    assert _oracle("mobilenet_v2.yaml", model, (3, 224, 224)) == []


def test_seed002_cnn_matches_pytorch():
    nn = _torch().nn
    model = seq(("conv", nn.Conv2d(3, 6, 3, padding=1)), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(2, 2)),
                ("flatten", nn.Flatten()), ("fc", nn.Linear(16 * 16 * 6, 10)))
    assert _oracle("seed002_cnn.yaml", model, (3, 32, 32)) == []
