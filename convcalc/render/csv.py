"""CSV: one row per layer (the JSON layer fields), then a TOTAL row per spec (its `inputs` cell lists the
network's outputs; "TOTAL (partial)" when some layer could not be analysed); the user's names with
their control characters drawn (convcalc.text), as a terminal may show the file. With --depth, one
row per node of the cut tree (the JSON tree's fields: GROUP_COLUMNS), then the same TOTAL row."""

from __future__ import annotations

import csv
import json

from convcalc.render import analysed, document, rows
from convcalc.text import visible

COLUMNS = ["spec", "name", "type", "inputs", "line", "output_shape", "units", "params", "trainable_params",
           "non_trainable_params", "macs", "flops", "activation_elements", "activation_bytes", "receptive_field"]
GROUP_COLUMNS = ["spec", "name", "kind", "type", "depth", "layers", "inputs", "line", "input_shape", "output_shape",
                 "params", "trainable_params", "non_trainable_params", "macs", "flops", "activation_elements",
                 "activation_bytes", "receptive_field"]


def _cell(value):
    if isinstance(value, (list, dict)):
        return visible(json.dumps(value, ensure_ascii=False))
    return "" if value is None else visible(value) if isinstance(value, str) else value


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """``quiet`` changes nothing: a CSV holds figures, not diagnostics."""
    writer = csv.DictWriter(stream, COLUMNS if depth is None else GROUP_COLUMNS, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for analysis in analysed(results):
        data = document(analysis, lang, depth)
        for record in rows(data, depth):
            writer.writerow({key: _cell(value) for key, value in {**record, "spec": data["name"]}.items()
                             if key != "children"})
        writer.writerow({"spec": _cell(data["name"]), "name": "TOTAL" if data["complete"] else "TOTAL (partial)",
                         "inputs": _cell(data["outputs"]), **{k: _cell(v) for k, v in data["totals"].items()}})
