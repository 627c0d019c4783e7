"""A corpus of bad inputs over every command: specs, answers, lock files, arrays, arguments and the
environment. Each case runs the real command line and states the exit code, the one-line message
and what must (not) be left on disk.

Cases live in tests/cli_cases/*.yaml, a list per file; each case:

    - id: git_base_is_not_an_option            # unique across the corpus
      args: [diff, net.yaml, --base=--output=pwned]
      files: {net.yaml: "name: n\\ninput: [1, 8, 8]\\nlayers: [relu]\\n"}   # made in a fresh cwd
      exit: 2                                  # the documented exit code
      stderr: one_line                         # one_line (the default when exit is 2) | any | empty
      prefix: "net.yaml:3:5: "                 # optional: the message starts so
      contains: ["a revision", "'--output=pwned'"]   # fragments of stderr (stdout for exit 0/1)
      absent: [pwned]                          # paths that must not exist afterwards
      unchanged: [net.yaml]                    # files whose bytes must stay as made
      subprocess: false                        # true: run `python -m convcalc` in a child process
      env: {PYTHONIOENCODING: ascii}           # extra environment (implies subprocess)
      stdin: "..."                             # text on standard input
      closed_stdout: true                      # standard output a pipe nobody reads (`| head -c 0`;
                                               # implies subprocess)
      timeout: 20                              # seconds, subprocess cases only
      xfail: "a known defect, being fixed"     # optional: the case fails today (a strict xfail)

A file value may be a string (UTF-8 text), or a mapping: {hex: "fffe..."} for raw bytes,
{npy: {shape: [1, 8, 8], dtype: float32}} for an array of zeros, {symlink: target} for a link,
{dir: true} for a directory, {npy_header: "{'descr': '<f4', 'fortran_order': False, 'shape': (10**12,)}"}
for an .npy file holding only that header, {fifo: true} for a named pipe nobody writes to,
{sparse: N} for a file of N zero bytes that takes no room on disk, {text: "layers: [@]", repeat:
{"@": ["a", 1000000]}} for a text too long to write out (each key replaced by its string repeated
that many times).
In-process cases run with CliRunner; no case may print a traceback or an internal error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from conftest import analyze_json
from convcalc.cli import main

CORPUS = Path(__file__).resolve().parent / "cli_cases"
CASES = [case for path in sorted(CORPUS.glob("*.yaml"))
         for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []]


def _npy_with_header(header: str) -> bytes:
    """An .npy (format 1.0) holding only ``header``: what a 144-byte file claiming 10**12 floats is."""
    text = header.encode("latin1")
    padded = text + b" " * (63 - (10 + len(text)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded


def _make(root: Path, name: str, value) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(value, str):
        path.write_text(value, encoding="utf-8")
    elif "text" in value:
        text = value["text"]
        for key, (unit, count) in value.get("repeat", {}).items():
            text = text.replace(key, unit * count)
        path.write_text(text, encoding="utf-8")
    elif "hex" in value:
        path.write_bytes(bytes.fromhex(value["hex"]))
    elif "npy" in value:
        np.save(path, np.zeros(value["npy"]["shape"], dtype=value["npy"].get("dtype", "float32")),
                allow_pickle=False)
        if not name.endswith(".npy"):
            os.replace(str(path) + ".npy", path)
    elif "npz" in value:
        with open(path, "wb") as stream:
            np.savez(stream, **{key: np.zeros(spec["shape"], dtype=spec.get("dtype", "float32"))
                                for key, spec in value["npz"].items()})
    elif "npy_header" in value:
        path.write_bytes(_npy_with_header(value["npy_header"]))
    elif "symlink" in value:
        path.symlink_to(value["symlink"])
    elif value.get("dir"):
        path.mkdir()
    elif value.get("fifo"):
        os.mkfifo(path)
    elif "sparse" in value:
        with open(path, "wb") as stream:
            stream.truncate(value["sparse"])
    else:
        raise ValueError(f"unknown file kind in {name}: {value}")


def _snapshot(root: Path, names) -> dict:
    return {name: (root / name).read_bytes() for name in names}


def _run(case: dict, cwd: Path):
    """(exit code, stdout, stderr) of the case's command, in process or as a child process."""
    stdin = case.get("stdin")
    if case.get("subprocess") or case.get("env") or case.get("closed_stdout"):
        env = {**os.environ, **{key: str(value) for key, value in (case.get("env") or {}).items()}}
        env.pop("CONVCALC_DEBUG", None)
        reader, writer = os.pipe() if case.get("closed_stdout") else (None, subprocess.PIPE)
        if reader is not None:
            os.close(reader)  # the reader has left before the first byte: every write meets EPIPE
        try:
            done = subprocess.run([sys.executable, "-m", "convcalc", *case["args"]], cwd=cwd, env=env,
                                  input=stdin.encode() if stdin is not None else None,
                                  stdout=writer, stderr=subprocess.PIPE, timeout=case.get("timeout", 60))
        finally:
            if reader is not None:
                os.close(writer)
        return (done.returncode, (done.stdout or b"").decode("utf-8", "replace"),
                done.stderr.decode("utf-8", "replace"))
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, case["args"], input=stdin)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{case['id']}: raised {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def test_case_ids_are_unique():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("case", [
    pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=case["xfail"])) if case.get("xfail") else case
    for case in CASES], ids=[case["id"] for case in CASES])
def test_case(case, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for name, value in (case.get("files") or {}).items():
        _make(cwd, name, value)
    kept = _snapshot(cwd, case.get("unchanged", []))
    code, stdout, stderr = _run(case, cwd)
    shown = f"exit {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    assert "Traceback" not in stdout + stderr and "internal error" not in stdout + stderr, shown
    assert code == case["exit"], shown
    arguments = [str(argument) for argument in case["args"]]
    if arguments[:1] == ["analyze"] and "--format" in arguments and arguments[arguments.index("--format") + 1:][:1] == [
            "json"] and code in (0, 1, 2):
        analyze_json(stdout)  # of the documented shape, whatever the case
    stderr_rule = case.get("stderr", "one_line" if case["exit"] == 2 else "any")
    if stderr_rule == "one_line":
        assert stderr.endswith("\n") and stderr.count("\n") == 1, f"not one line: {stderr!r}"
    elif stderr_rule == "empty":
        assert stderr == "", shown
    if "prefix" in case:
        assert stderr.startswith(case["prefix"]), shown
    where = stderr if case["exit"] == 2 else stdout + stderr
    for fragment in case.get("contains", []):
        assert fragment in where, f"{fragment!r} missing\n{shown}"
    for fragment in case.get("not_contains", []):
        assert fragment not in stdout + stderr, f"{fragment!r} present\n{shown}"
    for name in case.get("absent", []):
        assert not os.path.lexists(cwd / name) and not os.path.lexists(tmp_path / name), f"{name} was written"
    assert _snapshot(cwd, case.get("unchanged", [])) == kept, "a file that must stay was changed"
