"""Speed of analysing an ONNX file, in one run on this machine:

    .venv/bin/python benchmarks/bench_onnx_import.py [--runs 5]

torchvision's ResNet-50 (batch norm kept, 224x224) exported with torch's legacy exporter, then:
- ``onnx.load(path, load_external_data=False)`` alone;
- the whole analysis of the file as ``convcalc analyze model.onnx`` does it in-process (load,
  import, spec validation, graph, analysis) (issue 13's target: at most 2x the load alone).
A benchmark, not a test: these machines are shared, so compare the ratio of one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def median_time(function, runs: int) -> float:
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def export_resnet50(path: Path) -> None:
    import torch
    from torchvision_oracle import build

    torch.onnx.export(build("resnet50"), torch.zeros(1, 3, 224, 224), str(path), dynamo=False,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    import onnx

    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.sources import read_spec
    from convcalc.spec import parse_spec

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "resnet50.onnx"
        export_resnet50(path)

        def analyse():
            document = read_spec(str(path))
            analysis = analyze_document(document, parse_spec(document), Options())
            assert not analysis.errors and analysis.totals.trainable == 25_557_032  # torchvision's published count

        load = median_time(lambda: onnx.load(str(path), load_external_data=False), runs)
        whole = median_time(analyse, runs)
    print(f"ResNet-50 ONNX ({path.name}): onnx.load alone {load * 1000:.1f} ms; "
          f"convcalc's whole analysis {whole * 1000:.1f} ms; ratio {whole / load:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
