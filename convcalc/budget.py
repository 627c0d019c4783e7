"""Budgets: limits on a network's totals, from the spec's `budget:` or from the command line.

    budget: {params: 25M, macs: 4.1G, memory: 200MiB}

Figures and what they limit: params (parameters), macs and flops (per sample), memory (peak
inference memory), activation (all layers' activations), training_memory (the training
estimate). A figure above its budget is an error finding (exit code 1) with the share over.
"""

from __future__ import annotations

from fractions import Fraction

from convcalc.analysis import Analysis
from convcalc.diagnostics import Finding
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import Msg
from convcalc.symbolic import is_concrete
from convcalc.text import EnglishNumber
from convcalc.units import NumberError, fixed, parse_whole

FIGURES = {  # budget name -> the analysis total it limits
    "params": lambda t: t.params,
    "macs": lambda t: t.macs,
    "flops": lambda t: t.flops,
    "memory": lambda t: t.peak_inference_bytes,
    "activation": lambda t: t.activation_bytes,
    "training_memory": lambda t: t.training_bytes,
}
BYTES = {"memory", "activation", "training_memory"}


def spec_budgets(analysis: Analysis) -> dict[str, tuple[int, Location]]:
    """The spec's `budget:` as figure -> (limit, where it is written)."""
    written = analysis.spec.budget or {}
    document = analysis.document
    budgets = {}
    for figure, text in written.items():
        where = document.location(("budget", figure))
        if figure not in FIGURES:
            from convcalc.spec import suggestion

            raise ConvcalcError("unknown_budget", document.location(("budget", figure), at_key=True), figure=figure,
                                hint=suggestion(figure, FIGURES), valid=", ".join(FIGURES))
        as_written = (document.data.get("budget") or {}).get(figure, text)  # 2.5e7 as written, not as pydantic's int
        budgets[figure] = (quantity(figure, as_written, where), where)
    return budgets


def kind(figure: str) -> str:
    """How a budget is written: 'bytes' (200MiB, 1.5GB) or 'count' (25M, 1,5M, 2.5e7, 4.1B)."""
    return "bytes" if figure in BYTES else "count"


def quantity(figure: str, text, where: Location) -> int:
    """A budget: a whole number from 1 to units.MAX_NUMBER, read by the one parser of counts."""
    try:
        return parse_whole(text, kind(figure))
    except NumberError as error:
        raise ConvcalcError("budget_unreadable", where, figure=figure, problem=error.message) from None


def check_budgets(analysis: Analysis, given: dict[str, int]) -> list[Finding]:
    """Findings for every figure over its budget: the command line's budgets win over the spec's."""
    budgets = spec_budgets(analysis)
    budgets.update({figure: (limit, Location(analysis.file)) for figure, limit in given.items()})
    findings = []
    for figure, (limit, where) in budgets.items():
        value = FIGURES[figure](analysis.totals)
        if value is None or not is_concrete(value):
            findings.append(Finding("warning", "budget_symbolic", {"figure": Msg(f"figure_{figure}")}, None, where))
        elif value > limit:
            findings.append(Finding("error", "budget_exceeded", {
                "figure": Msg(f"figure_{figure}"), "value": _shown(figure, value), "limit": _shown(figure, limit),
                "over": EnglishNumber(fixed(Fraction(value - limit, limit) * 100))}, None, where))
    return findings


def _shown(figure: str, value: int) -> str:
    if figure in BYTES:
        return EnglishNumber(f"{value:,} B ({fixed(Fraction(value, 1024 ** 2), grouped=True)} MiB)")
    return EnglishNumber(f"{value:,}")
