"""`convcalc check`, round 2 (issue 16): the slips of bias additions left out of FLOPs, a counted
bias on a layer without one, transposed-convolution MACs counted over the outputs, Keras's
parameter total; a square receptive field as one number and a shape with the batch are right
(with a note); an answer that follows correctly from the student's own earlier wrong answer is
said so, with `credit` in the JSON. Figures worked by hand in the comments."""

from __future__ import annotations

import json

from click.testing import CliRunner

from convcalc.cli import main

SPEC = """name: s
layout: hwc
input: [32, 32, 3]
layers:
  - conv2d: {name: conv1, filters: 6, kernel: 5}
  - maxpool2d: {name: pool1, kernel: 2}
  - conv2d: {name: conv2, filters: 16, kernel: 5, bias: false}
  - batchnorm2d: {name: bn}
  - conv_transpose2d: {name: up, filters: 4, kernel: 2, stride: 2}
"""
# conv1: 28x28x6, MACs 28*28*6*5*5*3 = 352,800, FLOPs 2*352,800 + 28*28*6 = 710,304 (705,600 without
#   the bias additions); receptive field 5x5
# pool1: 14x14x6 (a student's 13x13x6 is wrong); from 13: conv2 gives 9x9x16 and 9*9*16*5*5*6 = 194,400 MACs
# conv2 (no bias): 5*5*6*16 = 2,400 parameters (2,416 with biases); bn: 2*16 = 32 trainable, 32 running stats
# up: MACs over the 10x10 inputs 10*10*16*4*2*2 = 25,600; over the 20x20 outputs 20*20*4*16*2*2 = 102,400,
#   FLOPs then 2*102,400 + 20*20*4 = 206,400
# totals: trainable 456 + 2,400 + 32 + 260 = 3,148; with the 32 running statistics (Keras) 3,180
ANSWERS = """layers:
  conv1: {output_shape: 1x28x28x6, flops: "705,600", receptive_field: 5}
  pool1: {output_shape: 13x13x6}
  conv2: {output_shape: 9x9x16, params: 2416, macs: "194,400"}
  bn: {params: 64, output_shape: 9x9x16}
  up: {macs: "102,400", flops: "206,400"}
totals: {params: "3,180"}
"""


def check(tmp_path, *options: str):
    (tmp_path / "s.yaml").write_text(SPEC)
    (tmp_path / "a.yaml").write_text(ANSWERS)
    return CliRunner().invoke(main, ["check", str(tmp_path / "s.yaml"), str(tmp_path / "a.yaml"), *options])


def test_each_slip_is_named_in_json(tmp_path):
    result = check(tmp_path, "--format", "json")
    assert result.exit_code == 1
    answers = {(a["layer"], a["figure"]): a for a in json.loads(result.stdout)["answers"]}
    assert answers["conv1", "flops"]["mistake"] == "bias_additions_forgotten"
    assert answers["conv2", "params"]["mistake"] == "bias_counted"
    assert answers["bn", "params"]["mistake"] == "keras_total"
    assert answers[None, "params"]["mistake"] == "keras_total"
    assert answers["up", "macs"]["mistake"] == answers["up", "flops"]["mistake"] == "tconv_macs_over_outputs"
    # right, with a note
    for key in (("conv1", "output_shape"), ("conv1", "receptive_field")):
        assert answers[key]["correct"] and answers[key]["credit"] == "right" and answers[key]["note"]
    # wrong, following from the student's 13x13x6 for pool1 (and then from 9x9x16 for conv2)
    assert answers["pool1", "output_shape"]["credit"] == "none"
    for key in (("conv2", "output_shape"), ("conv2", "macs")):
        assert answers[key]["credit"] == "follows_from_earlier_answer"
        assert answers[key]["follows_from"] == {"layer": "pool1", "answer": "13x13x6"}
    assert answers["bn", "output_shape"]["follows_from"] == {"layer": "conv2", "answer": "9x9x16"}


def test_the_text_says_so_in_both_languages(tmp_path):
    english = check(tmp_path).stdout
    assert "follows correctly from your answer 13x13x6 for pool1" in english
    assert "without the bias additions" in english and "Keras" in english
    assert "3 more follow correctly from an earlier wrong answer" in english
    spanish = check(tmp_path, "--lang", "es").stdout
    assert "se sigue correctamente de tu respuesta 13x13x6 para pool1" in spanish and "campo receptivo" in spanish


def test_a_wrong_square_field_and_a_wrong_batch_are_still_wrong(tmp_path):
    (tmp_path / "s.yaml").write_text(SPEC)
    (tmp_path / "a.yaml").write_text("layers:\n  conv1: {receptive_field: 6, output_shape: 2x28x28x6}\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "s.yaml"), str(tmp_path / "a.yaml"),
                                       "--format", "json"])
    assert [a["correct"] for a in json.loads(result.stdout)["answers"]] == [False, False]


def test_exact_values_of_a_float16_run_are_right(tmp_path):
    # the mean of 0.1, 0.2, 0.3, 0.4 is 0.25; float16 computes 0.2499 (its precision is 2**-10)
    (tmp_path / "s.yaml").write_text("name: h\ndtype: float16\ninput: [1, 2, 2]\ninput_values: [[0.1, 0.2], "
                                     "[0.3, 0.4]]\nlayers:\n  - avgpool2d: {name: p, kernel: 2}\n")
    (tmp_path / "a.yaml").write_text("layers: {p: {values: 0.25}}\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "s.yaml"), str(tmp_path / "a.yaml")])
    assert result.exit_code == 0, result.output
    (tmp_path / "a.yaml").write_text("layers: {p: {values: 0.3}}\n")
    assert CliRunner().invoke(main, ["check", str(tmp_path / "s.yaml"), str(tmp_path / "a.yaml")]).exit_code == 1
