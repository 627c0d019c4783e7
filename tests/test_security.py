"""A spec cannot run code, read other files, or make convcalc write where the user did not say."""

from __future__ import annotations

import os

from click.testing import CliRunner

from conftest import SPECS
from convcalc.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_python_tags_construct_nothing(tmp_path):
    marker = tmp_path / "pwned"
    spec = tmp_path / "evil.yaml"
    spec.write_text("name: !!python/object/apply:os.system [\"touch " + str(marker) + "\"]\n"
                    "input: !!python/object/apply:os.system [\"touch " + str(marker) + "\"]\nlayers: [relu]\n")
    result = invoke("analyze", str(spec))
    assert result.exit_code == 2 and not marker.exists()


def test_symbol_names_cannot_reach_the_evaluator(tmp_path):
    spec = tmp_path / "names.yaml"
    for name in ("__import__", "os", "exec"):  # harmless identifiers: parameters of a generated function
        spec.write_text(f"name: n\ninput: [3, {name}, 9]\nlayers:\n  - conv2d: {{filters: 2, kernel: 3, stride: 2}}\n")
        assert invoke("analyze", str(spec), "--strict").exit_code == 0
    for name in ("import", "lambda", "__import__('os').system('true')"):
        spec.write_text(f"name: n\ninput: [3, \"{name}\", 8]\nlayers: [relu]\n")
        assert invoke("analyze", str(spec)).exit_code == 2


def test_no_key_reads_another_file(tmp_path):
    spec = tmp_path / "include.yaml"
    spec.write_text("name: n\ninclude: /etc/passwd\ninput: [3, 8, 8]\nlayers: [relu]\n")
    result = invoke("analyze", str(spec))
    assert result.exit_code == 2 and "unknown key 'include'" in result.output


def test_commands_write_only_what_they_are_told(tmp_path):
    before = set(os.listdir(tmp_path))
    os.chdir(tmp_path)
    for args in (["analyze", str(SPECS / "lenet5.yaml"), "--format", "json"], ["verify", str(SPECS / "lenet5.yaml")],
                 ["explain", str(SPECS / "lenet5.yaml")], ["run", str(SPECS / "lenet5.yaml")]):
        assert invoke(*args).exit_code == 0
    assert set(os.listdir(tmp_path)) == before
    assert invoke("run", str(SPECS / "lenet5.yaml"), "--save", str(tmp_path / "a.npz")).exit_code == 0
    assert set(os.listdir(tmp_path)) == before | {"a.npz"}


def _patched_npz(path, flag_bits: int = 0, method: int | None = None) -> None:
    """An .npz of c1's weight (1x1x1x1) whose zip headers claim another compression method
    (zipfile refuses an unknown one with NotImplementedError) or the encrypted flag (RuntimeError)."""
    import io
    import zipfile

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, **{"c1.weight": np.ones((1, 1, 1, 1), dtype=np.float32)})
    data = bytearray(buffer.getvalue())
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        data[at + flags_at] |= flag_bits
        if method is not None:
            data[at + method_at:at + method_at + 2] = method.to_bytes(2, "little")
    path.write_bytes(bytes(data))
    assert zipfile.is_zipfile(path)


def test_an_unreadable_zip_member_is_one_located_line(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("name: n\ninput: [1, 4, 4]\nlayers:\n  - conv2d: {name: c1, filters: 1, kernel: 1, bias: false}\n")
    for name, patch in (("method.npz", {"method": 99}), ("encrypted.npz", {"flag_bits": 1})):
        _patched_npz(tmp_path / name, **patch)
        result = invoke("run", str(spec), "--weights", str(tmp_path / name))
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and "cannot be read from the archive" in result.stderr
        assert "Traceback" not in result.output and "internal error" not in result.output
