"""Time of the condition solver at its budget, in one run on this machine:

    .venv/bin/python benchmarks/bench_conditions.py [--runs 3]

Chains of 4 to 16 strict stride-2 convolutions of symbolic H x W ending in a dense layer whose
in_features (4,000,000) needs more work than conditions.MAX_EVALUATIONS allows: each condition
is reported unsolved, and the analysis time (conditions and their description included) should
stay flat in the chain's length, under 2 s (before the budget counted every candidate, 13 layers
took 15 to 46 s, about 2.3x per layer). A benchmark, not a test: these machines are shared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def chain(layers: int, in_features: int) -> str:
    body = "".join("  - conv2d: {filters: 4, kernel: 3, stride: 2}\n" for _ in range(layers))
    return (f"name: chain\ninput: [3, H, W]\nstrict: true\nlayers:\n{body}"
            f"  - flatten\n  - dense: {{units: 10, in_features: {in_features}}}\n")


def analyse(text: str) -> tuple[float, bool]:
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.loading import load_document
    from convcalc.spec import parse_spec

    started = time.perf_counter()
    document = load_document(text, "chain.yaml")
    analysis = analyze_document(document, parse_spec(document), Options())
    for condition in analysis.conditions:
        condition.describe()
    unsolved = any(f.key == "condition_unsolved" for f in analysis.findings)
    return time.perf_counter() - started, unsolved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"{'layers':>6}  {'median s':>8}  {'max s':>6}  outcome")
    for layers in (4, 7, 10, 13, 16):
        results = [analyse(chain(layers, 4_000_000)) for _ in range(runs)]
        times = [seconds for seconds, _ in results]
        outcome = "unsolved (reported)" if results[0][1] else "solved"
        print(f"{layers:>6}  {statistics.median(times):>8.2f}  {max(times):>6.2f}  {outcome}")


if __name__ == "__main__":
    main()
