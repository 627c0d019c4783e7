"""The specs shipped with convcalc, reachable by name from any directory: `convcalc analyze resnet50`.

In an installed wheel they sit in the package (``convcalc/specs``, the JSON Schema beside them as
``convcalc/convcalc.schema.json``); in a clone, at the top of the repository. Either way a spec's
``$schema=../convcalc.schema.json`` hint resolves.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir() -> Path:
    """Where the shipped specs are: inside the installed package, else the clone's ``specs/``."""
    inside = _PACKAGE / "specs"
    return inside if inside.is_dir() else _PACKAGE.parent / "specs"


def schema_path() -> Path:
    """The shipped JSON Schema of specs, one folder above the specs (as their hints say)."""
    return shipped_dir().parent / "convcalc.schema.json"


def with_absolute_hint(text: str) -> str:
    """A shipped spec's text with its editor hint pointing at the installed schema, so a copy
    made anywhere (`convcalc specs vgg16 > my.yaml`) is still completed and checked by an editor."""
    hint = "# yaml-language-server: $schema="
    first, newline, rest = text.partition("\n")
    return f"{hint}{schema_path()}{newline}{rest}" if first.startswith(hint) else text


def shipped_names() -> list[str]:
    """Every shipped spec's name: its path below the specs folder without ``.yaml``
    (``resnet50``, ``examples/max_pooling``)."""
    root = shipped_dir()
    return sorted(path.relative_to(root).with_suffix("").as_posix() for path in root.rglob("*.yaml"))


def shipped_path(name: str) -> Path | None:
    """The shipped spec called ``name`` (``resnet50`` or ``resnet50.yaml``), or None."""
    stem = name[: -len(".yaml")] if name.endswith(".yaml") else name
    return shipped_dir() / f"{stem}.yaml" if stem in shipped_names() else None


def resolve_spec(argument: str) -> str:
    """The file a spec argument names: the path itself when it exists (or looks like a path the
    user means), else the shipped spec of that name, else the argument unchanged (whose reading
    then says that no such file exists)."""
    if os.path.lexists(argument) or argument == "-":
        return argument
    found = shipped_path(argument)
    return str(found) if found is not None else argument
