"""The CI guard: budgets, lock files, diffs (by name, by alignment, against a git revision),
thresholds, exit codes, and the markdown / JSON / GitHub annotation outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT, SPECS, analyze_json, at_level, one_spec
from convcalc.cli import main
from convcalc.units import parse_quantity

RESNET50 = str(SPECS / "resnet50.yaml")  # 25,557,032 parameters (torchvision)


def invoke(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("text, value", [("25M", 25_000_000), ("4.1G", 4_100_000_000), ("200MiB", 200 * 2 ** 20),
                                         ("200MB", 200_000_000), ("1.5KiB", 1536), ("1024", 1024)])
def test_quantities_with_si_and_binary_suffixes(text, value):
    assert parse_quantity(text) == value


def test_within_budget_exits_0():
    assert invoke("analyze", RESNET50, "--max-params", "26M", "--max-macs", "4.1G").exit_code == 0


def test_exceeded_budget_exits_1_with_figure_budget_and_share():
    result = invoke("analyze", RESNET50, "--max-params", "20M", "--format", "json")
    assert result.exit_code == 1
    (error,) = at_level(one_spec(result.output), "error")
    # (25,557,032 - 20,000,000) / 20,000,000 = 27.785% over
    assert (error["code"], error["key"]) == ("CC401", "budget_exceeded")
    assert "25,557,032" in error["message"] and "20,000,000" in error["message"] and "27.8%" in error["message"]


def test_budget_in_the_spec_points_at_its_line(tmp_path):
    spec = tmp_path / "lenet.yaml"
    text = (SPECS / "lenet5.yaml").read_text().replace("layers:\n", "budget: {params: 60K}\nlayers:\n", 1)
    spec.write_text(text)
    line = text.splitlines().index("budget: {params: 60K}") + 1
    result = invoke("analyze", str(spec), "--format", "github")
    assert result.exit_code == 1  # 61,706 > 60,000
    assert f"::error file={spec},line={line}," in result.output.replace(str(spec).replace(":", "%3A"), str(spec))
    assert invoke("analyze", str(spec), "--max-params", "62K").exit_code == 0  # the command line wins


@pytest.mark.parametrize("args, words", [
    (["--max-params", "lots"], "not a size"),
])
def test_bad_budget_arguments_exit_2(args, words):
    result = invoke("analyze", RESNET50, *args)
    assert result.exit_code == 2 and words in result.output


def test_bad_budget_in_the_spec_exits_2(tmp_path):
    spec = tmp_path / "b.yaml"
    spec.write_text((SPECS / "lenet5.yaml").read_text().replace("layers:\n", "budget: {parms: 60K}\nlayers:\n", 1))
    result = invoke("analyze", str(spec))
    assert result.exit_code == 2 and "did you mean 'params'" in result.output


def test_symbolic_budget_is_a_warning(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text((SPECS / "lenet5.yaml").read_text().replace("[1, 32, 32]", "[1, H, H]"))
    result = invoke("analyze", str(spec), "--max-memory", "1MiB", "--format", "json")
    assert result.exit_code == 0
    assert [w["code"] for w in at_level(one_spec(result.output), "warning")] == ["CC402"]


def test_many_specs_by_glob_in_one_call():
    result = invoke("analyze", str(SPECS / "resnet*.yaml"), "--format", "json")
    assert result.exit_code == 0 and len(analyze_json(result.output)["specs"]) == 5


def write_spec(path: Path, layers: list[str]) -> Path:
    path.write_text("name: net\ninput: [3, 32, 32]\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers))
    return path


def test_lock_is_stable_and_never_overwritten(tmp_path):
    spec = write_spec(tmp_path / "net.yaml", ["conv2d: {filters: 8, kernel: 3}", "relu"])
    assert invoke("lock", str(spec)).exit_code == 0
    lock = tmp_path / "net.lock.json"
    first = lock.read_text()
    data = json.loads(first)
    assert data["totals"]["params"] == (3 * 3 * 3 + 1) * 8 and data["taken_at"]["input_shape"] == [3, 32, 32]
    assert data["layers"][0]["output_shape"] == [8, 30, 30]
    refused = invoke("lock", str(spec))
    assert refused.exit_code == 2 and "--force" in refused.output and lock.read_text() == first
    assert invoke("lock", str(spec), "--force").exit_code == 0 and lock.read_text() == first  # deterministic


def test_diff_of_an_inserted_layer_with_generated_names(tmp_path):
    before = write_spec(tmp_path / "a.yaml", ["conv2d: {filters: 8, kernel: 3}", "relu", "conv2d: {filters: 16, kernel: 3}"])
    after = write_spec(tmp_path / "b.yaml", ["conv2d: {filters: 8, kernel: 3}", "relu",
                                              "conv2d: {filters: 8, kernel: 1}", "relu",
                                              "conv2d: {filters: 16, kernel: 3}"])
    result = invoke("diff", str(before), str(after), "--format", "json")
    assert result.exit_code == 0
    changes = [(c["change"], c["name"]) for c in json.loads(result.output)["layers"]]
    # conv2 (1x1, 8 filters) and relu2 are new; the 16-filter conv moved from conv2 to conv3
    assert changes == [("added", "conv2"), ("added", "relu2"), ("renamed", "conv3")]


def test_diff_by_name_of_removed_changed_and_renamed_layers(tmp_path):
    before = write_spec(tmp_path / "a.yaml", ["conv2d: {name: stem, filters: 8, kernel: 3}",
                                              "maxpool2d: {name: pool, kernel: 2}",
                                              "conv2d: {name: head, filters: 4, kernel: 1}"])
    after = write_spec(tmp_path / "b.yaml", ["conv2d: {name: stem, filters: 16, kernel: 3}",
                                             "conv2d: {name: head, filters: 4, kernel: 1}"])
    data = json.loads(invoke("diff", str(before), str(after), "--format", "json").output)
    changes = {c["name"]: c["change"] for c in data["layers"]}
    assert changes == {"stem": "changed", "pool": "removed", "head": "changed"}
    params = data["totals"]["params"]
    # before (27+1)*8 + (8+1)*4 = 260; after (27+1)*16 + (16+1)*4 = 516
    assert (params["before"], params["after"], params["delta"]) == (260, 516, 256)
    assert abs(params["percent"] - 256 / 260 * 100) < 1e-9


@pytest.mark.parametrize("threshold, code", [
    ("params:+100%", 0), ("params:+98%", 1),  # +98.46%
    ("params:+256", 0), ("params:+255", 1),
    ("macs:+0", 1), ("memory:+1MiB", 0), ("flops:+1K", 1),
])
def test_threshold_forms(tmp_path, threshold, code):
    before = write_spec(tmp_path / "a.yaml", ["conv2d: {name: stem, filters: 8, kernel: 3}",
                                              "conv2d: {name: head, filters: 4, kernel: 1}"])
    after = write_spec(tmp_path / "b.yaml", ["conv2d: {name: stem, filters: 16, kernel: 3}",
                                             "conv2d: {name: head, filters: 4, kernel: 1}"])
    assert invoke("diff", str(before), str(after), "--fail-on", threshold).exit_code == code


@pytest.mark.parametrize("threshold", ["params:5%", "weights:+5%", "params:+lots"])
def test_bad_thresholds_exit_2(tmp_path, threshold):
    spec = write_spec(tmp_path / "a.yaml", ["relu"])
    assert invoke("diff", str(spec), str(spec), "--fail-on", threshold).exit_code == 2


def test_diff_against_a_lock_file_and_the_outputs(tmp_path):
    spec = write_spec(tmp_path / "net.yaml", ["conv2d: {name: stem, filters: 8, kernel: 3}"])
    invoke("lock", str(spec))
    write_spec(spec, ["conv2d: {name: stem, filters: 8, kernel: 5}"])
    markdown = invoke("diff", str(tmp_path / "net.lock.json"), str(spec), "--format", "markdown").output
    lock = tmp_path / "net.lock.json"
    assert markdown.startswith(f"### net ({lock}) -> net ({spec})") and "| params |" in markdown
    assert "changed stem" in markdown
    github = invoke("diff", str(tmp_path / "net.lock.json"), str(spec), "--format", "github",
                    "--fail-on", "params:+0").output
    assert f"::notice file={spec},line=4,title=convcalc::changed stem" in github
    assert "::error" in github and "%25" in github  # a % in the message is escaped as GitHub requires


def test_diff_against_a_git_revision(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    spec = write_spec(tmp_path / "net.yaml", ["conv2d: {name: stem, filters: 8, kernel: 3}"])
    for command in (["init", "-q"], ["add", "net.yaml"], ["commit", "-qm", "base"]):
        subprocess.run([git, *command], cwd=tmp_path, check=True, env=env)
    write_spec(spec, ["conv2d: {name: stem, filters: 8, kernel: 3}", "conv2d: {name: extra, filters: 2, kernel: 1}"])
    result = invoke("diff", str(spec), "--base", "HEAD", "--format", "json")
    assert result.exit_code == 0
    assert [(c["change"], c["name"]) for c in json.loads(result.output)["layers"]] == [("added", "extra")]
    missing = invoke("diff", str(spec), "--base", "no-such-revision")
    assert missing.exit_code == 2 and "no-such-revision" in missing.output


def test_pre_commit_manifest_entry_runs(tmp_path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "convcalc" and hook["language"] == "python"
    command = hook["entry"].split()
    binary = Path(sys.executable).parent / command[0]
    assert binary.exists(), "the console script the hook calls is installed with the package"
    ok = subprocess.run([str(binary), *command[1:], RESNET50], capture_output=True, text=True)
    # concise lines, no workflow syntax (%25) in a local terminal: ResNet-50's 8 ordinary strided roundings
    lines = ok.stdout.splitlines()
    assert ok.returncode == 0 and len(lines) == 8 and all(f"{RESNET50}:" in line and ": note CC202 " in line
                                                          for line in lines) and "::" not in ok.stdout
    broken = write_spec(tmp_path / "bad.yaml", ["conv2d: {filters: 8, kernal: 3}"])
    failed = subprocess.run([str(binary), *command[1:], str(broken)], capture_output=True, text=True)
    assert failed.returncode == 2 and f"{broken}:4:" in failed.stdout and ": error CC001 " in failed.stdout
    assert "kernal" in failed.stdout


def test_lock_files_hold_no_line_numbers(tmp_path):
    """A comment line added above the layers changes nothing in the lock file."""
    spec = write_spec(tmp_path / "net.yaml", ["conv2d: {filters: 8, kernel: 3}", "relu"])
    first = invoke("lock", str(spec), "-o", str(tmp_path / "a.lock.json"))
    assert first.exit_code == 0
    spec.write_text("# a comment\n" + spec.read_text().replace("layers:\n", "layers:\n  # another\n"))
    assert invoke("lock", str(spec), "-o", str(tmp_path / "b.lock.json")).exit_code == 0
    a, b = (tmp_path / "a.lock.json").read_text(), (tmp_path / "b.lock.json").read_text()
    assert a == b and '"line"' not in a


def _committed(tmp_path, names):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for command in (["init", "-q"], ["add", *names], ["commit", "-qm", "base"]):
        subprocess.run([git, *command], cwd=tmp_path, check=True, env=env)


def test_diff_base_counts_a_new_spec_as_added_and_a_deleted_one_as_removed(tmp_path):
    """Policy: a spec new since --base is all added, its totals grown from 0 (224 parameters: a 3x3
    conv of 8 filters on 3 channels); one deleted since is all removed; neither side: exit 2."""
    kept = write_spec(tmp_path / "kept.yaml", ["relu"])
    gone = write_spec(tmp_path / "gone.yaml", ["conv2d: {name: stem, filters: 8, kernel: 3}"])
    _committed(tmp_path, ["kept.yaml", "gone.yaml"])
    gone.unlink()
    new = write_spec(tmp_path / "new.yaml", ["conv2d: {name: stem, filters: 8, kernel: 3}"])
    added = invoke("diff", str(new), "--base", "HEAD", "--format", "json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.output)
    assert data["before_absent"] and not data["after_absent"] and data["after_source"] == str(new)
    assert [(c["change"], c["name"]) for c in data["layers"]] == [("added", "stem")]
    assert data["totals"]["params"]["before"] == 0 and data["totals"]["params"]["delta"] == 224
    assert invoke("diff", str(new), "--base", "HEAD", "--fail-on", "params:+5%").exit_code == 1
    removed = invoke("diff", str(gone), "--base", "HEAD")
    assert removed.exit_code == 0 and "removed stem (conv2d)" in removed.output
    assert f"nothing ({gone} does not exist)" in removed.output and f"(HEAD:{gone})" in removed.output
    neither = invoke("diff", str(tmp_path / "never.yaml"), "--base", "HEAD")
    assert neither.exit_code == 2 and "exists neither here nor in HEAD" in neither.output
    assert invoke("diff", str(kept), "--base", "HEAD").exit_code == 0


def test_diff_text_has_column_headers_and_names_both_sides(tmp_path):
    before = write_spec(tmp_path / "a.yaml", ["conv2d: {name: stem, filters: 8, kernel: 3}"])
    after = write_spec(tmp_path / "b.yaml", ["conv2d: {name: stem, filters: 8, kernel: 5}"])
    lines = invoke("diff", str(before), str(after)).output.splitlines()
    assert lines[0] == f"net ({before}) -> net ({after})"
    assert lines[2].split() == ["figure", "before", "after", "change", "%"]
    assert lines[3].split()[:3] == ["params", "224", "608"]  # (3*3*3 + 1)*8 and (3*5*5 + 1)*8
