"""The worked examples of the lecture notes (../shared/seeds/README.md items 1, 2, 6, 7, 12),
reproduced by running the shipped specs under specs/examples/ with the NumPy executor."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file
from convcalc.cli import main
from convcalc.execute import execute

EXAMPLES = SPECS / "examples"


def outputs(spec: str) -> dict[str, np.ndarray]:
    run = execute(analyze_file(EXAMPLES / spec))
    return {name: array[0, 0] for name, array in run.outputs.items()}  # first sample, only channel


def test_item1_first_value_is_4():
    (feature_map,) = outputs("convolution_5x5.yaml").values()
    assert feature_map[0, 0] == 4


def test_item2_whole_feature_map():
    (feature_map,) = outputs("convolution_3x3_output.yaml").values()
    assert feature_map.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


def test_item6_max_and_average_pooling():
    (maximum,) = outputs("max_pooling.yaml").values()
    assert maximum.tolist() == [[100, 184], [12, 45]]
    (average,) = outputs("average_pooling.yaml").values()
    assert average.tolist() == [[36.5, 80], [12, 15]]  # the notes print 36: (31 + 15 + 0 + 100)/4 = 36.5


def test_item7_average_pooling_in_quarters():
    (average,) = outputs("average_pooling_quarters.yaml").values()
    assert average.tolist() == [[9 / 4, 4 / 4], [7 / 4, 7 / 4]]


def cross_correlate(image: np.ndarray, kernel: np.ndarray, padding: int) -> np.ndarray:
    """Written out with loops over pixels: the textbook definition, independent of the executor."""
    padded = np.pad(image, padding)
    size = kernel.shape[0]
    rows, columns = padded.shape[0] - size + 1, padded.shape[1] - size + 1
    return np.array([[sum(padded[i + a, j + b] * kernel[a, b] for a in range(size) for b in range(size))
                      for j in range(columns)] for i in range(rows)])


KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edges": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "box_blur": np.ones((3, 3)) / 9,
    "gaussian_5x5": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256,
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
}


def test_item12_classic_kernels():
    analysis = analyze_file(EXAMPLES / "classic_kernels.yaml")
    image = np.array(analysis.spec.input_values, dtype=float)
    found = outputs("classic_kernels.yaml")
    assert set(found) == set(KERNELS)
    for name, kernel in KERNELS.items():
        kernel = np.array(kernel, dtype=float)
        expected = cross_correlate(image, kernel, kernel.shape[0] // 2)
        np.testing.assert_allclose(found[name], expected, rtol=1e-6, atol=1e-5, err_msg=name)
    assert found["identity"].tolist() == image.tolist()
    assert found["edges"][4, 4] == 0 and found["edges"][2, 2] == 9 * 8 - 9 * 3  # flat inside, strong at a corner


@pytest.mark.parametrize("spec", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_verifies_and_prints_its_output(spec):
    runner = CliRunner()
    result = runner.invoke(main, ["verify", str(EXAMPLES / spec), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    printed = runner.invoke(main, ["run", str(EXAMPLES / spec)])
    assert printed.exit_code == 0 and "[[" in printed.output  # small outputs are printed in full
