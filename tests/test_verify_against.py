"""`convcalc verify --against onnxruntime|torch`: the NumPy executor held against an executor that
is not ours, output by output, on the same input and weights."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from convcalc.cli import main

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("spec, size", [("resnet18", "3x32x32"), ("shufflenet_v2_x1_0", "3x64x64"),
                                        ("unet", "1x188x188"), ("lraspp_mobilenet_v3_large", "3x33x47")])
def test_every_output_agrees_with_both_executors(spec, size, one_torch_thread):
    result = CliRunner().invoke(main, ["verify", spec, "--input-shape", size, "--against", "onnxruntime",
                                       "--against", "torch", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and {a["executor"] for a in data["against"]} == {"onnxruntime", "torch"}
    assert all(a["same_shape"] and a["largest_difference"] <= a["tolerance"] for a in data["against"])


def test_several_outputs_and_train_mode_are_compared_by_name(one_torch_thread):
    """googlenet_aux in train mode has three outputs (fc, aux1.fc2, aux2.fc2), each compared."""
    result = CliRunner().invoke(main, ["verify", "googlenet_aux", "--input-shape", "3x64x64", "--mode", "train",
                                       "--against", "torch"])
    assert result.exit_code == 0, result.output
    for output in ("fc", "aux1.fc2", "aux2.fc2"):
        assert f"against torch: output {output}, largest difference" in result.stdout


def test_a_disagreement_fails_the_verification(monkeypatch, one_torch_thread):
    """The comparison can fail: another executor's output shifted by 1 is out of tolerance (exit 1)."""
    from convcalc.bridges import against

    real = against._torch
    monkeypatch.setattr(against, "_torch", lambda run: {name: value + 1 for name, value in real(run).items()})
    result = CliRunner().invoke(main, ["verify", "lenet5", "--against", "torch"])
    assert result.exit_code == 1
    assert "against torch: output" in result.stdout and "does NOT hold" in result.stdout


def test_spanish_and_an_unknown_executor():
    spanish = CliRunner().invoke(main, ["verify", "lenet5", "--against", "onnxruntime", "--lang", "es"])
    assert spanish.exit_code == 0 and "frente a onnxruntime: salida" in spanish.stdout
    unknown = CliRunner().invoke(main, ["verify", "lenet5", "--against", "tensorflow"])
    assert unknown.exit_code == 2 and "tensorflow" in unknown.stderr
