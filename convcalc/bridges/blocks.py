"""Blocks found in an importer's flat layer list: runs of layers under one name prefix
(``layer1.0.*``, ``layer1.1.*``) whose structure repeats become one block, used once per run.

Only where that is exact: the spec written with the blocks expands (``convcalc.graph``) to the same
layers as the flat list, with the same names in the same order, types, fields and inputs. A run
folds when

- its layers are every layer whose name starts with the prefix and a dot, one after another;
- they read, from outside the run, one output only (the block's ``input``);
- layers after the run read only its last layer (which the use's name stands for);

and runs fold together when their layers have the same local names, types, fields and inputs, the
values of a field aside: a field whose values differ between the runs becomes a block parameter
``$name`` (one parameter for fields whose values agree in every run). A field the layer type
defaults, written in some runs only, is written with its default in the others (the same layer:
defaults are validated as written values are). The innermost repeated runs fold first, so blocks
nest as the names do; consecutive uses of one block with the same parameters, each reading the one
before, become one entry with ``repeat`` (and ``index_from: k``) where graph.py names the copies
alike: ``layer1.1``, ``layer1.2`` as ``name: layer1``, ``denselayer1``, ``denselayer2`` as
``name: denselayer${index}``. A block is named after its first use, from the last part of the name
that holds a letter: ``layer1.0`` gives ``layer1_0``, ``features.denseblock1.denselayer1`` gives
``denselayer1``. A list with an unnamed layer, a type convcalc does not know, an input naming no
earlier layer, or a ``repeat`` is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from convcalc.graph import _NAME, ENTRY_KEYS, INPUT  # the names graph.py accepts: the local ones must be too
from convcalc.layers import REGISTRY

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # what `$name` can refer to (graph._REFERENCE)
_NUMBERED = re.compile(r"^(.+?)(0|[1-9][0-9]*)$")  # graph.py names copies f"{name}.{index}" or name${index}
_HEADER_LINES = 3  # a block's name, params and layers lines


@dataclass
class _Entry:
    name: str  # full name at the top level, local name inside a block
    kind: str  # a layer type, or a block found here
    fields: dict  # the written fields but name and inputs
    sources: list  # (name or "input", output index or None) per input
    block: bool = False  # a use of a block found here


def fold_blocks(layers: list[dict]) -> tuple[dict, list[dict]]:
    """(blocks, layers): the flat spec entries ``{kind: {name, inputs, ...}}`` with the repeated
    runs folded into blocks (name -> {params, layers}), or ({}, layers) when nothing folds.

    >>> layers = [{"conv2d": {"name": "stem", "filters": 8, "kernel": 3}}]
    >>> for n, rate in enumerate([0.1, 0.1, 0.2]):
    ...     layers += [{"conv2d": {"name": f"s.{n}.conv", "filters": 8, "kernel": 3, "padding": 1}},
    ...                {"relu": {"name": f"s.{n}.relu"}}, {"dropout": {"name": f"s.{n}.drop", "rate": rate}},
    ...                {"add": {"name": f"s.{n}.add", "inputs": [f"s.{n}.drop", f"s.{n - 1}.add" if n else "stem"]}}]
    >>> blocks, folded = fold_blocks(layers)
    >>> blocks["s_0"]["params"]
    {'rate': None}
    >>> blocks["s_0"]["layers"][2:]
    [{'dropout': {'name': 'drop', 'rate': '$rate'}}, {'add': {'name': 'add', 'inputs': ['drop', 'input']}}]
    >>> folded[1:]
    [{'s_0': {'name': 's', 'repeat': 2, 'rate': 0.1}}, {'s_0': {'name': 's.2', 'rate': 0.2}}]
    """
    entries = _read(layers)
    if entries is None:
        return {}, list(layers)
    blocks: dict[str, dict] = {}
    while _fold_once(entries, blocks):
        pass
    if not blocks:
        return {}, list(layers)
    return ({name: {"params": blocks[name]["params"], "layers": _written(blocks[name]["layers"])}
             for name in _used_order(entries, blocks, {})}, _written(entries))


def _used_order(entries, blocks, order: dict) -> dict:
    """The blocks in the order they are first used, each after the blocks it uses."""
    for entry in entries:
        if entry.block and entry.kind not in order:
            _used_order(blocks[entry.kind]["layers"], blocks, order)
            order[entry.kind] = None
    return order


def _read(layers) -> list[_Entry] | None:
    """The entries with their inputs resolved (an absent ``inputs`` reads the layer before), or
    None when the list is not one folding can keep exact."""
    entries, names, previous = [], set(), (INPUT, None)
    for layer in layers:
        if not isinstance(layer, dict) or len(layer) != 1:
            return None
        (kind, body), = layer.items()
        if kind not in REGISTRY or not isinstance(body, dict) or not isinstance(body.get("name"), str) \
                or body["name"] in names or body["name"] == INPUT or "$" in body["name"] \
                or "repeat" in body or "index_from" in body:
            return None  # a name with $ would read a block parameter inside a block
        inputs = body.get("inputs")
        sources = [previous] if inputs is None else [_source(reference, names) for reference in
                                                     ([inputs] if isinstance(inputs, str) else inputs)]
        if not sources or None in sources:
            return None
        entries.append(_Entry(body["name"], kind, {k: v for k, v in body.items() if k not in ("name", "inputs")},
                              sources))
        names.add(body["name"])
        previous = (body["name"], None)
    return entries


def _source(reference, names):
    """``conv1`` as (conv1, None), ``split1.1`` as (split1, 1), as graph.py resolves them."""
    if not isinstance(reference, str):
        return None
    if reference == INPUT or reference in names:
        return reference, None
    name, dot, index = reference.rpartition(".")
    return (name, int(index)) if dot and index.isascii() and index.isdigit() and name in names else None


@dataclass
class _Run:
    prefix: str
    start: int
    end: int  # one past the last entry


def _fold_once(entries: list[_Entry], blocks: dict) -> bool:
    """Fold the innermost repeated runs of ``entries`` (in place); False when none is left.

    Runs under name prefixes nest or are apart (a laminar family), so a run holds another worth
    folding exactly when the next such run, in the order of starts (longest first), starts inside it;
    runs without one are apart from each other, unless two prefixes cover the same layers."""
    groups: dict[tuple, list[_Run]] = {}
    for run in _closed_runs(entries):
        groups.setdefault(_signature(entries, run), []).append(run)
    worth = [runs for runs in groups.values() if _saving(runs) > 0]
    spans = sorted({(run.start, run.end) for runs in worth for run in runs}, key=lambda span: (span[0], -span[1]))
    holds_one = {span for span, following in zip(spans, spans[1:]) if following[0] < span[1]}
    innermost = [[run for run in runs if (run.start, run.end) not in holds_one] for runs in worth]
    uses: dict[int, tuple[_Run, _Entry]] = {}  # first index of a run -> the run and its use
    for runs in sorted(innermost, key=lambda runs: (-_saving(runs), runs[0].start if runs else 0)):
        runs = [run for run in runs if run.start not in uses]
        if _saving(runs) > 0:
            uses.update((run.start, (run, use)) for run, use in zip(runs, _define(entries, runs, blocks)))
    if not uses:
        return False
    renamed = {entries[run.end - 1].name: run.prefix for run, _ in uses.values()}  # a use stands for its last layer
    folded, index = [], 0
    while index < len(entries):
        run, entry = uses.get(index, (None, entries[index]))
        entry.sources = [(renamed.get(name, name), output) for name, output in entry.sources]
        folded.append(entry)
        index = index + 1 if run is None else run.end
    entries[:] = folded
    return True


def _closed_runs(entries: list[_Entry]):
    """The runs under each name prefix that a block use can stand for exactly."""
    names = {entry.name for entry in entries}
    positions: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        parts = entry.name.split(".")
        for cut in range(1, len(parts)):
            positions.setdefault(".".join(parts[:cut]), []).append(index)
    readers: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        for name, _ in entry.sources:
            readers.setdefault(name, []).append(index)
    for prefix, indices in positions.items():
        start, end = indices[0], indices[-1] + 1
        parent = prefix.rpartition(".")[0]
        if end - start != len(indices) or len(indices) < 2 or prefix in names or parent in names \
                or prefix == INPUT or not _NAME.match(prefix):
            continue  # not one run; or the use's name would clash with a layer's (split1.0 reads split1)
        inside = {entry.name for entry in entries[start:end]}
        outside_sources = {source for entry in entries[start:end] for source in entry.sources
                           if source[0] not in inside}
        last = entries[end - 1].name
        if len(outside_sources) == 1 and all(entry.name[len(prefix) + 1:] != INPUT and _NAME.match(
                entry.name[len(prefix) + 1:]) for entry in entries[start:end]) \
                and all(start <= reader < end for name in inside - {last} for reader in readers.get(name, ())):
            yield _Run(prefix, start, end)


def _signature(entries, run: _Run) -> tuple:
    """What runs folded into one block share: per layer its local name, type, which fields it
    writes (those a parameter may stand for aside) and inputs."""
    inside = {entry.name for entry in entries[run.start:run.end]}
    return tuple((entry.name[len(run.prefix) + 1:], entry.kind, entry.block,
                  tuple(sorted((key, value is None) for key, value in entry.fields.items()
                               if value is None or _default(entry, key) is None)),
                  tuple(_local(source, inside, run.prefix) for source in entry.sources))
                 for entry in entries[run.start:run.end])


def _local(source, inside, prefix):
    name, output = source
    return (name[len(prefix) + 1:], output) if name in inside else (INPUT, None)


def _default(entry: _Entry, key: str):
    """The default a layer type gives ``key`` when it is a plain value (None otherwise): written or
    left out, the same layer."""
    field = REGISTRY[entry.kind].model_fields.get(key) if not entry.block and entry.kind in REGISTRY else None
    value = None if field is None else field.default
    return value if isinstance(value, (bool, int, float, str)) else None


def _saving(runs: list[_Run]) -> int:
    """Lines saved by one block for ``runs``: each run's layers but one copy, less the block's
    header and a line per use."""
    if len(runs) < 2:
        return 0
    length = runs[0].end - runs[0].start
    return len(runs) * length - (length + _HEADER_LINES + len(runs))


def _define(entries, runs: list[_Run], blocks: dict) -> list[_Entry]:
    """Add the block of ``runs`` to ``blocks``; return the use that stands for each run."""
    first = entries[runs[0].start:runs[0].end]
    inside = {entry.name for entry in first}
    params: dict[str, str] = {}  # repr of the values per run -> parameter name
    values_of: dict[str, list] = {}
    body = []
    for position, model in enumerate(first):
        uses = [entries[run.start + position] for run in runs]
        keys = list(dict.fromkeys(key for use in uses for key in use.fields))
        fields = {}
        for key in keys:
            values = [use.fields.get(key, _default(use, key)) for use in uses]
            if all(repr(value) == repr(values[0]) for value in values):
                fields[key] = values[0]
                continue
            param = params.get(repr(values))
            if param is None:
                param = params[repr(values)] = _param_name(key, model.name[len(runs[0].prefix) + 1:], values_of)
                values_of[param] = values
            fields[key] = f"${param}"
        body.append(_Entry(model.name[len(runs[0].prefix) + 1:], model.kind, fields,
                           [_local(source, inside, runs[0].prefix) for source in model.sources], model.block))
    name = _block_name(runs[0].prefix, blocks)
    blocks[name] = {"params": dict.fromkeys(values_of), "layers": body}
    return [_Entry(run.prefix, name, {param: values[number] for param, values in values_of.items()},
                   [_outside_source(entries[run.start:run.end])], block=True) for number, run in enumerate(runs)]


def _outside_source(run_entries) -> tuple:
    """The one output a run reads from outside: its block's ``input``."""
    inside = {entry.name for entry in run_entries}
    return next(source for entry in run_entries for source in entry.sources if source[0] not in inside)


def _param_name(key: str, local_name: str, taken) -> str:
    """The field's name (``filters``), else the layer's and the field's (``conv3_filters``, or
    ``filters_2`` for a layer named 2), else numbered: never a key graph.py reads off an entry
    (``train_only``), nor ``index`` (a copy's number in a repeated name)."""
    for candidate in (key, re.sub(r"\W", "_", f"{local_name}_{key}"), re.sub(r"\W", "_", f"{key}_{local_name}")):
        if _IDENTIFIER.match(candidate) and candidate not in taken and candidate not in ENTRY_KEYS + ("type", "index"):
            return candidate
    number = 2
    while f"p_{key}_{number}" in taken:
        number += 1
    return f"p_{key}_{number}"


def _block_name(prefix: str, blocks: dict) -> str:
    """From the first use's name: its parts from the last one holding a letter, joined by ``_``."""
    parts = prefix.split(".")
    cut = max((index for index, part in enumerate(parts) if re.search("[A-Za-z]", part)), default=0)
    stem = re.sub(r"\W", "_", "_".join(parts[cut:]))
    name, number = stem, 2
    while name in blocks or name in REGISTRY:
        name, number = f"{stem}_{number}", number + 1
    return name


def _written(entries: list[_Entry]) -> list[dict]:
    """Spec entries: ``inputs`` only where a layer reads other than the one before, and consecutive
    uses of one block that graph.py would name and chain alike as one ``repeat`` entry."""
    written, previous, index = [], (INPUT, None), 0
    while index < len(entries):
        entry, (copies, name, first) = entries[index], _copies(entries, index)
        body = {"name": name, "repeat": copies, **({"index_from": first} if first else {})} if copies > 1 \
            else {"name": entry.name}
        if entry.sources != [previous]:
            body["inputs"] = [name if output is None else f"{name}.{output}" for name, output in entry.sources]
        written.append({entry.kind: {**body, **entry.fields}})
        previous = (entries[index + copies - 1].name, None)
        index += copies
    return written


def _copies(entries: list[_Entry], index: int) -> tuple[int, str, int]:
    """(copies, name, index_from) of the ``repeat`` entry that stands for the uses from ``index``
    on: of one block with the same parameters, each reading the one before, and named as graph.py
    names copies, ``layer1.1``, ``layer1.2`` ... (``name: layer1``) or ``denselayer1``,
    ``denselayer2`` ... (``name: denselayer${index}``)."""
    entry = entries[index]
    match = _NUMBERED.match(entry.name) if entry.block else None
    if match is None:
        return 1, entry.name, 0
    stem, first = match.group(1), int(match.group(2))
    count = 1
    while index + count < len(entries):
        copy = entries[index + count]
        if (copy.kind, repr(copy.fields), copy.name, copy.sources) != (
                entry.kind, repr(entry.fields), f"{stem}{first + count}", [(entries[index + count - 1].name, None)]):
            break
        count += 1
    dotted = stem.endswith(".") and stem[:-1] != INPUT
    return count, stem[:-1] if dotted else stem + "${index}", first
