"""The spec language for families of networks: expressions with max, min, floor, ceil, round, int
and conditionals; block parameters that choose a layer type; names built from parameters; spec
parameters settable with --param; layers run only in training (--mode)."""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_text, one_spec
from convcalc.cli import main
from convcalc.graph import _arithmetic

MAKE_DIVISIBLE = "max(d, int(v + d / 2) // d * d) + (d if max(d, int(v + d / 2) // d * d) < 0.9 * v else 0)"


def torchvision_make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision's rounding of channel counts (models/_utils.py), as it computes it: in floats."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


@pytest.mark.parametrize("channels", [16, 24, 32, 40, 80, 112, 192, 320, 1280])
@pytest.mark.parametrize("width", ["0.5", "0.75", "1.1", "1.4", "2.0"])
def test_make_divisible_is_written_as_an_expression(channels, width):
    from convcalc.loading import WrittenFloat

    v = WrittenFloat(width) * channels  # the expression multiplies exactly: 1.1 * 40 is 44
    assert _arithmetic(MAKE_DIVISIBLE.replace("v", "(c * w)"), {"c": channels, "w": WrittenFloat(width), "d": 8}) \
        == torchvision_make_divisible(v)


@pytest.mark.parametrize("text, expected", [
    ("max(3, 7, 5)", 7), ("min(3, 7)", 3), ("floor(7 / 2)", 3), ("ceil(7 / 2)", 4), ("round(5 / 2)", 2),
    ("round(7 / 2)", 4), ("int(-7 / 2)", -3), ("abs(-4)", 4), ("2 if 3 > 2 else 1", 2),
    ("1 if 2 <= 1 or not 0 else 5", 1), ("7 // 2 * 2 + 7 % 2", 7), ("0.25 * 10", 2.5),
])
def test_expression_values_worked_by_hand(text, expected):
    assert _arithmetic(text, {}) == expected


@pytest.mark.parametrize("text, fragment", [
    ("7 / 2", "7/2 is not a whole number"), ("pow(2, 3)", "only integers"), ("2 ** 3", "only integers"),
    ("max()", "only integers"), ("1 / 0", "divides by zero"), ("a.b", "only integers"),
])
def test_expressions_outside_the_language_are_refused(text, fragment):
    with pytest.raises((ValueError, ZeroDivisionError), match=fragment.replace("*", r"\*").replace("(", r"\(")):
        _arithmetic(text, {"a": 1})


FAMILY = """
name: family
params: {width: 1.0, depth: 2, act: relu}
input: [3, 32, 32]
blocks:
  unit:
    params: {c: null}
    layers:
      - conv2d: {name: conv, filters: "${max(8, int(c * width + 4) // 8 * 8)}", kernel: 3, padding: 1}
      - {type: $act, name: act}
layers:
  - unit: {name: "stage${index}", c: 32, repeat: $depth, index_from: 1}
  - global_avgpool2d: {name: pool}
  - flatten
  - dense: {name: fc, units: 10}
"""


def _analyze(tmp_path, *args):
    path = tmp_path / "family.yaml"
    path.write_text(FAMILY)
    result = CliRunner().invoke(main, ["analyze", str(path), "--format", "json", *args])
    spec = one_spec(result.stdout)
    return result, (spec if spec["status"] == "analysed" else None)


def test_one_family_file_serves_several_widths_depths_and_activations(tmp_path):
    _, report = _analyze(tmp_path)
    # width 1: 32 channels: (3*9 + 1)*32 + (32*9 + 1)*32 + (32 + 1)*10
    assert report["totals"]["params"] == 896 + 9_248 + 330
    assert [layer["name"] for layer in report["layers"]][:4] == ["stage1.conv", "stage1.act", "stage2.conv",
                                                                 "stage2.act"]
    _, half = _analyze(tmp_path, "--param", "width=0.5", "--param", "depth=3", "--param", "act=silu")
    # width 0.5: max(8, int(16 + 4) // 8 * 8) = 16 channels: (27 + 1)*16 + 2*(16*9 + 1)*16 + (16 + 1)*10
    assert half["totals"]["params"] == 448 + 2 * 2_320 + 170
    assert half["params"] == {"width": 0.5, "depth": 3, "act": "silu"}
    assert [layer["type"] for layer in half["layers"]][:2] == ["conv2d", "silu"]


def test_an_unknown_parameter_is_refused_naming_the_declared_ones(tmp_path):
    result, _ = _analyze(tmp_path, "--param", "wdth=2")
    assert result.exit_code == 2
    message = one_spec(result.stdout)["error"]["message"]
    assert "'wdth', which is not a parameter of this spec" in message and "width, depth, act" in message


def test_a_parameter_choosing_an_unknown_type_is_refused(tmp_path):
    result, _ = _analyze(tmp_path, "--param", "act=nosuch")
    assert result.exit_code == 2 and "unknown layer type 'nosuch'" in one_spec(result.stdout)["error"]["message"]


def test_names_from_parameters_reproduce_torchvision_densenet_names():
    text = """
    name: d
    input: [8, 8, 8]
    blocks:
      layer:
        layers:
          - conv2d: {name: conv1, filters: 4, kernel: 1}
          - concat: {name: cat, inputs: [input, conv1]}
      block:
        params: {n: 2}
        layers:
          - layer: {name: "denselayer${index}", repeat: $n, index_from: 1}
    layers:
      - block: {name: "features.denseblock$index", repeat: 2, index_from: 1}
    """
    names = [report.name for report in analyze_text(text).layers]
    assert names[0] == "features.denseblock1.denselayer1.conv1"
    assert names[-1] == "features.denseblock2.denselayer2.cat"


def test_train_only_heads_hold_parameters_but_no_macs_in_eval_mode():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode
    from torchvision_oracle import build

    spec = str(SPECS / "googlenet_aux.yaml")
    evaluated = one_spec(CliRunner().invoke(main, ["analyze", spec, "--format", "json"]).stdout)
    trained = one_spec(CliRunner().invoke(main, ["analyze", spec, "--format", "json", "--mode", "train"]).stdout)
    model = build("googlenet", aux_logits=True, init_weights=False)
    assert evaluated["totals"]["params"] == trained["totals"]["params"] == sum(
        p.numel() for p in model.parameters())
    for mode, report in (("eval", evaluated), ("train", trained)):
        model.train(mode == "train")
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(torch.zeros(2, 3, 224, 224))  # 2 samples: batch norm in training needs more than one value
        assert report["totals"]["macs"] == counter.get_total_flops() // 2 // 2, mode
    assert [layer["runs"] for layer in evaluated["layers"] if layer["name"].startswith("aux")] == \
        [False] * sum(layer["name"].startswith("aux") for layer in evaluated["layers"])
    table = CliRunner().invoke(main, ["analyze", spec]).stdout
    assert "(train only)" in table and "mode eval" in table


def test_train_only_must_be_a_boolean(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("name: t\ninput: [3, 8, 8]\nlayers:\n  - relu: {train_only: 1}\n")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 2 and "`train_only` is true or false" in result.stderr


TRAIN_ONLY_HEAD = """\
name: t
input: [3, H, W]
layers:
  - conv2d: {name: stem, filters: 4, kernel: 3}
  - global_avgpool2d: {name: pool}
  - conv2d: {name: aux, inputs: [stem], filters: 8, kernel: 5, train_only: true}
"""


def test_a_train_only_head_does_not_limit_the_sizes_the_network_runs_at_in_eval_mode(tmp_path):
    """stem: 3x3 conv, H - 2 >= 1; aux (train only): a 5x5 conv on it, H - 2 >= 5. Parameters
    (3*9 + 1)*4 = 112 and (4*25 + 1)*8 = 808 count in both modes."""
    path = tmp_path / "t.yaml"
    path.write_text(TRAIN_ONLY_HEAD)
    for mode, minimum in (("eval", 3), ("train", 7)):
        analysis = analyze_text(TRAIN_ONLY_HEAD, mode=mode)
        assert analysis.conditions[0].per_symbol["H"].minimum() == minimum, mode
        assert analysis.totals.trainable == 112 + 808
    runner = CliRunner()
    small = runner.invoke(main, ["analyze", str(path), "--set", "H=4", "--set", "W=4"])
    assert small.exit_code == 0, small.output
    assert small.stdout.count("runs only in training (train_only) and could not run at this input") == 1
    assert small.stdout.count("CC129 ") == 1
    assert "Parameters: 920" in small.stdout
    row = next(line for line in small.stdout.splitlines() if "│ aux" in line)
    assert [cell.strip() for cell in row.strip("│").split("│")][2:] == ["-", "808", "-", "-", "-"]  # no size it cannot have
    trained = runner.invoke(main, ["analyze", str(path), "--set", "H=4", "--set", "W=4", "--mode", "train"])
    assert trained.exit_code == 1 and "the window (5) is larger than the padded input" in trained.stdout


def test_index_reaches_the_fields_of_each_copy():
    """`$index` in a repeated entry's fields is the copy's number: filters index + 2 give 3 and 4
    filters, (4 + 1)*3 = 15 and (3 + 1)*4 = 16 parameters; a block use's parameter gets it too."""
    analysis = analyze_text("""\
        name: t
        input: [4, 8, 8]
        blocks:
          scaled:
            params: {rate: 0.0}
            layers:
              - stochastic_depth: {name: sd, rate: $rate}
        layers:
          - scaled: {name: stage, repeat: 3, rate: "${0.1 * index / 2}"}
          - conv2d: {name: "c${index}", filters: "${index + 2}", kernel: 1, repeat: 2, index_from: 1}
        """)
    assert analysis.errors == []
    rates = {report.name: report.node.layer.p for report in analysis.layers if report.kind == "stochastic_depth"}
    assert rates == {"stage.0.sd": 0.0, "stage.1.sd": 0.05, "stage.2.sd": 0.1}
    convs = {report.name: (report.shape, report.params) for report in analysis.layers if report.kind == "conv2d"}
    assert convs == {"c1": ((3, 8, 8), 15), "c2": ((4, 8, 8), 16)}


def test_convnext_tiny_stochastic_depth_rates_are_torchvisions():
    """The spec's 18 blocks, written as four repeats, carry torchvision's per-block rates."""
    pytest.importorskip("torch")
    from torchvision_oracle import build

    model = build("convnext_tiny")
    expected = {name: module.p for name, module in model.named_modules() if type(module).__name__ == "StochasticDepth"}
    analysis = analyze_text((SPECS / "convnext_tiny.yaml").read_text())
    ours = {report.name: report.node.layer.p for report in analysis.layers if report.kind == "stochastic_depth"}
    assert len(expected) == 18 and ours.keys() == expected.keys()
    for name, rate in expected.items():
        assert ours[name] == pytest.approx(rate, abs=1e-12), name
