"""Importing PyTorch models (convcalc.bridges.torch_import): torch itself is the oracle.

Each imported spec is analysed by convcalc and compared with what torch measures on the same model
(tests/torch_oracle.compare: every leaf's output shape, parameters and buffers, conv and linear
MACs), and with the shipped spec of the same name where there is one (the same totals at the
same input size).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from click.testing import CliRunner  # noqa: E402

from conftest import SPECS, analyze_file, analyze_text  # noqa: E402
from torch_oracle import compare  # noqa: E402
from torchvision_oracle import build, torchvision_models  # noqa: E402

from convcalc.bridges.torch_import import spec_text_of_module, spec_text_of_target  # noqa: E402
from convcalc.cli import main  # noqa: E402
from convcalc.errors import ConvcalcError  # noqa: E402
from convcalc.loading import load_document  # noqa: E402

SMALL = (3, 64, 64)
ZOO = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1", "densenet121",
       "efficientnet_b0", "shufflenet_v2_x1_0", "convnext_tiny", "regnet_y_400mf", "vgg11_bn", "googlenet",
       "mnasnet1_0"]


def imported(model, shape):
    """The analysis of the spec imported from ``model`` (no error, no warning about the spec)."""
    analysis = analyze_text(spec_text_of_module(model, shape, source="a test"))
    assert not analysis.errors, analysis.errors
    return analysis


@pytest.mark.parametrize("builder", ZOO)
def test_torchvision_models_match_torch_and_the_shipped_spec(builder, one_torch_thread):
    model = build(builder)
    analysis = imported(model, SMALL)
    assert compare(analysis, model, SMALL) == []
    shipped = SPECS / f"{builder}.yaml"
    if shipped.exists():
        expected = analyze_file(shipped, input_shape=SMALL).totals
        totals = analysis.totals
        assert (totals.trainable, totals.non_trainable, totals.macs, totals.flops) == \
            (expected.trainable, expected.non_trainable, expected.macs, expected.flops)


def test_a_segmentation_model_matches_torch(one_torch_thread):
    """LR-ASPP: an OrderedDict output, x.shape[-2:] read for F.interpolate's size, a gate that
    multiplies two branches (the shipped spec writes its sizes for 520 x 520, so only torch here)."""
    model = build("lraspp_mobilenet_v3_large", weights_backbone=None)
    analysis = imported(model, SMALL)
    assert compare(analysis, model, SMALL) == []
    assert tuple(analysis.layers[-1].result.output.dims) == (21, 64, 64)


def test_names_are_module_paths_and_fx_node_names():
    """Layer names line up with state_dict keys; a module called twice is path and path_1; a
    function is fx's node name (specs/resnet18.yaml's convention)."""
    text = spec_text_of_module(build("resnet18"), SMALL, fold=False)
    names = [fields["name"] for entry in load_document(text, "x.yaml").data["layers"] for fields in entry.values()]
    assert names[:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert names[4:12] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer1.0.conv2", "layer1.0.bn2",
                           "add", "layer1.0.relu_1", "layer1.1.conv1"]
    assert names[-3:] == ["avgpool", "flatten", "fc"]
    state = {key.rsplit(".", 1)[0] for key in build("resnet18").state_dict()}
    assert state <= set(names)


class Functions(nn.Module):
    """Each function mapping once: cat, add, mul, sub, div, chunk and getitem, flatten, transpose, permute,
    view, reshape, contiguous, mean, interpolate and the functional activations and pools."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, 5)

    def forward(self, x):
        y = self.conv(x)                                          # 8 x 8 x 8
        a, b = torch.chunk(y, 2, dim=1)
        c, d = y.split([3, 5], 1)
        y = torch.cat([F.relu(a), torch.sigmoid(b), c, d], dim=1)   # 16 x 8 x 8
        y = y + F.silu(y)
        y = torch.add(y, F.hardswish(y)) * F.hardsigmoid(y)
        y = y * y.mean((2, 3), keepdim=True)
        y = F.gelu(y).transpose(2, 3).contiguous().permute(0, 1, 3, 2)
        y = (y - F.relu(y)) / torch.sigmoid(y)
        y = F.max_pool2d(y, 2)                                    # 16 x 4 x 4
        y = F.interpolate(y, scale_factor=2, mode="nearest")      # 16 x 8 x 8
        y = F.avg_pool2d(y, 3, 2, ceil_mode=True)                 # 16 x 4 x 4
        y = F.adaptive_avg_pool2d(y, (4, 4))
        y = y.view(y.size(0), 2, 8, 16).reshape(y.size(0), 16, 4, 4)
        y = torch.flatten(F.leaky_relu(y, 0.2), 1)
        return F.softmax(self.fc(y), dim=1)


class Modules(nn.Module):
    """Module mappings beyond the zoo: 1-D and 3-D convs, dilation, 'same' padding, a transposed
    conv, norms, pools with ceil_mode and count_include_pad, LPPool, ZeroPad, Upsample, and the
    activations with options."""

    def __init__(self):
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 2, 0, 3))
        self.conv = nn.Conv2d(3, 6, (3, 5), stride=(1, 2), dilation=2, groups=3, bias=False)
        self.same = nn.Conv2d(6, 6, 3, padding="same", dilation=2)
        self.up = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1)
        self.gn = nn.GroupNorm(2, 4)
        self.lrn = nn.LocalResponseNorm(3)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.avgpool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)
        self.lppool = nn.LPPool2d(2, 2)
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear")
        self.prelu = nn.PReLU(4)
        self.elu = nn.ELU(0.5)
        self.leaky = nn.LeakyReLU(0.2)
        self.relu6 = nn.ReLU6()
        self.tanh = nn.Tanh()
        self.ln = nn.LayerNorm(4, bias=False)
        self.drop = nn.Dropout2d(0.3)
        self.identity = nn.Identity()
        self.pool1d = nn.AdaptiveMaxPool1d(4)
        self.conv1d = nn.Conv1d(4, 2, 3, padding=1)
        self.bn1d = nn.BatchNorm1d(2, eps=1e-3, momentum=None)

    def forward(self, x):
        x = self.conv(self.pad(x))
        x = self.up(self.same(x))
        x = self.lppool(self.avgpool(self.maxpool(self.lrn(self.gn(x)))))
        x = self.tanh(self.relu6(self.leaky(self.elu(self.prelu(self.upsample(x))))))
        x = self.identity(self.drop(self.ln(x)))
        x = self.bn1d(self.conv1d(self.pool1d(x.flatten(2))))
        return x


class Volumes(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(2, 4, 3, padding=1, stride=(1, 2, 2))
        self.bn = nn.BatchNorm3d(4)
        self.pool = nn.MaxPool3d(2)
        self.norm = nn.LayerNorm([4, 2, 4, 4], elementwise_affine=False)

    def forward(self, x):
        return self.norm(self.pool(self.bn(self.conv(x))))


class Lines(nn.Module):
    """The 1-D forms, then a vector: batch norm over features, a linear layer without bias."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.ZeroPad1d((2, 1)), nn.Conv1d(2, 4, 3, dilation=2, padding=2), nn.MaxPool1d(2, ceil_mode=True),
            nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=False), nn.LPPool1d(3, 2),
            nn.ConvTranspose1d(4, 6, 4, stride=3, groups=2, bias=False), nn.AdaptiveAvgPool1d(5), nn.Flatten(),
            nn.Linear(30, 8, bias=False), nn.BatchNorm1d(8), nn.ELU(), nn.Dropout(0.1), nn.Softmax(dim=-1))

    def forward(self, x):
        return self.layers(x)


@pytest.mark.parametrize("model, shape", [(Functions(), (4, 8, 8)), (Modules(), (3, 20, 20)),
                                          (Volumes(), (2, 4, 16, 16)), (Lines(), (2, 17))],
                         ids=["functions", "modules", "volumes", "lines"])
def test_custom_modules_match_torch(model, shape, one_torch_thread):
    analysis = imported(model.eval(), shape)
    assert compare(analysis, model, shape) == []
    with torch.no_grad():
        expected = tuple(model(torch.zeros((1, *shape), dtype=torch.float64)).shape[1:])
    assert tuple(analysis.layers[-1].result.output.dims) == expected


def test_functions_become_their_layers():
    """Each function call is its layer type with its arguments, named by fx."""
    text = spec_text_of_module(Functions(), (4, 8, 8), fold=False)
    for line in ["split: {name: chunk, chunks: 2}",
                 "split: {name: split, inputs: [conv], sizes: [3, 5]}",
                 "relu: {name: relu, inputs: [chunk.0]}", "sigmoid: {name: sigmoid, inputs: [chunk.1]}",
                 "concat: {name: cat, inputs: [relu, sigmoid, split.0, split.1]}",
                 "add: {name: add, inputs: [cat, silu]}",
                 "reduce: {name: mean, op: mean, axes: [1, 2], keepdim: true}",
                 "multiply: {name: mul_1, inputs: [mul, mean]}",
                 "transpose: {name: transpose, dim0: 1, dim1: 2}",
                 "permute: {name: permute, dims: [0, 2, 1]}",
                 "subtract: {name: sub, inputs: [permute, relu_1]}",
                 "divide: {name: truediv, inputs: [sub, sigmoid_1]}",
                 "maxpool2d: {name: max_pool2d, kernel: 2}",
                 "upsample2d: {name: interpolate, scale: 2}",
                 "avgpool2d: {name: avg_pool2d, kernel: 3, stride: 2, ceil_mode: true}",
                 "adaptive_avgpool2d: {name: adaptive_avg_pool2d, output_size: 4}",
                 "reshape: {name: view, shape: [2, 8, 16]}",
                 "leaky_relu: {name: leaky_relu, negative_slope: 0.2}",
                 "flatten: {name: flatten}",
                 "softmax: {name: softmax}"]:
        assert f"  - {line}\n" in text, line
    assert "contiguous" not in text  # a no-op: the permute reads the transpose


def test_layer_scale_and_stochastic_depth_of_convnext():
    text = spec_text_of_module(build("convnext_tiny"), SMALL, fold=False)
    assert "  - permute: {name: features.1.0.block.6, dims: [2, 0, 1]}\n" \
           "  - layer_scale: {name: features.1.0.layer_scale}\n" in text  # the parameter's path
    assert "  - stochastic_depth: {name: features.1.1.stochastic_depth, p: 0.00588" in text
    assert "  - layernorm: {name: features.0.1, over: channels, eps: 1.0e-06}\n" in text


def test_refused_options_name_the_call():
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_module(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")), (3, 8, 8))
    assert error.value.render() == \
        "torch.nn.modules.conv.Conv2d (the traced node _0): padding_mode='reflect' has no convcalc equivalent"
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_module(nn.Sequential(nn.GELU(approximate="tanh")), (3, 8, 8))
    assert "approximate='tanh' has no convcalc equivalent" in error.value.render()


class Unmapped(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Sequential(nn.Conv2d(3, 4, 1), nn.PixelShuffle(2))

    def forward(self, x):
        return self.head(x)


class UnmappedFunction(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, 1)


def test_unmapped_module_and_function_are_named_where_called():
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_module(Unmapped(), (3, 8, 8))
    message = error.value.render()
    assert message.startswith("module head.1 (torch.nn.modules.pixelshuffle.PixelShuffle, the traced node head_1, ")
    assert "test_torch_import.py:" in message and message.endswith("has no convcalc layer type")
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_module(UnmappedFunction(), (3, 8, 8))
    message = error.value.render()
    assert message.startswith("torch.cumsum (the traced node cumsum, ") and "test_torch_import.py:" in message


def test_target_errors():
    for target, start in [("torchvision.models.resnet18", "--torch torchvision.models.resnet18: give MODULE:ATTR"),
                          ("no_such_module_x:f", "--torch no_such_module_x:f: cannot import it"),
                          ("torch.nn:no_such_thing", "--torch torch.nn:no_such_thing: cannot import it"),
                          ("math:pi", "--torch math:pi: not a callable"),
                          ("math:floor", "--torch math:floor: calling it failed: TypeError"),
                          ("collections:OrderedDict", "collections:OrderedDict gives OrderedDict, not a torch.nn.Module")]:
        with pytest.raises(ConvcalcError) as error:
            spec_text_of_target(target, SMALL, {})
        assert error.value.render().startswith(start), error.value.render()


def test_a_module_failing_as_it_is_imported(tmp_path, monkeypatch):
    (tmp_path / "broken_models_x.py").write_text("raise RuntimeError('operator torchvision::nms does not exist')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_target("broken_models_x:resnet18", SMALL, {})
    assert error.value.render() == "--torch broken_models_x:resnet18: cannot import it (RuntimeError: operator " \
                                   "torchvision::nms does not exist)"


def test_cli_imports_a_torchvision_builder_with_kwargs(tmp_path):
    torchvision_models()  # torchvision's C++ operators shimmed, as the oracle needs
    output = tmp_path / "resnet18.yaml"
    result = CliRunner().invoke(main, ["import", "--torch", "torchvision.models:resnet18", "--input", "3x64x64",
                                       "--kwarg", "num_classes=10", "-o", str(output)])
    assert result.exit_code == 0, result.output
    text = output.read_text()
    assert text.startswith("# Imported by convcalc from torchvision.models:resnet18(num_classes=10).\n")
    assert "  - dense: {name: fc, units: 10}\n" in text
    analysis = analyze_text(text)
    model = build("resnet18", num_classes=10)
    assert analysis.totals.trainable == sum(p.numel() for p in model.parameters())
    assert load_document(text, "x.yaml").data["input"] == [3, 64, 64]


def test_cli_errors_exit_2_on_one_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["import", "--torch", "tests.test_torch_import:Unmapped", "--input", "3x8x8"])
    assert result.exit_code == 2
    assert result.output.startswith("module head.1 (torch.nn.modules.pixelshuffle.PixelShuffle, the traced node ")
    assert len(result.output.strip().splitlines()) == 1
    result = runner.invoke(main, ["import", "--torch", "bad target", "--input", "3x8x8"])
    assert (result.exit_code, result.output) == (2, "--torch bad target: give MODULE:ATTR, e.g. "
                                                    "torchvision.models:resnet50\n")
    result = runner.invoke(main, ["import", "--torch", "tests.test_torch_import:Unmapped", "--input", "3xHxW"])
    assert result.exit_code == 2 and "numeric input sizes" in result.output


class Sizes(nn.Module):
    """Sizes given at the call: a transposed conv's output_size, an upsampling to a size, a scale
    recomputed from the sizes, corners aligned; softmax and log-softmax over a vector."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(3, 4, 3, stride=2)
        self.resize = nn.Upsample(size=(9, 7), mode="bilinear")
        self.corners = nn.UpsamplingBilinear2d(scale_factor=2)   # align_corners=True
        self.pool = nn.AdaptiveAvgPool2d((None, 2))
        self.softmax = nn.Softmax(dim=1)
        self.log_softmax = nn.LogSoftmax(dim=-1)

    def forward(self, x):
        x = self.up(x, output_size=[12, 12])                 # 4 x 12 x 12 (11 without output_size)
        x = F.interpolate(self.resize(x), scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)
        x = self.pool(self.corners(x))                       # 4 x 26 x 2
        return self.log_softmax(self.softmax(x.flatten(1)))


def test_sizes_given_at_the_call(one_torch_thread):
    model = Sizes().eval()
    text = spec_text_of_module(model, (3, 5, 5), fold=False)
    assert "  - conv_transpose2d: {name: up, filters: 4, kernel: 3, stride: 2, output_size: 12}\n" in text
    assert "  - upsample2d: {name: interpolate, size: [13, 10], mode: bilinear}\n" in text
    assert "  - upsample2d: {name: corners, scale: 2.0, mode: bilinear, align_corners: true}\n" in text
    assert "  - adaptive_avgpool2d: {name: pool, output_size: [26, 2]}\n" in text
    analysis = analyze_text(text)
    assert compare(analysis, model, (3, 5, 5)) == []
    assert tuple(analysis.layers[-1].result.output.dims) == (4 * 26 * 2,)


class MixesTheBatch(nn.Module):
    def forward(self, x):
        return x.view(-1)


class FlattensTheBatchAlone(nn.Module):
    def forward(self, x):
        return x.flatten(0, 0)  # the sizes stay, but a flatten from the batch has no convcalc form


@pytest.mark.parametrize("model, message", [
    (FlattensTheBatchAlone(), "Tensor.flatten (the traced node flatten, "),
    (FlattensTheBatchAlone(), "): it acts on the batch axis (dim 0)"),
    (nn.Sequential(nn.Flatten(0)), "the traced node _0 gives a tensor of shape 384 whose first axis is not the batch"),
    (nn.Sequential(nn.Softmax(dim=2)), "torch.nn.modules.activation.Softmax (the traced node _0): dim 2 is not "
                                       "supported here (give the channels: 1)"),
    (nn.Sequential(nn.MaxPool2d(2, return_indices=True)), "return_indices=True has no convcalc equivalent"),
    (nn.Sequential(nn.AvgPool2d(2, divisor_override=3)), "divisor_override=3 has no convcalc equivalent"),
    (MixesTheBatch(), "the traced node view, "),
    (nn.Sequential(nn.GELU(approximate="tanh")), "approximate='tanh' has no convcalc equivalent"),
    (nn.Sequential(nn.Upsample(scale_factor=2, mode="bicubic")), "mode='bicubic' has no convcalc equivalent"),
])
def test_calls_convcalc_cannot_express_are_refused(model, message):
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_module(model, (3, 8, 8))
    assert message in error.value.render()


def test_messages_in_spanish():
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_module(Unmapped(), (3, 8, 8))
    assert error.value.render("es").startswith("el módulo head.1 (torch.nn.modules.pixelshuffle.PixelShuffle, el nodo "
                                               "trazado head_1, ")


def test_the_model_keeps_its_training_flags():
    model = build("mobilenet_v3_small").train()
    model.classifier.eval()
    spec_text_of_module(model, SMALL)
    assert model.training and model.features.training and not model.classifier.training


def randomised(model):
    """``model`` with batch-norm statistics and affine weights drawn (not 0 and 1), in eval mode."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.copy_(torch.rand(module.running_mean.shape, generator=generator) - 0.5)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
    return model.eval()


@pytest.mark.parametrize("model, shape", [
    (lambda: build("resnet18"), (3, 32, 32)), (lambda: build("mobilenet_v3_small"), (3, 32, 32)),
    (lambda: build("shufflenet_v2_x1_0"), (3, 32, 32)), (lambda: build("squeezenet1_1"), (3, 48, 48)),
    (Functions, (4, 8, 8)), (Modules, (3, 20, 20)), (Sizes, (3, 5, 5)), (Volumes, (2, 4, 16, 16)), (Lines, (2, 17)),
], ids=["resnet18", "mobilenet_v3_small", "shufflenet_v2_x1_0", "squeezenet1_1", "functions", "modules", "sizes",
        "volumes", "lines"])
def test_the_imported_spec_runs_as_the_model_with_its_state_dict(model, shape, one_torch_thread):
    """convcalc's executor, given the model's state_dict under the spec's layer names, computes
    what the model computes: the names line up and every mapped call means what torch's does."""
    import numpy as np

    from convcalc.execute import execute

    torch.manual_seed(0)
    model = randomised(model())
    analysis = analyze_text(spec_text_of_module(model, shape))
    state = {key: value.numpy() for key, value in model.state_dict().items()}
    tensors = analysis.tensors()
    weights = {f"{report.name}.{name}": state[f"{report.name}.{name}"].reshape(parameter_shape)
               for report in analysis.layers
               for name, (parameter_shape, _) in report.node.layer.parameter_shapes(report.node.read(tensors)).items()}
    x = np.random.default_rng(0).standard_normal((1, *shape)).astype(np.float32)
    (ours,) = execute(analysis, weights=weights, x=x).network_outputs.values()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


class DependsOnValues(nn.Module):
    def forward(self, x):
        return x if x.sum() > 0 else -x


class TwoInputs(nn.Module):
    def forward(self, x, y):
        return x + y


@pytest.mark.parametrize("model, shape, message", [
    (DependsOnValues(), (3, 8, 8), "torch.fx cannot trace the model: TraceError: symbolically traced variables "
                                   "cannot be used as inputs to control flow"),
    (nn.Sequential(nn.Conv2d(3, 4, 5)), (3, 3, 3), "the model does not run at input 3x3x3: RuntimeError: "),
    (nn.Sequential(nn.Conv2d(3, 4, 5)), (2, 8, 8), "the model does not run at input 2x8x8: RuntimeError: "),
    (TwoInputs(), (3, 8, 8), "the model takes more than one input (y); convcalc specs have one"),
    (nn.Sequential(), (3, 8, 8), "the traced model has no layers"),
])
def test_models_convcalc_cannot_trace(model, shape, message):
    with pytest.raises(ConvcalcError) as error:
        spec_text_of_module(model, shape)
    assert error.value.render().startswith(message)


def test_folded_blocks_give_the_flat_spec_layer_for_layer():
    """The written spec folds repeated runs into blocks (bridges.writer); expanded, it is the flat
    spec: the same layers, names, shapes and figures."""
    model = build("convnext_tiny")
    folded, flat = (analyze_text(spec_text_of_module(model, SMALL, fold=fold)) for fold in (True, False))
    assert "blocks:" in spec_text_of_module(model, SMALL)
    assert [(r.name, r.kind, tuple(r.result.output.dims), r.params, r.result.macs) for r in folded.layers] == \
        [(r.name, r.kind, tuple(r.result.output.dims), r.params, r.result.macs) for r in flat.layers]
