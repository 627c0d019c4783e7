"""Speed of the static analysis, in one run on this machine:

    .venv/bin/python benchmarks/bench_analysis.py [--runs 10]

- whole-process `convcalc analyze specs/resnet50.yaml` (start-up included) against a whole
  process printing torchinfo's summary of the same network (target: at most 0.3 s median);
- in-process analysis of ResNet-50 against torchinfo's summary call (target: >= 20x faster);
- generated chains of 100, 1,000 and 10,000 layers, concrete and symbolic (target: linear
  growth; 10,000 concrete layers under 2 s);
- ResNet-152 with symbolic H and W, validity conditions included (target: under 0.1 s).
A benchmark, not a test: these machines are shared, so compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORCHINFO_SCRIPT = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
import torchinfo
from reference_models import build
torchinfo.summary(build("resnet50.yaml"), input_size=(1, 3, 224, 224), verbose=0)
"""


def median_time(function, runs: int) -> float:
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved_times(theirs, ours, rounds: int, ours_per_round: int = 5) -> tuple[list[float], list[float]]:
    """Times of ``theirs`` and ``ours``, measured in alternation so that both see the same machine
    (load on these shared machines drifts within seconds)."""
    theirs(), ours()
    their_times, our_times = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        theirs()
        their_times.append(time.perf_counter() - started)
        for _ in range(ours_per_round):
            started = time.perf_counter()
            ours()
            our_times.append(time.perf_counter() - started)
    return their_times, our_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import compileall

    compileall.compile_dir(ROOT / "convcalc", quiet=1)  # as installed: start-up reads bytecode, compiles nothing
    from convcalc.analysis import Options, analyze
    from convcalc.pipeline import analyze_document
    from convcalc.graph import build_graph
    from convcalc.loading import load_document, load_file
    from convcalc.spec import parse_spec

    def analyze_file(path):  # what `convcalc analyze` does in process: read, validate, analyse
        document = load_file(path)
        return analyze_document(document, parse_spec(document), Options())

    def analyze_text(text):
        document = load_document(text, "inline.yaml")
        return analyze_document(document, parse_spec(document), Options())

    resnet50 = ROOT / "specs" / "resnet50.yaml"
    convcalc = [str(Path(sys.executable).parent / "convcalc"), "analyze", str(resnet50), "--format", "json"]
    ours = median_time(lambda: subprocess.run(convcalc, capture_output=True, check=True), args.runs)
    print(f"whole process, convcalc analyze resnet50: {ours:.3f} s median of {args.runs}")
    try:
        import torchinfo
        from reference_models import build
    except ImportError:
        print("torchinfo is not installed: `pip install torchinfo` for the comparisons")
        torchinfo = None
    if torchinfo is not None:
        script = TORCHINFO_SCRIPT.format(root=str(ROOT), tests=str(ROOT / "tests"))
        theirs = median_time(lambda: subprocess.run([sys.executable, "-c", script], capture_output=True, check=True),
                             max(3, args.runs // 3))
        print(f"whole process, torchinfo summary of resnet50: {theirs:.3f} s  (convcalc {theirs / ours:.1f}x faster)")
        model = build("resnet50.yaml")
        their_times, our_times = interleaved_times(
            lambda: torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0), lambda: analyze_file(resnet50),
            args.runs)
        for statistic in (statistics.median, min):  # min: the cost without interference (as timeit advises)
            summary_call, in_process = statistic(their_times), statistic(our_times)
            print(f"in process ({statistic.__name__}), specs/resnet50.yaml read, validated and analysed: "
                  f"{in_process * 1e3:.2f} ms; torchinfo summary call: {summary_call * 1e3:.1f} ms "
                  f"({summary_call / in_process:.1f}x)")
        document = load_file(resnet50)  # torchinfo is handed a built model: the like of a built graph
        spec = parse_spec(document)
        graph = build_graph(spec, document)
        analysis_only = median_time(lambda: analyze(spec, graph, document, Options()), 5 * args.runs)
        print(f"  of which the analysis of the built graph: {analysis_only * 1e3:.2f} ms "
              f"({statistics.median(their_times) / analysis_only:.0f}x less than torchinfo's call)")
    else:
        print(f"in process, specs/resnet50.yaml read, validated and analysed: "
              f"{median_time(lambda: analyze_file(resnet50), 5 * args.runs) * 1e3:.2f} ms")

    for symbolic in (False, True):
        per_layer = []
        for count in (100, 1000, 10000):
            text = "name: chain\ninput: [8, {}]\nlayers:\n".format("H, W" if symbolic else "64, 64") + \
                "  - conv2d: {filters: 8, kernel: 3, padding: 1}\n  - relu\n" * (count // 2)
            seconds = median_time(lambda: analyze_text(text), 3)
            per_layer.append(seconds / count)
            print(f"chain of {count:>6} layers, {'symbolic' if symbolic else 'concrete'}: {seconds:.3f} s "
                  f"({seconds / count * 1e6:.1f} us per layer)")
        print(f"  growth: per-layer time at 10,000 / at 100 = {per_layer[-1] / per_layer[0]:.2f} (1.0 is linear)")

    resnet152 = (ROOT / "specs" / "resnet152.yaml").read_text().replace("input: [3, 224, 224]", "input: [3, H, W]")
    seconds = median_time(lambda: analyze_text(resnet152), args.runs)
    conditions = analyze_text(resnet152).conditions[0].describe()
    print(f"resnet152 with symbolic H and W, conditions included ({conditions}): {seconds * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
