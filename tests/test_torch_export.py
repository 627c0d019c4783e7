"""PyTorch source export (``convcalc export SPEC --to pytorch``): PyTorch itself runs the generated
module and is the judge. Its state_dict must hold exactly convcalc's parameters (names and shapes,
besides batch norm's num_batches_tracked counters), convcalc's seeded weights must load strictly,
its forward must equal the NumPy executor's output, and ``torch_oracle.compare`` (PyTorch's own
per-module shapes, parameter counts and MACs) must find no mismatch."""

from __future__ import annotations

import ast
import json
import re
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402
from conftest import SPECS, analyze_file, analyze_text  # noqa: E402
from torch_oracle import compare  # noqa: E402

from convcalc.bridges.torch_export import module_source  # noqa: E402
from convcalc.cli import main  # noqa: E402
from convcalc.errors import ConvcalcError  # noqa: E402
from convcalc.execute import execute  # noqa: E402
from convcalc.layers import REGISTRY  # noqa: E402
from convcalc.layers.activation import SIMPLE  # noqa: E402


def generated_class(source: str):
    """The nn.Module class that the generated source defines (its last class)."""
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace[re.findall(r"^class (\w+)\(nn\.Module\):", source, re.M)[-1]]


def check_against_executor(analysis, model=None):
    """Keys and shapes of the state_dict are convcalc's; its seeded weights load with strict=True;
    the forward equals the executor's outputs (in convcalc's order). Returns the loaded model."""
    model = (model if model is not None else generated_class(module_source(analysis))()).eval()
    run = execute(analysis, seed=3)
    state = model.state_dict()
    counters = {key for key in state if key.endswith(".num_batches_tracked")}
    assert all(key.removesuffix("num_batches_tracked") + "running_mean" in run.weights for key in counters)
    assert {key: tuple(value.shape) for key, value in state.items() if key not in counters} == \
        {key: array.shape for key, array in run.weights.items()}
    model.load_state_dict({key: torch.from_numpy(array) for key, array in run.weights.items()}, strict=True)
    with torch.no_grad():
        result = model(torch.from_numpy(run.input))
    results = result if isinstance(result, tuple) else (result,)
    outputs = set(analysis.outputs)  # the executor also runs train_only heads: compare what runs in the mode
    expected = [array for key, array in run.network_outputs.items() if key in outputs or key.rpartition(".")[0] in outputs]
    assert len(results) == len(expected)
    for got, want in zip(results, expected):
        assert tuple(got.shape) == want.shape
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(want).max())))
    return model


# shipped specs at small valid inputs; PyTorch's per-module oracle on all but the two slowest to run it
ZOO = [
    ("alexnet", (3, 64, 64), False), ("vgg11_bn", (3, 32, 32), True), ("resnet18", (3, 32, 32), True),
    ("resnet50", (3, 32, 32), True), ("mobilenet_v2", (3, 32, 32), True), ("mobilenet_v3_small", (3, 32, 32), True),
    ("squeezenet1_1", (3, 64, 64), True), ("densenet121", (3, 32, 32), True),
    ("shufflenet_v2_x1_0", (3, 32, 32), True), ("efficientnet_b0", (3, 32, 32), True),
    ("convnext_tiny", (3, 32, 32), True), ("googlenet", (3, 64, 64), True), ("inception_v3", (3, 75, 75), True),
    ("lenet5", None, True), ("regnet_y_400mf", (3, 32, 32), True), ("unet", (1, 188, 188), False),
    ("fcn_resnet50", (3, 32, 32), True), ("deeplabv3_resnet50", (3, 32, 32), True),
    ("lraspp_mobilenet_v3_large", (3, 64, 64), True), ("seed002_cnn", None, True),
]


@pytest.mark.parametrize("name, shape, oracle", ZOO, ids=[name for name, _, _ in ZOO])
def test_shipped_spec_as_pytorch(name, shape, oracle, one_torch_thread):
    analysis = analyze_file(SPECS / f"{name}.yaml", input_shape=shape)
    model = check_against_executor(analysis)
    if oracle:
        assert compare(analysis, model, tuple(analysis.input_tensor.dims)) == []


def test_train_only_layers_built_and_called_as_the_mode_says(one_torch_thread):
    """GoogLeNet's auxiliary heads: in eval built (their weights load) but not called; in train
    mode called, and forward returns the three outputs in convcalc's order."""
    for mode, outputs in (("eval", 1), ("train", 3)):
        analysis = analyze_file(SPECS / "googlenet_aux.yaml", input_shape=(3, 64, 64), mode=mode)
        assert len(analysis.outputs) == outputs
        check_against_executor(analysis)


def test_symbolic_spec_exports_a_module_that_works_at_any_size(one_torch_thread):
    symbolic = analyze_file(SPECS / "resnet18.yaml", input_shape=(3, "H", "W"))
    model = generated_class(module_source(symbolic))()
    for size in (32, 40):
        check_against_executor(analyze_file(SPECS / "resnet18.yaml", input_shape=(3, size, size)), model)


def test_generated_source_reads_as_a_person_writes_it():
    source = module_source(analyze_file(SPECS / "resnet18.yaml"))
    imports = [node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert {alias.name.split(".")[0] for node in imports if isinstance(node, ast.Import) for alias in node.names} | \
        {node.module.split(".")[0] for node in imports if isinstance(node, ast.ImportFrom)} == {"torch"}
    assert source.startswith("# ResNet-18: PyTorch source written by convcalc ")
    assert "self.conv1 = nn.Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)" in source
    assert '"conv1": nn.Conv2d(64, 64, kernel_size=(3, 3), padding=(1, 1), bias=False),' in source
    assert "x = self.conv1(x)" in source and "torch.flatten(x, 1)" in source
    assert "x = x + maxpool" in source  # the residual add as a person writes it


# ----- a battery of small specs, one or more per layer type --------------------------------------
SIZES = {1: [4, 13], 2: [4, 13, 11], 3: [4, 9, 8, 7]}


def _ranked(rank: int) -> list[tuple[str, list, str]]:
    pairs = "[" + ", ".join(["[1, 2]"] * rank) + "]"
    lows = "[" + ", ".join(["[1, 0]"] * rank) + "]"
    wanted = {1: "26", 2: "[26, 22]", 3: "[18, 16, 14]"}[rank]  # within [O_min, O_min + S - 1]
    r = rank
    entries = [
        ("conv_pairs", f"- conv{r}d: {{filters: 6, kernel: 3, stride: 2, padding: {pairs}}}"),
        ("conv_same_stride", f"- conv{r}d: {{filters: 4, kernel: 4, stride: 2, padding: same, groups: 2, bias: false}}"),
        ("conv_full_dilated", f"- conv{r}d: {{filters: 4, kernel: 3, dilation: 2, padding: full}}"),
        ("depthwise", f"- depthwise_conv{r}d: {{kernel: 3, multiplier: 2, padding: same}}"),
        ("separable", f"- separable_conv{r}d: {{filters: 5, kernel: 3, stride: 2, padding: {pairs}}}"),
        ("tconv", f"- conv_transpose{r}d: {{filters: 3, kernel: 3, stride: 2, padding: 1, output_padding: 1}}"),
        ("tconv_pairs", f"- conv_transpose{r}d: {{filters: 4, kernel: 4, stride: 2, padding: {pairs}, groups: 2}}"),
        ("tconv_same", f"- conv_transpose{r}d: {{filters: 2, kernel: 2, stride: 3, padding: same}}"),
        ("tconv_size", f"- conv_transpose{r}d: {{filters: 2, kernel: 3, stride: 2, padding: 1, output_size: {wanted}}}"),
        ("maxpool", f"- maxpool{r}d: {{kernel: 3, stride: 2, padding: 1, ceil_mode: true, dilation: 2}}"),
        ("maxpool_pairs", f"- maxpool{r}d: {{kernel: 3, stride: 2, padding: {lows}}}"),
        ("avgpool", f"- avgpool{r}d: {{kernel: 3, stride: 2, padding: 1, count_include_pad: false, ceil_mode: true}}"),
        ("avgpool_pairs", f"- avgpool{r}d: {{kernel: 2, padding: {lows}}}"),
        ("sumpool", f"- sumpool{r}d: {{kernel: 2, stride: 1, padding: 1}}"),
        ("subsample", f"- subsample{r}d: {{kernel: 2, stride: 1, padding: 1}}"),
        ("lppool", f"- lppool{r}d: {{kernel: 2, p: 2, padding: 1}}"),
        ("lppool_inf", f"- lppool{r}d: {{kernel: 3, stride: 2, p: .inf}}"),
        ("global", f"- global_avgpool{r}d: {{name: mean, keepdims: true}}\n- global_maxpool{r}d: {{inputs: [input]}}\n"
                   f"- relu: {{name: positive, inputs: [input]}}\n- global_lppool{r}d: {{p: 3, keepdims: true}}"),
        ("adaptive", f"- adaptive_avgpool{r}d: {{output_size: 3}}\n- adaptive_maxpool{r}d: {{output_size: 2}}"),
        ("batchnorm", f"- batchnorm{r}d: {{eps: 0.001, momentum: 0.5}}"),
        ("zeropad_crop", f"- zeropad{r}d: {{padding: {pairs}}}\n- crop{r}d: {{cropping: {lows}}}"),
        ("center_crop", f"- conv{r}d: {{name: small, filters: 4, kernel: 3}}\n- center_crop{r}d: {{inputs: [input, small]}}"),
        ("upsample", f"- upsample{r}d: {{scale: 2}}\n- upsample{r}d: {{scale: '3/2', mode: bilinear}}\n"
                     f"- upsample{r}d: {{size: 5, mode: bilinear}}\n- upsample{r}d: {{scale: 2, mode: zeros}}\n"
                     f"- upsample{r}d: {{size: 7, mode: bilinear, align_corners: true}}\n"
                     f"- upsample{r}d: {{size: reference, inputs: [input, upsample1]}}\n"
                     f"- upsample{r}d: {{size: reference, mode: bilinear, inputs: [upsample2, input]}}"),
        ("unpool", f"- maxpool{r}d: {{name: pool, kernel: 2, stride: 2}}\n"
                   f"- maxunpool{r}d: {{kernel: 2, inputs: [pool, input]}}"),
    ]
    return [(f"{name}{rank}d", SIZES[rank], layers) for name, layers in entries]


BATTERY = [entry for rank in (1, 2, 3) for entry in _ranked(rank)] + [
    ("norms", SIZES[2], "- layernorm: {eps: 1.0e-6}\n- layernorm: {over: channels}\n"
                        "- layernorm: {over: last_axis, affine: false}\n- groupnorm: {groups: 2, eps: 0.01}\n"
                        "- lrn: {size: 3, alpha: 0.01, beta: 0.5, k: 2.0}"),
    ("activations", SIZES[2], "\n".join(f"- {kind}" for kind in SIMPLE) + "\n- leaky_relu: {negative_slope: 0.2}\n"
                              "- prelu: {per_channel: true}\n- prelu\n- elu: {alpha: 0.5}\n- softmax\n- log_softmax"),
    ("mlp", [20], "- dense: {units: 8}\n- relu\n- batchnorm1d\n- dense: {units: 3}\n- softmax"),
    ("classifier", SIZES[2], "- flatten\n- batchnorm1d\n- dropout: {rate: 0.3}\n- dense: {units: 7}\n"
                             "- dense: {units: 3, bias: false}"),
    ("partial_flatten", SIZES[2], "- flatten: {start_axis: 1}\n- dense: {units: 5, over: last_axis}"),
    ("merges", SIZES[2], "- conv2d: {name: a, filters: 4, kernel: 1}\n- conv2d: {name: b, filters: 4, kernel: 1, "
                         "inputs: [input]}\n- add: {name: sum, inputs: [a, b, input]}\n"
                         "- global_avgpool2d: {name: gate, keepdims: true}\n- multiply: {inputs: [sum, gate, a]}\n"
                         "- concat: {inputs: [multiply1, input]}\n- concat: {inputs: [input, input], axis: 2}\n"
                         "- subtract: {name: less, inputs: [a, b]}\n- sigmoid: {name: positive}\n"
                         "- divide: {inputs: [less, positive]}"),
    ("splits", SIZES[2], "- split: {name: halves, chunks: 2}\n- add: {inputs: [halves.0, halves.1]}\n"
                         "- split: {inputs: [input], axis: -1, sizes: [5, 6]}"),
    ("moves", SIZES[2], "- slice: {axis: 1, start: 1, end: -2, step: 2}\n- channel_shuffle: {groups: 2}\n"
                        "- reshape: {shape: [2, -1, 5]}\n- permute: {dims: [1, 2, 0]}\n"
                        "- transpose: {dim0: 0, dim1: -1}\n- identity"),
    ("reductions", SIZES[2], "- reduce: {name: peak, op: max, axes: [0, 2], keepdim: true}\n"
                             "- reduce: {inputs: [input], op: sum, axes: [0, 1, 2]}\n"
                             "- reduce: {inputs: [input], axes: -1}"),
    ("residual_extras", SIZES[2], "- layer_scale\n- stochastic_depth: {p: 0.2}"),
]


def battery_analysis(layers: str, sizes: list, layout: str = "chw"):
    body = "\n".join("  " + line for line in layers.split("\n"))
    return analyze_text(f"name: battery\ninput: {sizes}\nlayout: {layout}\nlayers:\n{body}\n")


@pytest.mark.parametrize("name, sizes, layers", BATTERY, ids=[name for name, _, _ in BATTERY])
def test_layer_type_as_pytorch(name, sizes, layers, one_torch_thread):
    analysis = battery_analysis(layers, sizes)
    assert not analysis.errors, [finding.render() for finding in analysis.errors]
    check_against_executor(analysis)


def test_every_layer_type_is_in_the_battery():
    kinds = {report.kind for _, sizes, layers in BATTERY for report in battery_analysis(layers, sizes).layers}
    # the graph layers (issue 17) are PyTorch Geometric's, not torch's: refused with the exporter's
    # one-line message (tests/test_graph_conv.py)
    graph_types = {kind for kind in REGISTRY if REGISTRY[kind].__module__ == "convcalc.layers.graph_conv"}
    assert kinds == set(REGISTRY) - graph_types and len(graph_types) == 9


def test_hwc_spec_exports_channels_first_and_flattens_in_its_order(one_torch_thread):
    analysis = battery_analysis("- conv2d: {filters: 3, kernel: 2}\n- flatten\n- dense: {units: 4}", [5, 4, 2], "hwc")
    source = module_source(analysis)
    assert "torch.flatten(x.movedim(1, -1), 1)" in source and "Input (N, 2, 5, 4) channels first (the spec is hwc)" in source
    check_against_executor(analysis)


@pytest.mark.parametrize("layers, sizes, reason", [
    ("- conv2d: {filters: 2, kernel: 3}\n- flatten\n- dense: {units: 4}", [3, "H", "W"], "torch_size_symbolic"),
    ("- conv2d: {filters: 2, kernel: 3, stride: 2, padding: same}", [3, "H", "W"], "torch_same_symbolic"),
    ("- avgpool2d: {kernel: 3, dilation: 2}", SIZES[2], "torch_no_dilation"),
    ("- avgpool2d: {kernel: 2, padding: [[1, 0], [0, 0]], count_include_pad: false}", SIZES[2], "torch_pad_excluded"),
    ("- lppool1d: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}", SIZES[1], "torch_ceil_padding"),
    ("- conv2d: {filters: 2, kernel: 1, connections: [[0], [0, 1]]}", SIZES[2], "torch_connection_table"),
    ("- maxpool2d: {name: pool, kernel: 2, padding: [[1, 0], [0, 0]]}\n- maxunpool2d: {kernel: 2, padding: [[1, 0], [0, 0]], "
     "inputs: [pool, input]}", SIZES[2], "torch_unpool_padding"),
])
def test_layers_without_a_pytorch_equivalent_are_refused_by_name(layers, sizes, reason):
    analysis = battery_analysis(layers, sizes)
    with pytest.raises(ConvcalcError) as caught:
        module_source(analysis)
    assert caught.value.key == "torch_export_refused" and caught.value.params["reason"].key == reason
    assert caught.value.params["layer"] in caught.value.render() and "inline.yaml:" in caught.value.render()


@pytest.mark.parametrize("first, second", [("a", "a.b"), ("a.b", "a")])
def test_a_name_that_is_also_a_prefix_is_refused(first, second):
    analysis = battery_analysis(f"- conv2d: {{name: {first}, filters: 2, kernel: 1}}\n"
                                f"- conv2d: {{name: {second}, filters: 2, kernel: 1}}", SIZES[2])
    with pytest.raises(ConvcalcError) as caught:
        module_source(analysis)
    assert caught.value.key == "torch_export_prefix" and "layer a: other layers' names start with 'a.'" in \
        caught.value.render()


def test_a_layer_type_without_the_hook_is_refused_by_name(monkeypatch):
    from convcalc.layers import conv

    monkeypatch.delattr(conv.Conv, "to_torch")
    with pytest.raises(ConvcalcError) as caught:
        module_source(battery_analysis("- conv2d: {name: stem, filters: 2, kernel: 1}", SIZES[2]))
    assert caught.value.render() == "inline.yaml:5:5: layer stem: convcalc cannot write a conv2d layer as PyTorch source"


def test_an_inconsistent_network_is_refused():
    with pytest.raises(ConvcalcError) as caught:
        module_source(battery_analysis("- conv2d: {filters: 2, kernel: 30}", SIZES[2]))
    assert caught.value.key == "torch_export_inconsistent"


@pytest.mark.parametrize("name", ["forward", "head.keys", "training"])
def test_a_name_pytorch_modules_use_is_refused(name):
    analysis = battery_analysis(f"- conv2d: {{name: {name}, filters: 2, kernel: 1}}", SIZES[2])
    with pytest.raises(ConvcalcError) as caught:
        module_source(analysis)
    assert caught.value.key == "torch_export_reserved" and name.split(".")[-1] in caught.value.render()


def test_names_that_are_no_python_attribute(one_torch_thread):
    """nn.Sequential's names (0, 1) and dashes: add_module and getattr at the top, ModuleDict keys below."""
    analysis = battery_analysis("- conv2d: {name: '0', filters: 2, kernel: 1}\n- relu: {name: conv-1}\n"
                                "- conv2d: {name: 'for.1', filters: 3, kernel: 1}\n- add: {name: x, inputs: ['0', '0']}",
                                SIZES[2])
    source = module_source(analysis)
    assert 'self.add_module("0", nn.Conv2d(4, 2, kernel_size=(1, 1)))' in source
    assert 'getattr(self, "for")["1"]' in source and 'getattr(self, "conv-1")' in source
    check_against_executor(analysis)


def test_same_padding_stride_one_stays_symbolic(one_torch_thread):
    """PyTorch's padding='same' (stride 1 only) puts the odd pixel after, as convcalc does."""
    source = module_source(battery_analysis("- conv2d: {filters: 2, kernel: 4, padding: same}", [3, "H", "W"]))
    assert "nn.Conv2d(3, 2, kernel_size=(4, 4), padding='same')" in source
    check_against_executor(battery_analysis("- conv2d: {filters: 2, kernel: 4, padding: same}", [3, 9, 8]),
                           generated_class(source)())


def test_without_torch_the_export_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now fails, as where it is not installed
    with pytest.raises(ConvcalcError) as caught:
        module_source(analyze_file(SPECS / "lenet5.yaml"))
    assert caught.value.key == "needs_extra" and "pip install 'convcalc[torch]'" in caught.value.render()


# ----- through the command line ------------------------------------------------------------------
def test_export_command_writes_new_files_only(tmp_path, one_torch_thread):
    target = tmp_path / "model.py"
    runner = CliRunner()
    first = runner.invoke(main, ["export", "lenet5", "--to", "pytorch", "-o", str(target)])
    assert first.exit_code == 0, first.output
    written = target.read_text()
    again = runner.invoke(main, ["export", "lenet5", "--to", "pytorch", "-o", str(target)])
    assert again.exit_code == 2 and "Traceback" not in again.output and target.read_text() == written
    forced = runner.invoke(main, ["export", "squeezenet1_1", "--to", "pytorch", "-o", str(target), "--force",
                                  "--input", "3x64x64"])
    assert forced.exit_code == 0 and "SqueezeNet" in target.read_text().split("\n")[0]
    check_against_executor(analyze_file(SPECS / "squeezenet1_1.yaml", input_shape=(3, 64, 64)),
                           generated_class(target.read_text())())


def test_export_command_refusal_is_one_line(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("name: net\ninput: [3, H, W]\nlayers:\n  - conv2d: {filters: 2, kernel: 3}\n  - flatten\n"
                    "  - dense: {name: head, units: 4}\n")
    result = CliRunner().invoke(main, ["export", str(spec), "--to", "pytorch", "-o", str(tmp_path / "m.py"),
                                       "--lang", "es"])
    assert result.exit_code == 2 and not (tmp_path / "m.py").exists()
    lines = result.output.strip().split("\n")
    assert len(lines) == 1 and "head" in lines[0] and "in_features" in lines[0] and "simbólicos" in lines[0]


def test_run_with_the_generated_modules_state_dict_gives_torchs_output(tmp_path, one_torch_thread):
    spec = tmp_path / "net.yaml"
    spec.write_text("name: net\ninput: [3, 12, 12]\nlayers:\n  - conv2d: {name: stem.conv, filters: 4, kernel: 3, "
                    "padding: [[0, 1], [1, 0]]}\n  - batchnorm2d: {name: stem.bn}\n  - relu\n"
                    "  - maxpool2d: {kernel: 2}\n  - flatten\n  - dense: {name: head.fc, units: 5}\n")
    target = tmp_path / "model.py"
    assert CliRunner().invoke(main, ["export", str(spec), "--to", "pytorch", "-o", str(target)]).exit_code == 0
    torch.manual_seed(0)
    model = generated_class(target.read_text())()
    with torch.no_grad():  # running statistics away from PyTorch's 0 and 1, so that a wrong one shows
        model.stem["bn"].running_mean.uniform_(-0.5, 0.5)
        model.stem["bn"].running_var.uniform_(0.5, 2.0)
    model.eval()
    x = torch.randn(1, 3, 12, 12)
    with torch.no_grad():
        expected = model(x).numpy()
    np.savez(tmp_path / "w.npz", **{key: value.numpy() for key, value in model.state_dict().items()})
    np.save(tmp_path / "x.npy", x.numpy())
    result = CliRunner().invoke(main, ["run", str(spec), "--weights", str(tmp_path / "w.npz"),
                                       "--input", str(tmp_path / "x.npy"), "--format", "json"])
    assert result.exit_code == 0, result.output
    (output,) = json.loads(result.output)["outputs"].values()
    np.testing.assert_allclose(np.array(output["values"]), expected, rtol=1e-4, atol=1e-6)
