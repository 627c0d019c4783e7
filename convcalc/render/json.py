"""JSON: one object per spec (a list of them for several specs), keys as documented in README."""

from __future__ import annotations

import json

from convcalc.render import document


def write(analyses, lang, stream, depth=None) -> None:
    data = [document(analysis, lang, depth) for analysis in analyses]
    json.dump(data[0] if len(data) == 1 else data, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
