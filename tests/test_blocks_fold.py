"""Blocks found in flat layer lists (convcalc.bridges.blocks): every shipped spec, expanded to the
flat list an importer would give (full names, types, fields, inputs), folds back into blocks whose
expansion is the same network, layer by layer."""

from __future__ import annotations


import pytest

from convcalc.analysis import Options
from convcalc.pipeline import analyze_document
from convcalc.bridges.blocks import fold_blocks
from convcalc.bridges.writer import spec_yaml
from convcalc.graph import build_graph
from convcalc.loading import load_document, load_file
from convcalc.spec import parse_spec

from conftest import SPECS, one_spec

SHIPPED = sorted(SPECS.glob("*.yaml"))


def _plain(value):
    """A validated field value as a spec writes it: lists for tuples, plain floats."""
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, float):
        return float(value)
    return value


def flat_entries(path):
    """(input shape channels first, flat entries) of a spec: every node of its graph as one entry
    with its full name, type, the fields its spec set and the names it reads."""
    document = load_file(path)
    spec = parse_spec(document)
    graph = build_graph(spec, document)
    entries = []
    for node in graph.nodes:
        body = {"name": node.name, "inputs": node.references,
                **{key: _plain(getattr(node.layer, key)) for key in type(node.layer).model_fields
                   if key in node.layer.model_fields_set}}
        if node.train_only:
            body["train_only"] = True
        if node.weights is not None:
            body["weights"] = node.weights
        entries.append({node.layer.kind: body})
    shape = list(spec.input)
    if spec.layout == "hwc":
        shape = shape[-1:] + shape[:-1]
    return spec, shape, entries


def analysed(text):
    document = load_document(text, "folded.yaml")
    spec = parse_spec(document)
    return build_graph(spec, document), analyze_document(document, spec, Options())


def figures(analysis):
    """Per layer what must survive folding: name, type, channels-first shapes, parameters, MACs."""
    return [(report.name, report.kind, report.result.shapes if report.result.outputs else report.result.output.dims,
             report.result.trainable, report.result.non_trainable, report.result.macs, report.runs)
            for report in analysis.layers]


def texts(path):
    spec, shape, entries = flat_entries(path)
    flat = spec_yaml(spec.name, path.name, shape, entries, fold=False)
    folded = spec_yaml(spec.name, path.name, shape, entries)
    if spec.graph is not None:  # a graph network's edges (issue 17) are the spec's, not a layer's: kept as written
        flat, folded = (text.replace("\nlayers:", f"\ngraph: {{edges: {spec.graph.edges}}}\nlayers:", 1)
                        for text in (flat, folded))
    return flat, folded


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_folded_spec_expands_to_the_flat_network(path):
    flat, folded = texts(path)
    flat_graph, flat_analysis = analysed(flat)
    folded_graph, folded_analysis = analysed(folded)
    assert [(node.name, node.layer, node.sources, node.train_only) for node in folded_graph.nodes] == \
        [(node.name, node.layer, node.sources, node.train_only) for node in flat_graph.nodes]
    assert figures(folded_analysis) == figures(flat_analysis)
    assert folded_analysis.totals == flat_analysis.totals
    assert not folded_analysis.errors
    original = analyze_document(load_file(path), parse_spec(load_file(path)), Options())
    assert [(report.name, report.kind, report.params, report.result.macs) for report in folded_analysis.layers] == \
        [(report.name, report.kind, report.params, report.result.macs) for report in original.layers]
    assert (folded_analysis.totals.params, folded_analysis.totals.macs) == \
        (original.totals.params, original.totals.macs)


def test_resnet50_folds_to_a_fraction_of_its_flat_text():
    """ResNet-50's 175 layers: 16 bottlenecks (4 with a projection shortcut) of 10 or 12 layers."""
    flat, folded = texts(SPECS / "resnet50.yaml")
    assert len(flat.splitlines()) >= 3.5 * len(folded.splitlines())  # 179 and 48 lines


def test_resnet50_blocks_are_its_two_bottlenecks():
    """The first bottleneck of each stage (projection shortcut, stride on conv2 after the first
    stage) and the 12 others; the others of a stage are one repeat entry, as torchvision numbers them."""
    _, _, entries = flat_entries(SPECS / "resnet50.yaml")
    blocks, layers = fold_blocks(entries)
    assert list(blocks) == ["layer1_0", "layer1_1"]
    assert [next(iter(layer.values())).get("name") for layer in layers] == [
        "conv1", "bn1", "relu", "maxpool", "layer1.0", "layer1", "layer2.0", "layer2", "layer3.0", "layer3",
        "layer4.0", "layer4", "avgpool", "flatten", "fc"]
    assert layers[5] == {"layer1_1": {"name": "layer1", "repeat": 2, "index_from": 1, "filters": 64,
                                      "conv3_filters": 256}}
    assert blocks["layer1_0"]["params"] == {"filters": None, "stride": None, "conv3_filters": None}
    assert blocks["layer1_0"]["layers"][8] == {"conv2d": {"name": "downsample.0", "inputs": ["input"],
                                                          "filters": "$conv3_filters", "kernel": [1, 1],
                                                          "stride": "$stride", "bias": False}}


def _conv(name, filters=8, **more):
    return {"conv2d": {"name": name, "filters": filters, "kernel": 3, **more}}


def assert_same_network(layers):
    """The folded text of ``layers`` builds the graph the flat text builds (graph.py expanding the blocks)."""
    flat_graph, flat_analysis = analysed(spec_yaml("n", "n.onnx", [8, 12, 12], layers, fold=False))
    folded_graph, folded_analysis = analysed(spec_yaml("n", "n.onnx", [8, 12, 12], layers))
    assert [(node.name, node.layer, node.sources) for node in folded_graph.nodes] == \
        [(node.name, node.layer, node.sources) for node in flat_graph.nodes]
    assert figures(folded_analysis) == figures(flat_analysis) and not flat_analysis.errors


def _stage(prefix, reads, filters=8, **more):
    """conv (``filters``, ``more``), relu, conv back to 8 channels and the stage's input added:
    a residual stage reading ``reads``."""
    return [_conv(f"{prefix}.a", filters, padding=1, **more), {"relu": {"name": f"{prefix}.b"}},
            _conv(f"{prefix}.c", 8, padding=1), {"add": {"name": f"{prefix}.add", "inputs": [f"{prefix}.c", reads]}}]


def _stages(count, per_stage=None):
    """A stem and ``count`` residual stages s.0, s.1, ... (``per_stage``: stage number -> fields)."""
    layers = [_conv("stem")]
    for number in range(count):
        reads = f"s.{number - 1}.add" if number else "stem"
        layers += _stage(f"s.{number}", reads, **(per_stage or {}).get(number, {}))
    return layers


def _reading(layers, name, inputs):
    """``layers`` with the layer ``name`` reading ``inputs``."""
    return [{kind: {**body, "inputs": inputs}} if body["name"] == name else {kind: body}
            for kind, body in (next(iter(entry.items())) for entry in layers)]


def _names(layers):
    return [next(iter(entry.values()))["name"] for entry in layers]


def test_the_block_input_read_inside_is_input():
    layers = _stages(4)
    blocks, folded = fold_blocks(layers)
    assert blocks == {"s_0": {"params": {}, "layers": [
        {"conv2d": {"name": "a", "filters": 8, "kernel": 3, "padding": 1}}, {"relu": {"name": "b"}},
        {"conv2d": {"name": "c", "filters": 8, "kernel": 3, "padding": 1}},
        {"add": {"name": "add", "inputs": ["c", "input"]}}]}}
    assert folded == [_conv("stem"), {"s_0": {"name": "s", "repeat": 4}}]
    assert_same_network(layers)


def test_a_layer_inside_reading_outside_other_than_the_block_input_forbids_the_block():
    layers = _reading(_stages(4), "s.1.add", ["s.1.c", "stem"])  # stem: not s.1's input
    blocks, folded = fold_blocks(layers)
    assert _names(folded) == ["stem", "s.0", "s.1.a", "s.1.b", "s.1.c", "s.1.add", "s"]
    assert folded[5] == {"add": {"name": "s.1.add", "inputs": ["s.1.c", "stem"]}}
    assert folded[6] == {"s_0": {"name": "s", "repeat": 2, "index_from": 2}}  # s.2 and s.3, copies again
    assert_same_network(layers)


def test_differing_fields_become_parameters_and_defaults_are_written_out():
    """s.1 writes no ``bias`` (conv2d's default, true) where the others write false; s.2 has more filters."""
    layers = _stages(4, {0: {"bias": False}, 2: {"filters": 16, "bias": False}, 3: {"bias": False}})
    blocks, folded = fold_blocks(layers)
    (name, block), = blocks.items()
    assert block["params"] == {"filters": None, "bias": None}
    assert block["layers"][0] == {"conv2d": {"name": "a", "filters": "$filters", "kernel": 3, "padding": 1,
                                             "bias": "$bias"}}
    assert block["layers"][2] == {"conv2d": {"name": "c", "filters": 8, "kernel": 3, "padding": 1}}
    assert [next(iter(entry.values())) for entry in folded[1:]] == [
        {"name": "s.0", "filters": 8, "bias": False}, {"name": "s.1", "filters": 8, "bias": True},
        {"name": "s.2", "filters": 16, "bias": False}, {"name": "s.3", "filters": 8, "bias": False}]
    assert_same_network(layers)


def test_a_layer_read_from_outside_the_block_other_than_its_last_forbids_the_block():
    layers = _stages(4) + [{"add": {"name": "head", "inputs": ["s.3.add", "s.1.b"]}}]
    blocks, folded = fold_blocks(layers)
    assert _names(folded) == ["stem", "s.0", "s.1.a", "s.1.b", "s.1.c", "s.1.add", "s", "head"]
    assert folded[-1] == {"add": {"name": "head", "inputs": ["s.3", "s.1.b"]}}  # s.3 stands for s.3.add
    assert_same_network(layers)


def test_uses_that_do_not_read_the_one_before_are_not_copies():
    """s.2 reads the stem, not s.1: one repeat of s.0 to s.3 would chain it to s.1."""
    layers = _reading(_reading(_stages(4), "s.2.a", ["stem"]), "s.2.add", ["s.2.c", "stem"])
    blocks, folded = fold_blocks(layers)
    assert folded[1:] == [{"s_0": {"name": "s", "repeat": 2}},
                          {"s_0": {"name": "s", "repeat": 2, "index_from": 2, "inputs": ["stem"]}}]
    assert_same_network(layers)


def test_no_use_is_named_where_a_layer_of_the_parent_name_would_read_it_as_an_output():
    """With a split named s, a use named s.0 would be refused (s.0 is the split's first output)."""
    stages = _stages(4)
    layers = [stages[0], {"split": {"name": "s", "chunks": 2}},
              {"concat": {"name": "joined", "inputs": ["s.0", "s.1"]}},
              *_reading(stages[1:], "s.0.add", ["s.0.c", "joined"])]
    blocks, folded = fold_blocks(layers)
    assert blocks == {} and folded == layers
    assert not analysed(spec_yaml("n", "n.onnx", [8, 12, 12], layers))[1].errors


def test_a_list_without_names_is_left_as_it_is():
    layers = [{"conv2d": {"filters": 8, "kernel": 3}}] + _stages(4)[1:]
    assert fold_blocks(layers) == ({}, layers)


def test_densenet_layers_numbered_without_a_dot_repeat_with_their_number_in_the_name():
    """torchvision numbers a dense block's layers denselayer1, denselayer2, ...: graph.py's
    ``name: denselayer${index}`` with ``index_from: 1`` names copies so (6, 12, 24, 16 in DenseNet-121)."""
    _, _, entries = flat_entries(SPECS / "densenet121.yaml")
    blocks, layers = fold_blocks(entries)
    repeats = [body for entry in layers for body in entry.values() if "repeat" in body]
    assert repeats == [{"name": f"features.denseblock{number}.denselayer${{index}}", "repeat": count, "index_from": 1}
                       for number, count in zip(range(1, 5), (6, 12, 24, 16))]


def test_spec_yaml_keeps_given_blocks_and_folds_nothing_when_told_not_to():
    layers = _stages(4)
    assert "blocks:" not in spec_yaml("n", "n.onnx", [8, 16, 16], layers, fold=False)
    given = {"mine": {"layers": [{"relu": {"name": "r"}}]}}
    text = spec_yaml("n", "n.onnx", [8, 16, 16], layers, blocks=given)
    assert "  mine:" in text and "s_0" not in text


def test_folding_through_spec_yaml_reads_back_through_the_cli(tmp_path):
    """A folded ResNet-18 analysed by ``convcalc analyze``: torchvision's 11,689,512 parameters."""
    from click.testing import CliRunner

    from convcalc.cli import main

    spec, shape, entries = flat_entries(SPECS / "resnet18.yaml")
    path = tmp_path / "resnet18.yaml"
    path.write_text(spec_yaml(spec.name, "resnet18.onnx", shape, entries))
    assert "blocks:" in path.read_text()
    result = CliRunner().invoke(main, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert one_spec(result.output)["totals"]["params"] == 11_689_512
