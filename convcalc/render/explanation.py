"""Output of `convcalc explain` and `convcalc calc`: derivations as text, markdown or JSON."""

from __future__ import annotations

import json
from fractions import Fraction

from convcalc.i18n import formula_in, translate
from convcalc.layers import REGISTRY
from convcalc.render import number, plain, shape_text
from convcalc.text import number_in

FIGURES = ("shape", "units", "params", "params_without_bias", "macs", "flops", "memory", "receptive_field", "jump")


def value_text(step, lang: str, layout: str) -> str:
    value = step.value
    if isinstance(value, tuple):
        from convcalc.analysis import display

        return shape_text(display(value, layout))
    if isinstance(value, Fraction):
        return number_in(str(plain(value)), lang)
    return number(value, lang)


def note_text(step, kind: str, lang: str) -> str | None:
    if step.note is None:
        return None
    key, params = step.note
    if key == "flop_rule_note":
        return REGISTRY[kind].flop_rule[lang]
    return translate(key, lang, **params)


def formula_text(step, kind: str, lang: str) -> str | None:
    """The step's formula in ``lang``: the layer type's own translation when the step is its
    formula as the layer reference states it, else with the formula words translated."""
    formulas = getattr(REGISTRY.get(kind), "formulas", {})
    if lang in formulas and formulas["en"].get(step.figure) == step.formula:
        return formulas[lang][step.figure]
    return formula_in(step.formula, lang)


def line(step, kind: str, lang: str, layout: str) -> str:
    """'O = (W - F + 2P)/S + 1 = (227 - 11 + 2*0)/4 + 1 = 55', labelled and annotated."""
    label = translate(f"fig_{step.figure}", lang) + (f" ({step.axis})" if step.axis else "")
    parts = [part for part in (formula_text(step, kind, lang), formula_in(step.substituted, lang),
                               value_text(step, lang, layout)) if part]
    text = f"{label}: " + " = ".join(parts)
    note = note_text(step, kind, lang)
    return f"{text}  [{note}]" if note else text


def record(step, kind: str, lang: str) -> dict:
    return {"figure": step.figure, "axis": step.axis, "formula": step.formula or None,
            "substituted": step.substituted,
            "value": list(map(plain, step.value)) if isinstance(step.value, tuple) else plain(step.value),
            "note": note_text(step, kind, lang)}


def write(explanations, analysis, lang: str, output_format: str, stream, headline: str | None = None,
          network=None) -> None:
    """The derivations, then (``network``: explain.network_memory's steps) the network's memory."""
    layout = analysis.spec.layout
    if output_format == "json":
        data = {"name": analysis.spec.name, "layers": [
            {"name": item.report.name, "type": item.report.kind, "line": item.report.location.line,
             "steps": [record(step, item.report.kind, lang) for step in item.steps]} for item in explanations]}
        if network is not None:
            data["network"] = [record(step, "", lang) for step in network]
        if headline is not None:
            data = {**summary_record(explanations[-1], analysis), **data}
        json.dump(data, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    if headline:
        stream.write(headline + "\n\n")
    for item in explanations:
        title = translate("explain_layer", lang, name=item.report.name, kind=item.report.kind,
                          line=item.report.location.line)
        stream.write(f"## {title}\n\n" if output_format == "markdown" else f"{title}\n")
        for step in item.steps:
            prefix = "- " if output_format == "markdown" else "  "
            stream.write(prefix + line(step, item.report.kind, lang, layout) + "\n")
        stream.write("\n")
    if network is not None:
        title = translate("explain_network", lang, batch=analysis.batch, dtype=analysis.spec.dtype)
        stream.write(f"## {title}\n\n" if output_format == "markdown" else f"{title}\n")
        for step in network:
            stream.write(("- " if output_format == "markdown" else "  ") + line(step, "", lang, layout) + "\n")
        stream.write("\n")


def summary_record(item, analysis) -> dict:
    """The one-line answer of `convcalc calc` as data: shape in the layout asked, figures, memory."""
    from convcalc.analysis import display

    result = item.report.result
    return {"output_shape": [plain(d) for d in display(result.output.dims, analysis.spec.layout)],
            "params": plain(result.trainable), "macs": plain(result.macs), "flops": plain(result.flops),
            "activation_elements": plain(item.report.activation_elements),
            "activation_bytes": plain(item.report.activation_bytes)}
