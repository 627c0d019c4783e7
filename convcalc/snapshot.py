"""Baselines and diffs: a stable, reviewable snapshot of an analysis (`convcalc lock`), and the
comparison of two snapshots taken from specs, lock files or a spec's version in a git revision.

Layers named in both specs are paired by name; the others (generated names such as conv3 shift
when a layer is inserted) are paired by aligning their sequence of (type, parameter count), so
an insertion shows as the layers added, not as a cascade of changed ones.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from convcalc import __version__
from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import Msg, kind_of
from convcalc.render import plain

FIGURES = ("params", "macs", "flops", "memory", "activation", "training_memory")
_TOTALS = {"params": "params", "macs": "macs", "flops": "flops", "memory": "peak_inference_bytes",
           "activation": "activation_bytes", "training_memory": "training_bytes"}
LAYER_FIELDS = ("output_shape", "params", "non_trainable_params", "macs", "flops", "activation_bytes")


def snapshot(analysis, values: dict[str, int] | None = None) -> dict:
    """What a lock file holds: sizes it was taken at, per-layer figures, totals; no timestamps."""
    from convcalc.render import document

    data = document(analysis)
    return {
        "convcalc": __version__,
        "name": data["name"],
        "file": data["file"],
        "taken_at": {"input_shape": data["input_shape"], "layout": data["layout"], "batch": data["batch"],
                     "dtype": data["dtype"], "set": dict(sorted((values or {}).items())), "params": data["params"]},
        "layers": [{"name": layer["name"], "type": layer["type"], "line": layer["line"], "named": report.node.named,
                    "inputs": list(report.node.inputs), **{key: layer[key] for key in LAYER_FIELDS}}
                   for layer, report in zip(data["layers"], analysis.layers)],
        "totals": {figure: plain(data["totals"][total]) for figure, total in _TOTALS.items()},
    }


def dumps(snap: dict) -> str:
    """A lock file's text: without line numbers, so that editing a comment changes nothing in it,
    without where the snapshot was read from, and without the layers' inputs (which only a diff's
    diagram draws)."""
    kept = {key: value for key, value in snap.items() if key not in ("source", "absent")}
    kept["layers"] = [{key: value for key, value in layer.items() if key not in ("line", "inputs")}
                      for layer in snap["layers"]]
    return json.dumps(kept, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def load(path: str, values: dict[str, int], base: str | None = None, absent_ok: bool = False, **sizing) -> dict:
    """A snapshot from a lock file (.json), a spec, or a spec as it is in git revision ``base``
    (``sizing``: the input, parameters and mode of analysis.Options). With ``base`` (or
    ``absent_ok``, for the working tree's side of a --base diff), a spec that is not there is an
    empty snapshot: a spec new since the revision is all added, one deleted since is all removed."""
    from convcalc.analysis import Options
    from convcalc.pipeline import analyze_document
    from convcalc.loading import load_document, read_text
    from convcalc.sources import read_spec
    from convcalc.spec import parse_spec

    if base is None and path.endswith(".json"):
        return {**read_lock(path, read_text(Path(path), path)), "source": path}
    if base is None:
        if absent_ok and not Path(path).exists():
            return absent(path)
        document = read_spec(path)
    else:
        text = _git_show(base, path)
        if text is None:
            return absent(f"{base}:{path}")
        document = load_document(text, f"{base}:{path}")
    analysis = analyze_document(document, parse_spec(document), Options(values=values, **sizing))
    return {**snapshot(analysis, values), "source": document.file}


def absent(source: str) -> dict:
    """The snapshot of a spec that is not there (at a revision, or any more): no layers, totals 0."""
    return {"convcalc": __version__, "name": "-", "file": source, "source": source, "absent": True, "taken_at": {},
            "layers": [], "totals": {figure: 0 for figure in FIGURES}}


GIT_SECONDS = 60  # each git command convcalc runs may take this long


def read_lock(path: str, text: str) -> dict:
    """A lock file's data, or a ConvcalcError at the first value not of the shape `convcalc lock`
    writes (what compare and the diff renderers rely on), as "layers[2].name is a number"."""
    if not text.strip():
        raise ConvcalcError("lock_empty", Location(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConvcalcError("lock_not_json", Location(path, error.lineno, error.colno), problem=error.msg) from None
    except RecursionError:
        raise ConvcalcError("lock_too_deep", Location(path)) from None
    if not isinstance(data, dict):
        raise ConvcalcError("lock_form", Location(path, 1, 1), got=kind_of(data))
    for key in ("convcalc", "name", "layers", "totals"):
        if key not in data:
            raise ConvcalcError("lock_missing", Location(path, 1, 1), key=key)
    problem = _lock_problem(data)
    if problem is not None:
        where, expected = problem
        if where[-1] in ("name", "type") and where[-1] not in _at(data, where[:-1]):
            raise ConvcalcError("lock_layer_missing", _json_place(path, text, where[:-1]),
                                where=_json_path(where[:-1]), key=where[-1])
        raise ConvcalcError("lock_bad_value", _json_place(path, text, where), where=_json_path(where),
                            got=kind_of(_at(data, where)), expected=Msg(f"lock_expect_{expected}"))
    return data


def _lock_problem(data: dict) -> tuple[tuple, str] | None:
    """(path, what it should be) of the first value of the wrong kind, else None."""
    def figure(value):
        return value is None or isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool)

    if not isinstance(data["name"], str):
        return ("name",), "text"
    if not isinstance(data["layers"], list):
        return ("layers",), "layers"
    for index, layer in enumerate(data["layers"]):
        if not isinstance(layer, dict):
            return ("layers", index), "layer"
        if not isinstance(layer.get("name"), str) or not layer["name"]:
            return ("layers", index, "name"), "name"
        if not isinstance(layer.get("type"), str):
            return ("layers", index, "type"), "text"
        line = layer.get("line")  # becomes a GitHub annotation's line= property
        if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line < 1):
            return ("layers", index, "line"), "line"
        shape = layer.get("output_shape")
        if shape is not None and not (isinstance(shape, list) and all(figure(size) for size in shape)):
            return ("layers", index, "output_shape"), "shape"
        for key in LAYER_FIELDS[1:]:
            if not figure(layer.get(key)):
                return ("layers", index, key), "figure"
    if not isinstance(data["totals"], dict):
        return ("totals",), "totals"
    for key in FIGURES:
        if not figure(data["totals"].get(key)):
            return ("totals", key), "figure"
    return None


def _at(data, path: tuple):
    for part in path:
        data = data.get(part) if isinstance(data, dict) else data[part]
    return data


def _json_path(path: tuple) -> str:
    """('layers', 2, 'name') -> 'layers[2].name'."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")


def _json_place(path: str, text: str, where: tuple) -> Location:
    """The line and column of the value at ``where``: JSON is YAML, whose composer marks every node.
    Only a message needs it, so the text is composed again only then; a text YAML will not read is
    located by its file alone."""
    from convcalc.loading import load_document

    try:
        return load_document(text, path).location(where)
    except ConvcalcError:
        return Location(path)


def _git_show(revision: str, path: str) -> str | None:
    """The text of spec ``path`` as it is in git commit ``revision``. Nothing the user wrote reaches
    git as an option: a revision starting with '-' is refused, the revision is resolved with
    ``rev-parse --verify --end-of-options``, and the blob is named ``HASH:./NAME`` (which starts with
    the commit's hex digits) to ``git cat-file``, plumbing that applies no textconv filter or pager.
    None when the commit has no file of that name."""
    from convcalc.loading import MAX_BYTES, decode_text

    if not revision:
        raise ConvcalcError("git_revision_empty", Location(path))
    if revision.startswith("-"):
        raise ConvcalcError("git_revision_option", Location(path), revision=revision)
    target = Path(path)
    folder = str(target.parent)
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"],
                  folder, path, revision).decode("ascii", "replace").strip()
    blob = f"{commit}:./{target.name}"
    shown = f"{revision}:{path}"
    if not _git_succeeds(["cat-file", "-e", blob], folder, path, revision):
        return None  # the commit has no such file: the spec is new since it
    if int(_git(["cat-file", "-s", blob], folder, path, revision) or 0) > MAX_BYTES:  # before reading it
        raise ConvcalcError("file_too_large", Location(shown, 1, 1), limit=f"{MAX_BYTES // 2**20} MiB")
    return decode_text(_git(["cat-file", "blob", blob], folder, path, revision), shown)


def _git_succeeds(arguments: list[str], folder: str, path: str, revision: str) -> bool:
    """Whether ``git ARGUMENTS`` exits 0 (``cat-file -e``: whether an object exists)."""
    return _git(arguments, folder, path, revision, check=False) is not None


def _git(arguments: list[str], folder: str, path: str, revision: str, check: bool = True) -> bytes | None:
    """The standard output of ``git ARGUMENTS`` run in ``folder``, within GIT_SECONDS; without
    ``check``, None when git exits non-zero."""
    try:
        completed = subprocess.run(["git", *arguments], cwd=folder, capture_output=True, timeout=GIT_SECONDS,
                                   stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ConvcalcError("git_failed", Location(path), revision=revision,
                            reason=getattr(error, "strerror", None) or str(error)) from None
    if completed.returncode and not check:
        return None
    if completed.returncode:
        said = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConvcalcError("git_failed", Location(path), revision=revision,
                            reason=said[-1] if said else Msg("git_not_a_commit"))  # rev-parse --quiet says nothing
    return completed.stdout


@dataclass
class LayerChange:
    kind: str  # added | removed | changed | renamed
    before: dict | None
    after: dict | None

    @property
    def name(self) -> str:
        return (self.after or self.before)["name"]

    def delta(self, key: str):
        a = (self.before or {}).get(key) or 0
        b = (self.after or {}).get(key) or 0
        return b - a if isinstance(a, int) and isinstance(b, int) else None


@dataclass
class Diff:
    before: dict
    after: dict
    changes: list[LayerChange] = field(default_factory=list)

    def total(self, figure: str):
        """(before, after, delta, percent) of a total; None parts when symbolic or missing."""
        a, b = self.before["totals"].get(figure), self.after["totals"].get(figure)
        if not isinstance(a, int) or not isinstance(b, int):
            return a, b, None, None
        return a, b, b - a, ((b - a) / a * 100 if a else (0.0 if b == a else float("inf")))


def compare(before: dict, after: dict) -> Diff:
    old, new = before["layers"], after["layers"]
    pairs: list[tuple[int | None, int | None]] = []
    old_names = {layer["name"]: i for i, layer in enumerate(old)}
    matched_old = set()
    new_left = []
    for j, layer in enumerate(new):
        i = old_names.get(layer["name"])
        if i is not None and old[i]["type"] == layer["type"] and layer.get("named", True) and old[i].get("named", True):
            pairs.append((i, j))
            matched_old.add(i)
        else:
            new_left.append(j)
    old_left = [i for i in range(len(old)) if i not in matched_old]
    def signature(layer):  # unchanged layers keep their type and parameter count when others move
        return layer["type"], layer.get("params")

    matcher = difflib.SequenceMatcher(a=[signature(old[i]) for i in old_left], b=[signature(new[j]) for j in new_left],
                                      autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            pairs += [(old_left[a0 + k], new_left[b0 + k]) for k in range(a1 - a0)]
        else:
            pairs += [(old_left[k], None) for k in range(a0, a1)] + [(None, new_left[k]) for k in range(b0, b1)]
    changes = []
    for i, j in _in_order(pairs, len(new)):
        a = old[i] if i is not None else None
        b = new[j] if j is not None else None
        if a is None:
            changes.append(LayerChange("added", None, b))
        elif b is None:
            changes.append(LayerChange("removed", a, None))
        elif a["name"] != b["name"]:
            changes.append(LayerChange("renamed", a, b))
        elif any(a.get(key) != b.get(key) for key in LAYER_FIELDS):
            changes.append(LayerChange("changed", a, b))
    return Diff(before, after, changes)


def _in_order(pairs, count_new: int):
    """The pairs in the new spec's order, each removed layer where it stood among its neighbours."""
    by_new = {j: i for i, j in pairs if j is not None}
    removed = sorted(i for i, j in pairs if j is None)
    ordered, next_removed = [], 0
    for j in range(count_new):
        i = by_new.get(j)
        while i is not None and next_removed < len(removed) and removed[next_removed] < i:
            ordered.append((removed[next_removed], None))
            next_removed += 1
        ordered.append((i, j))
    return ordered + [(i, None) for i in removed[next_removed:]]


@dataclass
class Threshold:
    figure: str
    limit: Fraction  # exact: a percentage, or a count or bytes
    percent: bool
    text: str

    def exceeded(self, diff: Diff) -> bool:
        """Whether the total grew by more than the limit, in exact arithmetic (a total that was 0
        and grew has grown by more than any percentage)."""
        before, after, delta, _ = diff.total(self.figure)
        if delta is None:
            return False
        if not self.percent:
            return delta > self.limit
        return delta * 100 > self.limit * before if before > 0 else delta > 0


def parse_threshold(text: str) -> Threshold:
    """'params:+5%', 'macs:+0', 'memory:+10MiB', 'params:+1M', 'params:+1,5M': the amount is read
    by the one parser of counts (units.parse_amount), a finite number from 0 to units.MAX_NUMBER."""
    from convcalc.units import NumberError, parse_amount, parse_whole

    figure, sep, rest = text.partition(":")
    figure, rest = figure.strip(), rest.strip()
    if not sep or figure not in FIGURES or not rest.startswith("+"):
        raise NumberError("bad_threshold", value=text, figures=", ".join(FIGURES))
    amount = rest[1:].strip()
    if amount.endswith("%"):
        return Threshold(figure, parse_amount(amount[:-1].strip()).value, True, text)
    kind = "bytes" if figure in ("memory", "activation", "training_memory") else "count"
    return Threshold(figure, Fraction(parse_whole(amount, kind, low=0)), False, text)
