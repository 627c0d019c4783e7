"""Sizes and counts written the way people write them: 4GiB, 500MB, 25M, 4.1G."""

from __future__ import annotations

import re

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
