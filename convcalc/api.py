"""The Python API: what the command line does, as functions returning the typed analysis.

>>> import convcalc
>>> analysis = convcalc.analyze("name: tiny\\ninput: [3, 32, 32]\\nlayers:\\n  - conv2d: {filters: 8, kernel: 3}\\n")
>>> analysis.layers[0].shape, analysis.totals.trainable, analysis.totals.macs
((8, 30, 30), 224, 194400)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convcalc.analysis import Analysis
    from convcalc.loading import Document


def analyze(source: Any, *, input: tuple | str | None = None, values: dict[str, int] | None = None,
            params: dict | None = None, mode: str = "eval", strict: bool | None = None,
            optimizer: str = "adam", budgets: dict[str, int] | None = None) -> Analysis:
    """Analyse ``source``: a spec file's path (``.yaml``, or ``.onnx`` with convcalc[onnx]), a shipped
    spec's name (``"resnet50"``), spec YAML text (any string with a line break), a parsed spec
    (a dict as YAML gives it), an ``onnx.ModelProto``, or a ``torch.nn.Module`` (``input`` then
    required, without the batch: ``(3, 224, 224)``).

    The keywords are the command line's: ``input`` (``--input``, a tuple or ``"3x160x160"``),
    ``values`` (``--set H=224``), ``params`` (``--param``), ``mode``, ``strict``, ``optimizer``,
    ``budgets`` (``--max-params`` ...: {"params": 25_000_000}). Returns the Analysis the renderers
    use: per layer (``analysis.layers``) its shape, parameters, MACs, FLOPs, memory and receptive
    field; ``totals``; ``conditions`` (valid sizes for symbolic inputs); ``findings``. Raises
    ``convcalc.ConvcalcError`` when the source cannot be read or is not a valid spec; an
    inconsistent network is an analysis with ``errors``."""
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.spec import parse_spec

    shape = _input_shape(input)
    document = _document(source, shape)
    options = Options(values=dict(values or {}), strict=strict, optimizer=optimizer, budgets=dict(budgets or {}),
                      input_shape=shape, params=dict(params or {}), mode=mode)
    return analyze_document(document, parse_spec(document), options)


def from_torch(module, input_shape) -> str:
    """The spec YAML text of a ``torch.nn.Module`` traced at ``input_shape`` (without the batch):
    what ``convcalc import --torch`` writes. Needs convcalc[torch]."""
    from convcalc.bridges.torch_import import spec_text_of_module

    return spec_text_of_module(module, _input_shape(input_shape))


def from_onnx(model) -> str:
    """The spec YAML text of an ONNX model (an ``onnx.ModelProto`` or a path): what ``convcalc
    import model.onnx`` writes. Needs convcalc[onnx]."""
    from convcalc.bridges import onnx_import

    if isinstance(model, (str, os.PathLike)):
        return onnx_import.spec_text(str(model))
    return onnx_import.spec_text_of_model(model, "<onnx model>")


def document_of(analysis: Analysis, lang: str = "en") -> dict:
    """The analysis as plain data: what ``convcalc analyze --format json`` writes for one spec."""
    from convcalc.render import document

    return document(analysis, lang)


def _document(source, shape) -> Document:
    from convcalc.loading import load_document
    from convcalc.sources import read_spec

    if isinstance(source, os.PathLike) or isinstance(source, str) and "\n" not in source:
        from convcalc.shipped import resolve_spec

        return read_spec(resolve_spec(os.fspath(source)))
    if isinstance(source, str):
        return load_document(source, "<string>")
    if isinstance(source, dict):
        import yaml

        return load_document(yaml.safe_dump(source, sort_keys=False, allow_unicode=True), "<dict>")
    kind = f"{type(source).__module__}.{type(source).__qualname__}"
    if kind.startswith("onnx") and hasattr(source, "graph"):
        return load_document(from_onnx(source), "<onnx model>")
    if _is_torch_module(source):
        if shape is None:
            raise TypeError("a torch module is analysed at an input: give input=(3, 224, 224)")
        return load_document(from_torch(source, shape), f"<{type(source).__name__}>")
    raise TypeError(f"cannot analyse a {kind}: give a path, spec YAML text, a dict, an onnx.ModelProto or a "
                    "torch.nn.Module")


def _is_torch_module(source) -> bool:
    import sys

    torch = sys.modules.get("torch")  # never imported here: a module given is one torch made
    return torch is not None and isinstance(source, torch.nn.Module)


def _input_shape(value) -> tuple | None:
    """(3, 160, 160), [3, "H", "W"] or "3x160x160" as a tuple of sizes and symbol names."""
    if value is None:
        return None
    if isinstance(value, str):
        import re

        value = [part for part in re.split(r"[x×,\s\[\]()]+", value.strip()) if part]
        value = [int(part) if part.isdigit() else part for part in value]
    return tuple(value)
