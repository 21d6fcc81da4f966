"""Fact values: what a claim may hold for each field type, and the errors when it does not.

Shared by claim reading (text forms to Python values), the reference
interpreter and the generated evaluators, so a bad value gets the same error,
with its JSON path, whichever evaluator meets it.
"""

from __future__ import annotations

import datetime as _dt
import re
import reprlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Optional, Tuple

from .errors import ClaimError
from .messages import Word, type_word

LIMIT = Decimal(10) ** 15
MAX_LIST = 1_000_000
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class NotANumber(ValueError):
    """NaN or Infinity in JSON: the decoder's constant, refused as a fact (claims and table records alike)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def reject_constant(name: str) -> Any:
    raise NotANumber(name)


def exact_int(digits: str) -> Any:
    """A JSON integer; one past Python's digit limit for int() is kept as a Decimal, so that it is
    refused as a number out of range (C005) rather than with int()'s own message."""
    return int(digits) if len(digits) < 4000 else Decimal(digits)


def iso_date(text: str) -> _dt.date:
    """A date written YYYY-MM-DD, and only so: ``date.fromisoformat`` also takes 20170731 and week
    dates (2017-W31-1) from Python 3.11 on, which would make a claim's meaning depend on the Python."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"not a date written YYYY-MM-DD: {text!r}")
    return _dt.date.fromisoformat(text)


_SHORT = reprlib.Repr()  # containers shown only as far as the message shows them
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxdict, _SHORT.maxset = 6, 20, 20, 20, 20
_SHORT.maxstring = _SHORT.maxother = 60


def describe(value: Any) -> str:
    """A value in a message, as the claim would write it (true, 12.5, 2017-07-31, 'text'), not as
    Python writes it (True, Decimal('12.5'), datetime.date(2017, 7, 31))."""
    try:
        if value is None or isinstance(value, bool):
            text = {None: "null", True: "true", False: "false"}[value]
        elif isinstance(value, Decimal):
            text = format(value, "f") if value.is_finite() and abs(value.adjusted()) < 40 else str(value)
        elif isinstance(value, _dt.datetime):
            text = value.isoformat(sep=" ")
        elif isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
            text = str(value)
        elif isinstance(value, (bytes, bytearray)):
            text = f"<{len(value)} bytes>"
        elif isinstance(value, (list, tuple, dict, set, frozenset)):
            # a full repr of a list of a million records (or one nested past the recursion limit)
            # would cost far more than the 40 characters shown
            text = _SHORT.repr(value)
        else:
            text = repr(value)
    except (RecursionError, ValueError):  # an int past Python's digit limit
        return f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


def operand_values(texts: Tuple[str, ...], values: Tuple[Any, ...]) -> Tuple[Tuple[str, str], ...]:
    """An evaluation error's operands as its message shows them (``EvaluationError.operands``)."""
    return tuple(zip(texts, map(describe, values)))


def _expected(kind: str) -> Word:
    return type_word(kind)


def bad(kind: str, value: Any, path: str) -> ClaimError:
    return ClaimError("C001", path, expected=_expected(kind), actual=describe(value))


def _in_range(value: Any, path: str) -> Any:
    """Numbers a claim may hold: finite and below 10^15 in size (as read_claim requires)."""
    try:
        if -LIMIT < value < LIMIT:
            return value
    except (ArithmeticError, TypeError):
        pass
    raise ClaimError("C005", path, actual=describe(value))


def check_value(kind: str, value: Any, path: str, values: Tuple[str, ...] = ()) -> Any:
    """Validate an already-typed Python value for a field kind. None passes (unknown)."""
    if value is None:
        return None
    cls = value.__class__
    if kind == "bool":
        if cls is bool:
            return value
    elif kind == "integer":
        if isinstance(value, int) and cls is not bool:
            return _in_range(value, path)
    elif kind in ("decimal", "money"):
        if (isinstance(value, (int, Decimal))) and cls is not bool:
            return _in_range(value, path)
    elif kind == "date":
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return value
    elif kind == "text":
        if isinstance(value, str):
            return value
    elif kind == "enum":
        if isinstance(value, str):
            if value not in values:
                raise ClaimError("C006", path, actual=value, choices=", ".join(values))
            return value
    elif kind == "list":
        if isinstance(value, (list, tuple)):
            if len(value) > MAX_LIST:
                raise ClaimError("C010", path, limit=MAX_LIST)
            return value
    elif kind == "record":
        if isinstance(value, Mapping):
            return value
    raise bad(kind, value, path)


def record(value: Any, path: str) -> Optional[Mapping]:
    """A record (mapping) or unknown; anything else is a claim error."""
    if value is None or isinstance(value, Mapping):
        return value
    raise bad("record", value, path)
