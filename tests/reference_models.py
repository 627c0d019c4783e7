"""Every shipped spec built by hand in torch.nn, with module names equal to the spec's layer names.

``build("resnet50.yaml")`` returns the torch model of a spec file; there is one module-level builder
per shipped spec (named after the file: ``resnet50()``, ``googlenet_aux()``, ...). The torchvision
networks (AlexNet, VGG, ResNet, GoogLeNet, MobileNetV2) are rebuilt with torchvision's attribute
names and nesting (features and classifier Sequentials, layerN.M blocks, BasicConv2d, ...), so their
dotted module names (features.0, layer2.0.downsample.0, inception3a.branch2.1.conv, ...) are
torchvision's, and the spec's; torchvision itself is not used for them. The mobile zoo (MobileNetV3,
MNASNet, EfficientNet, ShuffleNet V2) is torchvision's own builders (tests/torchvision_oracle.py).

The models compute what the specs compute: the two specs written in the hwc layout (the lecture
notes' AlexNet and small CNN) flatten their feature maps in H, W, C order, as convcalc's flatten does
for an hwc spec (Keras's order), so their first dense layer reads the same weights as the spec's.
GoogLeNet with auxiliary classifiers returns (fc, aux1.fc2, aux2.fc2) in eval mode too.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

F = nn.functional


# ----- shared helpers -----------------------------------------------------------------------------

def seq(*pairs):
    """nn.Sequential with the given child names (dotted names come from nesting)."""
    return nn.Sequential(OrderedDict(pairs))


class FlattenHWC(nn.Flatten):
    """Flatten a (N, C, H, W) map in H, W, C order: convcalc's flatten in an hwc spec (Keras's order)."""

    def forward(self, x):
        return super().forward(x.permute(0, *range(2, x.ndim), 1) if x.ndim > 2 else x)


def torchvision_classifier_net(features, avgpool, classifier):
    """torchvision's AlexNet and VGG: features, avgpool, torch.flatten (a function), classifier."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = features
            self.avgpool = avgpool
            self.classifier = classifier

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return Net()


# ----- classic networks ---------------------------------------------------------------------------

def alexnet():
    """torchvision's AlexNet (single tower, adaptive 6x6 average pool): 61,100,840 parameters."""
    return torchvision_classifier_net(
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


def alexnet_original():
    """The lecture notes' two-GPU AlexNet (groups 2, LRN, no biases); hwc spec: H, W, C flatten."""

    def lrn():
        return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)

    return seq(
        ("conv1", nn.Conv2d(3, 96, 11, stride=4, bias=False)), ("relu1", nn.ReLU()), ("norm1", lrn()),
        ("pool1", nn.MaxPool2d(3, 2)),
        ("conv2", nn.Conv2d(96, 256, 5, padding=2, groups=2, bias=False)), ("relu2", nn.ReLU()),
        ("norm2", lrn()), ("pool2", nn.MaxPool2d(3, 2)),
        ("conv3", nn.Conv2d(256, 384, 3, padding=1, bias=False)), ("relu3", nn.ReLU()),
        ("conv4", nn.Conv2d(384, 384, 3, padding=1, groups=2, bias=False)), ("relu4", nn.ReLU()),
        ("conv5", nn.Conv2d(384, 256, 3, padding=1, groups=2, bias=False)), ("relu5", nn.ReLU()),
        ("pool5", nn.MaxPool2d(3, 2)), ("flatten", FlattenHWC()),
        ("fc6", nn.Linear(9216, 4096, bias=False)), ("relu6", nn.ReLU()), ("dropout6", nn.Dropout(0.5)),
        ("fc7", nn.Linear(4096, 4096, bias=False)), ("relu7", nn.ReLU()), ("dropout7", nn.Dropout(0.5)),
        ("fc8", nn.Linear(4096, 1000, bias=False)),
    )


def vgg(convs_per_stage):
    """torchvision's VGG without batch norm: features numbered straight through from the config."""
    features, channels = [], 3
    for filters, convs in zip((64, 128, 256, 512, 512), convs_per_stage):
        for _ in range(convs):
            features += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU()]
            channels = filters
        features.append(nn.MaxPool2d(2, 2))
    return torchvision_classifier_net(
        nn.Sequential(*features), nn.AdaptiveAvgPool2d((7, 7)),
        nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, 1000)))


def vgg16():
    return vgg((2, 2, 3, 3, 3))


def vgg19():
    return vgg((2, 2, 4, 4, 4))


def center_crop(skip, reference):
    """The centre of ``skip`` at the spatial size of ``reference`` (U-Net's crop before the concat)."""
    height, width = reference.shape[-2:]
    top, left = (skip.shape[-2] - height) // 2, (skip.shape[-1] - width) // 2
    return skip[..., top:top + height, left:left + width]


def unet():
    """Ronneberger et al.'s U-Net: valid 3x3 convs, 2x2 pools, 2x2 up-convs, crop + concat, 1x1 head."""

    def double_conv(cin, cout):
        return seq(("conv1", nn.Conv2d(cin, cout, 3)), ("relu1", nn.ReLU()),
                   ("conv2", nn.Conv2d(cout, cout, 3)), ("relu2", nn.ReLU()))

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

    return UNet()


def mobilenet_v2():
    """torchvision's MobileNetV2 (width 1.0): features.0-18, classifier.0-1."""

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
            x = F.adaptive_avg_pool2d(self.features(x), (1, 1))  # as torchvision
            return self.classifier(torch.flatten(x, 1))

    return MobileNetV2()


def seed002_cnn():
    """The lecture notes' INPUT-CONV-RELU-POOL-FC network; hwc spec: H, W, C flatten."""
    return seq(("conv", nn.Conv2d(3, 6, 3, padding=1)), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(2, 2)),
               ("flatten", FlattenHWC()), ("fc", nn.Linear(16 * 16 * 6, 10)))


def lenet5():
    """LeNet-5 in its common modern form (tanh, 2x2 average pools, C5 dense): 61,706 parameters.
    The unnamed spec layers get convcalc's automatic names (tanh1, flatten1, ...)."""
    return seq(("c1", nn.Conv2d(1, 6, 5)), ("tanh1", nn.Tanh()), ("s2", nn.AvgPool2d(2)),
               ("c3", nn.Conv2d(6, 16, 5)), ("tanh2", nn.Tanh()), ("s4", nn.AvgPool2d(2)),
               ("flatten1", nn.Flatten()),
               ("c5", nn.Linear(400, 120)), ("tanh3", nn.Tanh()),
               ("f6", nn.Linear(120, 84)), ("tanh4", nn.Tanh()),
               ("output", nn.Linear(84, 10)))


# LeNet-5 as published (LeCun et al. 1998): Table I, C3's connections
LENET5_C3_TABLE = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
                   [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
                   [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5]]


class Subsampling(nn.Module):
    """The paper's trainable subsampling: per map, the 2x2 window's sum times a coefficient plus a bias."""

    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(channels))
        self.bias = nn.Parameter(torch.randn(channels))

    def forward(self, x):
        return F.avg_pool2d(x, 2) * 4 * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class TableConv(nn.Module):
    """A 5x5 convolution whose map k reads the input maps of table[k] only: one 5x5 kernel per
    (map, input map) pair, in the table's order."""

    def __init__(self, table, kernel=5):
        super().__init__()
        self.table = table
        self.weight = nn.Parameter(torch.randn(sum(map(len, table)), kernel, kernel))
        self.bias = nn.Parameter(torch.randn(len(table)))

    def forward(self, x):
        maps, row = [], 0
        for k, channels in enumerate(self.table):
            kernel = self.weight[row:row + len(channels)].unsqueeze(0)
            maps.append(F.conv2d(x[:, channels], kernel, self.bias[k:k + 1]))
            row += len(channels)
        return torch.cat(maps, dim=1)


def lenet5_original():
    """LeNet-5 as the paper gives it, up to F6 (the RBF output layer is not in the spec)."""
    return seq(("c1", nn.Conv2d(1, 6, 5)), ("tanh1", nn.Tanh()), ("s2", Subsampling(6)), ("tanh2", nn.Tanh()),
               ("c3", TableConv(LENET5_C3_TABLE)), ("tanh3", nn.Tanh()), ("s4", Subsampling(16)),
               ("tanh4", nn.Tanh()), ("c5", nn.Conv2d(16, 120, 5)), ("tanh5", nn.Tanh()),
               ("flatten1", nn.Flatten()), ("f6", nn.Linear(120, 84)), ("tanh6", nn.Tanh()))


# ----- ResNet -------------------------------------------------------------------------------------

def resnet(block: str, counts: tuple[int, ...]):
    """torchvision's ResNet, with its classes' attribute names and nesting (layerN a Sequential of
    blocks, downsample a Sequential of a 1x1 conv and a batch norm, one ReLU module per block)."""

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


def resnet18():
    return resnet(*RESNETS["resnet18.yaml"])


def resnet34():
    return resnet(*RESNETS["resnet34.yaml"])


def resnet50():
    return resnet(*RESNETS["resnet50.yaml"])


def resnet101():
    return resnet(*RESNETS["resnet101.yaml"])


def resnet152():
    return resnet(*RESNETS["resnet152.yaml"])


# ----- GoogLeNet ----------------------------------------------------------------------------------

def make_googlenet(aux: bool):
    """torchvision's GoogLeNet, with the attribute names and nesting of its classes GoogLeNet,
    Inception (branch2-4 are Sequentials), InceptionAux and BasicConv2d (conv, bn, then F.relu).
    With ``aux`` it returns (fc, aux1, aux2), in eval mode too (torchvision returns them in training)."""

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


def googlenet():
    return make_googlenet(aux=False)


def googlenet_aux():
    return make_googlenet(aux=True)


# ----- graph networks (issue 17): PyTorch Geometric's layers -------------------------------------

class GraphNetwork(nn.Module):
    """conv1, an activation, conv2 (the dropouts are identities in eval) on the graph the executor
    runs a graph spec on: convcalc.execute.random_edges over its nodes, seed 0 (the tests' seed).
    Takes the executor's batch of one graph, (1, N, F)."""

    def __init__(self, conv1, activation, conv2, nodes=2708, edges=10556):
        super().__init__()
        from convcalc.execute import random_edges

        self.conv1, self.activation, self.conv2 = conv1, activation, conv2
        self.register_buffer("edge_index", torch.from_numpy(random_edges(nodes, edges, seed=0)), persistent=False)

    def forward(self, x):
        (graph,) = x
        return self.conv2(self.activation(self.conv1(graph, self.edge_index)), self.edge_index)[None]


def gcn_cora():
    """Kipf & Welling 2017 as PyG's examples/gcn.py: GCNConv(1433, 16), ReLU, GCNConv(16, 7)."""
    from torch_geometric.nn import GCNConv

    return GraphNetwork(GCNConv(1433, 16), nn.ReLU(), GCNConv(16, 7))


def gat_cora():
    """Veličković et al. 2018 as PyG's examples/gat.py: 8 heads of 8, ELU, 1 head of 7 averaged."""
    from torch_geometric.nn import GATConv

    return GraphNetwork(GATConv(1433, 8, heads=8), nn.ELU(), GATConv(64, 7, heads=1, concat=False))


def chebnet_cora():
    """PyG's benchmark/citation/cheb.py: ChebConv(1433, 16, K=3), ReLU, ChebConv(16, 7, K=3)."""
    from torch_geometric.nn import ChebConv

    return GraphNetwork(ChebConv(1433, 16, K=3), nn.ReLU(), ChebConv(16, 7, K=3))


# ----- dispatch -----------------------------------------------------------------------------------

BUILDERS = {
    "alexnet.yaml": alexnet,
    "alexnet_original.yaml": alexnet_original,
    "googlenet.yaml": googlenet,
    "googlenet_aux.yaml": googlenet_aux,
    "lenet5.yaml": lenet5,
    "lenet5_original.yaml": lenet5_original,
    "mobilenet_v2.yaml": mobilenet_v2,
    "resnet18.yaml": resnet18,
    "resnet34.yaml": resnet34,
    "resnet50.yaml": resnet50,
    "resnet101.yaml": resnet101,
    "resnet152.yaml": resnet152,
    "seed002_cnn.yaml": seed002_cnn,
    "unet.yaml": unet,
    "vgg16.yaml": vgg16,
    "vgg19.yaml": vgg19,
    "gcn_cora.yaml": gcn_cora,
    "gat_cora.yaml": gat_cora,
    "chebnet_cora.yaml": chebnet_cora,
}


def torchvision_network(builder: str, **arguments):
    """The zoo specs written against torchvision itself: their model is torchvision's builder
    (tests/torchvision_oracle.py), not a rebuild."""
    def make():
        from torchvision_oracle import build as build_torchvision

        return build_torchvision(builder, **arguments)
    return make


ZOO_CLASSIC = ["vgg11", "vgg13", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "squeezenet1_0", "squeezenet1_1",
               "resnext50_32x4d", "wide_resnet50_2", "regnet_x_400mf", "regnet_y_400mf",
               "densenet121", "densenet161", "densenet169", "densenet201"]
BUILDERS.update({f"{name}.yaml": torchvision_network(name) for name in ZOO_CLASSIC})
BUILDERS["inception_v3.yaml"] = torchvision_network("inception_v3", init_weights=False)  # its aux head: train_only
# The mobile zoo is torchvision's own networks. (The segmentation specs run against torchvision in
# test_zoo_segmentation.py.)
BUILDERS.update({f"{builder}.yaml": torchvision_network(builder) for builder in (
    "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet1_0", *(f"efficientnet_b{index}" for index in range(8)),
    "efficientnet_v2_s", "shufflenet_v2_x1_0")})
BUILDERS["convnext_tiny.yaml"] = torchvision_network("convnext_tiny")

# the spec's output layer names, in the order the model returns them (a single output otherwise)
OUTPUTS = {
    "googlenet_aux.yaml": ("fc", "aux1.fc2", "aux2.fc2"),
}


def build(spec_name: str) -> nn.Module:
    """The torch model of a shipped spec, by its file name (``build("resnet50.yaml")``)."""
    try:
        builder = BUILDERS[spec_name]
    except KeyError:
        raise KeyError(f"no reference model for {spec_name!r}; known: {', '.join(BUILDERS)}") from None
    return builder()
