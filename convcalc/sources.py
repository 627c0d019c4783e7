"""Where a spec comes from: a YAML file (or standard input), or a framework's model file that an
importer turns into spec text first (``model.onnx``)."""

from __future__ import annotations

from pathlib import Path

from convcalc.loading import Document, load_file

MODEL_SUFFIXES = (".onnx",)


def read_spec(path: str | Path) -> Document:
    """The Document of the spec at ``path``: an ONNX file is imported (convcalc[onnx]), anything
    else is read as YAML."""
    if str(path).lower().endswith(".onnx"):
        from convcalc.bridges.onnx_import import document

        return document(str(path))
    return load_file(path)
