"""ResNet-18/34/50/101/152 and GoogLeNet (with and without auxiliary classifiers): published totals,
every layer against the same network built by hand in PyTorch, and ResNet-50 with a symbolic input.

The totals are the parameter counts of torchvision's documentation (the ``num_params`` of
ResNet18_Weights ... ResNet152_Weights and GoogLeNet_Weights: trainable parameters, without batch
norm's running statistics). torchvision itself is not used: each network is rebuilt from
torch.nn modules whose dotted names are the spec's layer names.
"""

from __future__ import annotations

from collections import OrderedDict

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
    last_map = by_name["layer4.1.relu3"].result.output.dims
    assert "H" in last_map[1].symbols()  # the feature map before the pool still depends on H
    pooled = by_name["avgpool"].result.output.dims
    assert all(is_concrete(dim) for dim in pooled)
    assert tuple(pooled) == (2048, 1, 1)
    assert analysis.totals.trainable == PUBLISHED["resnet50.yaml"]


# ----- the same networks in PyTorch ---------------------------------------------------------------

def _resnet(block: str, counts: tuple[int, ...], numbered_second: bool = False):
    """torchvision's ResNet with the spec's names: layerN_0 is a stage's first block when it has a
    projection; the others come from `repeat` (layerN.0, layerN.1, ...), or are layerN_1 when
    ``numbered_second`` (ResNet-18 writes its second blocks out by name)."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Residual(nn.Module):
        """A residual block whose layers are direct children: conv1, bn1, ..., downsample."""

        def __init__(self, parts, downsample, last_relu):
            super().__init__()
            self.order = [name for name, _ in parts]
            for name, module in parts:
                self.add_module(name, module)
            self.downsample = downsample  # None: identity shortcut
            self.last_relu = last_relu
            self.add_module(last_relu, nn.ReLU())

        def forward(self, x):
            out = x
            for name in self.order:
                out = getattr(self, name)(out)
            shortcut = x if self.downsample is None else self.downsample(x)
            return getattr(self, self.last_relu)(out + shortcut)

    expansion = 4 if block == "bottleneck" else 1
    inplanes = 64

    def unit(width, stride, down):
        nonlocal inplanes
        out = width * expansion
        if block == "bottleneck":  # v1.5: the stride on the 3x3 conv
            parts = [("conv1", nn.Conv2d(inplanes, width, 1, bias=False)), ("bn1", nn.BatchNorm2d(width)),
                     ("relu1", nn.ReLU()),
                     ("conv2", nn.Conv2d(width, width, 3, stride, 1, bias=False)), ("bn2", nn.BatchNorm2d(width)),
                     ("relu2", nn.ReLU()),
                     ("conv3", nn.Conv2d(width, out, 1, bias=False)), ("bn3", nn.BatchNorm2d(out))]
        else:
            parts = [("conv1", nn.Conv2d(inplanes, width, 3, stride, 1, bias=False)), ("bn1", nn.BatchNorm2d(width)),
                     ("relu1", nn.ReLU()),
                     ("conv2", nn.Conv2d(width, width, 3, 1, 1, bias=False)), ("bn2", nn.BatchNorm2d(width))]
        downsample = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(inplanes, out, 1, stride, bias=False)), ("bn", nn.BatchNorm2d(out))])) if down else None
        inplanes = out
        return Residual(parts, downsample, "relu3" if block == "bottleneck" else "relu2")

    model = nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(3, 64, 7, 2, 3, bias=False)), ("bn1", nn.BatchNorm2d(64)), ("relu", nn.ReLU()),
        ("maxpool", nn.MaxPool2d(3, 2, 1))]))
    for stage, (count, width) in enumerate(zip(counts, (64, 128, 256, 512)), 1):
        stride = 1 if stage == 1 else 2
        if stride == 1 and inplanes == width * expansion:  # no projection: every block from `repeat`
            model.add_module(f"layer{stage}", nn.Sequential(*[unit(width, 1, False) for _ in range(count)]))
            continue
        model.add_module(f"layer{stage}_0", unit(width, stride, True))
        if numbered_second:
            for index in range(1, count):
                model.add_module(f"layer{stage}_{index}", unit(width, 1, False))
        else:
            model.add_module(f"layer{stage}", nn.Sequential(*[unit(width, 1, False) for _ in range(count - 1)]))
    model.add_module("avgpool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(512 * expansion, 1000))
    return model


RESNETS = {  # spec: (block, blocks per stage, second blocks written out by name)
    "resnet18.yaml": ("basic", (2, 2, 2, 2), True),
    "resnet34.yaml": ("basic", (3, 4, 6, 3), False),
    "resnet50.yaml": ("bottleneck", (3, 4, 6, 3), False),
    "resnet101.yaml": ("bottleneck", (3, 4, 23, 3), False),
    "resnet152.yaml": ("bottleneck", (3, 8, 36, 3), False),
}


@pytest.mark.parametrize("spec", RESNETS)
def test_resnet_matches_pytorch(spec):
    pytest.importorskip("torch")
    from torch_oracle import compare

    model = _resnet(*RESNETS[spec])
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[spec]  # the hand-built net is torchvision's
    assert compare(analyze_file(SPECS / spec), model, INPUT) == []


def _googlenet(aux: bool):
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def basic_conv(cin, cout, kernel=1, stride=1, padding=0):
        return nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)),
            ("bn", nn.BatchNorm2d(cout, eps=0.001)), ("relu", nn.ReLU())]))

    class Inception(nn.Module):
        def __init__(self, cin, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
            super().__init__()
            self.branch1 = basic_conv(cin, ch1x1)
            self.branch2_0 = basic_conv(cin, ch3x3red)
            self.branch2_1 = basic_conv(ch3x3red, ch3x3, 3, padding=1)
            self.branch3_0 = basic_conv(cin, ch5x5red)
            self.branch3_1 = basic_conv(ch5x5red, ch5x5, 3, padding=1)  # torchvision: 3x3, not 5x5
            self.branch4_0 = nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True)
            self.branch4_1 = basic_conv(cin, pool_proj)

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch2_1(self.branch2_0(x)),
                              self.branch3_1(self.branch3_0(x)), self.branch4_1(self.branch4_0(x))], 1)

    def inception_aux(cin):
        return nn.Sequential(OrderedDict([
            ("pool", nn.AdaptiveAvgPool2d(4)), ("conv", basic_conv(cin, 128)), ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(2048, 1024)), ("relu", nn.ReLU()), ("dropout", nn.Dropout(0.7)),
            ("fc2", nn.Linear(1024, 1000))]))

    class GoogLeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = basic_conv(3, 64, 7, 2, 3)
            self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.conv2 = basic_conv(64, 64)
            self.conv3 = basic_conv(64, 192, 3, padding=1)
            self.maxpool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
            self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
            self.maxpool3 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
            self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
            self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
            self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
            self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
            self.maxpool4 = nn.MaxPool2d(2, 2, ceil_mode=True)
            self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
            self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
            if aux:
                self.aux1 = inception_aux(512)
                self.aux2 = inception_aux(528)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.flatten = nn.Flatten()
            self.dropout = nn.Dropout(0.2)
            self.fc = nn.Linear(1024, 1000)

        def forward(self, x):
            x = self.maxpool2(self.conv3(self.conv2(self.maxpool1(self.conv1(x)))))
            x = self.maxpool3(self.inception3b(self.inception3a(x)))
            x = self.inception4a(x)
            aux1 = self.aux1(x) if aux else None
            x = self.inception4d(self.inception4c(self.inception4b(x)))
            aux2 = self.aux2(x) if aux else None
            x = self.maxpool4(self.inception4e(x))
            x = self.inception5b(self.inception5a(x))
            x = self.fc(self.dropout(self.flatten(self.avgpool(x))))
            return (x, aux1, aux2) if aux else x

    return GoogLeNet()


@pytest.mark.parametrize("spec, aux", [("googlenet.yaml", False), ("googlenet_aux.yaml", True)])
def test_googlenet_matches_pytorch(spec, aux):
    pytest.importorskip("torch")
    from torch_oracle import compare

    model = _googlenet(aux)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[spec]  # the hand-built net is torchvision's
    assert compare(analyze_file(SPECS / spec), model, INPUT) == []
