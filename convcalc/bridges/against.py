"""A second executor that is not ours: the network exported (to onnxruntime through ONNX, or to
PyTorch through the generated source) and run on the executor's own input and weights, so that
`convcalc verify --against` can hold the NumPy reference against it output by output."""

from __future__ import annotations

from convcalc.bridges import require
from convcalc.verify import Agreement

EXECUTORS = ("onnxruntime", "torch")


def agreements(run, against: str) -> list[Agreement]:
    """Per network output: the largest difference between convcalc's run and ``against``'s on
    the same input and weights, within rtol 1e-4 of the output's largest magnitude (1e-2 for a
    float16 spec: the other executor computes in float32)."""
    import numpy as np

    theirs = _onnxruntime(run) if against == "onnxruntime" else _torch(run)
    relative = 1e-2 if run.analysis.spec.dtype == "float16" else 1e-4
    found = []
    for name, ours in run.network_outputs.items():
        other = theirs[name]
        scale = max(1.0, float(np.abs(ours).max())) if ours.size else 1.0
        difference = float(np.abs(other.astype(np.float64) - ours.astype(np.float64)).max()) if ours.size else 0.0
        found.append(Agreement(name, against, tuple(other.shape) == tuple(ours.shape), difference, relative * scale))
    return found


def _onnxruntime(run) -> dict:
    """The outputs of onnxruntime running the ONNX export of the run's analysis and weights."""
    import numpy as np

    from convcalc.bridges.onnx_export import onnx_bytes

    runtime = require("onnxruntime", "verify --against onnxruntime")
    session = runtime.InferenceSession(onnx_bytes(run.analysis, weights=run.weights),
                                       providers=["CPUExecutionProvider"])
    x = run.input if run.analysis.spec.layout == "chw" or run.input.ndim < 3 else np.moveaxis(run.input, 1, -1)
    results = session.run(None, {"input": x.astype(np.float32)})
    return {output.name: result for output, result in zip(session.get_outputs(), results)}


def _torch(run) -> dict:
    """The outputs of the generated PyTorch module, its state_dict loaded with the run's weights."""
    import re

    from convcalc.bridges.torch_export import module_source

    torch = require("torch", "verify --against torch")
    source = module_source(run.analysis)
    namespace: dict = {}
    exec(compile(source, "<convcalc export>", "exec"), namespace)  # our own generated source, not the user's
    model = namespace[re.findall(r"^class (\w+)\(nn\.Module\):", source, re.M)[-1]]().eval()
    state = model.state_dict()  # its batch-norm counters (num_batches_tracked), which the executor has not
    state.update({key: torch.from_numpy(array.astype("float32")) for key, array in run.weights.items()})
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        result = model(torch.from_numpy(run.input.astype("float32")))
    results = result if isinstance(result, tuple) else (result,)
    return {name: value.numpy() for name, value in zip(run.network_outputs, results)}
