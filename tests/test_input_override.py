"""`--input 3x160x160` (and `3xHxW`) analyses any spec at another input without copying it, in
every command that takes --set (`--input-shape` in run and verify, whose --input is an array file)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import SPECS, one_spec
from convcalc.cli import main


def _json(args):
    """The JSON of an analyze (its one spec, validated) or of a diff."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    return one_spec(result.stdout) if args[0] == "analyze" else json.loads(result.stdout)


def test_resnet50_at_160_equals_torchvision_at_160():
    from torch_oracle import compare
    from torchvision_oracle import build

    from conftest import analyze_file

    analysis = analyze_file(SPECS / "resnet50.yaml", input_shape=(3, 160, 160))
    assert analysis.errors == []
    assert compare(analysis, build("resnet50"), (3, 160, 160)) == []
    report = _json(["analyze", "resnet50", "--input", "3x160x160", "--format", "json"])
    assert report["input_shape"] == [3, 160, 160]
    assert report["totals"]["macs"] == analysis.totals.macs


def test_a_symbolic_input_gives_expressions_and_conditions():
    report = _json(["analyze", str(SPECS / "lenet5.yaml"), "--input", "1xHxW", "--format", "json"])
    assert report["symbols"] == ["H", "W"]
    # c1: 5x5 valid conv: H - 4; the dense layer pins 16*floor((H-4)/2 - 4)/2... to 400 (H in 32..35)
    assert report["layers"][0]["output_shape"] == [6, "H - 4", "W - 4"]
    assert report["conditions"], report


def test_the_new_input_reaches_every_figure_of_explain_and_lock(tmp_path):
    explained = CliRunner().invoke(main, ["explain", str(SPECS / "seed002_cnn.yaml"), "--input", "64x64x3"])
    assert explained.exit_code in (0, 1), explained.output
    assert "64" in explained.stdout
    lock = tmp_path / "lenet.lock.json"
    result = CliRunner().invoke(main, ["lock", str(SPECS / "lenet5.yaml"), "--input", "1x32x32", "-o", str(lock)])
    assert result.exit_code == 0, result.output
    assert json.loads(lock.read_text())["taken_at"]["input_shape"] == [1, 32, 32]


def test_diff_at_another_input_compares_both_sides_there():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode
    from torchvision_oracle import build

    report = _json(["diff", str(SPECS / "resnet18.yaml"), str(SPECS / "resnet34.yaml"), "--input", "3x64x64",
                    "--format", "json"])
    for side, builder in (("before", "resnet18"), ("after", "resnet34")):
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            build(builder)(torch.zeros(1, 3, 64, 64))
        assert report["totals"]["macs"][side] == counter.get_total_flops() // 2, side


def test_run_and_verify_take_input_shape():
    wrong = CliRunner().invoke(main, ["verify", str(SPECS / "lenet5.yaml"), "--input-shape", "1x36x36"])
    # (36 - 4)/2 = 16, (16 - 4)/2 = 6: flatten gives 16*6*6 = 576, not c5's in_features 400
    assert wrong.exit_code == 1 and "576" in wrong.stderr
    right = CliRunner().invoke(main, ["verify", str(SPECS / "lenet5.yaml"), "--input-shape", "1x32x32"])
    assert right.exit_code == 0, right.output


@pytest.mark.parametrize("bad", ["3x0x160", "3x1xfor", "1x2x3x4x5", "", "3x-4x4"])
def test_a_bad_input_is_refused_in_one_line(bad):
    result = CliRunner().invoke(main, ["analyze", str(SPECS / "lenet5.yaml"), "--input", bad])
    assert result.exit_code == 2
    assert "3x160x160" in result.stderr and "Traceback" not in result.output
