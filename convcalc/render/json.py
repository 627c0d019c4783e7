"""JSON: one object whatever the number of specs, its shape versioned (``schema_version``) and
described by convcalc/output.schema.json (`convcalc schema --of output`)."""

from __future__ import annotations

import json

from convcalc.render import report


def write(results, lang, stream) -> None:
    json.dump(report(results, lang), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
