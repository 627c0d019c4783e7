"""Renderers: one module per output format, each with ``write(analyses, lang, stream)``.

``document`` turns an Analysis into plain data (the documented JSON shape); every renderer
starts from it, so the formats cannot disagree. Text formats show the user's names through
``convcalc.text.visible`` (messages are made safe where they are translated); JSON keeps them as written.
"""

from __future__ import annotations

import importlib
from fractions import Fraction

from convcalc import __version__
from convcalc.analysis import Analysis
from convcalc.i18n import translate
from convcalc.layers.base import product
from convcalc.symbolic import format_dim
from convcalc.text import visible
from convcalc.units import bytes_text

FORMATS = ("table", "json", "markdown", "csv")


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
        "block": report.block,
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


def finding_record(finding, lang: str) -> dict:
    return {"code": finding.key, "layer": finding.layer,
            "line": finding.location.line if finding.location else None,
            "message": finding.render(lang)}


def document(analysis: Analysis, lang: str = "en") -> dict:
    """The analysis as plain data: the stable, documented JSON output."""
    totals = analysis.totals
    valid, *conditions = analysis.conditions or [None]
    return {
        "convcalc": __version__,
        "name": analysis.spec.name,
        "file": analysis.file,
        "layout": analysis.spec.layout,
        "input_shape": [plain(d) for d in analysis.input_shape],
        "batch": plain(analysis.batch),
        "dtype": analysis.spec.dtype,
        "symbols": list(analysis.symbols),
        "params": {name: plain(value) if isinstance(value, (int, Fraction)) else value
                   for name, value in analysis.params.items()},
        "strict": analysis.strict,
        "layers": [layer_record(report) for report in analysis.layers],
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
        "warnings": [finding_record(f, lang) for f in analysis.warnings],
        "errors": [finding_record(f, lang) for f in analysis.errors],
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


def size(value) -> str:
    """Bytes in binary units (exact bytes are in the JSON)."""
    value = plain(value)
    if not isinstance(value, int):
        return "-" if value is None else f"{value} B"
    return bytes_text(value)


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


def table_rows(data: dict, lang: str) -> list[list[str]]:
    """Per layer: name, type, output shape, params, MACs, activation memory, receptive field."""
    return [[visible(layer["name"]), visible(layer["type"]) if layer["runs"] else
             f"{visible(layer['type'])} ({translate('train_only', lang)})", shape_text(layer["output_shape"]),
             number(layer["params"], lang), number(layer["macs"], lang), size(layer["activation_bytes"]), field_text(layer)]
            for layer in data["layers"]]


def headers(lang: str) -> list[str]:
    return [translate(f"col_{key}", lang) for key in ("layer", "type", "shape", "params", "macs", "memory", "rf")]


def total_lines(data: dict, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs under the table."""
    totals = data["totals"]
    params, buffers = totals["params"], totals["non_trainable_params"]
    both = number(params + buffers, lang) if isinstance(params, int) and isinstance(buffers, int) \
        else f"{params} + {buffers}"
    peak = size(totals["peak_inference_bytes"]) if totals["peak_inference_bytes"] is not None else \
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
        (translate("total_param_memory", lang), size(totals["param_bytes"])),
        (translate("total_activations", lang), size(totals["activation_bytes"])),
        (translate("total_peak", lang), peak),
        (translate("total_training", lang), size(totals["training_bytes"])),
    ]


def notes(data: dict, lang: str) -> list[tuple[str, list[str]]]:
    """(title key, lines) after the table: validity, conditions, warnings, errors, conventions."""
    sections = []
    if data["symbols"]:
        sections.append(("valid_sizes", [data["valid_sizes"]]))
        if data["conditions"]:
            sections.append(("conditions", [
                translate("condition_line", lang, condition=c["condition"], layer=c["layer"], line=c["line"])
                for c in data["conditions"]]))
    if data["warnings"]:
        sections.append(("warnings", [w["message"] for w in data["warnings"]]))
    if data["errors"]:
        sections.append(("errors", [e["message"] for e in data["errors"]]))
    rules = data["conventions"]
    general = [rules[key] for key in ("macs", "flops", "memory", "mode") if key in rules]
    sections.append(("conventions", general + [
        f"{kind}: {rule}" for kind, rule in rules["flops_per_type"].items()]))
    return sections
