"""One spec through the pipeline, one way: read -> validate -> build the graph -> analyse -> check
the budgets. ``analysis`` knows nothing of budgets; ``budget`` reads a finished analysis."""

from __future__ import annotations

from convcalc.analysis import Analysis, Options, analyze
from convcalc.budget import check_budgets
from convcalc.graph import build_graph
from convcalc.loading import Document, collector_paused
from convcalc.spec import Spec


def analyze_document(document: Document, spec: Spec, options: Options) -> Analysis:
    """The analysis of a read and validated spec, with its budgets checked."""
    with collector_paused():
        analysis = analyze(spec, build_graph(spec, document, options.params), document, options)
    if spec.budget or options.budgets:
        analysis.findings += check_budgets(analysis, options.budgets)
    return analysis
