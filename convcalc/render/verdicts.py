"""Output of `convcalc check`: per answer right or wrong, the expected value, the likely slip and
the derivation; as text, markdown or JSON (for autograders)."""

from __future__ import annotations

import json
import math
from convcalc.i18n import translate
from convcalc.render import number, plain, shape_text
from convcalc.render.explanation import line


def expected_text(verdict, lang: str) -> str:
    value = verdict.expected
    if isinstance(value, tuple):
        return shape_text(value)
    if isinstance(value, list):
        return values_text(value)
    return number(value, lang)


def values_text(values) -> str:
    """Output values as the notes print them: whole numbers as integers, others to 6 digits."""
    if isinstance(values, list):
        return f"[{', '.join(map(values_text, values))}]"
    return f"{values:.6g}"


def _expected_record(value):
    if isinstance(value, tuple):
        return list(map(plain, value))
    return _finite(value) if isinstance(value, list) else plain(value)


def _finite(values):
    """Output values for strict JSON: NaN and infinities (an overflow in the network) as null."""
    if isinstance(values, list):
        return [_finite(item) for item in values]
    return values if math.isfinite(values) else None


def write(verdicts, analysis, lang: str, output_format: str, stream) -> None:
    right = sum(v.correct for v in verdicts)
    if output_format == "json":
        json.dump({"name": analysis.spec.name, "correct": right, "total": len(verdicts), "answers": [
            {"layer": v.layer, "figure": v.figure, "given": v.given.text,
             "expected": _expected_record(v.expected),
             "correct": v.correct, "line": v.location.line, "mistake": v.mistake,
             "hint": translate(f"mistake_{v.mistake}", lang) if v.mistake else None,
             "note": translate(f"note_{v.note}", lang) if v.note else None,
             "credit": "right" if v.correct else "follows_from_earlier_answer" if v.follows_from else "none",
             "follows_from": {"layer": v.follows_from[0], "answer": v.follows_from[1]} if v.follows_from else None,
             "derivation": [line(step, _kind(analysis, v), lang, analysis.spec.layout) for step in v.steps]}
            for v in verdicts]}, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    bullet = "- " if output_format == "markdown" else ""
    for v in verdicts:
        where = v.layer if v.layer else translate("totals_word", lang)
        label = translate(f"fig_{v.figure}", lang) if v.figure != "output_shape" else translate("fig_shape", lang)
        mark = "✓" if v.correct else "✗"
        text = translate("verdict_right" if v.correct else "verdict_wrong", lang, mark=mark, where=where,
                         figure=label, given=v.given.text, expected=expected_text(v, lang),
                         line=v.location.line)
        stream.write(bullet + text + "\n")
        if v.note:
            stream.write(f"    {translate(f'note_{v.note}', lang)}\n")
        if v.follows_from:
            stream.write("    " + translate("follows_from", lang, layer=v.follows_from[0], answer=v.follows_from[1])
                         + "\n")
        if not v.correct:
            if v.mistake:
                stream.write(f"    {translate('likely', lang)}: {translate(f'mistake_{v.mistake}', lang)}\n")
            for step in v.steps:
                stream.write("    " + line(step, _kind(analysis, v), lang, analysis.spec.layout) + "\n")
    stream.write("\n" + translate("check_summary", lang, right=right, total=len(verdicts)) + "\n")
    following = sum(1 for v in verdicts if v.follows_from)
    if following:
        stream.write(translate("check_follow_summary", lang, count=following) + "\n")


def _kind(analysis, verdict) -> str:
    return next((r.kind for r in analysis.layers if r.name == verdict.layer), None)  # None: totals, no steps

