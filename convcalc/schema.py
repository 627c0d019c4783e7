"""The spec's JSON Schema and the layer catalogue, both generated from the layer classes."""

from __future__ import annotations

from convcalc.graph import ENTRY_KEYS
from convcalc.layers import REGISTRY
from convcalc.spec import Spec, field_names

ENTRY_PROPERTIES = {  # "es": the Spanish description, kept out of the JSON Schema
    "name": {"type": "string", "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$",
             "description": "layer name (generated when absent: conv1, conv2, ...)",
             "es": "nombre de la capa (generado si falta: conv1, conv2, ...)"},
    "inputs": {"type": "array", "items": {"type": "string"}, "minItems": 1,
               "description": "earlier layers (or `input`) this layer reads; default: the previous layer",
               "es": "capas anteriores (o `input`) que lee esta capa; por defecto, la capa anterior"},
    "repeat": {"type": "integer", "minimum": 1, "description": "stack this entry N times, named name.0, name.1, ...",
               "es": "apilar esta entrada N veces, con los nombres name.0, name.1, ..."},
    "index_from": {"type": "integer", "minimum": 0, "description": "first index of repeated names (default 0)",
                   "es": "primer índice de los nombres repetidos (por defecto 0)"},
    "train_only": {"type": "boolean", "description": "built but run only in training (an auxiliary head): "
                                                   "its parameters count, its MACs and memory only with --mode train",
                   "es": "se construye pero solo se ejecuta en el entrenamiento (una cabeza auxiliar): sus "
                         "parámetros cuentan; sus MACs y su memoria, solo con `--mode train`"},
    "weights": {"type": "object", "additionalProperties": {"type": ["array", "number"]},
                "description": "parameter values for `convcalc run`, by PyTorch's names: weight, bias, ...",
                "es": "valores de los parámetros para `convcalc run`, con los nombres de PyTorch: `weight`, `bias`, ..."},
}
assert set(ENTRY_PROPERTIES) == set(ENTRY_KEYS)


ENTRY_SCHEMAS = {key: {name: value for name, value in prop.items() if name != "es"}
                 for key, prop in ENTRY_PROPERTIES.items()}


def entry_key_description(key: str, lang: str = "en") -> str:
    """What the entry key ``key`` (name, inputs, ...) does, in ``lang``."""
    return ENTRY_PROPERTIES[key]["es" if lang == "es" else "description"]


def layer_fields(kind: str) -> dict:
    """JSON Schema properties of a layer type's hyperparameters, each alias (PyTorch's or Keras's
    name: kernel_size for kernel) with the same schema."""
    schema = REGISTRY[kind].model_json_schema()
    properties = {}
    for field, names in field_names(REGISTRY[kind]).items():
        prop = {key: value for key, value in schema.get("properties", {}).get(field, {}).items()
                if key not in ("title", "es")}  # "es": the Spanish description, not a JSON Schema keyword
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
                             "properties": {"type": {"const": kind}, **layer_fields(kind), **ENTRY_SCHEMAS}}
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
                           "description": field_description(info, lang)})
        entries.append({"type": kind, "summary": cls.summary[lang], "fields": fields,
                        "inputs": cls.min_inputs if cls.max_inputs == cls.min_inputs else
                        f"{cls.min_inputs}+", "formulas": cls.formulas[lang], "flops": cls.flop_rule[lang]})
    return entries


def field_description(info, lang: str) -> str:
    """A field's description in ``lang``: the Spanish one is its ``json_schema_extra["es"]``."""
    if lang == "es" and isinstance(info.json_schema_extra, dict) and "es" in info.json_schema_extra:
        return info.json_schema_extra["es"]
    return info.description or ""


def _plain_default(value):
    return value if isinstance(value, (int, float, str, bool, type(None), list)) else str(value)
