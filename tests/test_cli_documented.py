"""Every command, option, output format, figure and exit code that README.md documents, run through
the real command line (click's CliRunner on ``convcalc.cli.main``; a child process where the
process itself matters), each checked on its content.

Expected figures are worked out by hand here, from the layer sizes, never taken from convcalc:

LeNet-5 (specs/lenet5.yaml, 1x32x32, float32, batch 1)
    c1  conv 6 filters 5x5 on 1x32x32: O = (32 - 5)/1 + 1 = 28 -> 6x28x28 = 4,704 units
        params (5*5*1 + 1)*6 = 156, without bias 5*5*1*6 = 150
        MACs 28*28*6 * 5*5*1 = 117,600; FLOPs 2*117,600 + 4,704 (one bias add per output) = 239,904
        memory 4,704 * 4 bytes = 18,816; receptive field 5x5, jump 1, start (5-1)/2 = 2
    s2  avgpool 2: 6x14x14 = 1,176 units; receptive field 5 + (2-1)*1 = 6
    c3  conv 16 filters 5x5 on 6x14x14: 16x10x10 = 1,600; params (5*5*6 + 1)*16 = 2,416;
        MACs 10*10*16 * 5*5*6 = 240,000
    s4  16x5x5 = 400;  c5 dense 400 -> 120: params (400 + 1)*120 = 48,120, MACs 48,000
    f6  dense 120 -> 84: (120 + 1)*84 = 10,164, MACs 10,080;  output 84 -> 10: 850, MACs 840
    params 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706; biases 6 + 16 + 120 + 84 + 10 = 236,
        so 61,470 without; MACs 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520
    units per layer (c1, tanh1, s2, c3, tanh2, s4, flatten, c5, tanh3, f6, tanh4, output):
        4,704*2 + 1,176 + 1,600*2 + 400*2 + 120*2 + 84*2 + 10 = 15,002; bytes 4 x 15,002 = 60,008
    parameter bytes 61,706 * 4 = 246,824; the most alive at once: c1's and tanh1's outputs
        (2 x 18,816 = 37,632), so the inference peak is 246,824 + 37,632 = 284,456
    training (adam): 4 x 246,824 (parameters, gradients, two moments) + 60,008 + the input's
        1*32*32*4 = 4,096 bytes = 1,051,400; momentum 3 x 246,824 + 64,104 = 804,576;
        sgd 2 x 246,824 + 64,104 = 557,752
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT, SPECS, analyze_json, at_level, one_spec
from convcalc.cli import main

LENET = str(SPECS / "lenet5.yaml")
SEED002 = str(SPECS / "seed002_cnn.yaml")
ALEXNET_ORIGINAL = str(SPECS / "alexnet_original.yaml")
EXAMPLES = SPECS / "examples"
CONV_3X3 = str(EXAMPLES / "convolution_3x3_output.yaml")
README = (ROOT / "README.md").read_text(encoding="utf-8")

# The LeNet-5 figures worked out in the module docstring.
LENET_PARAMS = 156 + 2416 + 48120 + 10164 + 850
LENET_MACS = 117600 + 240000 + 48000 + 10080 + 840
LENET_PARAM_BYTES = LENET_PARAMS * 4
LENET_ACTIVATION_BYTES = 4 * (4704 * 2 + 1176 + 1600 * 2 + 400 * 2 + 120 * 2 + 84 * 2 + 10)
LENET_INPUT_BYTES = 1 * 32 * 32 * 4


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Every command runs in a fresh directory: whatever it writes lands there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONVCALC_DEBUG", raising=False)


def cli(*args, env=None, stdin=None):
    """The command's result; any exception but the exit itself fails the test (an internal error)."""
    result = CliRunner().invoke(main, [str(arg) for arg in args], env=env, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"convcalc {' '.join(map(str, args))} raised {result.exception!r}") \
            from result.exception
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, f"not one line: {text!r}"
    return text.rstrip("\n")


def write(name: str, text: str) -> str:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text, encoding="utf-8")
    return name


INEXACT = "name: inexact\ninput: [1, 33, 33]\nlayers:\n  - conv2d: {name: c, filters: 2, kernel: 2, stride: 2}\n"
BROKEN = ("name: broken\ninput: [1, 33, 33]\nlayers:\n  - conv2d: {filters: 4, kernel: 3, stride: 2}\n"
          "  - dense: {units: 3}\n")
SYMBOLIC_LENET = Path(LENET).read_text(encoding="utf-8").replace("[1, 32, 32]", "[1, H, W]")


# ----- analyze ---------------------------------------------------------------------------------

def test_analyze_table_gives_each_layer_and_the_totals():
    result = cli("analyze", LENET)
    assert result.exit_code == 0 and result.stderr == ""
    c1 = next(line for line in result.stdout.splitlines() if " c1 " in line)
    for cell in ("conv2d", "6x28x28", "156", "117,600", "18.4 KiB", "5x5"):  # 18,816 B = 18.4 KiB
        assert cell in c1, c1
    assert f"Parameters: {LENET_PARAMS:,}" in result.stdout
    assert f"MACs: {LENET_MACS:,}" in result.stdout
    assert "Peak inference memory: 277.8 KiB" in result.stdout  # 284,456 B / 1024
    assert "Conventions" in result.stdout and "\x1b[" not in result.stdout


def test_analyze_json_has_every_documented_key_with_the_worked_figures():
    result = cli("analyze", LENET, "--format", "json")
    assert result.exit_code == 0
    report = analyze_json(result.stdout)
    assert (report["schema_version"], len(report["specs"])) == (1, 1)
    (data,) = report["specs"]
    assert {"name", "file", "status", "layout", "input_shape", "batch", "dtype", "symbols", "strict", "layers",
            "totals", "valid_sizes", "conditions", "diagnostics", "counts", "conventions"} <= set(data)
    assert (data["name"], data["layout"], data["input_shape"], data["batch"], data["dtype"], data["symbols"],
            data["strict"]) == ("LeNet-5", "chw", [1, 32, 32], 1, "float32", [], False)
    layer_keys = {"name", "type", "inputs", "line", "block", "output_shape", "units", "params", "trainable_params",
                  "non_trainable_params", "macs", "flops", "activation_elements", "activation_bytes",
                  "receptive_field"}
    for layer in data["layers"]:
        assert layer_keys <= set(layer), layer["name"]
    c1 = data["layers"][0]
    assert (c1["name"], c1["type"], c1["inputs"], c1["line"]) == ("c1", "conv2d", ["input"], 10)
    assert c1["output_shape"] == [6, 28, 28] and c1["units"] == 6 * 28 * 28
    assert (c1["params"], c1["trainable_params"], c1["non_trainable_params"]) == (156, 156, 0)
    assert c1["macs"] == 28 * 28 * 6 * 5 * 5 * 1 and c1["flops"] == 2 * 117600 + 4704
    assert c1["activation_elements"] == 4704 and c1["activation_bytes"] == 4704 * 4
    assert c1["receptive_field"] == {"size": [5, 5], "jump": [1, 1], "start": [2, 2]}
    flatten = next(layer for layer in data["layers"] if layer["type"] == "flatten")
    assert flatten["receptive_field"] == "global"
    totals = data["totals"]
    assert {"params", "trainable_params", "non_trainable_params", "macs", "flops", "param_bytes",
            "activation_bytes", "peak_activation_bytes", "peak_inference_bytes", "training_bytes"} <= set(totals)
    assert totals["params"] == totals["trainable_params"] == LENET_PARAMS and totals["non_trainable_params"] == 0
    assert totals["macs"] == LENET_MACS and totals["param_bytes"] == LENET_PARAM_BYTES
    assert totals["activation_bytes"] == LENET_ACTIVATION_BYTES
    assert totals["peak_activation_bytes"] == 2 * 18816
    assert totals["peak_inference_bytes"] == LENET_PARAM_BYTES + 2 * 18816
    assert totals["training_bytes"] == 4 * LENET_PARAM_BYTES + LENET_ACTIVATION_BYTES + LENET_INPUT_BYTES
    assert data["diagnostics"] == [] and data["conditions"] == [] and data["status"] == "analysed"
    assert data["counts"] == {"error": 0, "warning": 0, "note": 0}


def test_analyze_json_conditions_warnings_errors_items():
    write("sym.yaml", SYMBOLIC_LENET)
    data = one_spec(cli("analyze", "sym.yaml", "--format", "json").stdout)
    assert data["symbols"] == ["H", "W"]
    assert data["layers"][0]["output_shape"] == [6, "H - 4", "W - 4"]  # symbolic values are strings
    assert isinstance(data["valid_sizes"], str) and data["conditions"]
    for condition in data["conditions"]:
        assert {"condition", "layer", "line"} <= set(condition)
    write("inexact.yaml", INEXACT)
    warned = one_spec(cli("analyze", "inexact.yaml", "--format", "json").stdout)
    (warning,) = at_level(warned, "warning")
    assert (warning["code"], warning["layer"], warning["line"], warning["column"]) == ("CC201", "c", 4, 5)
    write("broken.yaml", BROKEN)
    result = cli("analyze", "broken.yaml", "--format", "json")
    assert result.exit_code == 1
    error = at_level(one_spec(result.stdout), "error")[0]
    assert {"code", "layer", "line", "column", "message"} <= set(error) and error["line"] == 5


def test_analyze_json_numbers_are_never_localised():
    english = one_spec(cli("analyze", LENET, "--format", "json").stdout)
    spanish = one_spec(cli("analyze", LENET, "--format", "json", "--lang", "es").stdout)
    assert spanish["totals"] == english["totals"] and spanish["totals"]["params"] == 61706


def test_analyze_several_specs_and_glob_patterns_give_a_json_list():
    write("nets/a.yaml", Path(LENET).read_text(encoding="utf-8"))
    write("nets/b.yaml", Path(SEED002).read_text(encoding="utf-8"))
    result = cli("analyze", "nets/*.yaml", "--format", "json")  # quoted: the shell left the pattern
    assert result.exit_code == 0
    assert [item["file"] for item in analyze_json(result.stdout)["specs"]] == ["nets/a.yaml", "nets/b.yaml"]


def test_analyze_csv_parses_with_the_documented_columns():
    result = cli("analyze", LENET, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"name", "type", "output_shape", "params", "trainable_params", "non_trainable_params", "macs",
            "flops", "activation_bytes", "receptive_field"} <= set(rows[0])
    assert len(rows) == 12 + 1  # twelve layers and the totals
    c1 = rows[0]
    assert (c1["name"], c1["type"], c1["params"], c1["macs"], c1["flops"], c1["activation_bytes"]) == \
        ("c1", "conv2d", "156", "117600", "239904", "18816")
    assert json.loads(c1["output_shape"]) == [6, 28, 28]
    assert rows[-1]["params"] == str(LENET_PARAMS) and rows[-1]["macs"] == str(LENET_MACS)


def test_analyze_markdown_has_a_table():
    result = cli("analyze", LENET, "--format", "markdown")
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| layer |"))
    assert re.fullmatch(r"\|(-+:?\|)+", lines[header + 1].replace("---:", "---"))
    assert "| c1 | conv2d | 6x28x28 | 156 | 117,600 |" in result.stdout
    assert "61,706" in result.stdout


def test_analyze_github_annotations_at_the_spec_lines():
    write("broken.yaml", BROKEN)
    write("inexact.yaml", INEXACT)
    result = cli("analyze", "broken.yaml", "inexact.yaml", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("::error file=broken.yaml,line=5,col=5") and "dense" in line for line in lines)
    assert any(line.startswith("::warning file=inexact.yaml,line=4,col=5") for line in lines)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines if line)


def test_analyze_set_gives_symbols_their_sizes():
    write("sym.yaml", SYMBOLIC_LENET)
    data = one_spec(cli("analyze", "sym.yaml", "--format", "json", "--set", "H=32", "--set", "W=32").stdout)
    assert data["layers"][0]["output_shape"] == [6, 28, 28] and data["totals"]["params"] == LENET_PARAMS


def test_strict_makes_an_inexact_division_an_error_and_no_strict_undoes_the_spec():
    write("inexact.yaml", INEXACT)  # (33 - 2)/2 = 15.5: PyTorch floors it to 15, plus 1 = 16
    relaxed = cli("analyze", "inexact.yaml")
    assert relaxed.exit_code == 0 and "31/2" in relaxed.stdout and "16" in relaxed.stdout
    strict = cli("analyze", "inexact.yaml", "--strict")
    assert strict.exit_code == 1 and "strict" in strict.stdout
    write("strict.yaml", INEXACT.replace("layers:", "strict: true\nlayers:"))
    assert cli("analyze", "strict.yaml").exit_code == 1
    assert cli("analyze", "strict.yaml", "--no-strict").exit_code == 0


@pytest.mark.parametrize("optimizer, states", [("adam", 2), ("momentum", 1), ("sgd", 0)])
def test_optimizer_state_in_the_training_memory(optimizer, states):
    data = one_spec(cli("analyze", LENET, "--format", "json", "--optimizer", optimizer).stdout)
    # parameters + gradients + states per trainable parameter, + every activation and the input
    expected = (2 + states) * LENET_PARAM_BYTES + LENET_ACTIVATION_BYTES + LENET_INPUT_BYTES
    assert data["totals"]["training_bytes"] == expected


@pytest.mark.parametrize("option, within, over, figure", [
    ("--max-params", "61706", "60K", "61,706"),           # 1,706 over 60,000: 2.8%
    ("--max-macs", "4.1G", "400K", "416,520"),
    ("--max-flops", "1M", "800K", None),
    ("--max-memory", "200MiB", "200KiB", None),           # peak 284,456 B = 277.8 KiB
    ("--max-activation", "60008", "50000", None),
    ("--max-training-memory", "2MiB", "1MiB", None),      # 1,051,400 B > 1,048,576 B
])
def test_budget_options(option, within, over, figure):
    assert cli("analyze", LENET, option, within).exit_code == 0
    result = cli("analyze", LENET, option, over)
    assert result.exit_code == 1 and "budget" in result.stdout
    if figure:
        assert figure in result.stdout


def test_budget_share_over_and_the_spec_budget():
    result = cli("analyze", LENET, "--max-params", "60K")
    assert "2.8%" in result.stdout  # (61,706 - 60,000)/60,000 = 2.84%
    write("budget.yaml", Path(LENET).read_text(encoding="utf-8").replace("layers:", "budget: {params: 25M}\nlayers:"))
    assert cli("analyze", "budget.yaml").exit_code == 0
    write("tight.yaml", Path(LENET).read_text(encoding="utf-8").replace("layers:", "budget: {params: 50K}\nlayers:"))
    over = cli("analyze", "tight.yaml", "--format", "github")
    assert over.exit_code == 1 and "::error file=tight.yaml,line=9," in over.stdout  # the budget: line
    assert "23.4%" in over.stdout  # 11,706 over 50,000


def test_lang_es_and_a_spanish_lang_variable():
    result = cli("analyze", LENET, "--lang", "es")
    assert "Parámetros: 61\u00a0706" in result.stdout and "Convenciones" in result.stdout
    from_environment = cli("analyze", LENET, env={"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""})
    assert "Parámetros" in from_environment.stdout


# ----- exit codes ------------------------------------------------------------------------------

@pytest.mark.parametrize("args, files, named", [
    (["analyze", "missing.yaml"], {}, "missing.yaml"),
    (["analyze", "notyaml.yaml"], {"notyaml.yaml": "name: [unclosed\n"}, "notyaml.yaml"),
    (["analyze", "schema.yaml"],
     {"schema.yaml": "name: x\ninput: [1, 8, 8]\nlayers:\n  - conv2d: {filters: 2, kernal: 3}\n"}, "schema.yaml"),
    (["run", "missing.yaml"], {}, "missing.yaml"),
    (["verify", "missing.yaml"], {}, "missing.yaml"),
    (["explain", "missing.yaml"], {}, "missing.yaml"),
    (["lock", "missing.yaml"], {}, "missing.yaml"),
    (["diff", "missing.yaml", LENET], {}, "missing.yaml"),
    (["check", LENET, "missing.yaml"], {}, "missing.yaml"),
])
def test_exit_code_two_is_one_located_line(args, files, named):
    for name, text in files.items():
        write(name, text)
    result = cli(*args)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(f"{named}:"), result.stderr


def test_schema_error_names_line_column_field_and_valid_keys():
    write("bad.yaml", "name: x\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {filters: 6, kernal: 5}\n")
    result = cli("analyze", "bad.yaml")
    assert result.exit_code == 2 and one_line(result.stderr).startswith("bad.yaml:4:26: ")
    assert "kernal" in result.stderr and "kernel" in result.stderr


@pytest.mark.parametrize("args", [
    ["analyze", LENET, "--set", "H"],
    ["analyze", LENET, "--format", "xml"],
    ["quiz", "--count", "0"],
    ["diff", LENET],
])
def test_bad_arguments_exit_two(args):
    result = cli(*args)
    assert result.exit_code == 2 and result.stderr.strip() and result.stdout == ""


@pytest.mark.parametrize("args", [
    ["analyze", LENET, "--set", "H"],
    ["quiz", "--count", "0"],
    ["diff", LENET],
])
def test_bad_arguments_are_one_line(args):
    one_line(cli(*args).stderr)


def test_python_dash_m_is_the_same_command():
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    env.pop("CONVCALC_DEBUG", None)
    done = subprocess.run([sys.executable, "-m", "convcalc", "analyze", LENET, "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and one_spec(done.stdout)["totals"]["params"] == LENET_PARAMS
    missing = subprocess.run([sys.executable, "-m", "convcalc", "analyze", "nope.yaml", "--lang", "es"],
                             capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode == 2 and one_line(missing.stderr).startswith("nope.yaml:")
    assert "Traceback" not in missing.stderr


# ----- explain ---------------------------------------------------------------------------------

ALEXNET_CONV1 = ("name: a\nlayout: hwc\ninput: [227, 227, 3]\nlayers:\n"
                 "  - conv2d: {name: conv1, filters: 96, kernel: 11, stride: 4}\n")


def test_explain_gives_the_readme_derivations():
    write("a.yaml", ALEXNET_CONV1)
    result = cli("explain", "a.yaml")
    assert result.exit_code == 0
    # (227 - 11)/4 + 1 = 55; (11*11*3 + 1)*96 = 34,944
    assert "O = (W - F + 2P)/S + 1 = (227 - 11 + 2*0)/4 + 1 = 55" in result.stdout
    assert "params = (F*F*D + 1)*K = (11*11*3 + 1)*96 = 34,944" in result.stdout
    for figure in ("MACs", "FLOPs", "units", "memory", "receptive field"):
        assert figure in result.stdout


def test_explain_an_inexact_division_says_what_floor_makes_of_it():
    write("inexact.yaml", INEXACT)
    result = cli("explain", "inexact.yaml")
    assert result.exit_code == 0 and "floor" in result.stdout and "16" in result.stdout


def test_explain_layer_and_formats():
    text = cli("explain", LENET, "--layer", "c3").stdout
    assert text.startswith("c3 (conv2d") and "c1 (" not in text
    assert "(5*5*6 + 1)*16 = 2,416" in text
    markdown = cli("explain", LENET, "--layer", "c1", "--format", "markdown").stdout
    assert markdown.startswith("## c1") and "- parameters:" in markdown
    data = json.loads(cli("explain", LENET, "--format", "json").stdout)
    c1 = data["layers"][0]
    assert c1["name"] == "c1" and len(data["layers"]) == 12
    values = {step["figure"]: step["value"] for step in c1["steps"] if step["axis"] is None}
    assert values["params"] == 156 and values["params_without_bias"] == 150 and values["macs"] == 117600
    assert {"formula", "substituted", "value"} <= set(c1["steps"][0])


def test_explain_set_and_symbolic():
    write("sym.yaml", SYMBOLIC_LENET)
    symbolic = cli("explain", "sym.yaml", "--layer", "c1")
    assert symbolic.exit_code == 0 and "H - 4" in symbolic.stdout
    fixed = cli("explain", "sym.yaml", "--layer", "c1", "--set", "H=32", "--set", "W=32")
    assert "(32 - 5 + 2*0)/1 + 1 = 28" in fixed.stdout


def test_explain_exit_codes():
    write("broken.yaml", BROKEN)
    assert cli("explain", "broken.yaml").exit_code == 1
    unknown = cli("explain", LENET, "--layer", "c9")
    assert unknown.exit_code == 2 and "c9" in one_line(unknown.stderr)


# ----- calc ------------------------------------------------------------------------------------

def test_calc_conv_readme_example_answer_then_derivation():
    result = cli("calc", "conv", "--input", "227x227x3", "--filters", "96", "--kernel", "11", "--stride", "4")
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    # 55x55x96 out; params 34,944; MACs 55*55*96 * 11*11*3 = 105,415,200
    assert "227x227x3 -> 55x55x96" in first and "34,944" in first and "105,415,200" in first
    assert "(227 - 11 + 2*0)/4 + 1 = 55" in result.stdout


def test_calc_conv_json_keys_and_steps():
    data = json.loads(cli("calc", "conv", "--input", "227x227x3", "--filters", "96", "--kernel", "11",
                          "--stride", "4", "--format", "json").stdout)
    assert data["output_shape"] == [55, 55, 96]
    assert data["params"] == (11 * 11 * 3 + 1) * 96
    assert data["macs"] == 55 * 55 * 96 * 11 * 11 * 3
    assert data["flops"] == 2 * data["macs"] + 55 * 55 * 96
    assert data["activation_elements"] == 55 * 55 * 96
    steps = data["layers"][0]["steps"]
    assert any(step["figure"] == "shape" and step["value"] == 55 for step in steps)


@pytest.mark.parametrize("args", [
    ["--input", "3x227x227", "--layout", "chw"],
    ["--input", "227", "--channels", "3", "--layout", "chw"],
])
def test_calc_layout_and_channels(args):
    result = cli("calc", "conv", *args, "--filters", "96", "--kernel", "11", "--stride", "4", "--format", "json")
    assert json.loads(result.stdout)["output_shape"] == [96, 55, 55]


def test_calc_conv_padding_dilation_groups_bias_and_markdown():
    # 32x32x4, 8 filters 3x3, padding 1, dilation 2: (32 + 2 - 2*(3-1) - 1)/1 + 1 = 30
    # groups 2: each filter sees 2 channels, params 3*3*2*8 = 144 without bias
    data = json.loads(cli("calc", "conv", "--input", "32x32x4", "-K", "8", "-F", "3", "-P", "1", "--dilation", "2",
                          "--groups", "2", "--no-bias", "--format", "json").stdout)
    assert data["output_shape"] == [30, 30, 8] and data["params"] == 144
    same = json.loads(cli("calc", "conv", "--input", "31x31x3", "-K", "2", "-F", "3", "-S", "2", "-P", "same",
                          "--format", "json").stdout)
    assert same["output_shape"] == [16, 16, 2]  # ceil(31/2)
    markdown = cli("calc", "conv", "--input", "8x8x1", "-K", "1", "-F", "3", "--format", "markdown").stdout
    assert "## " in markdown and "(8 - 3 + 2*0)/1 + 1 = 6" in markdown


def test_calc_pool_default_stride_is_the_kernel_and_ceil_mode():
    data = json.loads(cli("calc", "pool", "--input", "55x55x96", "--kernel", "3", "--stride", "2",
                          "--format", "json").stdout)
    assert data["output_shape"] == [27, 27, 96] and data["params"] == 0  # (55 - 3)/2 + 1 = 27
    default = json.loads(cli("calc", "pool", "--input", "8x8x1", "--kernel", "2", "--format", "json").stdout)
    assert default["output_shape"] == [4, 4, 1]
    ceil = json.loads(cli("calc", "pool", "--input", "6x6x1", "--kernel", "3", "--stride", "2", "--ceil-mode",
                          "--mode", "avg", "--format", "json").stdout)
    assert ceil["output_shape"] == [3, 3, 1]  # ceil((6 - 3)/2) + 1 = 3 (floor gives 2)
    assert cli("calc", "pool", "--input", "4x4x1", "--kernel", "2", "--mode", "sum").exit_code == 0


def test_calc_tconv_dense_upsample():
    tconv = json.loads(cli("calc", "tconv", "--input", "4x4x8", "--filters", "3", "--kernel", "4", "--stride", "2",
                           "--padding", "1", "--format", "json").stdout)
    # (4 - 1)*2 - 2*1 + (4 - 1) + 0 + 1 = 8; params 4*4*8*3 + 3 = 387
    assert tconv["output_shape"] == [8, 8, 3] and tconv["params"] == 387
    padded = json.loads(cli("calc", "tconv", "--input", "4x4x8", "-K", "3", "-F", "3", "-S", "2",
                            "--output-padding", "1", "--format", "json").stdout)
    assert padded["output_shape"] == [10, 10, 3]  # 3*2 + 2 + 1 + 1
    dense = json.loads(cli("calc", "dense", "--input", "4096", "--units", "1000", "--format", "json").stdout)
    assert dense["params"] == (4096 + 1) * 1000 and dense["macs"] == 4096 * 1000
    flat = json.loads(cli("calc", "dense", "--input", "6x6x256", "--units", "10", "--no-bias",
                          "--format", "json").stdout)
    assert flat["params"] == 6 * 6 * 256 * 10
    up = json.loads(cli("calc", "upsample", "--input", "7x7x3", "--scale", "2", "--format", "json").stdout)
    assert up["output_shape"] == [14, 14, 3]
    sized = json.loads(cli("calc", "upsample", "--input", "7x7x3", "--size", "56x64", "--mode", "bilinear",
                           "--format", "json").stdout)
    assert sized["output_shape"] == [56, 64, 3]
    ratio = json.loads(cli("calc", "upsample", "--input", "4x4x1", "--scale", "3/2", "--format", "json").stdout)
    assert ratio["output_shape"] == [6, 6, 1]


def test_calc_exit_codes():
    assert cli("calc", "conv", "--input", "3x3x1", "--filters", "1", "--kernel", "5").exit_code == 1
    assert cli("calc", "conv", "--input", "axb", "--filters", "1", "--kernel", "5").exit_code == 2


# ----- check -----------------------------------------------------------------------------------

LENET_RIGHT = """\
layers:
  c1: {output_shape: 6x28x28, params: 156, params_without_bias: 150, macs: "117,600", flops: 239904,
       units: 4704, memory: 18816, receptive_field: 5x5}
  s2: {output_shape: [6, 14, 14], receptive_field: 6x6}
  c5: {params: 48 120, macs: 48K}
totals: {params: "61,706", params_without_bias: 61470, macs: 416520, flops: 852370, units: 15002,
         memory: 60008}
"""


def test_check_grades_every_documented_figure_right():
    # c1, s2 and the totals as worked out in the module docstring; FLOPs total:
    # 2 x 416,520 MACs + biases 4,704 + 1,600 + 120 + 84 + 10 + tanh 4,704 + 1,600 + 120 + 84
    # + avgpool 4 per output 4*1,176 + 4*400 = 833,040 + 6,518 + 6,508 + 6,304 = 852,370
    write("answers.yaml", LENET_RIGHT)
    result = cli("check", LENET, "answers.yaml")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.count("✓") == 8 + 2 + 2 + 6 and "✗" not in result.stdout


@pytest.mark.parametrize("figure, wrong, expected, slip", [
    ("output_shape", "28x28x6", "6x28x28", "channels"),
    ("params", "150", "156", "without the biases"),
    ("params_without_bias", "156", "150", "includes the biases"),
    ("macs", "239904", "117,600", "FLOPs"),
    ("flops", "117600", "239,904", "MACs"),
    ("units", "18816", "4,704", "bytes"),
    ("memory", "4704", "18,816", "number of values"),
    ("receptive_field", "3x3", "5", None),
    ("macs", "117,060", "117,600", "neighbouring"),  # two digits swapped
])
def test_check_names_the_expected_value_and_the_slip(figure, wrong, expected, slip):
    write("answers.yaml", f"layers:\n  c1: {{{figure}: '{wrong}'}}\n")
    result = cli("check", LENET, "answers.yaml")
    assert result.exit_code == 1
    assert "✗" in result.stdout and expected in result.stdout and "(line 2)" in result.stdout
    if slip:
        assert slip in result.stdout


@pytest.mark.parametrize("figure, wrong, slip", [
    ("params", "61470", "without the biases"),
    ("macs", "852370", "FLOPs"),
    ("flops", "416520", "MACs"),
    ("params_without_bias", "61000", None),
    ("units", "15000", None),
    ("memory", "50000", None),
])
def test_check_totals_wrong(figure, wrong, slip):
    write("answers.yaml", f"totals: {{{figure}: {wrong}}}\n")
    result = cli("check", LENET, "answers.yaml")
    assert result.exit_code == 1 and "✗ totals" in result.stdout
    if slip:
        assert slip in result.stdout


@pytest.mark.parametrize("written", ["34944", "'34,944'", "34 944", "34.944"])
def test_check_number_notations_in_full_are_exact(written):
    write("a.yaml", ALEXNET_CONV1)
    write("answers.yaml", f"layers:\n  conv1: {{params: {written}}}\n")
    assert cli("check", "a.yaml", "answers.yaml").exit_code == 0
    write("off.yaml", "layers:\n  conv1: {params: 34945}\n")
    assert cli("check", "a.yaml", "off.yaml").exit_code == 1


def test_check_suffixed_numbers_are_rounded_to_their_last_digit():
    # AlexNet original: 60,954,656 parameters; 61M stands for 60.5M..61.5M, 60M for 59.5M..60.5M
    write("right.yaml", "totals: {params: 61M}\n")
    assert cli("check", ALEXNET_ORIGINAL, "right.yaml").exit_code == 0
    write("wrong.yaml", "totals: {params: 60M}\n")
    assert cli("check", ALEXNET_ORIGINAL, "wrong.yaml").exit_code == 1
    write("mib.yaml", "layers:\n  conv1: {memory: 1.1 MiB, macs: 105M}\n")  # 1,161,600 B; 105,415,200
    assert cli("check", ALEXNET_ORIGINAL, "mib.yaml").exit_code == 0
    write("millones.yaml", "totals: {params: '61,0 millones'}\n")
    assert cli("check", ALEXNET_ORIGINAL, "millones.yaml").exit_code == 0


def test_check_the_readme_answers_example_runs_as_written():
    block = README.split("## Answers for `convcalc check`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    write("answers.yaml", block)
    result = cli("check", ALEXNET_ORIGINAL, "answers.yaml")
    # pool1 written channels first for an hwc spec: 27x27x96 expected, the order pointed out
    assert result.exit_code == 1
    assert "✗ pool1 output size: [96, 27, 27], expected 27x27x96" in result.stdout
    assert "other order" in result.stdout
    assert "✓ conv1 output size: 55x55x96" in result.stdout
    assert "✓ fc8 parameters without bias: 4096000" in result.stdout  # 4096*1000
    assert "✓ totals parameters: 61M" in result.stdout
    for fmt in ("json", "markdown"):
        assert cli("check", ALEXNET_ORIGINAL, "answers.yaml", "--format", fmt).exit_code == 1


def test_check_json_for_autograders():
    write("answers.yaml", "layers:\n  c1: {params: 150, macs: 117600}\n")
    result = cli("check", LENET, "answers.yaml", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["correct"], data["total"]) == (1, 2)
    params = data["answers"][0]
    assert (params["layer"], params["figure"], params["expected"], params["correct"], params["line"]) == \
        ("c1", "params", 156, False, 2)
    assert params["mistake"] and params["derivation"]
    markdown = cli("check", LENET, "answers.yaml", "--format", "markdown").stdout
    assert "1 of 2" in markdown


def test_check_values_graded_right():
    # the notes' 3x3 kernel over the 5x5 image, worked by hand in cross-correlation:
    image = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    kernel = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    output = [[sum(image[i + a][j + b] * kernel[a][b] for a in range(3) for b in range(3)) for j in range(3)]
              for i in range(3)]
    assert output == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]  # as the notes print it
    write("answers.yaml", f"layers:\n  feature_map: {{values: {output}}}\n")
    result = cli("check", CONV_3X3, "answers.yaml")
    assert result.exit_code == 0 and "✓" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_check_values_in_every_format(fmt):
    write("answers.yaml", "layers:\n  feature_map: {values: [[12, 12, 17], [10, 17, 19], [9, 6, 15]]}\n")
    result = cli("check", CONV_3X3, "answers.yaml", "--format", fmt)
    assert result.exit_code == 1 and "14" in result.stdout


def test_check_tolerance_and_spanish():
    write("answers.yaml", "layers:\n  c1: {macs: 118000}\ntolerance: 1%\n")  # 400 off 117,600: 0.34%
    assert cli("check", LENET, "answers.yaml").exit_code == 0
    write("wrong.yaml", "layers:\n  c1: {params: 150}\n")
    spanish = cli("check", LENET, "wrong.yaml", "--lang", "es")
    assert spanish.exit_code == 1 and "se esperaba 156" in spanish.stdout and "sesgo" in spanish.stdout


def test_check_unreadable_answers_exit_two():
    write("answers.yaml", "layers:\n  c9: {params: 1}\n")
    result = cli("check", LENET, "answers.yaml")
    assert result.exit_code == 2 and one_line(result.stderr).startswith("answers.yaml:2:")


# ----- quiz ------------------------------------------------------------------------------------

def test_quiz_writes_three_files_and_its_key_is_graded_right():
    result = cli("quiz", "--seed", "3", "--count", "4", "--output", "q")
    assert result.exit_code == 0
    assert sorted(os.listdir("q")) == ["quiz.md", "quiz.yaml"] and os.listdir("q-key") == ["key.yaml"]
    assert len(re.findall(r"^\d+\. ", Path("q/quiz.md").read_text(encoding="utf-8"), re.M)) == 4
    graded = cli("check", "q/quiz.yaml", "q-key/key.yaml")
    assert graded.exit_code == 0 and "✗" not in graded.stdout


def test_quiz_same_seed_same_quiz_other_seed_other_quiz():
    for directory, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        assert cli("quiz", "--seed", seed, "--output", directory).exit_code == 0
    text = {d: Path(d, "quiz.md").read_text(encoding="utf-8") + Path(f"{d}-key", "key.yaml").read_text(encoding="utf-8")
            for d in "abc"}
    assert text["a"] == text["b"] and text["a"] != text["c"]


@pytest.mark.parametrize("topic, words", [("tconv", "transposed convolution"), ("dense", "dense"),
                                          ("pool", "pooling"), ("conv", "convolution")])
def test_quiz_topics(topic, words):
    assert cli("quiz", "--seed", "5", "--count", "3", "--topics", topic, "--output", "q").exit_code == 0
    exercises = re.findall(r"^\d+\. (.*)$", Path("q/quiz.md").read_text(encoding="utf-8"), re.M)
    assert len(exercises) == 3 and all(words in exercise for exercise in exercises)
    assert cli("check", "q/quiz.yaml", "q-key/key.yaml").exit_code == 0


def test_quiz_default_output_never_replaced_without_force():
    assert cli("quiz").exit_code == 0 and Path("quiz/quiz.md").exists()
    Path("quiz/quiz.md").write_text("mine", encoding="utf-8")
    again = cli("quiz", "--seed", "1")
    assert again.exit_code == 2 and "--force" in one_line(again.stderr)
    assert Path("quiz/quiz.md").read_text(encoding="utf-8") == "mine"
    assert cli("quiz", "--seed", "1", "--force").exit_code == 0
    assert Path("quiz/quiz.md").read_text(encoding="utf-8") != "mine"


def test_quiz_key_output_puts_the_key_where_asked_and_never_beside_the_questions():
    assert cli("quiz", "--seed", "2", "--output", "hand-out", "--key-output", "teacher/keys").exit_code == 0
    assert sorted(os.listdir("hand-out")) == ["quiz.md", "quiz.yaml"]
    assert cli("check", "hand-out/quiz.yaml", "teacher/keys/key.yaml").exit_code == 0
    beside = cli("quiz", "--output", "q2", "--key-output", "q2/")
    assert beside.exit_code == 2 and "--key-output" in one_line(beside.stderr) and not Path("q2").exists()


def test_quiz_in_spanish_and_bad_topic():
    assert cli("quiz", "--lang", "es", "--output", "es").exit_code == 0
    assert "capa" in Path("es/quiz.md").read_text(encoding="utf-8").lower()
    assert cli("quiz", "--topics", "conv,rnn").exit_code == 2 and not Path("quiz").exists()


# ----- lock and diff ---------------------------------------------------------------------------

def test_lock_writes_the_documented_snapshot():
    write("net.yaml", Path(LENET).read_text(encoding="utf-8"))
    result = cli("lock", "net.yaml")
    assert result.exit_code == 0 and result.stdout.strip() == "net.lock.json"
    data = json.loads(Path("net.lock.json").read_text(encoding="utf-8"))
    assert {"convcalc", "taken_at", "layers", "totals"} <= set(data)
    assert data["taken_at"]["input_shape"] == [1, 32, 32]
    c1 = data["layers"][0]
    assert (c1["name"], c1["output_shape"], c1["params"], c1["macs"], c1["activation_bytes"]) == \
        ("c1", [6, 28, 28], 156, 117600, 18816)
    assert data["totals"]["params"] == LENET_PARAMS and data["totals"]["macs"] == LENET_MACS
    assert data["totals"]["memory"] == LENET_PARAM_BYTES + 2 * 18816


def test_lock_output_force_and_set():
    write("sym.yaml", SYMBOLIC_LENET)
    assert cli("lock", "sym.yaml", "-o", "at32.json", "--set", "H=32", "--set", "W=32").exit_code == 0
    data = json.loads(Path("at32.json").read_text(encoding="utf-8"))
    assert data["taken_at"]["set"] == {"H": 32, "W": 32} and data["totals"]["params"] == LENET_PARAMS
    before = Path("at32.json").read_bytes()
    refused = cli("lock", "sym.yaml", "-o", "at32.json", "--set", "H=36", "--set", "W=36")
    assert refused.exit_code == 2 and "--force" in one_line(refused.stderr)
    assert Path("at32.json").read_bytes() == before
    assert cli("lock", "sym.yaml", "-o", "at32.json", "--set", "H=36", "--set", "W=36", "--force").exit_code == 0
    assert json.loads(Path("at32.json").read_text(encoding="utf-8"))["taken_at"]["set"] == {"H": 36, "W": 36}


WIDER = Path(LENET).read_text(encoding="utf-8").replace("{name: c1, filters: 6,", "{name: c1, filters: 8,")
# c1 with 8 filters: params (5*5*1 + 1)*8 = 208 (+52); c3 (5*5*8 + 1)*16 = 3,216 (+800): +852 in all,
# 852/61,706 = +1.38%; MACs c1 +28*28*2*25 = +39,200, c3 +10*10*16*25*2 = +80,000: +119,200 (+28.62%)


def test_diff_two_specs_text():
    write("a.yaml", Path(LENET).read_text(encoding="utf-8"))
    write("b.yaml", WIDER)
    result = cli("diff", "a.yaml", "b.yaml")
    assert result.exit_code == 0
    params = next(line for line in result.stdout.splitlines() if line.strip().startswith("params"))
    assert "61,706" in params and "62,558" in params and "+852" in params and "+1.38%" in params
    assert "changed c1 (conv2d): 6x28x28 -> 8x28x28, params +52, MACs +39,200" in result.stdout
    assert "changed c3" in result.stdout and "+80,000" in result.stdout


def test_diff_spec_against_its_lock_file_and_formats():
    write("a.yaml", Path(LENET).read_text(encoding="utf-8"))
    assert cli("lock", "a.yaml").exit_code == 0
    write("b.yaml", WIDER)
    data = json.loads(cli("diff", "a.lock.json", "b.yaml", "--format", "json").stdout)
    assert data["totals"]["params"] == {"before": 61706, "after": 62558, "delta": 852,
                                        "percent": pytest.approx(852 / 61706 * 100)}
    assert data["totals"]["macs"]["delta"] == 119200 and data["failed"] == []
    assert [(layer["change"], layer["name"]) for layer in data["layers"]][0] == ("changed", "c1")
    markdown = cli("diff", "a.lock.json", "b.yaml", "--format", "markdown").stdout
    assert "| params | 61,706 | 62,558 | +852 | +1.38% |" in markdown
    github = cli("diff", "a.lock.json", "b.yaml", "--format", "github").stdout
    assert "::notice file=b.yaml,line=10," in github and "c1" in github  # c1 sits on line 10


def test_diff_added_removed_renamed():
    base = Path(LENET).read_text(encoding="utf-8")
    write("a.yaml", base)
    renamed = base.replace("name: c5,", "name: fc5,").replace("  - dense: {name: output, units: 10}\n", "")
    write("b.yaml", renamed + "  - dense: {name: logits, units: 10}\n  - softmax\n")
    result = cli("diff", "a.yaml", "b.yaml", "--format", "json")
    changes = {(layer["change"], layer["name"]) for layer in json.loads(result.stdout)["layers"]}
    kinds = {change for change, _ in changes}
    assert {"added", "renamed"} <= kinds or {"added", "removed"} <= kinds, changes
    text = cli("diff", "a.yaml", "b.yaml").stdout
    assert "softmax" in text and "fc5" in text


def test_diff_generated_names_are_paired_by_aligning_the_sequence():
    # a relu inserted after the first tanh (generated names relu1; tanh1.. keep theirs): one layer
    # added, every other layer paired with itself and unchanged
    base = Path(LENET).read_text(encoding="utf-8")
    write("a.yaml", base)
    write("b.yaml", base.replace("  - tanh\n", "  - tanh\n  - relu\n", 1))
    data = json.loads(cli("diff", "a.yaml", "b.yaml", "--format", "json").stdout)
    assert [(layer["change"], layer["name"]) for layer in data["layers"]] == [("added", "relu1")]


@pytest.mark.parametrize("thresholds, code", [
    (["params:+5%"], 0),        # +1.38% is within 5%
    (["params:+1%"], 1),
    (["macs:+0"], 1),           # any growth
    # the peak grows by 852*4 parameter bytes + c1's and tanh1's two more maps, 2*2*28*28*4:
    # 3,408 + 12,544 = 15,952 B, far below 10 MiB and above 1 KiB
    (["memory:+10MiB"], 0),
    (["memory:+1KiB"], 1),
    (["params:+5%", "macs:+50%"], 0),
    (["params:+5%", "macs:+20%"], 1),
])
def test_diff_fail_on(thresholds, code):
    write("a.yaml", Path(LENET).read_text(encoding="utf-8"))
    write("b.yaml", WIDER)
    args = [arg for threshold in thresholds for arg in ("--fail-on", threshold)]
    result = cli("diff", "a.yaml", "b.yaml", *args)
    assert result.exit_code == code
    assert ("exceeded" in result.stdout) == bool(code)
    failed = json.loads(cli("diff", "a.yaml", "b.yaml", *args, "--format", "json").stdout)["failed"]
    assert bool(failed) == bool(code)


def git(*args, cwd):
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=60)


def test_diff_base_compares_with_a_git_revision(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    (repo / "net.yaml").write_text(Path(LENET).read_text(encoding="utf-8"), encoding="utf-8")
    git("add", "net.yaml", cwd=repo)
    git("commit", "-qm", "lenet", cwd=repo)
    (repo / "net.yaml").write_text(WIDER, encoding="utf-8")
    os.chdir(repo)
    result = cli("diff", "net.yaml", "--base", "HEAD", "--fail-on", "params:+1%")
    assert result.exit_code == 1 and "+852" in result.stdout and "exceeded" in result.stdout
    assert cli("diff", "net.yaml", "--base", "HEAD", "--format", "json").exit_code == 0
    missing = cli("diff", "net.yaml", "--base", "nosuchbranch")
    assert missing.exit_code == 2 and "nosuchbranch" in one_line(missing.stderr)


# ----- run and verify --------------------------------------------------------------------------

def test_run_prints_the_notes_feature_map():
    result = cli("run", CONV_3X3)
    assert result.exit_code == 0
    assert "[[[12, 12, 17],\n  [10, 17, 19],\n  [ 9,  6, 14]]]" in result.stdout
    assert "81" in result.stdout  # 3*3 outputs x 3*3 kernel = 81 MACs performed


def test_run_json():
    data = json.loads(cli("run", CONV_3X3, "--format", "json").stdout)
    assert data["layers"][0]["macs"] == 81 and data["layers"][0]["output_shape"] == [1, 3, 3]
    assert data["outputs"]["feature_map"]["values"] == [[[[12, 12, 17], [10, 17, 19], [9, 6, 14]]]]


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda path: path.stem)
def test_run_every_shipped_example(example):
    result = cli("run", example, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["outputs"]


def test_run_seed_draws_the_weights_and_input():
    first = json.loads(cli("run", LENET, "--seed", "1", "--format", "json").stdout)["outputs"]
    again = json.loads(cli("run", LENET, "--seed", "1", "--format", "json").stdout)["outputs"]
    other = json.loads(cli("run", LENET, "--seed", "2", "--format", "json").stdout)["outputs"]
    assert first == again and first != other


TINY = "name: tiny\ninput: [1, 3, 3]\nlayers:\n  - conv2d: {name: conv, filters: 1, kernel: 2}\n"


def test_run_weights_and_input_files():
    write("tiny.yaml", TINY)
    np.savez("w.npz", **{"conv.weight": np.ones((1, 1, 2, 2), "float32"), "conv.bias": np.full(1, 0.5, "float32")})
    np.save("x.npy", np.arange(9, dtype="float32").reshape(1, 3, 3))  # one sample
    data = json.loads(cli("run", "tiny.yaml", "--weights", "w.npz", "--input", "x.npy", "--format", "json").stdout)
    # windows of [[0,1,2],[3,4,5],[6,7,8]]: 0+1+3+4 = 8, 1+2+4+5 = 12, 3+4+6+7 = 20, 4+5+7+8 = 24; + 0.5
    assert data["outputs"]["conv"]["values"] == [[[[8.5, 12.5], [20.5, 24.5]]]]
    np.save("batch.npy", np.arange(9, dtype="float32").reshape(1, 1, 3, 3))  # a batch of one
    batch = json.loads(cli("run", "tiny.yaml", "--weights", "w.npz", "--input", "batch.npy",
                           "--format", "json").stdout)
    assert batch["outputs"]["conv"]["values"] == data["outputs"]["conv"]["values"]
    np.save("wrong.npy", np.zeros((2, 3, 3), "float32"))
    refused = cli("run", "tiny.yaml", "--input", "wrong.npy")
    assert refused.exit_code == 2 and one_line(refused.stderr).startswith("wrong.npy")
    np.savez("bad.npz", **{"conv.weight": np.ones((1, 1, 3, 3), "float32")})
    assert cli("run", "tiny.yaml", "--weights", "bad.npz").exit_code == 2


def test_run_save_keeps_every_activation_and_never_replaces_without_force():
    result = cli("run", LENET, "--save", "acts.npz")
    assert result.exit_code == 0
    with np.load("acts.npz") as saved:
        shapes = {key: saved[key].shape for key in saved.files}
    assert shapes["input"] == (1, 1, 32, 32) and shapes["c1"] == (1, 6, 28, 28) and shapes["output"] == (1, 10)
    assert len(shapes) == 1 + 12
    Path("acts.npz").write_bytes(b"mine")
    refused = cli("run", LENET, "--save", "acts.npz")
    assert refused.exit_code == 2 and "--force" in one_line(refused.stderr)
    assert Path("acts.npz").read_bytes() == b"mine"
    assert cli("run", LENET, "--save", "acts.npz", "--force").exit_code == 0
    assert Path("acts.npz").read_bytes() != b"mine"


@pytest.mark.parametrize("command", ["run", "verify"])
def test_max_memory_refuses_with_the_figure(command):
    result = cli(command, LENET, "--max-memory", "100KiB")  # the peak is 284,456 B = 0.27 MiB
    assert result.exit_code == 2
    line = one_line(result.stderr)
    # the predicted peak, 284,456 B, in whichever unit the message uses
    assert any(figure in line for figure in ("0.3 MiB", "0.27 MiB", "277.8 KiB", "284,456")) and "--max-memory" in line
    # allowed: 1.5 x the predicted peak + 1 MiB (the bound verify holds a run to) = 1.41 MiB
    assert cli(command, LENET, "--max-memory", "1MiB").exit_code == 2
    assert cli(command, LENET, "--max-memory", "2MiB").exit_code == 0


def test_max_memory_refusal_shows_the_limit_given():
    line = one_line(cli("run", LENET, "--max-memory", "1KiB").stderr)
    assert "0.0 MiB" not in line


@pytest.mark.parametrize("command", ["run", "verify"])
def test_set_is_needed_to_run_a_symbolic_spec(command):
    write("sym.yaml", SYMBOLIC_LENET)
    refused = cli(command, "sym.yaml")
    assert refused.exit_code == 2 and "--set" in one_line(refused.stderr)
    assert cli(command, "sym.yaml", "--set", "H=32", "--set", "W=32").exit_code == 0


def test_verify_confirms_every_figure():
    result = cli("verify", LENET)
    assert result.exit_code == 0 and "every figure confirmed" in result.stdout
    assert "1.5 x predicted + 1 MiB" in result.stdout
    data = json.loads(cli("verify", SEED002, "--seed", "3", "--format", "json").stdout)
    assert data["ok"] is True and data["checks"]
    assert {"layer", "figure", "expected", "measured", "ok"} <= set(data["checks"][0])
    conv = {check["figure"]: check["expected"] for check in data["checks"] if check["layer"] == "conv"}
    assert sorted(conv["shape"]) == [6, 32, 32]   # padding 1 keeps 32x32 (6 maps)
    assert conv["macs"] == 32 * 32 * 6 * 3 * 3 * 3  # 165,888


def test_verify_weights_and_input_options():
    write("tiny.yaml", TINY)
    np.savez("w.npz", **{"conv.weight": np.ones((1, 1, 2, 2), "float32"), "conv.bias": np.zeros(1, "float32")})
    np.save("x.npy", np.ones((1, 3, 3), "float32"))
    assert cli("verify", "tiny.yaml", "--weights", "w.npz", "--input", "x.npy").exit_code == 0


def test_verify_an_inconsistent_spec_exits_one():
    write("broken.yaml", BROKEN)
    result = cli("verify", "broken.yaml")
    assert result.exit_code == 1 and "broken.yaml:5:" in result.stderr


# ----- layers, schema, help --------------------------------------------------------------------

README_LAYER_TYPES = ["conv2d", "depthwise_conv2d", "separable_conv2d", "conv_transpose2d", "conv1d", "conv3d",
                      "maxpool2d", "avgpool2d", "sumpool2d", "lppool2d", "global_avgpool2d",
                      "adaptive_avgpool2d", "upsample2d", "zeropad2d", "crop2d", "center_crop2d",
                      "batchnorm2d", "layernorm", "groupnorm", "lrn", "dropout", "relu", "relu6", "leaky_relu",
                      "prelu", "elu", "selu", "gelu", "sigmoid", "tanh", "silu", "hardswish", "hardsigmoid",
                      "softplus", "mish", "softmax", "log_softmax", "flatten", "dense", "add", "multiply", "concat"]


def test_layers_lists_the_readme_types_with_formulas():
    data = json.loads(cli("layers", "--format", "json").stdout)
    types = {entry["type"] for entry in data}
    assert set(README_LAYER_TYPES) <= types
    for entry in data:
        assert entry["flops"] and "formulas" in entry and "fields" in entry, entry["type"]
    text = cli("layers", "conv2d", "dense").stdout
    assert {line.split(":")[0] for line in text.splitlines() if line and not line.startswith(" ")} == \
        {"conv2d", "dense"} and "flops:" in text
    assert "filters or out_channels (required)" in text
    unknown = cli("layers", "conv2")
    assert unknown.exit_code == 2 and "conv2d" in unknown.stderr


def test_schema_stdout_and_file():
    printed = json.loads(cli("schema").stdout)
    assert printed == json.loads((ROOT / "convcalc.schema.json").read_text(encoding="utf-8"))
    assert cli("schema", "-o", "spec.schema.json").exit_code == 0
    assert json.loads(Path("spec.schema.json").read_text(encoding="utf-8")) == printed


def test_schema_never_replaces_a_file():
    Path("mine.json").write_text("mine", encoding="utf-8")
    result = cli("schema", "-o", "mine.json")
    assert Path("mine.json").read_text(encoding="utf-8") == "mine"
    assert result.exit_code == 2


HELP_OPTIONS = {
    ("analyze",): ["--format", "table", "json", "markdown", "csv", "github", "concise", "sarif", "GITHUB_ACTIONS",
                   "--quiet", "--select", "--ignore", "--set", "--strict", "--optimizer",
                   "adam", "momentum", "sgd", "--lang", "--max-params", "--max-macs", "--max-flops",
                   "--max-memory", "--max-activation", "--max-training-memory", "--depth", "blocks"],
    ("run",): ["--set", "--seed", "--weights", "--input", "--save", "--force", "--max-memory", "--format", "--lang"],
    ("verify",): ["--set", "--seed", "--weights", "--input", "--max-memory", "--format", "--lang"],
    ("explain",): ["--layer", "--set", "--format", "text", "markdown", "json", "--lang"],
    ("calc", "conv"): ["--input", "--layout", "--channels", "--filters", "--kernel", "--stride", "--padding",
                       "--dilation", "--groups", "--bias", "--format"],
    ("calc", "pool"): ["--input", "--kernel", "--stride", "--padding", "--mode", "--ceil-mode"],
    ("calc", "tconv"): ["--input", "--filters", "--kernel", "--output-padding"],
    ("calc", "dense"): ["--input", "--units"],
    ("calc", "upsample"): ["--input", "--scale", "--size", "--mode"],
    ("check",): ["--format", "json", "--lang"],
    ("quiz",): ["--seed", "--count", "--topics", "--output", "--force"],
    ("lock",): ["--output", "--set", "--force"],
    ("diff",): ["--base", "--fail-on", "--format", "markdown", "json", "github", "--set", "--diagram"],
    ("draw",): ["--output", "--format", "svg", "png", "pdf", "dot", "mmd", "--depth", "--set", "--input", "--force",
                "--lang"],
    ("layers",): ["--format", "text", "json"],
    ("schema",): ["--output", "--of", "spec", "output"],
}


@pytest.mark.parametrize("command", list(HELP_OPTIONS), ids=" ".join)
def test_help_names_every_documented_option(command):
    result = cli(*command, "--help")
    assert result.exit_code == 0
    for word in HELP_OPTIONS[command]:
        assert word in result.stdout, word


def test_version_and_top_level_help():
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("analyze", "run", "verify", "explain", "calc", "check", "quiz", "lock", "diff", "layers",
                    "schema", "draw"):
        assert command in result.stdout
    assert cli("--version").stdout.startswith("convcalc, version ")


# ----- more of the README: slips, dtypes, batch, YAML rules, padding forms, CI hooks ---------------

@pytest.mark.parametrize("spec, answer, expected, slip", [
    # c3 sees the 6 maps of s2: (5*5*6 + 1)*16 = 2,416; with D left out (5*5*1 + 1)*16 = 416
    (LENET, "c3: {params: 416}", "2,416", "input depth D was left out"),
    # seed002's conv: 3x3, padding 1 on 32x32: (32 - 3 + 2*1)/1 + 1 = 32; padding once: 31
    (SEED002, "conv: {output_shape: 31x31x6}", "32x32x6", "padding was counted once"),
    # (33 - 2)/2 + 1 = 16.5 -> floor 16; ceil gives 17
    ("inexact.yaml", "c: {output_shape: 2x17x17}", "2x16x16", "rounded up"),
    # 1x32x40, conv 5: 6x28x36; swapped 6x36x28
    ("oblong.yaml", "c: {output_shape: 6x36x28}", "6x28x36", "height and width are swapped"),
])
def test_check_recognises_the_documented_slips(spec, answer, expected, slip):
    write("inexact.yaml", INEXACT)
    write("oblong.yaml", "name: o\ninput: [1, 32, 40]\nlayers:\n  - conv2d: {name: c, filters: 6, kernel: 5}\n")
    write("answers.yaml", f"layers:\n  {answer}\n")
    result = cli("check", spec, "answers.yaml")
    assert result.exit_code == 1 and f"expected {expected}" in result.stdout and slip in result.stdout


def test_check_floor_in_ceil_mode():
    # maxpool 3, stride 2, ceil_mode on 6x6: ceil((6 - 3)/2) + 1 = 3; floor gives 2
    write("ceil.yaml", "name: c\ninput: [1, 6, 6]\nlayers:\n  - maxpool2d: {name: p, kernel: 3, stride: 2, "
                       "ceil_mode: true}\n")
    write("answers.yaml", "layers:\n  p: {output_shape: 1x2x2}\n")
    result = cli("check", "ceil.yaml", "answers.yaml")
    assert result.exit_code == 1 and "expected 1x3x3" in result.stdout and "ceil_mode" in result.stdout


@pytest.mark.parametrize("dtype, computed, size", [("float32", "float32", 4), ("float16", "float16", 2),
                                                  ("float64", "float64", 8), ("bfloat16", "float32", 2),
                                                  ("int8", "float32", 1)])
def test_dtype_sets_the_memory_and_the_computation(dtype, computed, size):
    write("d.yaml", f"name: d\ninput: [1, 4, 4]\ndtype: {dtype}\nbatch: 3\nlayers: [relu]\n")
    layer = one_spec(cli("analyze", "d.yaml", "--format", "json").stdout)["layers"][0]
    assert layer["units"] == 1 * 4 * 4  # one sample
    assert layer["activation_elements"] == 16 * 3 and layer["activation_bytes"] == 16 * 3 * size  # batch of 3
    run = json.loads(cli("run", "d.yaml", "--format", "json").stdout)
    assert run["dtype"] == computed


@pytest.mark.parametrize("text, place, words", [
    ("name: n\ninput: [1, 4, 4]\nlayers:\n  - conv2d: {filters: 010, kernel: 1}\n", "4:23", "leading zero"),
    ("name: n\nname: m\ninput: [1, 4, 4]\nlayers: [relu]\n", "2:1", "twice"),
    ("b: &b {filters: 2, kernel: 1}\nname: n\ninput: [1, 4, 4]\nlayers:\n  - conv2d: {<<: *b}\n", "5:14", "merge"),
    ("name: n\ninput: [1, 4, 4]\nlayers:\n  - relu: {repeat: 200000}\n", "4:11", "100000 layers"),
])
def test_yaml_rules_and_limits_are_located_refusals(text, place, words):
    write("n.yaml", text)
    result = cli("analyze", "n.yaml")
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith(f"n.yaml:{place}: ") and words in line


def test_yaml_no_stays_a_string():
    write("no.yaml", "name: no\ninput: [1, 4, 4]\nlayers: [relu]\n")
    assert one_spec(cli("analyze", "no.yaml", "--format", "json").stdout)["name"] == "no"


@pytest.mark.parametrize("padding, size", [("valid", 6), ("same", 8), ("full", 10), ("1", 8), ("2", 10)])
def test_padding_forms(padding, size):
    # 8x8 input, 3x3 kernel, stride 1: valid 8 - 3 + 1 = 6; same keeps 8; full pads F - 1 = 2 a side: 10
    data = json.loads(cli("calc", "conv", "--input", "8x8x1", "-K", "1", "-F", "3", "-P", padding,
                          "--format", "json").stdout)
    assert data["output_shape"] == [size, size, 1]


def test_padding_pairs_in_a_spec():
    # [before, after] per axis: H 8 + 0 + 1 - 3 + 1 = 7; W 8 + 2 + 2 - 3 + 1 = 10
    write("p.yaml", "name: p\ninput: [1, 8, 8]\nlayers:\n  - conv2d: {filters: 1, kernel: 3, "
                    "padding: [[0, 1], [2, 2]]}\n")
    assert one_spec(cli("analyze", "p.yaml", "--format", "json").stdout)["layers"][0]["output_shape"] == [1, 7, 10]


def test_the_pre_commit_hook_entry_runs():
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    program, *arguments = hook["entry"].split()
    assert program == "convcalc"
    ok = cli(*arguments, "--max-params", "30M", LENET, SEED002)
    assert ok.exit_code == 0
    write("broken.yaml", BROKEN)
    failed = cli(*arguments, "broken.yaml")
    # BROKEN's dense layer sits on line 5, column 5: one concise line, code and level included
    assert failed.exit_code == 1 and failed.stdout.startswith("broken.yaml:5:5: error CC103 dense1: ")


def test_docs_ci_commands_run():
    # docs/ci.md: lock a spec, then diff the lock against the spec with two thresholds
    write("specs/net.yaml", Path(LENET).read_text(encoding="utf-8"))
    assert cli("lock", "specs/net.yaml").exit_code == 0 and Path("specs/net.lock.json").exists()
    result = cli("diff", "specs/net.lock.json", "specs/net.yaml", "--fail-on", "params:+5%", "--fail-on", "macs:+0")
    assert result.exit_code == 0 and "+0" in result.stdout


@pytest.mark.parametrize("args, spanish", [
    (["explain", LENET, "--layer", "c1"], "parámetros"),
    (["run", CONV_3X3], "capa"),
    (["calc", "conv", "--input", "8x8x1", "-K", "1", "-F", "3"], "parámetros"),
    (["verify", CONV_3X3], "capa"),
    (["layers", "conv2d"], "filtros"),
])
def test_spanish_in_every_command(args, spanish):
    result = cli(*args, "--lang", "es")
    assert result.exit_code == 0 and spanish in result.stdout.lower()
