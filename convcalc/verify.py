"""Verification: every figure of the analysis held against what the executor actually did."""

from __future__ import annotations

from dataclasses import dataclass, field

from convcalc.execute import Run, memory_bound


@dataclass
class Check:
    layer: str
    figure: str  # "shape" | "params" | "macs"
    expected: object
    measured: object

    @property
    def ok(self) -> bool:
        return self.expected == self.measured


@dataclass
class Agreement:
    """One network output as another executor computed it (``verify --against``)."""

    output: str
    executor: str  # onnxruntime | torch
    same_shape: bool
    difference: float  # the largest absolute difference from convcalc's run
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.same_shape and self.difference <= self.tolerance


@dataclass
class Verification:
    run: Run
    checks: list[Check]
    agreements: list[Agreement] = field(default_factory=list)

    @property
    def memory_limit(self) -> int:
        return memory_bound(self.run.predicted_peak_bytes)

    @property
    def memory_ok(self) -> bool:
        return self.run.peak_bytes is not None and self.run.peak_bytes <= self.memory_limit

    @property
    def failures(self) -> list[Check | Agreement]:
        return [check for check in [*self.checks, *self.agreements] if not check.ok]

    @property
    def ok(self) -> bool:
        return not self.failures and self.memory_ok


def verify(run: Run) -> Verification:
    """Per layer: executed shape = analysed shape; parameter values allocated = analysed trainable
    and non-trainable counts; multiply-accumulates performed (counted from the operand shapes of
    the products run) = analysed MACs x batch, for every layer that runs in the analysis's mode.
    And the measured peak within the stated tolerance."""
    batch = run.analysis.batch
    checks = []
    for executed, report in zip(run.layers, [report for report in run.analysis.layers if report.runs]):
        result = report.result
        checks += [
            Check(report.name, "shape", result.shapes, executed.shape),
            Check(report.name, "params", (result.trainable, result.non_trainable),
                  (executed.trainable, executed.non_trainable)),
            Check(report.name, "macs", result.macs * batch, executed.macs),
        ]
    return Verification(run, checks)
