"""ONNX round trips: every shipped spec exported to ONNX (convcalc.bridges.onnx_export) and imported
back (convcalc.bridges.onnx_import) is the same analysis, layer for layer that runs: name, type,
inputs, shape, parameters, MACs and FLOPs, and the totals. And torchvision's networks exported by
torch.onnx.export and imported are the shipped specs of the same networks: the same shapes,
parameters and MACs per layer that holds weights or computes, the same totals.

The expected figures are the shipped spec's own analysis (itself held against PyTorch by the
oracle tests), never the importer's. Types come back exactly: where two convcalc types compute the
same (adaptive_avgpool2d(1) and global_avgpool2d, stochastic_depth and identity), the exporter marks
each node with its type (NodeProto metadata ``convcalc.type``) and the importer takes the marked
type among the claims of equal length; a file from another tool gets the first in registry order.

Layers that do not run (train_only heads in eval mode: GoogLeNet's and Inception v3's auxiliary
classifiers) have no nodes: an ONNX graph is what runs. Their parameters stay in the file as
initializers no node reads (so ``run --weights`` and the file share a checkpoint), and the import,
which reads the graph, does not count them.
"""

from __future__ import annotations


import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text, one_spec
from convcalc.cli import main

onnx = pytest.importorskip("onnx")

from convcalc.bridges.onnx_export import model as onnx_model, onnx_bytes  # noqa: E402
from convcalc.bridges.onnx_import import TYPE_KEY, spec_text_of_model  # noqa: E402

# graph convolutions (gcn_cora, gat_cora, chebnet_cora) have no ONNX form: their export is refused
# in one line (tests/test_graph_conv.py); LeNet-5 as published has C3's connection table, which ONNX's
# Conv cannot express (refused by name: tests/test_lenet5_original.py)
NO_ONNX_FORM = {"gcn_cora.yaml", "gat_cora.yaml", "chebnet_cora.yaml", "lenet5_original.yaml"}
SHIPPED = sorted(path for path in [*SPECS.glob("*.yaml"), *(SPECS / "examples").glob("*.yaml")]
                 if path.name not in NO_ONNX_FORM)


SMALL = 1 << 16  # elements: a parameter up to this size is written with its (zero) values


def shape_only(analysis):
    """The exported model with each large parameter an initializer of its shape whose data is in
    an external file that is never read (the importer reads only shapes, load_external_data=False),
    the small ones zeros (a per-channel scale the graph reshapes is folded with its values): no
    weights drawn, so VGG's 138 M parameters cost nothing."""
    proto = onnx_model(analysis, weights={})
    tensors = analysis.tensors()
    for report in analysis.layers:
        for parameter, (shape, _) in report.node.layer.parameter_shapes(report.node.read(tensors)).items():
            dims = [int(size) for size in shape]
            name = f"{report.name}.{parameter}"
            if np.prod(dims) <= SMALL:
                proto.graph.initializer.append(onnx.numpy_helper.from_array(np.zeros(dims, np.float32), name))
                continue
            tensor = onnx.TensorProto(name=name, data_type=onnx.TensorProto.FLOAT, dims=dims)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            tensor.external_data.add(key="location", value="never-read.bin")
            proto.graph.initializer.append(tensor)
    return proto


def figures(analysis):
    """Per layer that runs: what the round trip keeps; and the totals over those layers."""
    rows = [(report.name, report.kind, tuple(report.inputs), tuple(str(size) for size in report.shape),
             str(report.result.trainable), str(report.result.non_trainable), str(report.result.macs),
             str(report.result.flops)) for report in analysis.layers if report.runs]
    running = [report for report in analysis.layers if report.runs]
    totals = (str(sum(report.result.trainable for report in running)),
              str(sum(report.result.non_trainable for report in running)),
              str(analysis.totals.macs), str(analysis.totals.flops))
    return rows, totals


def round_trip(analysis, proto):
    text = spec_text_of_model(proto, f"{analysis.spec.name}.onnx")
    return analyze_text(text), text


# At whole sizes a centre crop is written with constant bounds (ONNX shape inference sizes a Slice
# by constants only), which is a crop: its reference's Shape is in the file at symbolic sizes.
SYMBOLIC = {"unet.yaml": (1, "H", "W")}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: str(path.relative_to(SPECS)))
def test_every_shipped_spec_comes_back_from_onnx(path):
    analysis = analyze_file(path, input_shape=SYMBOLIC.get(path.name))
    back, text = round_trip(analysis, shape_only(analysis))
    assert not back.errors
    expected, got = figures(analysis), figures(back)
    assert [row for row in got[0] if row not in expected[0]] == []  # the first rows that differ, shown
    assert got == expected
    assert back.spec.layout == analysis.spec.layout
    skipped = [report for report in analysis.layers if not report.runs]
    assert len(back.layers) == len(analysis.layers) - len(skipped)


def test_train_only_parameters_stay_in_the_file_unread(tmp_path):
    """googlenet_aux at a small input: the real export (drawn weights, checked by onnx's checker)
    holds the aux heads' parameters as initializers no node reads; the import counts only the
    rest, which are the parameters of the layers that run."""
    analysis = analyze_file(SPECS / "googlenet_aux.yaml", input_shape=(3, 96, 96))
    proto = onnx.load_from_string(onnx_bytes(analysis))
    read = {name for node in proto.graph.node for name in node.input}
    unread = sum(int(np.prod(init.dims)) for init in proto.graph.initializer if init.name not in read)
    aux = sum(report.result.trainable + report.result.non_trainable for report in analysis.layers if not report.runs)
    assert aux > 0 and unread == aux
    back, _ = round_trip(analysis, proto)
    assert back.totals.trainable + back.totals.non_trainable == \
        analysis.totals.trainable + analysis.totals.non_trainable - aux


def test_nodes_carry_their_type_and_other_files_get_the_plain_one():
    """The mark decides only between claims that compute the same: without it (a file from
    another tool) adaptive_avgpool2d(1) comes back as global_avgpool2d, stochastic depth as the
    identity; with a mark naming a type that cannot claim the node, the node keeps its own."""
    analysis = analyze_text("""
        name: marks
        input: [3, 8, 8]
        layers:
          - conv2d: {name: conv, filters: 4, kernel: 3}
          - stochastic_depth: {name: drop, p: 0.2}
          - adaptive_avgpool2d: {name: pool, output_size: 1}
    """)
    proto = shape_only(analysis)
    marks = {node.name: {entry.key: entry.value for entry in node.metadata_props} for node in proto.graph.node}
    assert marks["pool"] == {TYPE_KEY: "adaptive_avgpool2d"} and marks["drop"] == {TYPE_KEY: "stochastic_depth"}
    back, _ = round_trip(analysis, proto)
    assert [report.kind for report in back.layers] == ["conv2d", "stochastic_depth", "adaptive_avgpool2d"]
    for node in proto.graph.node:
        del node.metadata_props[:]
    back, _ = round_trip(analysis, proto)
    assert [report.kind for report in back.layers] == ["conv2d", "identity", "global_avgpool2d"]
    for node in proto.graph.node:
        if node.name == "conv":
            onnx.helper.set_metadata_props(node, {TYPE_KEY: "global_avgpool2d"})
    back, _ = round_trip(analysis, proto)
    assert back.layers[0].kind == "conv2d"


def test_a_centre_crop_at_whole_sizes_comes_back_as_the_same_crop():
    """floor((12 - 8)/2) = 2 before, 12 - 2 - 8 = 2 after on H; floor((10 - 7)/2) = 1 and 2 on W."""
    analysis = analyze_text("""
        name: crops
        input: [2, 12, 10]
        layers:
          - conv2d: {name: small, filters: 2, kernel: [5, 4]}
          - center_crop2d: {name: crop, inputs: [input, small]}
    """)
    back, text = round_trip(analysis, shape_only(analysis))
    assert "crop2d: {name: crop, inputs: [input], cropping: [[2, 2], [1, 2]]}" in text
    assert back.layers[-1].shape == analysis.layers[-1].shape == (2, 8, 7)


@pytest.mark.parametrize("name", ["examples/shufflenet_unit", "seed002_cnn", "lenet5", "lraspp_mobilenet_v3_large"])
def test_cli_export_then_analyze_the_onnx_file(name, tmp_path):
    """`convcalc export X --to onnx -o m.onnx` then `convcalc analyze m.onnx --format json`: the
    same layers as `convcalc analyze X --format json` (channel shuffle, an hwc spec, upsampling to
    a reference's size)."""
    runner = CliRunner()
    spec = str(SPECS / f"{name}.yaml")
    extra = ["--input", "3x64x64"] if name.startswith("lraspp") else []  # small: its weights are drawn
    path = tmp_path / "m.onnx"
    result = runner.invoke(main, ["export", spec, "--to", "onnx", "-o", str(path), *extra])
    assert result.exit_code == 0, result.output
    original = runner.invoke(main, ["analyze", spec, "--format", "json", *extra])
    imported = runner.invoke(main, ["analyze", str(path), "--format", "json"])
    assert original.exit_code == 0 and imported.exit_code == 0, imported.output
    keys = ("name", "type", "inputs", "output_shape", "trainable_params", "non_trainable_params", "macs", "flops")
    rows = [[{key: layer[key] for key in keys} for layer in one_spec(result.output)["layers"]]
            for result in (original, imported)]
    assert rows[1] == rows[0]
    assert one_spec(imported.output)["layout"] == one_spec(original.output)["layout"]


# ----- torchvision's own exports ---------------------------------------------------------------
TORCHVISION = [("resnet18", 64), ("mobilenet_v2", 64), ("efficientnet_b0", 64), ("mobilenet_v3_small", 64),
               ("densenet121", 64), ("squeezenet1_1", 64), ("shufflenet_v2_x1_0", 64)]


# (the shipped spec's type, the import's) for the same computation where torch's file does not
# say which: adaptive average pooling to one bin is global average pooling (keepdims); DenseNet's
# first layer of a block concatenates one tensor, which is the identity.
SAME_COMPUTATION = {("adaptive_avgpool2d", "global_avgpool2d"), ("concat", "identity")}


def costly(analysis):
    """name -> (shape, parameters, MACs) of each layer holding weights or computing MACs."""
    return {report.name: (tuple(str(size) for size in report.shape),
                          str(report.result.trainable + report.result.non_trainable), str(report.result.macs))
            for report in analysis.layers if report.runs and (report.result.macs != 0 or report.result.trainable
                                                              or report.result.non_trainable)}


@pytest.mark.parametrize("builder, size", TORCHVISION)
def test_torchvision_exports_are_the_shipped_specs(builder, size, tmp_path, one_torch_thread):
    """torch.onnx.export (TorchScript, BatchNorm kept) of the torchvision model, imported, against
    the shipped spec analysed at the same input. The layers that cost something line up by name
    (the module paths, which both use), with their shapes; layers that cost nothing may differ in
    number and place (torch writes no node for Dropout or StochasticDepth in eval mode, its flatten
    after a keepdims pool is a node of its own where a spec may pool flat, DenseNet's concatenation
    comes at the start of each dense layer in torchvision's code and at the end in the spec)."""
    torch = pytest.importorskip("torch")
    from tests.torchvision_oracle import build

    path = tmp_path / f"{builder}.onnx"
    torch.onnx.export(build(builder), torch.zeros(1, 3, size, size), str(path), dynamo=False,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    imported = analyze_text(spec_text_of_model(onnx.load(str(path), load_external_data=False), str(path)))
    shipped = analyze_file(SPECS / f"{builder}.yaml", input_shape=(3, size, size))
    assert not imported.errors and not shipped.errors
    assert costly(imported) == costly(shipped)
    kinds = {report.name: report.kind for report in shipped.layers}
    differ = {(kinds[report.name], report.kind) for report in imported.layers
              if report.name in kinds and report.kind != kinds[report.name]}
    assert differ <= SAME_COMPUTATION  # silu (Sigmoid, Mul), hardswish, channel_shuffle come back as such
    assert [report.shape for report in imported.layers if report.name in imported.outputs] == \
        [report.shape for report in shipped.layers if report.name in shipped.outputs]
    for total in ("trainable", "non_trainable", "macs"):
        assert getattr(imported.totals, total) == getattr(shipped.totals, total), total


def gated_model(gate, product_inputs, **attributes):
    """x (1, 2, 4, 4) -> gate -> Mul(product_inputs); 'x2' is x + x, another tensor."""
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Add", ["x", "x"], ["x2"], name="twice"),
             helper.make_node(gate, ["x"], ["g"], name="gate", **attributes),
             helper.make_node("Mul", product_inputs, ["y"], name="product")]
    graph = helper.make_graph(nodes, "gated", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])


@pytest.mark.parametrize("gate, product_inputs, attributes, kinds", [
    ("Sigmoid", ["x", "g"], {}, ["add", "silu"]),
    ("Sigmoid", ["g", "x"], {}, ["add", "silu"]),
    ("Sigmoid", ["x2", "g"], {}, ["add", "sigmoid", "multiply"]),  # x2 * sigmoid(x): not x * sigmoid(x)
    ("HardSigmoid", ["x", "g"], {"alpha": 1 / 6, "beta": 0.5}, ["add", "hardswish"]),  # x * relu6(x + 3)/6
    ("HardSigmoid", ["x", "g"], {}, None),  # ONNX's default alpha 0.2: neither torch's hardsigmoid nor a hardswish
])
def test_gated_activations_fold_only_when_exact(gate, product_inputs, attributes, kinds):
    from convcalc.errors import ConvcalcError

    proto = gated_model(gate, product_inputs, **attributes)
    if kinds is None:
        with pytest.raises(ConvcalcError):
            spec_text_of_model(proto, "gated.onnx")
        return
    assert [report.kind for report in analyze_text(spec_text_of_model(proto, "gated.onnx")).layers] == kinds
