"""LeNet-5 as published (LeCun, Bottou, Bengio & Haffner 1998, section II.B): trainable
subsampling, C3's connection table (Table I) and the paper's "connections" figure per layer, in
specs/lenet5_original.yaml. Every expected figure is the paper's."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from convcalc.cli import main

# the paper: (trainable parameters, connections) per layer
PAPER = {"c1": (156, 122304), "s2": (12, 5880), "c3": (1516, 151600), "s4": (32, 2000), "c5": (48120, 48120),
         "f6": (10164, 10164)}
SHAPES = {"c1": [6, 28, 28], "s2": [6, 14, 14], "c3": [16, 10, 10], "s4": [16, 5, 5], "c5": [120, 1, 1], "f6": [84]}


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_the_papers_figures_for_every_layer():
    result = invoke("analyze", "lenet5_original", "--format", "json")
    assert result.exit_code == 0, result.output
    layers = {layer["name"]: layer for layer in json.loads(result.stdout)["specs"][0]["layers"]}
    for name, (params, connections) in PAPER.items():
        assert (layers[name]["params"], layers[name]["connections"]) == (params, connections), name
        assert layers[name]["output_shape"] == SHAPES[name], name


def test_explain_derives_them():
    text = invoke("explain", "lenet5_original").stdout
    # C3: 6*3 + 9*4 + 6 = 60 (filter, channel) pairs of 5x5 weights, plus 16 biases
    assert "params = L*F*F + K = 60*5*5 + 16 = 1,516" in text
    assert "connections = MACs + O*O*K = 150000 + 10*10*16 = 151,600" in text
    # S2: a coefficient and a bias per map; each output links to 4 inputs and its bias
    assert "params = 2*C = 2*6 = 12" in text and "14*14*6 * (2*2 + 1) = 5,880" in text
    assert "117600 + 28*28*6 = 122,304" in text  # C1: 28*28*6*25 = 117,600 MACs + 4,704 biases


def test_the_executor_confirms_the_parameters_and_products():
    result = invoke("verify", "lenet5_original")
    assert result.exit_code == 0, result.output


def test_trainable_subsampling_by_hand(tmp_path):
    # one 2x2 window of 1, 2, 3, 4 (sum 10), coefficient 0.5, bias 1: 0.5*10 + 1 = 6
    spec = ("name: s\ninput: [1, 2, 2]\ninput_values: [[1, 2], [3, 4]]\nlayers:\n"
            "  - subsample2d: {name: s, kernel: 2}\n")
    (tmp_path / "s.yaml").write_text(spec)
    np.savez(tmp_path / "w.npz", **{"s.weight": np.array([0.5]), "s.bias": np.array([1.0])})
    result = invoke("run", str(tmp_path / "s.yaml"), "--weights", str(tmp_path / "w.npz"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outputs"]["s"]["values"] == [[[[6.0]]]]


def test_check_grades_connections_and_names_an_ignored_table(tmp_path):
    (tmp_path / "a.yaml").write_text('layers:\n  c3: {connections: "151,600", params: 2416}\n  s2: {connections: 5880}\n')
    result = invoke("check", "lenet5_original", str(tmp_path / "a.yaml"), "--format", "json")
    answers = {(a["layer"], a["figure"]): a for a in json.loads(result.stdout)["answers"]}
    assert answers["c3", "connections"]["correct"] and answers["s2", "connections"]["correct"]
    # every C3 map over all six S2 maps: 16*6*25 + 16 = 2,416
    assert answers["c3", "params"]["mistake"] == "connection_table_ignored"
    (tmp_path / "b.yaml").write_text("layers:\n  tanh1: {connections: 5}\n")
    refused = invoke("check", "lenet5_original", str(tmp_path / "b.yaml"))
    assert refused.exit_code == 2 and "no connections figure" in refused.output


def test_onnx_and_pytorch_export_refuse_the_table_by_name(tmp_path):
    pytest.importorskip("onnx")
    for target, name in (("onnx", "l.onnx"), ("pytorch", "l.py")):
        result = invoke("export", "lenet5_original", "--to", target, "-o", str(tmp_path / name))
        assert result.exit_code == 2 and "c3" in result.output and "connection table" in result.output, result.output


def test_a_table_must_fit_the_layer():
    base = "name: t\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {filters: 2, kernel: 3, connections: %s}\n"
    for table, message in (("[[0]]", "one list of input channels per filter"), ("[[0], []]", "non-empty"),
                           ("[[0], [1, 1]]", "distinct")):
        result = invoke("analyze", "-", input=base % table)
        assert result.exit_code == 2 and message in result.output, result.output
    result = invoke("analyze", "-", input=base % "[[0], [3]]")
    assert result.exit_code == 1 and "input channel 3" in result.output
