"""Three-valued (Kleene) logic and the bounds of partly known numbers: the one place.

``None`` is *unknown*. A number that is not known exactly may still be known to
lie between bounds (a count of hires of which some are unknown); comparisons
against such a number are decided when every value between the bounds gives
the same answer. Every evaluator and target takes its logic from here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Optional, Tuple

import attrs

Truth = Optional[bool]


def and3(values: Iterable[Truth]) -> Truth:
    """False if any is false, else unknown if any is unknown, else true."""
    result: Truth = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def or3(values: Iterable[Truth]) -> Truth:
    result: Truth = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def not3(value: Truth) -> Truth:
    return None if value is None else not value


def decide_chain(op: str, parts: Iterable[Any]) -> Tuple[Truth, Tuple[Any, ...]]:
    """Kleene all/any over parts that carry a ``value`` and the ``unknown`` facts it waits on:
    the answer, and the parts whose facts could still change it (none once it is decided)."""
    stop = op == "any"  # the value that decides the chain
    waiting = []
    for part in parts:
        if part.value is stop:
            return stop, ()
        if part.value is None:
            waiting.append(part)
    if waiting:
        return None, tuple(waiting)
    return not stop, ()


@attrs.frozen
class Bounds:
    """An unknown number known to lie in [low, high]; None for no bound on that side."""

    low: Any = None
    high: Any = None

    @property
    def unbounded(self) -> bool:
        return self.low is None and self.high is None


def bounds_of(value: Any) -> Optional[Bounds]:
    """A known number as a point, Bounds as themselves; anything else (unknown) as None."""
    if isinstance(value, Bounds):
        return value
    if value is None or isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    return Bounds(value, value)


def _lt(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a < b


def _le(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a <= b


def compare_bounds(op: str, left: Bounds, right: Bounds) -> Truth:
    """Decide ``left op right`` for every pair of values within the bounds, or unknown."""
    if op in (">", ">="):
        return not3(compare_bounds("<=" if op == ">" else "<", left, right))
    if op == "<":
        if _lt(left.high, right.low):
            return True
        if _le(right.high, left.low):
            return False
        return None
    if op == "<=":
        if _le(left.high, right.low):
            return True
        if _lt(right.high, left.low):
            return False
        return None
    if op == "==":
        if left.low is not None and left.low == left.high == right.low == right.high:
            return True
        if _lt(left.high, right.low) or _lt(right.high, left.low):
            return False
        return None
    if op == "!=":
        return not3(compare_bounds("==", left, right))
    raise ValueError(op)  # pragma: no cover - operators come from the grammar


def add_bounds(left: Bounds, right: Bounds, sign: int = 1) -> Bounds:
    """left + right (sign 1) or left - right (sign -1)."""
    if sign == 1:
        low = None if left.low is None or right.low is None else left.low + right.low
        high = None if left.high is None or right.high is None else left.high + right.high
    else:
        low = None if left.low is None or right.high is None else left.low - right.high
        high = None if left.high is None or right.low is None else left.high - right.low
    return Bounds(low, high)


def scale_bounds(value: Bounds, factor: Any) -> Bounds:
    """value * factor for a known factor."""
    if factor == 0:
        return Bounds(0, 0)
    low = None if value.low is None else value.low * factor
    high = None if value.high is None else value.high * factor
    return Bounds(low, high) if factor > 0 else Bounds(high, low)

