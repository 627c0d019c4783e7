"""Renderers: one module per output format, each with ``write(results, lang, stream)``, where
``results`` holds, in the order of the command line, an Analysis per spec analysed and a Failure
per spec that could not be (the formats made for machines report those too; the others leave
them to the error line on standard error).

``document`` turns an Analysis into plain data (the documented JSON shape, output.schema.json);
every renderer starts from it, so the formats cannot disagree. Text formats show the user's names
through ``convcalc.text.visible`` (messages are made safe where they are translated); JSON keeps
them as written.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from fractions import Fraction

from convcalc import __version__
from convcalc.analysis import Analysis
from convcalc.diagnostics import LEVELS, UNREADABLE, Finding
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import translate
from convcalc.layers.base import product
from convcalc.symbolic import format_dim
from convcalc.text import visible
from convcalc.units import bytes_text, count_text

FORMATS = ("table", "json", "markdown", "csv", "concise", "github", "sarif")
SCHEMA_VERSION = 1  # of the JSON output: raised when a key changes meaning or goes away
GROUPED_AT = 2  # notes of one code on this many layers or more are one line in the table and markdown


@dataclass
class Failure:
    """A spec that could not be analysed (exit code 2): its argument and the error."""

    file: str
    error: ConvcalcError


def analysed(results) -> list[Analysis]:
    return [result for result in results if isinstance(result, Analysis)]


def renderer(name: str):
    return importlib.import_module(f"convcalc.render.{name}")


def plain(value):
    """Numbers stay numbers; symbolic sizes become their expression text; a fraction a float
    cannot hold exactly (a receptive-field start of 2**1100 + 1/2) stays exact as its text '3/2'."""
    if value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value)
        if abs(value) < 2 ** 53 and Fraction(float(value)) == value:
            return float(value)
        return str(value)
    return format_dim(value)


def shapes_record(shapes: list):
    """One tensor's shape as a list of sizes; several as a list of those (None: not known)."""
    if not shapes or any(shape is None for shape in shapes):
        return None
    records = [[plain(d) for d in shape] for shape in shapes]
    return records[0] if len(records) == 1 else records


def receptive_field(report) -> dict | str | None:
    if report.result is None:
        return None
    field = report.result.output.field
    if field.dims is None:
        return "global"
    return {"size": [plain(d.size) for d in field.dims], "jump": [plain(d.jump) for d in field.dims],
            "start": [plain(d.start) for d in field.dims]}


def layer_record(report) -> dict:
    """A layer's figures; a layer that does not run and could not at this input (train_only in
    eval mode) has only its parameters."""
    result = report.result
    sized = result if report.sized else None
    return {
        "name": report.name,
        "type": report.kind,
        "inputs": report.node.references,
        "line": report.location.line,
        "column": report.location.column,
        "block": report.block,
        "block_path": block_path(report.node.uses, report.node.document),
        "output_shape": ([[plain(d) for d in shape] for shape in report.shapes] if report.shapes else
                         [plain(d) for d in report.shape] if report.shape else None),
        "units": plain(sum((product(tensor.dims) for tensor in result.tensors), 0)) if sized else None,
        "params": plain(report.params) if result else None,
        "trainable_params": plain(result.trainable) if result else None,
        "non_trainable_params": plain(result.non_trainable) if result else None,
        "macs": plain(result.macs) if sized else None,
        "flops": plain(result.flops) if sized else None,
        "activation_elements": plain(report.activation_elements) if sized else None,
        "activation_bytes": plain(report.activation_bytes) if sized else None,
        "connections": plain(report.connections) if sized and report.connections is not None else None,
        "receptive_field": receptive_field(report) if report.sized else None,
        "runs": report.runs,
    }


def _line(group, analysis: Analysis) -> int:
    """A layer's line, a block use's, or for another group its first part's."""
    while not group.is_layer and group.use is None:
        group = group.children[0]
    return group.report.location.line if group.is_layer else analysis.document.location(group.use.path).line


def tree_record(analysis: Analysis, depth=None) -> dict:
    """The tree of convcalc.tree as plain data: per node its kind (network, group, block, layer),
    subtotals, inputs and outputs; ``children`` None where ``depth`` cuts the tree."""
    from convcalc import tree

    reports = {report.name: report for report in analysis.layers}
    consumers = analysis.graph.consumers if analysis.graph else {}

    def record(group: tree.Group) -> dict:
        def figure(value):  # None when no layer of the group could be analysed, as for such a layer
            return plain(value) if group.analysed else None

        report = group.report
        outputs = group.outputs(consumers)
        shapes = [shape for each in outputs for shape in (each.shapes or (each.shape,))]
        kind = "network" if not group.depth else "layer" if report else "block" if group.use else "group"
        line = _line(group, analysis) if group.depth else None
        return {
            "name": group.name or analysis.spec.name,
            "kind": kind,
            "type": report.kind if report else group.use.kind if group.use else None,
            "depth": group.depth,
            "line": line,
            "layers": len(group.reports),
            "inputs": [name if index is None else f"{name}.{index}" for name, index in group.sources],
            "input_shape": shapes_record([tree.source_shape(analysis, reports, source) for source in group.sources]),
            "output_shape": shapes_record(shapes),
            "params": figure(group.trainable),
            "trainable_params": figure(group.trainable),
            "non_trainable_params": figure(group.non_trainable),
            "macs": figure(group.macs),
            "flops": figure(group.flops),
            "activation_elements": figure(group.activation_elements),
            "activation_bytes": figure(group.activation_bytes),
            "receptive_field": receptive_field(outputs[0]) if len(shapes) == 1 else None,
            "runs": group.runs,
            "complete": group.complete,
            "children": None if tree.cut(group, depth) else [record(child) for child in group.children],
        }

    return record(tree.build(analysis))


def conventions(analysis: Analysis, lang: str) -> dict:
    from convcalc.layers import REGISTRY

    rules = {
        "macs": translate("conv_macs", lang),
        "flops": translate("conv_flops", lang),
        "memory": translate("conv_memory", lang, optimizer=analysis.optimizer),
        "flops_per_type": {kind: REGISTRY[kind].flop_rule[lang] for kind in analysis.kinds},
    }
    if any(report.node.train_only for report in analysis.layers):
        rules["mode"] = translate(f"conv_mode_{analysis.mode}", lang)
    return rules


def block_path(uses, document) -> list[dict]:
    """The block uses a layer comes from, outermost first: name, block and the use's line and column."""
    places = [document.location(use.path) for use in uses]
    return [{"name": use.name, "block": use.kind, "line": place.line, "column": place.column}
            for use, place in zip(uses, places)]


def place(location: Location | None) -> tuple:
    return (location.line, location.column) if location else (None, None)


def diagnostic_record(finding: Finding, file: str, lang: str) -> dict:
    """One diagnostic: level, code, message, where it points (for a layer from a block: the
    outermost use), and for such a layer its block path and where its definition writes it."""
    line, column = place(finding.location)
    definition = finding.definition
    return {"level": finding.level, "code": finding.code, "key": finding.key, "message": finding.message(lang),
            "file": finding.location.file if finding.location else file, "line": line, "column": column,
            "layer": finding.layer,
            "block_path": block_path(finding.uses, finding.node.document) if finding.uses else [],
            "definition": {"line": definition.line, "column": definition.column} if definition else None}


def failure_record(failure: Failure, lang: str) -> dict:
    """A spec that could not be analysed, as the JSON output lists it: its one diagnostic, CC001."""
    error = failure.error
    line, column = place(error.location)
    diagnostic = {"level": "error", "code": UNREADABLE, "key": error.key,
                  "message": translate(error.key, lang, **error.params),
                  "file": error.location.file if error.location else failure.file, "line": line, "column": column,
                  "layer": None, "block_path": [], "definition": None}
    return {"file": failure.file, "status": "failed", "error": diagnostic, "diagnostics": [diagnostic],
            "counts": {"error": 1, "warning": 0, "note": 0}}


def diagnostics(result, lang: str) -> list[dict]:
    """The diagnostic records of an Analysis or a Failure, errors first, then warnings, then notes."""
    if isinstance(result, Failure):
        return failure_record(result, lang)["diagnostics"]
    return [diagnostic_record(finding, result.file, lang)
            for finding in sorted(result.findings, key=lambda finding: LEVELS.index(finding.level))]


def report(results, lang: str = "en", depth=None) -> dict:
    """The whole JSON output: its schema version and one object per spec, failed ones included."""
    return {"schema_version": SCHEMA_VERSION, "convcalc": __version__,
            "specs": [document(result, lang, depth) if isinstance(result, Analysis) else failure_record(result, lang)
                      for result in results]}


def document(analysis: Analysis, lang: str = "en", depth=None) -> dict:
    """The analysis as plain data: the stable, documented JSON output; its ``tree`` cut at
    ``depth`` (a number, ``tree.BLOCKS``, or None for the whole tree)."""
    totals = analysis.totals
    valid, *conditions = analysis.conditions or [None]
    found = diagnostics(analysis, lang)
    return {
        "file": analysis.file,
        "status": "analysed",
        "name": analysis.spec.name,
        "layout": analysis.spec.layout,
        "input_shape": [plain(d) for d in analysis.input_shape],
        "batch": plain(analysis.batch),
        "dtype": analysis.spec.dtype,
        "symbols": list(analysis.symbols),
        "params": {name: plain(value) if isinstance(value, (int, Fraction)) else value
                   for name, value in analysis.params.items()},
        "strict": analysis.strict,
        "layers": [layer_record(report) for report in analysis.layers],
        "tree": tree_record(analysis, depth),
        "mode": analysis.mode,
        "outputs": analysis.outputs,
        "complete": all(report.result is not None for report in analysis.layers),
        "totals": {
            "params": plain(totals.params),
            "trainable_params": plain(totals.trainable),
            "non_trainable_params": plain(totals.non_trainable),
            "macs": plain(totals.macs),
            "flops": plain(totals.flops),
            "param_bytes": plain(totals.param_bytes),
            "activation_bytes": plain(totals.activation_bytes),
            "peak_activation_bytes": plain(totals.peak_activation_bytes),
            "peak_inference_bytes": plain(totals.peak_inference_bytes),
            "training_bytes": plain(totals.training_bytes),
        },
        "valid_sizes": valid.describe(lang) if valid else None,
        "conditions": [{"condition": c.describe(lang), "code": c.key, "layer": c.layers[0][0],
                        "line": c.layers[0][1].line} for c in conditions],
        "diagnostics": found,
        "counts": {level: sum(record["level"] == level for record in found) for level in LEVELS},
        "conventions": conventions(analysis, lang),
    }


def number(value, lang: str = "en") -> str:
    """12,345 in English, 12 345 in Spanish (where 12.345 or 12,345 would read as a fraction);
    expressions as written."""
    value = plain(value)
    if value is None:
        return "-"
    if not isinstance(value, int):
        return str(value)
    return f"{value:,}" if lang == "en" else f"{value:,}".replace(",", "\u00a0")


def size(value, lang: str = "en") -> str:
    """Bytes in binary units, with the language's decimal mark (exact bytes are in the JSON)."""
    value = plain(value)
    if not isinstance(value, int):
        return "-" if value is None else f"{value} B"
    return bytes_text(value, "," if lang == "es" else ".")


def shape_text(shape) -> str:
    """55x55x96, or (64, floor((H + 1)/2), ...) when symbolic; 58x28x28 | 58x28x28 for several outputs."""
    if shape is None:
        return "-"
    if shape and isinstance(shape[0], (list, tuple)):
        return " | ".join(shape_text(each) for each in shape)
    values = [plain(d) for d in shape]
    if all(isinstance(v, int) for v in values):
        return "x".join(map(str, values))
    return "(" + ", ".join(map(str, values)) + ")"


def field_text(record) -> str:
    field = record["receptive_field"]
    if field is None:
        return "-"
    if field == "global":
        return "global"
    return "x".join(str(s) for s in field["size"])


LAYER_COLUMNS = ("layer", "type", "shape", "params", "macs", "memory", "rf")
GROUP_COLUMNS = ("layer", "type", "input", "shape", "params", "macs", "memory", "rf")  # --depth: blocks' inputs too
FIGURE_COLUMNS = frozenset({"params", "macs", "memory", "rf"})  # right-aligned


def rows(data: dict, depth=None) -> list[dict]:
    """The records a table lists: every layer, or with ``depth`` the rows of the cut tree (the
    nodes it cuts and the layers above the cut), in spec order."""
    if depth is None:
        return data["layers"]
    found, stack = [], [data["tree"]]
    while stack:
        node = stack.pop()
        if node["children"] is None or node["kind"] == "layer":
            found.append(node)
        else:
            stack.extend(reversed(node["children"]))
    return found


def columns(depth=None) -> tuple[str, ...]:
    return LAYER_COLUMNS if depth is None else GROUP_COLUMNS


def cell(record: dict, column: str, lang: str, short: bool = False) -> str:
    """One table cell of a layer record or a tree node; ``short`` gives counts in SI units (25.6M)."""
    if column == "layer":
        return visible(record["name"])
    if column == "type":
        kind = record.get("kind", "layer")
        text = visible(record["type"]) if kind in ("layer", "block") else translate(
            "group_layers" if record["layers"] != 1 else "group_layer", lang, count=record["layers"])
        return text if record["runs"] else f"{text} ({translate('train_only', lang)})"
    if column in ("input", "shape"):
        return shape_text(record["input_shape" if column == "input" else "output_shape"])
    if column == "memory":
        return size(record["activation_bytes"], lang)
    if column == "rf":
        return field_text(record)
    value = record[column]
    if short and isinstance(value, int):
        return count_text(value, "." if lang == "en" else ",")
    return number(value, lang)


def table_rows(data: dict, lang: str, shown=LAYER_COLUMNS, depth=None, short: bool = False) -> list[list[str]]:
    """Per row (a layer, or a node of the tree at ``depth``), the ``shown`` columns' cells."""
    return [[cell(record, column, lang, short) for column in shown] for record in rows(data, depth)]


def headers(lang: str, shown=LAYER_COLUMNS) -> list[str]:
    return [translate(f"col_{column}", lang) for column in shown]


def total_lines(data: dict, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs under the table."""
    totals = data["totals"]
    params, buffers = totals["params"], totals["non_trainable_params"]
    both = number(params + buffers, lang) if isinstance(params, int) and isinstance(buffers, int) \
        else f"{params} + {buffers}"
    peak = size(totals["peak_inference_bytes"], lang) if totals["peak_inference_bytes"] is not None else \
        translate("peak_symbolic", lang)
    analysed = sum(layer["output_shape"] is not None for layer in data["layers"])
    partial = [] if data["complete"] else [(translate("total_partial", lang), translate(
        "partial_detail", lang, done=analysed, layers=len(data["layers"])))]
    return partial + [
        (translate("total_outputs", lang), ", ".join(data["outputs"])),
        (translate("total_params", lang), translate("params_split" if buffers else "params_plain", lang,
                                                    params=number(params, lang),
                                                    non_trainable=number(buffers, lang), both=both)),
        (translate("total_macs", lang), number(totals["macs"], lang)),
        (translate("total_flops", lang), number(totals["flops"], lang)),
        (translate("total_param_memory", lang), size(totals["param_bytes"], lang)),
        (translate("total_activations", lang), size(totals["activation_bytes"], lang)),
        (translate("total_peak", lang), peak),
        (translate("total_training", lang), size(totals["training_bytes"], lang)),
    ]


def diagnostic_line(record: dict) -> str:
    """`CC112 file:40:5: message` (the code first, so that a reader's eye finds it)."""
    where = ":".join(str(part) for part in (visible(record["file"]), record["line"], record["column"]) if part)
    return f"{record['code']} {where}: {record['message']}"


def grouped(records: list[dict], lang: str) -> list[str]:
    """Notes as lines, those of one code on GROUPED_AT layers or more as one line that names them."""
    by_code: dict[str, list[dict]] = {}
    for record in records:
        by_code.setdefault(record["code"], []).append(record)
    lines = []
    for same in by_code.values():
        if len(same) < GROUPED_AT:
            lines += [diagnostic_line(record) for record in same]
            continue
        names = [visible(record["layer"] or record["file"]) for record in same]
        shown = ", ".join(names) if len(names) <= 6 else translate("more_layers", lang, shown=", ".join(names[:5]),
                                                                   more=len(names) - 5)
        lines.append(f"{same[0]['code']} " + translate("grouped_notes", lang, count=len(same), layers=shown,
                                                       summary=translate(f"{same[0]['key']}_group", lang)))
    return lines


def notes(data: dict, lang: str) -> list[tuple[str, list[str]]]:
    """(title key, lines) after the table: validity, conditions, errors, warnings, notes, conventions."""
    sections = []
    if data["symbols"]:
        sections.append(("valid_sizes", [data["valid_sizes"]]))
        if data["conditions"]:
            sections.append(("conditions", [
                translate("condition_line", lang, condition=c["condition"], layer=c["layer"], line=c["line"])
                for c in data["conditions"]]))
    for level, title in (("error", "errors"), ("warning", "warnings")):
        lines = [diagnostic_line(record) for record in data["diagnostics"] if record["level"] == level]
        if lines:
            sections.append((title, lines))
    noted = [record for record in data["diagnostics"] if record["level"] == "note"]
    if noted:
        sections.append(("notes", grouped(noted, lang)))
    rules = data["conventions"]
    general = [rules[key] for key in ("macs", "flops", "memory", "mode") if key in rules]
    sections.append(("conventions", general + [
        f"{kind}: {rule}" for kind, rule in rules["flops_per_type"].items()]))
    return sections
