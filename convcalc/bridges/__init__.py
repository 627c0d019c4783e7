"""Bridges to the frameworks: importers turn an ONNX file or a PyTorch model into spec YAML text
(which the ordinary pipeline then reads, validates and analyses), exporters turn an analysed spec
into PyTorch source or an ONNX file.

The per-layer-type knowledge (which ONNX op or torch module is which layer type, and back) lives
in each layer class (``from_onnx``, ``to_onnx``, ``from_torch``, ``to_torch``); these modules only
walk graphs and write files.
"""

from __future__ import annotations

import importlib

from convcalc.errors import ConvcalcError

# module -> the extra that installs it
EXTRAS = {"onnx": "onnx", "onnxruntime": "onnx", "torch": "torch", "graphviz": "draw", "matplotlib": "plot"}


def require(module: str, needed_for: str):
    """The imported ``module``, or a one-line error naming the extra that installs it
    (``pip install 'convcalc[onnx]'``)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConvcalcError("needs_extra", None, module=module, extra=EXTRAS.get(module, module),
                            purpose=needed_for) from None
