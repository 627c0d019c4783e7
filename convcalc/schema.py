"""The spec's JSON Schema and the layer catalogue, both generated from the layer classes."""

from __future__ import annotations

from convcalc.graph import ENTRY_KEYS
from convcalc.layers import REGISTRY
from convcalc.spec import Spec, field_names

ENTRY_PROPERTIES = {
    "name": {"type": "string", "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$",
             "description": "layer name (generated when absent: conv1, conv2, ...)"},
    "inputs": {"type": "array", "items": {"type": "string"}, "minItems": 1,
               "description": "earlier layers (or `input`) this layer reads; default: the previous layer"},
    "repeat": {"type": "integer", "minimum": 1, "description": "stack this entry N times, named name.0, name.1, ..."},
    "index_from": {"type": "integer", "minimum": 0, "description": "first index of repeated names (default 0)"},
    "train_only": {"type": "boolean", "description": "built but run only in training (an auxiliary head): "
                                                   "its parameters count, its MACs and memory only with --mode train"},
    "weights": {"type": "object", "additionalProperties": {"type": ["array", "number"]},
                "description": "parameter values for `convcalc run`, by PyTorch's names: weight, bias, ..."},
}
assert set(ENTRY_PROPERTIES) == set(ENTRY_KEYS)


def layer_fields(kind: str) -> dict:
    """JSON Schema properties of a layer type's hyperparameters, each alias (PyTorch's or Keras's
    name: kernel_size for kernel) with the same schema."""
    schema = REGISTRY[kind].model_json_schema()
    properties = {}
    for field, names in field_names(REGISTRY[kind]).items():
        prop = {key: value for key, value in schema.get("properties", {}).get(field, {}).items() if key != "title"}
        properties[field] = prop
        for alias in names[1:]:
            properties[alias] = {**prop, "description": f"another name of `{field}`"}
    return properties


def _one_name_each(kind: str) -> list[dict]:
    """A required field may be given by any of its names, and no field by two of them."""
    names = field_names(REGISTRY[kind])
    required = REGISTRY[kind].model_json_schema().get("required", [])
    rules = [{"anyOf": [{"required": [name]} for name in names[field]]} for field in sorted(required)]
    rules += [{"not": {"required": [first, other]}} for written in names.values()
              for index, first in enumerate(written) for other in written[index + 1:]]
    return rules


def spec_schema() -> dict:
    """JSON Schema for spec files: canonical `type:` entries, short forms and block uses."""
    schema = Spec.model_json_schema()
    definitions = schema.setdefault("$defs", {})
    entries = [{"type": "string", "enum": sorted(REGISTRY), "description": "a layer with default settings"}]
    for kind in sorted(REGISTRY):
        summary = REGISTRY[kind].summary["en"]
        definitions[kind] = {"type": "object", "description": summary, "additionalProperties": False,
                             "properties": {"type": {"const": kind}, **layer_fields(kind), **ENTRY_PROPERTIES}}
        if _one_name_each(kind):
            definitions[kind]["allOf"] = _one_name_each(kind)
        entries.append({"allOf": [{"$ref": f"#/$defs/{kind}"}], "required": ["type"]})
        entries.append({"type": "object", "additionalProperties": False, "required": [kind],
                        "properties": {kind: {"anyOf": [{"$ref": f"#/$defs/{kind}"}, {"type": "null"}]}}})
    entries.append({"type": "object", "minProperties": 1, "description": "a block use: - block_name: {params}",
                    "not": {"anyOf": [{"required": [kind]} for kind in sorted(REGISTRY)] + [{"required": ["type"]}]}})
    schema["properties"]["layers"]["items"] = {"anyOf": entries}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "convcalc spec"
    return schema


def catalogue(lang: str = "en") -> list[dict]:
    """Every layer type: summary, hyperparameters (with defaults), formulas and FLOP rule."""
    entries = []
    for kind, cls in REGISTRY.items():
        fields = []
        names = field_names(cls)
        for name, info in cls.model_fields.items():
            fields.append({"name": name, "aliases": names[name][1:], "required": info.is_required(),
                           "default": None if info.is_required() else _plain_default(info.default),
                           "description": info.description or ""})
        entries.append({"type": kind, "summary": cls.summary[lang], "fields": fields,
                        "inputs": cls.min_inputs if cls.max_inputs == cls.min_inputs else
                        f"{cls.min_inputs}+", "formulas": cls.formulas, "flops": cls.flop_rule[lang]})
    return entries


def _plain_default(value):
    return value if isinstance(value, (int, float, str, bool, type(None), list)) else str(value)
