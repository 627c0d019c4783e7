"""Sizes and counts written the way people write them: 4GiB, 500MB, 25M, 4.1G."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[x×*,\s()\[\]]+")
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKMGTP]?)(i?)([bB]?)\s*$")
_POWERS = {"": 0, "k": 1, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5}


def parse_quantity(text: str) -> int:
    """'4GiB' -> 4*1024**3, '500MB' -> 500*1000**2, '25M' -> 25_000_000, '1024' -> 1024.

    >>> parse_quantity("1.5KiB"), parse_quantity("4.1G")
    (1536, 4100000000)
    """
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a size: write e.g. 4GiB, 500MB, 25M or 1024")
    number, prefix, binary, _ = match.groups()
    base = 1024 if binary else 1000
    return round(float(number) * base ** _POWERS[prefix])


def split_sizes(text, most: int | None = None) -> list[int]:
    """'227x227x3', '55×55×96', '[96, 55, 55]', '(96,55,55)', '227': the sizes, in the order written.

    >>> split_sizes("[96, 55, 55]")
    [96, 55, 55]
    """
    parts = [part for part in _SEPARATORS.split(str(text).strip().lower()) if part]
    if not parts or not all(part.isdigit() and int(part) > 0 for part in parts) or (most and len(parts) > most):
        raise ValueError(f"'{text}' is not a size: write e.g. 227x227x3, 3x227x227 or 227")
    return [int(part) for part in parts]
