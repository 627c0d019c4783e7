"""GitHub Actions annotations: one `::error` / `::warning` line per finding, at its spec line."""

from __future__ import annotations

from convcalc.text import visible


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


def write(analyses, lang, stream, depth=None) -> None:
    """Annotations list no layers, so ``depth`` changes nothing here."""
    for analysis in analyses:
        for finding in analysis.findings:
            location = finding.location
            message = finding.render(lang)
            if location is not None:
                message = message.removeprefix(f"{location}: ")
            stream.write(annotation(finding.severity, message, analysis.file, location.line if location else None,
                                    location.column if location else None) + "\n")
        if not analysis.findings:
            stream.write(f"::notice file={escape(analysis.file, True)},title=convcalc::"
                         f"{escape(analysis.spec.name)}: consistent\n")
