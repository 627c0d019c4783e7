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
from convcalc.i18n import LANGUAGES, Msg, PerLanguage, translate
from convcalc.loading import Document, as_written

def _not_keyword(name: str) -> str:
    if keyword.iskeyword(name):
        raise ValueError(Msg("size_reserved_word", name=name))
    return name


SymbolName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"), AfterValidator(_not_keyword)]


def _not_bool(value):
    """pydantic would read true as the size 1."""
    if isinstance(value, bool):
        raise ValueError(Msg("size_not_boolean"))
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
                raise ValueError(Msg("graph_edges_missing"))
            return self
        if len(self.edge_list) != 2 or len(self.edge_list[0]) != len(self.edge_list[1]):
            raise FieldProblem("edge_list", Msg("graph_edge_lists"))
        if any(source == target for source, target in zip(*self.edge_list)):
            raise FieldProblem("edge_list", Msg("graph_self_loop"))
        count = len(self.edge_list[0])
        if self.edges is not None and self.edges != count:
            raise FieldProblem("edges", Msg("graph_edge_count", count=count))
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


def validation_failure(error: ValidationError, document: Document, base_path: tuple, what: str | Msg,
                       model: type[BaseModel], also_valid: tuple[str, ...] = ()) -> ConvcalcError:
    """The first pydantic error as a ConvcalcError at its place in the file."""
    details = error.errors(include_url=False)
    detail = next((d for d in details if d["type"] == "extra_forbidden"), None) or next(  # a typo explains a missing key
        (d for d in details if d["type"] == "value_error"), None) or next(  # then our own explanations
        (d for d in details if isinstance(d.get("input"), str) and d["type"].startswith(("literal_", "string_"))),
        None)  # a word is better told the words or the pattern a union allows than "not an integer"
    if detail is not None:
        problem = _problem(detail)
    else:
        detail, problem = _telling(details, document.data, base_path)
    charged = _charged_key(detail, document.data, base_path, model)
    loc = _data_loc(document.data, base_path, detail["loc"] + charged, missing=detail["type"] == "missing")
    path = base_path + loc
    field = field_path(loc) or what
    if detail["type"] == "extra_forbidden":
        owner = _owner(model, loc[:-1])
        if owner is not model:  # a key inside a nested model (blocks: {unit: {...}}): its own keys
            model, also_valid, what = owner, (), field_path(loc[:-1])
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
                             valid=PerLanguage(**{lang: ", ".join(_with_aliases(valid, names, lang))
                                                  for lang in LANGUAGES}))
    if detail["type"] == "missing":
        return ConvcalcError("missing_key", document.location(base_path), key=field, what=what)
    if not loc and isinstance(detail.get("input"), dict):  # a check across fields none of which is to blame
        return ConvcalcError("invalid_fields", document.location(path), what=what, problem=problem)
    named = next((name for name, written in field_names(model).items() if loc and loc[0] in written), None)
    return ConvcalcError("invalid_value", document.location(path), field=field, what=what, problem=problem,
                         value=as_written(_at(document.data, path) if charged else detail.get("input")),
                         expected=PerLanguage(**{lang: f" ({description})" for lang in LANGUAGES if (
                             description := named and field_description(model, named, lang))}))


def field_description(model: type[BaseModel], field: str, lang: str) -> str | None:
    """What ``field`` of ``model`` holds, in ``lang``: the Field's description in English; in another
    language the text its metadata gives under that language's code (json_schema_extra={"es": "..."}),
    or None, so that a message leaves it out rather than mix languages."""
    info = model.model_fields.get(field)
    if info is None:
        return None
    if lang == "en":
        return info.description
    extra = info.json_schema_extra
    return extra.get(lang) if isinstance(extra, dict) else None


def field_path(loc: tuple) -> str:
    """A place in the spec as its user names it: ('input', 2) is 'input[2]', ('blocks', 'unit') 'blocks.unit'."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


# pydantic's errors that a value of another type raises, and the kind each expected (a literal's
# words are in its ctx)
_EXPECTED_KINDS = {"int_type": "expected_integer", "float_type": "expected_number", "bool_type": "expected_boolean",
                   "string_type": "expected_text", "list_type": "expected_list", "dict_type": "expected_mapping",
                   "model_type": "expected_mapping"}
_WRONG_TYPE = frozenset({*_EXPECTED_KINDS, "literal_error"})
# pydantic's other errors that a catalogue message (pydantic_<type>) words, with the ctx values it fills in
_WORDED = {"greater_than": ("gt",), "greater_than_equal": ("ge",), "less_than": ("lt",), "less_than_equal": ("le",),
           "string_pattern_mismatch": ("pattern",), "bool_parsing": (), "finite_number": (), "int_from_float": (),
           "int_parsing": ()}


def _telling(details: list, data, base_path: tuple) -> tuple[dict, Msg | PerLanguage | str]:
    """The error that tells the user most, and its message. The deepest into the value written (the
    bad item of a list, not "not an integer" of the whole list); there, a broken constraint rather
    than a wrong type (-1 for a size is "not greater than 0", not "not a text"); else every type the
    union members take there ("an integer or a list")."""
    places = [_data_loc(data, base_path, detail["loc"], missing=detail["type"] == "missing") for detail in details]
    deepest = max(places, key=len)
    here = [detail for detail, place in zip(details, places) if place == deepest]
    broken = next((detail for detail in here if detail["type"] not in _WRONG_TYPE), None)
    if broken is not None:
        return broken, _problem(broken)
    kinds = [_kind(detail, in_union=len(here) > 1) for detail in here]
    return here[0], Msg("pydantic_expected", kinds=_either(kinds))


def _problem(detail: dict) -> Msg | PerLanguage | str:
    """What is wrong, as a catalogue message: pydantic's error by its type and ctx, or the text our own
    validator gave (a Msg is worded in each language; a plain text only in the one it was written in)."""
    kind, ctx = detail["type"], detail.get("ctx") or {}
    if kind == "value_error":
        raised = ctx.get("error")
        return raised.args[0] if raised is not None and raised.args and isinstance(raised.args[0], Msg) else \
            detail["msg"].removeprefix("Value error, ")
    if kind in _WRONG_TYPE:
        return Msg("pydantic_expected", kinds=_kind(detail, in_union=False))
    if kind in ("too_short", "too_long"):
        bound = ctx["min_length" if kind == "too_short" else "max_length"]
        return Msg(f"pydantic_{kind}", items=Msg("count_item" if bound == 1 else "count_items", count=bound),
                   actual=ctx["actual_length"])
    if kind in _WORDED:  # a bound as pydantic words it (1.0 is 1); a pattern as is
        return Msg(f"pydantic_{kind}", **{name: _bound(ctx[name]) for name in _WORDED[kind]})
    return PerLanguage(Msg("pydantic_other"), en=detail["msg"])


def _bound(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _kind(detail: dict, in_union: bool) -> Msg | str:
    """The kind of value a type error expected: "a valid integer", or a literal's words ('chw' or 'hwc';
    among a union's other kinds "one of 'valid', 'same'")."""
    if detail["type"] != "literal_error":
        return Msg(_EXPECTED_KINDS[detail["type"]])
    head, _, last = detail["ctx"]["expected"].rpartition(" or ")  # pydantic's "'a', 'b' or 'c'"
    words = [*head.split(", "), last] if head else [last]
    return Msg("pydantic_one_of", words=", ".join(words)) if in_union and len(words) > 1 else _either(words)


def _either(choices: list) -> Msg | str:
    """"a, b or c" in the message's language."""
    if len(choices) == 1:
        return choices[0]
    listed = choices[0]
    for choice in choices[1:-1]:
        listed = Msg("listed_and", first=listed, then=choice)
    return Msg("listed_or", first=listed, last=choices[-1])


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


def _with_aliases(valid: list[str], names: dict[str, list[str]], lang: str) -> list[str]:
    return [translate("key_with_aliases", lang, key=key, aliases=", ".join(names[key][1:]))
            if len(names.get(key, ())) > 1 else key for key in valid]


def _value_at(data, path: tuple):
    for part in path:
        data = data[part] if isinstance(data, (dict, list)) else None
    return data if isinstance(data, dict) else {}


def _owner(model: type[BaseModel], loc: tuple) -> type[BaseModel]:
    """The model whose fields hold the key at ``loc`` + (key,), through dicts, lists and optionals."""
    current = model
    for part in loc:
        current = _not_optional(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field is not None else None
            continue
        args = get_args(current)
        current = args[-1] if get_origin(current) in (dict, list) and args else None
    current = _not_optional(current)  # lint: LintSettings | None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else model


def _not_optional(annotation):
    while get_origin(annotation) in (Union, types.UnionType):
        annotation = next((arg for arg in get_args(annotation) if arg is not type(None)), None)
    return annotation


def _data_loc(data, base_path: tuple, loc, missing: bool) -> tuple:
    """Pydantic's error location without its union-member labels: only real keys and indices (and,
    for a ``missing`` key, that key)."""
    for part in base_path:
        data = data[part] if isinstance(data, (dict, list)) else None
    kept = []
    for index, part in enumerate(loc):
        if isinstance(data, dict) and part in data or isinstance(data, list) and isinstance(part, int) \
                and part < len(data):
            kept.append(part)
            data = data[part]
        elif missing and isinstance(data, dict) and index == len(loc) - 1:
            kept.append(part)
    return tuple(kept)


def parse_spec(document: Document) -> Spec:
    if not isinstance(document.data, dict):
        raise ConvcalcError("spec_not_mapping", document.location(()))
    try:
        return Spec.model_validate(document.data)
    except ValidationError as error:
        raise validation_failure(error, document, (), Msg("the_spec"), Spec) from None
