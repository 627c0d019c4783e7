"""The executor's products cut into pieces (blocks of positions, runs of taps or channels) give
PyTorch's results and perform every multiply-accumulate, whatever the scratch budget; and the
array-file and seed rules seen from the command line that the corpus (tests/cli_cases/arrays.yaml)
cannot express: two runs compared, a PyTorch state_dict."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner

from convcalc.cli import main
from convcalc.execute import CountingOps
from convcalc.layers import REGISTRY

TINY, AMPLE = 1, 1 << 30  # scratch bytes: the smallest pieces, and one piece


def layer(kind, **fields):
    return REGISTRY[kind].model_validate(fields)


# (C, K, F, S, P, d, G, H, W): deep inputs with few filters force runs of taps or channels
CONVS = [(8, 1, 3, 1, 1, 1, 1, 5, 5), (8, 4, 3, 1, 0, 1, 1, 7, 7), (4, 4, 3, 2, 2, 1, 2, 6, 5),
         (3, 2, 1, 15, 15, 1, 1, 1, 1), (2, 3, 3, 4, 5, 2, 1, 4, 6), (6, 6, 3, 1, 1, 1, 6, 5, 5),
         (1, 1, 5, 1, 7, 1, 1, 2, 3)]


@pytest.mark.parametrize("scratch", [TINY, AMPLE])
@pytest.mark.parametrize("config", CONVS)
def test_convolution_in_pieces_is_torchs(config, scratch):
    channels, filters, kernel, stride, padding, dilation, groups, height, width = config
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, channels, height, width)).astype(np.float32)
    weight = rng.standard_normal((filters, channels // groups, kernel, kernel)).astype(np.float32)
    bias = rng.standard_normal(filters).astype(np.float32)
    conv = layer("conv2d", filters=filters, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                 groups=groups)
    ops = CountingOps("chw", scratch)
    y = conv.forward([x], {"weight": weight, "bias": bias}, ops)
    expected = F.conv2d(torch.tensor(x), torch.tensor(weight), torch.tensor(bias), stride, padding, dilation,
                        groups).numpy()
    assert y.shape == expected.shape and np.allclose(y, expected, atol=1e-4)
    # every product performed, padding included: N * K * O_H * O_W * (C/G) * F * F
    assert ops.macs == 2 * filters * expected.shape[2] * expected.shape[3] * (channels // groups) * kernel * kernel


@pytest.mark.parametrize("scratch", [TINY, AMPLE])
@pytest.mark.parametrize("config", [(8, 1, 3, 2, 1, 1, 1, 4, 4), (2, 6, 3, 1, 2, 1, 2, 5, 5),
                                    (1, 4, 1, 1, 2, 1, 1, 6, 6), (3, 3, 3, 3, 0, 2, 3, 3, 2)])
def test_transposed_convolution_in_pieces_is_torchs(config, scratch):
    channels, filters, kernel, stride, padding, dilation, groups, height, width = config
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, channels, height, width)).astype(np.float32)
    weight = rng.standard_normal((channels, filters // groups, kernel, kernel)).astype(np.float32)
    bias = rng.standard_normal(filters).astype(np.float32)
    tconv = layer("conv_transpose2d", filters=filters, kernel=kernel, stride=stride, padding=padding,
                  dilation=dilation, groups=groups)
    ops = CountingOps("chw", scratch)
    y = tconv.forward([x], {"weight": weight, "bias": bias}, ops)
    expected = F.conv_transpose2d(torch.tensor(x), torch.tensor(weight), torch.tensor(bias), stride, padding, 0,
                                  groups, dilation).numpy()
    assert y.shape == expected.shape and np.allclose(y, expected, atol=1e-4)
    # over input positions (fvcore): N * C * K/G * F * F * H * W
    assert ops.macs == 2 * channels * (filters // groups) * kernel * kernel * height * width


@pytest.mark.parametrize("scratch", [TINY, AMPLE])
def test_separable_convolution_in_blocks_is_torchs(scratch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    depthwise = rng.standard_normal((12, 1, 3, 3)).astype(np.float32)
    pointwise = rng.standard_normal((2, 12, 1, 1)).astype(np.float32)
    bias = rng.standard_normal(2).astype(np.float32)
    separable = layer("separable_conv2d", filters=2, kernel=3, padding=2, multiplier=4)
    y = separable.forward([x], {"depthwise.weight": depthwise, "pointwise.weight": pointwise,
                                "pointwise.bias": bias}, CountingOps("chw", scratch))
    expected = F.conv2d(F.conv2d(torch.tensor(x), torch.tensor(depthwise), None, 1, 2, 1, 3),
                        torch.tensor(pointwise), torch.tensor(bias)).numpy()
    assert np.allclose(y, expected, atol=1e-4)


@pytest.mark.parametrize("kernel, stride, padding, ceil_mode, include_pad",
                         [(3, 2, 1, True, True), (3, 2, 1, True, False), (2, 2, 1, False, False),
                          (5, 3, 2, True, True), (3, 1, 1, False, True)])
def test_pooling_without_a_padded_copy_is_torchs(kernel, stride, padding, ceil_mode, include_pad):
    x = np.random.default_rng(4).standard_normal((2, 3, 7, 8)).astype(np.float32)
    maximum = layer("maxpool2d", kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    assert np.array_equal(maximum.forward([x], {}, CountingOps("chw")),
                          F.max_pool2d(torch.tensor(x), kernel, stride, padding, ceil_mode=ceil_mode).numpy())
    mean = layer("avgpool2d", kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                 count_include_pad=include_pad)
    assert np.allclose(mean.forward([x], {}, CountingOps("chw")),
                       F.avg_pool2d(torch.tensor(x), kernel, stride, padding, ceil_mode=ceil_mode,
                                    count_include_pad=include_pad).numpy(), atol=1e-6)


def test_lrn_wider_than_the_channels_is_torchs():
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 4)).astype(np.float32)
    lrn = layer("lrn", size=7)
    assert np.allclose(lrn.forward([x], {}, CountingOps("chw")),
                       F.local_response_norm(torch.tensor(x), 7).numpy(), rtol=1e-5)


NET = "name: n\ninput: [1, 4, 4]\nlayers:\n  - conv2d: {name: c, filters: 2, kernel: 3}\n"


def _run_json(tmp_path, *args):
    spec = tmp_path / "net.yaml"
    spec.write_text(NET)
    result = CliRunner().invoke(main, ["run", str(spec), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["outputs"]


def test_negative_seed_is_its_twos_complement(tmp_path):
    assert _run_json(tmp_path, "--seed", "-1") == _run_json(tmp_path, "--seed", str(2 ** 64 - 1))
    assert _run_json(tmp_path, "--seed", "-1") != _run_json(tmp_path, "--seed", "1")


def test_state_dict_with_step_counters_is_accepted(tmp_path):
    """A PyTorch state_dict as saved, num_batches_tracked included: the run equals PyTorch's."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2)).eval()
    model[1].running_mean.uniform_(-1, 1)
    model[1].running_var.uniform_(0.5, 2)
    names = {"0": "c", "1": "bn"}
    state = {f"{names[key.split('.')[0]]}.{key.split('.', 1)[1]}": value.numpy()
             for key, value in model.state_dict().items()}
    assert "bn.num_batches_tracked" in state
    np.savez(tmp_path / "w.npz", **state)
    x = np.random.default_rng(6).standard_normal((1, 4, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    spec = tmp_path / "net.yaml"
    spec.write_text("name: n\ninput: [1, 4, 4]\nlayers:\n  - conv2d: {name: c, filters: 2, kernel: 3}\n"
                    "  - batchnorm2d: {name: bn}\n")
    result = CliRunner().invoke(main, ["run", str(spec), "--weights", str(tmp_path / "w.npz"),
                                       "--input", str(tmp_path / "x.npy"), "--format", "json"])
    assert result.exit_code == 0, result.output
    values = np.array(json.loads(result.stdout)["outputs"]["bn"]["values"])
    with torch.no_grad():
        expected = model(torch.tensor(x)[None]).numpy()
    assert np.allclose(values, expected, atol=1e-5)
