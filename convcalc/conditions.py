"""Conditions on the input symbols under which a network is valid, solved exactly.

Each symbolic check a layer makes becomes a ``Constraint`` (value >= 0, value == 0, or value
divisible by d). Solving rests on two facts (see ../shared/SYMBOLIC.md):

- a size linear in floor atoms of one symbol H is periodic: with P its period and A = slope*P,
  f(H + P) = f(H) + A, so writing H = P*q + r makes every constraint affine in q: one
  evaluation per residue decides it exactly;
- every other constraint compares a product of sizes (a flattened tensor) with a constant, and
  sizes are nondecreasing in every symbol, so binary searches find the exact runs of solutions.

A solution set for one symbol is a ``Values``: per residue r mod M, the values H = r (mod M)
between a lower and an optional upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from heapq import heapify, heappop, heapreplace
from itertools import islice, takewhile
from math import gcd

from convcalc.errors import Location
from convcalc.symbolic import Dim, evaluator, format_dim, period, slope

MAX_MODULUS = 100_000  # residues examined for one symbol
MAX_EVALUATIONS = 500_000  # steps of work (evaluations, candidates, residues) for all conditions of a spec
SEARCH_LIMIT = 1 << 40  # sizes beyond this are not searched


class Budget:
    """The work left for solving one spec's conditions: every formula evaluation, every candidate
    size looked at and every residue walked costs one step, so ``MAX_EVALUATIONS`` bounds the
    solver's time whatever the conditions are; past it ``spend`` raises ``OverflowError`` and the
    condition is reported unsolved.

    >>> budget = Budget(3); budget.spend(2); budget.left
    1
    """

    def __init__(self, steps: int = MAX_EVALUATIONS):
        self.left = steps

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left < 0:
            raise OverflowError("evaluations")


@dataclass
class Constraint:
    relation: str  # ">=0" | "==0" | "divisible"
    value: Dim
    divisor: int | None
    layer: str
    location: Location
    key: str  # the check that made it
    node: object = field(repr=False, compare=False)  # the graph.Node whose check made it: findings point at it


@dataclass(frozen=True)
class Values:
    """{h >= 1 : h = r (mod modulus), low_r <= h <= high_r} for each residue r present."""

    modulus: int
    runs: tuple  # ((r, low, high or None), ...), sorted by r

    @classmethod
    def everything(cls) -> Values:
        return cls(1, ((0, 1, None),))

    @classmethod
    def interval(cls, low: int, high: int | None) -> Values:
        low = max(low, 1)
        return cls(1, ((0, low, high),)) if high is None or low <= high else cls(1, ())

    def canonical(self) -> Values:
        """The same set with the smallest modulus, so that equal sets compare equal."""
        runs = {r: (lo, hi) for r, lo, hi in self.runs}
        present = _indicator(runs, self.modulus)
        for d in range(1, self.modulus):
            if self.modulus % d or len(runs) % (self.modulus // d) or not _shift_invariant(present, d):
                continue  # the residues present must be whole classes mod d: cheap tests first
            merged = []
            for residue in range(d):
                members = [runs.get(r) for r in range(residue, self.modulus, d)]
                if not any(members):
                    continue
                if not all(members) or len({hi is None for _, hi in members}) > 1:
                    break
                low = min(lo for lo, _ in members)
                high = None if members[0][1] is None else max(hi for _, hi in members)
                aligned = all(lo == low + (r - low) % self.modulus and (
                    high is None or hi == high - (high - r) % self.modulus)
                    for r, (lo, hi) in zip(range(residue, self.modulus, d), members))
                if not aligned:
                    break
                merged.append((residue, low, high))
            else:
                return Values(d, tuple(merged))
        return self

    def is_empty(self) -> bool:
        return not self.runs

    def is_finite(self) -> bool:
        return all(high is not None for _, _, high in self.runs)

    def minimum(self) -> int | None:
        return min((low for _, low, _ in self.runs), default=None)

    @cached_property
    def _by_residue(self) -> dict:
        return {residue: (low, high) for residue, low, high in self.runs}

    def __contains__(self, value: int) -> bool:
        run = self._by_residue.get(value % self.modulus)
        return run is not None and run[0] <= value and (run[1] is None or value <= run[1])

    def intersect(self, other: Values) -> Values:
        modulus = self.modulus * other.modulus // gcd(self.modulus, other.modulus)
        if modulus > MAX_MODULUS:
            raise OverflowError(modulus)
        mine = {r: (lo, hi) for r, lo, hi in self.runs}
        theirs = {r: (lo, hi) for r, lo, hi in other.runs}
        runs = []
        for residue in range(modulus):
            a, b = mine.get(residue % self.modulus), theirs.get(residue % other.modulus)
            if a is None or b is None:
                continue
            low = max(a[0], b[0])
            low += (residue - low) % modulus
            highs = [h for h in (a[1], b[1]) if h is not None]
            high = min(highs) if highs else None
            if high is not None:
                high -= (high - residue) % modulus
                if high < low:
                    continue
            runs.append((residue, low, high))
        return Values(modulus, tuple(runs)).canonical()

    def elements(self, limit: int) -> list[int]:
        """The members in order (finite sets only, at most ``limit``)."""
        return list(islice(self.members(), limit))

    def members(self, start: int = 1):
        """The members from ``start`` up, in order, lazily (each run's next member kept in a heap)."""
        pending = []
        for residue, low, high in self.runs:
            first = max(low, start)
            first += (residue - first) % self.modulus
            if high is None or first <= high:
                pending.append((first, high))
        heapify(pending)
        while pending:
            h, high = pending[0]
            yield h
            if high is None or h + self.modulus <= high:
                heapreplace(pending, (h + self.modulus, high))
            else:
                heappop(pending)

    def clip(self, low: int, high: int | None) -> Values:
        """The members between ``low`` and ``high`` (None: no upper bound), keeping the modulus."""
        runs = []
        for residue, run_low, run_high in self.runs:
            start = max(run_low, low + (residue - low) % self.modulus)
            highs = [h for h in (run_high, high) if h is not None]
            stop = min(highs) if highs else None
            if stop is not None:
                stop -= (stop - residue) % self.modulus
                if stop < start:
                    continue
            runs.append((residue, start, stop))
        return Values(self.modulus, tuple(runs))

    def describe(self, name: str, lang: str = "en") -> str:
        from convcalc.i18n import translate

        if self.is_empty():
            return translate("cond_none", lang, name=name)
        if self.is_finite():
            members = self.elements(10_001)
            return translate("cond_in", lang, name=name, values=_runs_text(members[:10_000]) +
                             (", ..." if len(members) > 10_000 else ""))
        return _describe_infinite(self, name, lang)


def _indicator(residues, modulus: int) -> bytes:
    """Byte r is 1 when residue r is present."""
    marks = bytearray(modulus)
    for r in residues:
        marks[r] = 1
    return bytes(marks)


def _shift_invariant(marks: bytes, shift: int) -> bool:
    """Whether the residues marked map onto themselves when shifted by ``shift`` (compared as bytes)."""
    return marks[shift:] + marks[:shift] == marks


def _runs_text(members: list[int]) -> str:
    parts, start = [], 0
    for index in range(1, len(members) + 1):
        if index == len(members) or members[index] != members[index - 1] + 1:
            run = members[start:index]
            parts.append(str(run[0]) if len(run) == 1 else (
                f"{run[0]}, {run[1]}" if len(run) == 2 else f"{run[0]}..{run[-1]}"))
            start = index
    return ", ".join(parts)


def _describe_infinite(values: Values, name: str, lang: str) -> str:
    """'H >= 32', 'H - 1 divisible by 32', 'H mod 32 in {0, 25..31}', and any finite extras."""
    from convcalc.i18n import translate

    modulus = values.modulus
    tail = {r for r, _, high in values.runs if high is None}
    in_tail = _indicator(tail, modulus)
    period_ = next(d for d in range(1, modulus + 1) if modulus % d == 0 and len(tail) % (modulus // d) == 0
                   and _shift_invariant(in_tail, d))
    residues = sorted({r % period_ for r in tail})

    in_pattern = set(residues)

    def pattern(h: int) -> bool:
        return h % period_ in in_pattern

    # from `start` on the set and the pattern agree: past the last disagreement of every residue
    # class (a pattern class's run begins at its low; any other class's run ends at its high)
    last_disagreement = 0
    for residue, low, high in values.runs:
        last_disagreement = max(last_disagreement, low - modulus if pattern(residue) else high)
    start = last_disagreement + 1 if last_disagreement >= 1 else 1
    first_in_pattern = next(h for h in range(start, start + period_ + 1) if pattern(h))
    parts = []
    if first_in_pattern > 1 and not (period_ > 1 and first_in_pattern <= period_ and start <= 1):
        parts.append(translate("cond_at_least", lang, name=name, value=first_in_pattern))
    if period_ > 1:
        if len(residues) == 1:
            shift = residues[0] if residues[0] <= period_ // 2 else residues[0] - period_
            subject = name if shift == 0 else (f"{name} - {shift}" if shift > 0 else f"{name} + {-shift}")
            parts.append(translate("cond_divisible", lang, subject=subject, divisor=period_))
        else:
            parts.append(translate("cond_residues", lang, name=name, divisor=period_, values=_runs_text(residues)))
    text = translate("cond_and", lang).join(parts) if parts else translate("cond_any", lang, name=name)
    extras = list(takewhile(lambda h: h < start, values.members()))
    if extras:
        text = translate("cond_or_also", lang, text=text, name=name, values=_runs_text(extras))
    return text


@dataclass
class Condition:
    """A solved condition: the set it allows per symbol (or joint boxes), tied to its layers."""

    symbols: tuple[str, ...]
    layers: list[tuple[str, Location]]
    key: str  # the check that imposes it
    per_symbol: dict[str, Values] = field(default_factory=dict)
    boxes: list[dict[str, Values]] | None = None  # alternatives for joint conditions
    unsolved: str | None = None  # the raw condition when it could not be solved

    def describe(self, lang: str = "en") -> str:
        from convcalc.i18n import translate

        if self.unsolved is not None:
            return self.unsolved
        if self.boxes is not None:
            if not self.boxes:
                return translate("cond_none", lang, name=", ".join(self.symbols))
            return translate("cond_or", lang).join(
                "(" + translate("cond_and", lang).join(box[s].describe(s, lang) for s in self.symbols) + ")"
                if len(self.symbols) > 1 else box[self.symbols[0]].describe(self.symbols[0], lang)
                for box in self.boxes)
        return translate("cond_and", lang).join(self.per_symbol[s].describe(s, lang) for s in self.symbols)


def solve(constraints: list[Constraint], symbols: tuple[str, ...], findings: list) -> list[Condition]:
    """Solve every constraint; return the conditions that bind (the valid set without any of them
    would be larger), first the overall valid sizes; add an error finding when nothing is valid."""
    domain = {name: Values.everything() for name in symbols}
    budget = Budget()
    simple, joint, unsolved = [], [], []
    solved: dict[tuple, Values] = {}
    for constraint in constraints:
        names = tuple(sorted(constraint.value.symbols()))
        if len(names) == 1 and constraint.value.is_linear():
            try:
                case = (constraint.relation, constraint.value, constraint.divisor)
                if case not in solved:  # a deep network repeats the same condition many times
                    solved[case] = _solve_linear(constraint, names[0], budget)
                simple.append((constraint, names[0], solved[case]))
                continue
            except OverflowError:
                pass
        (joint if constraint.relation != "divisible" else unsolved).append(constraint)

    # most restrictive first, so that weaker conditions are recognised as implied
    simple.sort(key=lambda item: (item[2].is_finite() is False, -(item[2].minimum() or 0)))
    conditions: list[Condition] = []
    for constraint, name, allowed in simple:
        try:
            budget.spend(domain[name].modulus * allowed.modulus // gcd(domain[name].modulus, allowed.modulus))
            narrowed = domain[name].intersect(allowed)
        except OverflowError:
            unsolved.append(constraint)
            continue
        if narrowed == domain[name]:
            continue
        domain[name] = narrowed
        conditions.append(Condition((name,), [(constraint.layer, constraint.location)], constraint.key,
                                    per_symbol={name: allowed}))
        if narrowed.is_empty():
            findings.append(_finding(constraint, "error", "no_valid_size", {"condition": allowed.describe(name)}))
            return conditions

    boxes = [dict(domain)]
    for constraint in joint:
        names = tuple(sorted(constraint.value.symbols()))
        try:
            found = _solve_monotone(constraint, names, boxes, budget)
        except OverflowError:
            unsolved.append(constraint)
            continue
        boxes = found
        condition = Condition(names, [(constraint.layer, constraint.location)], constraint.key, boxes=found)
        conditions.append(condition)
        if not found:
            findings.append(_finding(constraint, "error", "no_valid_size", {"condition": condition.describe()}))
            return conditions
    for constraint in unsolved:
        text = f"{format_dim(constraint.value)} " + (
            f"divisible by {constraint.divisor}" if constraint.relation == "divisible" else constraint.relation[:-1] + " 0")
        conditions.append(Condition(tuple(sorted(constraint.value.symbols())),
                                    [(constraint.layer, constraint.location)], constraint.key, unsolved=text))
        findings.append(_finding(constraint, "warning", "condition_unsolved", {"condition": text}))
    if len(boxes) == 1:
        overall = Condition(symbols, [], "valid_sizes", per_symbol=boxes[0])
    else:
        overall = Condition(symbols, [], "valid_sizes", boxes=boxes)
    return [overall] + conditions


def _finding(constraint: Constraint, level: str, key: str, params: dict):
    """A finding at the layer whose check made ``constraint``."""
    from convcalc.diagnostics import Finding

    return Finding.at(constraint.node, level, key, params)


def _solve_linear(constraint: Constraint, name: str, budget: Budget) -> Values:
    """Exact solution of one constraint linear in the floor atoms of one symbol."""
    value = constraint.value
    f = evaluator(value, (name,))
    step = period(value, name)
    rise = int(slope(value, name) * step)  # f(h + step) = f(h) + rise
    if constraint.relation == "divisible":
        d = constraint.divisor
        modulus = step * d // gcd(rise, d) if rise else step
        if modulus > MAX_MODULUS:
            raise OverflowError(modulus)
        budget.spend(modulus)
        return Values(modulus, tuple(sorted((r % modulus, r, None) for r in range(1, modulus + 1)
                                            if f(r) % d == 0))).canonical()
    if step > MAX_MODULUS:
        raise OverflowError(step)
    budget.spend(step)
    runs = []
    for r in range(1, step + 1):
        base = f(r)  # f(r + step*q) = base + rise*q, q >= 0
        if constraint.relation == "==0":
            if rise == 0 and base == 0:
                runs.append((r % step, r, None))
            elif rise != 0 and -base % rise == 0 and -base // rise >= 0:
                h = r + step * (-base // rise)
                runs.append((r % step, h, h))
        elif rise > 0:
            runs.append((r % step, r + step * (-(base // rise) if base < 0 else 0), None))
        elif base >= 0:
            runs.append((r % step, r, None if rise == 0 else r + step * (base // -rise)))
    return Values(step, tuple(sorted(runs))).canonical()


def _solve_monotone(constraint: Constraint, names: tuple[str, ...], boxes: list[dict], budget: Budget) -> list[dict]:
    """Constraints on products of sizes, nondecreasing in every symbol: exact runs by bisection,
    enumerating the members of each box for all symbols but the last; every evaluation, every
    candidate and every run clipped is paid from ``budget``."""
    f = evaluator(constraint.value, names)
    equality = constraint.relation == "==0"
    if not equality and len(names) > 1:
        raise OverflowError("an inequality in several symbols")  # not produced by any layer
    result = []

    def first_at_least(fixed, low, target_positive):
        """Smallest h >= low with f(*fixed, h) >= 0 (or > 0), by doubling and bisection."""
        def ok(h):
            budget.spend()
            value = f(*fixed, h)
            return value > 0 if target_positive else value >= 0
        high = max(low, 1)
        while not ok(high):
            if high > SEARCH_LIMIT:
                return None
            high *= 2
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if ok(middle) else (middle + 1, high)
        return low

    for box in boxes:
        def recurse(index, fixed):
            name = names[index]
            allowed = box[name]
            low = allowed.minimum()
            if low is None:
                return []
            if index == len(names) - 1:
                start = first_at_least(fixed, low, False)
                if start is None:
                    return []
                stop = first_at_least(fixed, start, True) if equality else None
                budget.spend(len(allowed.runs))
                narrowed = allowed.clip(start, None if stop is None else stop - 1)
                return [] if narrowed.is_empty() else [{name: narrowed}]
            # enumerate this symbol up to where even the smallest later values overshoot
            found = []
            smallest_rest = [box[n].minimum() for n in names[index + 1:]]
            for h in allowed.members(low):
                budget.spend()
                if h > SEARCH_LIMIT or (equality and f(*fixed, h, *smallest_rest) > 0):
                    break
                for rest in recurse(index + 1, fixed + (h,)):
                    found.append({name: Values.interval(h, h), **rest})
            return found

        for solution in recurse(0, ()):
            result.append({**box, **solution})
    return _merge_boxes(result, names)


def _merge_boxes(boxes: list[dict], names: tuple[str, ...]) -> list[dict]:
    """Join boxes that differ only in a first symbol of consecutive values."""
    merged: list[dict] = []
    for box in boxes:
        if merged and len(names) > 1:
            last = merged[-1]
            first = names[0]
            same_rest = all(last[n] == box[n] for n in last if n != first)
            a, b = last[first], box[first]
            if same_rest and a.is_finite() and b.is_finite() and a.modulus == b.modulus == 1 \
                    and a.runs[0][2] + 1 == b.runs[0][1]:
                merged[-1] = {**last, first: Values.interval(a.runs[0][1], b.runs[0][2])}
                continue
        merged.append(box)
    return merged
