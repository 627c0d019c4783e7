"""SARIF 2.1.0 (OASIS; what GitHub code scanning and other CI dashboards read): one run of
convcalc, one result per diagnostic at the line that made the layer, the block definition's line
as a related location, every code that appears as a rule."""

from __future__ import annotations

import json
from pathlib import PurePath
from urllib.parse import quote

from convcalc import __version__
from convcalc.diagnostics import level as default_level
from convcalc.render import diagnostics

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def uri(file: str) -> str:
    """A relative path as a URI reference with forward slashes; an absolute one as a file: URI."""
    path = PurePath(file)
    return path.as_uri() if path.is_absolute() else quote(path.as_posix())


def region(line, column) -> dict:
    return {"startLine": line, **({"startColumn": column} if column else {})}


def physical(file: str, line, column) -> dict:
    place = {"artifactLocation": {"uri": uri(file)}}
    if line:
        place["region"] = region(line, column)
    return {"physicalLocation": place}


def result_record(record: dict, rules: dict) -> dict:
    result = {"ruleId": record["code"], "ruleIndex": rules.setdefault(record["code"], (len(rules), record["key"]))[0],
              "level": record["level"], "message": {"text": record["message"]},
              "locations": [physical(record["file"], record["line"], record["column"])]}
    if record["definition"]:
        result["relatedLocations"] = [{"id": 1, **physical(record["file"], record["definition"]["line"],
                                                           record["definition"]["column"])}]
    if record["layer"]:
        result["properties"] = {"layer": record["layer"], "blockPath": [use["name"] for use in record["block_path"]]}
    return result


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """``depth`` and ``quiet`` change nothing here: the notes are left out before, and the log stays whole."""
    rules: dict[str, tuple[int, str]] = {}  # code -> (index, a message key of it)
    found = [result_record(record, rules) for result in results for record in diagnostics(result, lang)]
    driver = {"name": "convcalc", "version": __version__,
              "rules": [{"id": code, "defaultConfiguration": {"level": default_level(key.removesuffix("_strict"))}}
                        for code, (_, key) in rules.items()]}
    log = {"$schema": SCHEMA, "version": "2.1.0",
           "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": found}]}
    json.dump(log, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
