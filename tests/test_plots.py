"""`convcalc plot`: the four kinds, as PNG (checked with Pillow) and SVG (parsed with xml.etree), the
figures they draw worked out by hand, and the refusals (one line, exit code 2).

LeNet-5 (1x32x32, float32; the figures of tests/test_cli_documented.py's docstring), activation
bytes alive after each layer's output is allocated, its inputs freed after their last reader:
    input 4,096; c1 +18,816 = 22,912, input freed; tanh1 +18,816 = 37,632 (the peak), c1 freed;
    s2 +4,704 = 23,520; c3 +6,400 = 11,104; tanh2 +6,400 = 12,800; s4 +1,600 = 8,000;
    flatten +1,600 = 3,200; c5 +480 = 2,080; tanh3 +480 = 960; f6 +336 = 816; tanh4 +336 = 672;
    output +40 = 376.
Receptive fields: c1 5, tanh1 5, s2 5 + (2-1)*1 = 6 (jump 2), c3 6 + (5-1)*2 = 14, tanh2 14,
    s4 14 + (2-1)*2 = 16 (jump 4); flatten sees the whole input.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text
from convcalc.analysis import alive_bytes
from convcalc.cli import main
from report_browser import need

LENET = str(SPECS / "lenet5.yaml")
LENET_NAMES = ["c1", "tanh1", "s2", "c3", "tanh2", "s4", "flatten1", "c5", "tanh3", "f6", "tanh4", "output"]
LENET_ALIVE = [22912, 37632, 23520, 11104, 12800, 8000, 3200, 2080, 960, 816, 672, 376]
SVG = "{http://www.w3.org/2000/svg}"

# One 3x3 convolution, 4 filters, on 1xHxW: valid for H = W >= 3; params (3*3*1 + 1)*4 = 40 (160 bytes);
# MACs 4*(H-2)^2 * 9; output 4*(H-2)^2 values (16*(H-2)^2 bytes); input 4*H^2 bytes.
ONE_CONV = """
    name: one conv
    input: [1, H, W]
    layers:
      - {type: conv2d, filters: 4, kernel: 3}
"""


def run(*args):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def texts(svg: bytes) -> list[str]:
    """Every text the SVG shows (matplotlib writes text as text: svg.fonttype none)."""
    root = ElementTree.fromstring(svg)
    assert root.tag == SVG + "svg"
    return ["".join(element.itertext()) for element in root.iter(SVG + "text")]


def test_alive_bytes_follow_the_schedule_by_hand():
    analysis = analyze_file(SPECS / "lenet5.yaml")
    assert alive_bytes(analysis.layers, 1 * 32 * 32 * 4) == LENET_ALIVE
    assert analysis.totals.peak_activation_bytes == max(LENET_ALIVE) == 2 * 18816


def test_field_series_by_hand():
    from convcalc.render.plots import field_series

    names, sizes, jumps = field_series(analyze_file(SPECS / "lenet5.yaml"))
    assert names == LENET_NAMES[:6]
    assert sizes == [[5, 5, 6, 14, 14, 16]] * 2
    assert jumps == [1, 1, 2, 2, 2, 4]


def test_scaling_series_by_hand():
    need("matplotlib")
    from convcalc.render.plots import scaling_series

    varied, sizes, series = scaling_series(analyze_text(ONE_CONV, input_shape=(1, "H", "W")))
    # candidates 3..512 (8 x 3 < 512): 510 sizes, every ceil(510/64) = 8th: 3, 11, ..., 507
    assert varied == ["H", "W"] and sizes == list(range(3, 508, 8))
    assert series["macs"] == [36 * (s - 2) ** 2 for s in sizes]
    assert series["activations"] == [16 * (s - 2) ** 2 for s in sizes]
    assert series["peak"] == [160 + 4 * s * s + 16 * (s - 2) ** 2 for s in sizes]
    # adam: parameters, gradients and two moments (4 x 160), the input and every activation
    assert series["training"] == [640 + 4 * s * s + 16 * (s - 2) ** 2 for s in sizes]


def test_scaling_keeps_to_the_valid_sizes():
    """strict: the pool's (H - 2)/2 must be whole, so H is even, and at least 4 (a 2x2 window on H - 2 >= 2)."""
    need("matplotlib")
    from convcalc.render.plots import scaling_series

    spec = ONE_CONV.replace("layers:", "strict: true\n    layers:") + "      - {type: maxpool2d, kernel: 2}\n"
    _, sizes, _ = scaling_series(analyze_text(spec))
    # even sizes 4..512: 255 of them, every ceil(255/64) = 4th
    assert sizes == list(range(4, 513, 8))


@pytest.mark.parametrize("kind", ["memory", "costs", "field"])
def test_png_of_each_kind(kind, tmp_path):
    need("matplotlib", "PIL")
    from PIL import Image

    target = tmp_path / f"{kind}.png"
    result = run("plot", LENET, "--kind", kind, "-o", target)
    assert result.exit_code == 0, result.output
    assert result.output == f"{target}: {kind} plot\n"
    with Image.open(target) as image:
        assert image.format == "PNG"
        assert image.size == (1000, 750 if kind == "costs" else 550)  # figsize x 100 dpi
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20)
    assert len(colours) > 20  # lines, fills, text: far from blank
    white = sum(count for count, colour in colours if colour == (255, 255, 255))
    assert 0.3 < white / (image.size[0] * image.size[1]) < 0.99
    if kind == "memory":  # the peak marker's red
        assert any(colour == (0xC4, 0x4E, 0x52) for _, colour in colours)


def test_memory_svg_names_the_peak():
    need("matplotlib")
    from convcalc.render.plots import image

    shown = texts(image(analyze_file(SPECS / "lenet5.yaml"), "memory", "svg"))
    assert "peak 36.8 KiB at tanh1" in shown  # 37,632 bytes = 36.75 KiB
    assert [text for text in shown if text in LENET_NAMES] == LENET_NAMES  # each layer under its step
    assert "LeNet-5: activation memory alive at each step (one inference pass)" in shown


def test_costs_svg_names_each_panels_largest_layer():
    """Params: c5 (48,120); MACs: c3 (240,000); activation bytes: c1 (18,816, before tanh1's equal figure)."""
    need("matplotlib")
    from convcalc.render.plots import image

    shown = texts(image(analyze_file(SPECS / "lenet5.yaml"), "costs", "svg"))
    names = [text for text in shown if text in LENET_NAMES]  # each layer under its bar, and the three named
    assert sorted(names) == sorted(LENET_NAMES + ["c5", "c3", "c1"])


def test_svg_through_the_command_line_in_spanish(tmp_path):
    need("matplotlib")
    target = tmp_path / "field.SVG"
    assert run("plot", "lenet5", "--kind", "field", "-o", target, "--lang", "es").exit_code == 0
    shown = texts(target.read_bytes())
    assert "LeNet-5: campo receptivo a lo largo de la red" in shown
    assert "tamaño de la entrada (32)" in shown


def test_scaling_svg_through_the_command_line(tmp_path):
    need("matplotlib")
    target = tmp_path / "scaling.svg"
    result = run("plot", "resnet18", "--kind", "scaling", "--input", "3xHxW", "-o", target)
    assert result.exit_code == 0, result.output
    shown = texts(target.read_bytes())
    assert "input size H = W" in shown and "peak inference memory" in shown


def test_names_are_text_in_the_plot(tmp_path):
    """A spec name with $ (matplotlib's mathematics) and markup is drawn as written, escaped in the SVG."""
    need("matplotlib")
    from convcalc.render.plots import image

    analysis = analyze_text(ONE_CONV.replace("one conv", '"<b>$5 & $6</b>"'), input_shape=(1, 8, 8))
    svg = image(analysis, "memory", "svg")
    assert "<b>" not in svg.decode()
    assert "<b>$5 & $6</b>: activation memory alive at each step (one inference pass)" in texts(svg)


@pytest.mark.parametrize("args, message", [
    (["--kind", "memory", "-o", "x.jpg"], "the plot's file name ends in .png or .svg (the image format); got 'x.jpg'"),
    (["--kind", "scaling", "-o", "x.png"], "the scaling plot shows costs as functions of the input size"),
    (["--kind", "memory", "--input", "1xHxW", "-o", "x.png"], "the memory plot needs numbers, and the input is symbolic (H, W)"),
])
def test_refusals_are_one_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("plot", LENET, *args)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output, result.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_an_inconsistent_network_is_not_plotted(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\ninput: [1, 4, 4]\nlayers:\n  - {type: conv2d, filters: 2, kernel: 5}\n")
    result = run("plot", spec, "-o", tmp_path / "bad.png")
    assert result.exit_code == 2 and "only a consistent one is plotted" in result.output


def test_an_existing_image_needs_force(tmp_path):
    need("matplotlib")
    target = tmp_path / "memory.svg"
    target.write_text("mine")
    assert run("plot", LENET, "-o", target).exit_code == 2 and target.read_text() == "mine"
    assert run("plot", LENET, "-o", target, "--force").exit_code == 0
    assert texts(target.read_bytes())


def test_without_matplotlib_one_line_names_the_extra(tmp_path):
    probe = ("import sys; sys.modules['matplotlib'] = None; sys.argv = ['convcalc'] + sys.argv[1:]\n"
             "from convcalc.cli import run; run()")
    done = subprocess.run([sys.executable, "-c", probe, "plot", LENET, "-o", "x.png"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "drawing plots needs the Python package matplotlib: pip install 'convcalc[plot]'\n"
    assert not (tmp_path / "x.png").exists()


def test_the_readme_shows_a_plot_of_each_kind():
    """Each of the four kinds is in the README as a committed image beside the command that made it."""
    import re

    from conftest import ROOT

    need("PIL")
    from PIL import Image

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"`convcalc plot (\S+) --kind (\w+)(?: --input (\S+))? -o (docs/plots/\S+\.png)`", readme)
    assert sorted(kind for _, kind, _, _ in commands) == sorted(["memory", "costs", "field", "scaling"])
    for spec, kind, _, path in commands:
        assert f"]({path})" in readme  # shown
        with Image.open(ROOT / path) as image:
            assert image.format == "PNG" and image.size == (1000, 750 if kind == "costs" else 550)
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 20


def test_a_symbolic_batch_alone_is_the_scaling_axis():
    """input 1x8x8, batch N: MACs are per sample (4*6*6*9 = 1,296 whatever N); the output's 4*6*6
    values take 576 bytes per sample."""
    need("matplotlib")
    from convcalc.render.plots import scaling_series

    spec = ONE_CONV.replace("input: [1, H, W]", "input: [1, 8, 8]\n    batch: N")
    varied, sizes, series = scaling_series(analyze_text(spec))
    assert varied == ["N"] and sizes[0] == 1 and len(sizes) == 64
    assert series["macs"] == [1296] * 64 and series["activations"] == [576 * n for n in sizes]


def test_a_flat_input_has_no_field_plot(tmp_path):
    spec = tmp_path / "mlp.yaml"
    spec.write_text("name: mlp\ninput: [16]\nlayers:\n  - {type: dense, units: 4}\n")
    result = run("plot", spec, "--kind", "field", "-o", tmp_path / "field.png")
    assert result.exit_code == 2 and "no receptive field to plot" in result.output
    assert not (tmp_path / "field.png").exists()


def test_costs_per_group_at_depth(tmp_path):
    """ResNet-18 at --depth 1: conv1, bn1, relu, maxpool, layer1..layer4, avgpool, flatten, fc. layer1 is
    two basic blocks of two 3x3 convs 64 -> 64 on 56x56 (36,864 weights, 115,605,504 MACs each) and two
    batch norms (128 parameters each); its 14 layers each output 64x56x56 floats (802,816 bytes)."""
    need("matplotlib")
    from convcalc.render.plots import cost_rows

    rows = cost_rows(analyze_file(SPECS / "resnet18.yaml"), 1)
    assert [name for name, *_ in rows] == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3",
                                           "layer4", "avgpool", "flatten", "fc"]
    assert rows[4] == ("layer1", 4 * (36864 + 128), 4 * 115605504, 14 * 802816)
    target = tmp_path / "costs.svg"
    result = run("plot", "resnet18", "--kind", "costs", "--depth", "1", "-o", target)
    assert result.exit_code == 0, result.output
    shown = texts(target.read_bytes())
    assert "ResNet-18: parameters, MACs and activation memory per group (--depth 1)" in shown
    names = [name for name, *_ in rows]
    # each group under its bar, and each panel's largest named: params layer4 (its 512-channel convs),
    # MACs and memory layer1 (4 x 115.6M MACs; 14 outputs at 56x56, the largest maps)
    assert sorted(text for text in shown if text in names or text.startswith("layer1.")) == \
        sorted(names + ["layer4", "layer1", "layer1"])
