"""The memory figures courses ask for (issue 16), in `explain` and its JSON: the input tensor,
im2col's column matrix, the layer outputs with ReLU in place (CS231n's VGG-16 count) and with
their gradients. Figures from CS231n's notes and worked by hand; im2col's shape from torch's unfold."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from convcalc.cli import main


def invoke(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def network(*args: str, input: str | None = None) -> dict:
    return {step["figure"]: step["value"] for step in json.loads(invoke(*args, "--format", "json",
                                                                        input=input))["network"]}


# CS231n (Convolutional Networks, "VGGNet in detail"), per image: INPUT 224*224*3 = 150,528; CONV3-64
# 224*224*64 = 3,211,264 (x2); POOL 802,816; CONV3-128 1,605,632 (x2); POOL 401,408; CONV3-256 802,816 (x3);
# POOL 200,704; CONV3-512 401,408 (x3); POOL 100,352; CONV3-512 100,352 (x3); POOL 25,088; FC 4,096, 4,096,
# 1,000. Their sum is 15,237,608 values (61 MB in float32): the notes' own per-layer figures, whereas the
# total they print says "24M * 4 bytes ~= 93MB". ReLU is not listed: it runs in place.
CS231N_VGG16_VALUES = (150528 + 2 * 3211264 + 802816 + 2 * 1605632 + 401408 + 3 * 802816 + 200704
                       + 3 * 401408 + 100352 + 3 * 100352 + 25088 + 4096 + 4096 + 1000)


def test_vgg16_memory_as_cs231n_counts_it():
    figures = network("explain", "vgg16")
    assert figures["input_units"] == 150528 and figures["input_memory"] == 150528 * 4
    # torchvision's VGG-16 adds an adaptive average pool to 7x7x512 (25,088 values) the course's lacks;
    # flatten is a view and dropout runs in place
    kept = CS231N_VGG16_VALUES + 25088
    assert figures["input_units"] + figures["activations_in_place"] == kept
    assert figures["forward_memory"] == kept * 4 == 61_050_784
    assert figures["with_gradients"] == 2 * kept * 4


def test_relu_in_place_leaves_its_outputs_out():
    spec = "name: r\ninput: [3, 8, 8]\nlayers:\n  - conv2d: {filters: 4, kernel: 3}\n  - relu: {}\n"
    # conv: 4*6*6 = 144 values; relu another 144, written over the conv's; input 3*8*8 = 192
    figures = network("explain", "-", input=spec)
    assert (figures["activations"], figures["activations_in_place"]) == (288, 144)
    assert figures["forward_memory"] == (192 + 144) * 4
    text = invoke("explain", "-", input=spec)
    assert "(192*1 + 144)*4 = 1,344" in text and "ReLU" in text
    assert "memoria de la red" in invoke("explain", "-", "--lang", "es", input=spec)


def test_im2col_of_alexnets_first_layer(one_torch_thread):
    # CS231n: 227x227x3 input, 11x11x3 filters at stride 4: X_col is 11*11*3 = 363 x 55*55 = 3,025
    result = json.loads(invoke("calc", "conv", "--input", "227x227x3", "--filters", "96", "--kernel", "11",
                               "--stride", "4", "--format", "json"))
    steps = {step["figure"]: step for step in result["layers"][0]["steps"]}
    assert steps["im2col"]["value"] == 363 * 3025 and "363 x 3025" in steps["im2col"]["note"]
    assert steps["im2col_memory"]["value"] == 363 * 3025 * 4 == 4_392_300
    torch = pytest.importorskip("torch")
    columns = torch.nn.functional.unfold(torch.zeros(1, 3, 227, 227), kernel_size=11, stride=4)
    assert tuple(columns.shape[1:]) == (363, 3025)


def test_grouped_im2col():
    # 8x8x4 input, 3x3 filters in 2 groups: per group (4/2*3*3 = 18) x (6*6 = 36), 2 of them: 1,296
    result = json.loads(invoke("calc", "conv", "--input", "8x8x4", "--filters", "4", "--kernel", "3", "--groups", "2",
                               "--format", "json"))
    steps = {step["figure"]: step for step in result["layers"][0]["steps"]}
    assert steps["im2col"]["value"] == 1296 and "18 x 36" in steps["im2col"]["note"]
