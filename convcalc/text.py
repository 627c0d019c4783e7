"""User text made safe to show on a terminal: control characters drawn, long values shortened.

Every value convcalc echoes from a spec, an answers file, a lock file or the command line passes
through ``visible`` before it reaches a terminal, so a layer named ``ESC ]0;...`` cannot set the
window title nor ``ESC [2J`` clear the screen. Control characters are drawn as ruff draws them:
the Control Pictures block (U+2400-U+2421: ␛ for ESC, ␇ for BEL, ␊ for a newline, ␡ for DEL);
C1 controls (U+0080-U+009F, where 0x9B is a one-byte CSI), bidirectional overrides and line or
paragraph separators, which have no picture, as their escape (``\\x9b``, ``\\u202e``).
JSON output keeps the real characters (JSON escapes control characters itself).

>>> visible("evil\\x1b]0;pwned\\x07\\x1b[2J")
'evil␛]0;pwned␇␛[2J'
>>> shorten("x" * 100)
'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'
"""

from __future__ import annotations

VALUE_LIMIT = 80  # characters of one value echoed in a message (a name, a type, a key, a value)

_BIDI_AND_SEPARATORS = (0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_PICTURES = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421} | {
    code: f"\\x{code:02x}" for code in range(0x80, 0xA0)} | {code: f"\\u{code:04x}" for code in _BIDI_AND_SEPARATORS}


class EnglishNumber(str):
    """A figure written the English way (1,234,567 or 12.5), which a message shows in its
    reader's convention: 1 234 567 and 12,5 in Spanish (where 12.345 reads as twelve thousand)."""


def number_in(text: str, lang: str) -> str:
    """An English-written figure in ``lang``'s convention: thousands by a no-break space and a
    decimal comma in Spanish.

    >>> number_in("1,234,567.5", "es"), number_in("55.25", "es"), number_in("12.5", "en")
    ('1\u00a0234\u00a0567,5', '55,25', '12.5')
    """
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "es" else text


def visible(text: str) -> str:
    """``text`` with every control character drawn (newlines too: one value stays one line)."""
    return text.translate(_PICTURES)


def shorten(text: str, limit: int = VALUE_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(value, limit: int | None = VALUE_LIMIT) -> str:
    """One value as a message echoes it: on one line, control characters drawn, at most ``limit``
    characters (None: uncut). Cut before drawing, so a million-character value costs no more than
    a short one."""
    text = str(value)
    return visible(text if limit is None else shorten(text[:limit + 1], limit))
