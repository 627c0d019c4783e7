"""`convcalc check` on a layer with several outputs: values are answered as a list, one array per
output in order; the wrong number of them is named as a shape slip. Values answers of any layer
are labelled through the catalogues (fig_values)."""

from __future__ import annotations

from click.testing import CliRunner

from convcalc.cli import main

SPEC = "name: t\ninput: [2, 2, 2]\ninput_values: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]\nlayers:\n" \
       "  - split: {name: s, chunks: 2}\n  - add: {inputs: [s.0, s.1]}\n"


def check(tmp_path, answers: str, *options):
    (tmp_path / "net.yaml").write_text(SPEC)
    (tmp_path / "answers.yaml").write_text(answers)
    return CliRunner().invoke(main, ["check", str(tmp_path / "net.yaml"), str(tmp_path / "answers.yaml"), *options])


def test_each_output_is_held_against_its_values(tmp_path):
    result = check(tmp_path, "layers:\n  s: {values: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}\n"
                             "  add1: {values: [[6, 8], [10, 12]]}\n")
    assert result.exit_code == 0, result.output
    assert "2 of 2 answers right" in result.output and "output values" in result.output


def test_a_wrong_output_or_count_is_wrong(tmp_path):
    wrong = check(tmp_path, "layers:\n  s: {values: [[[1, 2], [3, 4]], [[5, 6], [7, 9]]]}\n")
    assert wrong.exit_code == 1 and "0 of 1 answers right" in wrong.output
    short = check(tmp_path, "layers:\n  s: {values: [[[1, 2], [3, 4]]]}\n", "--lang", "es")
    assert short.exit_code == 1 and "valores de salida" in short.output
