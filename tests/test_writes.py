"""Writing files, running git and reading input, where a case of the corpus (tests/cli_cases/writes.yaml)
cannot say it: processes racing, a full disk, an interrupt, a file size limit, git repositories,
standard input that never ends."""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import ROOT, SPECS
from convcalc import output
from convcalc.cli import main

NET = "name: n\ninput: [1, 8, 8]\nlayers: [relu]\n"
CHILD_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(arg) for arg in args], **kwargs)


def convcalc(*args, cwd, **kwargs):
    return subprocess.run([sys.executable, "-m", "convcalc", *map(str, args)], cwd=cwd, env=CHILD_ENV,
                          capture_output=True, text=True, timeout=120, **kwargs)


def test_two_locks_racing_onto_one_path_one_wins(tmp_path):
    """Each process takes the lock file before analysing ResNet-18 (about a second), so both run at once;
    with a check-then-write both would pass the check and one file would silently replace the other."""
    children = [subprocess.Popen([sys.executable, "-m", "convcalc", "lock", str(SPECS / "resnet18.yaml"), "-o",
                                  "out.json"], cwd=tmp_path, env=CHILD_ENV, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(child.wait(timeout=120), child.stderr.read()) for child in children]
    for child in children:
        child.stdout.close()
        child.stderr.close()
    assert sorted(code for code, _ in results) == [0, 2, 2], results
    assert all("out.json exists" in said for code, said in results if code == 2)
    lock = json.loads((tmp_path / "out.json").read_text())
    assert lock["totals"]["params"] == 11_689_512  # the whole file: torchvision's count of ResNet-18
    assert os.listdir(tmp_path) == ["out.json"]


class _FullDisk:
    """A file whose every write fails as on a full disk (or raises ``error``)."""

    def __init__(self, stream, error):
        self.stream, self.error = stream, error

    def write(self, data):
        raise self.error

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()


def _disk_full(monkeypatch, error=None):
    real_open = open
    monkeypatch.setattr(output, "open", lambda *args, **kwargs: _FullDisk(
        real_open(*args, **kwargs), error or OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))), raising=False)


@pytest.mark.parametrize("force", [False, True])
def test_full_disk_is_one_located_line_and_leaves_nothing(tmp_path, monkeypatch, force):
    target = tmp_path / "schema.json"
    if force:
        target.write_text("old\n")
    _disk_full(monkeypatch)
    result = invoke("schema", "-o", target, *(["--force"] if force else []))
    assert result.exit_code == 2
    assert result.stderr == f"{target}: cannot write: no space left on the device\n"
    assert os.listdir(tmp_path) == (["schema.json"] if force else [])
    if force:
        assert target.read_text() == "old\n"


def test_full_disk_during_a_quiz_leaves_none_of_its_files(tmp_path, monkeypatch):
    _disk_full(monkeypatch)
    result = invoke("quiz", "--output", tmp_path / "q")
    assert result.exit_code == 2 and "cannot write: no space left" in result.stderr
    assert os.listdir(tmp_path / "q") == []


def test_an_interrupt_while_writing_leaves_no_partial_file(tmp_path, monkeypatch):
    _disk_full(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        output.write_new(str(tmp_path / "out.json"), "{}", force=False)
    with pytest.raises(KeyboardInterrupt):
        output.write_new(str(tmp_path / "out.json"), "{}", force=True)
    assert os.listdir(tmp_path) == []


def test_a_file_size_limit_is_a_write_error(tmp_path):
    """A real failing write(2): RLIMIT_FSIZE in the child (Python ignores SIGXFSZ, so write gets EFBIG)."""
    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    done = convcalc("schema", "-o", "s.json", cwd=tmp_path, preexec_fn=limit_file_size)
    assert done.returncode == 2
    assert done.stderr == "s.json: cannot write: the file would be larger than the system allows\n"
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = invoke("schema", "-o", locked / "s.json", "--force")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2 and result.stderr == f"{locked / 's.json'}: cannot write: permission denied\n"


def test_read_only_file_system_named(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(output.os, "open", read_only)
    result = invoke("lock", SPECS / "lenet5.yaml", "-o", tmp_path / "out.json", "--lang", "es")
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'out.json'}: no se puede escribir: " \
        "el sistema de archivos es de solo lectura\n"


def test_force_replaces_in_one_step_and_keeps_no_temporary_file(tmp_path):
    os.chdir(tmp_path)
    Path("net.yaml").write_text(NET)
    Path("net.lock.json").write_text("old\n")
    os.chmod("net.lock.json", 0o600)
    assert invoke("lock", "net.yaml", "--force").exit_code == 0
    assert '"totals"' in Path("net.lock.json").read_text()
    assert sorted(os.listdir(tmp_path)) == ["net.lock.json", "net.yaml"]
    assert Path("net.lock.json").stat().st_mode & 0o644 == 0o644  # an ordinary file, not mkstemp's 0600


def test_run_save_names_the_file_as_numpy_would_and_writes_every_activation(tmp_path):
    os.chdir(tmp_path)
    Path("net.yaml").write_text(NET)
    assert invoke("run", "net.yaml", "--save", "acts").exit_code == 0
    assert sorted(os.listdir(tmp_path)) == ["acts.npz", "net.yaml"]
    with np.load("acts.npz") as saved:
        assert saved["relu1"].shape == (1, 1, 8, 8) and (saved["relu1"] >= 0).all()
    assert invoke("run", "net.yaml", "--save", "acts", "--force").exit_code == 0


def test_quiz_force_replaces_its_three_files(tmp_path):
    os.chdir(tmp_path)
    assert invoke("quiz", "--seed", "1").exit_code == 0
    first = {path: Path(path).read_text() for path in ("quiz/quiz.md", "quiz/quiz.yaml", "quiz-key/key.yaml")}
    assert invoke("quiz", "--seed", "2").exit_code == 2
    assert invoke("quiz", "--seed", "2", "--force").exit_code == 0
    second = {path: Path(path).read_text() for path in first}
    assert all(first[path] != second[path] for path in first)
    assert sorted(os.listdir("quiz")) == ["quiz.md", "quiz.yaml"] and os.listdir("quiz-key") == ["key.yaml"]


# Runs a command and reports its exit code and peak memory. A child forked from this (large) test
# process would count the parent's pages in its own peak: Linux keeps the high-water mark across
# exec. This small launcher's own children start from a small process.
PEAK_OF_CHILD = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
said = child.stderr.read()
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(said.decode())
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def test_endless_standard_input_is_refused_in_bounded_memory(tmp_path):
    """`analyze - < /dev/zero` reads 16 MiB and one byte, then stops (its own peak, from wait4)."""
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run([sys.executable, "-c", PEAK_OF_CHILD, sys.executable, "-m", "convcalc", "analyze", "-"],
                              cwd=tmp_path, env=CHILD_ENV, stdin=zeros, capture_output=True, text=True, timeout=120)
    code, peak_kib = map(int, done.stdout.split())
    assert code == 2
    assert done.stderr.startswith("<stdin>:1:1: the file is larger than 16 MiB") and done.stderr.count("\n") == 1
    assert peak_kib < 300 * 1024, f"the child used {peak_kib} KiB"


def test_fifo_with_an_endless_writer_is_refused_by_name(tmp_path):
    pipe = tmp_path / "net.yaml"
    os.mkfifo(pipe)
    writer = subprocess.Popen(["sh", "-c", f"yes 'name: n' > '{pipe}'"])
    try:
        done = convcalc("analyze", pipe, cwd=tmp_path)
    finally:
        writer.kill()
        writer.wait()
    assert done.returncode == 2 and done.stderr == f"{pipe}: this is a named pipe (FIFO), not a regular file " \
        "(it may never end); give a file, or pass the text on standard input as `-`\n"


def _repository(root: Path) -> None:
    def git(*args):
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=root, check=True,
                       capture_output=True)

    git("init", "-q")
    (root / "-n.yaml").write_text(NET)
    (root / "sub").mkdir()
    (root / "sub" / "net.yaml").write_text(NET)
    git("add", ".")
    git("commit", "-qm", "first")


def test_git_base_in_a_repository(tmp_path):
    _repository(tmp_path)
    done = convcalc("diff", "--base", "HEAD", "--", "-n.yaml", cwd=tmp_path)
    assert done.returncode == 0 and "no layer changed" in done.stdout
    done = convcalc("diff", "sub/net.yaml", "--base", "HEAD", cwd=tmp_path)
    assert done.returncode == 0
    done = convcalc("diff", "sub/net.yaml", "--base", "HEAD^{tree}", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("sub/net.yaml: cannot read this spec at git revision")
    done = convcalc("diff", "sub/net.yaml", "--base", "nowhere", cwd=tmp_path)
    assert done.stderr == "sub/net.yaml: cannot read this spec at git revision nowhere: no such commit\n"
    for revision in ("--output=pwned", "-opwned", "--output=../pwned"):
        done = convcalc("diff", "sub/net.yaml", f"--base={revision}", cwd=tmp_path)
        assert done.returncode == 2 and "which git would read as an option" in done.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "sub" / "pwned").exists()
    assert not (tmp_path.parent / "pwned").exists()


def test_git_gets_only_convcalc_options(tmp_path, monkeypatch):
    """What reaches git: convcalc's own options, then the revision behind --end-of-options, then an
    object name that starts with the commit's hash; the user's folder is the working directory."""
    _repository(tmp_path)
    calls = []
    real_run = subprocess.run

    def recording(arguments, **kwargs):
        calls.append((arguments, kwargs.get("cwd")))
        return real_run(arguments, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording)
    os.chdir(tmp_path)
    assert invoke("diff", "--base", "HEAD", "--", "-n.yaml").exit_code == 0
    (rev_parse, folder), (exists, _), (size, _), (blob, _) = calls
    assert rev_parse == ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", "HEAD^{commit}"]
    assert folder == "."
    commit = size[-1].split(":")[0]
    assert len(commit) == 40 and int(commit, 16) >= 0
    assert exists == ["git", "cat-file", "-e", size[-1]]
    assert size == ["git", "cat-file", "-s", f"{commit}:./-n.yaml"] and blob == ["git", "cat-file", "blob", size[-1]]


def test_git_blob_past_the_size_limit_is_refused_before_reading(tmp_path):
    _repository(tmp_path)
    with open(tmp_path / "sub" / "net.yaml", "wb") as stream:
        stream.truncate(16 * 1024 * 1024 + 1)
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "big"],
                   cwd=tmp_path, check=True)
    (tmp_path / "sub" / "net.yaml").write_text(NET)
    done = convcalc("diff", "sub/net.yaml", "--base", "HEAD", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("HEAD:sub/net.yaml:1:1: the file is larger than 16 MiB")
