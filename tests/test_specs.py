"""Shipped specs: published totals, and every layer against PyTorch building the same network."""

from __future__ import annotations

import pytest

from conftest import SPECS, analyze_file


def test_lenet5_total_is_the_common_61706():
    # (5*5*1+1)*6 + (5*5*6+1)*16 + (400+1)*120 + (120+1)*84 + (84+1)*10, worked by hand
    assert analyze_file(SPECS / "lenet5.yaml").totals.params == 156 + 2416 + 48120 + 10164 + 850 == 61706


def test_lenet5_matches_pytorch():
    torch = pytest.importorskip("torch")
    from torch_oracle import compare

    nn = torch.nn
    model = nn.Sequential()
    for name, module in [("c1", nn.Conv2d(1, 6, 5)), ("tanh1", nn.Tanh()), ("s2", nn.AvgPool2d(2)),
                         ("c3", nn.Conv2d(6, 16, 5)), ("tanh2", nn.Tanh()), ("s4", nn.AvgPool2d(2)),
                         ("flatten1", nn.Flatten()), ("c5", nn.Linear(400, 120)), ("tanh3", nn.Tanh()),
                         ("f6", nn.Linear(120, 84)), ("tanh4", nn.Tanh()), ("output", nn.Linear(84, 10))]:
        model.add_module(name, module)
    assert compare(analyze_file(SPECS / "lenet5.yaml"), model, (1, 32, 32)) == []
