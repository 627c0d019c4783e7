"""Random exercises on one small network, with the spec and the answer key `convcalc check` grades.

    quiz = make_quiz(seed=3, count=5, topics=["conv", "pool", "dense"], lang="es")
    quiz.questions  # markdown: the numbered exercises
    quiz.spec       # the network's YAML spec (layers named l1, l2, ...)
    quiz.key        # the ANSWERS YAML: `convcalc check spec key` finds every answer right

The network is drawn with ``random.Random(seed)`` only, so the same seed, count, topics and
language give byte-identical texts; the spec and the key do not depend on the language. Every
figure in the key comes from convcalc's own analysis of the spec. Sizes never fall below 1; a
size formula whose division is not exact (PyTorch rounds it down) is said so in the exercise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from convcalc.i18n import translate

TOPICS = ("conv", "pool", "dense", "tconv")
DEFAULT_TOPICS = TOPICS

# Inputs as the lecture notes write them: height x width x channels.
INPUTS = ((28, 28, 1), (32, 32, 1), (32, 32, 3), (64, 64, 3), (96, 96, 3), (224, 224, 3), (227, 227, 3))
SMALL_INPUTS = ((28, 28, 1), (32, 32, 1), (32, 32, 3))
# (kernel F, stride S, padding P); 'same' only with stride 1 (output = input).
CONV_WINDOWS = ((1, 1, 0), (3, 1, 0), (3, 1, 1), (3, 1, "same"), (5, 1, 0), (5, 1, 2), (5, 1, "same"),
                (3, 2, 0), (3, 2, 1), (4, 2, 1), (5, 2, 2), (7, 2, 3), (5, 3, 0), (11, 4, 0), (11, 4, 2))
POOL_WINDOWS = ((2, 2, 0), (3, 2, 0), (3, 2, 1), (2, 1, 0), (3, 1, 1))
TCONV_WINDOWS = ((2, 2, 0), (4, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 0), (5, 1, 2))
FILTERS = (4, 6, 8, 10, 12, 16, 24, 32, 64)
HIDDEN_UNITS = (16, 32, 64, 84, 100, 120, 128, 256)
OUTPUT_UNITS = (2, 4, 10, 100)
MAX_TCONV_SIZE = 128  # a transposed convolution does not grow the map beyond this


@dataclass
class Quiz:
    questions: str  # markdown, in the language asked
    spec: str  # YAML spec of the network
    key: str  # ANSWERS YAML for `convcalc check`


@dataclass
class _Layer:
    name: str
    kind: str  # conv | maxpool | avgpool | tconv | flatten | dense
    fields: dict
    floor: bool = False  # the size division is inexact: PyTorch floors
    macs: bool = False  # the exercise also asks the MACs
    source: str | None = None  # for flatten: the layer flattened (None: the input)


def parse_topics(text: str) -> list[str]:
    """'conv, pool,dense' -> ['conv', 'pool', 'dense']; ValueError naming an unknown topic."""
    chosen = [part.strip().lower() for part in str(text).split(",") if part.strip()]
    if not chosen:
        raise ValueError("")
    for topic in chosen:
        if topic not in TOPICS:
            raise ValueError(topic)
    return chosen


def _normal_topics(topics) -> list[str]:
    chosen = list(dict.fromkeys(topics or DEFAULT_TOPICS))
    unknown = [topic for topic in chosen if topic not in TOPICS]
    if unknown or not chosen:
        raise ValueError(f"unknown topic {unknown[0]!r}; topics: {', '.join(TOPICS)}" if unknown
                         else f"no topic; topics: {', '.join(TOPICS)}")
    return [topic for topic in TOPICS if topic in chosen]  # the order given does not change the quiz


def _window_output(size: int, kernel: int, stride: int, padding) -> tuple[int, bool]:
    """O = floor((W - F + 2P)/S) + 1 (or W for 'same' at stride 1) and whether the division is inexact."""
    if padding == "same":
        return -(-size // stride), False
    numerator = size - kernel + 2 * padding
    if numerator < 0:
        return 0, False
    return numerator // stride + 1, numerator % stride != 0


def _tconv_output(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size - 1) * stride - 2 * padding + kernel


def _pick_window(rng: random.Random, size: int, windows, output) -> tuple[tuple, int, bool]:
    """A window that keeps the size >= min(2, size) (a size-keeping one always qualifies)."""
    floor_size = min(2, size)
    fitting = []
    for window in windows:
        result = output(size, *window)
        out, inexact = result if isinstance(result, tuple) else (result, False)
        if out >= floor_size:
            fitting.append((window, out, inexact))
    return rng.choice(fitting)


def _draw(rng: random.Random, count: int, topics: list[str]) -> tuple[tuple[int, int, int], list[_Layer]]:
    kinds = [rng.choice(topics) for _ in range(count)]
    spatial = [kind for kind in kinds if kind != "dense"]
    dense = len(kinds) - len(spatial)
    if spatial and set(spatial) != {"tconv"}:
        shape = rng.choice(INPUTS)
    else:
        shape = rng.choice(SMALL_INPUTS)
    size, channels = shape[0], shape[2]
    layers: list[_Layer] = []

    def name() -> str:
        return f"l{len(layers) + 1}"

    for kind in spatial:
        if kind == "conv":
            (kernel, stride, padding), size, inexact = _pick_window(rng, size, CONV_WINDOWS, _window_output)
            channels = rng.choice(FILTERS)
            layers.append(_Layer(name(), "conv", {"filters": channels, "kernel": kernel, "stride": stride,
                                                  "padding": padding}, floor=inexact, macs=rng.random() < 0.35))
        elif kind == "pool":
            (kernel, stride, padding), size, inexact = _pick_window(rng, size, POOL_WINDOWS, _window_output)
            mode = rng.choice(("maxpool", "avgpool"))
            layers.append(_Layer(name(), mode, {"kernel": kernel, "stride": stride, "padding": padding},
                                 floor=inexact))
        else:
            growing = [w for w in TCONV_WINDOWS if _tconv_output(size, *w) <= max(size, MAX_TCONV_SIZE)]
            (kernel, stride, padding), size, _ = _pick_window(rng, size, growing, _tconv_output)
            channels = rng.choice(FILTERS)
            layers.append(_Layer(name(), "tconv", {"filters": channels, "kernel": kernel, "stride": stride,
                                                   "padding": padding}))
    if dense:
        source = layers[-1].name if layers else None
        layers.append(_Layer(name(), "flatten", {}, source=source))
        for index in range(dense):
            units = rng.choice(OUTPUT_UNITS if index == dense - 1 else HIDDEN_UNITS)
            layers.append(_Layer(name(), "dense", {"units": units}))
    return shape, layers


SPEC_TYPES = {"conv": "conv2d", "maxpool": "maxpool2d", "avgpool": "avgpool2d", "tconv": "conv_transpose2d",
              "flatten": "flatten", "dense": "dense"}


def _spec_text(seed: int, count: int, topics: list[str], shape, layers: list[_Layer]) -> str:
    lines = [f"# convcalc quiz --seed {seed} --count {count} --topics {','.join(topics)}",
             f"name: quiz-{seed}",
             "layout: hwc",
             f"input: [{shape[0]}, {shape[1]}, {shape[2]}]",
             "layers:"]
    for layer in layers:
        fields = ", ".join([f"name: {layer.name}"] + [f"{key}: {value}" for key, value in layer.fields.items()])
        lines.append(f"  - {SPEC_TYPES[layer.kind]}: {{{fields}}}")
    return "\n".join(lines) + "\n"


def _analyse(spec_text: str):
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.loading import load_document
    from convcalc.spec import parse_spec

    document = load_document(spec_text, "quiz.yaml")
    analysis = analyze_document(document, parse_spec(document), Options())
    if analysis.errors:  # the generator keeps every size >= 1: this would be a bug
        raise RuntimeError("generated quiz spec is inconsistent: " + "; ".join(f.render() for f in analysis.errors))
    return analysis


def _key_text(analysis, layers: list[_Layer]) -> str:
    from convcalc.analysis import display

    reports = {report.name: report for report in analysis.layers}
    lines = ["# Answer key: convcalc check quiz.yaml key.yaml", "layers:"]
    for layer in layers:
        if layer.kind == "flatten":
            continue
        result = reports[layer.name].result
        shape = "x".join(str(int(dim)) for dim in display(result.output.dims, analysis.spec.layout))
        figures = [f"output_shape: {shape}", f"params: {int(result.trainable)}"]
        if layer.macs:
            figures.append(f"macs: {int(result.macs)}")
        lines.append(f"  {layer.name}: {{{', '.join(figures)}}}")
    lines.append(f"totals: {{params: {int(analysis.totals.params)}}}")
    return "\n".join(lines) + "\n"


def _exercise(layer: _Layer, previous: _Layer | None, lang: str) -> str:
    sentences = []
    fields = layer.fields
    if layer.kind == "conv":
        if fields["padding"] == "same":
            sentences.append(translate("quiz_conv_same", lang, layer=layer.name, filters=fields["filters"],
                                       kernel=fields["kernel"], stride=fields["stride"]))
        else:
            sentences.append(translate("quiz_conv", lang, layer=layer.name, filters=fields["filters"],
                                       kernel=fields["kernel"], stride=fields["stride"], padding=fields["padding"]))
    elif layer.kind == "maxpool":
        sentences.append(translate("quiz_maxpool", lang, layer=layer.name, kernel=fields["kernel"],
                                   stride=fields["stride"], padding=fields["padding"]))
    elif layer.kind == "avgpool":
        sentences.append(translate("quiz_avgpool", lang, layer=layer.name, kernel=fields["kernel"],
                                   stride=fields["stride"], padding=fields["padding"]))
    elif layer.kind == "tconv":
        sentences.append(translate("quiz_tconv", lang, layer=layer.name, filters=fields["filters"],
                                   kernel=fields["kernel"], stride=fields["stride"], padding=fields["padding"]))
    else:
        if previous is not None and previous.kind == "flatten":
            if previous.source is None:
                sentences.append(translate("quiz_flatten_input", lang, flatten=previous.name))
            else:
                sentences.append(translate("quiz_flatten", lang, flatten=previous.name, source=previous.source))
        sentences.append(translate("quiz_dense", lang, layer=layer.name, units=fields["units"]))
    if layer.floor:
        sentences.append(translate("quiz_floor", lang))
    if layer.kind == "dense":
        sentences.append(translate("quiz_ask_dense", lang))
    elif layer.macs:
        sentences.append(translate("quiz_ask_macs", lang))
    else:
        sentences.append(translate("quiz_ask", lang))
    return " ".join(sentences)


def _questions(seed: int, shape, layers: list[_Layer], lang: str) -> str:
    parts = [f"# {translate('quiz_title', lang, seed=seed)}", "",
             translate("quiz_intro", lang, input=f"{shape[0]}x{shape[1]}x{shape[2]}"), ""]
    number = 0
    previous = None
    for layer in layers:
        if layer.kind != "flatten":
            number += 1
            parts.append(f"{number}. {_exercise(layer, previous, lang)}")
        previous = layer
    parts += ["", translate("quiz_total", lang), "", translate("quiz_instructions", lang)]
    return "\n".join(parts) + "\n"


def make_quiz(seed: int, count: int, topics: list[str] | None = None, lang: str = "en") -> Quiz:
    """``count`` exercises (one per layer: output size and parameters, for some convolutions the
    MACs too) on one random network drawn from ``topics`` (conv, pool, dense, tconv)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a whole number >= 1, got {count!r}")
    chosen = _normal_topics(topics)
    rng = random.Random(seed)
    shape, layers = _draw(rng, count, chosen)
    spec = _spec_text(seed, count, chosen, shape, layers)
    analysis = _analyse(spec)
    return Quiz(questions=_questions(seed, shape, layers, lang), spec=spec, key=_key_text(analysis, layers))
