"""Start-up: whole processes of convcalc against a bare interpreter of the same venv and against
torchinfo's whole process, in one run on this machine:

    .venv/bin/python benchmarks/bench_startup.py [--rounds 15] [--instructions]

Each round runs every command once, in turn, so all of them see the same machine load; medians
and minima over the rounds, and each as a multiple of the bare start. Timed as users run it: from
compiled bytecode, without PYTHONDONTWRITEBYTECODE (which this environment sets). The floor is an
interpreter that only imports what every convcalc command needs (click, PyYAML, pydantic).
`--instructions` also counts each command's instructions under valgrind (repeatable whatever the load).
Targets (issue 10): analyze at most 3x the bare start and 30x faster than torchinfo; --help and calc
at most 2x the bare start.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TORCHINFO = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
import torchinfo
from reference_models import build
torchinfo.summary(build("resnet50.yaml"), input_size=(1, 3, 224, 224), verbose=0)
"""
COMMANDS = {
    "bare interpreter": [PYTHON, "-c", "pass"],
    "floor (import click, yaml, pydantic)": [PYTHON, "-c", "import click, yaml; from pydantic import BaseModel"],
    "convcalc --help": [PYTHON, "-m", "convcalc", "--help"],
    "convcalc calc conv": [PYTHON, "-m", "convcalc", "calc", "conv", "--input", "227x227x3", "--filters", "96",
                           "--kernel", "11", "--stride", "4"],
    "convcalc analyze resnet50 --format json": [PYTHON, "-m", "convcalc", "analyze",
                                                str(ROOT / "specs" / "resnet50.yaml"), "--format", "json"],
}


def _environment() -> dict:
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _instructions(command) -> int:
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          capture_output=True, text=True, env=_environment())
    line = next(line for line in done.stderr.splitlines() if "Collected" in line)
    return int(line.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "convcalc", quiet=1)
    commands = dict(COMMANDS)
    try:
        import torchinfo  # noqa: F401
        commands["torchinfo whole process (import torch, build ResNet-50, summary)"] = [PYTHON, "-c", TORCHINFO]
    except ImportError:
        print("torchinfo is not installed (`make bench` installs it): no comparison with it")
    environment = _environment()
    times = {label: [] for label in commands}
    for command in commands.values():  # warm the caches and write any missing bytecode
        subprocess.run(command, capture_output=True, env=environment, check=True)
    for _ in range(args.rounds):
        for label, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, env=environment, check=True)
            times[label].append(time.perf_counter() - started)
    bare = statistics.median(times["bare interpreter"])
    print(f"{args.rounds} interleaved rounds; multiples are of the bare interpreter's median ({bare * 1e3:.1f} ms)")
    for label, measured in times.items():
        median = statistics.median(measured)
        print(f"  {label:<70} median {median * 1e3:7.1f} ms  min {min(measured) * 1e3:7.1f} ms  "
              f"{median / bare:5.1f}x bare")
    theirs = [label for label in times if label.startswith("torchinfo")]
    if theirs:
        ours = statistics.median(times["convcalc analyze resnet50 --format json"])
        print(f"  convcalc analyze is {statistics.median(times[theirs[0]]) / ours:.1f}x faster than torchinfo's "
              "whole process (median)")
    if args.instructions:
        if shutil.which("valgrind") is None:
            print("valgrind is not installed: no instruction counts")
            return
        base = _instructions(COMMANDS["bare interpreter"])
        for label, command in COMMANDS.items():
            counted = _instructions(command)
            print(f"  instructions, {label:<55} {counted / 1e6:8.1f} M  {counted / base:5.1f}x bare")


if __name__ == "__main__":
    main()
