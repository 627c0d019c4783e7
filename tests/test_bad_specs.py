"""A corpus of bad specs: every one is refused (exit 2) or found wrong (exit 1) with a one-line
message at the right file:line:column that says what is wrong, and never a traceback.

tests/bad_specs/expected.yaml says, per file, the exit code, the line and column, the fragments the
message must contain, extra arguments (``args``) and known defects (``xfail``, strict). Cases that
cannot be committed sensibly (a binary file, a directory, a missing path, a 400 kB nesting) are
made in tmp_path from GENERATED below.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import at_level, one_spec, placed
from convcalc.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_specs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
FILES = sorted(path.name for path in CORPUS.iterdir() if path.name != "expected.yaml")
# Expanding up to MAX_NODES values before refusing peaked at about 45 MB; counting without expanding
# stays far below. 20 MiB tells the two apart with room to spare.
PEAK_LIMIT = 20 * 2**20
EXTREME_DEPTH = 200_000  # libyaml's composer recurses in C: this deep used to crash the interpreter


def _deep(path: Path) -> None:
    path.write_text("name: bad\ninput: [3, 8, 8]\nlayers: " + "[" * EXTREME_DEPTH + "]" * EXTREME_DEPTH + "\n")


def _binary(path: Path) -> None:
    path.write_bytes(b"name: bad\ninput: [3, 8, 8]\x00\x01\x02\nlayers: [relu]\n")


def _directory(path: Path) -> None:
    path.mkdir()


def _nothing(path: Path) -> None:
    pass


# name in tmp_path: (how to make it, expected entry as in expected.yaml)
GENERATED = {
    "binary.yaml": (_binary, {"exit": 2, "line": None, "column": None, "contains": ["binary file"]}),
    "a_directory.yaml": (_directory, {"exit": 2, "line": None, "column": None, "contains": ["directory"]}),
    "missing.yaml": (_nothing, {"exit": 2, "line": None, "column": None, "contains": ["no such file"]}),
    "deep_nesting_extreme.yaml": (_deep, {"exit": 2, "line": 3, "column": 73, "contains": ["deeper than 64"]}),
}


def analyze(path: Path, args=()):
    result = CliRunner().invoke(main, ["analyze", str(path), "--format", "json", *args])
    return result


def check(result, shown: str, expected: dict) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == expected["exit"], output
    line, column = expected["line"], expected.get("column")
    assert result.stderr == "", result.stderr  # the JSON output carries a spec that cannot be analysed too
    spec = one_spec(result.stdout)
    if expected["exit"] == 2:
        assert spec["status"] == "failed" and spec["error"]["code"] == "CC001", spec
        error = spec["error"]
        assert "\n" not in error["message"], f"not one line: {error['message']!r}"
        prefix = ":".join([shown] + [str(v) for v in (line, column) if v is not None]) + ": "
        if line is None:
            assert column is None, "a column without a line"
    else:
        error = at_level(spec, "error")[0]
        assert error["line"] == line, error
        prefix = f"{shown}:{line}:{column}: " if column is not None else f"{shown}:{line}:"
    message = placed(error)
    assert message.startswith(prefix), f"{message!r} does not start with {prefix!r}"
    rest = message[len(prefix):]
    for fragment in expected["contains"]:
        assert fragment in rest, f"{fragment!r} not in {message!r}"


def _params():
    return [pytest.param(name, id=name, marks=[pytest.mark.xfail(reason=EXPECTED[name]["xfail"], strict=True)]
                         if "xfail" in EXPECTED.get(name, {}) else []) for name in FILES]


def test_every_file_has_an_expected_entry_and_every_entry_a_file():
    assert len(FILES) >= 60
    assert sorted(set(FILES) - set(EXPECTED)) == [], "files without an entry in expected.yaml"
    assert sorted(set(EXPECTED) - set(FILES)) == [], "entries in expected.yaml without a file"
    assert not set(GENERATED) & set(FILES)
    for name, entry in EXPECTED.items():
        assert entry["exit"] in (1, 2), name
        assert isinstance(entry["contains"], list) and entry["contains"], name
        assert set(entry) <= {"exit", "line", "column", "contains", "args", "xfail"}, name


@pytest.mark.parametrize("name", _params())
def test_bad_spec(name):
    expected = EXPECTED[name]
    path = CORPUS / name
    check(analyze(path, expected.get("args", ())), str(path), expected)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_bad_file(name, tmp_path):
    make, expected = GENERATED[name]
    path = tmp_path / name
    make(path)
    check(analyze(path), str(path), expected)


@pytest.mark.parametrize("make", [
    lambda tmp: CORPUS / "alias_bomb.yaml",
    lambda tmp: CORPUS / "alias_loop.yaml",
    lambda tmp: CORPUS / "deep_nesting.yaml",
    lambda tmp: (_deep(tmp / "deep.yaml"), tmp / "deep.yaml")[1],
    lambda tmp: (  # ten levels of nine: 9**10 values once expanded
        (tmp / "bomb.yaml").write_text("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
            f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10))), tmp / "bomb.yaml")[1],
], ids=["alias_bomb", "alias_loop", "deep_nesting", "deep_nesting_extreme", "alias_bomb_9_pow_10"])
def test_expansion_is_refused_without_building_it(make, tmp_path):
    """A memory bound, not a timing one: refusing must not build the expanded values first."""
    path = make(tmp_path)
    analyze(CORPUS / "empty.yaml")  # imports done before measuring
    tracemalloc.start()
    try:
        result = analyze(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2 and "Traceback" not in result.stdout + result.stderr, result.stderr
    assert any(word in one_spec(result.stdout)["error"]["message"] for word in ("alias", "deeper than")), result.stdout
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"


NESTING_CASES = ["deep_nesting.yaml", "deep_nesting_block_style.yaml", "alias_bomb.yaml", "alias_loop.yaml"]


@pytest.mark.parametrize("loader", ["libyaml", "pure-python"])
@pytest.mark.parametrize("name", NESTING_CASES + ["deep_nesting_extreme.yaml"])
def test_limits_answer_first_whichever_yaml_parser_reads(name, loader, tmp_path, monkeypatch):
    """convcalc's own limits speak before the YAML library's (PyYAML 6.0.4's libyaml refuses deep
    nesting with a message of its own; a PyYAML without libyaml composes in Python)."""
    import yaml

    from convcalc import loading

    if loader == "pure-python":
        monkeypatch.setattr(loading, "_Loader", type("PureLoader", (yaml.SafeLoader,),
                                                     {"resolve": loading._Loader.resolve}))
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML has no libyaml")
    if name in GENERATED:
        make, expected = GENERATED[name]
        path = tmp_path / name
        make(path)
    else:
        path, expected = CORPUS / name, EXPECTED[name]
    check(analyze(path), str(path), expected)
