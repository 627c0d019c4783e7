"""`convcalc calc` backwards (issue 16): `--padding ? --output 32x32` (and --stride, --kernel,
--dilation, --input ?) gives every value that yields the output, or none with the reason; figures
worked by hand, and the whole answer checked against torch over a range of candidates."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from convcalc.cli import main


def calc(*args: str):
    return CliRunner().invoke(main, ["calc", *args])


def solved(*args: str) -> dict:
    result = calc(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_padding_that_keeps_32x32():
    # O = (32 - 3 + 2P)/1 + 1 = 30 + 2P = 32: P = 1
    result = calc("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "3", "--padding", "?", "--output", "32x32")
    assert result.exit_code == 0 and "P = 1" in result.output
    assert "el relleno P" in calc("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "3", "--padding", "?",
                                  "--output", "32", "--lang", "es").output


def test_no_padding_with_an_even_kernel_says_why():
    # O = 32 - 4 + 2P + 1 = 29 + 2P is odd: P = 1 gives 31, P = 2 gives 33
    result = calc("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "4", "--padding", "?", "--output", "32")
    assert result.exit_code == 1
    assert "none gives 32" in result.output and "P = 1 gives 31 and P = 2 gives 33" in result.output
    document = solved("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "4", "--padding", "?",
                      "--output", "32")
    assert document["solutions"][0]["values"] == [] and "31" in document["solutions"][0]["reason"]


def test_every_stride_from_30_gives_one_output():
    # floor((32 - 3)/S) + 1 = 1 iff S > 29
    result = calc("conv", "--input", "32x32x3", "--filters", "1", "--kernel", "3", "--stride", "?", "--output", "1")
    assert result.exit_code == 0 and "S = every value from 30 on" in result.output
    (solution,) = solved("conv", "--input", "32x32x3", "--filters", "1", "--kernel", "3", "--stride", "?",
                         "--output", "1")["solutions"]
    assert solution["values"][0] == 30 and solution["every_from"] == solution["values"][-1] + 1


def test_inputs_that_give_three():
    # floor((W + 2 - 3)/2) + 1 = 3 iff 4 <= W - 1 <= 5: W = 5 or 6
    result = calc("conv", "--input", "?", "--filters", "1", "--kernel", "3", "--stride", "2", "--padding", "1",
                  "--output", "3")
    assert result.exit_code == 0 and "W = 5 or 6" in result.output


def test_kernel_per_axis_and_dilation():
    # 32 - F + 1 = 30 and 28: F_H = 3, F_W = 5; 32 - 2d - 1 = 19... 32 - d*(3-1) - 1 + 1 = 20: d = 6
    document = solved("conv", "--input", "32x32x3", "--filters", "1", "--kernel", "?", "--output", "30x28")
    assert [(s["axis"], s["values"]) for s in document["solutions"]] == [("H", [3]), ("W", [5])]
    document = solved("conv", "--input", "32x32x3", "--filters", "1", "--kernel", "3", "--dilation", "?",
                      "--output", "20")
    assert document["solutions"][0]["values"] == [6]


def test_transposed_stride():
    # (32 - 1)*S - 2 + 3 + 1 = 31*S + 2 = 64: S = 2
    result = calc("tconv", "--input", "32x32x3", "--filters", "8", "--kernel", "4", "--stride", "?", "--padding", "1",
                  "--output", "64")
    assert result.exit_code == 0 and "S = 2" in result.output


def test_solving_needs_one_unknown_and_an_output():
    base = ("conv", "--input", "32x32x3", "--filters", "1", "--kernel", "3")
    for args in ((*base, "--padding", "?", "--stride", "?", "--output", "8"), (*base, "--padding", "?"),
                 (*base, "--output", "30")):
        result = calc(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output and "?" in result.output


# (command, fixed options, unknown, output, torch module factory taking the unknown's value, and
# the input size) and the range checked against torch
CASES = [
    ("conv", ["--input", "20x20x1", "--kernel", "3", "--stride", "2"], "padding", 11,
     lambda torch, v: (torch.nn.Conv2d(1, 1, 3, stride=2, padding=v), 20), range(0, 12)),
    ("conv", ["--input", "20x20x1", "--kernel", "5", "--padding", "1"], "stride", 6,
     lambda torch, v: (torch.nn.Conv2d(1, 1, 5, stride=v, padding=1), 20), range(1, 30)),
    ("conv", ["--input", "20x20x1", "--padding", "2"], "kernel", 18,
     lambda torch, v: (torch.nn.Conv2d(1, 1, v, padding=2), 20), range(1, 26)),
    ("conv", ["--input", "20x20x1", "--kernel", "3"], "dilation", 12,
     lambda torch, v: (torch.nn.Conv2d(1, 1, 3, dilation=v), 20), range(1, 15)),
    ("conv", ["--input", "?", "--kernel", "3", "--stride", "3", "--padding", "1"], "input", 4,
     lambda torch, v: (torch.nn.Conv2d(1, 1, 3, stride=3, padding=1), v), range(1, 30)),
    ("pool", ["--input", "?", "--kernel", "3", "--stride", "2", "--padding", "1", "--ceil-mode"], "input", 4,
     lambda torch, v: (torch.nn.MaxPool2d(3, 2, padding=1, ceil_mode=True), v), range(1, 30)),
    # the stride defaults to the kernel: floor((5 + 2P - 2)/2) + 1 = 3 needs P = 1
    ("pool", ["--input", "5x5x1", "--kernel", "2"], "padding", 3,
     lambda torch, v: (torch.nn.MaxPool2d(2, padding=v), 5), range(0, 4)),
    ("pool", ["--input", "12x12x1"], "kernel", 4, lambda torch, v: (torch.nn.MaxPool2d(v), 12), range(1, 30)),
    ("pool", ["--input", "11x11x1", "--kernel", "?", "--ceil-mode"], "kernel", 2,
     lambda torch, v: (torch.nn.MaxPool2d(v, ceil_mode=True), 11), range(1, 30)),
    ("tconv", ["--input", "7x7x1", "--kernel", "4", "--stride", "2"], "padding", 12,
     lambda torch, v: (torch.nn.ConvTranspose2d(1, 1, 4, stride=2, padding=v), 7), range(0, 12)),
    ("tconv", ["--input", "?", "--kernel", "3", "--stride", "3", "--output-padding", "2"], "input", 14,
     lambda torch, v: (torch.nn.ConvTranspose2d(1, 1, 3, stride=3, output_padding=2), v), range(1, 20)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[0]}-{case[2]}")
def test_the_values_are_exactly_those_torch_gives(case, one_torch_thread):
    torch = pytest.importorskip("torch")
    command, options, unknown, out, factory, candidates = case
    args = [command, *options, "--output", str(out)]
    if command != "pool":
        args += ["--filters", "1"]
    if unknown != "input":
        args += [f"--{unknown}", "?"]
    (solution,) = solved(*args)["solutions"]
    claimed = {value for value in candidates if value in solution["values"] or (
        solution["every_from"] is not None and value >= solution["every_from"])}
    by_torch = set()
    for value in candidates:
        try:
            module, size = factory(torch, value)
            got = module(torch.zeros(1, 1, size, size)).shape[-1]
        except (RuntimeError, ValueError):
            continue
        if got == out:
            by_torch.add(value)
    assert claimed == by_torch
    assert by_torch  # each case has an answer within its range


def test_padding_zero_along_one_axis():
    # H: 32 - 3 + 1 = 30; W: 32 - 3 + 2 + 1 = 32
    result = calc("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "3", "--padding", "0x1")
    assert result.exit_code == 0 and "30x32x8" in result.output


def test_an_input_that_looks_channels_first_is_warned_about():
    result = calc("conv", "--input", "3x32x32", "--filters", "8", "--kernel", "3")
    assert result.exit_code == 0 and "--layout chw" in result.stderr and "3 rows of 32 columns" in result.stderr
    assert "--layout chw" in calc("conv", "--input", "3x32x32", "--filters", "8", "--kernel", "3", "--lang",
                                  "es").stderr
    for quiet in (("--input", "32x32x3"), ("--input", "3x32x32", "--layout", "chw")):
        assert calc("conv", *quiet, "--filters", "8", "--kernel", "3").stderr == ""
