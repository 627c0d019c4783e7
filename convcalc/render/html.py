"""HTML: one self-contained page per run (every spec analysed, one after the other), to open offline
and to share: the layer table with each block use collapsible, the totals, the plots (inline SVG),
the architecture diagram, the conditions, every diagnostic and the conventions.

Self-contained: the CSS and the script are inline, the images are inline SVG, and the page's
Content-Security-Policy forbids it any request (``default-src 'none'``), so opening it needs no
network and sends nothing. Everything that comes from a spec (names, types, block paths, messages,
the text inside the plots) is escaped for HTML; the only script is the page's own.
"""

from __future__ import annotations

import importlib
import importlib.util
from html import escape

from convcalc import __version__
from convcalc.analysis import Analysis
from convcalc.errors import ConvcalcError
from convcalc.i18n import translate
from convcalc.render import analysed, document, headers, notes, number, shape_text, size, table_rows, total_lines
from convcalc.text import visible

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #4c72b0; padding-bottom: 0.2em; }
section.spec { margin-bottom: 3em; }
table.layers { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.layers th, table.layers td { padding: 2px 8px; border-bottom: 1px solid #e3e3e3; text-align: left; }
table.layers th { background: #4c72b0; color: white; position: sticky; top: 0; }
table.layers td.figure, table.layers th.figure { text-align: right; white-space: nowrap; }
tr.block td { background: #eef2f8; font-weight: 600; }
tr.block button { font: inherit; border: none; background: none; cursor: pointer; padding: 0; color: #2a4d8f; }
tr.block.collapsed button::before { content: "\\25B8  "; } tr.block button::before { content: "\\25BE  "; }
tr.train-only td { color: #888; }
tr.flagged-error td:first-child { border-left: 4px solid #c00; }
tr.flagged-warning td:first-child { border-left: 4px solid #e0a800; }
dl.totals { display: grid; grid-template-columns: max-content auto; gap: 2px 1.5em; }
dl.totals dt { font-weight: 600; } dl.totals dd { margin: 0; }
ul.errors li { color: #a00; } ul.warnings li { color: #8a6100; } ul.notes li { color: #555; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
.placeholder { color: #666; font-style: italic; }
.tools button { margin-right: 0.5em; }
footer { color: #888; font-size: 0.9em; }
"""

# Each block-use row toggles the rows it holds (and the block rows nested in it); a row is hidden
# while any block it stands in is collapsed.
_SCRIPT = """
(function () {
  function refresh(table) {
    var collapsed = {};
    table.querySelectorAll('tr.block.collapsed').forEach(function (row) { collapsed[row.dataset.block] = true; });
    table.querySelectorAll('tr[data-in]').forEach(function (row) {
      row.hidden = row.dataset.in.split(' ').some(function (id) { return collapsed[id]; });
    });
  }
  document.querySelectorAll('table.layers').forEach(function (table) {
    table.querySelectorAll('tr.block button').forEach(function (button) {
      button.addEventListener('click', function () {
        var row = button.closest('tr');
        row.classList.toggle('collapsed');
        button.setAttribute('aria-expanded', String(!row.classList.contains('collapsed')));
        refresh(table);
      });
    });
    var tools = table.parentNode.querySelector('.tools');
    tools.querySelectorAll('button').forEach(function (button) {
      button.addEventListener('click', function () {
        var collapse = button.dataset.action === 'collapse';
        table.querySelectorAll('tr.block').forEach(function (row) {
          row.classList.toggle('collapsed', collapse);
          row.querySelector('button').setAttribute('aria-expanded', String(!collapse));
        });
        refresh(table);
      });
    });
  });
})();
"""

_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _text(value) -> str:
    """User text for the page: control characters drawn, then escaped for HTML."""
    return escape(visible(str(value)))


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """The page; with ``depth`` (``--depth``), the block uses it would cut start collapsed; ``quiet``:
    the diagnostics alone (no totals, plots, diagram, table nor conventions)."""
    analyses = analysed(results)
    names = ", ".join(analysis.spec.name for analysis in analyses)
    stream.write(f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
                 f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">\n'
                 f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                 f'<title>{_text(translate("report_title", lang, name=names))}</title>\n'
                 f"<style>{_STYLE}</style>\n</head>\n<body>\n"
                 f'<h1>{_text(translate("report_title", lang, name=names))}</h1>\n')
    for index, analysis in enumerate(analyses):
        stream.write(_spec_section(analysis, index, lang, depth, quiet))
    stream.write(f'<footer>{_text(translate("report_made_by", lang, version=__version__))}</footer>\n'
                 f"<script>{_SCRIPT}</script>\n</body>\n</html>\n")


def _spec_section(analysis: Analysis, index: int, lang: str, depth=None, quiet=False) -> str:
    data = document(analysis, lang)
    parts = [f'<section class="spec" id="spec-{index}">',
             f"<h2>{_text(data['name'])}</h2>",
             "<p>" + _text(translate("input_line", lang, shape=shape_text(data["input_shape"]), layout=data["layout"],
                                     batch=data["batch"], dtype=data["dtype"])) + "</p>"]
    sections = notes(data, lang)
    if quiet:
        return "\n".join(parts + _notes([section for section in sections if section[0] in ("errors", "warnings")],
                                        lang) + ["</section>\n"]) + "\n"
    parts += [f'<h3>{_text(translate("report_totals", lang))}</h3>', '<dl class="totals">']
    parts += [f"<dt>{_text(label)}</dt><dd>{_text(value)}</dd>" for label, value in total_lines(data, lang)]
    parts.append("</dl>")
    parts += _notes(sections[:-1], lang)  # conditions, errors, warnings, notes: first
    parts += _plots(analysis, lang, depth)
    parts += _diagram(analysis, lang, depth)
    parts += [f'<h3>{_text(translate("report_layers", lang))}</h3>', '<div class="layers">', _tools(lang),
              _table(analysis, data, lang, depth), "</div>"]
    parts += _notes(sections[-1:], lang)  # the conventions, last
    parts.append("</section>\n")
    return "\n".join(parts) + "\n"


def _notes(sections, lang: str) -> list[str]:
    return [f'<h3>{_text(translate(title, lang))}</h3>\n<ul class="{title}">' +
            "".join(f"<li>{_text(line)}</li>" for line in lines) + "</ul>" for title, lines in sections]


def _tools(lang: str) -> str:
    return ('<p class="tools">'
            f'<button type="button" data-action="collapse">{_text(translate("report_collapse_all", lang))}</button>'
            f'<button type="button" data-action="expand">{_text(translate("report_expand_all", lang))}</button></p>')


def _table(analysis: Analysis, data: dict, lang: str, depth=None) -> str:
    """The layers in spec order; a row opens each block use (its sums in the figure columns) before
    its first layer, from ``Node.uses`` (the uses a layer is written in, outermost first). With
    ``depth``, the uses ``--depth`` would cut (``blocks``: every one; N: those N or more parts deep in
    their dotted names) start collapsed."""
    from convcalc.tree import BLOCKS

    flagged = {finding.layer: finding.level for finding in analysis.warnings + analysis.errors if finding.layer}
    held: dict = {}  # block use -> the layers written in it
    for report in analysis.layers:
        for use in report.node.uses:
            held.setdefault(use, []).append(report)
    ids = {use: f"b{index}" for index, use in enumerate(held)}
    collapsed = {use for use in held if depth == BLOCKS or (
        isinstance(depth, int) and use.name.count(".") + 1 >= depth)}
    rows = ["<table class=\"layers\">", "<thead><tr>" + "".join(
        f'<th{" class=figure" if i >= 3 else ""}>{_text(c)}</th>' for i, c in enumerate(headers(lang))) +
            "</tr></thead>", "<tbody>"]
    opened: tuple = ()
    for report, record, cells in zip(analysis.layers, data["layers"], table_rows(data, lang)):
        uses = report.node.uses
        for level, use in enumerate(uses):
            if level < len(opened) and opened[level] == use:
                continue
            rows.append(_block_row(analysis, use, held[use], uses[:level], ids, collapsed, lang))
            opened = uses[:level + 1]
        opened = uses
        classes = ["layer"] + (["train-only"] if not record["runs"] else []) + \
            ([f"flagged-{flagged[report.name]}"] if report.name in flagged else [])
        rows.append(f'<tr class="{" ".join(classes)}"{_within(uses, ids, collapsed)}>' + "".join(
            f'<td{" class=figure" if i >= 3 else _indent(len(uses)) if i == 0 else ""}>{escape(str(cell))}</td>'
            for i, cell in enumerate(cells)) + "</tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _indent(level: int) -> str:
    return f' style="padding-left: {0.5 + 1.2 * level:.1f}em"' if level else ""


def _within(outer, ids, collapsed) -> str:
    """The ids of the block uses a row stands in, and ``hidden`` while one of them is collapsed."""
    if not outer:
        return ""
    return f' data-in="{" ".join(ids[use] for use in outer)}"' + (" hidden" if collapsed & set(outer) else "")


def _block_row(analysis: Analysis, use, held, outer, ids, collapsed, lang: str) -> str:
    """A block use's row: its name, block and line (the toggle), and the sums of the layers it holds."""
    running = [report for report in held if report.result and report.runs and report.sized]
    params = sum((report.params for report in held if report.result), 0)
    macs = sum((report.result.macs for report in running), 0)
    memory = sum((report.activation_bytes for report in running), 0)
    line = analysis.document.location(use.path).line if analysis.document else "-"
    label = translate("report_block", lang, name=use.name, kind=use.kind, line=line, layers=len(held))
    closed = use in collapsed
    return (f'<tr class="block{" collapsed" if closed else ""}" data-block="{ids[use]}"'
            f'{_within(outer, ids, collapsed)}><td colspan="3"{_indent(len(outer))}>'
            f'<button type="button" aria-expanded="{"false" if closed else "true"}">{_text(label)}</button></td>'
            f'<td class="figure">{escape(number(params, lang))}</td><td class="figure">{escape(number(macs, lang))}</td>'
            f'<td class="figure">{escape(size(memory, lang))}</td><td></td></tr>')


def _svg(text: str) -> str:
    """An SVG document's root element, for inlining (its XML prolog and doctype dropped)."""
    return text[text.index("<svg"):]


def _plots(analysis: Analysis, lang: str, depth=None) -> list[str]:
    from convcalc.render.plots import applicable, image

    parts = [f'<h3>{_text(translate("report_plots", lang))}</h3>']
    kinds = applicable(analysis)
    if not kinds:
        return parts + [f'<p class="placeholder">{_text(translate("report_no_plots", lang))}</p>']
    if importlib.util.find_spec("matplotlib") is None:
        return parts + [f'<p class="placeholder">{_text(translate("report_plots_need", lang))}</p>']
    for kind in kinds:
        svg = _svg(image(analysis, kind, "svg", lang, depth).decode("utf-8"))
        parts.append(f'<figure class="plot" data-kind="{kind}">{svg}</figure>')
    return parts


def _diagram(analysis: Analysis, lang: str, depth=None) -> list[str]:
    """The architecture diagram of ``convcalc draw`` (convcalc.render.diagram), when installed: at
    ``--depth`` when it is a number, else at depth 1 (each outermost block use one box; the table
    below has every layer)."""
    parts = ["<!-- the diagram: convcalc.render.diagram.svg_text (convcalc draw) -->",
             f'<h3>{_text(translate("report_diagram", lang))}</h3>']
    if importlib.util.find_spec("convcalc.render.diagram") is None:
        return parts + [f'<p class="placeholder">{_text(translate("report_no_diagram", lang))}</p>']
    try:
        svg = importlib.import_module("convcalc.render.diagram").svg_text(
            analysis, depth if isinstance(depth, int) else 1, lang)
    except ConvcalcError as error:  # a layout engine missing: the page says what to install
        return parts + [f'<p class="placeholder">{_text(error.render(lang))}</p>']
    return parts + [f'<figure class="diagram">{_svg(svg)}</figure>']
