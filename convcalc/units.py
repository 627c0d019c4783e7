"""Counts and sizes written the way people write them, read by one parser for budgets, --fail-on
thresholds, --set sizes, tolerances and answers: 4GiB, 500MB, 25M, 4.1G, 25_000_000, 34,944,
34 944, 34.944 (a Spanish thousands separator), 1,5M (a Spanish decimal comma), 1,2 millones,
0.7 GFLOPs. Exponents (2.5e7, 1e999999999) are refused everywhere: write 25M.

Rules: a number without a suffix whose digits are grouped by threes with one separator
(`,` `.` `_` or a space) is a whole number (34.944 is 34944); otherwise `.` or `,` is the decimal
separator. A suffix (k, M, G, B = billion, T, P, and the words thousand, million, millones, ...),
for bytes also KiB, MiB, ... and MB) makes the number one rounded to its last
digit (61M stands for 60.5M to 61.5M); a number written in full is exact. Every figure is exact (a
Fraction, never a float) and at most MAX_NUMBER; at most MAX_DIGITS digits are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from convcalc.i18n import Msg

MAX_NUMBER = 2 ** 63  # the largest size, count, budget or answer convcalc takes
MAX_DIGITS = 40  # digits of one written number
LIMIT_TEXT = f"2**63 = {MAX_NUMBER:,}"
MAX_FIGURE = 2 ** 256  # the largest size or receptive-field figure a network may make from them
FIGURE_LIMIT_TEXT = "2**256"

_SEPARATORS = re.compile(r"[x×*,\s()\[\]]+")
_UNIT_WORDS = re.compile(r"\s*(flops?|macs?|mult-?adds?|params?|parámetros|parametros|parameters|weights|pesos)$")
_SPLIT = re.compile(r"^(?P<number>[0-9][0-9.,_ \u00a0\u202f]*?)\s*(?P<suffix>[a-zñó][a-zñó ]*)?$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:([,. _\u00a0\u202f])[0-9]{3})(?:\1[0-9]{3})*$")
_DECIMAL = re.compile(r"^(?P<whole>[0-9]+)(?:[.,](?P<fraction>[0-9]+))?$")
COUNT_SUFFIXES = {"": 1, "k": 10 ** 3, "m": 10 ** 6, "g": 10 ** 9, "b": 10 ** 9, "t": 10 ** 12, "p": 10 ** 15,
                  "thousand": 10 ** 3, "mil": 10 ** 3, "million": 10 ** 6, "millions": 10 ** 6,
                  "millón": 10 ** 6, "millon": 10 ** 6, "millones": 10 ** 6, "billion": 10 ** 9,
                  "mil millones": 10 ** 9}
BYTE_SUFFIXES = {**COUNT_SUFFIXES, "b": 1, **{prefix + binary + unit: (1024 if binary else 1000) ** power
                                   for power, prefix in enumerate("kmgtp", 1)
                                   for binary in ("", "i") for unit in ("", "b")}}


def fixed(value, places: int = 1, grouped: bool = False) -> str:
    """An exact number rounded half up to ``places`` decimals, with no float on the way (so it
    holds for numbers past a float's range).

    >>> fixed(Fraction(2 ** 1100 + 1, 2 ** 1000)), fixed(Fraction(1, 20)), fixed(Fraction(12345678, 10), grouped=True)
    ('1267650600228229401496703205376.0', '0.1', '1,234,567.8')
    """
    scaled = Fraction(value) * 10 ** places
    units = int(abs(scaled) + Fraction(1, 2))
    whole, decimals = divmod(units, 10 ** places)
    text = (f"{whole:,}" if grouped else str(whole)) + (f".{decimals:0{places}d}" if places else "")
    return "-" + text if scaled < 0 and units else text


def bytes_text(value: int, decimal: str = ".") -> str:
    """Bytes in binary units, exactly rounded: 284456 -> '277.8 KiB' ('277,8 KiB' with a decimal
    comma), 1023 -> '1023 B'."""
    for power, unit in enumerate(("B", "KiB", "MiB", "GiB", "TiB")):
        if value < 1024 ** (power + 1) or unit == "TiB":
            return f"{value} {unit}" if unit == "B" else \
                f"{fixed(Fraction(value, 1024 ** power)).replace('.', decimal)} {unit}"
    return str(value)


_SI_PREFIXES = "KMGTPEZYRQ"


def count_text(value: int, decimal: str = ".") -> str:
    """A count in SI units with one decimal, rounded half up as ``fixed`` rounds (the exact
    figure is in the JSON): what a narrow table shows.

    >>> count_text(25_557_032), count_text(4_089_184_256), count_text(9_408), count_text(999), count_text(999_960)
    ('25.6M', '4.1G', '9.4K', '999', '1.0M')
    >>> count_text(1_250_000, decimal=",")
    '1,3M'
    """
    if abs(value) < 1000:
        return str(value)
    power = 1  # K; past 999.95 of a unit the next one (to Q, 10**30)
    while power < len(_SI_PREFIXES) and abs(value) * 20 >= 19_999 * 1000 ** power:
        power += 1
    return fixed(Fraction(value, 1000 ** power)).replace(".", decimal) + _SI_PREFIXES[power - 1]


class NumberError(ValueError):
    """A written number convcalc refuses; ``message`` is a catalogue fragment (translated with the
    whole message), ``str()`` its English text."""

    def __init__(self, key: str, /, **params):
        self.message = Msg(key, **params)
        super().__init__(str(self.message))


@dataclass(frozen=True)
class Amount:
    """A number as written: its exact value and the half-width of the interval it stands for."""

    value: Fraction
    rounding: Fraction = Fraction(0)


def parse_amount(text, kind: str = "count") -> Amount:
    """The exact value of a count (kind 'count') or a size in bytes (kind 'bytes').

    >>> parse_amount("1,5M").value, parse_amount("34.944").value, parse_amount("2.5M").rounding
    (Fraction(1500000, 1), Fraction(34944, 1), Fraction(50000, 1))
    """
    if isinstance(text, bool):
        raise NumberError("number_unreadable", value=text)
    if isinstance(text, int):
        return _bounded(Amount(Fraction(text)), text)
    raw = written(text)
    cleaned = _UNIT_WORDS.sub("", (getattr(text, "text", None) or str(text)).strip().lower()).strip()
    match = _SPLIT.match(cleaned)
    suffixes = BYTE_SUFFIXES if kind == "bytes" else COUNT_SUFFIXES
    if not match or (match["suffix"] or "").strip() not in suffixes:
        raise NumberError("number_unreadable", value=raw)
    number, suffix = match["number"].strip(), (match["suffix"] or "").strip()
    if sum(character.isdigit() for character in number) > MAX_DIGITS:
        raise NumberError("number_digits", value=raw, digits=MAX_DIGITS)
    multiplier = suffixes[suffix]
    if not suffix and _GROUPED.match(number):
        return _bounded(Amount(Fraction(int(re.sub(r"[^0-9]", "", number)))), raw)
    decimal = _DECIMAL.match(number)
    if not decimal:
        raise NumberError("number_unreadable", value=raw)
    fraction = decimal["fraction"] or ""
    value = Fraction(int(decimal["whole"] + fraction), 10 ** len(fraction)) * multiplier
    rounding = Fraction(multiplier, 2 * 10 ** len(fraction)) if suffix else Fraction(0)
    return _bounded(Amount(value, rounding), raw)


def _bounded(amount: Amount, raw) -> Amount:
    if abs(amount.value) > MAX_NUMBER:
        raise NumberError("number_too_large", value=written(raw), limit=LIMIT_TEXT)
    return amount


def written(text) -> str:
    """How a value was written (a YAML float keeps its text), cut short past 40 characters so that
    a 5,000-digit number is refused in one readable line."""
    if isinstance(text, int) and abs(text).bit_length() > 4000 * 3:  # str() of a 4,300-digit int raises
        return f"{'-' if text < 0 else ''}2**{abs(text).bit_length() - 1}..."
    raw = getattr(text, "text", None) or str(text).strip()
    return raw if len(raw) <= 40 else f"{raw[:20]}...{raw[-8:]} ({len(raw):,} characters)"


def parse_ratio(text) -> Fraction:
    """A factor written as a number or a fraction: 2, 1.5, 0.29, '3/2' (upsampling scales), each
    part read by parse_amount, so 1e999999999 is refused instead of built.

    >>> parse_ratio("3/2"), parse_ratio(0.29)
    (Fraction(3, 2), Fraction(29, 100))
    """
    if isinstance(text, float) and not hasattr(text, "text"):
        text = repr(text)
    numerator, slash, denominator = str(text).partition("/") if isinstance(text, str) else (text, "", None)
    value = parse_amount(numerator.strip() if isinstance(numerator, str) else numerator).value
    if slash:
        divisor = parse_amount(denominator.strip()).value
        if divisor == 0:
            raise NumberError("number_unreadable", value=written(text))
        value /= divisor
    return value


def parse_whole(text, kind: str = "count", low: int = 1) -> int:
    """A whole number from ``low`` to MAX_NUMBER: a budget, a threshold, a size given with --set.

    >>> parse_whole("1.5KiB", "bytes"), parse_whole("4.1G"), parse_whole("25_000_000")
    (1536, 4100000000, 25000000)
    """
    value = parse_amount(text, kind).value
    shown = written(text)
    if value.denominator != 1:
        raise NumberError("number_not_whole", value=shown)
    if value < low:
        raise NumberError("number_too_small", value=shown, low=low)
    return int(value)


def parse_quantity(text) -> int:
    """'4GiB' -> 4*1024**3, '500MB' -> 500*1000**2, '25M' -> 25_000_000, '1024' -> 1024 (budgets,
    --max-memory: bytes or counts, so every suffix of both is read).

    >>> parse_quantity("1.5KiB"), parse_quantity("4.1G")
    (1536, 4100000000)
    """
    return parse_whole(text, "bytes")


def split_sizes(text, most: int | None = None) -> list[int]:
    """'227x227x3', '55×55×96', '[96, 55, 55]', '(96,55,55)', '227': the sizes, in the order written.

    >>> split_sizes("[96, 55, 55]")
    [96, 55, 55]
    """
    parts = [part for part in _SEPARATORS.split(str(text).strip().lower()) if part]
    if not parts or not all(re.fullmatch(r"[0-9]{1,19}", part) and 0 < int(part) <= MAX_NUMBER for part in parts) \
            or (most and len(parts) > most):
        raise ValueError(Msg("not_a_size", value=text))
    return [int(part) for part in parts]
