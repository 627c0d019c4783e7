"""The HTML report as a person sees it: opened from file:// in headless chromium (tests/report_browser.py),
a screenshot taken and looked at, rows counted in the DOM, a block collapsed by a click, the console
and the requests the page makes watched.

ResNet-18 by hand (see test_report_html.py): 69 layers, 8 block uses, 7 layers outside them;
layer1.0 holds 7 layers, layer2.0 (with its downsample) 9.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from convcalc.cli import main
from report_browser import browser_page, need


@pytest.fixture(scope="module")
def resnet18_report(tmp_path_factory):
    need("matplotlib")
    target = tmp_path_factory.mktemp("report") / "resnet18.html"
    result = CliRunner().invoke(main, ["analyze", "resnet18", "--format", "html", "-o", str(target)])
    assert result.exit_code == 0, result.output
    return target


def visible_rows(page, selector="tr.layer") -> int:
    return page.locator(selector).evaluate_all("rows => rows.filter(row => row.offsetParent !== null).length")


def colours(png: bytes):
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        return rgb.size, rgb.getcolors(maxcolors=1 << 24)


def test_the_report_in_the_browser(resnet18_report, tmp_path):
    need("PIL")
    with browser_page(tmp_path) as page:
        page.goto(resnet18_report.as_uri())
        page.wait_for_load_state("load")
        assert page.title() == "convcalc report: ResNet-18"
        assert page.locator("tr.layer").count() == 69 and page.locator("tr.block").count() == 8
        assert visible_rows(page) == 69
        assert page.locator("figure.plot svg").count() == 3

        size, seen = colours(page.screenshot(full_page=True))
        assert size[0] == 1280 and size[1] > 3000  # the whole page: totals, three plots, 77 rows
        assert len(seen) > 50
        white = sum(count for count, colour in seen if colour == (255, 255, 255))
        assert white / (size[0] * size[1]) < 0.97
        header_blue = sum(count for count, colour in seen if colour == (0x4C, 0x72, 0xB0))
        assert header_blue > 1000  # the table's header row and the plots' bars

        # collapsing layer1.0 hides its 7 rows and nothing else; clicking again shows them
        toggle = page.locator("tr.block button").first
        assert toggle.inner_text().startswith("layer1.0 (basic, line 42)")
        toggle.click()
        assert visible_rows(page) == 62 and toggle.get_attribute("aria-expanded") == "false"
        layer1_0 = page.locator("tr.layer", has_text="layer1.0.conv1")
        assert not layer1_0.is_visible() and page.locator("tr.layer", has_text="layer1.1.conv1").is_visible()
        toggle.click()
        assert visible_rows(page) == 69 and layer1_0.is_visible()

        page.get_by_role("button", name="Collapse all blocks").click()
        assert visible_rows(page) == 7 and visible_rows(page, "tr.block") == 8
        page.get_by_role("button", name="Expand all blocks").click()
        assert visible_rows(page) == 69

        assert [message for message in page.console if message[0] in ("error", "warning")] == []
        assert page.requests == [resnet18_report.as_uri()]  # nothing but the page itself


def test_the_viewport_is_not_blank_in_spanish(tmp_path):
    need("matplotlib", "PIL")
    target = tmp_path / "lenet5.html"
    assert CliRunner().invoke(main, ["analyze", "lenet5", "--format", "html", "--lang", "es",
                                     "-o", str(target)]).exit_code == 0
    with browser_page(tmp_path, width=1024, height=768) as page:
        page.goto(target.as_uri())
        assert page.locator("h3", has_text="Capas").is_visible()
        size, seen = colours(page.screenshot())
        assert size == (1024, 768) and len(seen) > 20
        assert page.locator("tr.layer").count() == 12
        assert page.console == [] and page.requests == [target.as_uri()]


def test_a_script_in_the_spec_does_not_run(tmp_path):
    spec = tmp_path / "evil.yaml"
    spec.write_text('name: "<script>alert(1)</script><img src=x onerror=alert(2)>"\ninput: [1, 8, 8]\nlayers:\n'
                    "  - {type: conv2d, filters: 2, kernel: 3}\n", encoding="utf-8")
    target = tmp_path / "evil.html"
    assert CliRunner().invoke(main, ["analyze", str(spec), "--format", "html", "-o", str(target)]).exit_code == 0
    with browser_page(tmp_path) as page:
        page.goto(target.as_uri())
        page.wait_for_load_state("load")
        assert page.dialogs == []
        assert page.locator("h2").inner_text() == "<script>alert(1)</script><img src=x onerror=alert(2)>"
        assert page.locator("img").count() == 0
        assert page.requests == [target.as_uri()]


NESTED = """name: nested
input: [1, 8, 8]
blocks:
  unit:
    params: {filters: null}
    layers:
      - conv2d: {name: conv, filters: $filters, kernel: 3, padding: 1}
      - relu: {name: relu}
  pair:
    params: {filters: null}
    layers:
      - unit: {name: first, filters: $filters}
      - unit: {name: second, filters: $filters}
layers:
  - pair: {name: stage, filters: 2}
  - flatten: {}
"""


def test_nested_blocks_collapse_inside_each_other(tmp_path):
    """stage holds first and second, each a conv and a relu; flatten1 stands outside: 5 layers, 3 block rows."""
    spec = tmp_path / "nested.yaml"
    spec.write_text(NESTED, encoding="utf-8")
    target = tmp_path / "nested.html"
    assert CliRunner().invoke(main, ["analyze", str(spec), "--format", "html", "-o", str(target)]).exit_code == 0
    with browser_page(tmp_path) as page:
        page.goto(target.as_uri())
        stage, first = (page.locator("tr.block button", has_text=name) for name in ("stage (pair", "first (unit"))
        assert visible_rows(page) == 5 and visible_rows(page, "tr.block") == 3
        first.click()
        assert visible_rows(page) == 3 and not page.locator("tr.layer", has_text="stage.first.conv").is_visible()
        stage.click()
        assert visible_rows(page) == 1 and visible_rows(page, "tr.block") == 1  # flatten1, and stage's own row
        stage.click()  # first stays collapsed inside the open stage
        assert visible_rows(page) == 3 and page.locator("tr.layer", has_text="stage.second.relu").is_visible()
        assert page.console == []
