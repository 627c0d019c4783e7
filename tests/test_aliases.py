"""PyTorch's and Keras's names of a field (kernel_size, out_channels, ...) are documented aliases:
in the JSON Schema, in `convcalc layers`, accepted alone, and refused by name when given with the
convcalc name of the same field."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import ROOT, analyze_text
from convcalc.cli import main

CONVCALC_NAMES = """
name: n
input: [3, 32, 32]
layers:
  - conv2d: {filters: 16, kernel: 3, padding: 1}
  - maxpool2d: {kernel: 2}
  - groupnorm: {groups: 4}
  - flatten
  - dropout: {rate: 0.1}
  - dense: {units: 10}
"""
TORCH_NAMES = CONVCALC_NAMES.replace("filters:", "out_channels:").replace("kernel:", "kernel_size:") \
    .replace("groups: 4", "num_groups: 4").replace("rate:", "p:").replace("units:", "out_features:")


def test_torch_names_analyse_exactly_as_convcalc_names():
    ours, theirs = analyze_text(CONVCALC_NAMES), analyze_text(TORCH_NAMES)
    assert ours.errors == theirs.errors == []
    # conv: (3*3*3 + 1)*16 = 448; groupnorm: 2*16 = 32; dense: (16*16*16 + 1)*10 = 40,970
    assert ours.totals.params == theirs.totals.params == 448 + 32 + 40_970
    assert [r.result.macs for r in ours.layers] == [r.result.macs for r in theirs.layers]


def test_the_schema_accepts_the_aliases_and_refuses_two_names_of_one_field():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "convcalc.schema.json").read_text()))
    assert not list(validator.iter_errors(yaml.safe_load(TORCH_NAMES)))
    both = yaml.safe_load(CONVCALC_NAMES.replace("kernel: 3,", "kernel: 3, kernel_size: 3,"))
    assert list(validator.iter_errors(both))
    neither = yaml.safe_load(CONVCALC_NAMES.replace("filters: 16, ", ""))
    assert list(validator.iter_errors(neither))


@pytest.mark.parametrize("entry, named", [
    ("conv2d: {filters: 8, kernel: 3, kernel_size: 3}", ("kernel_size", "kernel")),
    ("conv2d: {filters: 8, out_channels: 8, kernel: 3}", ("out_channels", "filters")),
])
def test_two_names_of_one_field_are_refused_naming_both(entry, named, tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text(f"name: n\ninput: [3, 8, 8]\nlayers:\n  - {entry}\n")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 2
    assert f"'{named[0]}' and '{named[1]}' are two names of the same field of conv2d" in result.stderr
    assert result.stderr.startswith(f"{path}:4:")


def test_a_typo_of_an_alias_is_pointed_at_the_alias(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("name: n\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {filters: 8, kernel_sise: 3}\n")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert "did you mean 'kernel_size'" in result.stderr and "kernel (or kernel_size)" in result.stderr


def test_layers_lists_the_aliases():
    text = CliRunner().invoke(main, ["layers", "conv2d"]).stdout
    assert "kernel or kernel_size (required)" in text and "filters or out_channels (required)" in text
    data = json.loads(CliRunner().invoke(main, ["layers", "dense", "--format", "json"]).stdout)
    units = next(field for field in data[0]["fields"] if field["name"] == "units")
    assert units["aliases"] == ["out_features", "features"]
