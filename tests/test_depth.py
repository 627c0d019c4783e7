"""analyze --depth N|blocks: rows of groups of layers (by their dotted names, as torchinfo's depth=)
or of block uses, with subtotals, inputs and outputs, in every format; the JSON tree.

The small spec TINY, worked by hand (3x8x8 input, float32, batch 1):
    stem     conv 1x1, 3 -> 4, bias: params (1*1*3 + 1)*4 = 16; 4x8x8 = 256 outputs; MACs 256*3 = 768;
             FLOPs 2*768 + 256 (bias) = 1,792; 1,024 bytes
    stage.0  a use of `unit` (c=4): conv 3x3 pad 1, 4 -> 4, no bias: 3*3*4*4 = 144 params,
             MACs 256 * 3*3*4 = 9,216, FLOPs 18,432; bn 8 params + 8 buffers, 2 FLOPs per element = 512;
             relu 256 FLOPs. So 152 params, 8 buffers, 9,216 MACs, 19,200 FLOPs, 3*256 = 768 elements
    stage.1  `unit` (c=8): conv 4 -> 8: 288 params, 8x8x8 = 512 outputs, MACs 512*36 = 18,432,
             FLOPs 36,864; bn 16 + 16 buffers, 1,024 FLOPs; relu 512. So 304 params, 16 buffers,
             18,432 MACs, 38,400 FLOPs, 1,536 elements
    stage    (a group: both uses) 456 params, 24 buffers, 27,648 MACs, 57,600 FLOPs, 2,304 elements =
             9,216 bytes; reads stem (4x8x8), gives 8x8x8; receptive field 1 + 2 + 2 = 5
    head     a use of `head`: global average pool 8x8x8 -> 8 (64 elements per output: 63 additions and
             a division, 512 FLOPs), flatten, dense 8 -> 2: 18 params, 16 MACs, 2*16 + 2 = 34 FLOPs;
             so 18 params, 16 MACs, 546 FLOPs, 8 + 8 + 2 = 18 elements = 72 bytes
    network  490 params, 24 buffers, 28,432 MACs, 59,938 FLOPs
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from conftest import SPECS, one_spec
from convcalc.cli import main

TINY = """\
name: tiny
input: [3, 8, 8]
blocks:
  unit:
    params: {c: null}
    layers:
      - conv2d: {name: conv, filters: $c, kernel: 3, padding: 1, bias: false}
      - batchnorm2d: {name: bn}
      - relu: {name: relu}
  head:
    layers:
      - global_avgpool2d: {name: pool}
      - flatten: {name: flatten}
      - dense: {name: fc, units: 2}
layers:
  - conv2d: {name: stem, filters: 4, kernel: 1}
  - unit: {name: stage.0, c: 4}
  - unit: {name: stage.1, c: 8}
  - head: {name: head}
"""
FIGURES = ("params", "non_trainable_params", "macs", "flops", "activation_elements", "activation_bytes")
STEM = (16, 0, 768, 1792, 256, 1024)
STAGE_0 = (152, 8, 9216, 19200, 768, 3072)
STAGE_1 = (304, 16, 18432, 38400, 1536, 6144)
STAGE = (456, 24, 27648, 57600, 2304, 9216)
HEAD = (18, 0, 16, 546, 18, 72)


def cli(*args, env=None):
    result = CliRunner().invoke(main, [str(arg) for arg in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def tree_rows(node):
    """The rows a cut tree lists: the nodes it cuts and the layers above the cut."""
    if node["children"] is None or node["kind"] == "layer":
        return [node]
    return [row for child in node["children"] for row in tree_rows(child)]


def figures(row):
    return tuple(row[key] for key in FIGURES)


def analysed(spec, *options):
    result = cli("analyze", spec, "--format", "json", *options)
    assert result.exit_code == 0, result.output
    return one_spec(result.stdout)


def test_depth_one_gives_the_stem_the_stage_group_and_the_head_with_hand_worked_subtotals(tiny):
    data = analysed(tiny, "--depth", "1")
    rows = tree_rows(data["tree"])
    assert [(row["name"], row["kind"], row["type"]) for row in rows] == [
        ("stem", "layer", "conv2d"), ("stage", "group", None), ("head", "block", "head")]
    assert [figures(row) for row in rows] == [STEM, STAGE, HEAD]
    stage = rows[1]
    assert (stage["inputs"], stage["input_shape"], stage["output_shape"], stage["layers"], stage["line"]) == \
        (["stem"], [4, 8, 8], [8, 8, 8], 6, 17)  # the line of its first part, the use stage.0
    assert stage["receptive_field"] == {"size": [5, 5], "jump": [1, 1], "start": [0, 0]}
    assert stage["children"] is None and rows[2]["children"] is None  # cut at depth 1
    assert (rows[2]["input_shape"], rows[2]["output_shape"], rows[2]["line"]) == ([8, 8, 8], [2], 19)
    assert len(data["layers"]) == 10  # the per-layer list stays whole


def test_depth_two_and_blocks_split_the_stage_into_its_block_uses(tiny):
    two = tree_rows(analysed(tiny, "--depth", "2")["tree"])
    assert [row["name"] for row in two] == ["stem", "stage.0", "stage.1", "head.pool", "head.flatten", "head.fc"]
    assert [figures(row) for row in two[:3]] == [STEM, STAGE_0, STAGE_1]
    assert (two[2]["type"], two[2]["input_shape"], two[2]["output_shape"]) == ("unit", [4, 8, 8], [8, 8, 8])
    blocks = tree_rows(analysed(tiny, "--depth", "blocks")["tree"])
    assert [(row["name"], row["type"]) for row in blocks] == [
        ("stem", "conv2d"), ("stage.0", "unit"), ("stage.1", "unit"), ("head", "head")]
    assert [figures(row) for row in blocks] == [STEM, STAGE_0, STAGE_1, HEAD]


def test_depth_zero_is_one_row_for_the_whole_network_and_no_depth_the_whole_tree(tiny):
    data = analysed(tiny, "--depth", "0")
    assert tree_rows(data["tree"]) == [data["tree"]]
    root = data["tree"]
    assert (root["name"], root["kind"], root["depth"], root["layers"]) == ("tiny", "network", 0, 10)
    assert figures(root) == (490, 24, 28432, 59938, 2304 + 256 + 18, 4 * (2304 + 256 + 18))
    assert (root["input_shape"], root["output_shape"], root["inputs"]) == ([3, 8, 8], [2], ["input"])
    assert (root["params"], root["macs"], root["flops"]) == \
        (data["totals"]["params"], data["totals"]["macs"], data["totals"]["flops"])
    whole = analysed(tiny)["tree"]  # no --depth: every layer, as leaves of the whole tree
    assert [row["name"] for row in tree_rows(whole)] == [layer["name"] for layer in data["layers"]]
    deep = analysed(tiny, "--depth", "9")["tree"]
    assert deep == whole


def test_csv_lists_the_rows_with_their_shapes_and_the_same_total_row(tiny):
    result = cli("analyze", tiny, "--format", "csv", "--depth", "1")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["name"] for row in rows] == ["stem", "stage", "head", "TOTAL"]
    stage = rows[1]
    assert (stage["kind"], stage["depth"], stage["layers"], json.loads(stage["input_shape"]),
            json.loads(stage["output_shape"])) == ("group", "1", "6", [4, 8, 8], [8, 8, 8])
    assert tuple(int(stage[key]) for key in FIGURES) == STAGE
    assert (rows[-1]["params"], rows[-1]["macs"]) == ("490", "28432")
    plain = list(csv.DictReader(io.StringIO(cli("analyze", tiny, "--format", "csv").stdout)))
    assert len(plain) == 10 + 1 and "kind" not in plain[0]  # without --depth: the per-layer columns


def test_table_and_markdown_show_the_rows_with_input_shapes(tiny):
    table = cli("analyze", tiny, "--depth", "1").stdout
    stage = next(line for line in table.splitlines() if " stage " in line)
    for cell in ("6 layers", "4x8x8", "8x8x8", "456", "27,648", "9.0 KiB", "5x5"):
        assert cell in stage, stage
    assert "input shape" in table and "Parameters: 490" in table
    assert not any(" stage.0" in line for line in table.splitlines())
    markdown = cli("analyze", tiny, "--format", "markdown", "--depth", "blocks").stdout
    assert "| layer | type | input shape | output shape | params | MACs | memory | receptive field |" in markdown
    assert "| stage.1 | unit | 4x8x8 | 8x8x8 | 304 | 18,432 | 6.0 KiB | 5x5 |" in markdown
    spanish = cli("analyze", tiny, "--depth", "1", "--lang", "es").stdout
    assert "6 capas" in spanish and "forma de entrada" in spanish


def test_github_annotations_take_depth_and_list_no_layers(tiny):
    with_depth = cli("analyze", tiny, "--format", "github", "--depth", "1")
    assert with_depth.exit_code == 0
    assert with_depth.stdout == cli("analyze", tiny, "--format", "github").stdout


@pytest.mark.parametrize("value", ["-1", "x", "1.5", "", "1" * 10])
def test_a_bad_depth_is_one_line_and_exit_two(tiny, value):
    result = cli("analyze", tiny, "--depth", value)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--depth" in result.stderr and "blocks" in result.stderr, result.stderr


def test_a_spanish_bad_depth():
    result = cli("analyze", SPECS / "lenet5.yaml", "--depth", "hondo", "--lang", "es")
    assert result.exit_code == 2 and "no es una profundidad" in result.stderr


@pytest.mark.parametrize("spec", ["resnet50", "densenet121", "googlenet_aux", "shufflenet_v2_x1_0", "unet",
                                  "convnext_tiny"])
def test_the_rows_at_every_depth_partition_the_layers_and_sum_to_the_totals(spec):
    """Parameters of every row; MACs, FLOPs and activations of the rows that run (a train-only head
    in eval mode shows its own figures, as its layers do, and counts in no total)."""
    data = analysed(spec)
    totals = data["totals"]
    for depth in ("0", "1", "2", "3", "4", "blocks"):
        rows = tree_rows(analysed(spec, "--depth", depth)["tree"])
        assert sum(row["layers"] for row in rows) == len(data["layers"]), depth
        assert sum(row["params"] for row in rows) == totals["params"], depth
        assert sum(row["non_trainable_params"] for row in rows) == totals["non_trainable_params"], depth
        for figure in ("macs", "flops", "activation_bytes"):
            assert sum(row[figure] for row in rows if row["runs"]) == totals[figure], (depth, figure)


def test_a_group_after_an_error_has_no_figures_and_is_incomplete(tiny):
    """A 9x9 kernel on stage.0's 4x8x8 input cannot be analysed: nothing after it either."""
    tiny.write_text(TINY.replace("kernel: 3, padding: 1", "kernel: 9, padding: 0"), encoding="utf-8")
    result = cli("analyze", tiny, "--format", "json", "--depth", "1")
    assert result.exit_code == 1
    stem, stage, head = tree_rows(one_spec(result.stdout)["tree"])
    assert (stem["complete"], stem["params"]) == (True, 16)
    assert (stage["complete"], stage["params"], stage["macs"], stage["output_shape"]) == (False, None, None, None)
    assert stage["input_shape"] == [4, 8, 8] and head["input_shape"] is None
    assert " stage " in next(line for line in cli("analyze", tiny, "--depth", "1").stdout.splitlines()
                             if "6 layers" in line)


def test_symbolic_sizes_give_subtotals_as_expressions(tiny):
    """stage's MACs at 3xHxW: 4*H*W*36 + 8*H*W*36 = 432*H*W (9,216 and 18,432 at 8x8, over 64)."""
    tiny.write_text(TINY.replace("input: [3, 8, 8]", "input: [3, H, W]"), encoding="utf-8")
    stage = tree_rows(analysed(tiny, "--depth", "1")["tree"])[1]
    assert (stage["macs"], stage["params"], stage["input_shape"], stage["output_shape"]) == \
        ("432*H*W", 456, [4, "H", "W"], [8, "H", "W"])


def test_train_only_heads_are_rows_marked_train_only():
    data = analysed("googlenet_aux", "--depth", "1")
    aux = {row["name"]: row for row in tree_rows(data["tree"])}["aux1"]
    assert aux["runs"] is False and aux["kind"] == "block" and aux["params"] > 0 and aux["macs"] > 0
    table = cli("analyze", "googlenet_aux", "--depth", "1").stdout
    assert "aux (train only)" in next(line for line in table.splitlines() if " aux1 " in line)


def test_a_group_of_a_split_reads_and_gives_its_outputs():
    """ShuffleNet's first unit of stage 2 reads the max pool's 24x56x56 and gives 116x28x28."""
    rows = {row["name"]: row for row in tree_rows(analysed("shufflenet_v2_x1_0", "--depth", "2")["tree"])}
    unit = rows["stage2.0"]
    assert (unit["input_shape"], unit["output_shape"]) == ([24, 56, 56], [116, 28, 28])


def test_a_full_name_written_twice_is_refused(tmp_path):
    """`x.c` beside the use `x` of a block whose layer is `c` would be two layers of one name."""
    spec = tmp_path / "twice.yaml"
    spec.write_text(TINY.replace("  - head: {name: head}\n",
                                 "  - head: {name: head}\n  - relu: {name: stage.0.relu}\n"), encoding="utf-8")
    result = cli("analyze", spec)
    assert result.exit_code == 2 and "'stage.0.relu' is already used (line 9)" in result.stderr, result.stderr


# ----- the rows against PyTorch: torchvision's modules, as torchinfo's depth= lists them ---------------------


def torch_frontier(model, depth: int) -> dict:
    """torchinfo's rows at ``depth``: the modules ``depth`` deep in their names, and the leaf
    modules above them (name -> module)."""
    rows = {}
    for name, module in model.named_modules():
        parts = len(name.split(".")) if name else 0
        if parts == depth or (0 < parts < depth and not list(module.children())):
            rows[name] = module
    return rows


def torch_counts(module) -> tuple[int, int]:
    """(parameters, buffers) as convcalc counts them: BatchNorm's num_batches_tracked is a step counter."""
    buffers = sum(b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked"))
    return sum(p.numel() for p in module.parameters()), buffers


@pytest.mark.parametrize("builder, depths, functions", [
    ("resnet50", (1, 2, 3, 4), {"flatten", "add", "relu_1", "relu_2"}),
    ("densenet121", (1, 2, 3), {"concat", "relu", "avgpool", "flatten"}),
])
def test_rows_equal_torchvisions_modules_in_parameters(builder, depths, functions):
    """Every row named like a torchvision module holds that module's parameters and buffers (so
    ResNet-50's depth-1 rows are torchinfo's: conv1, bn1, relu, maxpool, layer1..layer4, avgpool,
    fc); every other row is one of the calls torchvision makes as functions, with no parameters."""
    from torchvision_oracle import build

    model = build(builder)
    modules = dict(model.named_modules())
    for depth in depths:
        rows = tree_rows(analysed(builder, "--depth", str(depth))["tree"])
        expected = torch_frontier(model, depth)
        assert set(expected) <= {row["name"] for row in rows}, depth
        for row in rows:
            if row["name"] in modules:
                assert (row["params"], row["non_trainable_params"]) == torch_counts(modules[row["name"]]), row["name"]
            else:
                assert row["name"].rpartition(".")[2] in functions, row["name"]
                assert (row["params"], row["non_trainable_params"]) == (0, 0), row["name"]
    top = [row["name"] for row in tree_rows(analysed(builder, "--depth", "1")["tree"])]
    assert [name for name in top if name in modules] == [name for name, _ in model.named_children()]


def test_resnet50_depth_one_rows_read_and_give_the_shapes_torch_does(one_torch_thread):
    """Forward hooks on torchvision's top-level modules and on each bottleneck, at 3x64x64."""
    import torch

    from torchvision_oracle import build

    model = build("resnet50")
    shapes = {}

    def record(name):
        def hook(module, inputs, output):
            shapes[name] = (list(inputs[0].shape[1:]), list(output.shape[1:]))
        return hook

    named = dict(model.named_modules())
    hooked = [name for name, _ in model.named_children()] + [
        f"{stage}.{index}" for stage in ("layer1", "layer2", "layer3", "layer4") for index in range(len(named[stage]))]
    for name in hooked:
        named[name].register_forward_hook(record(name))
    with torch.no_grad():
        model(torch.zeros(1, 3, 64, 64))
    for depth in ("1", "2"):
        rows = tree_rows(analysed("resnet50", "--input", "3x64x64", "--depth", depth)["tree"])
        for row in rows:
            if row["name"] in shapes:
                assert (row["input_shape"], row["output_shape"]) == shapes.pop(row["name"]), row["name"]
    assert shapes == {}  # every hooked module met its row
