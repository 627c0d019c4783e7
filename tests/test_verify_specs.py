"""Every shipped spec verifies: the NumPy executor confirms each analysed shape, parameter count
and MAC count, and the peak memory, at an input size small enough for CI (the analysed figures at
the full size are checked against PyTorch in test_specs_*.py)."""

from __future__ import annotations

import re

import pytest

from conftest import SPECS, analyze_text
from convcalc.execute import execute
from convcalc.verify import verify

REDUCED = {
    "unet.yaml": 188,  # the smallest size the original U-Net accepts (see its conditions)
    "inception_v3.yaml": 75,  # its smallest size (torchvision's min_size, and the spec's conditions)
    "convnext_tiny.yaml": 32,  # torchvision's min_size (a 4x4 stem and three 2x2 downsamplings)
    # the heavier zoo networks at 32x32, which they all accept (VGG's smallest size): the suite stays quick
    **{f"{name}.yaml": 32 for name in ("vgg11", "vgg13", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
                                        "densenet121", "densenet161", "densenet169", "densenet201",
                                        "resnext50_32x4d", "wide_resnet50_2", "regnet_x_400mf", "regnet_y_400mf")},
    # the largest EfficientNets at 32 (the others at 64): 15 s for B7 at 64 on NumPy
    "efficientnet_b5.yaml": 32, "efficientnet_b6.yaml": 32, "efficientnet_b7.yaml": 32,
}
# The segmentation specs verify at a small input (3x37x50) in test_zoo_segmentation.py.
VERIFIED_IN_TEST_ZOO_SEGMENTATION = {"fcn_resnet50.yaml", "deeplabv3_resnet50.yaml", "lraspp_mobilenet_v3_large.yaml"}


@pytest.mark.parametrize("spec", sorted(p.name for p in SPECS.glob("*.yaml")
                                         if p.name not in VERIFIED_IN_TEST_ZOO_SEGMENTATION))
def test_shipped_spec_verifies(spec):
    text = (SPECS / spec).read_text()
    pooled_to_a_fixed_size = "adaptive_avgpool" in text or "global_avgpool" in text
    side = REDUCED.get(spec, 64 if pooled_to_a_fixed_size else 10_000)
    text = re.sub(r"input: \[(\d+), (\d+), (\d+)\]",
                  lambda m: f"input: [{m[1]}, {min(int(m[2]), side)}, {min(int(m[3]), side)}]", text)
    text = re.sub(r"input: \[(\d+), (\d+), 3\]", lambda m: f"input: [{min(int(m[1]), side)}, "
                  f"{min(int(m[2]), side)}, 3]", text)
    analysis = analyze_text(text)
    assert not analysis.errors, [f.render() for f in analysis.errors]
    verification = verify(execute(analysis, measure_memory=True))
    assert not verification.failures, verification.failures[:5]
    assert verification.memory_ok, (verification.run.peak_bytes, verification.run.predicted_peak_bytes)
