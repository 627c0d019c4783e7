"""The command line: exit codes, formats, --set, schema and layer listing, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT, SPECS, analyze_json, one_spec
from convcalc.cli import main
from convcalc.layers import REGISTRY

LENET = str(SPECS / "lenet5.yaml")


def invoke(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_analyze_table_is_plain_text_when_piped():
    result = invoke("analyze", LENET)
    assert result.exit_code == 0
    assert "\x1b[" not in result.output  # no colour codes into a pipe
    assert "61,706" in result.output and "c5" in result.output and "Conventions" in result.output


def test_json_has_the_documented_fields():
    result = invoke("analyze", LENET, "--format", "json")
    assert result.exit_code == 0
    data = one_spec(result.output)
    layer_keys = {"name", "type", "inputs", "output_shape", "params", "trainable_params", "non_trainable_params",
                  "macs", "flops", "activation_elements", "activation_bytes", "receptive_field"}
    total_keys = {"params", "trainable_params", "non_trainable_params", "macs", "flops", "param_bytes",
                  "activation_bytes", "peak_inference_bytes", "training_bytes"}
    assert layer_keys <= set(data["layers"][0])
    assert total_keys <= set(data["totals"])
    assert {"conditions", "diagnostics", "counts", "conventions"} <= set(data)
    assert data["totals"]["params"] == 61706


def test_symbolic_values_are_strings_in_json_and_set_substitutes(tmp_path):
    spec = tmp_path / "lenet.yaml"
    spec.write_text((SPECS / "lenet5.yaml").read_text().replace("[1, 32, 32]", "[1, H, W]"))
    data = one_spec(invoke("analyze", str(spec), "--format", "json").output)
    assert data["layers"][0]["output_shape"] == [6, "H - 4", "W - 4"]
    assert data["valid_sizes"].startswith("(H in {16..19} and W in {112..115})")
    fixed = one_spec(invoke("analyze", str(spec), "--format", "json", "--set", "H=32", "--set", "W=32").output)
    assert fixed["totals"]["params"] == 61706 and fixed["layers"][0]["output_shape"] == [6, 28, 28]


def test_markdown_and_csv():
    markdown = invoke("analyze", LENET, "--format", "markdown").output
    assert markdown.startswith("## LeNet-5") and "| c1 | conv2d | 6x28x28 | 156 |" in markdown
    rows = list(csv.DictReader(io.StringIO(invoke("analyze", LENET, "--format", "csv").output)))
    assert rows[0]["name"] == "c1" and rows[0]["params"] == "156"
    assert rows[-1]["name"] == "TOTAL" and rows[-1]["params"] == "61706"


def test_several_specs_give_a_json_list_and_the_worst_exit_code(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text((SPECS / "lenet5.yaml").read_text().replace("[1, 32, 32]", "[1, 40, 40]"))
    result = invoke("analyze", LENET, str(broken), "--format", "json")
    assert result.exit_code == 1
    assert [item["name"] for item in analyze_json(result.output)["specs"]] == ["LeNet-5", "LeNet-5"]


@pytest.mark.parametrize("args, code", [
    (["analyze", "missing.yaml"], 2),
    (["analyze", LENET, "--set", "H"], 2),
    (["analyze", LENET, "--set", "H=224"], 2),
    (["analyze", LENET, "--format", "xml"], 2),
    (["analyze", str(SPECS)], 2),
])
def test_exit_code_two_for_what_cannot_be_analysed(args, code):
    result = invoke(*args)
    assert result.exit_code == code
    assert "Traceback" not in result.output


def test_spanish_messages(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {filters: 6, kernal: 5}\n")
    result = invoke("analyze", str(bad), "--lang", "es")
    assert result.exit_code == 2 and "clave desconocida 'kernal'" in result.output and ":4:26:" in result.output
    table = invoke("analyze", LENET, env={"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}).output
    assert "Parámetros: 61\u00a0706" in table  # digits grouped with a space, never 61.706 or 61,706


def test_shipped_schema_is_the_generated_one_and_accepts_every_spec():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    generated = json.loads(invoke("schema").output)
    assert json.loads((ROOT / "convcalc.schema.json").read_text()) == generated, "run `make schema`"
    validator = jsonschema.Draft202012Validator(generated)
    for path in sorted(SPECS.rglob("*.yaml")):
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path.name
    bad = {"name": "x", "input": [3, 8, 8], "layers": [{"conv2d": {"filters": 3, "kernal": 3}}]}
    assert list(validator.iter_errors(bad))


def test_layers_lists_every_type_with_its_formulas():
    data = json.loads(invoke("layers", "--format", "json").output)
    assert {entry["type"] for entry in data} == set(REGISTRY)
    conv = next(entry for entry in data if entry["type"] == "conv2d")
    assert "floor((W + P_lo + P_hi - d*(F-1) - 1)/S) + 1" in conv["formulas"]["shape"]
    assert {field["name"] for field in conv["fields"]} >= {"filters", "kernel", "stride", "padding", "dilation",
                                                           "groups", "bias"}
    text = invoke("layers", "conv2d").output
    assert text.startswith("conv2d: ") and "flops:" in text
    assert invoke("layers", "conv2").exit_code == 2


def test_python_dash_m_and_no_traceback_on_internal_errors(tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    ok = subprocess.run([sys.executable, "-m", "convcalc", "analyze", LENET, "--format", "json"],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and one_spec(ok.stdout)["name"] == "LeNet-5"
    broken = subprocess.run([sys.executable, "-m", "convcalc", "analyze", str(tmp_path / "nope.yaml")],
                            capture_output=True, text=True, env=env)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr and "nope.yaml" in broken.stderr
