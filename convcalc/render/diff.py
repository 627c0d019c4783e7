"""Output of `convcalc diff`: layer changes and total deltas as text, markdown (a pull-request
comment, with ``diagram`` a Mermaid picture of the changes), JSON, or GitHub annotations at the
changed lines."""

from __future__ import annotations

import json

from convcalc.i18n import translate
from convcalc.render import number, shape_text
from convcalc.render.github import annotation
from convcalc.snapshot import FIGURES
from convcalc.text import number_in, visible


def _signed(value, lang: str) -> str:
    if value is None:
        return "-"
    return ("+" if value > 0 else "") + number(value, lang)


def _percent(value, lang: str) -> str:
    return "-" if value is None else number_in(f"{value:+.2f}", lang) + "%"


def write(diff, failed, lang: str, output_format: str, stream, after_file: str, diagram: bool = False) -> None:
    if output_format == "json":
        json.dump({"before": diff.before["name"], "after": diff.after["name"],
                   "before_source": _source(diff.before), "after_source": _source(diff.after),
                   "before_absent": bool(diff.before.get("absent")), "after_absent": bool(diff.after.get("absent")),
                   "totals": {f: dict(zip(("before", "after", "delta", "percent"), diff.total(f))) for f in FIGURES},
                   "layers": [{"change": c.kind, "name": c.name, "before": c.before, "after": c.after}
                              for c in diff.changes],
                   "failed": [t.text for t in failed]}, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    if output_format == "github":
        for change in diff.changes:
            line = (change.after or {}).get("line")
            stream.write(annotation("notice", _change_text(change, lang), after_file, line) + "\n")
        for threshold in failed:
            before, after, delta, percent = diff.total(threshold.figure)
            stream.write(annotation("error", translate("diff_failed", lang, threshold=threshold.text,
                                                       delta=_signed(delta, lang), percent=_percent(percent, lang)),
                                    after_file) + "\n")
        return
    markdown = output_format == "markdown"
    stream.write(("### " if markdown else "") + translate("diff_title", lang, before=_side(diff.before, lang),
                                                          after=_side(diff.after, lang)) + "\n\n")
    header = [translate(k, lang) for k in ("diff_figure", "diff_before", "diff_after", "diff_delta", "diff_percent")]
    labels = [translate(f"figure_{figure}", lang) for figure in FIGURES]
    width = max(16, *map(len, labels))  # the figures' column fits its longest name
    if markdown:
        stream.write("| " + " | ".join(header) + " |\n")
        stream.write("|---|---:|---:|---:|---:|\n")
    else:
        stream.write("  ".join(f"{c:>{width if i == 0 else 16}}" for i, c in enumerate(header)) + "\n")
    for figure, label in zip(FIGURES, labels):
        before, after, delta, percent = diff.total(figure)
        cells = [label, number(before, lang), number(after, lang), _signed(delta, lang), _percent(percent, lang)]
        stream.write(("| " + " | ".join(cells) + " |" if markdown else
                      "  ".join(f"{c:>{width if i == 0 else 16}}" for i, c in enumerate(cells))) + "\n")
    stream.write("\n")
    if not diff.changes:
        stream.write(translate("diff_no_layer_change", lang) + "\n")
    for change in diff.changes:
        stream.write(("- " if markdown else "  ") + _change_text(change, lang) + "\n")
    for threshold in failed:
        before, after, delta, percent = diff.total(threshold.figure)
        stream.write("\n" + ("**" if markdown else "") + translate(
            "diff_failed", lang, threshold=threshold.text, delta=_signed(delta, lang), percent=_percent(percent, lang))
            + ("**" if markdown else "") + "\n")
    if diagram and diff.changes:
        from convcalc.render.diagram import diff_mermaid

        stream.write("\n```mermaid\n" + diff_mermaid(diff, lang) + "```\n")


def _source(snap: dict) -> str:
    """Where a side was read from: the file, the lock file, or REV:file."""
    return snap.get("source") or snap["file"]


def _side(snap: dict, lang: str) -> str:
    """A side of the title: the network's name and where it was read from, or that it is absent."""
    if snap.get("absent"):
        return translate("diff_side_absent", lang, source=visible(_source(snap)))
    return translate("diff_side", lang, name=visible(snap["name"]), source=visible(_source(snap)))


def _change_text(change, lang: str) -> str:
    before, after = change.before or {}, change.after or {}
    return translate(f"diff_{change.kind}", lang, name=change.name, old=before.get("name", ""),
                     kind=after.get("type") or before.get("type"),
                     shape_before=shape_text(before.get("output_shape")), shape_after=shape_text(after.get("output_shape")),
                     params=_signed(change.delta("params"), lang), macs=_signed(change.delta("macs"), lang))
