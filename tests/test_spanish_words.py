"""Spanish output holds no English word: every command, --help and error message, run in Spanish
through the command line, is read against tests/english_words.txt (words that never occur in a
Spanish sentence). Code is not prose and is left out of the reading: text in backticks or quotes,
options (--input), file names and paths, capitalised metavars (SPEC), names with digits, dots or
underscores, a field as a spec writes it (`padding: same`, `stride=2`, the reference's field lines),
the spec's own names, layer types, command and format names."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from convcalc.cli import main
from convcalc.layers import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
ENGLISH = {line.strip() for line in (Path(__file__).with_name("english_words.txt")).read_text(encoding="utf-8")
           .splitlines() if line.strip() and not line.startswith("#")}
SPANISH = {"LANGUAGE": "es", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}

FORMATS = {"table", "json", "markdown", "csv", "concise", "github", "sarif", "html", "text", "svg", "png", "pdf",
           "dot", "mmd", "mermaid", "onnx", "pytorch", "torch", "onnxruntime", "eval", "train", "adam", "momentum",
           "sgd", "chw", "hwc", "blocks"}


def field_names() -> set[str]:
    """Every layer field's name and alias (kernel, kernel_size, ...), and the keys every entry takes."""
    from convcalc.schema import ENTRY_PROPERTIES

    names = set(ENTRY_PROPERTIES)
    for kind in REGISTRY.values():
        for name, info in kind.model_fields.items():
            names |= {name, *(alias for alias in getattr(info.validation_alias, "choices", ()) if isinstance(alias, str))}
    return names


def choice_values(command=main) -> set[str]:
    """Every value an option offers (--plot memory, --of output), a flag's name as its default
    shows it ([default: bias] of --bias/--no-bias), and the command names: what a user types."""
    values = set(getattr(command, "commands", {}))
    for param in command.params:
        values |= set(getattr(param.type, "choices", ()))
        if getattr(param, "secondary_opts", None):
            values |= {name.lstrip("-") for name in (*param.opts, *param.secondary_opts)}
    for sub in getattr(command, "commands", {}).values():
        values |= choice_values(sub)
    return values


CODE_WORDS = FORMATS | choice_values() | set(REGISTRY) | (field_names() - ENGLISH) | {"same", "valid", "full"}
FIELDS = "|".join(sorted(field_names(), key=len, reverse=True))
_CODE = re.compile(r"`[^`\n]*`|'[^'\n]*'|\"[^\"\n]*\"|--?[A-Za-z][\w-]*|\S*[/\\]\S*|\S+\.(?:yaml|json|md|npz|npy|onnx|py|svg|png)\b"
                   r"|\b\w*[\d_]\w*\b|\b\w+(?:\.\w+)+|\b[A-Za-z]*[a-z][A-Z]\w*|\b[A-Z]{2,}\b"
                   rf"|\b\w+=\S*|\b\w+:[+-]\S*|\b(?:{FIELDS}): ?\w*|^\s+(?:{FIELDS})(?: o (?:{FIELDS}))*(?= \()", re.MULTILINE)


def english_words(text: str, own_names=()) -> list[str]:
    """The English words of ``text``'s prose, in order."""
    prose = _CODE.sub(" ", text)
    exempt = CODE_WORDS | {name.lower() for name in own_names}
    return [word for word in re.findall(r"[^\W\d_]+", prose)
            if word.lower() in ENGLISH and word.lower() not in exempt]


def spanish(*args, **kwargs):
    result = CliRunner().invoke(main, [str(arg) for arg in args], env=SPANISH, **kwargs)
    return result.stdout + result.stderr


def layer_names(spec: Path) -> set[str]:
    """The names a spec gives itself, its layers and its blocks (dotted names split), which output echoes."""
    text = spec.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {part for name in re.findall(r"\bname:\s*([\w.]+)", text) for part in name.split(".")} | \
        set(data.get("blocks") or {}) | set(re.findall(r"\w+", str(data.get("name", ""))))


def test_the_reader_finds_english_and_passes_code():
    assert english_words("the value is wrong") == ["the", "value", "is", "wrong"]
    assert english_words("así que size: 3 y stride=2, no the size") == ["the", "size"]
    assert english_words("usa `--input 3x32x32` y 'the value' en el archivo net.yaml") == []
    assert english_words("capa output: 10", own_names={"output"}) == []


def help_pages(command=main, path=()):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from help_pages(sub, (*path, name))


@pytest.mark.parametrize("path", list(help_pages()), ids=lambda path: " ".join(path) or "convcalc")
def test_every_help_page_is_spanish(path):
    text = spanish(*path, "--help")
    assert "Uso:" in text and english_words(text) == []


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*.yaml")), ids=lambda spec: spec.stem)
def test_analyze_and_explain_of_every_shipped_spec_are_spanish(spec):
    for args in (("analyze", spec), ("analyze", spec, "--format", "markdown"), ("explain", spec)):
        assert english_words(spanish(*args), layer_names(spec)) == [], args


CALCULATIONS = [
    ("calc", "conv", "--input", "32x32x3", "--filters", "8", "--kernel", "3", "--padding", "same", "--stride", "2"),
    ("calc", "conv", "--input", "7x7x3", "--filters", "2", "--kernel", "3", "--padding", "?", "--output", "7x7"),
    ("calc", "conv", "--input", "3x32x32", "--filters", "2", "--kernel", "3"),
    ("calc", "pool", "--input", "5x5x1", "--kernel", "3", "--stride", "3", "--ceil-mode"),
    ("calc", "tconv", "--input", "4x4x8", "--filters", "3", "--kernel", "3", "--stride", "2"),
    ("calc", "dense", "--input", "400", "--units", "120"),
    ("calc", "upsample", "--input", "4x4x3", "--scale", "2"),
]


@pytest.mark.parametrize("args", CALCULATIONS, ids=lambda args: " ".join(args[1:4]))
def test_calculations_are_spanish(args):
    assert english_words(spanish(*args)) == []


def test_checking_answers_diff_lock_run_and_verify_are_spanish(tmp_path):
    lenet = SPECS / "lenet5.yaml"
    answers = tmp_path / "answers.yaml"
    answers.write_text("layers:\n  c1: {output_shape: 6x28x28, params: 150, macs: 100000}\n"
                       "  c3: {params: 2400, receptive_field: 10}\ntotals: {params: 61706, flops: 800000}\n")
    lock = tmp_path / "lenet.lock.json"
    names = layer_names(lenet) | layer_names(SPECS / "alexnet.yaml") | {  # `specs` lists every spec's own name
        word for spec in SPECS.rglob("*.yaml") for word in re.findall(r"\w+", str(yaml.safe_load(
            spec.read_text(encoding="utf-8")).get("name", "")))}
    outputs = [spanish("check", lenet, answers), spanish("lock", lenet, "-o", lock),
               spanish("diff", lock, SPECS / "alexnet.yaml"), spanish("run", lenet), spanish("verify", lenet),
               spanish("analyze", SPECS / "resnet50.yaml", "--max-params", "1M"), spanish("specs"),
               spanish("analyze", SPECS / "resnet18.yaml", "--depth", "1")]
    assert [english_words(text, names | layer_names(SPECS / "resnet50.yaml")) for text in outputs] == [[]] * len(outputs)


def test_the_quiz_is_spanish(tmp_path):
    assert spanish("quiz", "--seed", "4", "--count", "8", "--topics", "conv,pool,dense,tconv",
                   "--output", tmp_path / "q") .count("quiz.md") == 1
    text = (tmp_path / "q" / "quiz.md").read_text(encoding="utf-8")
    assert "Cuestionario" in text and english_words(text, {f"l{i}" for i in range(20)}) == []


USAGE_ERRORS = [
    ("analyze", "--nosuch"),
    ("analyze",),
    ("analyze", SPECS / "lenet5.yaml", "--format", "yml"),
    ("calc", "conv", "--input", "8x8x3"),
    ("calc", "conv", "--input", "8x8x3", "--filters", "x", "--kernel", "3"),
    ("explain", SPECS / "lenet5.yaml", "--layer"),
    ("nosuchcommand",),
    ("quiz", "--count", "0"),
    ("analyze", SPECS / "lenet5.yaml", "--set", "H"),
    ("analyze", SPECS / "lenet5.yaml", "--input", "0x3"),
    ("analyze", SPECS / "lenet5.yaml", "extra", "--select", "XX9"),
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=lambda args: " ".join(map(str, args)).replace(str(SPECS) + "/", ""))
def test_usage_errors_are_one_spanish_line(args):
    text = spanish(*args)
    assert len(text.strip().splitlines()) == 1 and "(consulta" in text, text
    assert english_words(text) == [], text


def test_every_layer_type_reference_is_spanish():
    assert english_words(spanish("layers")) == []


@pytest.mark.parametrize("spec", sorted((ROOT / "tests" / "bad_specs").glob("*.yaml")), ids=lambda spec: spec.stem)
def test_every_bad_spec_is_refused_in_spanish(spec):
    """The messages name keys, fields and budgets as the spec writes them: those are code here."""
    from convcalc.budget import FIGURES
    from convcalc.spec import Spec

    text = re.sub(r"(válidas|disponibles aquí|sus parámetros|presupuestos|claves):[^;()\n]*", " ", spanish("analyze", spec))
    keys = set(Spec.model_fields) | set(FIGURES) | field_names()
    assert english_words(text, keys | {"channels", "height", "width"}) == [], text
