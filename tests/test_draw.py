"""`convcalc draw` (render.diagram) and `diff --format markdown --diagram`: every format through the
command line, the pictures read back and counted against the network, the escaping of what a spec
writes, and the messages when Graphviz is missing.

Counts worked by hand from the specs:

LeNet-5 (specs/lenet5.yaml): 12 layers in a chain (c1, tanh1, s2, c3, tanh2, s4, flatten1, c5, tanh3,
    f6, tanh4, output), so 12 layer boxes, the input and one output: 14 boxes, and 13 edges
    (input -> c1, 11 between layers, output -> the sink). c1: conv 5x5, 6 filters on 1x32x32 gives
    6x28x28; s4 gives 16x5x5, flatten 400.
ResNet-18 (specs/resnet18.yaml): a stem of 4 layers (conv1, bn1, relu, maxpool), 8 block uses
    (layer1.0, layer1.1, layer2.0 ... layer4.1) of 7 layers (basic) or 9 (basic_down, the three
    layerN.0 of stages 2-4: the projection conv and batch norm), a head of 3 (avgpool, flatten, fc):
    4 + 5*7 + 3*9 + 3 = 69 layers, 8 clusters. At --depth 1 each use is one box: 4 + 8 + 3 = 15.
    layer1.0's subtotals: two 3x3 convs 64 -> 64 without bias, 3*3*64*64 = 36,864 parameters each,
    two batch norms of 2*64 = 128: 73,984 ("74.0k"); MACs 2 * 56*56*64 * 3*3*64 = 231,211,008
    ("231.2M").
"""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from conftest import SPECS
from convcalc.cli import main

LENET = str(SPECS / "lenet5.yaml")
RESNET18 = str(SPECS / "resnet18.yaml")
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing (make test installs it)")
needs_binding = pytest.mark.skipif(not __import__("importlib").util.find_spec("graphviz"),
                                   reason="the graphviz package is missing (pip install 'convcalc[draw]')")

# Findings at their layers: 5x5 through a 2x2 kernel at stride 2 is (5 - 2)/2 + 1 = 2.5, rounded down
# with a warning; the second conv's 3x3 kernel does not fit the 2x2 map that leaves: an error.
FLAWED = """\
name: flawed
input: [1, 5, 5]
layers:
  - conv2d: {name: halving, filters: 2, kernel: 2, stride: 2}
  - conv2d: {name: too_big, filters: 2, kernel: 3}
  - relu: {name: after}
"""

# Symbolic sizes: a 3x3 conv with padding 1 keeps H and W, so the edges read 3xHxW and 8xHxW.
SYMBOLIC = """\
name: symbolic
input: [3, H, W]
layers:
  - conv2d: {name: conv, filters: 8, kernel: 3, padding: 1}
  - relu: {name: act}
"""

# What a spec may write that is DOT, HTML, Mermaid or markdown syntax: a block's name (a use without a
# name is named after it) and the network's name, with quotes, braces, <, a newline and an escape.
HOSTILE_NAME = 'evil"] n9 -> n9 [label="x"]; {<b>&}`\n```\x1b[2J\\'
HOSTILE = json.dumps({"name": HOSTILE_NAME, "input": [1, 8, 8],
                      "blocks": {HOSTILE_NAME: {"layers": [{"conv2d": {"name": "conv", "filters": 2, "kernel": 3}},
                                                           {"relu": {"name": "act"}}]}},
                      "layers": [HOSTILE_NAME, "flatten"]})  # JSON is YAML


def cli(*args):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"convcalc {' '.join(map(str, args))} raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    return result


def draw(spec, path, *options):
    result = cli("draw", spec, "-o", path, *options)
    assert result.exit_code in (0, 1), result.output
    return result


def written(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def svg_groups(path, kind):
    """The <g class=KIND> elements of an SVG that dot wrote: node, edge, cluster."""
    root = ET.parse(path).getroot()
    return [group for group in root.iter(f"{SVG}g") if group.get("class") == kind]


def texts(group) -> list[str]:
    return [element.text for element in group.iter(f"{SVG}text") if element.text]


def layer_groups(path):
    """The boxes of layers and block uses (their ids are n0, n1, ...), not the input, outputs or legend."""
    return [group for group in svg_groups(path, "node") if re.fullmatch(r"n\d+", group.find(f"{SVG}title").text)]


# ----- every format through the command line -------------------------------------------------------

@needs_binding
@needs_dot
def test_svg_has_a_box_per_layer_and_the_shapes_on_its_edges(tmp_path):
    path = tmp_path / "lenet.svg"
    result = draw(LENET, path)
    assert result.exit_code == 0 and result.stdout.strip() == str(path)
    boxes = layer_groups(path)
    assert len(boxes) == 12
    assert [texts(box)[0] for box in boxes] == ["c1", "tanh1", "s2", "c3", "tanh2", "s4", "flatten1", "c5", "tanh3",
                                                 "f6", "tanh4", "output"]
    assert len(svg_groups(path, "node")) == 12 + 1 + 1 + 1  # the input, one output and the legend
    edges = svg_groups(path, "edge")
    assert len(edges) == 13
    labels = [texts(edge)[0] for edge in edges]
    assert labels[:2] == ["1x32x32", "6x28x28"] and "16x5x5" in labels and "400" in labels and labels[-1] == "10"
    c1 = texts(boxes[0])
    # c1: (5*5*1 + 1)*6 = 156 parameters, 28*28*6 * 5*5 = 117,600 MACs
    assert c1 == ["c1", "conv2d", "156 params · 117.6k MACs"]
    assert svg_groups(path, "cluster") == []


@needs_binding
@needs_dot
def test_blocks_are_clusters_and_collapse_at_a_depth(tmp_path):
    full, collapsed = tmp_path / "full.svg", tmp_path / "depth1.svg"
    draw(RESNET18, full)
    draw(RESNET18, collapsed, "--depth", "1")
    assert len(layer_groups(full)) == 69
    clusters = svg_groups(full, "cluster")
    assert len(clusters) == 8
    assert texts(clusters[0]) == ["layer1.0 (basic): 74.0k params · 231.2M MACs"]
    # inside its cluster a layer goes by its name in the block, its tooltip by its full name
    conv = layer_groups(full)[4]
    assert texts(conv) == ["conv1", "conv2d", "36.9k params · 115.6M MACs"]
    tooltip = next(anchor.get("{http://www.w3.org/1999/xlink}title") for anchor in conv.iter(f"{SVG}a"))
    assert tooltip.startswith("layer1.0.conv1: conv2d\nlayer1.0 (basic, line ")
    boxes = layer_groups(collapsed)
    assert len(boxes) == 15 and svg_groups(collapsed, "cluster") == []
    assert texts(boxes[4]) == ["layer1.0", "basic · 7 layers", "74.0k params · 231.2M MACs"]
    assert texts(boxes[6])[:2] == ["layer2.0", "basic_down · 9 layers"]
    # the edge between two collapsed uses carries the tensor between them: stage 1 keeps 64x56x56
    assert "64x56x56" in [texts(edge)[0] for edge in svg_groups(collapsed, "edge")]


@needs_binding
@needs_dot
def test_png_is_a_picture(tmp_path):
    from PIL import Image

    path = tmp_path / "lenet.png"
    draw(LENET, path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width > 200 and height > 1000  # 14 boxes one under another
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 10  # not blank: text, borders and shades


@needs_binding
@needs_dot
def test_pdf_and_a_forced_format(tmp_path):
    pdf = tmp_path / "lenet.pdf"
    draw(LENET, pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    forced = tmp_path / "picture.bin"
    draw(LENET, forced, "--format", "svg")
    assert forced.read_text(encoding="utf-8").lstrip().startswith("<?xml")


@needs_binding
def test_dot_text_reads_back(tmp_path):
    path = tmp_path / "lenet.dot"
    draw(LENET, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("digraph network {")
    assert len(re.findall(r"^\s*n\d+ \[", text, re.MULTILINE)) == 12
    assert len(re.findall(r"^\s*\w+ -> \w+", text, re.MULTILINE)) == 13
    assert re.search(r"^\s*input -> n0 \[label=\"1x32x32\"\]", text, re.MULTILINE)


def test_mermaid_text_counts(tmp_path):
    path = tmp_path / "lenet.mmd"
    draw(LENET, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "flowchart TD"
    assert len([line for line in lines if re.fullmatch(r'\s*n\d+\["[^"]*"\]', line)]) == 12
    edges = [line for line in lines if "-->" in line]
    assert len(edges) == 13
    assert edges[1].split() == ["n0", '-->|"6x28x28"|', "n1"]


def test_mermaid_of_blocks_has_subgraphs(tmp_path):
    path = tmp_path / "resnet.mmd"
    draw(RESNET18, path)
    text = path.read_text(encoding="utf-8")
    assert text.count("subgraph ") == 8 and len(re.findall(r"^\s*end$", text, re.MULTILINE)) == 8
    assert len(re.findall(r'^\s*n\d+\["', text, re.MULTILINE)) == 69
    collapsed = tmp_path / "resnet1.mmd"
    draw(RESNET18, collapsed, "--depth", "1")
    assert len(re.findall(r'^\s*n\d+\["', collapsed.read_text(encoding="utf-8"), re.MULTILINE)) == 15


def test_symbolic_shapes_on_the_edges(tmp_path):
    spec = written(tmp_path, "symbolic.yaml", SYMBOLIC)
    mermaid = tmp_path / "s.mmd"
    draw(spec, mermaid)
    text = mermaid.read_text(encoding="utf-8")
    assert '-->|"3xHxW"| n0' in text and 'n0 -->|"8xHxW"| n1' in text
    assert "class n0 cost" not in text  # symbolic MACs: no share to shade by
    sized = tmp_path / "sized.mmd"
    draw(spec, sized, "--set", "H=32", "--set", "W=32")
    assert 'n0 -->|"8x32x32"| n1' in sized.read_text(encoding="utf-8")


@needs_binding
def test_symbolic_legend_says_why_there_is_no_shading(tmp_path):
    spec = written(tmp_path, "symbolic.yaml", SYMBOLIC)
    path = tmp_path / "s.dot"
    draw(spec, path)
    text = path.read_text(encoding="utf-8")
    assert "symbolic sizes: not shaded by cost" in text and "#08519c" not in text
    assert 'label="3xHxW"' in text and 'label="8xHxW"' in text


# ----- cost shading and findings ----------------------------------------------------------------------

def test_cost_classes_follow_the_share_of_macs(tmp_path):
    """LeNet-5's 416,520 MACs: c3's 240,000 are 57.6% (the darkest class, at least 15%), c1's 117,600
    28.2% (also the darkest), c5's 48,000 11.5% (5% to 15%: class 3), f6's 10,080 2.4% (2% to 5%:
    class 2), output's 840 0.2% (under 0.5%: class 0)."""
    path = tmp_path / "lenet.mmd"
    draw(LENET, path)
    text = path.read_text(encoding="utf-8")
    ids = dict(re.findall(r'^\s*(n\d+)\["([a-z0-9]+)<br>', text, re.MULTILINE))
    classes = {ids[node]: level for node, level in re.findall(r"^\s*class (n\d+) cost(\d)$", text, re.MULTILINE)}
    assert classes["c3"] == "4" and classes["c1"] == "4" and classes["c5"] == "3" and classes["f6"] == "2"
    assert classes["output"] == "0" and classes["tanh1"] == "0"


@needs_binding
def test_errors_and_warnings_are_marked_at_their_layer(tmp_path):
    spec = written(tmp_path, "flawed.yaml", FLAWED)
    path = tmp_path / "flawed.dot"
    result = draw(spec, path)
    assert result.exit_code == 1  # drawn, and inconsistent
    nodes = dict(re.findall(r"^\s*(n\d+) \[(.*)\]$", path.read_text(encoding="utf-8"), re.MULTILINE))
    assert 'color="#ff7f0e"' in nodes["n0"] and "3/2 is not a whole number" in nodes["n0"]
    assert 'color="#d62728"' in nodes["n1"] and "the window (3) is larger than the padded input" in nodes["n1"]
    assert "? params · ? MACs" in nodes["n1"]
    assert "#d62728" not in nodes["n2"] and "dashed" in nodes["n2"]  # not analysed: its input is wrong
    mermaid = tmp_path / "flawed.mmd"
    draw(spec, mermaid)
    text = mermaid.read_text(encoding="utf-8")
    assert "class n0 warning" in text and "class n1 error" in text
    assert "class n2 error" not in text and "class n2 warning" not in text


@needs_binding
@needs_dot
def test_the_finding_is_the_tooltip_in_the_svg(tmp_path):
    spec = written(tmp_path, "flawed.yaml", FLAWED)
    path = tmp_path / "flawed.svg"
    draw(spec, path)
    root = ET.parse(path).getroot()
    titles = [anchor.get("{http://www.w3.org/1999/xlink}title") or "" for anchor in root.iter(f"{SVG}a")]
    error = next(title for title in titles if title.startswith("too_big"))
    assert error.splitlines()[0] == "too_big: conv2d" and "the window (3) is larger" in error.splitlines()[-1]


def test_a_finding_of_no_layer_stands_beside_the_graph(tmp_path):
    """A budget of 10 parameters against a conv of (3*3*1 + 1)*2 = 20: over by 100%, at no layer."""
    spec = written(tmp_path, "budget.yaml", "name: b\ninput: [1, 8, 8]\nbudget: {params: 10}\nlayers:\n"
                                            "  - conv2d: {name: c, filters: 2, kernel: 3}\n")
    mermaid = tmp_path / "b.mmd"
    assert draw(spec, mermaid).exit_code == 1
    text = mermaid.read_text(encoding="utf-8")
    assert re.search(r'finding0\[".*params is 20, over the budget of 10 by 100\.0%"\]', text)
    assert "class finding0 error" in text and "class n0 error" not in text


# ----- the diff's diagram -------------------------------------------------------------------------------

def test_diff_markdown_carries_a_diagram_of_the_change(tmp_path):
    """fc of 1000 -> 10 units: the only change. Within two edges of it: flatten and avgpool; the other
    69 - 3 = 66 layers form one elided run."""
    after = written(tmp_path, "resnet18.yaml", (SPECS / "resnet18.yaml").read_text(encoding="utf-8")
                    .replace("units: 1000", "units: 10"))
    result = cli("diff", RESNET18, after, "--format", "markdown", "--diagram")
    assert result.exit_code == 0, result.output
    diagram = result.stdout.split("```mermaid\n", 1)[1].split("```", 1)[0]
    lines = diagram.splitlines()
    assert lines[0] == "flowchart TD"
    nodes = [line for line in lines if re.fullmatch(r'\s*[ne]\d+\["[^"]*"\]', line)]
    assert len(nodes) == 4
    assert any("66 unchanged layers" in line for line in nodes)
    assert '["fc<br>dense<br>changed<br>1000 -#62; 10"]' in diagram  # its output shape before and after
    fc = next(line for line in nodes if '["fc<br>' in line).split("[")[0].strip()
    assert [line.strip() for line in lines if line.strip().startswith("class ")] == [f"class {fc} changed",
                                                                                      "class e0 elided"]
    assert len([line for line in lines if "-->" in line]) == 3
    assert "```mermaid" not in cli("diff", RESNET18, after, "--format", "markdown").stdout


def test_diff_diagram_shows_added_and_removed_layers(tmp_path):
    before = written(tmp_path, "a.yaml", "name: a\ninput: [1, 8, 8]\nlayers:\n  - conv2d: {name: c1, filters: 2, "
                     "kernel: 3}\n  - relu: {name: r1}\n  - flatten: {name: f}\n")
    after = written(tmp_path, "b.yaml", "name: b\ninput: [1, 8, 8]\nlayers:\n  - conv2d: {name: c1, filters: 2, "
                    "kernel: 3}\n  - tanh: {name: t1}\n  - flatten: {name: f}\n")
    result = cli("diff", before, after, "--format", "markdown", "--diagram")
    diagram = result.stdout.split("```mermaid\n", 1)[1]
    assert re.search(r'(n\d+)\["t1<br>tanh<br>added"\]', diagram)
    assert re.search(r'(n\d+)\["r1<br>relu<br>removed"\]', diagram)
    assert sorted(re.findall(r"class n\d+ (\w+)", diagram)) == ["added", "removed"]
    assert len(re.findall(r"-\.->", diagram)) == 2  # c1 -> r1 -> f, dashed: the before side


def test_diff_diagram_needs_markdown():
    result = cli("diff", LENET, LENET, "--diagram")
    assert result.exit_code == 2 and "--format markdown" in result.output


# ----- escaping -------------------------------------------------------------------------------------------

def test_hostile_names_stay_text_in_mermaid(tmp_path):
    spec = written(tmp_path, "hostile.yaml", HOSTILE)
    path = tmp_path / "h.mmd"
    draw(spec, path)
    text = path.read_text(encoding="utf-8")
    assert "\x1b" not in text and "```" not in text and "`" not in text and "<b>" not in text
    for line in text.splitlines()[1:]:
        assert re.fullmatch(r'\s*(classDef \w+ [^"]+|class n\d+ \w+|end|subgraph c\d+\["[^"\n]*"\]|'
                            r'(n\d+|input|output\d+)(\["[^"]*"\]|\(\["[^"]*"\]\))|'
                            r'\w+ -->\|"[^"]*"\| \w+)', line), line
    assert "#34;" in text and "#123;" in text and "#60;" in text and "#9226;" in text  # " { < and ␊ (a newline)


def test_hostile_names_in_a_diff_diagram(tmp_path):
    """A lock file's layer names are any text: the diagram keeps them text."""
    lock = json.loads(cli("lock", LENET, "-o", tmp_path / "a.lock.json").stdout and
                      (tmp_path / "a.lock.json").read_text(encoding="utf-8"))
    lock["layers"][0]["name"] = 'x"]\nclick n0 call alert()\n```'
    (tmp_path / "b.lock.json").write_text(json.dumps(lock), encoding="utf-8")
    result = cli("diff", tmp_path / "a.lock.json", tmp_path / "b.lock.json", "--format", "markdown", "--diagram")
    diagram = result.stdout.split("```mermaid\n", 1)[1].rsplit("```", 1)[0]
    assert "```" not in diagram and "\x1b" not in diagram
    assert not any(line.lstrip().startswith("click") for line in diagram.splitlines())
    assert '["x#34;#93;#9226;click n0 call alert()#9226;#96;#96;#96;<br>conv2d<br>renamed from c1"]' in diagram


@needs_binding
@needs_dot
def test_hostile_names_stay_text_in_dot_and_svg(tmp_path):
    spec = written(tmp_path, "hostile.yaml", HOSTILE)
    path = tmp_path / "h.svg"
    result = draw(spec, path)
    assert result.exit_code == 0, result.output
    assert len(layer_groups(path)) == 3  # the use's conv and relu, and flatten: no node injected
    assert len(svg_groups(path, "edge")) == 4 and len(svg_groups(path, "cluster")) == 1
    shown = " ".join(text for group in svg_groups(path, "cluster") for text in texts(group))
    assert 'evil"] n9 -> n9 [label="x"]; {<b>&}`␊```␛[2J\\' in shown
    root = ET.parse(path).getroot()
    assert 'evil"] n9' in "".join(texts(root))  # the network's name, the title


@needs_binding
def test_hostile_names_in_dot_text_parse_as_one_node_each(tmp_path):
    spec = written(tmp_path, "hostile.yaml", HOSTILE)
    path = tmp_path / "h.dot"
    draw(spec, path)
    text = path.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\n```" not in text
    assert len(re.findall(r"^\s*n\d+ \[", text, re.MULTILINE)) == 3
    assert "&lt;b&gt;&amp;" in text  # the HTML-like labels: entities


# ----- messages --------------------------------------------------------------------------------------------

@needs_binding
def test_a_missing_dot_program_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli("draw", LENET, "-o", tmp_path / "x.svg")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "drawing svg needs Graphviz's dot program: apt-get install graphviz (brew install graphviz on macOS); "
        ".dot and .mmd need no program"]
    assert not (tmp_path / "x.svg").exists()
    assert cli("draw", LENET, "-o", tmp_path / "x.dot").exit_code == 0  # text needs no program


def test_a_missing_graphviz_package_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "graphviz", None)
    result = cli("draw", LENET, "-o", tmp_path / "x.dot")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("drawing a network needs the Python package graphviz: "
                                     "pip install 'convcalc[draw]'")
    assert cli("draw", LENET, "-o", tmp_path / "x.mmd").exit_code == 0  # Mermaid needs nothing


def test_unknown_suffix_and_existing_file(tmp_path):
    result = cli("draw", LENET, "-o", tmp_path / "x.jpg")
    assert result.exit_code == 2 and "--format" in result.stderr and ".mmd" in result.stderr
    target = tmp_path / "x.mmd"
    target.write_text("mine", encoding="utf-8")
    assert cli("draw", LENET, "-o", target).exit_code == 2 and target.read_text(encoding="utf-8") == "mine"
    assert cli("draw", LENET, "-o", target, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("flowchart TD")
    assert cli("draw", LENET, "-o", tmp_path / "y.mmd", "--depth", "0").exit_code == 2


def test_spanish_labels(tmp_path):
    path = tmp_path / "lenet.mmd"
    draw(LENET, path, "--lang", "es")
    text = path.read_text(encoding="utf-8")
    assert "156 par#225;metros #183; 117,6k MACs" in text and "entrada" in text


@needs_binding
@needs_dot
def test_svg_text_for_embedding():
    from conftest import analyze_file
    from convcalc.render.diagram import svg_text

    svg = svg_text(analyze_file(LENET), depth=None)
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg" and len([g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]) == 15
    assert io.StringIO(svg).read().count('class="edge"') == 13


@needs_binding
@needs_dot
def test_the_readme_picture_is_what_its_command_draws(tmp_path):
    """docs/resnet18.svg, made by the command the README prints: the same boxes, texts and edges."""
    from conftest import ROOT

    assert "convcalc draw specs/resnet18.yaml --depth 1 -o docs/resnet18.svg" in (ROOT / "README.md").read_text(
        encoding="utf-8")
    fresh = tmp_path / "resnet18.svg"
    draw(RESNET18, fresh, "--depth", "1")
    committed = ROOT / "docs" / "resnet18.svg"
    for kind in ("node", "edge", "cluster"):
        assert [texts(group) for group in svg_groups(committed, kind)] == [texts(group) for group in
                                                                           svg_groups(fresh, kind)]
