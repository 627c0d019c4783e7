"""Spec YAML text from an importer's layers: the layout of the shipped specs (one layer a line,
flow mappings), with a comment saying where the spec came from, and the layers that repeat folded
into blocks where the blocks expand to the same layers (``convcalc.bridges.blocks``)."""

from __future__ import annotations

import yaml

from convcalc.bridges.blocks import fold_blocks


def spec_yaml(name: str, source: str, input_shape: list, layers: list[dict], *, batch=1,
              blocks: dict | None = None, notes: list[str] = (), fold: bool = True) -> str:
    """The text of a spec: ``layers`` (and ``blocks``, name -> {params, layers}) are spec entries
    ``{kind: {fields}}`` as a user writes them; ``source`` and ``notes`` become the leading comment.
    Without ``blocks`` and unless ``fold`` is false, repeated runs of ``layers`` become blocks."""
    if fold and not blocks:
        blocks, layers = fold_blocks(layers)
    lines = [f"# Imported by convcalc from {_comment(source)}."]
    lines += [f"# {_comment(note)}" for note in notes]
    lines += [f"name: {_scalar(name)}", f"input: {_flow(list(input_shape))}"]
    if batch != 1:
        lines.append(f"batch: {_scalar(batch)}")
    if blocks:
        lines.append("blocks:")
        for block, body in blocks.items():
            lines.append(f"  {_scalar(block)}:")
            if body.get("params"):
                lines.append(f"    params: {_flow(body['params'])}")
            lines.append("    layers:")
            lines += [f"      - {_entry(entry)}" for entry in body["layers"]]
    lines.append("layers:")
    lines += [f"  - {_entry(entry)}" for entry in layers]
    return "\n".join(lines) + "\n"


def _entry(entry: dict) -> str:
    (kind, fields), = entry.items()
    return f"{kind}: {_flow(fields)}" if fields else f"{kind}: {{}}"


def _flow(value) -> str:
    """A value as a one-line YAML flow collection or scalar (quoted where YAML would misread it)."""
    return yaml.safe_dump(value, default_flow_style=True, width=10 ** 9, sort_keys=False, allow_unicode=True).strip() \
        .removesuffix("\n...").removesuffix("...").strip()


def _scalar(value) -> str:
    return _flow(value)


def _comment(text: str) -> str:
    """One line of a comment: no line breaks or control characters from a model's strings."""
    return "".join(character if character.isprintable() else " " for character in str(text))
