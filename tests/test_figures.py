"""FLOPs, memory and receptive fields against figures worked by hand or published."""

from __future__ import annotations

from conftest import SPECS, analyze_file, analyze_text


def test_lenet_flops_by_the_stated_rules():
    # conv/dense: 2*MACs + one bias add per output; tanh: 1 per element; 2x2 avg pool: 4 per output
    expected = (2 * 117_600 + 4704) + 4704 + 4 * 1176 + (2 * 240_000 + 1600) + 1600 + 4 * 400 \
        + (2 * 48_000 + 120) + 120 + (2 * 10_080 + 84) + 84 + (2 * 840 + 10)
    assert analyze_file(SPECS / "lenet5.yaml").totals.flops == expected == 852_370


def test_lenet_memory_by_hand():
    totals = analyze_file(SPECS / "lenet5.yaml").totals
    params = 61_706 * 4
    # c1, tanh1, s2, c3, tanh2, s4, flatten, c5, tanh3, f6, tanh4, output
    activations = 4 * (4704 + 4704 + 1176 + 1600 + 1600 + 400 + 400 + 120 + 120 + 84 + 84 + 10)
    assert totals.param_bytes == params and totals.activation_bytes == activations
    # peak: c1's output and tanh1's output alive together (the input is freed after c1)
    assert totals.peak_activation_bytes == 2 * 4704 * 4
    assert totals.peak_inference_bytes == params + 2 * 4704 * 4
    # training with adam: weights + gradients + 2 moments, plus the input and every activation
    assert totals.training_bytes == 4 * params + 32 * 32 * 4 + activations


def test_peak_keeps_a_skip_connection_alive():
    analysis = analyze_text("""\
        name: skip
        input: [1, 10, 10]
        layers:
          - conv2d: {name: a, filters: 2, kernel: 3, padding: 1}
          - conv2d: {name: b, filters: 4, kernel: 3, padding: 1}
          - conv2d: {name: c, filters: 1, kernel: 3, padding: 1}
          - add: {name: join, inputs: [c, input]}
        """)
    unit = 100 * 4  # one 10x10 float32 map
    # while b runs: input (kept for the add) + a + b = 1 + 2 + 4 maps
    assert analysis.totals.peak_activation_bytes == 7 * unit


def test_batch_and_dtype_scale_memory():
    base = "name: m\ninput: [3, 8, 8]\n{extra}layers:\n  - conv2d: {{filters: 2, kernel: 3}}\n"
    single = analyze_text(base.format(extra="")).layers[0]
    half = analyze_text(base.format(extra="dtype: float16\nbatch: 8\n")).layers[0]
    assert single.activation_bytes == 2 * 6 * 6 * 4
    assert half.activation_bytes == 8 * 2 * 6 * 6 * 2
    symbolic = analyze_text(base.format(extra="batch: N\n")).layers[0]
    assert str(symbolic.activation_bytes) == "288*N"


def rf(report):
    return [int(d.size) for d in report.result.output.field.dims], [d.jump for d in report.result.output.field.dims]


def test_receptive_fields_worked_by_hand():
    analysis = analyze_text("""\
        name: rf
        input: [1, 64, 64]
        layers:
          - conv2d: {name: c1, filters: 1, kernel: 3, padding: 1}
          - conv2d: {name: c2, filters: 1, kernel: 3, padding: 1}
          - conv2d: {name: c3, filters: 1, kernel: 3, padding: 1}
          - conv2d: {name: dil, filters: 1, kernel: 3, dilation: 2, inputs: [input]}
          - conv2d: {name: s2, filters: 1, kernel: 3, stride: 2, inputs: [input]}
          - conv2d: {name: after, filters: 1, kernel: 3}
        """)
    layers = {r.name: r for r in analysis.layers}
    assert rf(layers["c3"]) == ([7, 7], [1, 1])  # 1 + 3*2
    assert rf(layers["dil"]) == ([5, 5], [1, 1])  # 1 + 2*(3-1)
    assert rf(layers["after"]) == ([7, 7], [2, 2])  # 3 + (3-1)*2
    assert [d.start for d in layers["c3"].result.output.field.dims] == [0, 0]  # padding 1 keeps it centred
    assert [d.start for d in layers["after"].result.output.field.dims] == [3, 3]


def test_published_receptive_fields():
    # Araujo, Norris & Sim, Distill 2019, table: AlexNet 195, VGG-16 212 (after the last pool)
    for spec, size in (("alexnet.yaml", 195), ("vgg16.yaml", 212)):
        pools = [r for r in analyze_file(SPECS / spec).layers if r.kind == "maxpool2d"]
        assert rf(pools[-1])[0] == [size, size], spec


def test_merge_takes_the_union_of_the_branches():
    analysis = analyze_text("""\
        name: u
        input: [1, 32, 32]
        layers:
          - conv2d: {name: small, filters: 1, kernel: 1}
          - conv2d: {name: large, filters: 1, kernel: 5, padding: 2, inputs: [input]}
          - concat: {name: both, inputs: [small, large]}
        """)
    assert rf(analysis.layers[-1]) == ([5, 5], [1, 1])
