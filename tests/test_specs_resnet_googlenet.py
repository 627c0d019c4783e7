"""ResNet-18/34/50/101/152 and GoogLeNet (with and without auxiliary classifiers): published totals,
every layer against the same network built by hand in PyTorch, and ResNet-50 with a symbolic input.

The totals are the parameter counts of torchvision's documentation (the ``num_params`` of
ResNet18_Weights ... ResNet152_Weights and GoogLeNet_Weights: trainable parameters, without batch
norm's running statistics). torchvision itself is not used: each network is rebuilt from torch.nn
modules with torchvision's attribute names and nesting, so that its dotted module names
(layer2.0.downsample.0, inception3a.branch2.1.conv, ...) are torchvision's, and the spec's.
"""

from __future__ import annotations

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
    last_map = by_name["layer4.2.relu_2"].result.output.dims
    assert "H" in last_map[1].symbols()  # the feature map before the pool still depends on H
    pooled = by_name["avgpool"].result.output.dims
    assert all(is_concrete(dim) for dim in pooled)
    assert tuple(pooled) == (2048, 1, 1)
    assert analysis.totals.trainable == PUBLISHED["resnet50.yaml"]


# ----- the same networks in PyTorch ---------------------------------------------------------------

def _check_against_pytorch(spec, model):
    """compare(...) finds no mismatch, and every spec layer with parameters met its torch module: the
    torch leaf modules with parameters that carry a spec layer's name are as many as those layers."""
    from torch_oracle import compare

    analysis = analyze_file(SPECS / spec)
    assert analysis.errors == []
    assert compare(analysis, model, INPUT) == []
    names = {report.name for report in analysis.layers}
    matched = [name for name, module in model.named_modules()
               if name in names and not list(module.children()) and list(module.parameters())]
    assert len(matched) == sum(1 for report in analysis.layers if report.params)


def _resnet(block: str, counts: tuple[int, ...]):
    """torchvision's ResNet, with its classes' attribute names and nesting (layerN a Sequential of
    blocks, downsample a Sequential of a 1x1 conv and a batch norm, one ReLU module per block)."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)  # v1.5: the stride on the 3x3
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.relu = nn.ReLU()
            self.downsample = downsample

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    unit = Bottleneck if block == "bottleneck" else BasicBlock

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU()
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            for stage, (count, planes) in enumerate(zip(counts, (64, 128, 256, 512)), 1):
                self.add_module(f"layer{stage}", self._make_layer(planes, count, 1 if stage == 1 else 2))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512 * unit.expansion, 1000)

        def _make_layer(self, planes, count, stride):
            downsample = None
            if stride != 1 or self.inplanes != planes * unit.expansion:
                downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * unit.expansion, 1, stride, bias=False),
                                           nn.BatchNorm2d(planes * unit.expansion))
            layers = [unit(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * unit.expansion
            layers += [unit(self.inplanes, planes) for _ in range(1, count)]
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet()


RESNETS = {  # spec: (block, blocks per stage)
    "resnet18.yaml": ("basic", (2, 2, 2, 2)),
    "resnet34.yaml": ("basic", (3, 4, 6, 3)),
    "resnet50.yaml": ("bottleneck", (3, 4, 6, 3)),
    "resnet101.yaml": ("bottleneck", (3, 4, 23, 3)),
    "resnet152.yaml": ("bottleneck", (3, 8, 36, 3)),
}


@pytest.mark.parametrize("spec", RESNETS)
def test_resnet_matches_pytorch(spec):
    pytest.importorskip("torch")
    model = _resnet(*RESNETS[spec])
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[spec]  # the hand-built net is torchvision's
    _check_against_pytorch(spec, model)


def _googlenet(aux: bool):
    """torchvision's GoogLeNet, with the attribute names and nesting of its classes GoogLeNet,
    Inception (branch2-4 are Sequentials), InceptionAux and BasicConv2d (conv, bn, then F.relu)."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    F = nn.functional

    class BasicConv2d(nn.Module):
        def __init__(self, cin, cout, kernel=1, stride=1, padding=0):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)
            self.bn = nn.BatchNorm2d(cout, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))

    class Inception(nn.Module):
        def __init__(self, cin, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
            super().__init__()
            self.branch1 = BasicConv2d(cin, ch1x1)
            self.branch2 = nn.Sequential(BasicConv2d(cin, ch3x3red), BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
            self.branch3 = nn.Sequential(BasicConv2d(cin, ch5x5red),
                                         BasicConv2d(ch5x5red, ch5x5, 3, padding=1))  # torchvision: 3x3, not 5x5
            self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                         BasicConv2d(cin, pool_proj))

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)

    class InceptionAux(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.conv = BasicConv2d(cin, 128)
            self.fc1 = nn.Linear(2048, 1024)
            self.fc2 = nn.Linear(1024, 1000)
            self.dropout = nn.Dropout(0.7)

        def forward(self, x):
            x = torch.flatten(self.conv(F.adaptive_avg_pool2d(x, (4, 4))), 1)
            return self.fc2(self.dropout(F.relu(self.fc1(x))))

    class GoogLeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = BasicConv2d(3, 64, 7, 2, 3)
            self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.conv2 = BasicConv2d(64, 64)
            self.conv3 = BasicConv2d(64, 192, 3, padding=1)
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
                self.aux1 = InceptionAux(512)
                self.aux2 = InceptionAux(528)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
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
            x = self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
            return (x, aux1, aux2) if aux else x

    return GoogLeNet()


@pytest.mark.parametrize("spec, aux", [("googlenet.yaml", False), ("googlenet_aux.yaml", True)])
def test_googlenet_matches_pytorch(spec, aux):
    pytest.importorskip("torch")
    model = _googlenet(aux)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[spec]  # the hand-built net is torchvision's
    _check_against_pytorch(spec, model)
