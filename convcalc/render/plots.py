"""Plots of an analysis, drawn with matplotlib (the ``convcalc[plot]`` extra), as PNG or SVG bytes.

Four kinds, each from figures the analysis already has, for any layer type:

- ``memory``: activation bytes alive at each step of one inference pass (``analysis.alive_bytes``,
  the liveness whose maximum is the reported peak), the peak marked and its layer named;
- ``costs``: parameters, MACs and activation bytes of each layer (or of each group at ``--depth``);
- ``field``: each layer's receptive field (per spatial axis) and jump, in input pixels;
- ``scaling``: for a symbolic input, MACs and memory at the input sizes the conditions allow.

matplotlib is imported only here, inside the functions, and only its object API is used
(``matplotlib.figure.Figure``, rendered by the Agg and SVG backends): nothing ever opens a display.
"""

from __future__ import annotations

import io
from fractions import Fraction

from convcalc.analysis import Analysis, alive_bytes
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import translate
from convcalc.layers.base import product
from convcalc.symbolic import evaluator, is_concrete
from convcalc.text import visible
from convcalc.units import bytes_text

KINDS = ("memory", "costs", "field", "scaling")
FORMATS = ("png", "svg")
MAX_TICK_LABELS = 40  # layer names under a plot: at most this many, evenly spread
SCALING_POINTS = 64  # input sizes evaluated for the scaling plot
SCALING_SEARCH = 4096  # the smallest valid size is looked for up to here
COLOURS = {"params": "#4c72b0", "macs": "#dd8452", "memory": "#55a868", "peak": "#c44e52", "jump": "#8172b3"}


def applicable(analysis: Analysis) -> list[str]:
    """The kinds this analysis can be plotted as: none when it has errors, ``scaling`` only for a
    symbolic input, the others only for a concrete one (``field`` where a layer sees a window)."""
    if analysis.errors or any(report.result is None for report in analysis.layers):
        return []
    if analysis.symbols:
        return ["scaling"]
    return ["memory", "costs"] + (["field"] if field_series(analysis)[0] else [])  # no field on a flat input


def image(analysis: Analysis, kind: str, image_format: str, lang: str = "en", depth=None) -> bytes:
    """The plot ``kind`` of ``analysis`` as PNG or SVG bytes (SVG text stays text: searchable);
    ``depth`` groups the costs as ``--depth`` does."""
    from convcalc.bridges import require

    require("matplotlib", translate("plot_purpose", lang))
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    _check(analysis, kind)
    style = {"svg.fonttype": "none", "svg.hashsalt": "convcalc", "font.size": 9,
             "axes.spines.top": False, "axes.spines.right": False}
    with rc_context(style):
        figure = Figure(figsize=(10, 5.5 if kind != "costs" else 7.5), layout="constrained")
        _DRAW[kind](figure, analysis, lang, **({"depth": depth} if kind == "costs" else {}))
        stream = io.BytesIO()
        figure.savefig(stream, format=image_format, dpi=100,
                       metadata={"Software": None} if image_format == "png" else {"Date": None})
    return stream.getvalue()


def _check(analysis: Analysis, kind: str) -> None:
    where = Location(analysis.file)
    if kind not in applicable(analysis):
        if analysis.errors or any(report.result is None for report in analysis.layers):
            raise ConvcalcError("plot_inconsistent", where)
        if kind == "scaling":
            raise ConvcalcError("plot_needs_symbols", where)
        if kind == "field" and not analysis.symbols:
            raise ConvcalcError("plot_no_field", where)
        raise ConvcalcError("plot_needs_sizes", where, kind=kind, symbols=", ".join(analysis.symbols))


def _title(figure, key: str, analysis: Analysis, lang: str) -> None:
    figure.suptitle(translate(key, lang, name=_label(analysis.spec.name)), fontsize=11, fontweight="bold")


def _layer_axis(axes, names: list[str]) -> None:
    """Layer names under the steps, at most MAX_TICK_LABELS of them."""
    every = max(1, -(-len(names) // MAX_TICK_LABELS))
    positions = list(range(0, len(names), every))
    axes.set_xticks(positions, [_label(names[i]) for i in positions], rotation=90, fontsize=7)
    axes.set_xlim(-0.6, len(names) - 0.4)


def _number_text(value: float, lang: str) -> str:
    """1.5M, 3.2G (SI prefixes), with a decimal comma in Spanish.

    >>> _number_text(1_814_073_344, "es"), _number_text(500, "en")
    ('1,81G', '500')
    """
    power, units = 0, ("", "k", "M", "G", "T", "P")
    while abs(value) >= 1000 and power < len(units) - 1:
        value, power = value / 1000, power + 1
    text = f"{value:.3g}"
    return (text.replace(".", ",") if lang == "es" else text) + units[power]


def _formatter(lang: str):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: _number_text(value, lang))


def _binary_unit(largest: float) -> tuple[int, str]:
    """The binary unit bytes up to ``largest`` are drawn in (ticks then fall on round numbers of it)."""
    power = 0
    while largest >= 1024 ** (power + 1) and power < 4:
        power += 1
    return 1024 ** power, ("B", "KiB", "MiB", "GiB", "TiB")[power]


def _label(text: str) -> str:
    """A name from the spec as matplotlib text: control characters drawn, and a $ shown as itself
    (matplotlib would start mathematics at it)."""
    return visible(text).replace("$", r"\$")


def _draw_memory(figure, analysis: Analysis, lang: str) -> None:
    names = [report.name for report in analysis.layers]
    alive = alive_bytes(analysis.layers, _input_bytes(analysis))
    step = max(range(len(alive)), key=alive.__getitem__)
    divisor, unit = _binary_unit(alive[step])
    drawn = [value / divisor for value in alive]
    axes = figure.subplots()
    axes.fill_between(range(len(drawn)), drawn, step="mid", color=COLOURS["memory"], alpha=0.35)
    axes.step(range(len(drawn)), drawn, where="mid", color=COLOURS["memory"], linewidth=1.2)
    axes.plot([step], [drawn[step]], "o", color=COLOURS["peak"], markersize=7)
    peak = bytes_text(alive[step], "," if lang == "es" else ".")
    axes.annotate(translate("plot_peak_at", lang, size=peak, layer=_label(names[step])),
                  (step, drawn[step]), xytext=(10 if step < len(drawn) * 0.6 else -10, -2), textcoords="offset points",
                  color=COLOURS["peak"], fontweight="bold", ha="left" if step < len(drawn) * 0.6 else "right", va="top")
    axes.set_ylim(0, drawn[step] * 1.08)
    axes.yaxis.set_major_formatter(_formatter(lang))
    axes.set_ylabel(f'{translate("plot_alive", lang)} ({unit})')
    axes.set_xlabel(translate("plot_step", lang))
    axes.grid(axis="y", alpha=0.3)
    _layer_axis(axes, names)
    _title(figure, "plot_memory_title", analysis, lang)


def cost_rows(analysis: Analysis, depth=None) -> list[tuple[str, int, int, int]]:
    """Per layer, or per row of the tree cut at ``depth`` (``--depth``: a number or ``blocks``), its
    name, parameters, MACs and activation bytes, counted as the totals count them (a layer that does
    not run in this mode: its parameters only)."""
    from convcalc.render import document, rows

    def counted(record, figure):
        return record[figure] if record["runs"] and record[figure] is not None else 0

    return [(record["name"], record["params"] or 0, counted(record, "macs"), counted(record, "activation_bytes"))
            for record in rows(document(analysis, "en", depth), depth)]


def _draw_costs(figure, analysis: Analysis, lang: str, depth=None) -> None:
    costs = cost_rows(analysis, depth)
    names = [name for name, *_ in costs]
    rows = [("params", translate("col_params", lang), [row[1] for row in costs], False),
            ("macs", translate("col_macs", lang), [row[2] for row in costs], False),
            ("memory", translate("col_memory", lang), [row[3] for row in costs], True)]
    panels = figure.subplots(len(rows), 1, sharex=True)
    for axes, (colour, label, values, binary) in zip(panels, rows):
        divisor, unit = _binary_unit(max(values)) if binary else (1, None)
        axes.bar(range(len(values)), [value / divisor for value in values], width=0.8, color=COLOURS[colour])
        axes.set_ylabel(f"{label} ({unit})" if unit else label)
        axes.yaxis.set_major_formatter(_formatter(lang))
        axes.grid(axis="y", alpha=0.3)
        top = max(range(len(values)), key=values.__getitem__)
        axes.annotate(_label(names[top]), (top, values[top] / divisor), xytext=(4, 0), textcoords="offset points",
                      ha="left", va="top", fontsize=7)
    _layer_axis(panels[-1], names)
    if depth is None:
        _title(figure, "plot_costs_title", analysis, lang)
    else:
        figure.suptitle(translate("plot_costs_depth_title", lang, name=_label(analysis.spec.name), depth=depth),
                        fontsize=11, fontweight="bold")


def field_series(analysis: Analysis) -> tuple[list[str], list[list[float]], list[float]]:
    """The layers whose units still see a window of the input (up to a flatten, a dense layer or a
    global pool), each one's receptive field per spatial axis, and its jump along the first axis."""
    reports = [report for report in analysis.layers if report.sized and report.result.output.field.dims]
    fields = [report.result.output.field.dims for report in reports]
    sizes = [[float(Fraction(dims[axis].size)) for dims in fields] for axis in range(len(fields[0]))] if fields else []
    return [report.name for report in reports], sizes, [float(Fraction(dims[0].jump)) for dims in fields]


def _draw_field(figure, analysis: Analysis, lang: str) -> None:
    names, sizes, jumps = field_series(analysis)
    axes = figure.subplots()
    axis_names = ["L"] if len(sizes) == 1 else ["H", "W", "D"]
    for index, (axis_name, values) in enumerate(zip(axis_names, sizes)):
        axes.step(range(len(values)), values, where="mid", linewidth=1.6 if index == 0 else 1.0,
                  linestyle="-" if index == 0 else "--", label=translate("plot_field_axis", lang, axis=axis_name))
    axes.step(range(len(jumps)), jumps, where="mid", color=COLOURS["jump"], linewidth=1.0, linestyle=":",
              label=translate("plot_jump", lang))
    spatial = [int(size) for size in analysis.input_tensor.dims[1:]]
    if spatial:
        axes.axhline(max(spatial), color="grey", linewidth=0.8, linestyle="-.",
                     label=translate("plot_input_size", lang, size=max(spatial)))
    axes.set_ylabel(translate("plot_field_pixels", lang))
    axes.set_xlabel(translate("plot_step", lang))
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left")
    _layer_axis(axes, names)
    _title(figure, "plot_field_title", analysis, lang)


def _input_bytes(analysis: Analysis):
    return analysis.batch * product(analysis.input_tensor.dims) * analysis.dtype_bytes


def scaling_series(analysis: Analysis) -> tuple[list[str], list[int], dict[str, list[int]]]:
    """The input symbols, the sizes they are given together (H = W = s, within the valid conditions,
    from the smallest valid one up to max(8 x it, 512), at most SCALING_POINTS of them) and, per
    size, the total MACs, the peak inference memory, the training memory and all activations.
    A symbol not in the input (a symbolic batch) is 1, unless the input has none."""
    varied = sorted({name for dim in analysis.input_tensor.dims if not is_concrete(dim)
                     for name in dim.symbols()}) or list(analysis.symbols)  # a symbolic batch alone: the batch
    names = analysis.symbols
    overall = analysis.conditions[0] if analysis.conditions else None

    def environment(size):
        return {name: size if name in varied else 1 for name in names}

    def valid(size) -> bool:
        if overall is None:
            return True
        env = environment(size)
        if overall.unsolved is not None:
            return True
        if overall.boxes is not None:
            return any(all(env[name] in box[name] for name in overall.symbols) for box in overall.boxes)
        return all(env[name] in overall.per_symbol[name] for name in overall.symbols)

    first = next((size for size in range(1, SCALING_SEARCH + 1) if valid(size)), None)
    if first is None:
        raise ConvcalcError("plot_no_valid_size", Location(analysis.file), limit=SCALING_SEARCH)
    candidates = [size for size in range(first, max(8 * first, 512) + 1) if valid(size)]
    every = max(1, -(-len(candidates) // SCALING_POINTS))
    sizes = candidates[::every]

    def compiled(value):
        function = evaluator(value, names)
        return lambda env: function(**env)

    totals = analysis.totals
    figures = {"macs": compiled(totals.macs), "training": compiled(totals.training_bytes),
               "activations": compiled(totals.activation_bytes)}
    per_layer = {report.name: compiled(report.activation_bytes) for report in analysis.layers}
    input_bytes, param_bytes = compiled(_input_bytes(analysis)), compiled(totals.param_bytes)
    series = {"macs": [], "peak": [], "training": [], "activations": []}
    for size in sizes:
        env = environment(size)
        for key in ("macs", "training", "activations"):
            series[key].append(figures[key](env))
        alive = alive_bytes(analysis.layers, input_bytes(env), lambda report: per_layer[report.name](env))
        series["peak"].append(param_bytes(env) + max([input_bytes(env), *alive]))
    return varied, sizes, series


def _draw_scaling(figure, analysis: Analysis, lang: str) -> None:
    varied, sizes, series = scaling_series(analysis)
    macs_axes, memory_axes = figure.subplots(1, 2)
    label = translate("plot_input_side", lang, symbols=" = ".join(varied))
    macs_axes.plot(sizes, series["macs"], "o-", color=COLOURS["macs"], markersize=3)
    macs_axes.set_ylabel(translate("col_macs", lang))
    macs_axes.yaxis.set_major_formatter(_formatter(lang))
    divisor, unit = _binary_unit(max(max(values) for key, values in series.items() if key != "macs"))
    for key, colour in (("peak", COLOURS["peak"]), ("training", COLOURS["params"]),
                        ("activations", COLOURS["memory"])):
        memory_axes.plot(sizes, [value / divisor for value in series[key]], "o-", color=colour, markersize=3,
                         label=translate(f"plot_scaling_{key}", lang))
    memory_axes.yaxis.set_major_formatter(_formatter(lang))
    memory_axes.set_ylabel(f'{translate("plot_memory", lang)} ({unit})')
    memory_axes.legend(loc="upper left")
    for axes in (macs_axes, memory_axes):
        axes.set_xlabel(label)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
    _title(figure, "plot_scaling_title", analysis, lang)


_DRAW = {"memory": _draw_memory, "costs": _draw_costs, "field": _draw_field, "scaling": _draw_scaling}
