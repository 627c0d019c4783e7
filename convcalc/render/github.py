"""GitHub Actions annotations: one `::error` / `::warning` / `::notice` line per diagnostic, at the
line that made the layer, its code first in the message; a `::notice` for a consistent spec
(left out with --quiet)."""

from __future__ import annotations

from convcalc.i18n import translate
from convcalc.render import Failure, diagnostics
from convcalc.text import visible

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape(text: str, property_value: bool = False) -> str:
    """GitHub's workflow-command escaping (data: % CR LF; properties also : and ,), then the
    other control characters drawn, since a log on a terminal shows the line."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return visible(text.replace(":", "%3A").replace(",", "%2C") if property_value else text)


def annotation(level: str, message: str, file: str, line: int | None = None, column: int | None = None) -> str:
    where = [f"file={escape(file, True)}"]
    if line:
        where.append(f"line={line}")
        if column:
            where.append(f"col={column}")
    return f"::{level} {','.join(where)},title=convcalc::{escape(message)}"


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """Annotations list no layers, so ``depth`` changes nothing here."""
    for result in results:
        found = diagnostics(result, lang)
        for record in found:
            stream.write(annotation(COMMANDS[record["level"]], f"{record['code']} {record['message']}",
                                    record["file"], record["line"], record["column"]) + "\n")
        if not found and not quiet and not isinstance(result, Failure):
            stream.write(f"::notice file={escape(result.file, True)},title=convcalc::"
                         f"{escape(translate('github_consistent', lang, name=result.spec.name))}\n")
