"""Exact integer size expressions: polynomials over symbols and floor atoms.

A tensor size in convcalc is a ``Dim``: a plain ``int`` (the fast path) or an ``Expr`` that is
never constant. ``Expr`` supports ``+ - * //`` with ints and other ``Expr`` values, so a layer's
shape rule is written once, as ordinary integer arithmetic, and works for both.

Every floor is kept in a normal form at nesting depth one wherever the identities allow
(Graham, Knuth & Patashnik, *Concrete Mathematics*, ch. 3), for integer-valued R, Y and a, m > 0:

- pull out multiples: floor((m*q + r)/m) = q + floor(r/m)
- gcd:                floor((g*R + c)/(g*m)) = floor((R + floor(c/g))/m)
- fold:               floor((floor(X/a) + Y)/m) = floor((X + a*Y)/(a*m))

>>> H = symbol("H")
>>> stem = (H + 2*3 - 7) // 2 + 1          # 7x7 conv, stride 2, padding 3
>>> stem
floor((H + 1)/2)
>>> (stem + 2*1 - 3) // 2 + 1              # then a 3x3 max pool, stride 2, padding 1
floor((H + 3)/4)
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import Union

Dim = Union[int, "Expr"]


class Symbol:
    """A named non-negative integer unknown, such as an input height ``H``."""

    __slots__ = ("name", "sort_key")

    def __init__(self, name: str):
        self.name = name
        self.sort_key = (0, name)

    def __eq__(self, other):
        return isinstance(other, Symbol) and other.name == self.name

    def __hash__(self):
        return hash(("sym", self.name))

    def __str__(self):
        return self.name

    def symbols(self) -> frozenset[str]:
        return frozenset((self.name,))


class Floor:
    """The atom floor(numerator/denominator), with an integer-valued numerator and denominator > 1."""

    __slots__ = ("numerator", "denominator", "sort_key", "_hash")

    def __init__(self, numerator: Expr, denominator: int):
        self.numerator = numerator
        self.denominator = denominator
        self.sort_key = (1, str(self))
        self._hash = hash(("floor", numerator, denominator))

    def __eq__(self, other):
        return (
            isinstance(other, Floor)
            and other.denominator == self.denominator
            and other.numerator == self.numerator
        )

    def __hash__(self):
        return self._hash

    def __str__(self):
        inner = str(self.numerator)
        if len(self.numerator.terms) > 1 or next(iter(self.numerator.terms.values())) != 1:
            inner = f"({inner})"
        return f"floor({inner}/{self.denominator})"

    def symbols(self) -> frozenset[str]:
        return self.numerator.symbols()


Atom = Union[Symbol, Floor]
Monomial = tuple  # tuple[tuple[Atom, int], ...], sorted by atom sort key; () is the constant


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    if not a:
        return b
    if not b:
        return a
    powers: dict = {}
    for atom, power in a + b:
        powers[atom] = powers.get(atom, 0) + power
    return tuple(sorted(powers.items(), key=lambda item: item[0].sort_key))


def _make(terms: dict) -> Dim:
    """Build an Expr from {monomial: coefficient}, dropping zeros; a constant becomes an int."""
    terms = {mono: coeff for mono, coeff in terms.items() if coeff}
    if not terms:
        return 0
    if len(terms) == 1 and () in terms:
        return terms[()]
    return Expr(terms)


class Expr:
    """A non-constant integer polynomial over symbols and floor atoms, in normal form."""

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: dict):
        self.terms = terms
        self._hash = None

    # ----- arithmetic -------------------------------------------------------------------
    def __add__(self, other: Dim) -> Dim:
        if isinstance(other, int):
            if other == 0:
                return self
            terms = dict(self.terms)
            terms[()] = terms.get((), 0) + other
            return _make(terms)
        if not isinstance(other, Expr):
            return NotImplemented
        terms = dict(self.terms)
        for mono, coeff in other.terms.items():
            terms[mono] = terms.get(mono, 0) + coeff
        return _make(terms)

    __radd__ = __add__

    def __neg__(self) -> Expr:
        return Expr({mono: -coeff for mono, coeff in self.terms.items()})

    def __sub__(self, other: Dim) -> Dim:
        return self + (-other)

    def __rsub__(self, other: Dim) -> Dim:
        return (-self) + other

    def __mul__(self, other: Dim) -> Dim:
        if isinstance(other, int):
            if other == 0:
                return 0
            if other == 1:
                return self
            return Expr({mono: coeff * other for mono, coeff in self.terms.items()})
        if not isinstance(other, Expr):
            return NotImplemented
        terms: dict = {}
        for mono_a, coeff_a in self.terms.items():
            for mono_b, coeff_b in other.terms.items():
                mono = _mono_mul(mono_a, mono_b)
                terms[mono] = terms.get(mono, 0) + coeff_a * coeff_b
        return _make(terms)

    __rmul__ = __mul__

    def __floordiv__(self, other: int) -> Dim:
        if not isinstance(other, int):
            return NotImplemented
        return floordiv(self, other)

    # ----- comparison and hashing ------------------------------------------------------------
    def __eq__(self, other):
        return isinstance(other, Expr) and other.terms == self.terms

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(frozenset(self.terms.items()))
        return self._hash

    def __bool__(self):
        return True  # never constant, so never zero

    # ----- inspection --------------------------------------------------------------------
    def symbols(self) -> frozenset[str]:
        found: frozenset[str] = frozenset()
        for mono in self.terms:
            for atom, _ in mono:
                found |= atom.symbols()
        return found

    def is_linear(self) -> bool:
        """True when every monomial is a constant or one atom to the first power."""
        return all(len(mono) == 0 or (len(mono) == 1 and mono[0][1] == 1) for mono in self.terms)

    def __str__(self):
        return _format(self)

    __repr__ = __str__


def symbol(name: str) -> Expr:
    """The expression consisting of the symbol ``name`` alone."""
    return Expr({((Symbol(name), 1),): 1})


def floordiv(value: Dim, divisor: int) -> Dim:
    """floor(value/divisor) in normal form; ``divisor`` is a non-zero int.

    >>> floordiv(2*symbol("H") + 3, 4)        # gcd identity
    floor((H + 1)/2)
    >>> floordiv(floordiv(symbol("H"), 2) + 1, 3)
    floor((H + 2)/6)
    """
    if isinstance(value, int):
        return value // divisor
    if divisor < 0:
        return floordiv(-value, -divisor)
    if divisor == 1:
        return value
    constant = value.terms.get((), 0)
    variable = {mono: coeff for mono, coeff in value.terms.items() if mono}
    common = gcd(divisor, *variable.values())
    if common > 1:  # gcd identity
        variable = {mono: coeff // common for mono, coeff in variable.items()}
        constant //= common
        divisor //= common
        if divisor == 1:
            return _make({**variable, (): constant})
    outer: dict = {}
    inner: dict = {}
    for mono, coeff in variable.items():  # pull out multiples of the divisor
        quotient, remainder = divmod(coeff, divisor)
        if quotient:
            outer[mono] = quotient
        if remainder:
            inner[mono] = remainder
    quotient, remainder = divmod(constant, divisor)
    outer[()] = quotient
    if not inner:
        return _make(outer)
    floors = [mono for mono in inner if len(mono) == 1 and isinstance(mono[0][0], Floor)]
    if len(floors) == 1 and inner[floors[0]] == 1 and floors[0][0][1] == 1:  # fold identity
        nested: Floor = floors[0][0][0]
        rest = _make({mono: coeff for mono, coeff in inner.items() if mono != floors[0]})
        folded = floordiv(nested.numerator + rest * nested.denominator + remainder * nested.denominator,
                          nested.denominator * divisor)
        return _make(outer) + folded
    inner[()] = remainder
    atom = Floor(Expr({mono: coeff for mono, coeff in inner.items() if coeff}), divisor)
    return _make(outer) + Expr({((atom, 1),): 1})


def ceildiv(value: Dim, divisor: int) -> Dim:
    """ceil(value/divisor) = floor((value + divisor - 1)/divisor) for divisor > 0."""
    return floordiv(value + (divisor - 1), divisor)


def is_concrete(value: Dim) -> bool:
    return isinstance(value, int)


def substitute(value: Dim, env: dict[str, int]) -> Dim:
    """Replace the symbols named in ``env`` by their values and renormalise."""
    if isinstance(value, int):
        return value
    total: Dim = 0
    for mono, coeff in value.terms.items():
        product: Dim = coeff
        for atom, power in mono:
            if isinstance(atom, Symbol):
                base = env[atom.name] if atom.name in env else symbol(atom.name)
            else:
                base = floordiv(substitute(atom.numerator, env), atom.denominator)
            for _ in range(power):
                product = product * base
        total = total + product
    return total


def evaluator(value: Dim, names: tuple[str, ...]):
    """A fast Python function of ``names`` computing ``value`` (used by the condition solver).

    >>> evaluator(floordiv(symbol("H") + 1, 2), ("H",))(224)
    112
    """
    code = _python(value)
    return eval(f"lambda {', '.join(names) or '_'}: {code}", {})  # built from our own atoms only


def _python(value: Dim) -> str:
    if isinstance(value, int):
        return f"({value})"
    parts = []
    for mono, coeff in value.terms.items():
        factors = [str(coeff)]
        for atom, power in mono:
            base = atom.name if isinstance(atom, Symbol) else (
                f"({_python(atom.numerator)} // {atom.denominator})")
            factors.extend([base] * power)
        parts.append("*".join(factors))
    return "(" + " + ".join(parts) + ")"


def slope(value: Dim, name: str) -> Fraction:
    """d value / d name for an expression linear in its atoms (floors contribute slope/denominator)."""
    if isinstance(value, int):
        return Fraction(0)
    total = Fraction(0)
    for mono, coeff in value.terms.items():
        if not mono:
            continue
        (atom, _), = mono
        if isinstance(atom, Symbol):
            total += coeff if atom.name == name else 0
        else:
            total += coeff * slope(atom.numerator, name) / atom.denominator
    return total


def period(value: Dim, name: str) -> int:
    """The least P with value(name + P) - value(name) constant, for an expression linear in atoms.

    >>> period(floordiv(symbol("H") + 3, 4) + floordiv(symbol("H"), 6), "H")
    12
    """
    if isinstance(value, int):
        return 1
    result = 1
    for mono in value.terms:
        for atom, _ in mono:
            if isinstance(atom, Floor):
                inner_period = period(atom.numerator, name)
                step = slope(atom.numerator, name) * inner_period  # an integer
                atom_period = inner_period * atom.denominator // gcd(atom.denominator, int(step))
                result = result * atom_period // gcd(result, atom_period)
    return result


def _format(value: Dim) -> str:
    if isinstance(value, int):
        return str(value)
    if len(value.terms) == 2 and () in value.terms:  # floor(X/m) + c prints as floor((X + c*m)/m)
        mono = next(mono for mono in value.terms if mono)
        if value.terms[mono] == 1 and len(mono) == 1 and mono[0][1] == 1 and isinstance(mono[0][0], Floor):
            atom = mono[0][0]
            return str(Floor(atom.numerator + value.terms[()] * atom.denominator, atom.denominator))
    factors = _separate(value)
    if factors is not None:
        coefficient, parts = factors
        texts = [f"({text})" if _has_top_level_sum(text) else text for text in map(_format, parts)]
        sign = "-" if coefficient < 0 else ""
        return sign + "*".join(([str(abs(coefficient))] if abs(coefficient) != 1 else []) + texts)

    def order(item):
        mono, _ = item
        return (0 if mono else 1, -sum(power for _, power in mono), [atom.sort_key for atom, _ in mono])

    text = ""
    for mono, coeff in sorted(value.terms.items(), key=order):
        factors = [str(atom) + (f"**{power}" if power > 1 else "") for atom, power in mono]
        magnitude = abs(coeff)
        body = "*".join(([str(magnitude)] if magnitude != 1 or not factors else []) + factors)
        if not text:
            text = ("-" if coeff < 0 else "") + body
        else:
            text += (" - " if coeff < 0 else " + ") + body
    return text


def _separate(value: Expr):
    """(c, [A, B, ...]) with value = c*A*B*... and each factor in the atoms of one symbol, when the
    value splits so (as the size of a tensor does: C*(H - 4)*(W - 4)); None otherwise."""
    owner = {}
    for mono in value.terms:
        for atom, _ in mono:
            names = atom.symbols()
            if len(names) != 1:
                return None
            owner[atom] = next(iter(names))
    names = sorted(set(owner.values()))
    if len(names) < 2:
        return None
    first = names[0]
    table: dict = {}  # the part in `first` -> {the rest -> coefficient}
    for mono, coeff in value.terms.items():
        mine = tuple(item for item in mono if owner[item[0]] == first)
        rest = tuple(item for item in mono if owner[item[0]] != first)
        table.setdefault(mine, {})[rest] = coeff
    rows = list(table)
    columns = list(dict.fromkeys(rest for row in table.values() for rest in row))
    pivot_row, pivot_column = rows[0], next(iter(table[rows[0]]))
    pivot = table[pivot_row][pivot_column]
    for row in rows:  # rank one: M[r][c] * M[r0][c0] == M[r][c0] * M[r0][c]
        for column in columns:
            if table[row].get(column, 0) * pivot != table[row].get(pivot_column, 0) * table[pivot_row].get(column, 0):
                return None
    content = gcd(*(table[row].get(pivot_column, 0) for row in rows))
    left = {row: table[row].get(pivot_column, 0) // content for row in rows}
    right = {column: table[pivot_row].get(column, 0) * content // table[pivot_row][pivot_column]
             for column in columns}  # M[:, c] = right[c] * left, exact since left is primitive
    left_expr, right_expr = _make(left), _make(right)
    coefficient, parts = 1, []
    for part in (left_expr, right_expr):
        if isinstance(part, int):
            coefficient *= part
            continue
        inner = _separate(part)
        pieces = inner[1] if inner else [part]
        coefficient *= inner[0] if inner else 1
        for piece in pieces:
            common = gcd(*piece.terms.values())
            if next(iter(sorted(piece.terms.items(), key=lambda t: (not t[0], str(t[0])))))[1] < 0:
                common = -common
            coefficient *= common
            parts.append(_make({mono: coeff // common for mono, coeff in piece.terms.items()}))
    return coefficient, parts


def _has_top_level_sum(text: str) -> bool:
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text[index:index + 3] in (" + ", " - "):
            return True
    return False


def format_dim(value: Dim) -> str:
    """A Dim as text: ints plainly, expressions in normal form."""
    return _format(value)
