"""torchvision's model builders as the oracle of the shipped zoo specs.

The torchvision wheel the package index serves is built against a CUDA torch: its compiled
operators do not load beside the CPU torch==2.13.0 the tests pin. `torchvision.models` needs only
the schemas of its two registered operators (`torchvision::nms`, `torchvision::qnms`) to import, so
they are defined here (schemas only, never called) before the first import. `make test` installs
torchvision with --no-deps so that it cannot pull a CUDA torch.
"""

from __future__ import annotations

import functools

import pytest

torch = pytest.importorskip("torch")


@functools.cache
def torchvision_models():
    """``torchvision.models``, importable beside the CPU torch; skips when torchvision is missing."""
    try:
        torch.ops.torchvision.nms.default  # noqa: B018  (already defined: by torchvision's own ops)
    except (AttributeError, RuntimeError):
        library = torch.library.Library("torchvision", "DEF")
        library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        library.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
        torchvision_models.library = library  # kept alive: dropping it removes the definitions
    models = pytest.importorskip("torchvision.models")
    return models


def build(builder: str, **arguments) -> "torch.nn.Module":
    """``torchvision.models.<builder>(weights=None, **arguments)`` in eval mode (segmentation
    builders are looked up in ``torchvision.models.segmentation``)."""
    models = torchvision_models()
    make = getattr(models, builder, None) or getattr(models.segmentation, builder)
    return make(weights=None, **arguments).eval()
