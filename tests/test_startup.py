"""What a command imports: numpy only where arrays are used (run, verify, `values` answers), never
on the analysis path; sympy never (it is a test dependency). Checked in a fresh interpreter per
command, since an earlier import in the test process would hide one."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SPECS

PROBE = """
import sys
from convcalc.cli import main
try:
    main({args!r}, standalone_mode=False)
except SystemExit:
    pass
print('\\nIMPORTED=' + ','.join(sorted(name for name in ('numpy', 'sympy', 'rich') if name in sys.modules)))
"""

LENET = str(SPECS / "lenet5.yaml")
ANALYSIS_COMMANDS = [
    ["analyze", LENET, "--format", "json"],
    ["analyze", LENET, "--format", "csv"],
    ["analyze", LENET, "--format", "markdown"],
    ["analyze", LENET, "--format", "table"],
    ["explain", LENET, "--layer", "c1", "--format", "json"],
    ["calc", "conv", "--input", "227x227x3", "--filters", "96", "--kernel", "11", "--stride", "4"],
    ["lock", LENET, "-o", "lenet5.lock.json"],
    ["diff", LENET, LENET, "--format", "json"],
    ["draw", LENET, "-o", "lenet5.mmd"],
    ["draw", LENET, "-o", "lenet5.dot"],
    ["layers", "conv2d"],
    ["specs"],
    ["--help"],
]


def _imported(args, tmp_path) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    line = done.stdout.rsplit("IMPORTED=", 1)[1].strip()
    return set(line.split(",")) - {""}


@pytest.mark.parametrize("args", ANALYSIS_COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_the_analysis_path_imports_no_numpy(args, tmp_path):
    imported = _imported(args, tmp_path)
    assert "numpy" not in imported and "sympy" not in imported, imported


def test_machine_formats_do_not_load_rich(tmp_path):
    assert "rich" not in _imported(["analyze", LENET, "--format", "json"], tmp_path)


def test_check_without_values_imports_no_numpy(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"layers": {"c1": {"params": 156}}}))  # (5*5*1 + 1)*6
    assert "numpy" not in _imported(["check", LENET, str(answers)], tmp_path)


def test_run_does_use_numpy(tmp_path):
    """The probe sees an import when there is one."""
    assert "numpy" in _imported(["run", LENET], tmp_path)
