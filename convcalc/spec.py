"""The spec's top level as pydantic models, and pydantic errors turned into located messages.

Layer entries stay raw here: blocks are expanded first (``convcalc.graph``), then each layer is
validated by its own class from the registry, so every message points at the line written.
"""

from __future__ import annotations

import difflib
import keyword
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, NonNegativeInt,
                      PositiveInt, StringConstraints, ValidationError, model_validator)

from convcalc.errors import ConvcalcError, FieldProblem
from convcalc.i18n import Msg
from convcalc.loading import Document
from convcalc.text import shorten

def _not_keyword(name: str) -> str:
    if keyword.iskeyword(name):
        raise ValueError(f"'{name}' is a reserved word; name the size otherwise (H, W, N, ...)")
    return name


SymbolName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"), AfterValidator(_not_keyword)]


def _not_bool(value):
    """pydantic would read true as the size 1."""
    if isinstance(value, bool):
        raise ValueError("a size is a whole number or a symbol, not true/false")
    return value


Size = Annotated[Union[PositiveInt, SymbolName], BeforeValidator(_not_bool)]
DTYPE_BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


class BlockDef(BaseModel):
    """A reusable group of layers; ``$param`` or ``${expression}`` in its layers take the values
    given where it is used (``params`` lists each parameter with its default, null = required)."""

    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    layers: list[Any] = Field(min_length=1)


class GraphSpec(BaseModel):
    """The graph a graph network runs on: its nodes are the input's first axis (``input: [N, F]``,
    N nodes of F features); its edges are counted here (directed, as PyTorch Geometric's edge_index
    holds them: an undirected edge is two)."""

    model_config = ConfigDict(extra="forbid")
    edges: Size | None = Field(default=None, description="E: the number of directed edges (source -> target), a size "
                                                         "or a symbol; `convcalc run` draws a random graph of E edges")
    edge_list: list[list[NonNegativeInt]] | None = Field(
        default=None, description="the edges themselves, [[sources...], [targets...]] (PyG's edge_index), no "
                                  "self-loops: what `convcalc run` runs on; E is their count")

    @model_validator(mode="after")
    def _edges_counted(self):
        if self.edge_list is None:
            if self.edges is None:
                raise ValueError("give the graph's edges: their count (edges: E) or the list (edge_list)")
            return self
        if len(self.edge_list) != 2 or len(self.edge_list[0]) != len(self.edge_list[1]):
            raise FieldProblem("edge_list", "give two lists of the same length: the sources, then the targets")
        if any(source == target for source, target in zip(*self.edge_list)):
            raise FieldProblem("edge_list", "an edge from a node to itself: leave self-loops out (GCNConv and GATConv "
                                            "add one at every node)")
        count = len(self.edge_list[0])
        if self.edges is not None and self.edges != count:
            raise FieldProblem("edges", f"edge_list holds {count} edges")
        self.edges = count
        return self


class LintSettings(BaseModel):
    """Which diagnostics `convcalc analyze` reports for this spec, as its --select/--ignore (which win)."""

    model_config = ConfigDict(extra="forbid")
    select: list[str] | None = Field(default=None, description="report only codes starting so, e.g. [CC1, CC4]")
    ignore: list[str] | None = Field(default=None, description="leave out codes starting so, e.g. [CC202]")


class Spec(BaseModel):
    """A CNN architecture as written by hand."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="the architecture's name")
    description: str | None = None
    input: list[Size] = Field(
        min_length=1, max_length=4,
        description="input shape without the batch, in `layout` order; entries are sizes or symbols (H, W)")
    layout: Literal["chw", "hwc"] = Field(
        default="chw", description="chw: channels first (PyTorch); hwc: channels last (Keras, '32x32x3')")
    batch: Size = Field(default=1, description="batch size for memory figures")
    dtype: Literal["float32", "float16", "bfloat16", "float64", "int8"] = "float32"
    strict: bool = Field(default=False, description="every division in a size formula must be exact")
    budget: dict[str, Union[int, str]] | None = Field(
        default=None, description="limits on the totals: params, macs, flops, memory (peak inference), activation, "
                                  "training_memory; e.g. {params: 25M, memory: 200MiB}")
    lint: LintSettings | None = Field(
        default=None, description="which diagnostics to report (codes or prefixes, as ruff's): {ignore: [CC202]}; "
                                  "over pyproject.toml's [tool.convcalc], under --select/--ignore")
    input_values: list | None = Field(
        default=None, description="the input's values for `convcalc run` (one sample, in `layout` order)")
    params: dict[str, Any] = Field(
        default_factory=dict, description="parameters of the whole spec with their defaults ($width, ${depth * 2} in "
                                          "any layer or block), settable with --param NAME=VALUE: one file, a family")
    blocks: dict[str, BlockDef] = Field(default_factory=dict)
    layers: list[Any] = Field(min_length=1, description="layers in order; `inputs:` joins branches")
    graph: GraphSpec | None = Field(
        default=None, description="for graph networks: input [N, F] is N nodes of F features, and graph: {edges: E} "
                                  "(or edge_list: [[sources], [targets]]) the edges between them")


def suggestion(word: str, choices) -> Msg | str:
    """A " (did you mean 'x'?)" fragment for the closest match, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return Msg("did_you_mean", name=close[0]) if close else ""


def validation_failure(error: ValidationError, document: Document, base_path: tuple, what: str,
                       model: type[BaseModel], also_valid: tuple[str, ...] = ()) -> ConvcalcError:
    """The first pydantic error as a ConvcalcError at its place in the file."""
    details = error.errors(include_url=False)
    detail = next((d for d in details if d["type"] == "extra_forbidden"), None) or next(  # a typo explains a missing key
        (d for d in details if d["type"] == "value_error"), None) or next(  # then our own explanations
        (d for d in details if isinstance(d.get("input"), str) and d["type"].startswith(("literal_", "string_"))),
        details[0])  # a word is better told the words or the pattern a union allows than "not an integer"
    charged = _charged_key(detail, document.data, base_path, model)
    loc = _data_loc(document.data, base_path, detail["loc"] + charged)
    path = base_path + loc
    field = ".".join(str(part) for part in loc) or what
    if detail["type"] == "extra_forbidden":
        owner = _owner(model, loc[:-1])
        if owner is not model:  # a key inside a nested model (blocks: {unit: {...}}): its own keys
            model, also_valid, what = owner, (), ".".join(str(part) for part in loc[:-1])
        names = field_names(model)
        twin = next((field for field, written in names.items() if loc[-1] in written), None)
        if twin is not None:  # a second name of a field already given (kernel and kernel_size)
            mapping = _value_at(document.data, path[:-1])
            first = next(name for name in names[twin] if name in mapping and name != loc[-1])
            return ConvcalcError("same_field_twice", document.location(path, at_key=True), key=loc[-1],
                                 other=first, what=what)
        valid = [*model.model_fields, *also_valid]
        aliases = [alias for written in names.values() for alias in written[1:]]
        return ConvcalcError("unknown_key", document.location(path, at_key=True), key=loc[-1], what=what,
                             hint=suggestion(str(loc[-1]), valid + aliases),
                             valid=", ".join(_with_aliases(valid, names)))
    if detail["type"] == "missing":
        return ConvcalcError("missing_key", document.location(base_path), key=field, what=what)
    info = model.model_fields.get(str(loc[0])) if loc else None
    expected = f" ({info.description})" if info is not None and info.description else ""
    message = detail["msg"].removeprefix("Value error, ")
    if not loc and isinstance(detail.get("input"), dict):  # a check across fields none of which is to blame
        return ConvcalcError("invalid_fields", document.location(path), what=what, problem=message)
    return ConvcalcError("invalid_value", document.location(path), field=field, what=what, problem=message,
                         value=_short(_at(document.data, path) if charged else detail.get("input")),
                         expected=expected)


def _charged_key(detail, data, base_path: tuple, model: type[BaseModel]) -> tuple:
    """(the key written for it,) when a model validator charged its failure to a field, else ()."""
    problem = (detail.get("ctx") or {}).get("error")
    if not isinstance(problem, FieldProblem):
        return ()
    data = _at(data, base_path + tuple(detail["loc"]))
    info = model.model_fields.get(problem.field)
    alias = info.validation_alias if info is not None else None
    written = [problem.field, *(alias.choices if isinstance(alias, AliasChoices) else [alias] if alias else [])]
    return next(((key,) for key in written if isinstance(data, dict) and key in data), ())


def _at(data, path: tuple):
    for part in path:
        data = data[part] if isinstance(data, dict) and part in data or isinstance(data, list) and isinstance(
            part, int) and 0 <= part < len(data) else None
    return data


def field_names(model: type[BaseModel]) -> dict[str, list[str]]:
    """Each field's accepted names, convcalc's first: {'kernel': ['kernel', 'kernel_size'], ...}
    (the others are PyTorch's or Keras's names, documented aliases)."""
    names = {}
    for field, info in model.model_fields.items():
        alias = info.validation_alias
        choices = [choice for choice in getattr(alias, "choices", ()) if isinstance(choice, str)]
        names[field] = [field, *(choice for choice in choices if choice != field)]
    return names


def _with_aliases(valid: list[str], names: dict[str, list[str]]) -> list[str]:
    return [f"{key} (or {', '.join(names[key][1:])})" if len(names.get(key, ())) > 1 else key for key in valid]


def _value_at(data, path: tuple):
    for part in path:
        data = data[part] if isinstance(data, (dict, list)) else None
    return data if isinstance(data, dict) else {}


def _owner(model: type[BaseModel], loc: tuple) -> type[BaseModel]:
    """The model whose fields hold the key at ``loc`` + (key,), through dicts, lists and optionals."""
    current = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field is not None else None
            continue
        while get_origin(current) in (Union, types.UnionType):
            current = next((arg for arg in get_args(current) if arg is not type(None)), None)
        args = get_args(current)
        current = args[-1] if get_origin(current) in (dict, list) and args else None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else model


def _data_loc(data, base_path: tuple, loc) -> tuple:
    """Pydantic's error location without its union-member labels: only real keys and indices."""
    for part in base_path:
        data = data[part] if isinstance(data, (dict, list)) else None
    kept = []
    for index, part in enumerate(loc):
        if isinstance(data, dict) and part in data or isinstance(data, list) and isinstance(part, int) \
                and part < len(data):
            kept.append(part)
            data = data[part]
        elif isinstance(data, dict) and index == len(loc) - 1:
            kept.append(part)  # a missing key
    return tuple(kept)


def _short(value) -> str:
    return shorten(repr(value))


def parse_spec(document: Document) -> Spec:
    if not isinstance(document.data, dict):
        raise ConvcalcError("spec_not_mapping", document.location(()))
    try:
        return Spec.model_validate(document.data)
    except ValidationError as error:
        raise validation_failure(error, document, (), "spec", Spec) from None
