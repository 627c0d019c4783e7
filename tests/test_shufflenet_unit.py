"""specs/examples/shufflenet_unit.yaml against torch modules written after torchvision's ShuffleNetV2
InvertedResidual (torchvision is not installed): every leaf module's shape, parameters and MACs
(tests/torch_oracle.py), and the executor's output value for value with the same weights."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SPECS, analyze_text, one_spec

torch = pytest.importorskip("torch")
nn = torch.nn

from convcalc.execute import execute  # noqa: E402
from torch_oracle import compare  # noqa: E402


def channel_shuffle(x, groups: int):
    batch, channels, height, width = x.shape
    x = x.view(batch, groups, channels // groups, height, width).transpose(1, 2).contiguous()
    return x.view(batch, channels, height, width)


class InvertedResidual(nn.Module):
    """ShuffleNet V2's unit: stride 2 runs branch1 (3x3 depthwise, 1x1) and branch2 on the input;
    stride 1 chunks the channels in two and runs branch2 on the second half only."""

    def __init__(self, inp: int, oup: int, stride: int):
        super().__init__()
        self.stride = stride
        branch = oup // 2
        if stride > 1:
            self.branch1 = nn.Sequential(
                nn.Conv2d(inp, inp, 3, stride, 1, bias=False, groups=inp), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch, 1, bias=False), nn.BatchNorm2d(branch), nn.ReLU(inplace=True))
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else branch, branch, 1, bias=False), nn.BatchNorm2d(branch),
            nn.ReLU(inplace=True),
            nn.Conv2d(branch, branch, 3, stride, 1, bias=False, groups=branch), nn.BatchNorm2d(branch),
            nn.Conv2d(branch, branch, 1, bias=False), nn.BatchNorm2d(branch), nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class Stages(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage2 = nn.Sequential(InvertedResidual(4, 6, 2), InvertedResidual(6, 6, 1))

    def forward(self, x):
        return self.stage2(x)


def analysis():
    text = (SPECS / "examples" / "shufflenet_unit.yaml").read_text().replace("name: ShuffleNetV2 units",
                                                                             "name: ShuffleNetV2 units\ndtype: float64")
    result = analyze_text(text)
    assert not result.findings, [finding.render() for finding in result.findings]
    return result


def test_every_leaf_module_agrees_with_torch():
    report = analysis()
    assert compare(report, Stages(), (4, 7, 7)) == []
    split = next(layer for layer in report.layers if layer.kind == "split")
    assert split.shapes == ((3, 4, 4), (3, 4, 4))
    assert report.layers[-1].shape == (6, 4, 4)


def test_the_executor_gives_torch_values_with_the_same_weights():
    run = execute(analysis(), seed=3)
    torch_model = Stages().eval().double()
    state = {key: torch.from_numpy(value) for key, value in run.weights.items()}
    state |= {key: value for key, value in torch_model.state_dict().items() if key.endswith("num_batches_tracked")}
    torch_model.load_state_dict(state, strict=True)
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(run.input)).numpy()
    (output,) = run.outputs.values()
    np.testing.assert_allclose(output, expected, rtol=1e-9, atol=1e-12)


def test_the_command_line_shows_each_output(tmp_path):
    """JSON gives the split's shapes as a list and its readers' inputs as split.i; the table shows
    both shapes; verify confirms every figure; run --save stores each output by name.i."""
    import json

    from click.testing import CliRunner

    from convcalc.cli import main

    spec = str(SPECS / "examples" / "shufflenet_unit.yaml")
    runner = CliRunner()
    data = one_spec(runner.invoke(main, ["analyze", spec, "--format", "json"]).output)
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert layers["stage2.1.split"]["output_shape"] == [[3, 4, 4], [3, 4, 4]]
    assert layers["stage2.1.split"]["units"] == 96 and layers["stage2.1.split"]["activation_elements"] == 96
    assert layers["stage2.1.branch2.0"]["inputs"] == ["stage2.1.split.1"]
    assert layers["stage2.1.cat"]["inputs"] == ["stage2.1.split.0", "stage2.1.branch2.7"]
    assert "3x4x4 | 3x4x4" in runner.invoke(main, ["analyze", spec]).output
    verified = runner.invoke(main, ["verify", spec, "--format", "json"])
    assert verified.exit_code == 0 and json.loads(verified.output)["ok"] is True
    saved = tmp_path / "all.npz"
    assert runner.invoke(main, ["run", spec, "--save", str(saved)]).exit_code == 0
    with np.load(saved) as arrays:
        assert arrays["stage2.1.split.1"].shape == (1, 3, 4, 4) and "stage2.1.split" not in arrays.files
