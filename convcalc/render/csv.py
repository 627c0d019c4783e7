"""CSV: one row per layer (the JSON layer fields), then a TOTAL row per spec (its `inputs` cell lists the
network's outputs; "TOTAL (partial)" when some layer could not be analysed); the user's names with
their control characters drawn (convcalc.text), as a terminal may show the file."""

from __future__ import annotations

import csv
import json

from convcalc.render import analysed, document
from convcalc.text import visible

COLUMNS = ["spec", "name", "type", "inputs", "line", "output_shape", "units", "params", "trainable_params",
           "non_trainable_params", "macs", "flops", "activation_elements", "activation_bytes", "receptive_field"]


def _cell(value):
    if isinstance(value, (list, dict)):
        return visible(json.dumps(value, ensure_ascii=False))
    return "" if value is None else visible(value) if isinstance(value, str) else value


def write(results, lang, stream, quiet=False) -> None:
    """``quiet`` changes nothing: a CSV holds figures, not diagnostics."""
    writer = csv.DictWriter(stream, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for analysis in analysed(results):
        data = document(analysis, lang)
        for layer in data["layers"]:
            writer.writerow({key: _cell(value) for key, value in {**layer, "spec": data["name"]}.items()})
        writer.writerow({"spec": _cell(data["name"]), "name": "TOTAL" if data["complete"] else "TOTAL (partial)",
                         "inputs": _cell(data["outputs"]), **{k: _cell(v) for k, v in data["totals"].items()}})
