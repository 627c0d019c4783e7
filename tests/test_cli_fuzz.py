"""Property-based fuzzing of the command line: hypothesis draws a command, its arguments and option
values (valid ones, near misses and nonsense) and the files they name (specs, answers, lock files,
.npz/.npy arrays, missing names, a directory), runs it in process with click's CliRunner in a fresh
directory, and holds the properties every command promises:

- no traceback and no internal error: the exit code is 0, 1 or 2, and for 2 the message on standard
  error is one line;
- nothing written but the outputs named on the command line (``--save``, ``lock``'s lock file,
  ``quiz --output``, ``schema -o``), and no existing file replaced without ``--force``: the whole
  directory tree is compared before and after;
- bounded time (a limit on each example's processor time, and a wall-clock hang guard) and
  memory (tracemalloc's peak under a generous bound).

Like tests/test_fuzz.py: database-free; the "ci" profile of conftest.py (CI=true) derandomises the
draw. Known defects, fixed elsewhere, are excluded from the draw by ``known_defect`` (each one pinned
by a strict xfail test at the end, with its minimal command line): remove a predicate once its fix
has landed and the xfail test has turned into a pass.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import note as hypothesis_note
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st

from conftest import SPECS, Hang, time_limit
from convcalc.cli import main

FUZZ = settings(database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
CPU_SECONDS_PER_EXAMPLE = 20  # processor time: a loaded machine does not make a command slower by it
WALL_SECONDS_PER_EXAMPLE = 90  # the hang guard: past it the example is stopped
PEAK_BYTES = 512 * 1024 ** 2  # tracemalloc's peak for one command on these small files
RSS_GROWTH_KIB = 1024 ** 2    # the process's high-water mark may not grow by more than 1 GiB in a test


# ----- the files a command may name -------------------------------------------------------------

def _npy(array) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array, allow_pickle=isinstance(array, np.ndarray) and array.dtype == object)
    return stream.getvalue()


def _npz(**arrays) -> bytes:
    stream = io.BytesIO()
    np.savez(stream, **arrays)
    return stream.getvalue()


LENET = (SPECS / "lenet5.yaml").read_text(encoding="utf-8")
TINY = "name: tiny\ninput: [1, 3, 3]\nlayers:\n  - conv2d: {name: conv, filters: 1, kernel: 2}\n  - relu\n"
SYMBOLIC = "name: sym\ninput: [1, H, W]\nlayers:\n  - conv2d: {name: conv, filters: 2, kernel: 3, stride: 2}\n"
FILES: dict[str, bytes] = {
    "net.yaml": LENET.encode(),
    "wide.yaml": LENET.replace("filters: 6,", "filters: 8,").encode(),
    "tiny.yaml": TINY.encode(),
    "sym.yaml": SYMBOLIC.encode(),
    "hwc.yaml": (SPECS / "seed002_cnn.yaml").read_bytes(),
    "values.yaml": (SPECS / "examples" / "convolution_3x3_output.yaml").read_bytes(),
    "broken.yaml": b"name: b\ninput: [1, 9, 9]\nlayers:\n  - conv2d: {filters: 2, kernel: 3}\n  - dense: {units: 3}\n",
    "schema_error.yaml": b"name: s\ninput: [1, 8, 8]\nlayers:\n  - conv2d: {filters: 2, kernal: 3}\n",
    "not_yaml.yaml": b"name: [unclosed\n  - {\n",
    "binary.yaml": bytes(range(256)),
    "empty.yaml": b"",
    "list.yaml": b"- 1\n- 2\n",
    "answers.yaml": b"layers:\n  c1: {output_shape: 6x28x28, params: 156, macs: 117600}\ntotals: {params: 61706}\n",
    "wrong_answers.yaml": b"layers:\n  c1: {params: 150, flops: 117600, memory: 4704}\ntotals: {macs: 852370}\n",
    "odd_answers.yaml": b"layers:\n  c1: {params: [1, 2], receptive_field: abc, units: 1e999}\ntolerance: x%\n",
    "list_answers.yaml": b"- params: 1\n",
    "truncated.lock.json": b'{"convcalc": "0.1.0", "name": "LeNet-5", "layers": [{"name": "c1"',
    "odd.lock.json": b'{"convcalc": "0.1.0", "layers": 5, "totals": {"params": "many"}}',
    "w.npz": _npz(**{"conv.weight": np.ones((1, 1, 2, 2), "float32"), "conv.bias": np.zeros(1, "float32")}),
    "wrong_shape.npz": _npz(**{"conv.weight": np.ones((2, 2), "float32")}),
    "strings.npz": _npz(**{"conv.weight": np.array([["a", "b"], ["c", "d"]]).reshape(1, 1, 2, 2)}),
    "complex.npz": _npz(**{"conv.weight": np.ones((1, 1, 2, 2), "complex64")}),
    "garbage.npz": b"PK\x03\x04" + bytes(range(60)),
    "x.npy": _npy(np.arange(9, dtype="float32").reshape(1, 3, 3)),
    "x_batch.npy": _npy(np.ones((1, 1, 3, 3), "float64")),
    "x_wrong.npy": _npy(np.zeros((2, 5), "float32")),
    "x_strings.npy": _npy(np.array([["a"] * 3] * 3).reshape(1, 3, 3)),
    "x_object.npy": _npy(np.array([None] * 9, dtype=object).reshape(1, 3, 3)),
    "x_nan.npy": _npy(np.full((1, 3, 3), np.nan, "float32")),
    "x_bool.npy": _npy(np.ones((1, 3, 3), bool)),
    "x_empty.npy": _npy(np.zeros((0,), "float32")),
    "x_garbage.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}\n",
}


def _lock_file() -> bytes:
    """A lock file of LeNet-5 as `convcalc lock` writes it: input material, not an expected value."""
    with tempfile.TemporaryDirectory() as directory:
        spec = Path(directory, "net.yaml")
        spec.write_text(LENET, encoding="utf-8")
        result = CliRunner().invoke(main, ["lock", str(spec)])
        assert result.exit_code == 0, result.output
        return Path(directory, "net.lock.json").read_bytes()


FILES["net.lock.json"] = _lock_file()
EXISTING = sorted(FILES)
NAMES = EXISTING + ["missing.yaml", "missing.npz", "folder", "folder/", ""]
SPEC_NAMES = [name for name in NAMES if not name.endswith((".npz", ".npy"))]
NEW_OUTPUTS = ["out.npz", "out.lock.json", "out.json", "outdir", "deep/er/out.json"]


def make_files(root: Path) -> None:
    for name, content in FILES.items():
        (root / name).write_bytes(content)
    (root / "folder").mkdir()


def tree(root: Path) -> dict[str, str]:
    """Every path under root -> a digest of what it is (file bytes, link target, directory)."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# ----- drawing option values ----------------------------------------------------------------------

junk = st.text(alphabet=st.sampled_from(list("abcxyzHW0123456789=:+-%.,/ _*$()[]{}'\"\\\t\n\x1b\u00e9")),
               max_size=12)


def values(*plausible):
    """A value from the plausible list, or junk."""
    return st.one_of(st.sampled_from(list(plausible)), junk)


def file_name(names=NAMES):
    return st.one_of(st.sampled_from(names), st.sampled_from(NEW_OUTPUTS))


SIZES = values("H=32", "W=32", "H=9", "W=9", "H=1", "H=0", "W=3", "H=512", "W=512", "H=1000000",
               "H=10000000000000000000000000000000", "Q=5", "H=", "=5", "H=-1", "H=3.5", " H = 7 ")
QUANTITY = values("25M", "4.1G", "200MiB", "1KiB", "4GiB", "0", "1", "10**9", "1e3", "-1", "61706", "1.5 MiB",
                  "999999999999999TiB", "nan", "inf", "K")
SEEDS = st.one_of(st.integers(0, 2 ** 32), st.sampled_from([2 ** 64, 2 ** 128, -1, -(2 ** 70)]),
                  st.sampled_from(["x", "1.5", ""]))
THRESHOLDS = values("params:+5%", "macs:+0", "memory:+10MiB", "flops:+1%", "params:-5%", "params:+0%",
                    "activation:+1KiB", "training_memory:+1", "params:5", "params:+", "speed:+5%", ":", "params:+1e9%")
LAYER_NAMES = values("c1", "c3", "output", "tanh1", "conv", "relu1", "c9", "", "input", "c1.weight")
TOPICS = values("conv", "pool", "dense", "tconv", "conv,pool,dense,tconv", "conv,,pool", "rnn", ",", "CONV")
CALC_SIZES = values("227x227x3", "3x227x227", "227", "32x32", "1x1x1", "0x5x5", "5x5x0", "99999999999x3x3",
                    "2x2x2x2", "axb", "-3x3x3", "10**9x1x1", "1e3x1x1", "7x7")
WINDOWS = values("1", "2", "3", "11", "3x5", "0", "-1", "100000", "2x2x2", "same", "valid", "full", "1.5")


@st.composite
def options(draw, table: dict):
    """A few of the options in ``table`` (name -> strategy of values, or None for a flag)."""
    chosen = draw(st.lists(st.sampled_from(sorted(table)), max_size=4))
    args = []
    for name in chosen:
        if table[name] is None:
            args.append(name)
        else:
            args += [name, str(draw(table[name]))]
    return args


FORMATS = {"analyze": ["table", "json", "markdown", "csv", "github", "concise", "sarif"],
           "explain": ["text", "markdown", "json"],
           "check": ["text", "markdown", "json"], "diff": ["text", "markdown", "json", "github"],
           "run": ["table", "json"], "verify": ["table", "json"], "layers": ["text", "json"],
           "calc": ["text", "markdown", "json"]}


def format_option(command):
    return values(*FORMATS[command], "xml")


LANG = values("en", "es", "fr")


@st.composite
def static_command(draw):
    """analyze, explain, check, lock, diff or layers with the files they read."""
    command = draw(st.sampled_from(["analyze", "explain", "check", "lock", "diff", "layers"]))
    common = {"--lang": LANG}
    if command == "analyze":
        specs = draw(st.lists(file_name(SPEC_NAMES), min_size=1, max_size=3))
        flags = {"--format": format_option("analyze"), "--set": SIZES, "--strict": None, "--no-strict": None,
                 "--optimizer": values("adam", "momentum", "sgd"), "--max-params": QUANTITY,
                 "--max-macs": QUANTITY, "--max-flops": QUANTITY, "--max-memory": QUANTITY,
                 "--max-activation": QUANTITY, "--max-training-memory": QUANTITY, **common}
        return ["analyze", *specs, *draw(options(flags))]
    if command == "explain":
        flags = {"--layer": LAYER_NAMES, "--set": SIZES, "--format": format_option("explain"), **common}
        return ["explain", draw(file_name(SPEC_NAMES)), *draw(options(flags))]
    if command == "check":
        return ["check", draw(file_name(SPEC_NAMES)), draw(file_name()),
                *draw(options({"--format": format_option("check"), **common}))]
    if command == "lock":
        flags = {"-o": file_name(), "--set": SIZES, "--force": None, **common}
        return ["lock", draw(file_name(SPEC_NAMES)), *draw(options(flags))]
    if command == "diff":
        files = [draw(file_name())] + ([] if draw(st.booleans()) else [draw(file_name())])
        flags = {"--base": values("HEAD", "origin/main", "--output=x", "-x", ""), "--set": SIZES,
                 "--fail-on": THRESHOLDS, "--format": format_option("diff"), **common}
        return ["diff", *files, *draw(options(flags))]
    if command == "layers":
        kinds = draw(st.lists(values("conv2d", "dense", "relu", "conv2", "upsample2d", ""), max_size=2))
    return ["layers", *kinds, *draw(options({"--format": format_option("layers"), **common}))]


@st.composite
def execution_command(draw):
    command = draw(st.sampled_from(["run", "verify"]))
    flags = {"--set": SIZES, "--seed": SEEDS, "--weights": file_name(), "--input": file_name(),
             "--max-memory": QUANTITY, "--format": format_option(command), "--lang": LANG}
    if command == "run":
        flags.update({"--save": file_name(), "--force": None})
    spec = draw(st.sampled_from(["tiny.yaml", "sym.yaml", "values.yaml", "hwc.yaml", "net.yaml", "broken.yaml",
                                 "not_yaml.yaml", "missing.yaml", "folder", "x.npy"]))
    return [command, spec, *draw(options(flags))]


@st.composite
def calc_command(draw):
    kind = draw(st.sampled_from(["conv", "pool", "tconv", "dense", "upsample"]))
    flags = {"--layout": values("hwc", "chw"), "--channels": values("1", "3", "0", "-2", "100000"),
             "--format": format_option("calc"), "--lang": LANG}
    required = []
    if kind in ("conv", "tconv"):
        required = ["--filters", str(draw(values("1", "6", "96", "0", "100000000")))]
    if kind in ("conv", "pool", "tconv"):
        required += ["--kernel", str(draw(WINDOWS))]
        flags.update({"--stride": WINDOWS, "--padding": WINDOWS})
    if kind in ("conv", "tconv"):
        flags.update({"--dilation": WINDOWS, "--groups": values("1", "2", "3", "0"), "--no-bias": None,
                      "--bias": None})
    if kind == "tconv":
        flags["--output-padding"] = WINDOWS
    if kind == "pool":
        flags.update({"--mode": values("max", "avg", "sum", "lp"), "--ceil-mode": None})
    if kind == "dense":
        required = ["--units", str(draw(values("1", "10", "0", "4096")))]
    if kind == "upsample":
        flags.update({"--scale": values("2", "1.5", "3/2", "0", "-1", "1/0", "1e9", "nan"),
                      "--size": values("56", "56x64", "0", "1x2x3"),
                      "--mode": values("nearest", "bilinear", "zeros")})
    return ["calc", kind, "--input", str(draw(CALC_SIZES)), *required, *draw(options(flags))]


@st.composite
def quiz_command(draw):
    flags = {"--seed": SEEDS, "--count": values("1", "5", "50", "51", "0", "-1"), "--topics": TOPICS,
             "--output": file_name(), "--force": None, "--lang": LANG}
    return ["quiz", *draw(options(flags))]


# ----- the properties ------------------------------------------------------------------------------



def _value_of(args, *names):
    """The values given to any of the options ``names`` (``--x v`` or ``--x=v``)."""
    found = []
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                found.append(args[index + 1])
            elif arg.startswith(name + "="):
                found.append(arg[len(name) + 1:])
    return found


def named_outputs(args) -> set[str]:
    """The paths a command may write: those its command line names as outputs (README, Limits)."""
    command = args[0]
    if command == "run":  # README: .npz is added to a name without it, and that file is the one named
        return {value if value.endswith(".npz") else value + ".npz" for value in _value_of(args, "--save")}
    if command == "schema":
        return set(_value_of(args, "-o", "--output"))
    if command == "lock":
        given = _value_of(args, "-o", "--output")
        return set(given) if given else {os.path.splitext(args[1])[0] + ".lock.json"}  # SPEC.lock.json
    if command == "quiz":
        directory = os.path.normpath((_value_of(args, "--output") or ["quiz"])[-1])
        key = os.path.normpath((_value_of(args, "--key-output") or [directory + "-key"])[-1])
        return {directory, key, os.path.join(directory, "quiz.md"), os.path.join(directory, "quiz.yaml"),
                os.path.join(key, "key.yaml")}
    return set()


def _under(path: str, outputs: set[str]) -> bool:
    """The path is a named output or a directory made to hold one."""
    return any(path == os.path.normpath(out) or os.path.normpath(out).startswith(path + os.sep) for out in outputs)


NPZ_ARCHIVES = {name for name in FILES if name.endswith(".npz")}
NPY_ARRAYS = {name for name in FILES if name.endswith(".npy")}


def _unwritable(path: str) -> bool:
    """An output path whose directory does not exist, or that is a directory (or empty)."""
    return not path or path.endswith("/") or os.path.isdir(path) or not os.path.isdir(os.path.dirname(path) or ".")


def known_defect(args) -> str | None:
    """Commands that hit a known defect, each pinned by a strict xfail test below (none open)."""
    return None


def note(text: str) -> None:
    """hypothesis's note inside a property; nothing in the explicit tests that reuse run_command."""
    if currently_in_test_context():
        hypothesis_note(text)


def run_command(args, root: Path):
    """Run ``convcalc ARGS`` in ``root`` and hold every property; the result for more checks."""
    note(f"convcalc {' '.join(repr(a) if (not a or ' ' in a) else a for a in args)}")
    before = tree(root)
    previous = os.getcwd()
    os.chdir(root)
    tracing = not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    started = time.process_time()
    try:
        with time_limit(WALL_SECONDS_PER_EXAMPLE):
            result = CliRunner().invoke(main, args, catch_exceptions=True)
        peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None
    finally:
        if tracing and tracemalloc.is_tracing():
            tracemalloc.stop()
        os.chdir(previous)
    elapsed = time.process_time() - started
    shown = f"exit {result.exit_code}\n--- stdout\n{result.stdout[-2000:]}\n--- stderr\n{result.stderr}"
    if isinstance(result.exception, Hang):
        raise result.exception
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"raised {result.exception!r}\n{shown}"
    assert "Traceback" not in result.output and "internal error" not in result.output, shown
    assert result.exit_code in (0, 1, 2), shown
    if result.exit_code == 2:  # one line (analyze: one per spec it could not read), usage errors too
        specs = next((i for i, arg in enumerate(args[1:]) if arg.startswith("-")), len(args) - 1)
        lines = max(specs, 1) if args[0] == "analyze" else 1
        # analyze's machine formats carry a spec it could not read in their own output, not on stderr
        in_output = args[0] == "analyze" and _value_of(args, "--format")[-1:] in (["json"], ["concise"], ["github"],
                                                                               ["sarif"]) and result.stdout.strip()
        assert (in_output and not result.stderr) or (result.stderr.endswith("\n") and
                                                      1 <= result.stderr.count("\n") <= lines), f"not one line\n{shown}"
    assert elapsed < CPU_SECONDS_PER_EXAMPLE, f"{elapsed:.1f} s of processor time"
    if peak is not None:  # verify stops tracemalloc itself (it measures its own run)
        assert peak < PEAK_BYTES, f"tracemalloc peak {peak / 1024 ** 2:.0f} MiB"

    assert os.listdir(root.parent) == [root.name], f"written beside the working directory\n{shown}"
    after = tree(root)
    outputs = named_outputs(args)
    force = "--force" in args
    for path in sorted(set(before) | set(after)):
        if before.get(path) == after.get(path):
            continue
        assert _under(path, outputs), f"{path} was {'changed' if path in before else 'written'}, " \
                                      f"outputs named: {sorted(outputs)}\n{shown}"
        assert path in after, f"{path} was deleted\n{shown}"
        if path in before and before[path] != "dir":
            assert force, f"{path} was replaced without --force\n{shown}"
    return result


@pytest.fixture(scope="module")
def rss_baseline():
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start
    assert grown < RSS_GROWTH_KIB, f"the process's peak memory grew by {grown // 1024} MiB"


def fresh_directory(tmp_path: Path) -> Path:
    """A new directory holding every file, for one example (the fixture's tmp_path is shared)."""
    root = Path(tempfile.mkdtemp(dir=tmp_path)) / "cwd"
    root.mkdir()
    make_files(root)
    return root


def exercise(args, tmp_path, extra: dict[str, bytes] | None = None):
    root = fresh_directory(tmp_path)
    for name, content in (extra or {}).items():
        (root / name).write_bytes(content)
    previous = os.getcwd()
    os.chdir(root)
    try:
        defect = known_defect(args)
    finally:
        os.chdir(previous)
    if defect:
        note(f"skipped, a known defect: {defect}")
        reject()
    run_command(args, root)


@settings(FUZZ, max_examples=50)
@given(static_command())
@example(["check", "net.yaml", "odd_answers.yaml"])
@example(["diff", "net.lock.json", "wide.yaml", "--fail-on", "params:+0%", "--format", "github"])
@example(["lock", "net.yaml"])
@example(["lock", "net.yaml", "-o", "net.yaml", "--force"])
@example(["analyze", "binary.yaml", "empty.yaml", "list.yaml", "--format", "csv"])
@example(["diff", "net.yaml", "--base", "--output=x"])
def test_static_commands(rss_baseline, tmp_path, args):
    exercise(args, tmp_path)


@settings(FUZZ, max_examples=8)  # the schema takes a second or more to build under tracemalloc
@given(st.lists(st.sampled_from(["-o", "--output", "out.json", "deep/er/out.json", "net.yaml", "folder", ""]),
                max_size=3))
@example(["-o", "out.json"])
def test_schema_command(rss_baseline, tmp_path, args):
    exercise(["schema", *args], tmp_path)


@settings(FUZZ, max_examples=40)
@given(execution_command())
@example(["run", "tiny.yaml", "--weights", "w.npz", "--input", "x.npy", "--save", "out.npz"])
@example(["run", "tiny.yaml", "--save", "net.yaml"])
@example(["run", "tiny.yaml", "--save", "w.npz", "--force"])
@example(["verify", "sym.yaml", "--set", "H=9", "--set", "W=9", "--format", "json"])
@example(["run", "sym.yaml", "--set", "H=1000000", "--set", "W=1000000"])
def test_execution_commands(rss_baseline, tmp_path, args):
    exercise(args, tmp_path)


@settings(FUZZ, max_examples=60)
@given(calc_command())
@example(["calc", "conv", "--input", "99999999999x3x3", "--filters", "100000000", "--kernel", "3"])
@example(["calc", "upsample", "--input", "7x7x3", "--scale", "1e9"])
def test_calc_commands(rss_baseline, tmp_path, args):
    exercise(args, tmp_path)


@settings(FUZZ, max_examples=25)
@given(quiz_command())
@example(["quiz", "--output", "net.yaml"])
@example(["quiz", "--output", "folder", "--count", "50"])
def test_quiz_commands(rss_baseline, tmp_path, args):
    exercise(args, tmp_path)


@settings(FUZZ, max_examples=40)
@given(st.sampled_from(["tiny.yaml", "values.yaml", "hwc.yaml"]),
       st.sampled_from([name for name in EXISTING if name.endswith((".npz", ".npy"))] + ["missing.npz", "folder"]),
       st.sampled_from(["--weights", "--input"]), st.sampled_from(["run", "verify"]))
def test_arrays_named_to_run_and_verify(rss_baseline, tmp_path, spec, array, option, command):
    """Every array file as weights and as input: refused in one line, or used."""
    exercise([command, spec, option, array], tmp_path)


# ----- answers and lock files drawn whole ----------------------------------------------------------

figure_value = st.one_of(
    st.integers(-10, 10 ** 12), st.sampled_from([2 ** 64, 10 ** 400]), st.floats(allow_nan=True),
    st.sampled_from(["61M", "0.7 GFLOPs", "1.1 MiB", "34,944", "34 944", "34.944", "1,2 millones", "6x28x28",
                     "[6, 28, 28]", "5x5", "1e999", "nan", "-1", "", "x", "61 M params", "1.5.6", "0x10"]),
    st.lists(st.integers(-2, 30), max_size=4), st.lists(st.lists(st.floats(-1e6, 1e6), max_size=3), max_size=3),
    st.none(), st.booleans(), st.dictionaries(st.sampled_from(["a", "params"]), st.integers(0, 9), max_size=2))
LAYER_FIGURES = ["output_shape", "params", "params_without_bias", "macs", "flops", "units", "memory",
                 "receptive_field", "values", "parms"]
TOTAL_FIGURES = ["params", "params_without_bias", "macs", "flops", "units", "memory", "values"]


@st.composite
def answers_document(draw):
    """An answers file: layers (named rightly or not) with figures, totals, a tolerance, stray keys."""
    document = {}
    if draw(st.booleans()):
        document["layers"] = draw(st.one_of(
            st.dictionaries(st.sampled_from(["c1", "c3", "s2", "output", "conv", "feature_map", "relu1", "cl", "1"]),
                            st.one_of(st.dictionaries(st.sampled_from(LAYER_FIGURES), figure_value, max_size=4),
                                      figure_value), max_size=3),
            figure_value))
    if draw(st.booleans()):
        document["totals"] = draw(st.one_of(st.dictionaries(st.sampled_from(TOTAL_FIGURES), figure_value,
                                                            max_size=3), figure_value))
    if draw(st.booleans()):
        document["tolerance"] = draw(st.one_of(st.sampled_from(["1%", "0.5", "x%", "-1%", "1e9%", "%"]),
                                               figure_value))
    if draw(st.booleans()):
        document[draw(st.sampled_from(["layer", "answers", "1"]))] = 1
    return json.dumps(document, allow_nan=True).encode() if draw(st.booleans()) else \
        draw(st.sampled_from([b"", b"[]", b"layers: [", b"\xff\xfe", b"layers:\n  c1: {params: 1, params: 2}\n"]))


def _mutations(value):
    """Replacements for a lock file's value: other types, absurd numbers, nothing."""
    return st.sampled_from([None, "x", -1, 10 ** 30, 1.5, [], {}, [1, 2], True, "NaN"])


@st.composite
def lock_document(draw):
    """The real lock file of LeNet-5 with a few values replaced, keys dropped or added."""
    data = json.loads(FILES["net.lock.json"])
    for _ in range(draw(st.integers(1, 4))):
        target = data
        path = draw(st.sampled_from([("convcalc",), ("name",), ("taken_at",), ("taken_at", "input_shape"),
                                     ("taken_at", "set"), ("taken_at", "batch"), ("layers",), ("layers", 0),
                                     ("layers", 0, "output_shape"), ("layers", 0, "params"), ("layers", 0, "name"),
                                     ("layers", 1, "named"), ("totals",), ("totals", "params"),
                                     ("totals", "memory")]))
        for key in path[:-1]:
            target = target[key] if isinstance(target, (dict, list)) and (
                isinstance(target, dict) and key in target or isinstance(target, list) and isinstance(key, int)
                and key < len(target)) \
                else None
            if target is None:
                break
        if target is None or not isinstance(target, (dict, list)):
            continue
        last = path[-1]
        if isinstance(target, dict) and draw(st.booleans()) and last in target:
            del target[last]
        elif isinstance(target, dict) or (isinstance(target, list) and isinstance(last, int) and last < len(target)):
            target[last] = draw(_mutations(None))
    return json.dumps(data).encode()


@settings(FUZZ, max_examples=40)
@given(answers_document(), st.sampled_from(["net.yaml", "values.yaml", "hwc.yaml", "sym.yaml"]),
       st.sampled_from(["text", "json", "markdown"]))
def test_drawn_answers_files(rss_baseline, tmp_path, answers, spec, output_format):
    exercise(["check", spec, "drawn.yaml", "--format", output_format], tmp_path, {"drawn.yaml": answers})


MINIMAL_BAD_LOCK = b'{"convcalc": "0.1.0", "name": "n", "layers": null, "totals": {}}'


@settings(FUZZ, max_examples=30)
@given(lock_document(), st.booleans(), st.sampled_from(["text", "json", "markdown", "github"]))
@example(MINIMAL_BAD_LOCK, True, "text")
def test_drawn_lock_files(rss_baseline, tmp_path, lock, lock_first, output_format):
    files = ["drawn.lock.json", "wide.yaml"] if lock_first else ["wide.yaml", "drawn.lock.json"]
    exercise(["diff", *files, "--format", output_format, "--fail-on", "params:+1%"], tmp_path,
             {"drawn.lock.json": lock})


# ----- defects the fuzzer found: the minimal command lines ----------------------------------------

@pytest.mark.parametrize("command", ["run", "verify"])
def test_negative_seed(tmp_path, command):
    expect_clean(tmp_path, [command, "tiny.yaml", "--seed", "-1"])


@pytest.mark.parametrize("args", [["quiz", "--count", "0"], ["analyze", "net.yaml", "--max-params", "K"],
                                  ["calc", "conv", "--input", "axb", "--filters", "1", "--kernel", "3"]])
def test_usage_error_is_one_line(tmp_path, monkeypatch, args):
    monkeypatch.chdir(fresh_directory(tmp_path))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr


def expect_clean(tmp_path, args):
    """The command holds every property in a fresh directory (the known defects not excused)."""
    run_command(args, fresh_directory(tmp_path))


def test_answers_layers_not_a_mapping(tmp_path):
    run_command(["check", "net.yaml", "drawn.yaml"], _with(fresh_directory(tmp_path), "drawn.yaml", b"layers: 1\n"))


def test_lock_file_layers_null(tmp_path):
    root = _with(fresh_directory(tmp_path), "drawn.lock.json", MINIMAL_BAD_LOCK)
    run_command(["diff", "drawn.lock.json", "wide.yaml"], root)


def _with(root: Path, name: str, content: bytes) -> Path:
    (root / name).write_bytes(content)
    return root


@pytest.mark.parametrize("spec", ["", ".", "/"])
def test_lock_of_a_path_without_a_name(tmp_path, spec):
    expect_clean(tmp_path, ["lock", spec])


def test_diff_base_empty(tmp_path):
    expect_clean(tmp_path, ["diff", "net.yaml", "--base", ""])


def test_quiz_output_empty(tmp_path):
    expect_clean(tmp_path, ["quiz", "--output", ""])


@pytest.mark.parametrize("command", ["run", "verify"])
def test_input_npz_archive(tmp_path, command):
    expect_clean(tmp_path, [command, "tiny.yaml", "--input", "w.npz"])


@pytest.mark.parametrize("option", ["--input", "--weights"])
def test_array_file_that_is_not_a_zip(tmp_path, option):
    expect_clean(tmp_path, ["run", "tiny.yaml", option, "garbage.npz"])


@pytest.mark.parametrize("command", ["run", "verify"])
def test_weights_npy_array(tmp_path, command):
    expect_clean(tmp_path, [command, "tiny.yaml", "--weights", "x.npy"])


@pytest.mark.parametrize("option, name", [("--weights", "strings.npz"), ("--input", "x_strings.npy")])
def test_arrays_of_strings(tmp_path, option, name):
    expect_clean(tmp_path, ["run", "tiny.yaml", option, name])


@pytest.mark.parametrize("size", ["", "abc", "0"])
def test_calc_upsample_bad_size(tmp_path, size):
    expect_clean(tmp_path, ["calc", "upsample", "--input", "7x7x3", "--size", size])


@pytest.mark.parametrize("args", [["run", "tiny.yaml", "--save", "acts"],
                                  ["run", "tiny.yaml", "--save", "net.yaml", "--force"]])
def test_save_writes_the_named_file(tmp_path, args):
    expect_clean(tmp_path, args)


@pytest.mark.parametrize("args", [["run", "tiny.yaml", "--save", "deep/out.npz"],
                                  ["lock", "net.yaml", "-o", "deep/out.json"],
                                  ["schema", "-o", "deep/out.json"]])
def test_output_in_a_missing_directory(tmp_path, args):
    expect_clean(tmp_path, args)


def test_schema_output_existing(tmp_path):
    expect_clean(tmp_path, ["schema", "-o", "net.yaml"])
