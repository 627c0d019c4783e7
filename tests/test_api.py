"""The public Python API: convcalc.analyze on every kind of source, and what it returns."""

from __future__ import annotations

import subprocess
import sys

import pytest

import convcalc
from conftest import ROOT, SPECS

TINY = "name: tiny\ninput: [3, 32, 32]\nlayers:\n  - conv2d: {filters: 8, kernel: 3}\n"


def test_every_name_in_all_resolves():
    for name in convcalc.__all__:
        assert getattr(convcalc, name) is not None, name
    with pytest.raises(AttributeError):
        convcalc.no_such_thing  # noqa: B018


def test_a_yaml_string_a_dict_and_a_path_give_the_same_figures(tmp_path):
    """A 3x3 conv of 8 filters on 3x32x32: (3*3*3 + 1)*8 = 224 parameters, 8*30*30*27 = 194,400 MACs."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    spec = {"name": "tiny", "input": [3, 32, 32], "layers": [{"conv2d": {"filters": 8, "kernel": 3}}]}
    for source in (TINY, spec, str(path), path):
        analysis = convcalc.analyze(source)
        assert isinstance(analysis, convcalc.Analysis)
        assert (analysis.layers[0].shape, analysis.totals.trainable, analysis.totals.macs) == ((8, 30, 30), 224, 194400)


def test_a_shipped_name_and_the_command_line_keywords():
    """resnet18: torchvision's published 11,689,512 parameters; at --input 3xHxW its valid sizes
    start at 1 (ResNet's min_size); values and input as the CLI's --set and --input."""
    assert convcalc.analyze("resnet18").totals.trainable == 11_689_512
    symbolic = convcalc.analyze("resnet18", input="3xHxW")
    assert symbolic.symbols == ("H", "W")
    assert convcalc.analyze("resnet18", input=(3, "H", "W"), values={"H": 64, "W": 64}).layers[-1].shape == (1000,)
    over = convcalc.analyze(TINY, budgets={"params": 100})
    assert [finding.key for finding in over.errors] and over.exit_code == 1


def test_the_result_matches_pytorch_layer_by_layer(one_torch_thread):
    pytest.importorskip("torch")
    from torch_oracle import compare
    from torchvision_oracle import build

    analysis = convcalc.analyze(SPECS / "resnet18.yaml", input=(3, 64, 64))
    assert compare(analysis, build("resnet18"), (3, 64, 64)) == []


def test_document_of_is_the_json_data():
    data = convcalc.document_of(convcalc.analyze(TINY))
    assert data["totals"]["params"] == 224 and data["layers"][0]["output_shape"] == [8, 30, 30]


def test_bad_sources_raise_one_clear_error():
    with pytest.raises(convcalc.ConvcalcError) as error:
        convcalc.analyze("name: t\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {filters: 8, kernel: 3, size: 2}\n")
    assert "size" in error.value.render()
    with pytest.raises(convcalc.ConvcalcError):
        convcalc.analyze(str(ROOT / "no-such-spec.yaml"))
    with pytest.raises(TypeError, match="cannot analyse a builtins.int"):
        convcalc.analyze(42)


def test_importing_convcalc_imports_no_analysis_until_asked():
    code = "import sys, convcalc; print('pydantic' in sys.modules, 'convcalc.analysis' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_the_package_says_it_is_typed():
    assert (ROOT / "convcalc" / "py.typed").exists()


def test_the_readme_example_runs_as_written(capsys):
    """The README's Python API example, executed as it is printed: ResNet-50 at 160x160 keeps
    torchvision's 25,557,032 parameters."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Python API"):]
    code = section[section.index("```python\n") + 10:section.index("```\n", section.index("```python\n") + 10)]
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[0] == "25557032"
    assert printed[1].split()[0] == "conv1"
