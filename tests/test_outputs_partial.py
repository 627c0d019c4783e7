"""The network's outputs are listed in every format, and totals after an error say they are partial."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from conftest import SPECS, one_spec
from convcalc.cli import main

# 3x21x21 -> conv 3x3 (8 maps): 19x19 -> max pool 2: 9x9 -> conv 11x11 cannot fit: an error there.
BROKEN = "name: broken\ninput: [3, 21, 21]\nlayers:\n  - conv2d: {filters: 8, kernel: 3}\n" \
         "  - maxpool2d: {kernel: 2}\n  - conv2d: {filters: 8, kernel: 11}\n  - flatten\n  - dense: {units: 10}\n"
FIRST_CONV_PARAMS = (3 * 3 * 3 + 1) * 8  # 224: the only analysed layer with parameters


def _run(args):
    return CliRunner().invoke(main, args)


def test_googlenet_with_aux_heads_lists_its_three_outputs_in_every_format():
    spec, train = str(SPECS / "googlenet_aux.yaml"), ["--mode", "train"]
    outputs = ["aux1.fc2", "aux2.fc2", "fc"]  # torchvision's GoogLeNet returns (logits, aux2, aux1) in training
    assert one_spec(_run(["analyze", spec, "--format", "json", *train]).stdout)["outputs"] == outputs
    assert "Outputs: aux1.fc2, aux2.fc2, fc" in _run(["analyze", spec, *train]).stdout
    assert "**Salidas:** aux1.fc2, aux2.fc2, fc" in _run(["analyze", spec, "--format", "markdown", "--lang", "es",
                                                          *train]).stdout
    total = list(csv.DictReader(io.StringIO(_run(["analyze", spec, "--format", "csv", *train]).stdout)))[-1]
    assert total["name"] == "TOTAL" and json.loads(total["inputs"]) == outputs
    # in eval mode (the default) the auxiliary heads do not run: torchvision's eval forward returns fc alone
    assert one_spec(_run(["analyze", spec, "--format", "json"]).stdout)["outputs"] == ["fc"]


def test_a_complete_analysis_says_so():
    report = one_spec(_run(["analyze", str(SPECS / "lenet5.yaml"), "--format", "json"]).stdout)
    assert report["complete"] is True and report["outputs"] == ["output"]
    assert "Partial" not in _run(["analyze", str(SPECS / "lenet5.yaml")]).stdout


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    return str(path)


def test_totals_after_an_error_are_marked_partial_in_every_format(broken):
    result = _run(["analyze", broken, "--format", "json"])
    assert result.exit_code == 1
    report = one_spec(result.stdout)
    assert report["complete"] is False and report["totals"]["params"] == FIRST_CONV_PARAMS
    table = _run(["analyze", broken]).stdout
    assert "Partial totals: 2 of 5 layers analysed" in table
    assert "Totales parciales: 2 de 5 capas analizadas" in _run(["analyze", broken, "--lang", "es"]).stdout
    assert "**Partial totals:**" in _run(["analyze", broken, "--format", "markdown"]).stdout
    total = list(csv.DictReader(io.StringIO(_run(["analyze", broken, "--format", "csv"]).stdout)))[-1]
    assert total["name"] == "TOTAL (partial)" and int(total["params"]) == FIRST_CONV_PARAMS
