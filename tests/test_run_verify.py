"""`convcalc run` and `convcalc verify` from the command line: inputs, saving, limits, and that
verification fails when a figure is wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SPECS
from convcalc.cli import main
from convcalc.layers import REGISTRY

LENET = str(SPECS / "lenet5.yaml")
EXAMPLE = str(SPECS / "examples" / "convolution_3x3_output.yaml")


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_every_layer_type_has_its_rules_in_one_class():
    for kind, cls in REGISTRY.items():
        for attribute in ("infer", "forward", "parameter_shapes", "summary", "formulas", "flop_rule"):
            assert hasattr(cls, attribute), (kind, attribute)


def test_run_refuses_what_would_not_fit_and_says_how_much():
    result = invoke("run", LENET, "--max-memory", "100KB")
    assert result.exit_code == 2 and "MiB" in result.output and "--max-memory" in result.output


def test_run_needs_every_symbol(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text((SPECS / "lenet5.yaml").read_text().replace("[1, 32, 32]", "[1, H, 32]"))
    result = invoke("run", str(spec))
    assert result.exit_code == 2 and "--set H" in result.output
    assert invoke("run", str(spec), "--set", "H=32").exit_code == 0


def test_save_keeps_every_activation_and_never_overwrites(tmp_path):
    target = tmp_path / "acts.npz"
    assert invoke("run", LENET, "--save", str(target)).exit_code == 0
    with np.load(target) as saved:
        assert saved["c1"].shape == (1, 6, 28, 28) and saved["input"].shape == (1, 1, 32, 32)
    before = target.read_bytes()
    refused = invoke("run", LENET, "--save", str(target), "--seed", "3")
    assert refused.exit_code == 2 and "--force" in refused.output and target.read_bytes() == before
    assert invoke("run", LENET, "--save", str(target), "--seed", "3", "--force").exit_code == 0
    assert target.read_bytes() != before


def test_input_file_in_the_specs_layout(tmp_path):
    image = np.arange(32 * 32 * 3, dtype=np.float32).reshape(32, 32, 3) / 3000  # hwc, as the spec
    path = tmp_path / "x.npy"
    np.save(path, image)
    result = invoke("run", str(SPECS / "seed002_cnn.yaml"), "--input", str(path), "--format", "json")
    assert result.exit_code == 0
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, image[:16])
    failed = invoke("run", str(SPECS / "seed002_cnn.yaml"), "--input", str(wrong))
    assert failed.exit_code == 2 and "[32, 32, 3]" in failed.output


def test_inline_weights_of_the_wrong_shape_are_located(tmp_path):
    spec = tmp_path / "w.yaml"
    spec.write_text(open(EXAMPLE).read().replace("[[[[0, 1, 2],", "[[[[0, 1],"))
    result = invoke("run", str(spec))
    assert result.exit_code == 2 and "w.yaml:" in result.output and "feature_map.weight" in result.output


def test_verify_reports_a_wrong_figure(monkeypatch):
    conv = REGISTRY["conv2d"]
    original = conv.infer

    def off_by_one(self, inputs, check):
        result = original(self, inputs, check)
        return type(result)(result.output, result.trainable, result.non_trainable, result.macs + 1, result.flops)

    monkeypatch.setattr(conv, "infer", off_by_one)
    result = invoke("verify", LENET, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    failed = [check for check in data["checks"] if not check["ok"]]
    assert [(c["layer"], c["figure"]) for c in failed] == [("c1", "macs"), ("c3", "macs")]
    assert failed[0]["expected"] == failed[0]["measured"] + 1


@pytest.mark.parametrize("spec", [LENET, EXAMPLE])
def test_verify_table_confirms(spec):
    result = invoke("verify", spec)
    assert result.exit_code == 0 and "every figure confirmed" in result.output
