"""Every equation `convcalc explain` and `convcalc calc` print is true: each expression with the
numbers in, evaluated here with exact fractions (ceil, floor, max, min as in the formulas), equals
the printed result, in the text lines and in the JSON steps, for every shipped spec and a battery
of single layers (issue 16: `ceil(4/3) + 1 = 2` was printed)."""

from __future__ import annotations

import ast
import json
import math
import re
from fractions import Fraction

import pytest
from click.testing import CliRunner

from convcalc.cli import main
from convcalc.shipped import shipped_names

FUNCTIONS = {"ceil": math.ceil, "floor": math.floor, "max": max, "min": min}
OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
             ast.Div: lambda a, b: Fraction(a) / b, ast.Pow: lambda a, b: a ** b}


def evaluate(text: str) -> Fraction | None:
    """The exact value of an arithmetic expression such as 'ceil((5 - 3 + 2*1)/3) + 1 - 1', or None
    when it holds a symbol (a symbolic size) or anything but numbers, operators and ceil/floor/max/min."""
    try:
        tree = ast.parse(text.replace("^", "**").replace(",", ""), mode="eval")
    except SyntaxError:
        return None

    def value(node):
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return Fraction(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            return Fraction(FUNCTIONS[node.func.id](*(value(arg) for arg in node.args)))
        raise LookupError(ast.dump(node))

    try:
        return value(tree)
    except LookupError:
        return None


def cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def false_text_equations(text: str) -> list[str]:
    """The lines 'label: formula = numbers = ... = result  [note]' whose numeric parts are not all
    equal to the result."""
    wrong = []
    for line in text.splitlines():
        if ": " not in line or " = " not in line:
            continue
        equation = re.sub(r"  \[.*\]$", "", line.split(": ", 1)[1])
        parts = equation.split(" = ")
        result = evaluate(parts[-1])
        if result is None:
            continue
        if any(value is not None and value != result for value in map(evaluate, parts[:-1])):
            wrong.append(line)
    return wrong


def false_json_steps(document: dict) -> list[dict]:
    wrong = []
    for steps in [layer["steps"] for layer in document["layers"]] + [document.get("network", [])]:
        for step in steps:
            if not step["substituted"] or not isinstance(step["value"], (int, float)):
                continue
            values = [evaluate(part) for part in step["substituted"].split(" = ")]
            if any(value is not None and value != Fraction(step["value"]) for value in values):
                wrong.append(step)
    return wrong


def test_the_evaluator_catches_the_false_equation_of_issue_16():
    assert false_text_equations("  output size: O = ceil(4/3) + 1 = 2") == ["  output size: O = ceil(4/3) + 1 = 2"]
    assert evaluate("ceil((5 - 3 + 2*1)/3) + 1 - 1") == 2
    assert evaluate("floor(217/4) + 1") == 55 and evaluate("217/4 + 1") == Fraction(221, 4)
    assert evaluate("(H - 3)/2 + 1") is None


@pytest.mark.parametrize("name", shipped_names())
def test_every_printed_step_of_a_shipped_spec_is_true(name):
    assert false_text_equations(cli("explain", name)) == []
    assert false_json_steps(json.loads(cli("explain", name, "--format", "json"))) == []


LAYERS = [
    # ceil mode: 5 + 2*1 - 3 = 4, ceil(4/3) + 1 = 3 windows, the third would start at 2*3 - 1 = 5 = W: dropped
    ("pool", "--input", "5x5x1", "--kernel", "3", "--stride", "3", "--padding", "1", "--ceil-mode"),
    ("pool", "--input", "6x6x1", "--kernel", "3", "--stride", "2", "--ceil-mode"),
    ("pool", "--input", "7x7x2", "--kernel", "2", "--stride", "2", "--ceil-mode"),
    ("pool", "--input", "13x13x4", "--kernel", "3", "--stride", "2", "--padding", "1", "--ceil-mode"),
    ("pool", "--input", "8x9x2", "--kernel", "3", "--stride", "2", "--mode", "avg"),
    ("pool", "--input", "224x224x3", "--kernel", "2", "--mode", "sum"),
    ("conv", "--input", "224x224x3", "--filters", "96", "--kernel", "11", "--stride", "4", "--padding", "2"),
    ("conv", "--input", "7x7x3", "--filters", "4", "--kernel", "3", "--stride", "2", "--padding", "same"),
    ("conv", "--input", "8x8x3", "--filters", "4", "--kernel", "4", "--stride", "3", "--padding", "same"),
    ("conv", "--input", "8x9x3", "--filters", "4", "--kernel", "4x3", "--dilation", "2", "--padding", "same_pytorch"),
    ("conv", "--input", "9x11x4", "--filters", "8", "--kernel", "3x5", "--stride", "2x1", "--dilation", "2"),
    ("conv", "--input", "32x32x6", "--filters", "6", "--kernel", "5", "--groups", "3", "--no-bias"),
    ("conv", "--input", "10x10x2", "--filters", "2", "--kernel", "3", "--padding", "full"),
    ("tconv", "--input", "4x4x3", "--filters", "4", "--kernel", "3", "--stride", "2", "--padding", "1",
     "--output-padding", "1"),
    ("tconv", "--input", "5x5x2", "--filters", "2", "--kernel", "4", "--stride", "2", "--padding", "same"),
    ("tconv", "--input", "3x3x1", "--filters", "1", "--kernel", "3", "--stride", "3", "--dilation", "2"),
    ("dense", "--input", "5x5x16", "--units", "120"),
    ("upsample", "--input", "5x5x2", "--scale", "2"),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: " ".join(layer))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_printed_step_of_one_layer_is_true(layer, lang):
    assert false_text_equations(cli("calc", *layer, "--lang", lang)) == []
    assert false_json_steps(json.loads(cli("calc", *layer, "--format", "json", "--lang", lang))) == []


def test_ceil_mode_says_where_the_dropped_window_would_start():
    text = cli("calc", *LAYERS[0])
    assert "ceil(4/3) + 1 - 1 = 2" in text
    assert "window 3 would start at pixel (3 - 1)*3 - 1 = 5" in text and "last pixel 4" in text
    assert "empezaría en el píxel (3 - 1)*3 - 1 = 5" in cli("calc", *LAYERS[0], "--lang", "es")
