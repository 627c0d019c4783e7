"""`convcalc analyze --format html [-o FILE]`: the page's structure read with the standard library's
HTML parser (the browser tests in test_report_browser.py look at it as a person does).

ResNet-18 (specs/resnet18.yaml) by hand: conv1, bn1, relu, maxpool; 8 basic blocks of conv, bn,
relu, conv, bn, add, relu (7 layers each, 56); the first block of stages 2-4 also has a downsample
conv and bn (6); avgpool, flatten, fc: 4 + 56 + 6 + 3 = 69 layers, 8 block uses, 7 layers outside them.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file
from convcalc.cli import main
from report_browser import need

LENET = str(SPECS / "lenet5.yaml")


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of the page outside <style> and <script>."""

    def __init__(self, text: str):
        super().__init__()
        self.tags, self.text, self.scripts, self._skip = [], [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script"):
            self._skip = tag

    def handle_endtag(self, tag):
        if tag == self._skip:
            self._skip = None

    def handle_data(self, data):
        (self.scripts if self._skip == "script" else self.text if self._skip is None else []).append(data)

    def having(self, tag, css_class=None):
        return [attrs for name, attrs in self.tags if name == tag and (
            css_class is None or css_class in attrs.get("class", "").split())]


def run(*args):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture(scope="module")
def resnet18_page():
    need("matplotlib")
    return Page(run("analyze", "resnet18", "--format", "html").output)


def test_the_page_to_standard_output():
    need("matplotlib")
    result = run("analyze", LENET, "--format", "html")
    assert result.exit_code == 0
    assert result.output.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    page = Page(result.output)
    assert len(page.having("tr", "layer")) == 12 and not page.having("tr", "block")  # LeNet-5 has no blocks
    assert [attrs["data-kind"] for attrs in page.having("figure", "plot")] == ["memory", "costs", "field"]
    text = " ".join(page.text)
    assert "61,706" in text and "416,520" in text  # the documented parameters and MACs (test_cli_documented)
    assert "Conventions" in text and "convcalc report: LeNet-5" in text


def test_self_contained(resnet18_page):
    """No address leaves the page: no src or href anywhere, and a policy that forbids any request."""
    page = resnet18_page
    linked = [(tag, attrs) for tag, attrs in page.tags if {"src", "href", "xlink:href"} & set(attrs)
              and not all(value.startswith("#") for key, value in attrs.items() if key in ("href", "xlink:href"))]
    assert linked == []
    policy = [attrs["content"] for attrs in page.having("meta") if attrs.get("http-equiv") == "Content-Security-Policy"]
    assert policy and policy[0].startswith("default-src 'none'")
    assert len(page.having("script")) == 1 and not page.having("link")


def test_block_uses_open_rows_that_hold_their_layers(resnet18_page):
    page = resnet18_page
    layers, blocks = page.having("tr", "layer"), page.having("tr", "block")
    assert len(layers) == 69 and len(blocks) == 8
    assert sum("data-in" not in attrs for attrs in layers) == 7
    ids = [attrs["data-block"] for attrs in blocks]
    held = {block: sum(attrs.get("data-in") == block for attrs in layers) for block in ids}
    assert sorted(held.values()) == [7] * 5 + [9] * 3  # a block with a downsample holds 9 layers
    text = " ".join(page.text)  # specs/resnet18.yaml line 42: `- basic: {name: layer1, filters: 64, repeat: 2}`
    assert "layer1.0 (basic, line 42): 7 layers" in text and "layer2.0 (basic_down, line 43): 9 layers" in text


def test_written_to_a_file_only_through_output(tmp_path):
    need("matplotlib")
    target = tmp_path / "report.html"
    result = run("analyze", LENET, "--format", "html", "-o", target)
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    again = run("analyze", LENET, "--format", "html", "-o", target)
    assert again.exit_code == 2 and "exists" in again.output
    assert run("analyze", LENET, "--format", "html", "-o", target, "--force").exit_code == 0


def test_in_spanish():
    need("matplotlib")
    output = run("analyze", LENET, "--format", "html", "--lang", "es").output
    page = Page(output)
    text = " ".join(page.text)
    assert output.startswith('<!DOCTYPE html>\n<html lang="es">')
    for heading in ("Totales", "Capas", "Gráficos", "Arquitectura", "Convenciones", "Plegar todos los bloques"):
        assert heading in text, heading
    assert "61\u00a0706" in text  # digits grouped as the Spanish table groups them


def test_escaped_and_with_every_diagnostic(tmp_path):
    """A spec named like a script, in a file named like a tag, with a warning and an error: the page
    shows them as text, and its one script is its own."""
    spec = tmp_path / "<b onmouseover=alert(1)>.yaml"
    spec.write_text('name: "<script>alert(1)</script> & co"\ninput: [1, 8, 8]\nlayers:\n'
                    "  - {type: conv2d, filters: 2, kernel: 3, stride: 2}\n  - {type: relu}\n"
                    "  - {type: conv2d, filters: 2, kernel: 7}\n", encoding="utf-8")
    result = run("analyze", spec, "--format", "html")
    assert result.exit_code == 1  # the second convolution's 7x7 window does not fit in 3x3
    page = Page(result.output)
    assert len(page.having("script")) == 1 and not [tag for tag, _ in page.tags if tag == "b"]
    text = " ".join(page.text)
    assert "convcalc report: <script>alert(1)</script> & co" in text
    assert len(page.having("ul", "warnings")) == 1 and len(page.having("ul", "errors")) == 1
    assert "<b onmouseover=alert(1)>.yaml:4:5: conv1: along H, W" in text
    assert "No plots: the network has errors (see above)." in text
    assert page.having("tr", "flagged-error") and page.having("tr", "flagged-warning")


def test_a_layer_name_from_elsewhere_is_escaped():
    """The schema refuses such a layer name, but the page does not count on it: a name that reaches
    the renderer by another way (an importer) is text."""
    from convcalc.render import html

    analysis = analyze_file(SPECS / "lenet5.yaml")
    analysis.layers[-1].node.name = "<script>alert(1)</script>"  # the output: no layer reads it
    import io

    stream = io.StringIO()
    html.write([analysis], "en", stream)
    page = Page(stream.getvalue())
    assert len(page.having("script")) == 1
    assert "<script>alert(1)</script>" in page.text


def test_symbolic_input_shows_the_conditions_and_the_scaling_plot():
    need("matplotlib")
    page = Page(run("analyze", LENET, "--format", "html", "--input", "1xHxW").output)
    text = " ".join(page.text)
    assert "Valid input sizes" in text and "Conditions by layer" in text
    assert [attrs["data-kind"] for attrs in page.having("figure", "plot")] == ["scaling"]


def test_the_diagram_has_its_place():
    need("matplotlib")
    import importlib.util

    output = run("analyze", LENET, "--format", "html").output
    assert "<!-- the diagram: convcalc.render.diagram.svg_text (convcalc draw) -->" in output
    if importlib.util.find_spec("convcalc.render.diagram") is None:
        assert "The architecture diagram appears here when convcalc can draw it" in output
    else:
        assert '<figure class="diagram"><svg' in output


@pytest.mark.parametrize("lang, note", [("en", "The plots need the Python package matplotlib: "
                                                "pip install 'convcalc[plot]'"),
                                        ("es", "Los gráficos necesitan el paquete de Python matplotlib")])
def test_without_matplotlib_the_page_says_what_to_install(lang, note, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "matplotlib"
                        else real(name, *args))
    page = Page(run("analyze", LENET, "--format", "html", "--lang", lang).output)
    assert note in " ".join(page.text) and not page.having("figure", "plot")


def test_output_takes_every_format(tmp_path):
    """-o is no HTML special case: the JSON written is the JSON printed."""
    import json

    target = tmp_path / "lenet5.json"
    assert run("analyze", LENET, "--format", "json", "-o", target).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(run("analyze", LENET, "--format", "json").output)


def test_an_unwritable_output_is_one_line(tmp_path):
    result = run("analyze", LENET, "--format", "html", "-o", tmp_path / "missing" / "report.html")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "cannot write" in result.output


@pytest.mark.parametrize("depth, closed", [("blocks", 8), ("2", 8), ("3", 0)])
def test_depth_starts_the_block_uses_it_cuts_collapsed(depth, closed):
    """ResNet-18's block uses are layer1.0 ... layer4.1: two parts deep, so --depth 2 (and blocks) cuts
    all 8, --depth 3 none; a collapsed use hides its layers: 62 of 69 with all 8."""
    page = Page(run("analyze", "resnet18", "--format", "html", "--depth", depth).output)
    blocks = page.having("tr", "block")
    assert sum("collapsed" in attrs["class"].split() for attrs in blocks) == closed
    assert sum("hidden" in attrs for attrs in page.having("tr", "layer")) == (62 if closed else 0)


def test_without_graphviz_the_diagram_place_says_what_to_install(monkeypatch):
    import importlib.util
    import sys

    if importlib.util.find_spec("convcalc.render.diagram") is None:
        pytest.skip("convcalc draw is not installed here")
    monkeypatch.setitem(sys.modules, "graphviz", None)  # as if the binding were not installed
    page = Page(run("analyze", LENET, "--format", "html").output)
    assert "drawing a network needs the Python package graphviz: pip install 'convcalc[draw]'" in page.text
    assert not page.having("figure", "diagram")


def test_quiet_keeps_the_diagnostics_alone(tmp_path):
    """A 3x3 stride-2 window on 8x8: (8 - 3)/2 = 5/2 is inexact (a warning); then a 7x7 window on the
    3x3 output does not fit (an error). -q leaves no totals, table, plots nor diagram."""
    spec = tmp_path / "two.yaml"
    spec.write_text("name: two\ninput: [1, 8, 8]\nlayers:\n  - {type: conv2d, filters: 2, kernel: 3, stride: 2}\n"
                    "  - {type: conv2d, filters: 2, kernel: 7}\n", encoding="utf-8")
    page = Page(run("analyze", spec, "--format", "html", "-q").output)
    assert len(page.having("ul", "warnings")) == 1 and len(page.having("ul", "errors")) == 1
    assert not page.having("table") and not page.having("figure") and not page.having("dl")
