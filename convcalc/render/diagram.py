"""Pictures of a network: its DAG as Graphviz DOT (laid out by Graphviz's ``dot`` into SVG, PNG or
PDF) or as a Mermaid flowchart (which GitHub renders in markdown), drawn from an Analysis alone.

One box per layer, or with ``depth`` one box per block use at that depth (block uses nested
deeper are inside it), holding the subtotals of its layers; the block uses above it are clusters.
Edges carry the shape of the tensor they carry (symbolic ones as 3xHxW); boxes carry parameters
and MACs and are shaded by their share of the network's MACs on a fixed scale (COST_BOUNDS, so
two pictures compare); a layer with an error has a red border, one with a warning an orange one,
the finding's text in its tooltip.

Escaping: nothing written in a spec reaches DOT or Mermaid as syntax. Box and cluster ids are
generated (``n3``, ``cluster_2``); user text is first drawn visible (control characters and
newlines become pictures, ``convcalc.text.visible``), then escaped for HTML-like DOT labels
(``html.escape``), DOT strings (``graphviz.escape``, which the binding then quotes) or Mermaid
(every character outside a small safe set as its ``#code;`` entity). The DOT text goes to ``dot``
on standard input; the only options are the format, chosen from RENDERED.
"""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from fractions import Fraction

from convcalc.analysis import Analysis
from convcalc.errors import ConvcalcError
from convcalc.graph import INPUT
from convcalc.i18n import translate
from convcalc.render import plain, shape_text
from convcalc.symbolic import is_concrete
from convcalc.text import number_in, shorten, visible
from convcalc.units import fixed

RENDERED = ("svg", "png", "pdf")  # made by the dot program; dot and mmd are text made here
MAX_BOXES = 3000  # past this many boxes dot takes minutes: --depth draws fewer
COST_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")  # ColorBrewer Blues, 5 classes
COST_BOUNDS = (Fraction(1, 200), Fraction(2, 100), Fraction(5, 100), Fraction(15, 100))  # MACs share per class
SEVERITY_COLOURS = {"error": "#d62728", "warning": "#ff7f0e"}
CHANGE_COLOURS = {"added": "#2ca02c", "removed": "#d62728", "changed": "#ff7f0e", "renamed": "#9467bd"}
ELIDE_BEYOND = 2  # a diff diagram keeps the unchanged layers this many edges from a changed one
_MERMAID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:+-=/()%")


@dataclass
class Box:
    """One drawn node: a layer, a block use collapsed at the depth, the input or an output."""

    id: str
    name: str
    kind: str
    clusters: tuple = ()  # the block uses around it, outermost first: ((full name, block type), ...)
    layers: list = field(default_factory=list)  # LayerReports
    findings: list = field(default_factory=list)
    role: str = "layer"  # layer | block | input | output

    @property
    def title(self) -> str:
        """The name as its cluster reads it: layer1.0.conv1 in the cluster of layer1.0 is conv1."""
        prefix = self.clusters[-1][0] + "." if self.clusters else ""
        return self.name[len(prefix):] if prefix and self.name.startswith(prefix) else self.name

    @property
    def params(self):
        return sum((report.params for report in self.layers), 0)

    @property
    def macs(self):
        return sum((report.result.macs for report in self.layers if report.result and report.runs), 0)

    @property
    def severity(self) -> str | None:
        severities = {finding.level for finding in self.findings}
        return "error" if "error" in severities else "warning" if severities else None

    @property
    def analysed(self) -> bool:
        """False when a layer in it could not be analysed (an input of it is wrong)."""
        return all(report.result is not None for report in self.layers)


@dataclass
class Picture:
    boxes: list[Box]
    edges: list[tuple[Box, Box, str, bool]]  # tail, head, the shape carried, whether it runs in this mode
    total_macs: object
    unplaced: list = field(default_factory=list)  # findings of no layer (a budget, the valid sizes)

    def cost_class(self, box: Box) -> int | None:
        """0 to 4: which of COST_BOUNDS the box's share of all MACs passes; None when symbolic."""
        if box.role not in ("layer", "block") or not is_concrete(self.total_macs) or not is_concrete(box.macs):
            return None
        share = Fraction(box.macs, self.total_macs) if self.total_macs else Fraction(0)
        return sum(share >= bound for bound in COST_BOUNDS)


def picture(analysis: Analysis, depth: int | None = None) -> Picture:
    """The boxes and edges: one box per layer, or per block use at ``depth`` (1: the outermost)."""
    input_box = Box("input", INPUT, INPUT, role="input")
    boxes, box_of = [input_box], {INPUT: input_box}
    by_key: dict[str, Box] = {}
    for report in analysis.layers:
        uses = tuple((use.name, use.kind) for use in report.node.uses)  # (full name, block type), outermost first
        if depth is not None and len(uses) >= depth:
            (key, kind), clusters, role = uses[depth - 1], uses[:depth - 1], "block"
        else:
            key, kind, clusters, role = report.name, report.kind, uses, "layer"
        box = by_key.get(key)
        if box is None:
            box = by_key[key] = Box(f"n{len(by_key)}", key, kind, clusters, role=role)
            boxes.append(box)
        box.layers.append(report)
        box_of[report.name] = box
    unplaced = []
    for finding in analysis.findings:
        if finding.level == "note":
            continue  # a note (an ordinary strided rounding) marks nothing in a picture
        (box_of[finding.layer].findings if finding.layer in box_of else unplaced).append(finding)
    if len(boxes) > MAX_BOXES:
        raise ConvcalcError("draw_too_many", None, boxes=len(boxes), limit=MAX_BOXES)
    reports = {report.name: report for report in analysis.layers}
    edges, seen = [], set()
    for report in analysis.layers:
        head = box_of[report.name]
        for source, index in report.node.sources:
            tail = box_of[source]
            if tail is not head and (tail.id, head.id) not in seen:
                seen.add((tail.id, head.id))
                shape = analysis.input_shape if source == INPUT else _output_shape(reports[source], index)
                edges.append((tail, head, shape_label(shape), report.runs))
    for number, name in enumerate(analysis.outputs):
        sink = Box(f"output{number}", name, "output", role="output")
        boxes.append(sink)
        edges.append((box_of[name], sink, shape_label(_output_shape(reports[name], None)), True))
    return Picture(boxes, edges, analysis.totals.macs, unplaced)


def _output_shape(report, index):
    if index is not None and report.shapes:
        return report.shapes[index]
    return report.shape


def shape_label(shape) -> str:
    """3x224x224, 64xHxW, 64x(floor((H + 1)/2)): '?' where the layer could not be analysed."""
    if shape is None:
        return "?"
    texts = [str(plain(size)) for size in shape]
    return "x".join(text if text.isalnum() else f"({text})" for text in texts)


def count(value, lang: str = "en") -> str:
    """11.7M, 1.8G, 864 (11,7M in Spanish), or the expression (shortened) when symbolic."""
    value = plain(value)
    if not isinstance(value, int):
        return shorten(str(value), 40)
    for power, suffix in ((4, "T"), (3, "G"), (2, "M"), (1, "k")):
        if abs(value) >= 1000 ** power:
            return number_in(fixed(Fraction(value, 1000 ** power)), lang) + suffix
    return str(value)


def _facts(box: Box, lang: str) -> str:
    """Parameters and MACs; '?' for a box with a layer that could not be analysed."""
    if not box.analysed:
        return translate("draw_figures", lang, params="?", macs="?")
    return translate("draw_figures", lang, params=count(box.params, lang), macs=count(box.macs, lang))


def _subtitle(box: Box, lang: str) -> str:
    if box.role == "block":
        return translate("draw_block", lang, kind=box.kind, layers=len(box.layers))
    if box.role == "layer" and not box.layers[0].runs:
        return f"{box.kind} ({translate('train_only', lang)})"
    return box.kind


def _tooltip_lines(box: Box, lang: str) -> list[str]:
    lines = [f"{box.name}: {_subtitle(box, lang)}" if box.role in ("layer", "block") else
             translate(f"draw_{box.role}", lang) + (f": {box.name}" if box.role == "output" else "")]
    if box.role == "layer" and box.layers[0].block:
        lines.append(box.layers[0].node.block_in(lang))
    if box.role in ("layer", "block"):
        lines.append(_facts(box, lang))
    lines += [finding.render(lang) for finding in box.findings]
    return lines


def _cluster_ids(picture: Picture) -> dict[str, str]:
    """A generated id per block use drawn as a cluster, in order of first appearance."""
    ids: dict[str, str] = {}
    for box in picture.boxes:
        for name, _ in box.clusters:
            ids.setdefault(name, f"cluster_{len(ids)}")
    return ids


def _nested(picture: Picture):
    """The boxes as a tree of clusters, in drawing order: a list whose entries are Boxes or
    ((use name, block type), [entries of that cluster])."""
    root: list = []
    places: dict[tuple, list] = {(): root}
    for box in picture.boxes:
        for level in range(len(box.clusters)):
            path = box.clusters[:level + 1]
            if path not in places:
                children: list = []
                places[path[:-1]].append((path[-1], children))
                places[path] = children
        places[box.clusters].append(box)
    return root


def _cluster_label(use: tuple, boxes: list[Box], lang: str) -> str:
    name, kind = use
    layers = [report for box in boxes for report in box.layers]
    params = sum((report.params for report in layers), 0)
    macs = sum((report.result.macs for report in layers if report.result and report.runs), 0)
    return f"{name} ({kind}): " + translate("draw_figures", lang, params=count(params, lang), macs=count(macs, lang))


def _boxes_in(entries) -> list[Box]:
    found = []
    for entry in entries:
        found += _boxes_in(entry[1]) if isinstance(entry, tuple) else [entry]
    return found


# Graphviz DOT

def _html(text: str) -> str:
    """User text inside an HTML-like DOT label: drawn visible, then entity-escaped."""
    return html.escape(visible(text), quote=True)


def _dot_string(lines: list[str]):
    """A DOT string attribute (a tooltip) of several lines, none of them read as DOT or HTML syntax."""
    import graphviz

    return graphviz.nohtml("\\n".join(graphviz.escape(visible(line)) for line in lines))


def dot_text(analysis: Analysis, depth: int | None = None, lang: str = "en") -> str:
    """The picture as Graphviz DOT source."""
    from convcalc.bridges import require

    graphviz = require("graphviz", translate("draw_purpose", lang))
    drawn = picture(analysis, depth)
    graph = graphviz.Digraph("network", graph_attr={
        "rankdir": "TB", "fontname": "Helvetica", "fontsize": "12", "labelloc": "t", "nodesep": "0.3",
        "ranksep": "0.35", "tooltip": graphviz.nohtml(graphviz.escape(visible(analysis.spec.name))),
        "label": f"<<B>{_html(analysis.spec.name)}</B>>"},
        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": "10",
                   "fillcolor": "white", "color": "#555555", "margin": "0.08,0.03"},
        edge_attr={"fontname": "Helvetica", "fontsize": "8", "color": "#666666", "arrowsize": "0.6"})
    ids = _cluster_ids(drawn)

    def add(target, entries):
        for entry in entries:
            if isinstance(entry, tuple):
                use, children = entry
                with target.subgraph(name=ids[use[0]]) as cluster:
                    cluster.attr(label=f"<{_html(_cluster_label(use, _boxes_in(children), lang))}>",
                                 style="rounded,dashed", color="#999999", fontsize="9", labeljust="l")
                    add(cluster, children)
            else:
                target.node(entry.id, **_dot_node(entry, drawn, lang))

    add(graph, _nested(drawn))
    for tail, head, shape, runs in drawn.edges:
        graph.edge(tail.id, head.id, label=graphviz.nohtml(graphviz.escape(shape)),
                   **({} if runs else {"style": "dashed"}))
    graph.node("legend", label=_dot_legend(drawn, lang), shape="plain", style="", tooltip=" ")
    return graph.source


def _dot_node(box: Box, drawn: Picture, lang: str) -> dict:
    attributes = {"tooltip": _dot_string(_tooltip_lines(box, lang))}
    if box.role in ("input", "output"):
        label = f"<<B>{_html(translate(f'draw_{box.role}', lang))}</B>" + \
            (f"<BR/>{_html(box.name)}" if box.role == "output" else "") + ">"
        return {**attributes, "label": label, "shape": "oval", "style": "filled", "fillcolor": "#f0f0f0"}
    cost = drawn.cost_class(box)
    attributes["label"] = (f"<<B>{_html(box.title)}</B><BR/>{_html(_subtitle(box, lang))}<BR/>"
                           f'<FONT POINT-SIZE="9">{_html(_facts(box, lang))}</FONT>>')
    if cost is not None:
        attributes["fillcolor"] = COST_COLOURS[cost]
        if cost >= 3:
            attributes["fontcolor"] = "white"
    attributes["style"] = "rounded,filled" + (",bold" if box.role == "block" else "") + \
        ("" if box.analysed else ",dashed")
    if box.severity:
        attributes.update(color=SEVERITY_COLOURS[box.severity], penwidth="3")
    return attributes


def _cost_ranges() -> list[str]:
    bounds = [f"{fixed(bound * 100, 1).removesuffix('.0')}%" for bound in COST_BOUNDS]
    return [f"< {bounds[0]}", *(f"{low} – {high}" for low, high in zip(bounds, bounds[1:])), f"≥ {bounds[-1]}"]


def _dot_legend(drawn: Picture, lang: str) -> str:
    rows = [f'<TR><TD COLSPAN="2"><B>{_html(translate("draw_legend_cost", lang, macs=count(drawn.total_macs, lang)))}'
            f"</B></TD></TR>"]
    if is_concrete(drawn.total_macs):
        rows += [f'<TR><TD BGCOLOR="{colour}" FIXEDSIZE="TRUE" WIDTH="18" HEIGHT="14"> </TD><TD ALIGN="LEFT">{_html(text)}</TD></TR>'
                 for colour, text in zip(COST_COLOURS, _cost_ranges())]
    else:
        rows.append(f'<TR><TD COLSPAN="2">{_html(translate("draw_legend_symbolic", lang))}</TD></TR>')
    rows += [f'<TR><TD BORDER="3" COLOR="{colour}" FIXEDSIZE="TRUE" WIDTH="18" HEIGHT="14"> </TD><TD ALIGN="LEFT">'
             f"{_html(translate(f'draw_legend_{severity}', lang))}</TD></TR>"
             for severity, colour in SEVERITY_COLOURS.items()]
    rows += [f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT COLOR="{SEVERITY_COLOURS[finding.level]}">'
             f"{_html(shorten(finding.render(lang), 200))}</FONT></TD></TR>" for finding in drawn.unplaced]
    return '<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">' + "".join(rows) + \
        "</TABLE>>"


def rendered(source: str, output_format: str, lang: str = "en") -> bytes:
    """DOT source laid out by Graphviz's dot, as SVG, PNG or PDF bytes; the source on standard input."""
    from convcalc.bridges import require

    graphviz = require("graphviz", translate("draw_purpose", lang))
    if output_format not in RENDERED:
        raise ValueError(output_format)
    if shutil.which("dot") is None:
        raise ConvcalcError("draw_needs_dot", None, format=output_format)
    try:
        return graphviz.pipe("dot", output_format, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise ConvcalcError("draw_needs_dot", None, format=output_format) from None
    except graphviz.CalledProcessError as error:
        said = (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise ConvcalcError("draw_dot_failed", None, reason=visible(said[-1] if said else str(error.returncode))) \
            from None


def svg_text(analysis: Analysis, depth: int | None = None, lang: str = "en") -> str:
    """The picture as SVG text, to embed in a page."""
    return rendered(dot_text(analysis, depth, lang), "svg", lang).decode("utf-8")


# Mermaid

def mermaid_escape(text: str) -> str:
    """User text inside a quoted Mermaid label: letters, digits and a few signs as they are, every
    other character (quotes, brackets, <, #, ;, backticks, pictures of control characters) as
    Mermaid's #code; entity, so it can close neither the label, the statement nor a markdown fence."""
    return "".join(c if c in _MERMAID_SAFE else f"#{ord(c)};" for c in visible(text))


def _mermaid_styles() -> list[str]:
    lines = [f"    classDef cost{level} fill:{colour},stroke:#555555,color:{'#ffffff' if level >= 3 else '#000000'}"
             for level, colour in enumerate(COST_COLOURS)]
    return lines + [f"    classDef {severity} stroke:{colour},stroke-width:3px"
                    for severity, colour in SEVERITY_COLOURS.items()]


def mermaid_text(analysis: Analysis, depth: int | None = None, lang: str = "en") -> str:
    """The picture as a Mermaid flowchart (top down), clusters as subgraphs."""
    drawn = picture(analysis, depth)
    ids = _cluster_ids(drawn)
    lines = ["flowchart TD", *_mermaid_styles()]
    classes = []

    def add(entries, indent):
        for entry in entries:
            if isinstance(entry, tuple):
                use, children = entry
                label = mermaid_escape(_cluster_label(use, _boxes_in(children), lang))
                lines.append(f'{indent}subgraph {ids[use[0]].replace("cluster_", "c")}["{label}"]')
                add(children, indent + "    ")
                lines.append(f"{indent}end")
            else:
                lines.append(indent + _mermaid_node(entry, lang))
                cost = drawn.cost_class(entry)
                classes.extend([f"    class {entry.id} cost{cost}"] if cost is not None else [])
                classes.extend([f"    class {entry.id} {entry.severity}"] if entry.severity else [])

    add(_nested(drawn), "    ")
    for number, finding in enumerate(drawn.unplaced):  # a budget exceeded, no valid size: beside the graph
        lines.append(f'    finding{number}["{mermaid_escape(shorten(finding.render(lang), 200))}"]')
        classes.append(f"    class finding{number} {finding.level}")
    for tail, head, shape, runs in drawn.edges:
        lines.append(f'    {tail.id} {"-->" if runs else "-.->"}|"{mermaid_escape(shape)}"| {head.id}')
    return "\n".join(lines + classes) + "\n"


def _mermaid_node(box: Box, lang: str) -> str:
    if box.role in ("input", "output"):
        text = mermaid_escape(translate(f"draw_{box.role}", lang)) + \
            (f"<br>{mermaid_escape(box.name)}" if box.role == "output" else "")
        return f'{box.id}(["{text}"])'
    parts = [box.title, _subtitle(box, lang), _facts(box, lang)]
    return f'{box.id}["{"<br>".join(mermaid_escape(part) for part in parts)}"]'


def diff_mermaid(diff, lang: str = "en") -> str:
    """What changed between two snapshots (``convcalc.snapshot.compare``) as a Mermaid flowchart:
    the after side's layers with the removed ones where they stood, each change in its colour
    (classDef added, removed, changed, renamed), the unchanged layers more than ELIDE_BEYOND edges
    from any change drawn as one elided node per connected run. Edges follow each layer's
    ``inputs`` where the snapshot has them (a lock file has not: then the order of the layers)."""
    status = {}
    for change in diff.changes:
        status[("after", change.after["name"]) if change.after else ("before", change.before["name"])] = change
    nodes, edges = _diff_graph(diff)
    changed = [node for node in nodes if node in status]
    near = _within(changed, edges, ELIDE_BEYOND)
    elided = _elided_runs([node for node in nodes if node not in near], edges)
    layers = {**{("before", layer["name"]): layer for layer in diff.before["layers"]},
              **{("after", layer["name"]): layer for layer in diff.after["layers"]}}
    ids = {node: f"n{number}" for number, node in enumerate(nodes)}
    lines = ["flowchart TD", *(f"    classDef {kind} stroke:{colour},stroke-width:3px"
                               + (",stroke-dasharray:4 3" if kind == "removed" else "")
                               for kind, colour in CHANGE_COLOURS.items()),
             "    classDef elided fill:#f6f6f6,stroke:#bbbbbb,color:#666666"]
    for number, run in enumerate(elided):
        for node in run:
            ids[node] = f"e{number}"
        lines.append(f'    e{number}["{mermaid_escape(translate("draw_elided", lang, layers=len(run)))}"]')
    for node in nodes:
        if node in near:
            layer = layers[node]
            parts = [layer["name"], layer["type"]]
            if node in status:
                change = status[node]
                parts.append(translate(f"draw_change_{change.kind}", lang, old=(change.before or {}).get("name", "")))
                shapes = [shape_text(side.get("output_shape")) for side in (change.before, change.after) if side]
                if len(shapes) == 2 and shapes[0] != shapes[1]:
                    parts.append(" -> ".join(shapes))
            lines.append(f'    {ids[node]}["{"<br>".join(mermaid_escape(part) for part in parts)}"]')
    drawn = set()
    for tail, head in edges:
        pair = (ids[tail], ids[head])
        if pair[0] != pair[1] and pair not in drawn:
            drawn.add(pair)
            lines.append(f"    {pair[0]} {'-.->' if 'before' in (tail[0], head[0]) else '-->'} {pair[1]}")
    lines += [f"    class {ids[node]} {status[node].kind}" for node in changed]
    lines += [f"    class e{number} elided" for number in range(len(elided))]
    return "\n".join(lines) + "\n"


def _diff_graph(diff) -> tuple[list[tuple], list[tuple]]:
    """The layers of both sides as ("after"|"before", name), in the after side's order with each
    removed layer after the one it followed, and the edges between them."""
    after_names = {layer["name"] for layer in diff.after["layers"]}
    counterpart = {change.before["name"]: change.after["name"] for change in diff.changes
                   if change.before and change.after}
    removed = {change.before["name"] for change in diff.changes if change.kind == "removed"}
    anchored: dict = {}  # after-side name (None: the start) -> the removed layers that follow it
    anchor = None
    for layer in diff.before["layers"]:
        name = layer["name"]
        if name in removed:
            anchored.setdefault(anchor, []).append(("before", name))
        elif counterpart.get(name, name) in after_names:
            anchor = counterpart.get(name, name)
    nodes = list(anchored.get(None, []))
    for layer in diff.after["layers"]:
        nodes += [("after", layer["name"]), *anchored.get(layer["name"], [])]

    def before_node(name):
        if name in removed:
            return ("before", name)
        return ("after", counterpart.get(name, name)) if counterpart.get(name, name) in after_names else None

    edges = _side_edges(diff.after["layers"], lambda name: ("after", name))
    edges += [edge for edge in _side_edges(diff.before["layers"], before_node)
              if any(node and node[0] == "before" for node in edge)]
    members = set(nodes)
    return nodes, [edge for edge in edges if edge[0] in members and edge[1] in members]


def _side_edges(layers: list[dict], node_of) -> list[tuple]:
    """(tail, head) per input of each layer, as ``node_of`` names the layers; a lock file, which
    holds no inputs, reads the layers in order."""
    edges, previous = [], None
    for layer in layers:
        sources = layer.get("inputs")
        if not isinstance(sources, list) or not all(isinstance(source, str) for source in sources):
            # a lock file: the layers in order
            sources = [previous] if previous else []
        for source in sources:
            if source != INPUT:
                edges.append((node_of(source), node_of(layer["name"])))
        previous = layer["name"]
    return edges


def _within(starts: list, edges: list[tuple], steps: int) -> set:
    """The nodes at most ``steps`` edges (either way) from one of ``starts``."""
    neighbours: dict = {}
    for tail, head in edges:
        neighbours.setdefault(tail, set()).add(head)
        neighbours.setdefault(head, set()).add(tail)
    reached, frontier = set(starts), set(starts)
    for _ in range(steps):
        frontier = {other for node in frontier for other in neighbours.get(node, ())} - reached
        reached |= frontier
    return reached


def _elided_runs(nodes: list, edges: list[tuple]) -> list[list]:
    """The elided nodes grouped into connected runs, in order."""
    members = set(nodes)
    group = {node: node for node in nodes}

    def root(node):
        while group[node] != node:
            group[node] = group[group[node]]
            node = group[node]
        return node

    for tail, head in edges:
        if tail in members and head in members:
            group[root(tail)] = root(head)
    runs: dict = {}
    for node in nodes:
        runs.setdefault(root(node), []).append(node)
    return list(runs.values())
