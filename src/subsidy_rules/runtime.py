"""What generated code may touch: outcomes, verdicts and a fixed set of helpers.

Generated evaluators run with this module's helpers as their only globals, so
this file is the whole of what a rule can reach at run time.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple, Optional

from .errors import ClaimError, EvaluationError
from .messages import type_word
from .expr.types import BUILTINS
from .facts import LIMIT, MAX_LIST, bad, check_value, describe, operand_values

FEN = Decimal("0.01")


class Outcome(str, enum.Enum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNDETERMINED = "undetermined"

    def __str__(self) -> str:
        return self.value


class Verdict(NamedTuple):
    """The decide-only answer: an outcome and the amount (None when there is none)."""

    outcome: Outcome
    amount: Optional[Decimal]


OUTCOME_OF = {True: Outcome.ELIGIBLE, False: Outcome.INELIGIBLE, None: Outcome.UNDETERMINED}


class Bail(Exception):
    """The fast path met something it does not handle; the explaining path decides."""


def _bail() -> Any:
    raise Bail()


def fen(value: Any, text: str = "") -> Decimal:
    """Round an amount to the fen, half up. ``text`` is the amount's expression, for the error of
    an amount too large to hold to the fen."""
    try:
        return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise EvaluationError("X002", text or str(value), operands=operand_values((text,), (value,))) from None


def _getm(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    raise bad("record", record, "")


def _item(item: Any, path: str) -> Any:
    if isinstance(item, Mapping):
        return item
    raise bad("record", item, path)


def _chk(kind: str, value: Any, path: str, values: tuple) -> Any:
    return check_value(kind, value, path, values)


def _div(left: Any, right: Any, text: str, operands: tuple) -> Decimal:
    if right == 0:
        raise EvaluationError("X001", text, operands=operand_values(operands, (left, right)))
    return Decimal(left) / Decimal(right)


def _in3(item: Any, members: tuple, negated: bool) -> Optional[bool]:
    if item is None:
        return None
    if item in [m for m in members if m is not None]:
        found: Optional[bool] = True
    elif any(m is None for m in members):
        return None
    else:
        found = False
    return (not found) if negated else found


def _call(name: str, text: str, operands: tuple, *args: Any) -> Any:
    try:
        return BUILTINS[name].impl(*args)  # type: ignore[misc]
    except (OverflowError, ValueError):
        raise EvaluationError("X002", text, operands=operand_values(operands, args)) from None


def _min1(values: list) -> Any:
    if not values:
        raise Bail()
    return min(values)


def _max1(values: list) -> Any:
    if not values:
        raise Bail()
    return max(values)


def _known(record: Any, names: tuple) -> bool:
    current = record
    for name in names:
        if not isinstance(current, Mapping):
            raise Bail()
        current = current.get(name)
        if current is None:
            return False
    return True


def _opt(record: Any, names: tuple, kind: str, values: tuple) -> Any:
    """A fact that may be absent (asked about by known()): its checked value or None."""
    current = record
    for name in names:
        if current is None:
            return None
        if current.__class__ is not dict:
            raise Bail()
        current = current.get(name)
    try:
        return check_value(kind, current, "", values)
    except ClaimError:
        raise Bail() from None  # the reference evaluator reports it with its path


def _inlim(value: Any) -> bool:
    """Within the range a claim may hold (NaN and infinities are not)."""
    try:
        return -LIMIT < value < LIMIT
    except (InvalidOperation, TypeError):
        return False


def _lst(value: Any) -> list:
    if value.__class__ is list and len(value) <= MAX_LIST:
        return value
    raise Bail()  # the explaining code says what is wrong (C010 for an over-long list)


def _ref(found: Any) -> bool:
    """A referenced rule's result (a Tracked truth); unknown goes to the reference evaluator."""
    value = found.value
    if value is None:
        raise Bail()
    return value


def _claim(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value
    raise ClaimError("C001", "$", expected=type_word("mapping"), actual=describe(value))


def _rec(value: Any, path: str) -> Any:
    if value is None or value.__class__ is dict or isinstance(value, Mapping):
        return value
    raise bad("record", value, path)


def _mk(code: Optional[bool], amount: Optional[Decimal]) -> Verdict:
    return Verdict(OUTCOME_OF[code], amount)


BAIL_ERRORS = (Bail, KeyError, TypeError, AttributeError, IndexError, InvalidOperation)

HELPERS = {
    "_bail": _bail, "_fen": fen, "_getm": _getm, "_item": _item, "_chk": _chk, "_div": _div,
    "_in3": _in3, "_call": _call, "_min": min, "_max": max, "_min1": _min1, "_max1": _max1,
    "_known": _known, "_opt": _opt, "_lst": _lst, "_inlim": _inlim, "_LIM": int(LIMIT), "_NLIM": -int(LIMIT), "_ref": _ref, "_rec": _rec, "_claim": _claim, "_mk": _mk, "_BAIL": BAIL_ERRORS,
    "_enumerate": enumerate, "_len": len,
    "_dict": dict, "_list": list, "_int": int, "_bool": bool, "_str": str, "_Dec": Decimal, "_date": _dt.date,
    "_ZERO": Decimal("0.00"),
}
