"""JSON: one object whatever the number of specs, its shape versioned (``schema_version``) and
described by convcalc/output.schema.json (`convcalc schema --of output`)."""

from __future__ import annotations

import json

from convcalc.render import report


def write(results, lang, stream, depth=None, quiet=False) -> None:
    """``quiet`` changes nothing here: the notes are left out before, and the document stays whole."""
    json.dump(report(results, lang, depth), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
