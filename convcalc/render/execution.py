"""Output of `convcalc run` and `convcalc verify`: a rich table, or JSON (never through rich)."""

from __future__ import annotations

import json

import numpy as np
from rich.markup import escape
from rich.table import Table

from convcalc.analysis import display
from convcalc.i18n import translate
from convcalc.render import number, shape_text, size
from convcalc.render.table import terminal
from convcalc.text import EnglishNumber, number_in, visible

SMALL = 100  # outputs with at most this many values per sample are printed in full


def _json(data: dict, stream) -> None:
    """Strict JSON: a value that is NaN or infinite (an overflow inside the network) is null."""
    json.dump(_strict(data), stream, indent=2, allow_nan=False)
    stream.write("\n")


def _strict(value):
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strict(item) for item in value]
    return value


def _table(run, title_key: str, lang: str) -> Table:
    title = f"{visible(run.analysis.spec.name)}  ·  {translate(title_key, lang, dtype=run.dtype)}"
    return Table(title=escape(title), title_justify="left")


def shown(array: np.ndarray, layout: str) -> np.ndarray:
    """A batch as the spec writes it: channels last for hwc."""
    return np.moveaxis(array, 1, -1) if layout == "hwc" and array.ndim > 2 else array


def values_text(array: np.ndarray) -> str:
    """Whole numbers as integers (as the lecture notes print them), others to 6 significant digits."""
    if np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        return np.array2string(array.astype(np.int64), separator=", ")
    return np.array2string(array, separator=", ", precision=6, suppress_small=True)


def summary(array: np.ndarray) -> dict:
    data = array.astype(np.float64)
    result = {"min": float(data.min()), "max": float(data.max()), "mean": float(data.mean()),
              "std": float(data.std())}
    if array.ndim == 2:
        result["argmax"] = [int(i) for i in data.argmax(axis=1)]  # the top class of each sample
    return result


def output_record(array: np.ndarray, layout: str) -> dict:
    per_sample = array[0].size if array.shape[0] else 0
    record = {"shape": list(shown(array, layout).shape)}
    if per_sample <= SMALL:
        record["values"] = shown(array, layout).tolist()
    else:
        record["summary"] = summary(array)
    return record


def write_run(run, lang: str, output_format: str, stream) -> None:
    layout = run.analysis.spec.layout
    if output_format == "json":
        data = {"name": run.analysis.spec.name, "dtype": run.dtype,
                "layers": [{"name": layer.name, "type": layer.kind,
                            "output_shape": _displayed(layer.shape, layout), "macs": layer.macs,
                            "seconds": layer.seconds} for layer in run.layers],
                "outputs": {name: output_record(array, layout) for name, array in run.network_outputs.items()}}
        _json(data, stream)
        return
    console = terminal(stream)
    table = _table(run, "run_title", lang)
    for index, key in enumerate(("col_layer", "col_type", "col_shape", "col_macs_done", "col_time")):
        table.add_column(translate(key, lang), justify="right" if index >= 3 else "left", no_wrap=index >= 2)
    for layer in run.layers:
        table.add_row(escape(visible(layer.name)), escape(visible(layer.kind)),
                      shape_text(_displayed(layer.shape, layout)),
                      number(layer.macs, lang), number_in(f"{layer.seconds * 1000:.2f}", lang))
    console.print(table)
    for name, array in run.network_outputs.items():
        console.print(f"\n[bold]{escape(translate('output_of', lang, name=name))}[/bold] "
                      f"{shape_text(shown(array, layout).shape)}")
        if array[0].size <= SMALL:
            for sample in shown(array, layout):
                console.print(escape(values_text(_as_matrices(sample, layout))))
        else:
            console.print(escape(translate("output_summary", lang, **{k: _short(v) for k, v in summary(array).items()
                                                                    if k != "argmax"})))


def _displayed(shape: tuple, layout: str) -> list:
    """An executed shape in the spec's layout; one per output for a layer with several."""
    if shape and isinstance(shape[0], tuple):
        return [list(display(each, layout)) for each in shape]
    return list(display(shape, layout))


def _as_matrices(sample: np.ndarray, layout: str) -> np.ndarray:
    """One matrix per channel, as the lecture notes print feature maps."""
    return np.moveaxis(sample, -1, 0) if layout == "hwc" and sample.ndim == 3 else sample


def _short(value) -> str:
    return f"{value:.6g}"


def write_verification(verification, lang: str, output_format: str, stream) -> None:
    run = verification.run
    if output_format == "json":
        data = {"name": run.analysis.spec.name, "ok": verification.ok,
                "checks": [{"layer": c.layer, "figure": c.figure, "expected": _plain(c.expected),
                            "measured": _plain(c.measured), "ok": c.ok} for c in verification.checks],
                "memory": {"predicted_peak_bytes": run.predicted_peak_bytes, "measured_peak_bytes": run.peak_bytes,
                           "limit_bytes": verification.memory_limit, "ok": verification.memory_ok},
                "against": [{"executor": a.executor, "output": a.output, "same_shape": a.same_shape,
                             "largest_difference": a.difference, "tolerance": a.tolerance, "ok": a.ok}
                            for a in verification.agreements]}
        _json(data, stream)
        return
    console = terminal(stream)
    table = _table(run, "verify_title", lang)
    for key in ("col_layer", "col_shape", "col_params", "col_macs"):
        table.add_column(translate(key, lang))
    by_layer: dict[str, dict] = {}
    for check in verification.checks:
        by_layer.setdefault(check.layer, {})[check.figure] = check
    for layer, checks in by_layer.items():
        table.add_row(escape(visible(layer)), *(_mark(checks[figure], lang) for figure in ("shape", "params", "macs")))
    console.print(table)
    console.print(escape(translate("verify_memory", lang, measured=size(run.peak_bytes, lang),
                                   predicted=size(run.predicted_peak_bytes, lang), limit=size(verification.memory_limit, lang),
                                   verdict=translate("held" if verification.memory_ok else "not_held", lang))))
    for agreement in verification.agreements:
        line = translate("verify_against", lang, executor=agreement.executor, output=visible(agreement.output),
                         difference=EnglishNumber(f"{agreement.difference:.3g}"), tolerance=EnglishNumber(f"{agreement.tolerance:.3g}"),
                         verdict=translate("held" if agreement.ok else "not_held", lang))
        if not agreement.same_shape:
            line += " " + translate("verify_against_shape", lang)
        console.print(escape(line))
    failures = len(verification.failures) + (0 if verification.memory_ok else 1)
    count = len(verification.checks) + len(verification.agreements) + 1
    console.print(translate("verify_ok", lang, count=count) if verification.ok else
                  f"[bold red]{escape(translate('verify_failed', lang, count=failures))}[/bold red]")


def _mark(check, lang) -> str:
    if check.ok:
        return "[green]✓[/green]"
    return f"[red]✗ {escape(translate('expected_measured', lang, expected=_text(check.expected), measured=_text(check.measured)))}[/red]"


def _text(value) -> str:
    return "x".join(map(str, value)) if isinstance(value, tuple) and len(value) != 2 else str(value)


def _plain(value):
    return list(value) if isinstance(value, tuple) else value
