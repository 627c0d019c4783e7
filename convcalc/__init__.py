"""convcalc: a static calculator of CNN shapes, parameters, MACs/FLOPs, memory and receptive fields.

The Python API (``convcalc.analyze``, ``from_torch``, ``from_onnx``, ``document_of``; see
``convcalc.api``) is imported on first use, so that the command line starts without it.
"""

__version__ = "0.1.0"

__all__ = ["Analysis", "ConvcalcError", "__version__", "analyze", "document_of", "from_onnx", "from_torch"]

_API = {"analyze": "convcalc.api", "from_torch": "convcalc.api", "from_onnx": "convcalc.api",
        "document_of": "convcalc.api", "Analysis": "convcalc.analysis", "ConvcalcError": "convcalc.errors"}


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'convcalc' has no attribute {name!r}")
