"""Diagnostic codes and levels, and which codes a run reports (``--select``/``--ignore``, as ruff does).

Every finding has a stable code, ``CC`` and three digits, grouped by hundreds: CC0xx a spec that
cannot be analysed, CC1xx a layer that cannot take what reaches it (a framework bridge's own refusals, torch_* keys, are
errors of the export command, not diagnostics), CC2xx a size formula whose
division is not exact, CC3xx conditions on symbolic sizes, CC4xx budgets. A code, once given, keeps
its meaning; the README lists them one line each. Levels: ``error`` (exit code 1), ``warning`` and
``note`` (both exit code 0; ``--quiet`` leaves notes out).

Selection follows ruff's rule selection: settings come in layers (pyproject.toml's
``[tool.convcalc]``, then the spec's ``lint:``, then the command line); within a layer the longest
prefix that matches a code decides between ``select`` and ``ignore`` (ignore on a tie), a layer's
``select`` replaces what the layers before chose, its ``ignore`` only takes codes away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from convcalc.errors import ConvcalcError, Location

if TYPE_CHECKING:
    from convcalc.graph import Node

UNREADABLE = "CC001"  # a spec convcalc cannot analyse (exit code 2): always reported, never selected away
LAYER_CHECK = "CC100"  # a layer check that has no code of its own

# message key -> (code, level); a key ending in _strict is its check in strict mode, an error
CODES = {
    "wrong_rank": ("CC101", "error"),
    "needs_spatial": ("CC102", "error"),
    "dense_needs_flat": ("CC103", "error"),
    "in_channels_mismatch": ("CC104", "error"),
    "in_features_mismatch": ("CC105", "error"),
    "groups_mismatch": ("CC106", "error"),
    "window_too_large": ("CC107", "error"),
    "input_smaller_than_kernel": ("CC108", "error"),
    "output_below_one": ("CC109", "error"),
    "output_size_range": ("CC110", "error"),
    "merge_rank_mismatch": ("CC111", "error"),
    "merge_shape_mismatch": ("CC112", "error"),
    "concat_axis": ("CC113", "error"),
    "crop_too_large": ("CC114", "error"),
    "unpool_mismatch": ("CC115", "error"),
    "tensor_axis": ("CC116", "error"),
    "split_sizes_sum": ("CC117", "error"),
    "split_chunks_uneven": ("CC118", "error"),
    "split_chunks_count": ("CC119", "error"),
    "slice_empty": ("CC120", "error"),
    "slice_outside": ("CC121", "error"),
    "reshape_inexact": ("CC122", "error"),
    "reshape_count": ("CC123", "error"),
    "permute_dims": ("CC124", "error"),
    "reduce_repeated_axis": ("CC125", "error"),
    "flatten_axes": ("CC126", "error"),
    "upsample_reference_inputs": ("CC127", "error"),
    "upsample_second_input": ("CC128", "error"),
    "train_only_cannot_run": ("CC129", "warning"),
    "graph_needs_edges": ("CC130", "error"),
    "graph_needs_node_features": ("CC131", "error"),
    "graph_node_out_of_range": ("CC132", "error"),
    "connections_channel": ("CC133", "error"),
    "inexact_division": ("CC201", "warning"),
    "strided_rounding": ("CC202", "note"),
    "no_valid_size": ("CC301", "error"),
    "condition_unsolved": ("CC302", "warning"),
    "budget_exceeded": ("CC401", "error"),
    "budget_symbolic": ("CC402", "warning"),
}
ALL_CODES = sorted({UNREADABLE, LAYER_CHECK, *(code for code, _ in CODES.values())})
LEVELS = ("error", "warning", "note")  # most severe first
SETTINGS = ("select", "ignore")  # the keys of [tool.convcalc] and of a spec's `lint:`


def code(key: str) -> str:
    """The code of a message key (its strict form shares it)."""
    return CODES.get(key.removesuffix("_strict"), (LAYER_CHECK, "error"))[0]


def level(key: str) -> str:
    """The level a finding of ``key`` has (an inexact division in strict mode, ``key_strict``, is an error)."""
    return "error" if key.endswith("_strict") else CODES.get(key, (LAYER_CHECK, "error"))[1]


@dataclass
class Finding:
    """An error (the network is inconsistent), a warning or a note, with its stable code
    (``convcalc.diagnostics``), tied to a layer where there is one. ``location`` is where it points:
    for a layer from a block, the block use that made the layer (the message names the line of the
    block's definition where the layer is written)."""

    level: str  # "error" | "warning" | "note"
    key: str
    params: dict
    layer: str | None = None
    location: Location | None = None
    node: Node | None = field(default=None, repr=False, compare=False)

    @classmethod
    def at(cls, node: Node, level: str, key: str, params: dict) -> Finding:
        return cls(level, key, params, node.name, node.site, node)

    @property
    def code(self) -> str:
        return code(self.key)

    @property
    def uses(self) -> tuple:
        """The block uses the layer comes from, outermost first (graph.BlockUse)."""
        return self.node.uses if self.node is not None else ()

    @property
    def definition(self) -> Location | None:
        """Where a layer from a block is written, in the block's definition."""
        return self.node.location if self.uses else None

    def message(self, lang: str = "en") -> str:
        """The message without its place: the layer's name, and for a layer from a block the uses
        and the line of the definition."""
        from convcalc.i18n import translate

        message = translate(self.key, lang, **self.params)
        if self.layer:
            message = translate("at_layer", lang, layer=self.layer, message=message)
        if self.uses:
            message = translate("in_block", lang, message=message, block=self.node.block_in(lang),
                                line=self.definition.line)
        return message

    def render(self, lang: str = "en") -> str:
        """`file:line:col: message` (the formats add the level and the code)."""
        return f"{self.location}: {self.message(lang)}" if self.location else self.message(lang)

    def concise(self, lang: str = "en") -> str:
        """`file:line:col: level code message`, as `analyze --format concise` prints it."""
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.level} {self.code} {self.message(lang)}"


@dataclass(frozen=True)
class Selection:
    """Which codes are reported: select/ignore prefixes per settings layer, weakest layer first."""

    layers: tuple = ()  # of (select tuple or None, ignore tuple)

    def then(self, select=None, ignore=()) -> Selection:
        """This selection with a stronger layer on top (the spec's over pyproject's, the command line's over both)."""
        return Selection(self.layers + ((tuple(select) if select else None, tuple(ignore)),))

    def reports(self, code_: str) -> bool:
        chosen = True
        for select, ignore in self.layers:
            chosen_by = max((len(prefix) for prefix in select or () if code_.startswith(prefix)), default=0)
            ignored_by = max((len(prefix) for prefix in ignore if code_.startswith(prefix)), default=0)
            if select is not None:
                chosen = chosen_by > 0
            if ignored_by and ignored_by >= chosen_by:
                chosen = False
        return chosen or code_ == UNREADABLE


def checked_prefixes(values, where: Location | None) -> tuple[str, ...]:
    """Code prefixes as written (CC2, cc202, CC): each must start at least one code."""
    prefixes = []
    for value in values:
        prefix = str(value).strip().upper()
        if not prefix or not any(known.startswith(prefix) for known in ALL_CODES):
            raise ConvcalcError("unknown_code", where, code=value, codes=", ".join(ALL_CODES))
        prefixes.append(prefix)
    return tuple(prefixes)


def settings_layer(table, where: Location, origin: str) -> tuple[tuple | None, tuple]:
    """(select, ignore) from a settings mapping: pyproject's [tool.convcalc] or a spec's `lint:`."""
    if not isinstance(table, dict):
        raise ConvcalcError("lint_settings_form", where, origin=origin, keys=", ".join(SETTINGS))
    unknown = [key for key in table if key not in SETTINGS]
    if unknown:
        raise ConvcalcError("lint_settings_key", where, origin=origin, key=unknown[0], keys=", ".join(SETTINGS))
    layer = []
    for key in SETTINGS:
        values = table.get(key)
        if values is not None and (not isinstance(values, list) or not all(isinstance(v, str) for v in values)):
            raise ConvcalcError("lint_settings_list", where, origin=origin, key=key)
        layer.append(checked_prefixes(values, where) if values is not None else None)
    return layer[0], layer[1] or ()


def pyproject_layer(start: Path) -> tuple[tuple | None, tuple]:
    """The [tool.convcalc] table of the nearest pyproject.toml that has one, from ``start`` upwards
    (as ruff finds its settings); ``(None, ())`` when there is none."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _read_toml(candidate).get("tool", {}).get("convcalc")
            if table is not None:
                return settings_layer(table, Location(str(candidate)), "[tool.convcalc]")
    return None, ()


def _read_toml(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConvcalcError("pyproject_unreadable", Location(str(path)), problem=str(error)) from None
