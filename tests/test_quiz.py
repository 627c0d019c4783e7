"""convcalc quiz: reproducible random exercises whose answer key `convcalc check` grades as all right."""

from __future__ import annotations

import re
import string

import pytest
import yaml
from click.testing import CliRunner

from conftest import analyze_text
from convcalc.cli import main
from convcalc.homework import check
from convcalc.i18n.en import MESSAGES as EN
from convcalc.i18n.es import MESSAGES as ES
from convcalc.loading import load_document
from convcalc.quiz import TOPICS, Quiz, make_quiz

SEEDS = range(30)
TOPIC_SETS = [["conv"], ["pool"], ["dense"], ["tconv"], ["conv", "pool", "dense"], list(TOPICS)]
SPEC_TYPES = {"conv": {"conv2d"}, "pool": {"maxpool2d", "avgpool2d"}, "dense": {"dense"},
              "tconv": {"conv_transpose2d"}}


def graded(quiz: Quiz, key_text: str | None = None):
    analysis = analyze_text(quiz.spec)
    assert analysis.errors == [], [f.render() for f in analysis.errors]
    return analysis, check(analysis, load_document(key_text if key_text is not None else quiz.key, "key.yaml"))


def spec_layers(quiz: Quiz) -> list[tuple[str, dict]]:
    data = yaml.safe_load(quiz.spec)
    return [next(iter(entry.items())) for entry in data["layers"]]


def test_same_seed_same_texts():
    for lang in ("en", "es"):
        first = make_quiz(11, 7, list(TOPICS), lang)
        second = make_quiz(11, 7, list(TOPICS), lang)
        assert first == second
        assert (first.questions.encode(), first.spec.encode(), first.key.encode()) == \
            (second.questions.encode(), second.spec.encode(), second.key.encode())


def test_spec_and_key_do_not_depend_on_the_language():
    english, spanish = make_quiz(4, 6, list(TOPICS), "en"), make_quiz(4, 6, list(TOPICS), "es")
    assert (english.spec, english.key) == (spanish.spec, spanish.key)
    assert english.questions != spanish.questions


def test_different_seeds_different_quizzes():
    quizzes = {make_quiz(seed, 5, ["conv", "pool", "dense"], "en").spec for seed in range(20)}
    assert len(quizzes) >= 18
    assert make_quiz(1, 5, None, "en").questions != make_quiz(2, 5, None, "en").questions


def test_topic_order_does_not_matter():
    assert make_quiz(5, 5, ["dense", "conv"], "en") == make_quiz(5, 5, ["conv", "dense"], "en")


@pytest.mark.parametrize("topics", TOPIC_SETS, ids=",".join)
@pytest.mark.parametrize("count", [1, 5, 12])
def test_round_trip_every_answer_right(topics, count):
    for seed in SEEDS:
        quiz = make_quiz(seed, count, topics, "en")
        analysis, verdicts = graded(quiz)
        assert verdicts and all(v.correct for v in verdicts), (seed, [v for v in verdicts if not v.correct])
        layers = spec_layers(quiz)
        names = [fields["name"] for _, fields in layers]
        assert names == [f"l{i}" for i in range(1, len(layers) + 1)]
        asked = [kind for kind, _ in layers if kind != "flatten"]
        assert len(asked) == count
        allowed = set().union(*(SPEC_TYPES[topic] for topic in topics))
        assert set(asked) <= allowed
        assert len(re.findall(r"^\d+\. ", quiz.questions, re.MULTILINE)) == count
        for report in analysis.layers:
            assert all(int(d) >= 1 for d in report.result.output.dims), (seed, report.name)
        # an inexact division only where the exercise says PyTorch floors
        warned = {f.layer for f in analysis.findings if f.code in ("CC201", "CC202")}
        noted = set(re.findall(r"Layer (l\d+) [^\n]*PyTorch rounds it down", quiz.questions))
        assert warned == noted, seed
        key = yaml.safe_load(quiz.key)
        assert set(key) == {"layers", "totals"}
        assert set(key["layers"]) == {fields["name"] for kind, fields in layers if kind != "flatten"}
        assert key["totals"]["params"] == analysis.totals.params


def test_all_topics_are_drawn_with_enough_seeds():
    kinds = set()
    for seed in SEEDS:
        kinds |= {kind for kind, _ in spec_layers(make_quiz(seed, 5, list(TOPICS), "en"))}
    assert kinds >= {"conv2d", "maxpool2d", "avgpool2d", "conv_transpose2d", "flatten", "dense"}
    quizzes = [make_quiz(seed, 8, ["conv"], "en") for seed in SEEDS]
    assert any("padding: same" in quiz.spec for quiz in quizzes)
    assert any("macs:" in quiz.key for quiz in quizzes)
    assert any("PyTorch rounds it down" in quiz.questions for quiz in quizzes)


def test_fifty_exercises_stay_valid():
    for seed in range(5):
        for topics in (["pool"], ["tconv"], list(TOPICS)):
            _, verdicts = graded(make_quiz(seed, 50, topics, "en"))
            assert all(v.correct for v in verdicts)


def _corrupt(text: str, layer: str, figure: str) -> tuple[str, str]:
    pattern = re.compile(rf"^(  {layer}: {{.*?{figure}: )([0-9x]+)", re.MULTILINE)
    match = pattern.search(text)
    value = match.group(2)
    if figure == "output_shape":
        first, rest = value.split("x", 1) if "x" in value else (value, None)
        changed = str(int(first) + 1) + (f"x{rest}" if rest else "")
    else:
        changed = str(int(value) + 7)
    return text[:match.start(2)] + changed + text[match.end(2):], changed


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("figure", ["output_shape", "params"])
def test_one_corrupted_answer_is_the_only_one_wrong(seed, figure):
    quiz = make_quiz(seed, 5, list(TOPICS), "en")
    layers = list(yaml.safe_load(quiz.key)["layers"])
    layer = layers[seed % len(layers)]
    key, _ = _corrupt(quiz.key, layer, figure)
    _, verdicts = graded(quiz, key)
    wrong = [(v.layer, v.figure) for v in verdicts if not v.correct]
    assert wrong == [(layer, figure)]


def test_corrupted_total_is_the_only_one_wrong():
    quiz = make_quiz(3, 5, list(TOPICS), "en")
    total = yaml.safe_load(quiz.key)["totals"]["params"]
    key = quiz.key.replace(f"totals: {{params: {total}}}", f"totals: {{params: {total + 1}}}")
    _, verdicts = graded(quiz, key)
    assert [(v.layer, v.figure) for v in verdicts if not v.correct] == [(None, "params")]


def test_conv_answers_by_the_lecture_formulas():
    """O = (W - F + 2P)/S + 1 (floor), 'same' keeps W at stride 1, params = (F*F*D + 1)*K,
    MACs = O*O*K*F*F*D, worked out here without convcalc."""
    checked = 0
    for seed in range(12):
        quiz = make_quiz(seed, 6, ["conv", "pool"], "en")
        data = yaml.safe_load(quiz.spec)
        key = yaml.safe_load(quiz.key)["layers"]
        size, _, depth = data["input"]
        for kind, fields in spec_layers(quiz):
            kernel, stride, padding = fields["kernel"], fields["stride"], fields["padding"]
            if padding == "same":
                assert stride == 1
                out = size
            else:
                out = (size - kernel + 2 * padding) // stride + 1
            if kind == "conv2d":
                filters = fields["filters"]
                assert key[fields["name"]]["output_shape"] == f"{out}x{out}x{filters}"
                assert key[fields["name"]]["params"] == (kernel * kernel * depth + 1) * filters
                if "macs" in key[fields["name"]]:
                    assert key[fields["name"]]["macs"] == out * out * filters * kernel * kernel * depth
                depth = filters
                checked += 1
            else:
                assert key[fields["name"]] == {"output_shape": f"{out}x{out}x{depth}", "params": 0}
            size = out
    assert checked >= 20


def test_dense_and_tconv_by_hand():
    quiz = make_quiz(2, 6, ["tconv", "dense"], "en")
    data = yaml.safe_load(quiz.spec)
    key = yaml.safe_load(quiz.key)["layers"]
    size, _, depth = data["input"]
    values = None
    for kind, fields in spec_layers(quiz):
        if kind == "conv_transpose2d":
            kernel, stride, padding, filters = fields["kernel"], fields["stride"], fields["padding"], fields["filters"]
            size = (size - 1) * stride - 2 * padding + kernel
            assert key[fields["name"]] == {"output_shape": f"{size}x{size}x{filters}",
                                           "params": kernel * kernel * depth * filters + filters}
            depth = filters
        elif kind == "flatten":
            values = size * size * depth
        else:
            assert key[fields["name"]] == {"output_shape": fields["units"], "params": (values + 1) * fields["units"]}
            values = fields["units"]


def test_spanish_quiz_uses_the_students_words():
    quiz = make_quiz(0, 8, ["conv", "pool", "dense"], "es")
    text = quiz.questions
    assert "relleno" in text and "paso" in text
    assert "capa densa" in text and "neuronas" in text
    assert "convcalc check quiz.yaml answers.yaml" in text
    assert "padding" not in text.replace("average pooling", "")  # the Spanish word, not the English one
    english = make_quiz(0, 8, ["conv", "pool", "dense"], "en").questions
    assert "padding" in english and "relleno" not in english


def test_questions_come_from_the_catalogue():
    quiz = make_quiz(9, 10, list(TOPICS), "en")
    assert quiz.questions.startswith("# Quiz")
    assert "convcalc check quiz.yaml answers.yaml" in quiz.questions
    assert "{" not in quiz.questions.replace("{l1: {output_shape", "").replace("{params", "")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_quiz_keys_in_both_catalogues():
    keys = sorted(key for key in EN if key.startswith("quiz_"))
    assert {"quiz_intro", "quiz_instructions", "quiz_conv", "quiz_ask"} <= set(keys)
    assert keys == sorted(key for key in ES if key.startswith("quiz_"))
    for key in keys:
        assert _fields(EN[key]) == _fields(ES[key]), key
    source = (__import__("pathlib").Path(__file__).resolve().parent.parent / "convcalc" / "quiz.py").read_text()
    used = set(re.findall(r"translate\(\s*[\"'](quiz_\w+)", source))
    assert used and used <= set(keys)


def test_bad_arguments():
    with pytest.raises(ValueError):
        make_quiz(0, 5, ["convolution"], "en")
    with pytest.raises(ValueError):
        make_quiz(0, 0, ["conv"], "en")


# -- the command ------------------------------------------------------------------------------


def test_cli_writes_the_three_files_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "q"
    runner = CliRunner()
    result = runner.invoke(main, ["quiz", "--seed", "3", "--count", "4", "--output", str(out)])
    assert result.exit_code == 0, result.output
    key = tmp_path / "q-key" / "key.yaml"
    paths = [out / "quiz.md", out / "quiz.yaml", key]
    assert result.output.split() == [str(path) for path in paths]
    expected = make_quiz(3, 4, ["conv", "pool", "dense"], "en")
    assert [p.read_text(encoding="utf-8") for p in paths] == [expected.questions, expected.spec, expected.key]
    graded_run = runner.invoke(main, ["check", str(out / "quiz.yaml"), str(key)])
    assert graded_run.exit_code == 0, graded_run.output

    key.write_text("changed", encoding="utf-8")
    again = runner.invoke(main, ["quiz", "--seed", "4", "--output", str(out)])
    assert again.exit_code == 2
    assert "quiz.md" in again.output and "--force" in again.output
    assert key.read_text(encoding="utf-8") == "changed"
    assert (out / "quiz.md").read_text(encoding="utf-8") == expected.questions

    forced = runner.invoke(main, ["quiz", "--seed", "4", "--output", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "quiz.yaml").read_text(encoding="utf-8") == make_quiz(4, 5, ["conv", "pool", "dense"], "en").spec


def test_cli_same_seed_same_files(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(main, ["quiz", "--seed", "8", "--topics", "conv,tconv,dense", "--lang", "es",
                                      "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    for file in ("a/quiz.md", "a/quiz.yaml", "a-key/key.yaml"):
        assert (tmp_path / file).read_bytes() == (tmp_path / file.replace("a", "b", 1)).read_bytes()
    assert "relleno" in (tmp_path / "a" / "quiz.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [["--topics", "conv,lstm"], ["--topics", ""], ["--count", "0"],
                                  ["--count", "51"]])
def test_cli_bad_arguments(tmp_path, args):
    result = CliRunner().invoke(main, ["quiz", "--output", str(tmp_path / "q"), *args])
    assert result.exit_code == 2
    assert not (tmp_path / "q").exists()
    if "lstm" in args[-1]:
        assert "lstm" in result.output
