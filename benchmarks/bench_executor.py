"""The NumPy executor against PyTorch on this machine, in one run, with the same thread count.

    .venv/bin/python benchmarks/bench_executor.py [--threads 2] [--repeat 5]

Reports the median wall time of a forward pass (batch 1, float32) for ResNet-50 and VGG-16 at
224x224 and for single convolutions, the ratio executor/PyTorch (target: within 2x on ResNet-50),
and the executor's measured peak memory against the analysis's predicted inference peak
(target: within 1.5x). A benchmark, not a test: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)  # before NumPy and torch load their BLAS

    import numpy as np
    import torch

    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from conftest import analyze_file
    from reference_models import build

    from convcalc.execute import CountingOps, execute
    from convcalc.layers import REGISTRY

    torch.set_num_threads(args.threads)

    def median_time(function) -> float:
        function()  # warm up
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    print(f"threads: {args.threads}, repeats: {args.repeat}, numpy {np.__version__}, torch {torch.__version__}")
    print(f"{'case':<34}{'executor':>12}{'pytorch':>12}{'ratio':>8}{'peak/predicted':>16}")
    for spec in ("resnet50.yaml", "vgg16.yaml"):
        analysis = analyze_file(ROOT / "specs" / spec)
        run = execute(analysis)  # seeded weights, shared with the torch model below
        model = build(spec).eval()
        state = model.state_dict()
        state.update({key: torch.from_numpy(value) for key, value in run.weights.items()})
        model.load_state_dict(state)
        x = torch.from_numpy(run.input)
        ours = median_time(lambda: execute(analysis, weights=run.weights, x=run.input))  # the forward pass only
        with torch.no_grad():
            theirs = median_time(lambda: model(x))
        measured = execute(analysis, measure_memory=True)
        print(f"{spec:<34}{ours * 1e3:>10.1f}ms{theirs * 1e3:>10.1f}ms{ours / theirs:>8.2f}"
              f"{measured.peak_bytes / measured.predicted_peak_bytes:>16.2f}")

    for channels, filters, kernel, stride, size in ((3, 64, 7, 2, 224), (64, 64, 3, 1, 56), (256, 64, 1, 1, 56),
                                                    (128, 128, 3, 2, 28), (512, 512, 3, 1, 14)):
        layer = REGISTRY["conv2d"](filters=filters, kernel=kernel, stride=stride, padding=kernel // 2)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((1, channels, size, size), dtype=np.float32)
        weight = rng.standard_normal((filters, channels, kernel, kernel), dtype=np.float32)
        bias = rng.standard_normal(filters, dtype=np.float32)
        ours = median_time(lambda: layer.forward([x], {"weight": weight, "bias": bias}, CountingOps("chw")))
        xt, wt, bt = (torch.from_numpy(a) for a in (x, weight, bias))
        with torch.no_grad():
            theirs = median_time(lambda: torch.nn.functional.conv2d(xt, wt, bt, stride, kernel // 2))
        name = f"conv {channels}->{filters} {kernel}x{kernel}/s{stride} @{size}"
        print(f"{name:<34}{ours * 1e3:>10.2f}ms{theirs * 1e3:>10.2f}ms{ours / theirs:>8.2f}{'':>16}")


if __name__ == "__main__":
    main()
