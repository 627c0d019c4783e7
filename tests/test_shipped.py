"""Shipped specs by name, from any directory: `convcalc analyze resnet50`, `convcalc specs`."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from conftest import ROOT, SPECS, one_spec
from convcalc.cli import main


def _invoke(args, cwd):
    """Run in ``cwd``; the result and the names of what is in ``cwd`` afterwards."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args)
    finally:
        os.chdir(previous)
    return result, sorted(path.name for path in cwd.iterdir())


def test_a_shipped_spec_analyses_by_name_from_elsewhere(tmp_path):
    result, _ = _invoke(["analyze", "lenet5", "--format", "json"], tmp_path)
    assert result.exit_code == 0, result.output
    report = one_spec(result.stdout)
    assert report["totals"]["params"] == 61_706  # LeNet-5's common modern form, as the spec says
    assert report["file"] == str(SPECS / "lenet5.yaml")


def test_a_file_of_that_name_wins_over_the_shipped_spec(tmp_path):
    (tmp_path / "lenet5").write_text("name: mine\ninput: [1, 4, 4]\nlayers: [relu]\n")
    runner = CliRunner()
    result = runner.invoke(main, ["analyze", str(tmp_path / "lenet5"), "--format", "json"])
    assert one_spec(result.stdout)["name"] == "mine"


def test_every_spec_command_takes_a_name(tmp_path):
    # c1 of LeNet-5: 6 filters 5x5 over one channel: (5*5*1 + 1)*6 = 156 parameters.
    (tmp_path / "answers.yaml").write_text("layers:\n  c1: {params: 156}\n")
    for args in (["explain", "lenet5", "--layer", "c1"], ["verify", "lenet5"], ["run", "lenet5"],
                 ["check", "lenet5", str(tmp_path / "answers.yaml")], ["diff", "lenet5", "lenet5.yaml"]):
        result, _ = _invoke(args, tmp_path)
        assert result.exit_code == 0, (args, result.output)


def test_lock_of_a_named_spec_is_written_here(tmp_path):
    (tmp_path / "here").mkdir()
    result, made = _invoke(["lock", "lenet5"], tmp_path / "here")
    assert result.exit_code == 0, result.output
    assert made == ["lenet5.lock.json"]
    assert not (SPECS / "lenet5.lock.json").exists()


def test_specs_lists_every_shipped_file():
    result = CliRunner().invoke(main, ["specs", "--format", "json"])
    names = [entry["name"] for entry in json.loads(result.stdout)]
    on_disk = sorted(p.relative_to(SPECS).with_suffix("").as_posix() for p in SPECS.rglob("*.yaml"))
    assert names == on_disk
    text = CliRunner().invoke(main, ["specs"]).stdout
    assert "resnet50" in text and "3x224x224" in text


def test_specs_name_prints_the_file_with_an_editor_hint_that_resolves_anywhere():
    result = CliRunner().invoke(main, ["specs", "vgg16"])
    first, rest = result.stdout.split("\n", 1)
    assert first == f"# yaml-language-server: $schema={ROOT / 'convcalc.schema.json'}"
    assert rest == (SPECS / "vgg16.yaml").read_text().split("\n", 1)[1]


def test_an_unknown_name_suggests_the_closest():
    result = CliRunner().invoke(main, ["specs", "resnt50"])
    assert result.exit_code == 2
    assert "did you mean 'resnet50'" in result.stderr
