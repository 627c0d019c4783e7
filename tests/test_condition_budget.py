"""The condition solver's work budget (conditions.MAX_EVALUATIONS) bounds every condition, however
many residues the strict divisions leave: a chain of stride-2 layers ending in a dense layer is
either solved, and then every size it lists is valid and its neighbours are not, or the dense
layer's condition is reported unsolved with its expression. The timing is in
benchmarks/bench_conditions.py; the subprocess timeout here only guards against a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, analyze_text, at_level, one_spec
from convcalc.conditions import Budget


def chain(layers: int, in_features: int) -> str:
    """`layers` strict stride-2 convolutions of symbolic H x W, flattened into a dense layer."""
    body = "".join("  - conv2d: {filters: 4, kernel: 3, stride: 2}\n" for _ in range(layers))
    return (f"name: chain\ninput: [3, H, W]\nstrict: true\nlayers:\n{body}"
            f"  - flatten\n  - dense: {{units: 10, in_features: {in_features}}}\n")


def analyse_in_child(text: str, tmp_path: Path) -> dict:
    spec = tmp_path / "chain.yaml"
    spec.write_text(text, encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "convcalc", "analyze", str(spec), "--format", "json"],
                               capture_output=True, text=True, timeout=120,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode in (0, 1), completed.stderr
    return one_spec(completed.stdout)


@pytest.mark.parametrize("layers", [2, 6, 10, 13])
@pytest.mark.parametrize("in_features", [4, 4 * 6 * 6, 4_000_000])
def test_a_strict_chain_is_solved_or_reported_unsolved(layers, in_features, tmp_path):
    data = analyse_in_child(chain(layers, in_features), tmp_path)
    unsolved = [w for w in at_level(data, "warning") if w["code"] == "CC302"]
    if unsolved:
        assert unsolved[0]["layer"] == "dense1"
        assert f"- {in_features - 4} == 0" in unsolved[0]["message"]  # its expression, as written
        return
    analysis = analyze_text(chain(layers, in_features))
    overall = analysis.conditions[0]
    boxes = overall.boxes if overall.boxes is not None else [overall.per_symbol]
    assert boxes and not analysis.errors, overall.describe()
    for box in boxes[:3]:  # a listed size works; one more in H does not (strict: H is one residue)
        h, w = box["H"].minimum(), box["W"].minimum()
        assert not analyze_text(chain(layers, in_features), values={"H": h, "W": w}).errors
        assert analyze_text(chain(layers, in_features), values={"H": h + 1, "W": w}).errors


def test_the_dense_chain_of_thirteen_layers_needs_more_than_the_budget(tmp_path):
    # (floor((H + 1)/8192) - 1) * (floor((W + 1)/8192) - 1) = 10**6 has 49 solutions spread
    # over a million values of H: more work than the budget allows, so it is reported, not solved
    data = analyse_in_child(chain(13, 4_000_000), tmp_path)
    assert [w["layer"] for w in at_level(data, "warning") if w["code"] == "CC302"] == ["dense1"]


def test_the_budget_refuses_the_step_past_it():
    budget = Budget(2)
    budget.spend(2)
    with pytest.raises(OverflowError):
        budget.spend()
